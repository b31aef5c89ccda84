/* tests/test_buf.c: the output buffer's number and address formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/buf.h"

static struct sf_buf *new_buf(void)
{
	struct sf_buf *b = malloc(sizeof(*b));
	assert_non_null(b);
	sf_buf_init(b, stdout);
	return b;
}

static void expect_text(struct sf_buf *b, const char *want)
{
	assert_int_equal(b->n, strlen(want));
	assert_memory_equal(b->d, want, b->n);
	b->n = 0;
}

static void ipv6_matches_inet_ntop(struct sf_buf *b, const uint8_t a[16])
{
	char want[INET6_ADDRSTRLEN];
	assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
	sf_buf_ipv6(b, a);
	expect_text(b, want);
}

static void ipv6_special_forms_match_inet_ntop(void **state)
{
	static const uint8_t cases[][16] = {
		{ 0 },                                               /* :: */
		{ [15] = 1 },                                        /* ::1 */
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },                /* 2001:db8::1 */
		{ 0xfe, 0x80, [8] = 0x02, [9] = 0x42, [15] = 0x0a }, /* link local */
		{ [10] = 0xff, [11] = 0xff, 192, 0, 2, 1 },          /* ::ffff:192.0.2.1 */
		{ [12] = 192, 0, 2, 1 },                             /* ::192.0.2.1 */
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
		  1 },                                              /* one zero group: no :: */
		{ 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1 }, /* two equal runs: first wins */
		{ 0x20, 0x01, [14] = 0, [15] = 0 },                 /* run to the end: 2001:: */
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		  0xff, 0xff, 0xff },
	};
	struct sf_buf *b = new_buf();
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ipv6_matches_inet_ntop(b, cases[i]);
	free(b);
}

/* Random addresses with many zero bytes exercise every run position. */
static void ipv6_random_addresses_match_inet_ntop(void **state)
{
	struct sf_buf *b = new_buf();
	uint32_t x = 12345;
	(void)state;
	for (int n = 0; n < 200000; n++) {
		uint8_t a[16];
		for (int i = 0; i < 16; i++) {
			x = x * 1103515245u + 12345u;
			a[i] = (x >> 16) % 3 == 0 ? (uint8_t)(x >> 8) : 0;
		}
		ipv6_matches_inet_ntop(b, a);
	}
	free(b);
}

static void numbers_are_formatted_exactly(void **state)
{
	struct sf_buf *b = new_buf();
	(void)state;
	sf_buf_u64(b, 0);
	expect_text(b, "0");
	sf_buf_u64(b, 4294967295u);
	expect_text(b, "4294967295");
	sf_buf_u64(b, UINT64_MAX);
	expect_text(b, "18446744073709551615");
	sf_buf_u32_pad(b, 42, 6);
	expect_text(b, "000042");
	sf_buf_u32_pad(b, 999999999, 9);
	expect_text(b, "999999999");
	sf_buf_hex(b, 0x12, 4);
	expect_text(b, "0x0012");
	sf_buf_hex(b, 0xbeef, 4);
	expect_text(b, "0xbeef");
	sf_buf_ipv4(b, (const uint8_t[]){ 255, 0, 10, 1 });
	expect_text(b, "255.0.10.1");
	sf_buf_hexbytes(b, (const uint8_t[]){ 0x00, 0xab, 0x0f }, 3);
	expect_text(b, "00ab0f");
	free(b);
}

/* A stream that refuses writes is reported at flush, once and for good. */
static void a_failed_stream_is_reported_at_flush(void **state)
{
	struct sf_buf *b = new_buf();
	FILE *full = fopen("/dev/full", "w");
	(void)state;
	if (full == NULL) {
		free(b);
		skip();
	}
	sf_buf_init(b, full);
	sf_buf_str(b, "hello");
	assert_false(sf_buf_flush(b));
	sf_buf_str(b, "again");
	assert_false(sf_buf_flush(b));
	fclose(full);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv6_special_forms_match_inet_ntop),
		cmocka_unit_test(ipv6_random_addresses_match_inet_ntop),
		cmocka_unit_test(numbers_are_formatted_exactly),
		cmocka_unit_test(a_failed_stream_is_reported_at_flush),
	};
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
