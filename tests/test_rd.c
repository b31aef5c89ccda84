/* tests/test_rd.c: the checked reader reads the right bytes and never one more. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode/rd.h"

static const uint8_t bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x85, 0x86, 0x87, 0x88 };

/* Every getter is checked on a heap copy of exactly the bytes it may read, so
 * an over-read is an AddressSanitizer report, not a silent pass. */
static uint8_t *exact_copy(const uint8_t *src, size_t n)
{
	uint8_t *p = test_malloc(n ? n : 1);
	if (n)
		memcpy(p, src, n);
	return p;
}

static void make_starts_at_zero_and_left_counts_down(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint8_t b = 0;

	(void)state;
	assert_ptr_equal(r.p, bytes);
	assert_int_equal(r.len, 8);
	assert_int_equal(r.off, 0);
	assert_int_equal(sf_rd_left(&r), 8);
	assert_true(sf_rd_u8(&r, &b));
	assert_int_equal(sf_rd_left(&r), 7);
}

static void u8_reads_each_byte_in_order(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);

	(void)state;
	for (size_t i = 0; i < sizeof bytes; i++) {
		uint8_t b = 0;
		assert_true(sf_rd_u8(&r, &b));
		assert_int_equal(b, bytes[i]);
		assert_int_equal(r.off, i + 1);
	}
}

static void be16_is_big_endian(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint16_t v = 0;

	(void)state;
	assert_true(sf_rd_be16(&r, &v));
	assert_int_equal(v, 0x0102);
	assert_true(sf_rd_be16(&r, &v));
	assert_int_equal(v, 0x0304);
	/* The high bit set must not sign-extend through the int promotion. */
	assert_true(sf_rd_be16(&r, &v));
	assert_int_equal(v, 0x8586);
	assert_int_equal(r.off, 6);
}

static void be32_is_big_endian_including_the_top_bit(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint32_t v = 0;

	(void)state;
	assert_true(sf_rd_be32(&r, &v));
	assert_int_equal(v, 0x01020304u);
	assert_true(sf_rd_be32(&r, &v));
	assert_int_equal(v, 0x85868788u);
	assert_int_equal(r.off, 8);
}

static void le32_is_little_endian(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint32_t v = 0;

	(void)state;
	assert_true(sf_rd_le32(&r, &v));
	assert_int_equal(v, 0x04030201u);
	assert_true(sf_rd_le32(&r, &v));
	assert_int_equal(v, 0x88878685u);
	assert_int_equal(r.off, 8);
}

static void reads_start_at_the_current_offset(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint32_t v = 0;

	(void)state;
	assert_true(sf_rd_skip(&r, 1));
	assert_true(sf_rd_be32(&r, &v));
	assert_int_equal(v, 0x02030485u);
	assert_int_equal(r.off, 5);
}

/* For every getter and every start offset: a read that fits succeeds and
 * moves off by its size; one that does not fails and leaves both off and the
 * output untouched. The buffer is exactly len bytes long. */
static void every_getter_fails_at_the_boundary_without_moving(void **state)
{
	(void)state;
	for (size_t len = 0; len <= sizeof bytes; len++) {
		uint8_t *p = exact_copy(bytes, len);
		for (size_t off = 0; off <= len; off++) {
			size_t left = len - off;
			struct sf_rd r = { .p = p, .len = len, .off = off };
			uint8_t b = 0xaa;
			uint16_t w = 0xaaaa;
			uint32_t d = 0xaaaaaaaau;

			assert_int_equal(sf_rd_u8(&r, &b), left >= 1);
			assert_int_equal(r.off, left >= 1 ? off + 1 : off);
			if (left < 1)
				assert_int_equal(b, 0xaa);

			r.off = off;
			assert_int_equal(sf_rd_be16(&r, &w), left >= 2);
			assert_int_equal(r.off, left >= 2 ? off + 2 : off);
			if (left < 2)
				assert_int_equal(w, 0xaaaa);

			r.off = off;
			assert_int_equal(sf_rd_be32(&r, &d), left >= 4);
			assert_int_equal(r.off, left >= 4 ? off + 4 : off);
			if (left < 4)
				assert_int_equal(d, 0xaaaaaaaau);

			r.off = off;
			d = 0xaaaaaaaau;
			assert_int_equal(sf_rd_le32(&r, &d), left >= 4);
			assert_int_equal(r.off, left >= 4 ? off + 4 : off);
			if (left < 4)
				assert_int_equal(d, 0xaaaaaaaau);
		}
		test_free(p);
	}
}

static void skip_accepts_exactly_what_is_left(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);

	(void)state;
	assert_true(sf_rd_skip(&r, 0));
	assert_int_equal(r.off, 0);
	assert_true(sf_rd_skip(&r, 3));
	assert_false(sf_rd_skip(&r, 6));
	assert_int_equal(r.off, 3);
	assert_true(sf_rd_skip(&r, 5));
	assert_int_equal(r.off, 8);
	assert_false(sf_rd_skip(&r, 1));
	assert_int_equal(r.off, 8);
}

/* `off + n > len` would wrap for a huge n and pass; `len - off < n` cannot. */
static void huge_counts_do_not_wrap_the_check(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint8_t dst[8];
	uint32_t sum = 0;

	(void)state;
	assert_true(sf_rd_skip(&r, 2));
	assert_false(sf_rd_skip(&r, SIZE_MAX));
	assert_false(sf_rd_skip(&r, SIZE_MAX - 1));
	assert_false(sf_rd_copy(&r, dst, SIZE_MAX - 1));
	assert_false(sf_rd_sum16(&r, SIZE_MAX - 1, &sum));
	assert_null(sf_rd_peek(&r, SIZE_MAX - 1));
	assert_int_equal(r.off, 2);
	assert_int_equal(sum, 0);
}

static void copy_takes_n_bytes_or_none(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint8_t dst[8];

	(void)state;
	memset(dst, 0xee, sizeof dst);
	assert_true(sf_rd_skip(&r, 2));
	assert_true(sf_rd_copy(&r, dst, 4));
	assert_memory_equal(dst, bytes + 2, 4);
	assert_int_equal(dst[4], 0xee);
	assert_int_equal(r.off, 6);

	memset(dst, 0xee, sizeof dst);
	assert_false(sf_rd_copy(&r, dst, 3));
	assert_int_equal(r.off, 6);
	assert_int_equal(dst[0], 0xee);
	assert_true(sf_rd_copy(&r, dst, 2));
	assert_int_equal(r.off, 8);
}

static void peek_points_without_consuming(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);

	(void)state;
	assert_true(sf_rd_skip(&r, 5));
	assert_ptr_equal(sf_rd_peek(&r, 3), bytes + 5);
	assert_ptr_equal(sf_rd_peek(&r, 0), bytes + 5);
	assert_int_equal(r.off, 5);
	assert_null(sf_rd_peek(&r, 4));
	assert_int_equal(r.off, 5);
}

/* A ones-complement sum may be kept partly folded: only its 16-bit fold is
 * the checksum, so that is what the tests compare. */
static uint16_t fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 1071 done the slow, obvious way: big-endian byte pairs. */
static uint16_t ref_sum(uint32_t start, const uint8_t *p, size_t n)
{
	uint64_t s = start;

	for (size_t i = 0; i < n; i++)
		s += i % 2 == 0 ? (uint64_t)p[i] << 8 : p[i];
	return fold16(s);
}

static void sum16_adds_big_endian_words(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint32_t sum = 0;

	(void)state;
	assert_true(sf_rd_sum16(&r, 8, &sum));
	assert_int_equal(fold16(sum), fold16(0x0102u + 0x0304u + 0x8586u + 0x8788u));
	assert_int_equal(r.off, 8);
}

/* RFC 1071: an odd last byte is the high half of a word padded with zero. */
static void sum16_pads_an_odd_last_byte_on_the_right(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint32_t sum = 0;

	(void)state;
	assert_true(sf_rd_sum16(&r, 1, &sum));
	assert_int_equal(fold16(sum), 0x0100);
	assert_true(sf_rd_sum16(&r, 3, &sum));
	assert_int_equal(fold16(sum), 0x0100u + 0x0203u + 0x0400u);
	assert_int_equal(r.off, 4);

	/* Odd length from an odd offset: 85 86 87 -> 0x8586 + 0x8700. */
	r.off = 4;
	sum = 0;
	assert_true(sf_rd_sum16(&r, 3, &sum));
	assert_int_equal(fold16(sum), fold16(0x8586u + 0x8700u));
	assert_int_equal(r.off, 7);
}

/* Every length from 0 to 80 at every start offset 0..8, from a zero and a
 * non-zero running sum, against the byte-pair reference: whatever word size
 * or byte order the reader sums in, the fold must agree. */
static void sum16_agrees_with_the_byte_pair_reference_at_every_length(void **state)
{
	uint8_t buf[96];
	uint32_t x = 0x12345678u;

	(void)state;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u; /* fixed pseudo-random bytes: repeatable */
		buf[i] = (uint8_t)(x >> 16);
	}
	memset(buf + 40, 0xff, 12); /* a run of all-ones words for the carries */
	for (size_t off = 0; off <= 8; off++) {
		for (size_t n = 0; off + n <= 88; n++) {
			static const uint32_t starts[] = { 0, 1, 0xffff, 0xfffffffeu };
			for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
				uint8_t *p = exact_copy(buf + off, n);
				struct sf_rd r = sf_rd_make(p, n);
				uint32_t sum = starts[k];
				assert_true(sf_rd_sum16(&r, n, &sum));
				if (fold16(sum) != ref_sum(starts[k], buf + off, n))
					fail_msg("off %zu len %zu start %#x: %#x, want %#x", off, n,
						 starts[k], fold16(sum),
						 ref_sum(starts[k], buf + off, n));
				assert_int_equal(r.off, n);
				test_free(p);
			}
		}
	}
}

static void sum16_of_nothing_changes_nothing(void **state)
{
	struct sf_rd r = sf_rd_make(bytes, sizeof bytes);
	uint32_t sum = 1234;

	(void)state;
	assert_true(sf_rd_sum16(&r, 0, &sum));
	assert_int_equal(fold16(sum), 1234);
	assert_int_equal(r.off, 0);
}

static void sum16_fails_past_the_end_and_keeps_sum_and_off(void **state)
{
	uint8_t *p = exact_copy(bytes, 5);
	struct sf_rd r = sf_rd_make(p, 5);
	uint32_t sum = 77;

	(void)state;
	assert_true(sf_rd_skip(&r, 1));
	assert_false(sf_rd_sum16(&r, 5, &sum));
	assert_int_equal(sum, 77);
	assert_int_equal(r.off, 1);
	assert_true(sf_rd_sum16(&r, 4, &sum));
	assert_int_equal(fold16(sum), fold16(77u + 0x0203u + 0x0485u));
	test_free(p);
}

/* A carry out of bit 31 comes back in at bit 0 (end-around carry), so the
 * 32-bit accumulator still folds to the right 16-bit sum. */
static void sum16_wraps_carries_out_of_32_bits(void **state)
{
	static const uint8_t one[2] = { 0x00, 0x01 };
	struct sf_rd r = sf_rd_make(one, sizeof one);
	uint32_t sum = 0xffffffffu;

	(void)state;
	assert_true(sf_rd_sum16(&r, 2, &sum));
	assert_int_equal(fold16(sum), fold16(0xffffffffull + 1));
}

/* 100000 words of 0xffff overflow 32 bits on their own. */
static void sum16_of_a_long_buffer_keeps_every_carry(void **state)
{
	size_t n = 200000;
	uint8_t *p = test_malloc(n);
	struct sf_rd r = sf_rd_make(p, n);
	uint32_t sum = 0;

	(void)state;
	memset(p, 0xff, n);
	assert_true(sf_rd_sum16(&r, n, &sum));
	assert_int_equal(fold16(sum), fold16((uint64_t)(n / 2) * 0xffffu));
	/* And one word that is not all ones, at the end, must still count. */
	p[n - 1] = 0xfe;
	r = sf_rd_make(p, n);
	sum = 0;
	assert_true(sf_rd_sum16(&r, n, &sum));
	assert_int_equal(fold16(sum), ref_sum(0, p, n));
	test_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(make_starts_at_zero_and_left_counts_down),
		cmocka_unit_test(u8_reads_each_byte_in_order),
		cmocka_unit_test(be16_is_big_endian),
		cmocka_unit_test(be32_is_big_endian_including_the_top_bit),
		cmocka_unit_test(le32_is_little_endian),
		cmocka_unit_test(reads_start_at_the_current_offset),
		cmocka_unit_test(every_getter_fails_at_the_boundary_without_moving),
		cmocka_unit_test(skip_accepts_exactly_what_is_left),
		cmocka_unit_test(huge_counts_do_not_wrap_the_check),
		cmocka_unit_test(copy_takes_n_bytes_or_none),
		cmocka_unit_test(peek_points_without_consuming),
		cmocka_unit_test(sum16_adds_big_endian_words),
		cmocka_unit_test(sum16_pads_an_odd_last_byte_on_the_right),
		cmocka_unit_test(sum16_agrees_with_the_byte_pair_reference_at_every_length),
		cmocka_unit_test(sum16_of_nothing_changes_nothing),
		cmocka_unit_test(sum16_fails_past_the_end_and_keeps_sum_and_off),
		cmocka_unit_test(sum16_wraps_carries_out_of_32_bits),
		cmocka_unit_test(sum16_of_a_long_buffer_keeps_every_carry),
	};
	return cmocka_run_group_tests_name("rd", tests, NULL, NULL);
}
