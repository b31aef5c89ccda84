/* tests/test_dec_tcp.c: every TCP header field, every option kind, every bad list and cut. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode/tcp.h"

#define SEG_MAX (SF_TCP_HDR_MAX + 64)

/* Decodes from a heap copy of exactly caplen bytes, so that any read past
 * the capture is an AddressSanitizer report. */
static enum sf_dec_rc dec(const uint8_t *p, size_t caplen, size_t seglen, struct sf_tcp *t,
			  enum sf_why *why)
{
	uint8_t *copy = test_malloc(caplen ? caplen : 1);
	enum sf_dec_rc rc;

	if (caplen)
		memcpy(copy, p, caplen);
	rc = sf_dec_tcp(copy, caplen, seglen, t, why);
	test_free(copy);
	return rc;
}

/* A SYN 1234 -> 80, seq 1000, window 65535, no checksum, carrying `opts`
 * (a multiple of 4 bytes) and `paylen` payload bytes. A plain SYN has no
 * anomaly, so every anomaly a test sees comes from its options. */
static size_t seg_with(uint8_t *b, const uint8_t *opts, size_t optlen, size_t paylen)
{
	static const uint8_t syn[20] = {
		0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00,
		0x00, 0x00, 0x50, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00
	};

	assert_true(optlen % 4 == 0 && optlen <= 40 && 20 + optlen + paylen <= SEG_MAX);
	memcpy(b, syn, 20);
	b[12] = (uint8_t)((20 + optlen) / 4 << 4);
	if (optlen)
		memcpy(b + 20, opts, optlen);
	for (size_t i = 0; i < paylen; i++)
		b[20 + optlen + i] = (uint8_t)(i ^ 0x5a);
	return 20 + optlen + paylen;
}

/* Decodes a whole SYN carrying `opts`, which must come out OK. */
static void dec_opts(const uint8_t *opts, size_t optlen, struct sf_tcp *t)
{
	uint8_t b[SEG_MAX];
	size_t len = seg_with(b, opts, optlen, 0);
	enum sf_why why = SF_WHY_COUNT;

	assert_int_equal(dec(b, len, len, t, &why), SF_DEC_OK);
	assert_int_equal(why, SF_WHY_NONE);
	assert_int_equal(t->hlen, len);
}

/* One entry of the option list; `flags` are the SF_OPT_* it must carry. */
static void expect_optf(const struct sf_tcp *t, unsigned i, uint8_t kind, uint8_t len, uint8_t off,
			uint8_t flags)
{
	assert_true(i < t->nopt);
	assert_int_equal(t->opt[i].kind, kind);
	assert_int_equal(t->opt[i].len, len);
	assert_int_equal(t->opt[i].off, off);
	assert_int_equal(t->opt[i].flags, flags);
}

static void expect_opt(const struct sf_tcp *t, unsigned i, uint8_t kind, uint8_t len, uint8_t off)
{
	expect_optf(t, i, kind, len, off, 0);
}

/* --- the fixed header -------------------------------------------------- */

/* 49374 -> 443, seq 0xfedcba98, ack 0x89abcdef (both above 2^31, so a
 * signed read would show), PSH+ACK, window 64240, checksum 0xbeef, then 7
 * bytes of payload. */
static const uint8_t psh_ack[27] = {
	0xc0, 0xde, 0x01, 0xbb, 0xfe, 0xdc, 0xba, 0x98, 0x89, 0xab, 0xcd, 0xef, 0x50, 0x18,
	0xfa, 0xf0, 0xbe, 0xef, 0x00, 0x00, 'G',  'E',  'T',  ' ',  '/',  '\r', '\n',
};

static void fixed_fields_are_read_big_endian(void **state)
{
	struct sf_tcp t;
	enum sf_why why = SF_WHY_COUNT;

	(void)state;
	assert_int_equal(dec(psh_ack, sizeof psh_ack, sizeof psh_ack, &t, &why), SF_DEC_OK);
	assert_int_equal(why, SF_WHY_NONE);
	assert_true(t.fixed_ok);
	assert_int_equal(t.sport, 49374);
	assert_int_equal(t.dport, 443);
	assert_int_equal(t.seq, 0xfedcba98u);
	assert_int_equal(t.ack, 0x89abcdefu);
	assert_int_equal(t.hlen, 20);
	assert_int_equal(t.flags, SF_TH_PSH | SF_TH_ACK);
	assert_int_equal(t.win, 64240);
	assert_int_equal(t.sum, 0xbeef);
	assert_int_equal(t.urp, 0);
	assert_int_equal(t.seglen, 27);
	assert_int_equal(t.paylen, 7);
	assert_int_equal(t.paycap, 7);
	assert_int_equal(t.nopt, 0);
	assert_int_equal(t.has, 0);
	assert_int_equal(t.anom, 0);
}

static void urgent_pointer_is_read_with_urg(void **state)
{
	uint8_t b[sizeof psh_ack];
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	memcpy(b, psh_ack, sizeof b);
	b[13] = 0x38; /* URG PSH ACK */
	b[18] = 0x80;
	b[19] = 0x07;
	assert_int_equal(dec(b, sizeof b, sizeof b, &t, &why), SF_DEC_OK);
	assert_int_equal(t.urp, 0x8007);
	assert_int_equal(t.flags, SF_TH_URG | SF_TH_PSH | SF_TH_ACK);
	assert_int_equal(t.anom, 0);
}

/* Bytes 12-13 hold 4 bits of data offset and 12 of flags: each of the 12
 * must come through on its own, including AE and the 3 reserved bits. */
static void every_flag_bit_is_kept_including_ae_and_reserved(void **state)
{
	uint8_t b[20];
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	for (unsigned bit = 0; bit < 12; bit++) {
		uint16_t f = (uint16_t)(1u << bit);
		seg_with(b, NULL, 0, 0);
		b[12] = (uint8_t)(0x50 | f >> 8);
		b[13] = (uint8_t)f;
		assert_int_equal(dec(b, 20, 20, &t, &why), SF_DEC_OK);
		assert_int_equal(t.flags, f);
		assert_int_equal(t.hlen, 20);
		assert_int_equal((t.anom & SF_ANOM_RESERVED) != 0, (f & SF_TH_RESERVED) != 0);
	}
	b[12] = 0x5f;
	b[13] = 0xff;
	assert_int_equal(dec(b, 20, 20, &t, &why), SF_DEC_OK);
	assert_int_equal(t.flags, 0xfff);
	assert_int_equal(t.hlen, 20);
}

/* Header oddities are noted and the segment still decodes. */
static void header_oddities_are_anomaly_bits(void **state)
{
	static const struct {
		uint16_t flags;
		uint32_t ack;
		uint16_t urp;
		uint32_t anom;
	} tab[] = {
		{ SF_TH_SYN, 0, 0, 0 },
		{ SF_TH_SYN, 7, 0, SF_ANOM_ACK_NO_FLAG },
		{ SF_TH_SYN | SF_TH_ACK, 7, 0, 0 },
		{ SF_TH_ACK, 7, 9, SF_ANOM_URP_NO_FLAG },
		{ SF_TH_ACK | SF_TH_URG, 7, 9, 0 },
		{ SF_TH_SYN | SF_TH_FIN, 0, 0, SF_ANOM_SYN_FIN },
		{ SF_TH_SYN | SF_TH_RST, 0, 0, SF_ANOM_SYN_RST },
		{ 0, 0, 0, SF_ANOM_NO_FLAGS },
		{ 0x200, 0, 0, SF_ANOM_NO_FLAGS | SF_ANOM_RESERVED },
		{ SF_TH_AE, 0, 0, 0 },
		{ SF_TH_FIN | SF_TH_PSH | SF_TH_URG, 0, 1, 0 }, /* "Xmas": odd, not impossible */
	};
	uint8_t b[20];
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		seg_with(b, NULL, 0, 0);
		b[8] = (uint8_t)(tab[i].ack >> 24);
		b[9] = (uint8_t)(tab[i].ack >> 16);
		b[10] = (uint8_t)(tab[i].ack >> 8);
		b[11] = (uint8_t)tab[i].ack;
		b[12] = (uint8_t)(0x50 | tab[i].flags >> 8);
		b[13] = (uint8_t)tab[i].flags;
		b[18] = (uint8_t)(tab[i].urp >> 8);
		b[19] = (uint8_t)tab[i].urp;
		assert_int_equal(dec(b, 20, 20, &t, &why), SF_DEC_OK);
		if (t.anom != tab[i].anom)
			fail_msg("flags %#x ack %u urp %u: anom %#x, want %#x", tab[i].flags,
				 tab[i].ack, tab[i].urp, t.anom, tab[i].anom);
	}
}

/* Payload length comes from the IP layer; what was captured may be less. */
static void payload_length_is_from_ip_and_capture_from_caplen(void **state)
{
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(psh_ack, 23, sizeof psh_ack, &t, &why), SF_DEC_OK);
	assert_int_equal(t.seglen, 27);
	assert_int_equal(t.paylen, 7);
	assert_int_equal(t.paycap, 3);
	assert_int_equal(dec(psh_ack, 20, 1460, &t, &why), SF_DEC_OK);
	assert_int_equal(t.seglen, 1460);
	assert_int_equal(t.paylen, 1440);
	assert_int_equal(t.paycap, 0);
	/* Bytes captured past the IP length (padding) are not payload. */
	assert_int_equal(dec(psh_ack, sizeof psh_ack, 22, &t, &why), SF_DEC_OK);
	assert_int_equal(t.paylen, 2);
	assert_int_equal(t.paycap, 2);
}

/* --- options, one kind at a time --------------------------------------- */

static void mss_is_read(void **state)
{
	static const uint8_t o[] = { 0x02, 0x04, 0x05, 0xb4 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 1);
	expect_opt(&t, 0, SF_TCPOPT_MSS, 4, 20);
	assert_int_equal(t.has, SF_TCP_HAS_MSS);
	assert_int_equal(t.mss, 1460);
	assert_int_equal(t.anom, 0);
}

static void nop_is_one_byte(void **state)
{
	static const uint8_t o[] = { 0x01, 0x01, 0x01, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 4);
	for (unsigned i = 0; i < 4; i++)
		expect_opt(&t, i, SF_TCPOPT_NOP, 1, (uint8_t)(20 + i));
	assert_int_equal(t.has, 0);
	assert_int_equal(t.anom, 0);
}

/* EOL ends the list; the zero bytes after it are padding, not options. */
static void eol_ends_the_list_and_zero_padding_after_it_is_fine(void **state)
{
	static const uint8_t o[] = { 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00, 0x00, 0x00 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 2);
	expect_opt(&t, 0, SF_TCPOPT_MSS, 4, 20);
	expect_opt(&t, 1, SF_TCPOPT_EOL, 1, 24);
	assert_int_equal(t.anom, 0);
}

static void nonzero_bytes_after_eol_are_flagged_and_not_parsed(void **state)
{
	static const uint8_t o[] = { 0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00, 0x00 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 1);
	expect_opt(&t, 0, SF_TCPOPT_EOL, 1, 20);
	assert_int_equal(t.anom, SF_ANOM_OPT_AFTER_EOL);
	assert_int_equal(t.has, 0);
}

static void window_scale_is_read(void **state)
{
	static const uint8_t o[] = { 0x01, 0x03, 0x03, 0x07 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 2);
	expect_opt(&t, 1, SF_TCPOPT_WS, 3, 21);
	assert_int_equal(t.has, SF_TCP_HAS_WS);
	assert_int_equal(t.wscale, 7);
	assert_int_equal(t.anom, 0);
}

/* RFC 7323 section 2.3: a shift above 14 is used as 14, and worth noting. */
static void window_scale_above_14_is_flagged(void **state)
{
	static const uint8_t o14[] = { 0x01, 0x03, 0x03, 0x0e };
	static const uint8_t o15[] = { 0x01, 0x03, 0x03, 0x0f };
	struct sf_tcp t;

	(void)state;
	dec_opts(o14, sizeof o14, &t);
	assert_int_equal(t.anom, 0);
	dec_opts(o15, sizeof o15, &t);
	assert_int_equal(t.anom, SF_ANOM_WS_BIG);
	assert_int_equal(t.wscale, 15);
	assert_true(t.has & SF_TCP_HAS_WS);
}

static void sack_permitted_is_read(void **state)
{
	static const uint8_t o[] = { 0x04, 0x02, 0x01, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 3);
	expect_opt(&t, 0, SF_TCPOPT_SACKOK, 2, 20);
	assert_int_equal(t.has, SF_TCP_HAS_SACKOK);
	assert_int_equal(t.anom, 0);
}

/* SACK blocks as Linux sends them: NOP NOP, kind 5, 8 bytes per block. */
static void sack_with_one_to_four_blocks_is_read(void **state)
{
	static const uint8_t o[] = {
		0x01, 0x01, 0x05, 0x22, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x05, 0xb4,
		0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	};
	static const uint32_t le[4] = { 0x80000000u, 0xfffff000u, 0x00000001u, 0x12345678u };
	static const uint32_t re[4] = { 0x800005b4u, 0x00001000u, 0x00000002u, 0x9abcdef0u };

	(void)state;
	for (unsigned n = 1; n <= 4; n++) {
		uint8_t opts[40];
		size_t optlen = 2 + 2 + 8 * n;
		struct sf_tcp t;

		memcpy(opts, o, optlen);
		opts[3] = (uint8_t)(2 + 8 * n);
		dec_opts(opts, optlen, &t);
		assert_int_equal(t.nopt, 3);
		expect_opt(&t, 2, SF_TCPOPT_SACK, (uint8_t)(2 + 8 * n), 22);
		assert_int_equal(t.has, SF_TCP_HAS_SACK);
		assert_int_equal(t.nsack, n);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(t.sack_le[i], le[i]);
			assert_int_equal(t.sack_re[i], re[i]);
		}
		assert_int_equal(t.anom, 0);
	}
}

static void timestamps_are_read_as_unsigned_32_bits(void **state)
{
	static const uint8_t o[] = { 0x01, 0x01, 0x08, 0x0a, 0x80, 0x00,
				     0x00, 0x01, 0xff, 0xff, 0xff, 0xfe };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 3);
	expect_opt(&t, 2, SF_TCPOPT_TS, 10, 22);
	assert_int_equal(t.has, SF_TCP_HAS_TS);
	assert_int_equal(t.tsval, 0x80000001u);
	assert_int_equal(t.tsecr, 0xfffffffeu);
	assert_int_equal(t.anom, 0);
}

/* RFC 2385: kind 19, length 18, a 16-byte digest. */
static void md5_signature_is_recognised(void **state)
{
	static const uint8_t o[] = { 0x13, 0x12, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	expect_opt(&t, 0, SF_TCPOPT_MD5, 18, 20);
	assert_int_equal(t.has, SF_TCP_HAS_MD5);
	assert_int_equal(t.anom, 0);
}

/* RFC 5925: kind 29, KeyID, RNextKeyID, then a MAC (12 bytes for
 * HMAC-SHA-1-96). */
static void tcp_ao_is_recognised(void **state)
{
	static const uint8_t o[] = { 0x1d, 0x10, 0x01, 0x02, 0xa0, 0xa1, 0xa2, 0xa3,
				     0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	expect_opt(&t, 0, SF_TCPOPT_AO, 16, 20);
	assert_int_equal(t.has, SF_TCP_HAS_AO);
	assert_int_equal(t.anom, 0);
}

/* RFC 8684: the subtype is the high nibble of the byte after the length.
 * MP_CAPABLE (0) on a SYN; a DSS (2) and an ADD_ADDR (3) together later,
 * which is legal: MPTCP options may repeat. */
static void mptcp_subtype_is_read(void **state)
{
	static const uint8_t cap[] = { 0x1e, 0x0c, 0x01, 0x81, 0x11, 0x22,
				       0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
	static const uint8_t two[] = { 0x1e, 0x04, 0x20, 0x01, 0x1e, 0x08,
				       0x30, 0x01, 0xc0, 0x00, 0x02, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(cap, sizeof cap, &t);
	expect_opt(&t, 0, SF_TCPOPT_MPTCP, 12, 20);
	assert_int_equal(t.has, SF_TCP_HAS_MPTCP);
	assert_int_equal(t.mptcp_subtype, 0);
	assert_int_equal(t.anom, 0);

	dec_opts(two, sizeof two, &t);
	assert_int_equal(t.nopt, 2);
	expect_opt(&t, 1, SF_TCPOPT_MPTCP, 8, 24);
	assert_int_equal(t.has, SF_TCP_HAS_MPTCP);
	assert_int_equal(t.mptcp_subtype, 3);
	assert_int_equal(t.anom, 0);
}

/* RFC 7413: kind 34 with a 4..16-byte cookie, or length 2 to ask for one. */
static void fast_open_cookie_and_cookie_request_are_read(void **state)
{
	static const uint8_t cookie[] = { 0x22, 0x0a, 0xc0, 0x0c, 0x1e, 0x5a,
					  0x11, 0x22, 0x33, 0x44, 0x01, 0x01 };
	static const uint8_t request[] = { 0x22, 0x02, 0x01, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(cookie, sizeof cookie, &t);
	expect_optf(&t, 0, SF_TCPOPT_TFO, 10, 20, SF_OPT_TFO);
	assert_int_equal(t.has, SF_TCP_HAS_TFO);
	assert_int_equal(t.tfo_len, 8);
	assert_memory_equal(t.tfo_cookie, cookie + 2, 8);
	assert_int_equal(t.anom, 0);

	dec_opts(request, sizeof request, &t);
	expect_optf(&t, 0, SF_TCPOPT_TFO, 2, 20, SF_OPT_TFO);
	assert_int_equal(t.has, SF_TCP_HAS_TFO);
	assert_int_equal(t.tfo_len, 0);
	assert_int_equal(t.anom, 0);
}

/* Before kind 34 was assigned, TFO used the shared experimental kinds with
 * ExID 0xF989 (RFC 6994); old Linux and macOS still send kind 254. */
static void experimental_kind_with_exid_f989_is_fast_open(void **state)
{
	static const uint8_t cookie[] = { 0xfe, 0x0c, 0xf9, 0x89, 0x01, 0x02,
					  0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	static const uint8_t request[] = { 0xfe, 0x04, 0xf9, 0x89 };
	static const uint8_t k253[] = { 0xfd, 0x08, 0xf9, 0x89, 0xaa, 0xbb, 0xcc, 0xdd };
	struct sf_tcp t;

	(void)state;
	dec_opts(cookie, sizeof cookie, &t);
	expect_optf(&t, 0, SF_TCPOPT_EXP2, 12, 20, SF_OPT_TFO);
	assert_int_equal(t.has, SF_TCP_HAS_TFO);
	assert_int_equal(t.tfo_len, 8);
	assert_memory_equal(t.tfo_cookie, cookie + 4, 8);
	assert_int_equal(t.anom, 0);

	dec_opts(request, sizeof request, &t);
	expect_optf(&t, 0, SF_TCPOPT_EXP2, 4, 20, SF_OPT_TFO);
	assert_int_equal(t.has, SF_TCP_HAS_TFO);
	assert_int_equal(t.tfo_len, 0);

	dec_opts(k253, sizeof k253, &t);
	expect_optf(&t, 0, SF_TCPOPT_EXP1, 8, 20, SF_OPT_TFO);
	assert_int_equal(t.has, SF_TCP_HAS_TFO);
	assert_int_equal(t.tfo_len, 4);
}

/* Another experiment's ExID is listed by kind but means nothing to us. */
static void experimental_kind_with_another_exid_is_only_listed(void **state)
{
	static const uint8_t o[] = { 0xfe, 0x06, 0x12, 0x34, 0x56, 0x78, 0x01, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 3);
	expect_opt(&t, 0, SF_TCPOPT_EXP2, 6, 20);
	assert_int_equal(t.has, 0);
	assert_int_equal(t.anom, 0);
}

/* An unassigned kind is kept by number, length and place, for fingerprints. */
static void unknown_kind_is_recorded_by_number_and_length(void **state)
{
	static const uint8_t o[] = { 0x01, 0x63, 0x05, 0xab, 0xcd, 0xef, 0xc8, 0x02 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 3);
	expect_opt(&t, 1, 99, 5, 21);
	expect_opt(&t, 2, 200, 2, 26);
	assert_int_equal(t.has, 0);
	assert_int_equal(t.anom, 0);
}

/* A Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale. */
static void a_linux_syn_option_list_is_read_in_order(void **state)
{
	static const uint8_t o[] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01,
				     0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, 5);
	expect_opt(&t, 0, SF_TCPOPT_MSS, 4, 20);
	expect_opt(&t, 1, SF_TCPOPT_SACKOK, 2, 24);
	expect_opt(&t, 2, SF_TCPOPT_TS, 10, 26);
	expect_opt(&t, 3, SF_TCPOPT_NOP, 1, 36);
	expect_opt(&t, 4, SF_TCPOPT_WS, 3, 37);
	assert_int_equal(t.has, SF_TCP_HAS_MSS | SF_TCP_HAS_SACKOK | SF_TCP_HAS_TS | SF_TCP_HAS_WS);
	assert_int_equal(t.mss, 1460);
	assert_int_equal(t.tsval, 123456);
	assert_int_equal(t.tsecr, 0);
	assert_int_equal(t.wscale, 7);
	assert_int_equal(t.anom, 0);
}

/* Forty NOPs fill the 40 option bytes and the option table exactly. */
static void forty_nops_fill_the_table_without_overflow(void **state)
{
	uint8_t o[40];
	struct sf_tcp t;

	(void)state;
	memset(o, SF_TCPOPT_NOP, sizeof o);
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.nopt, SF_TCP_OPT_MAX);
	expect_opt(&t, 39, SF_TCPOPT_NOP, 1, 59);
	assert_int_equal(t.anom, 0);
}

/* --- bad option lists: noted, and the segment still decodes ------------ */

/* A length below 2 would not move the cursor: the rest of the list is
 * unreadable, so parsing stops there (the MSS after it is not read) and the
 * entry is marked bad. */
static void option_length_0_or_1_stops_the_list(void **state)
{
	struct sf_tcp t;

	(void)state;
	for (uint8_t l = 0; l < 2; l++) {
		const uint8_t o[] = { 0x08, l, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00 };
		dec_opts(o, sizeof o, &t);
		assert_int_equal(t.anom, SF_ANOM_OPT_LEN);
		assert_int_equal(t.nopt, 1);
		expect_optf(&t, 0, SF_TCPOPT_TS, l, 20, SF_OPT_BAD);
		assert_int_equal(t.has, 0);
	}
}

/* The length byte claims 8 where 3 bytes are left: the entry is marked bad
 * and lists only the bytes the header holds, so off + len never passes it. */
static void option_running_past_the_header_stops_the_list(void **state)
{
	static const uint8_t o[] = { 0x01, 0x02, 0x08, 0x05 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_LEN);
	assert_int_equal(t.nopt, 2);
	expect_optf(&t, 1, SF_TCPOPT_MSS, 3, 21, SF_OPT_BAD);
	assert_int_equal(t.has, 0);
}

/* A kind in the header's last byte has no room for its length byte. */
static void kind_in_the_last_header_byte_is_a_length_error(void **state)
{
	static const uint8_t o[] = { 0x01, 0x01, 0x01, 0x02 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_LEN);
	assert_int_equal(t.nopt, 4);
	expect_optf(&t, 3, SF_TCPOPT_MSS, 1, 23, SF_OPT_BAD);
	assert_int_equal(t.has, 0);
}

/* Each kind with a fixed size, given another: flagged, value not taken,
 * and the list goes on (the length byte is still trustworthy). */
static void wrong_size_options_are_flagged_and_not_taken(void **state)
{
	static const struct {
		const char *what;
		uint8_t o[20];
		size_t len;
	} tab[] = {
		{ "mss 3", { 0x02, 0x03, 0x05, 0x01 }, 4 },
		{ "mss 6", { 0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x01, 0x01 }, 8 },
		{ "ws 2", { 0x03, 0x02, 0x01, 0x01 }, 4 },
		{ "ws 4", { 0x03, 0x04, 0x07, 0x00 }, 4 },
		{ "sackok 3", { 0x04, 0x03, 0x00, 0x01 }, 4 },
		{ "sackok 4", { 0x04, 0x04, 0x00, 0x00 }, 4 },
		{ "ts 8", { 0x08, 0x08, 0, 0, 0, 1, 0, 0 }, 8 },
		{ "ts 12", { 0x08, 0x0c, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0 }, 12 },
		{ "sack 2", { 0x05, 0x02, 0x01, 0x01 }, 4 },
		{ "sack 6", { 0x05, 0x06, 0, 0, 0, 1, 0x01, 0x01 }, 8 },
		{ "sack 14", { 0x05, 0x0e, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x01, 0x01 }, 16 },
		{ "md5 10", { 0x13, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0x01 }, 12 },
		{ "ao 3", { 0x1d, 0x03, 0x01, 0x01 }, 4 },
		{ "mptcp 2", { 0x1e, 0x02, 0x01, 0x01 }, 4 },
		{ "tfo 3", { 0x22, 0x03, 0xaa, 0x01 }, 4 },
		{ "tfo 5", { 0x22, 0x05, 0xaa, 0xbb, 0xcc, 0x01, 0x01, 0x01 }, 8 },
		{ "tfo 20",
		  { 0x22, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18 },
		  20 },
	};
	static const uint8_t mss[] = { 0x02, 0x04, 0x05, 0xb4 };

	(void)state;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		uint8_t o[24];
		struct sf_tcp t;

		/* A good MSS after it shows that parsing went on. */
		memcpy(o, tab[i].o, tab[i].len);
		memcpy(o + tab[i].len, mss, sizeof mss);
		dec_opts(o, tab[i].len + sizeof mss, &t);
		if (t.anom != SF_ANOM_OPT_SIZE || t.has != SF_TCP_HAS_MSS || t.mss != 1460)
			fail_msg("%s: anom %#x has %#x, want opt_size and only the later MSS",
				 tab[i].what, t.anom, t.has);
		assert_int_equal(t.opt[0].kind, tab[i].o[0]);
		assert_int_equal(t.opt[0].len, tab[i].o[1]);
		assert_true(t.opt[0].flags & SF_OPT_SIZE);
		assert_false(t.opt[0].flags & (SF_OPT_CUT | SF_OPT_BAD));
	}
}

/* The same cookie rule for TFO's experimental form as for kind 34: a 1 to
 * 3-byte cookie is no cookie RFC 7413 allows.
 * KNOWN BUG: read_value's EXP1/EXP2 branch checks only the upper bound. */
static void experimental_fast_open_cookie_below_4_bytes_is_the_wrong_size(void **state)
{
	static const uint8_t o[] = { 0xfe, 0x06, 0xf9, 0x89, 0xaa, 0xbb, 0x01, 0x01 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_SIZE);
	assert_false(t.has & SF_TCP_HAS_TFO);
	assert_true(t.opt[0].flags & SF_OPT_SIZE);
}

static void experimental_fast_open_cookie_above_16_bytes_is_the_wrong_size(void **state)
{
	static const uint8_t o[] = { 0xfe, 0x16, 0xf9, 0x89, 1,  2,  3,  4,  5,  6,  7, 8,
				     9,    10,   11,   12,   13, 14, 15, 16, 17, 18, 0, 0 };
	struct sf_tcp t;

	(void)state;
	dec_opts(o, sizeof o, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_SIZE);
	assert_false(t.has & SF_TCP_HAS_TFO);
}

static void a_repeated_option_is_flagged(void **state)
{
	static const uint8_t mss2[] = { 0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x02, 0x18 };
	static const uint8_t sackok2[] = { 0x04, 0x02, 0x04, 0x02 };
	static const uint8_t ws2[] = { 0x03, 0x03, 0x07, 0x03, 0x03, 0x08, 0x00, 0x00 };
	/* Both spellings of TFO in one header are one option given twice. */
	static const uint8_t tfo2[] = { 0x22, 0x02, 0xfe, 0x04, 0xf9, 0x89, 0x01, 0x01 };
	/* NOPs and EOL padding repeat by design. */
	static const uint8_t nops[] = { 0x01, 0x01, 0x01, 0x00 };
	struct sf_tcp t;

	(void)state;
	dec_opts(mss2, sizeof mss2, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_DUP);
	assert_int_equal(t.nopt, 2);
	dec_opts(sackok2, sizeof sackok2, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_DUP);
	dec_opts(ws2, sizeof ws2, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_DUP);
	dec_opts(tfo2, sizeof tfo2, &t);
	assert_int_equal(t.anom, SF_ANOM_OPT_DUP);
	dec_opts(nops, sizeof nops, &t);
	assert_int_equal(t.anom, 0);
}

/* --- the data offset and the segment length ---------------------------- */

static void data_offset_below_5_is_malformed_with_the_fixed_fields_kept(void **state)
{
	uint8_t b[sizeof psh_ack];
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	for (uint8_t doff = 0; doff < 5; doff++) {
		memcpy(b, psh_ack, sizeof b);
		b[12] = (uint8_t)(doff << 4);
		assert_int_equal(dec(b, sizeof b, sizeof b, &t, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_TCP_DOFF);
		assert_true(t.fixed_ok);
		assert_int_equal(t.hlen, doff * 4);
		assert_int_equal(t.sport, 49374);
		assert_int_equal(t.dport, 443);
		assert_int_equal(t.seq, 0xfedcba98u);
		assert_int_equal(t.flags, SF_TH_PSH | SF_TH_ACK);
	}
}

static void data_offset_past_the_segment_is_malformed_with_the_fixed_fields_kept(void **state)
{
	uint8_t b[SEG_MAX];
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	memcpy(b, psh_ack, sizeof psh_ack);
	b[12] = 0x70; /* 28 bytes of header in a 27-byte segment */
	assert_int_equal(dec(b, sizeof psh_ack, sizeof psh_ack, &t, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_TCP_DOFF);
	assert_true(t.fixed_ok);
	assert_int_equal(t.hlen, 28);
	assert_int_equal(t.seq, 0xfedcba98u);

	/* 60 bytes of header in 40: malformed even though 60 were captured
	 * (the rest being padding below TCP). */
	memset(b, 0, sizeof b);
	memcpy(b, psh_ack, 20);
	b[12] = 0xf0;
	assert_int_equal(dec(b, 60, 40, &t, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_TCP_DOFF);
	assert_true(t.fixed_ok);
}

/* The capture ended inside the options: the ports and flags are facts,
 * the options are not known. */
static void options_cut_by_the_snaplen_are_truncated_with_the_fixed_fields_kept(void **state)
{
	static const uint8_t o[] = { 0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07 };
	uint8_t b[SEG_MAX];
	size_t len = seg_with(b, o, sizeof o, 10);
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	for (size_t n = 20; n < 28; n++) {
		assert_int_equal(dec(b, n, len, &t, &why), SF_DEC_TRUNCATED);
		assert_int_equal(why, SF_WHY_TCP_OPTS);
		assert_true(t.fixed_ok);
		assert_int_equal(t.sport, 1234);
		assert_int_equal(t.dport, 80);
		assert_int_equal(t.seq, 1000);
		assert_int_equal(t.flags, SF_TH_SYN);
		assert_int_equal(t.hlen, 28);
		assert_int_equal(t.paylen, 10);
		assert_int_equal(t.paycap, 0);
		/* An option cut in the middle is listed but its value is not read. */
		assert_false(t.has & SF_TCP_HAS_WS);
	}
	assert_int_equal(dec(b, 21, len, &t, &why), SF_DEC_TRUNCATED);
	assert_int_equal(t.nopt, 1);
	expect_optf(&t, 0, SF_TCPOPT_MSS, 1, 20, SF_OPT_CUT);
	assert_int_equal(dec(b, 23, len, &t, &why), SF_DEC_TRUNCATED);
	assert_int_equal(t.nopt, 1);
	expect_optf(&t, 0, SF_TCPOPT_MSS, 4, 20, SF_OPT_CUT);
	assert_false(t.has & SF_TCP_HAS_MSS);
	assert_int_equal(dec(b, 26, len, &t, &why), SF_DEC_TRUNCATED);
	assert_true(t.has & SF_TCP_HAS_MSS);
	assert_int_equal(t.mss, 1460);
}

static void segment_under_20_bytes_is_malformed(void **state)
{
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	for (size_t n = 0; n < 20; n++) {
		assert_int_equal(dec(psh_ack, n, n, &t, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_TCP_SHORT);
		assert_false(t.fixed_ok);
		/* However much was captured: the IP layer says it is too short. */
		assert_int_equal(dec(psh_ack, sizeof psh_ack, n, &t, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_TCP_SHORT);
	}
}

static void fixed_header_cut_by_the_snaplen_is_truncated(void **state)
{
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	for (size_t n = 0; n < 20; n++) {
		assert_int_equal(dec(psh_ack, n, sizeof psh_ack, &t, &why), SF_DEC_TRUNCATED);
		assert_int_equal(why, SF_WHY_TCP_HDR);
		assert_false(t.fixed_ok);
	}
}

/* The option parser on its own: it says whether the list was all there. */
static void option_parser_says_when_the_list_was_cut(void **state)
{
	static const uint8_t o[] = { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x00 };
	uint8_t b[SEG_MAX];
	size_t len = seg_with(b, o, sizeof o, 0);
	struct sf_tcp t;

	(void)state;
	memset(&t, 0, sizeof t);
	assert_true(sf_dec_tcp_opts(b, len, len, &t));
	assert_int_equal(t.nopt, 4);
	assert_int_equal(t.has, SF_TCP_HAS_MSS | SF_TCP_HAS_SACKOK);
	memset(&t, 0, sizeof t);
	assert_false(sf_dec_tcp_opts(b, 26, len, &t));
	assert_int_equal(t.nopt, 2);
	memset(&t, 0, sizeof t);
	assert_true(sf_dec_tcp_opts(b, 20, 20, &t));
	assert_int_equal(t.nopt, 0);
}

/* One result struct decodes many segments: nothing of the last may stay. */
static void a_reused_result_keeps_nothing_from_the_last_segment(void **state)
{
	static const uint8_t o[] = { 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x05, 0x0a, 0, 0, 0,
				     1,    0,    0,    0,    2,    0x22, 0x06, 1,    2, 3, 4 };
	uint8_t full[SEG_MAX];
	uint8_t opts[24];
	struct sf_tcp t;
	enum sf_why why;

	(void)state;
	memset(opts, 0, sizeof opts);
	memcpy(opts, o, sizeof o);
	dec_opts(opts, sizeof opts, &t);
	assert_int_equal(t.has, SF_TCP_HAS_MSS | SF_TCP_HAS_SACK | SF_TCP_HAS_TFO);
	assert_int_equal(t.nsack, 1);
	assert_int_equal(t.tfo_len, 4);

	seg_with(full, NULL, 0, 0);
	assert_int_equal(dec(full, 20, 20, &t, &why), SF_DEC_OK);
	assert_int_equal(t.nopt, 0);
	assert_int_equal(t.has, 0);
	assert_int_equal(t.nsack, 0);
	assert_int_equal(t.tfo_len, 0);
	assert_int_equal(t.anom, 0);
	assert_int_equal(t.paycap, 0);
}

/* --- flags as text ----------------------------------------------------- */

static void flags_print_in_tcpdump_letters_and_order(void **state)
{
	static const struct {
		uint16_t flags;
		const char *text;
	} tab[] = {
		{ 0x1ff, "FSRP.UEWe" },
		{ 0xfff, "FSRP.UEWe" },
		{ SF_TH_FIN, "F" },
		{ SF_TH_SYN, "S" },
		{ SF_TH_RST, "R" },
		{ SF_TH_PSH, "P" },
		{ SF_TH_ACK, "." },
		{ SF_TH_URG, "U" },
		{ SF_TH_ECE, "E" },
		{ SF_TH_CWR, "W" },
		{ SF_TH_AE, "e" },
		{ SF_TH_SYN | SF_TH_ACK, "S." },
		{ SF_TH_FIN | SF_TH_PSH | SF_TH_ACK, "FP." },
		{ SF_TH_SYN | SF_TH_ECE | SF_TH_CWR, "SEW" },
		{ 0, "none" },
		{ SF_TH_RESERVED, "none" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		char buf[12];
		memset(buf, 'x', sizeof buf);
		assert_string_equal(sf_tcp_flags_str(tab[i].flags, buf), tab[i].text);
	}
}

/* --- the truncation sweep ---------------------------------------------- */

/* Every option list above, as whole segments with a few payload bytes. */
struct fixture {
	const char *name;
	uint8_t o[40];
	size_t optlen;
	size_t paylen;
};

static const struct fixture fixtures[] = {
	{ "bare", { 0 }, 0, 0 },
	{ "payload", { 0 }, 0, 9 },
	{ "mss", { 0x02, 0x04, 0x05, 0xb4 }, 4, 3 },
	{ "eol pad", { 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00, 0x00, 0x00 }, 8, 0 },
	{ "after eol", { 0x00, 0x02, 0x04, 0x05, 0xb4, 0x00, 0x00, 0x00 }, 8, 0 },
	{ "linux syn",
	  { 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01,
	    0xe2, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07 },
	  20,
	  0 },
	{ "sack 4",
	  { 0x01, 0x01, 0x05, 0x22, 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
	    15,   16,   17,   18,   19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 },
	  36,
	  5 },
	{ "md5",
	  { 0x13, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 1 },
	  20,
	  1 },
	{ "ao", { 0x1d, 0x08, 1, 2, 3, 4, 5, 6 }, 8, 0 },
	{ "mptcp", { 0x1e, 0x04, 0x20, 0x01 }, 4, 0 },
	{ "tfo", { 0x22, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 0x01, 0x01 }, 12, 4 },
	{ "exp tfo", { 0xfe, 0x04, 0xf9, 0x89 }, 4, 0 },
	{ "unknown", { 0x63, 0x06, 1, 2, 3, 4, 0x01, 0x00 }, 8, 0 },
	{ "len 0", { 0x02, 0x00, 0x00, 0x00 }, 4, 0 },
	{ "past header", { 0x01, 0x02, 0x08, 0x05 }, 4, 0 },
	{ "last byte kind", { 0x01, 0x01, 0x01, 0x02 }, 4, 0 },
	{ "wrong size", { 0x02, 0x03, 0x05, 0x00 }, 4, 0 },
	{ "forty nops",
	  { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 },
	  40,
	  2 },
};

/* Cut anywhere by the snaplen: TRUNCATED until the header is whole, for
 * the fixed header's reason and then the options'; after that OK with only
 * the captured payload counted. Exact answers, not just "no crash". */
static void every_prefix_of_every_segment_is_truncated_until_the_header_is_whole(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		uint8_t b[SEG_MAX];
		size_t len = seg_with(b, fx->o, fx->optlen, fx->paylen);
		size_t hlen = 20 + fx->optlen;
		struct sf_tcp t;

		for (size_t n = 0; n < len; n++) {
			enum sf_why why = SF_WHY_COUNT;
			enum sf_dec_rc rc = dec(b, n, len, &t, &why);
			enum sf_dec_rc want = n < hlen ? SF_DEC_TRUNCATED : SF_DEC_OK;
			enum sf_why want_why = n < 20     ? SF_WHY_TCP_HDR
					       : n < hlen ? SF_WHY_TCP_OPTS
							  : SF_WHY_NONE;
			if (rc != want || why != want_why || t.fixed_ok != (n >= 20))
				fail_msg("%s cut at %zu: %s/%s, want %s/%s", fx->name, n,
					 sf_dec_rc_name(rc), sf_dec_why_name(why),
					 sf_dec_rc_name(want), sf_dec_why_name(want_why));
			if (rc == SF_DEC_OK && (t.paylen != fx->paylen || t.paycap != n - hlen))
				fail_msg("%s cut at %zu: paylen %u paycap %u", fx->name, n,
					 t.paylen, t.paycap);
		}
	}
}

/* The same prefixes as whole segments (the IP layer said this short):
 * MALFORMED, short or with a data offset past the end, never a crash. */
static void every_segment_shorter_than_its_header_is_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		uint8_t b[SEG_MAX];
		size_t hlen = 20 + fx->optlen;
		struct sf_tcp t;

		(void)seg_with(b, fx->o, fx->optlen, fx->paylen);
		for (size_t n = 0; n < hlen; n++) {
			enum sf_why why = SF_WHY_COUNT;
			enum sf_dec_rc rc = dec(b, n, n, &t, &why);
			enum sf_why want_why = n < 20 ? SF_WHY_TCP_SHORT : SF_WHY_TCP_DOFF;
			if (rc != SF_DEC_MALFORMED || why != want_why)
				fail_msg("%s of %zu bytes: %s/%s, want malformed/%s", fx->name, n,
					 sf_dec_rc_name(rc), sf_dec_why_name(why),
					 sf_dec_why_name(want_why));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_fields_are_read_big_endian),
		cmocka_unit_test(urgent_pointer_is_read_with_urg),
		cmocka_unit_test(every_flag_bit_is_kept_including_ae_and_reserved),
		cmocka_unit_test(header_oddities_are_anomaly_bits),
		cmocka_unit_test(payload_length_is_from_ip_and_capture_from_caplen),
		cmocka_unit_test(mss_is_read),
		cmocka_unit_test(nop_is_one_byte),
		cmocka_unit_test(eol_ends_the_list_and_zero_padding_after_it_is_fine),
		cmocka_unit_test(nonzero_bytes_after_eol_are_flagged_and_not_parsed),
		cmocka_unit_test(window_scale_is_read),
		cmocka_unit_test(window_scale_above_14_is_flagged),
		cmocka_unit_test(sack_permitted_is_read),
		cmocka_unit_test(sack_with_one_to_four_blocks_is_read),
		cmocka_unit_test(timestamps_are_read_as_unsigned_32_bits),
		cmocka_unit_test(md5_signature_is_recognised),
		cmocka_unit_test(tcp_ao_is_recognised),
		cmocka_unit_test(mptcp_subtype_is_read),
		cmocka_unit_test(fast_open_cookie_and_cookie_request_are_read),
		cmocka_unit_test(experimental_kind_with_exid_f989_is_fast_open),
		cmocka_unit_test(experimental_kind_with_another_exid_is_only_listed),
		cmocka_unit_test(unknown_kind_is_recorded_by_number_and_length),
		cmocka_unit_test(a_linux_syn_option_list_is_read_in_order),
		cmocka_unit_test(forty_nops_fill_the_table_without_overflow),
		cmocka_unit_test(option_length_0_or_1_stops_the_list),
		cmocka_unit_test(option_running_past_the_header_stops_the_list),
		cmocka_unit_test(kind_in_the_last_header_byte_is_a_length_error),
		cmocka_unit_test(wrong_size_options_are_flagged_and_not_taken),
		cmocka_unit_test(experimental_fast_open_cookie_below_4_bytes_is_the_wrong_size),
		cmocka_unit_test(experimental_fast_open_cookie_above_16_bytes_is_the_wrong_size),
		cmocka_unit_test(a_repeated_option_is_flagged),
		cmocka_unit_test(data_offset_below_5_is_malformed_with_the_fixed_fields_kept),
		cmocka_unit_test(
			data_offset_past_the_segment_is_malformed_with_the_fixed_fields_kept),
		cmocka_unit_test(
			options_cut_by_the_snaplen_are_truncated_with_the_fixed_fields_kept),
		cmocka_unit_test(segment_under_20_bytes_is_malformed),
		cmocka_unit_test(fixed_header_cut_by_the_snaplen_is_truncated),
		cmocka_unit_test(option_parser_says_when_the_list_was_cut),
		cmocka_unit_test(a_reused_result_keeps_nothing_from_the_last_segment),
		cmocka_unit_test(flags_print_in_tcpdump_letters_and_order),
		cmocka_unit_test(
			every_prefix_of_every_segment_is_truncated_until_the_header_is_whole),
		cmocka_unit_test(every_segment_shorter_than_its_header_is_malformed),
	};
	return cmocka_run_group_tests_name("dec_tcp", tests, NULL, NULL);
}
