/* tests/test_craft_build.c: craft/build.c's bytes, read field by field by hand,
 * checksummed by this file's own RFC 1071 code, and decoded back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "craft/build.h"
#include "decode/frame.h"
#include "decode/link.h"
#include "decode/tcp.h"

#define ERRLEN 256

static const uint8_t c4[4] = { 192, 0, 2, 1 };
static const uint8_t s4[4] = { 198, 51, 100, 2 };
static const uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
static const uint8_t text[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"; /* 27 bytes: odd */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* RFC 1071 section 4.1, written out again here so that the builder is not
 * checked by code it shares with the decoder: the one's-complement sum of
 * 16-bit words, an odd last byte padded with zero. */
static uint32_t rfc1071_add(uint32_t sum, const uint8_t *p, size_t n)
{
	while (n > 1) {
		sum += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n > 0)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t rfc1071_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The sum over the pseudo-header (RFC 9293 3.1; RFC 8200 8.1) and the whole
 * segment, checksum field included: 0xffff when the checksum is right. */
static uint16_t tcp_verify(const uint8_t *ip, size_t len)
{
	uint8_t ph[40];
	size_t phl = 0, hl = (ip[0] >> 4) == 4 ? (size_t)(ip[0] & 0x0f) * 4 : 40;
	size_t tl = len - hl;

	memset(ph, 0, sizeof(ph));
	if ((ip[0] >> 4) == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = 6;
		ph[10] = (uint8_t)(tl >> 8);
		ph[11] = (uint8_t)tl;
		phl = 12;
	} else {
		memcpy(ph, ip + 8, 32);
		ph[34] = (uint8_t)(tl >> 8);
		ph[35] = (uint8_t)tl;
		ph[39] = 6;
		phl = 40;
	}
	return rfc1071_fold(rfc1071_add(rfc1071_add(0, ph, phl), ip + hl, tl));
}

static void seg_base(struct sf_seg *s, int ver)
{
	sf_seg_init(s);
	s->ver = (uint8_t)ver;
	memcpy(s->src, ver == 4 ? c4 : c6, ver == 4 ? 4 : 16);
	memcpy(s->dst, ver == 4 ? s4 : s6, ver == 4 ? 4 : 16);
	s->sport = 40000;
	s->dport = 80;
	s->seq = 0xdeadbeef;
	s->ack = 0x01020304;
	s->win = 64240;
	s->ipid = 0x1234;
}

static void syn_options(struct sf_seg *s)
{
	s->mss = 1460;
	s->sack_ok = true;
	s->ts = true;
	s->tsval = 0x11223344;
	s->tsecr = 0;
	s->wscale = 7;
}

static int setup(void **state)
{
	char err[ERRLEN] = "";
	struct sf_builder *b = sf_builder_new(SF_BUILD_BYTES, NULL, err, sizeof(err));
	if (b == NULL) {
		print_error("sf_builder_new: %s\n", err);
		return -1;
	}
	*state = b;
	return 0;
}

static int teardown(void **state)
{
	sf_builder_free(*state);
	return 0;
}

static void build_ok(struct sf_builder *b, const struct sf_seg *s, const uint8_t **p, size_t *n)
{
	char err[ERRLEN] = "";
	int rc = sf_builder_build(b, s, p, n, err, sizeof(err));
	if (rc != 0)
		print_error("sf_builder_build: %s\n", err);
	assert_int_equal(rc, 0);
}

/* Decodes the datagram as a DLT_RAW frame and checks it against the segment. */
static void decodes_as(const uint8_t *p, size_t n, const struct sf_seg *s)
{
	struct sf_frame f;
	size_t al = s->ver == 4 ? 4 : 16;

	assert_int_equal(sf_dec_frame(SF_DLT_RAW, p, n, n, &f), SF_DEC_OK);
	assert_int_equal(f.kind, SF_FRAME_TCP);
	assert_int_equal(f.csum, SF_CSUM_GOOD);
	assert_int_equal(f.ip.ver, s->ver);
	assert_int_equal(f.ip.proto, 6);
	assert_int_equal(f.ip.ttl, s->ttl ? s->ttl : 64);
	assert_memory_equal(f.ip.src, s->src, al);
	assert_memory_equal(f.ip.dst, s->dst, al);
	if (s->ver == 4)
		assert_int_equal(f.ip.id, s->ipid);
	assert_int_equal(f.tcp.sport, s->sport);
	assert_int_equal(f.tcp.dport, s->dport);
	assert_int_equal(f.tcp.seq, s->seq);
	assert_int_equal(f.tcp.ack, s->ack);
	assert_int_equal(f.tcp.flags, s->flags);
	assert_int_equal(f.tcp.win, s->win);
	assert_int_equal(f.tcp.urp, s->urp);
	assert_int_equal(f.tcp.paylen, s->len);
	assert_int_equal(f.tcp.paycap, s->len);
	if (s->len)
		assert_memory_equal(p + n - s->len, s->data, s->len);
	assert_int_equal(!!(f.tcp.has & SF_TCP_HAS_MSS), s->mss != 0);
	if (s->mss)
		assert_int_equal(f.tcp.mss, s->mss);
	assert_int_equal(!!(f.tcp.has & SF_TCP_HAS_WS), s->wscale >= 0);
	if (s->wscale >= 0)
		assert_int_equal(f.tcp.wscale, s->wscale);
	assert_int_equal(!!(f.tcp.has & SF_TCP_HAS_SACKOK), s->sack_ok);
	assert_int_equal(!!(f.tcp.has & SF_TCP_HAS_TS), s->ts);
	if (s->ts) {
		assert_int_equal(f.tcp.tsval, s->tsval);
		assert_int_equal(f.tcp.tsecr, s->tsecr);
	}
	assert_int_equal(!!(f.tcp.has & SF_TCP_HAS_SACK), s->nsack > 0);
	assert_int_equal(f.tcp.nsack, s->nsack);
	for (unsigned i = 0; i < s->nsack; i++) {
		assert_int_equal(f.tcp.sack_le[i], s->sack[i][0]);
		assert_int_equal(f.tcp.sack_re[i], s->sack[i][1]);
	}
	/* Nothing odd about a crafted segment but what its flags ask for. */
	assert_int_equal(f.tcp.anom & (SF_ANOM_OPT_LEN | SF_ANOM_OPT_SIZE | SF_ANOM_OPT_AFTER_EOL |
				       SF_ANOM_OPT_DUP),
			 0);
}

/* --- IPv4 and IPv6 headers, by hand ------------------------------------------------------ */

static void ipv4_syn_every_field_by_hand(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL, *t = NULL;
	size_t n = 0;
	static const uint8_t want_opts[20] = { 2,    4,    0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22,
					       0x33, 0x44, 0,    0,    0, 0, 1, 3,  3,    7 };

	seg_base(&s, 4);
	syn_options(&s);
	s.flags = SF_TH_SYN;
	s.ack = 0;
	s.ttl = 61;
	build_ok(b, &s, &p, &n);
	assert_int_equal(n, 20 + 20 + 20);
	assert_int_equal(p[0], 0x45);          /* version 4, IHL 5 */
	assert_int_equal(p[1], 0);             /* TOS */
	assert_int_equal(be16(p + 2), 60);     /* total length */
	assert_int_equal(be16(p + 4), 0x1234); /* identification */
	assert_int_equal(be16(p + 6), 0x4000); /* DF, offset 0: as Linux sends TCP */
	assert_int_equal(p[8], 61);            /* TTL */
	assert_int_equal(p[9], 6);             /* protocol TCP */
	assert_int_equal(rfc1071_fold(rfc1071_add(0, p, 20)), 0xffff); /* header checksum */
	assert_memory_equal(p + 12, c4, 4);
	assert_memory_equal(p + 16, s4, 4);
	t = p + 20;
	assert_int_equal(be16(t), 40000);
	assert_int_equal(be16(t + 2), 80);
	assert_int_equal(be32(t + 4), 0xdeadbeef);
	assert_int_equal(be32(t + 8), 0);
	assert_int_equal(t[12], 0xa0); /* data offset 10 words, no AE or reserved bits */
	assert_int_equal(t[13], 0x02); /* SYN */
	assert_int_equal(be16(t + 14), 64240);
	assert_int_equal(be16(t + 18), 0); /* urgent pointer */
	assert_memory_equal(t + 20, want_opts, sizeof(want_opts));
	assert_int_equal(tcp_verify(p, n), 0xffff);
	decodes_as(p, n, &s);
}

static void ipv6_syn_every_field_by_hand(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL, *t = NULL;
	size_t n = 0;
	static const uint8_t want_opts[20] = { 2,    4,    0x05, 0xa0, 4, 2, 8, 10, 0x11, 0x22,
					       0x33, 0x44, 0,    0,    0, 0, 1, 3,  3,    7 };

	seg_base(&s, 6);
	syn_options(&s);
	s.mss = 1440;
	s.flags = SF_TH_SYN;
	s.ack = 0;
	build_ok(b, &s, &p, &n);
	assert_int_equal(n, 40 + 20 + 20);
	assert_int_equal(p[0], 0x60); /* version 6, traffic class 0 */
	assert_int_equal(p[1], 0);    /* flow label 0 */
	assert_int_equal(be16(p + 2), 0);
	assert_int_equal(be16(p + 4), 40); /* payload length: TCP header and options */
	assert_int_equal(p[6], 6);         /* next header TCP */
	assert_int_equal(p[7], 64);        /* hop limit: the default */
	assert_memory_equal(p + 8, c6, 16);
	assert_memory_equal(p + 24, s6, 16);
	t = p + 40;
	assert_int_equal(be16(t), 40000);
	assert_int_equal(be16(t + 2), 80);
	assert_int_equal(be32(t + 4), 0xdeadbeef);
	assert_int_equal(t[12], 0xa0);
	assert_int_equal(t[13], 0x02);
	assert_int_equal(be16(t + 14), 64240);
	assert_memory_equal(t + 20, want_opts, sizeof(want_opts));
	assert_int_equal(tcp_verify(p, n), 0xffff);
	decodes_as(p, n, &s);
}

/* Data with an odd length, URG and an urgent pointer, ACK, TS: both families. */
static void data_segment_with_urgent_pointer(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL, *t = NULL;
	size_t n = 0, hl = 0;

	for (int ver = 4; ver <= 6; ver += 2) {
		seg_base(&s, ver);
		s.flags = SF_TH_ACK | SF_TH_PSH | SF_TH_URG;
		s.urp = 7;
		s.win = 502;
		s.ts = true;
		s.tsval = 4000000001u;
		s.tsecr = 77;
		s.data = text;
		s.len = sizeof(text) - 1;
		build_ok(b, &s, &p, &n);
		hl = ver == 4 ? 20 : 40;
		assert_int_equal(n, hl + 32 + 27);
		if (ver == 4)
			assert_int_equal(be16(p + 2), n);
		else
			assert_int_equal(be16(p + 4), 32 + 27);
		t = p + hl;
		assert_int_equal(be32(t + 8), 0x01020304);
		assert_int_equal(t[12], 0x80); /* 8 words: NOP NOP TS */
		assert_int_equal(t[13], 0x38); /* URG, ACK, PSH */
		assert_int_equal(be16(t + 14), 502);
		assert_int_equal(be16(t + 18), 7);
		assert_int_equal(t[20], 1);
		assert_int_equal(t[21], 1);
		assert_int_equal(t[22], 8);
		assert_int_equal(t[23], 10);
		assert_int_equal(be32(t + 24), 4000000001u);
		assert_int_equal(be32(t + 28), 77);
		assert_memory_equal(t + 32, text, 27);
		assert_int_equal(tcp_verify(p, n), 0xffff);
		decodes_as(p, n, &s);
	}
}

/* --- flags -------------------------------------------------------------------------------- */

/* All 4096 combinations of the 12 flag bits, in both families: libnet
 * carries the low eight, the builder the AE and reserved bits. */
static void every_flag_combination(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL, *t = NULL;
	size_t n = 0;

	for (int ver = 4; ver <= 6; ver += 2) {
		seg_base(&s, ver);
		s.data = text;
		s.len = 5;
		for (unsigned fl = 0; fl < 0x1000; fl++) {
			s.flags = (uint16_t)fl;
			s.urp = fl & SF_TH_URG ? 3 : 0;
			s.seq = fl * 2654435761u;
			build_ok(b, &s, &p, &n);
			t = p + (ver == 4 ? 20 : 40);
			assert_int_equal(t[13], fl & 0xff);
			assert_int_equal(t[12], 0x50 | (fl >> 8));
			assert_int_equal(tcp_verify(p, n), 0xffff);
			decodes_as(p, n, &s);
		}
	}
}

static void named_flag_combinations(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL;
	size_t n = 0;
	static const struct {
		uint16_t flags;
		uint8_t b13;
	} cases[] = {
		{ SF_TH_FIN | SF_TH_SYN | SF_TH_RST | SF_TH_PSH | SF_TH_ACK | SF_TH_URG |
			  SF_TH_ECE | SF_TH_CWR,
		  0xff },
		{ SF_TH_SYN | SF_TH_ECE | SF_TH_CWR, 0xc2 }, /* ECN-setup SYN (RFC 3168) */
		{ SF_TH_SYN | SF_TH_ACK | SF_TH_ECE, 0x52 }, /* ECN-setup SYN-ACK */
		{ SF_TH_FIN | SF_TH_PSH | SF_TH_URG, 0x29 }, /* "Xmas" */
		{ SF_TH_RST | SF_TH_ACK, 0x14 },
		{ SF_TH_FIN | SF_TH_ACK, 0x11 },
		{ 0, 0x00 }, /* "null" */
	};

	for (int ver = 4; ver <= 6; ver += 2)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			seg_base(&s, ver);
			s.flags = cases[i].flags;
			build_ok(b, &s, &p, &n);
			assert_int_equal(p[(ver == 4 ? 20 : 40) + 13], cases[i].b13);
			assert_int_equal(tcp_verify(p, n), 0xffff);
			decodes_as(p, n, &s);
		}
}

/* --- options ------------------------------------------------------------------------------ */

static void options_bytes(struct sf_builder *b, const struct sf_seg *s, const uint8_t *want,
			  size_t wlen)
{
	const uint8_t *p = NULL, *t = NULL;
	size_t n = 0, hl = s->ver == 4 ? 20 : 40;

	build_ok(b, s, &p, &n);
	t = p + hl;
	assert_int_equal(t[12] >> 4, 5 + wlen / 4);
	assert_int_equal(n, hl + 20 + wlen + s->len);
	if (wlen)
		assert_memory_equal(t + 20, want, wlen);
	assert_int_equal(tcp_verify(p, n), 0xffff);
	decodes_as(p, n, s);
}

/* Each option's bytes and their order, as Linux's tcp_options_write(). */
static void options_each_layout(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	static const uint8_t syn_nots[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };
	static const uint8_t mss_only[] = { 2, 4, 0x02, 0x18 };
	static const uint8_t ws_only[] = { 1, 3, 3, 14 };
	static const uint8_t sackok_only[] = { 1, 1, 4, 2 };
	static const uint8_t ts_only[] = { 1, 1, 8, 10, 0, 0, 0, 9, 0xff, 0xff, 0xff, 0xfe };
	static const uint8_t ts_sack3[] = { 1,    1,    8,    10,   0, 0,    0, 9,
					    0xff, 0xff, 0xff, 0xfe, /* NOP NOP TS */
					    1,    1,    5,    26,   /* NOP NOP SACK, 3 blocks */
					    0,    0x10, 0,    0,    0, 0x20, 0, 0,
					    0,    0x30, 0,    0,    0, 0x40, 0, 0,
					    0,    0x50, 0,    0,    0, 0x60, 0, 0 };
	static const uint8_t sack4[] = { 1, 1, 5, 34, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0,
					 0, 4, 0, 0,  0, 5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8 };

	for (int ver = 4; ver <= 6; ver += 2) {
		seg_base(&s, ver);
		s.flags = SF_TH_SYN;
		s.mss = 1460;
		s.sack_ok = true;
		s.wscale = 7;
		options_bytes(b, &s, syn_nots, sizeof(syn_nots));

		seg_base(&s, ver);
		s.mss = 536;
		options_bytes(b, &s, mss_only, sizeof(mss_only));

		seg_base(&s, ver);
		s.wscale = 14;
		options_bytes(b, &s, ws_only, sizeof(ws_only));

		seg_base(&s, ver);
		s.sack_ok = true;
		options_bytes(b, &s, sackok_only, sizeof(sackok_only));

		seg_base(&s, ver);
		s.flags = SF_TH_ACK;
		s.ts = true;
		s.tsval = 9;
		s.tsecr = 0xfffffffe;
		options_bytes(b, &s, ts_only, sizeof(ts_only));

		s.nsack = 3;
		for (unsigned i = 0; i < 3; i++) {
			s.sack[i][0] = 0x100000u * (2 * i + 1);
			s.sack[i][1] = 0x100000u * (2 * i + 2);
		}
		s.data = text;
		s.len = 10;
		options_bytes(b, &s, ts_sack3, sizeof(ts_sack3));

		seg_base(&s, ver);
		s.flags = SF_TH_ACK;
		s.nsack = 4;
		for (unsigned i = 0; i < 4; i++) {
			s.sack[i][0] = 2 * i + 1;
			s.sack[i][1] = 2 * i + 2;
		}
		options_bytes(b, &s, sack4, sizeof(sack4));

		seg_base(&s, ver);
		options_bytes(b, &s, NULL, 0);
	}
}

/* --- ptag reuse ---------------------------------------------------------------------------- */

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* A segment that changes everything the builder patches, options' size included. */
static void random_seg(struct sf_seg *s, uint32_t *x, int ver, const uint8_t *pay)
{
	uint32_t r = rnd(x);
	seg_base(s, ver);
	s->seq = rnd(x);
	s->ack = rnd(x);
	s->flags = (uint16_t)(rnd(x) & 0xfff);
	s->win = (uint16_t)rnd(x);
	s->urp = s->flags & SF_TH_URG ? (uint16_t)rnd(x) : 0;
	s->ipid = (uint16_t)rnd(x);
	s->ttl = (uint8_t)(r & 1 ? 0 : rnd(x));
	s->mss = r & 2 ? (uint16_t)(rnd(x) | 1) : 0;
	s->sack_ok = r & 4;
	s->wscale = r & 8 ? (int8_t)(rnd(x) % 15) : -1;
	s->ts = r & 16;
	s->tsval = rnd(x);
	s->tsecr = rnd(x);
	s->nsack = (uint8_t)(rnd(x) % 5);
	while (s->nsack && (s->mss ? 4 : 0) +
					   (s->ts        ? 12
					    : s->sack_ok ? 4
							 : 0) +
					   (s->wscale >= 0 ? 4 : 0) + 4 + 8 * s->nsack >
				   40)
		s->nsack--;
	for (unsigned i = 0; i < s->nsack; i++) {
		s->sack[i][0] = rnd(x);
		s->sack[i][1] = rnd(x);
	}
	s->data = pay;
	s->len = r & 32 ? 0 : rnd(x) % 1400;
}

/* 1000 segments through one builder, each patching the last: each decodes
 * right, and is byte for byte what a fresh builder makes of it. */
static void ptag_reuse_thousand_segments(void **state)
{
	struct sf_builder *b = *state;
	struct sf_builder *fresh = NULL;
	char err[ERRLEN] = "";
	static uint8_t pay[1400];
	uint32_t x = 2463534242u;
	struct sf_seg s;
	const uint8_t *p = NULL, *q = NULL;
	size_t n = 0, m = 0;

	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)rnd(&x);
	for (int i = 0; i < 1000; i++) {
		/* Mostly one family, as a conversation is, with switches. */
		random_seg(&s, &x, i % 250 < 200 ? 4 : 6, pay);
		build_ok(b, &s, &p, &n);
		assert_int_equal(tcp_verify(p, n), 0xffff);
		if (s.ver == 4)
			assert_int_equal(rfc1071_fold(rfc1071_add(0, p, 20)), 0xffff);
		decodes_as(p, n, &s);
		fresh = sf_builder_new(SF_BUILD_BYTES, NULL, err, sizeof(err));
		assert_non_null(fresh);
		build_ok(fresh, &s, &q, &m);
		assert_int_equal(n, m);
		assert_memory_equal(p, q, n);
		sf_builder_free(fresh);
	}
}

/* libnet appends an options block made after the TCP block behind the IP
 * header; the builder must rebuild instead, whatever order options come in. */
static void options_appearing_and_going_on_one_builder(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL;
	size_t n = 0;

	for (int ver = 4; ver <= 6; ver += 2) {
		seg_base(&s, ver);
		s.flags = SF_TH_ACK;
		build_ok(b, &s, &p, &n);
		assert_int_equal(n, (ver == 4 ? 20 : 40) + 20u);
		decodes_as(p, n, &s);
		syn_options(&s); /* 20 bytes of options appear */
		s.flags = SF_TH_SYN | SF_TH_ACK;
		build_ok(b, &s, &p, &n);
		assert_int_equal(p[0] >> 4, ver); /* the datagram starts with its IP header */
		assert_int_equal(n, (ver == 4 ? 20 : 40) + 40u);
		assert_int_equal(tcp_verify(p, n), 0xffff);
		decodes_as(p, n, &s);
		s.mss = 0; /* ... shrink to 16 ... */
		build_ok(b, &s, &p, &n);
		assert_int_equal(n, (ver == 4 ? 20 : 40) + 36u);
		decodes_as(p, n, &s);
		seg_base(&s, ver); /* ... and go */
		s.data = text;
		s.len = 9;
		build_ok(b, &s, &p, &n);
		assert_int_equal(n, (ver == 4 ? 20 : 40) + 29u);
		decodes_as(p, n, &s);
	}
}

/* --- bad input ----------------------------------------------------------------------------- */

static void refused(struct sf_builder *b, const struct sf_seg *s, const char *needle)
{
	char err[ERRLEN] = "";
	const uint8_t *p = NULL;
	size_t n = 0;

	assert_int_equal(sf_builder_build(b, s, &p, &n, err, sizeof(err)), -1);
	assert_true(err[0] != '\0');
	if (strstr(err, needle) == NULL)
		print_error("err '%s' lacks '%s'\n", err, needle);
	assert_non_null(strstr(err, needle));
}

static void bad_input_is_refused_with_a_reason(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL;
	size_t n = 0;

	seg_base(&s, 4);
	s.ts = true;
	s.nsack = 4; /* 12 + 4 + 32 = 48 bytes */
	refused(b, &s, "48 bytes");

	seg_base(&s, 6);
	syn_options(&s);
	s.nsack = 3; /* 4 + 12 + 4 + 28 = 48 */
	refused(b, &s, "over the 40");

	seg_base(&s, 4);
	s.ver = 5;
	refused(b, &s, "IP version 5");
	s.ver = 0;
	refused(b, &s, "IP version 0");

	seg_base(&s, 4);
	s.wscale = 15;
	refused(b, &s, "window scale");
	seg_base(&s, 4);
	s.nsack = 5;
	refused(b, &s, "SACK blocks");
	seg_base(&s, 4);
	s.flags = 0x1000;
	refused(b, &s, "12 flag bits");
	seg_base(&s, 4);
	s.len = 3;
	refused(b, &s, "no data");
	seg_base(&s, 4);
	s.data = text;
	s.len = 65535 - 40 + 1;
	refused(b, &s, "do not fit");

	/* ... and the builder goes on working after each. */
	seg_base(&s, 6);
	syn_options(&s);
	s.flags = SF_TH_SYN;
	build_ok(b, &s, &p, &n);
	decodes_as(p, n, &s);
}

static void largest_datagram_fits(void **state)
{
	struct sf_builder *b = *state;
	struct sf_seg s;
	const uint8_t *p = NULL;
	size_t n = 0;
	uint8_t *big = calloc(1, 65535);

	assert_non_null(big);
	seg_base(&s, 4);
	s.flags = SF_TH_ACK;
	s.data = big;
	s.len = 65535 - 40;
	build_ok(b, &s, &p, &n);
	assert_int_equal(n, 65535);
	assert_int_equal(be16(p + 2), 65535);
	assert_int_equal(tcp_verify(p, n), 0xffff);
	/* libnet's own IPv6 sum wraps past 65529 bytes of TCP: the builder's
	 * must not, across the sizes around that edge. */
	for (size_t tl = 65520; tl <= 65535; tl++) {
		seg_base(&s, 6);
		s.flags = SF_TH_ACK | SF_TH_AE;
		s.data = big;
		s.len = tl - 20;
		big[0] = (uint8_t)tl;
		build_ok(b, &s, &p, &n);
		assert_int_equal(be16(p + 4), tl);
		assert_int_equal(tcp_verify(p, n), 0xffff);
		decodes_as(p, n, &s);
	}
	free(big);
}

static void inject_without_a_device_is_refused(void **state)
{
	char err[ERRLEN] = "";
	(void)state;
	assert_null(sf_builder_new(SF_BUILD_INJECT, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "device"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(ipv4_syn_every_field_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_syn_every_field_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(data_segment_with_urgent_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(every_flag_combination, setup, teardown),
		cmocka_unit_test_setup_teardown(named_flag_combinations, setup, teardown),
		cmocka_unit_test_setup_teardown(options_each_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(ptag_reuse_thousand_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(options_appearing_and_going_on_one_builder, setup,
						teardown),
		cmocka_unit_test_setup_teardown(bad_input_is_refused_with_a_reason, setup,
						teardown),
		cmocka_unit_test_setup_teardown(largest_datagram_fits, setup, teardown),
		cmocka_unit_test(inject_without_a_device_is_refused),
	};
	return cmocka_run_group_tests_name("craft_build", tests, NULL, NULL);
}
