/* tests/test_craft_send.c: craft send's pure parts: parsing, the lines it prints, the flood's patch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "craft/build.h"
#include "craft/send.h"
#include "decode/frame.h"
#include "decode/link.h"
#include "decode/tcp.h"

/* --- fixtures ------------------------------------------------------------------- */

struct fix {
	struct sf_buf *b;
	struct sf_builder *bld;
};

static int setup(void **state)
{
	char err[256] = "";
	struct fix *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -1;
	f->b = malloc(sizeof(*f->b));
	f->bld = sf_builder_new(SF_BUILD_BYTES, NULL, err, sizeof(err));
	if (f->b == NULL || f->bld == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	sf_buf_init(f->b, stdout);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	sf_builder_free(f->bld);
	free(f->b);
	free(f);
	return 0;
}

/* The buffer holds exactly `want`; then it is emptied. */
static void expect_text(struct sf_buf *b, const char *want)
{
	if (b->n != strlen(want) || memcmp(b->d, want, b->n) != 0)
		fail_msg("got '%.*s', want '%s'", (int)b->n, b->d, want);
	b->n = 0;
}

static void seg_between(struct sf_seg *s, const char *src, uint16_t sport, const char *dst,
			uint16_t dport)
{
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;
	sf_seg_init(s);
	s->ver = af == AF_INET ? 4 : 6;
	assert_int_equal(inet_pton(af, src, s->src), 1);
	assert_int_equal(inet_pton(af, dst, s->dst), 1);
	s->sport = sport;
	s->dport = dport;
}

/* Builds s and decodes the datagram, as craft send does before printing it. */
static const uint8_t *build_decode(struct fix *fx, const struct sf_seg *s, size_t *len,
				   struct sf_frame *f)
{
	char err[256] = "";
	const uint8_t *p = NULL;
	if (sf_builder_build(fx->bld, s, &p, len, err, sizeof(err)) != 0)
		fail_msg("build: %s", err);
	assert_int_equal(sf_dec_frame(SF_DLT_RAW, p, *len, *len, f), SF_DEC_OK);
	return p;
}

/* --- flag letters ------------------------------------------------------------------ */

static void flag_letters_set_their_bits_in_any_order(void **state)
{
	uint16_t f = 0;
	(void)state;
	assert_true(sf_send_parse_flags("S", &f));
	assert_int_equal(f, SF_TH_SYN);
	assert_true(sf_send_parse_flags("SA", &f));
	assert_int_equal(f, SF_TH_SYN | SF_TH_ACK);
	assert_true(sf_send_parse_flags("AS", &f));
	assert_int_equal(f, SF_TH_SYN | SF_TH_ACK);
	assert_true(sf_send_parse_flags("FA", &f));
	assert_int_equal(f, SF_TH_FIN | SF_TH_ACK);
	assert_true(sf_send_parse_flags("RA", &f));
	assert_int_equal(f, SF_TH_RST | SF_TH_ACK);
	assert_true(sf_send_parse_flags("PA", &f));
	assert_int_equal(f, SF_TH_PSH | SF_TH_ACK);
	assert_true(sf_send_parse_flags("SAFRPUEC", &f));
	assert_int_equal(f, 0xff);
	assert_true(sf_send_parse_flags("none", &f));
	assert_int_equal(f, 0);
}

static void bad_flag_letters_are_refused_and_leave_the_flags(void **state)
{
	static const char *const bad[] = { "", "SS", "X", "s", "S A", "SAX", ".", "nonE", "N" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint16_t f = 0x1234;
		assert_false(sf_send_parse_flags(bad[i], &f));
		assert_int_equal(f, 0x1234);
	}
}

static void reply_flags_are_written_in_hping3s_order(void **state)
{
	char buf[12];
	(void)state;
	assert_string_equal(sf_send_flags_str(SF_TH_RST | SF_TH_ACK, buf), "RA");
	assert_string_equal(sf_send_flags_str(SF_TH_SYN | SF_TH_ACK, buf), "SA");
	assert_string_equal(sf_send_flags_str(SF_TH_FIN | SF_TH_PSH | SF_TH_ACK, buf), "AFP");
	assert_string_equal(sf_send_flags_str(0xff, buf), "RSAFPUEC");
	assert_string_equal(sf_send_flags_str(0, buf), "none");
	assert_string_equal(sf_send_flags_str(SF_TH_AE, buf), "none"); /* hping3 has no letter */
}

/* --- addresses ------------------------------------------------------------------- */

static void ipv4_with_and_without_a_port(void **state)
{
	struct sf_send_addr a;
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	(void)state;
	assert_true(sf_send_parse_addr("127.0.0.1:9000", &a));
	assert_int_equal(a.ver, 4);
	assert_memory_equal(a.a, lo, 4);
	assert_true(a.has_port);
	assert_int_equal(a.port, 9000);
	assert_true(sf_send_parse_addr("127.0.0.1", &a));
	assert_int_equal(a.ver, 4);
	assert_false(a.has_port);
	assert_true(sf_send_parse_addr("10.1.2.3:0", &a));
	assert_int_equal(a.port, 0);
	assert_true(sf_send_parse_addr("10.1.2.3:65535", &a));
	assert_int_equal(a.port, 65535);
}

static void ipv6_takes_a_port_only_in_brackets(void **state)
{
	struct sf_send_addr a;
	static const uint8_t one[16] = { [15] = 1 };
	(void)state;
	assert_true(sf_send_parse_addr("[::1]:80", &a));
	assert_int_equal(a.ver, 6);
	assert_memory_equal(a.a, one, 16);
	assert_true(a.has_port);
	assert_int_equal(a.port, 80);
	assert_true(sf_send_parse_addr("[::1]", &a));
	assert_int_equal(a.ver, 6);
	assert_false(a.has_port);
	assert_true(sf_send_parse_addr("::1", &a));
	assert_int_equal(a.ver, 6);
	assert_false(a.has_port);
	/* Without brackets the last group is part of the address, not a port. */
	assert_true(sf_send_parse_addr("2001:db8::1:80", &a));
	assert_int_equal(a.ver, 6);
	assert_false(a.has_port);
	assert_int_equal(a.a[15], 0x80);
}

static void ipv4_mapped_ipv6_is_taken_as_ipv4(void **state)
{
	struct sf_send_addr a;
	static const uint8_t want[16] = { 127, 0, 0, 1 };
	(void)state;
	assert_true(sf_send_parse_addr("[::ffff:127.0.0.1]:9", &a));
	assert_int_equal(a.ver, 4);
	assert_memory_equal(a.a, want, 16);
	assert_int_equal(a.port, 9);
}

static void bad_addresses_are_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"127.0.0.1:",
		"127.0.0.1:65536",
		"127.0.0.1:-1",
		"127.0.0.1:+80",
		"127.0.0.1:8 0",
		"[::1",
		"[::1]x",
		"[::1]:",
		"[]:80",
		"localhost:80",
		"[127.0.0.1]:80",
		"1.2.3:80",
		"::1]:80",
		"127.0.0.1:80:1",
		"[::1]:99999",
	};
	struct sf_send_addr a;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sf_send_parse_addr(bad[i], &a))
			fail_msg("'%s' was accepted", bad[i]);
}

/* --- the lines ------------------------------------------------------------------- */

static void sent_line_reads_as_tcpdump_S(void **state)
{
	struct fix *fx = *state;
	struct sf_seg s;
	struct sf_frame f;
	size_t len = 0;

	seg_between(&s, "127.0.0.1", 40000, "127.0.0.1", 9000);
	s.flags = SF_TH_SYN;
	s.seq = 1000;
	s.win = 64240;
	s.mss = 1460;
	(void)build_decode(fx, &s, &len, &f);
	sf_send_fmt_sent(fx->b, &f);
	expect_text(fx->b, "sent 127.0.0.1.40000 > 127.0.0.1.9000: Flags [S], seq 1000, win 64240, "
			   "options [mss 1460], length 0\n");
}

static void sent_line_shows_data_ack_and_every_option(void **state)
{
	struct fix *fx = *state;
	struct sf_seg s;
	struct sf_frame f;
	size_t len = 0;

	seg_between(&s, "::1", 40001, "::1", 80);
	s.flags = SF_TH_PSH | SF_TH_ACK;
	s.seq = 4294967295u;
	s.ack = 5;
	s.win = 512;
	s.data = (const uint8_t *)"hello";
	s.len = 5;
	(void)build_decode(fx, &s, &len, &f);
	sf_send_fmt_sent(fx->b, &f);
	expect_text(fx->b, "sent ::1.40001 > ::1.80: Flags [P.], seq 4294967295:4, ack 5, win 512, "
			   "length 5\n");

	seg_between(&s, "127.0.0.1", 40000, "127.0.0.1", 9000);
	s.flags = SF_TH_SYN;
	s.seq = 1;
	s.win = 65495;
	s.mss = 65495;
	s.sack_ok = true;
	s.ts = true;
	s.tsval = 7;
	s.wscale = 7;
	(void)build_decode(fx, &s, &len, &f);
	sf_send_fmt_sent(fx->b, &f);
	expect_text(fx->b, "sent 127.0.0.1.40000 > 127.0.0.1.9000: Flags [S], seq 1, win 65495, "
			   "options [mss 65495,sackOK,TS val 7 ecr 0,nop,wscale 7], length 0\n");

	seg_between(&s, "127.0.0.1", 40000, "127.0.0.1", 9000);
	s.flags = SF_TH_ACK; /* no sequence space taken: tcpdump leaves seq out */
	s.seq = 1;
	s.ack = 2;
	(void)build_decode(fx, &s, &len, &f);
	sf_send_fmt_sent(fx->b, &f);
	expect_text(fx->b, "sent 127.0.0.1.40000 > 127.0.0.1.9000: Flags [.], ack 2, win 0, "
			   "length 0\n");
}

/* The kernel's RST,ACK to a SYN on a closed port, as captured on lo: an all-zero
 * Ethernet header, IPv4 with DF and id 0, TCP 9000 -> 40000. */
static const uint8_t rst_on_lo[54] = {
	0,    0,    0,    0,    0, 0, 0,    0, 0,  0, 0,    0,    0x08, 0x00, /* Ethernet */
	0x45, 0,    0,    40,   0, 0, 0x40, 0, 64, 6, 0,    0,    127,  0,
	0,    1,    127,  0,    0, 1, /* IPv4 */
	0x23, 0x28, 0x9c, 0x40, 0, 0, 0,    0, 0,  0, 0x03, 0xe9, 0x50, 0x14,
	0,    0,    0,    0,    0, 0,
};

static void reply_line_matches_hping3s(void **state)
{
	struct fix *fx = *state;
	struct sf_frame f;

	(void)sf_dec_frame(SF_DLT_EN10MB, rst_on_lo, sizeof(rst_on_lo), sizeof(rst_on_lo), &f);
	assert_int_equal(f.kind, SF_FRAME_TCP);
	sf_send_fmt_reply(fx->b, &f, rst_on_lo, sizeof(rst_on_lo), 0, 0.1, false);
	expect_text(
		fx->b,
		"len=40 ip=127.0.0.1 ttl=64 DF id=0 sport=9000 flags=RA seq=0 win=0 rtt=0.1 ms\n");
	sf_send_fmt_reply(fx->b, &f, rst_on_lo, sizeof(rst_on_lo), 41, 12.345, true);
	expect_text(fx->b, "DUP! len=40 ip=127.0.0.1 ttl=64 DF id=0 sport=9000 flags=RA seq=41 "
			   "win=0 rtt=12.3 ms\n");
}

static void reply_line_without_df_and_with_an_id(void **state)
{
	struct fix *fx = *state;
	struct sf_frame f;
	uint8_t p[sizeof(rst_on_lo)];

	memcpy(p, rst_on_lo, sizeof(p));
	p[14 + 4] = 0x12; /* id 0x1234 */
	p[14 + 5] = 0x34;
	p[14 + 6] = 0; /* no DF */
	p[14 + 8] = 63;
	(void)sf_dec_frame(SF_DLT_EN10MB, p, sizeof(p), sizeof(p), &f);
	sf_send_fmt_reply(fx->b, &f, p, sizeof(p), 2, 0.04, false);
	expect_text(
		fx->b,
		"len=40 ip=127.0.0.1 ttl=63 id=4660 sport=9000 flags=RA seq=2 win=0 rtt=0.0 ms\n");
}

static void ipv6_reply_line_has_no_df_or_id(void **state)
{
	struct fix *fx = *state;
	struct sf_seg s;
	struct sf_frame f;
	size_t len = 0;
	const uint8_t *p = NULL;

	seg_between(&s, "::1", 9000, "::1", 40000);
	s.flags = SF_TH_SYN | SF_TH_ACK;
	s.win = 65476;
	s.mss = 65476;
	p = build_decode(fx, &s, &len, &f);
	sf_send_fmt_reply(fx->b, &f, p, len, 3, 0.25, false);
	expect_text(fx->b, "len=64 ip=::1 ttl=64 sport=9000 flags=SA seq=3 win=65476 rtt=0.2 ms\n");
}

static void summary_reads_as_hping3s(void **state)
{
	struct fix *fx = *state;
	struct sf_send_stats st = {
		.sent = 3, .received = 2, .rtt_min = 0.1, .rtt_max = 0.3, .rtt_sum = 0.4
	};
	(void)state;
	sf_send_fmt_summary(fx->b, "127.0.0.1", &st);
	/* hping3's integer loss: 100 - 2 * 100 / 3 = 34. */
	expect_text(fx->b, "\n--- 127.0.0.1 hping statistic ---\n"
			   "3 packets transmitted, 2 packets received, 34% packet loss\n"
			   "round-trip min/avg/max = 0.1/0.2/0.3 ms\n");
	memset(&st, 0, sizeof(st));
	st.sent = 1;
	sf_send_fmt_summary(fx->b, "::1", &st);
	expect_text(fx->b, "\n--- ::1 hping statistic ---\n"
			   "1 packets transmitted, 0 packets received, 100% packet loss\n"
			   "round-trip min/avg/max = 0.0/0.0/0.0 ms\n");
	st.sent = 0;
	sf_send_fmt_summary(fx->b, "::1", &st);
	expect_text(fx->b, "\n--- ::1 hping statistic ---\n"
			   "0 packets transmitted, 0 packets received, 0% packet loss\n"
			   "round-trip min/avg/max = 0.0/0.0/0.0 ms\n");
}

static void flood_summary_gives_the_count_and_the_rate(void **state)
{
	struct fix *fx = *state;
	sf_send_fmt_flood(fx->b, "127.0.0.1", 1000001, 2.0);
	expect_text(fx->b, "\n--- 127.0.0.1 flood statistic ---\n"
			   "1000001 packets transmitted in 2.000 s, 500001 packets/s\n");
	sf_send_fmt_flood(fx->b, "127.0.0.1", 0, 0.0);
	expect_text(fx->b, "\n--- 127.0.0.1 flood statistic ---\n"
			   "0 packets transmitted in 0.000 s, 0 packets/s\n");
}

/* --- the flood's patch ------------------------------------------------------------ */

/* Patching the template gives byte for byte what libnet builds afresh,
 * checksum included (neither side ever writes 0xffff for a zero sum). */
static void patch_matches_a_fresh_build(struct fix *fx, struct sf_seg *s)
{
	char err[256] = "";
	const uint8_t *p = NULL;
	uint8_t tmpl[128];
	size_t len = 0, len2 = 0;
	uint32_t x = 2463534242u;

	s->sport = 40000;
	s->seq = 1000;
	assert_int_equal(sf_builder_build(fx->bld, s, &p, &len, err, sizeof(err)), 0);
	assert_true(len <= sizeof(tmpl));
	memcpy(tmpl, p, len);
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		/* Random values, then the extremes. */
		s->sport = (uint16_t)(i < 1000 ? x : (i & 1 ? 0 : 0xffff));
		s->seq = i < 1000 ? x * 2654435761u : (i & 2 ? 0 : 0xffffffffu);
		sf_send_patch(tmpl, len, s->sport, s->seq);
		assert_int_equal(sf_builder_build(fx->bld, s, &p, &len2, err, sizeof(err)), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(tmpl, p, len);
	}
}

static void patched_ipv4_syn_is_what_libnet_builds(void **state)
{
	struct sf_seg s;
	seg_between(&s, "127.0.0.1", 0, "127.0.0.1", 9);
	s.flags = SF_TH_SYN;
	s.win = 64240;
	patch_matches_a_fresh_build(*state, &s);
	s.mss = 1460; /* with options and data too */
	s.sack_ok = true;
	s.wscale = 7;
	s.data = (const uint8_t *)"x";
	s.len = 1;
	patch_matches_a_fresh_build(*state, &s);
}

static void patched_ipv6_syn_is_what_libnet_builds(void **state)
{
	struct sf_seg s;
	seg_between(&s, "::1", 0, "::1", 9);
	s.flags = SF_TH_SYN;
	s.win = 64240;
	patch_matches_a_fresh_build(*state, &s);
}

static void patch_leaves_a_short_datagram_alone(void **state)
{
	uint8_t p[30] = { 0x45 };
	uint8_t q[30] = { 0x45 };
	(void)state;
	sf_send_patch(p, sizeof(p), 1, 2); /* 20 + 10: no whole TCP header */
	assert_memory_equal(p, q, sizeof(p));
}

/* --- the rest -------------------------------------------------------------------- */

static void defaults_are_one_syn_a_second_apart(void **state)
{
	struct sf_send_opts o;
	(void)state;
	sf_send_defaults(&o);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.interval_ms, 1000);
	assert_int_equal(o.duration_s, 3);
	assert_int_equal(o.tmpl.win, 64240);
	assert_int_equal(o.tmpl.wscale, -1);
	assert_int_equal(o.tmpl.mss, 0);
	assert_false(o.flood);
	assert_false(o.allow_remote);
	assert_null(o.iface);
}

static void every_result_has_a_name(void **state)
{
	(void)state;
	for (int rc = 0; rc < SF_SEND_RC_COUNT; rc++)
		assert_string_not_equal(sf_send_rc_name((enum sf_send_rc)rc), "?");
	assert_string_equal(sf_send_rc_name(SF_SEND_REFUSED), "refused");
	assert_string_equal(sf_send_rc_name(SF_SEND_RC_COUNT), "?");
}

/* A refused destination comes back before anything is opened: no root needed. */
static void a_remote_destination_is_refused_before_anything_opens(void **state)
{
	struct sf_send_opts o;
	char err[512] = "";
	(void)state;
	sf_send_defaults(&o);
	assert_true(sf_send_parse_addr("8.8.8.8:80", &o.to));
	assert_int_equal(sf_send_run(&o, stdout, stderr, NULL, err, sizeof(err)), SF_SEND_REFUSED);
	assert_non_null(strstr(err, "8.8.8.8"));
	assert_non_null(strstr(err, "--allow-remote"));
}

static void mixed_address_families_are_a_bad_argument(void **state)
{
	struct sf_send_opts o;
	char err[512] = "";
	(void)state;
	sf_send_defaults(&o);
	assert_true(sf_send_parse_addr("127.0.0.1:80", &o.to));
	assert_true(sf_send_parse_addr("::1", &o.from));
	assert_int_equal(sf_send_run(&o, stdout, stderr, NULL, err, sizeof(err)), SF_SEND_BADARG);
	assert_non_null(strstr(err, "same"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flag_letters_set_their_bits_in_any_order),
		cmocka_unit_test(bad_flag_letters_are_refused_and_leave_the_flags),
		cmocka_unit_test(reply_flags_are_written_in_hping3s_order),
		cmocka_unit_test(ipv4_with_and_without_a_port),
		cmocka_unit_test(ipv6_takes_a_port_only_in_brackets),
		cmocka_unit_test(ipv4_mapped_ipv6_is_taken_as_ipv4),
		cmocka_unit_test(bad_addresses_are_refused),
		cmocka_unit_test_setup_teardown(sent_line_reads_as_tcpdump_S, setup, teardown),
		cmocka_unit_test_setup_teardown(sent_line_shows_data_ack_and_every_option, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reply_line_matches_hping3s, setup, teardown),
		cmocka_unit_test_setup_teardown(reply_line_without_df_and_with_an_id, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ipv6_reply_line_has_no_df_or_id, setup, teardown),
		cmocka_unit_test_setup_teardown(summary_reads_as_hping3s, setup, teardown),
		cmocka_unit_test_setup_teardown(flood_summary_gives_the_count_and_the_rate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(patched_ipv4_syn_is_what_libnet_builds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(patched_ipv6_syn_is_what_libnet_builds, setup,
						teardown),
		cmocka_unit_test(patch_leaves_a_short_datagram_alone),
		cmocka_unit_test(defaults_are_one_syn_a_second_apart),
		cmocka_unit_test(every_result_has_a_name),
		cmocka_unit_test(a_remote_destination_is_refused_before_anything_opens),
		cmocka_unit_test(mixed_address_families_are_a_bad_argument),
	};
	return cmocka_run_group_tests_name("craft_send", tests, NULL, NULL);
}
