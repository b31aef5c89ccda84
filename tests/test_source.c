/* tests/test_source.c: our capture-file readers against libpcap, record by record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/source.h"

struct capfile {
	char path[64];
	FILE *f;
	bool be; /* write big-endian */
};

static void put32(struct capfile *c, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(c->be ? v >> (24 - 8 * i) : v >> (8 * i));
	assert_int_equal(fwrite(b, 1, 4, c->f), 4);
}

static void put16(struct capfile *c, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(c->be ? v >> 8 : v), (uint8_t)(c->be ? v : v >> 8) };
	assert_int_equal(fwrite(b, 1, 2, c->f), 2);
}

static void cap_open(struct capfile *c, bool be, uint32_t magic, uint16_t minor, uint32_t snaplen,
		     uint32_t linktype)
{
	int fd = -1;
	snprintf(c->path, sizeof(c->path), "/tmp/synfin-test-XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	c->f = fdopen(fd, "wb");
	assert_non_null(c->f);
	c->be = be;
	put32(c, magic);
	put16(c, 2);
	put16(c, minor);
	put32(c, 0);
	put32(c, 0);
	put32(c, snaplen);
	put32(c, linktype);
}

/* One record; `stored` bytes of data follow whatever caplen claims. */
static void cap_rec(struct capfile *c, uint32_t sec, uint32_t frac, uint32_t caplen,
		    uint32_t wirelen, size_t stored, bool kuznetsov)
{
	put32(c, sec);
	put32(c, frac);
	put32(c, caplen);
	put32(c, wirelen);
	if (kuznetsov) {
		put32(c, 7); /* ifindex */
		put16(c, 8); /* protocol */
		put16(c, 0); /* pkt_type, pad */
	}
	for (size_t i = 0; i < stored; i++)
		assert_int_equal(fputc((int)(i * 7 + sec) & 0xff, c->f),
				 (int)((i * 7 + sec) & 0xff));
}

/* Reads the file with libpcap and with synfin's source, and demands the same
 * records, the same bytes, and an error at the same place. */
static void same_as_libpcap(struct capfile *c, bool nano)
{
	char perr[PCAP_ERRBUF_SIZE], err[SF_SRC_ERRLEN];
	pcap_t *pc = NULL;
	struct sf_src src;
	int n = 0;

	assert_int_equal(fclose(c->f), 0);
	pc = pcap_open_offline_with_tstamp_precision(
		c->path, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, perr);
	assert_non_null(pc);
	assert_true(sf_src_open_file(&src, c->path, nano, err, sizeof(err)));
	assert_null(src.pc); /* a regular file: our own reader */
	assert_int_equal(src.dlt, pcap_datalink(pc));
	for (;;) {
		struct pcap_pkthdr *h = NULL;
		const u_char *want = NULL;
		const uint8_t *got = NULL, *peeked = NULL;
		uint32_t peeklen = 0;
		int peekdlt = 0;
		struct sf_pkt pkt;
		int lr = pcap_next_ex(pc, &h, &want);
		/* A look ahead consumes nothing and shows the frame to come. */
		bool peek = sf_src_peek(&src, 0, &peeked, &peeklen, &peekdlt);
		enum sf_src_rc sr = sf_src_next(&src, &pkt, &got, err, sizeof(err));

		if (peek) {
			assert_int_equal(sr, SF_SRC_PACKET);
			assert_ptr_equal(peeked, got);
			assert_int_equal(peeklen, pkt.caplen);
			assert_int_equal(peekdlt, pkt.dlt);
		}

		n++;
		if (lr == PCAP_ERROR_BREAK) {
			assert_int_equal(sr, SF_SRC_EOF);
			break;
		}
		if (lr != 1) {
			assert_int_equal(sr, SF_SRC_ERROR);
			assert_int_equal(pkt.num, (uint64_t)n);
			break;
		}
		assert_int_equal(sr, SF_SRC_PACKET);
		assert_int_equal(pkt.num, (uint64_t)n);
		assert_int_equal(pkt.caplen, h->caplen);
		assert_int_equal(pkt.wirelen, h->len);
		assert_int_equal(pkt.sec, (int64_t)h->ts.tv_sec);
		assert_int_equal(pkt.frac, (uint32_t)h->ts.tv_usec);
		assert_int_equal(pkt.dlt, pcap_datalink(pc));
		assert_memory_equal(got, want, h->caplen);
	}
	sf_src_close(&src);
	pcap_close(pc);
	unlink(c->path);
}

static void little_and_big_endian_files_read_as_libpcap_reads_them(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct capfile c;
		cap_open(&c, be, 0xa1b2c3d4, 4, 65535, 1);
		cap_rec(&c, 1700000000, 1, 60, 60, 60, false);
		cap_rec(&c, 1700000001, 999999, 54, 1514, 54, false);
		cap_rec(&c, 0x80000001u, 5, 20, 20, 20, false); /* a negative second, as int32 */
		same_as_libpcap(&c, false);
	}
}

static void nanosecond_files_scale_both_ways(void **state)
{
	(void)state;
	for (int nano = 0; nano < 2; nano++) {
		for (uint32_t magic = 0xa1b2c3d4;; magic = 0xa1b23c4d) {
			struct capfile c;
			cap_open(&c, false, magic, 4, 65535, 1);
			cap_rec(&c, 1700000000, 123456789 % 1000000, 60, 60, 60, false);
			cap_rec(&c, 1700000000, magic == 0xa1b23c4d ? 999999999 : 999999, 60, 60,
				60, false);
			same_as_libpcap(&c, nano);
			if (magic == 0xa1b23c4d)
				break;
		}
	}
}

static void kuznetsov_records_carry_eight_more_bytes(void **state)
{
	struct capfile c;
	(void)state;
	cap_open(&c, false, 0xa1b2cd34, 4, 65535, 1);
	cap_rec(&c, 1700000000, 1, 60, 60, 60, true);
	cap_rec(&c, 1700000000, 2, 42, 42, 42, true);
	same_as_libpcap(&c, false);
}

static void old_versions_swap_capture_and_wire_lengths(void **state)
{
	(void)state;
	for (uint16_t minor = 2; minor <= 3; minor++) {
		struct capfile c;
		cap_open(&c, false, 0xa1b2c3d4, minor, 65535, 1);
		/* Written (caplen, len) = (1514, 60): 2.2 always swaps, 2.3 swaps
		 * because caplen > len; 60 bytes are stored either way. */
		cap_rec(&c, 1700000000, 1, 1514, 60, 60, false);
		cap_rec(&c, 1700000000, 2, 60, 60, 60, false);
		same_as_libpcap(&c, false);
	}
}

static void a_record_above_the_snaplen_is_cut_to_it(void **state)
{
	struct capfile c;
	(void)state;
	cap_open(&c, false, 0xa1b2c3d4, 4, 64, 1);
	cap_rec(&c, 1700000000, 1, 100, 100, 100, false);
	cap_rec(&c, 1700000000, 2, 60, 60, 60, false);
	same_as_libpcap(&c, false);
}

static void an_insane_capture_length_is_an_error_at_that_record(void **state)
{
	struct capfile c;
	(void)state;
	cap_open(&c, false, 0xa1b2c3d4, 4, 65535, 1);
	cap_rec(&c, 1700000000, 1, 60, 60, 60, false);
	cap_rec(&c, 1700000000, 2, 0x7fffffff, 0x7fffffff, 10, false);
	same_as_libpcap(&c, false);
}

static void a_file_ending_inside_a_record_is_an_error_at_that_record(void **state)
{
	(void)state;
	for (int cut_header = 0; cut_header < 2; cut_header++) {
		struct capfile c;
		cap_open(&c, false, 0xa1b2c3d4, 4, 65535, 1);
		cap_rec(&c, 1700000000, 1, 60, 60, 60, false);
		if (cut_header)
			put32(&c, 1700000001); /* 4 of 16 header bytes */
		else
			cap_rec(&c, 1700000000, 2, 60, 60, 25, false); /* 25 of 60 data bytes */
		same_as_libpcap(&c, false);
	}
}

static void linktype_raw_reads_as_dlt_raw(void **state)
{
	struct capfile c;
	(void)state;
	cap_open(&c, false, 0xa1b2c3d4, 4, 65535, 101);
	cap_rec(&c, 1700000000, 1, 40, 40, 40, false);
	same_as_libpcap(&c, false);
}

static void a_bogus_snaplen_is_replaced_as_libpcap_does(void **state)
{
	(void)state;
	for (uint32_t snap = 0; snap <= 1; snap++) {
		struct capfile c;
		cap_open(&c, false, 0xa1b2c3d4, 4, snap ? 0x7fffffffu : 0, 1);
		cap_rec(&c, 1700000000, 1, 300000, 300000, 300000, false);
		cap_rec(&c, 1700000000, 2, 70000, 70000, 70000, false);
		same_as_libpcap(&c, false);
	}
}

/* peek(k) shows the k-th frame after the next without consuming any, only
 * when it is whole in the buffer, and never one past a damaged record. */
static void a_look_ahead_shows_the_frames_to_come_and_moves_nothing(void **state)
{
	char err[SF_SRC_ERRLEN];
	struct capfile c;
	struct sf_src src;
	struct sf_pkt pkt;
	const uint8_t *d[3] = { NULL, NULL, NULL }, *got = NULL;
	uint32_t len[3] = { 0, 0, 0 };
	int dlt = 0;

	(void)state;
	cap_open(&c, false, 0xa1b2c3d4, 4, 65535, 1);
	cap_rec(&c, 1700000001, 1, 60, 60, 60, false);
	cap_rec(&c, 1700000002, 2, 70, 70, 70, false);
	cap_rec(&c, 1700000003, 3, 0x7fffffff, 0x7fffffff, 10, false); /* damaged */
	assert_int_equal(fclose(c.f), 0);
	assert_true(sf_src_open_file(&src, c.path, false, err, sizeof(err)));
	assert_true(sf_src_peek(&src, 1, &d[1], &len[1], &dlt)); /* the second, from the start */
	assert_int_equal(len[1], 70);
	assert_true(sf_src_next(&src, &pkt, &got, err, sizeof(err)) == SF_SRC_PACKET);
	assert_true(sf_src_peek(&src, 0, &d[0], &len[0], &dlt));
	assert_ptr_equal(d[0], d[1]);
	assert_int_equal(dlt, 1);
	assert_int_equal(len[0], 70);
	assert_int_equal(d[0][0], (1700000002u) & 0xff);          /* cap_rec's first data byte */
	assert_false(sf_src_peek(&src, 1, &d[1], &len[1], &dlt)); /* the damaged record */
	assert_false(sf_src_peek(&src, 2, &d[2], &len[2], &dlt));
	assert_true(sf_src_next(&src, &pkt, &got, err, sizeof(err)) == SF_SRC_PACKET);
	assert_ptr_equal(got, d[0]);
	assert_int_equal(pkt.caplen, 70);
	assert_true(sf_src_next(&src, &pkt, &got, err, sizeof(err)) == SF_SRC_ERROR);
	sf_src_close(&src);
	unlink(c.path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(little_and_big_endian_files_read_as_libpcap_reads_them),
		cmocka_unit_test(a_look_ahead_shows_the_frames_to_come_and_moves_nothing),
		cmocka_unit_test(nanosecond_files_scale_both_ways),
		cmocka_unit_test(kuznetsov_records_carry_eight_more_bytes),
		cmocka_unit_test(old_versions_swap_capture_and_wire_lengths),
		cmocka_unit_test(a_record_above_the_snaplen_is_cut_to_it),
		cmocka_unit_test(an_insane_capture_length_is_an_error_at_that_record),
		cmocka_unit_test(a_file_ending_inside_a_record_is_an_error_at_that_record),
		cmocka_unit_test(linktype_raw_reads_as_dlt_raw),
		cmocka_unit_test(a_bogus_snaplen_is_replaced_as_libpcap_does),
	};
	return cmocka_run_group_tests_name("source", tests, NULL, NULL);
}
