/* fuzz/fuzz_tcp_opts.c: libFuzzer target for the TCP option list (sf_dec_tcp, sf_dec_tcp_opts).
 *
 * Input:  +-----+--------------------------------+
 *         | cut | option bytes (N, up to 40 used) |
 *         +-----+--------------------------------+
 * The options go after a fixed 20-byte SYN header; N is padded with zeros
 * (EOL) to a multiple of 4 and the data offset says 20 + that. The capture
 * is the first hlen - cut % (hlen + 1) bytes, copied into a buffer of exactly
 * that size so that ASan sees any read past it; cut 0 is the whole header,
 * which is what seed writes. Each invariant that fails is a __builtin_trap().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

/* 1234 -> 80, seq 1, ack 0, SYN, window 65535; byte 12 (data offset) is set per input. */
static const uint8_t fixed[SF_TCP_HDR_MIN] = {
	0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x00, 0x02, 0xff, 0xff, 0, 0, 0, 0,
};

/* What must hold of an option list parsed from hdr[20..optend). */
static uint32_t check_opts(const struct sf_tcp *t, size_t optend, bool whole)
{
	uint32_t s = t->nopt;

	CHECK(t->nopt <= SF_TCP_OPT_MAX);
	CHECK(t->nsack <= SF_TCP_SACK_MAX);
	CHECK(t->tfo_len <= SF_TCP_COOKIE_MAX);
	CHECK((t->anom >> SF_ANOM_BITS) == 0);
	for (unsigned i = 0; i < t->nopt; i++) {
		CHECK(t->opt[i].off >= SF_TCP_HDR_MIN);
		if (whole)
			CHECK((size_t)t->opt[i].off + t->opt[i].len <= optend);
		s += (uint32_t)t->opt[i].kind << 16 | (uint32_t)t->opt[i].len << 8 | t->opt[i].off;
	}
	s += t->has + t->anom + t->mss + t->wscale + t->tsval + t->tsecr + t->mptcp_subtype;
	for (unsigned i = 0; i < t->nsack && i < SF_TCP_SACK_MAX; i++)
		s += t->sack_le[i] ^ t->sack_re[i];
	for (unsigned i = 0; i < t->tfo_len && i < SF_TCP_COOKIE_MAX; i++)
		s += t->tfo_cookie[i];
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[SF_TCP_HDR_MAX] = { 0 };
	uint8_t *cap = NULL;
	struct sf_tcp t;
	enum sf_why why = SF_WHY_NONE;
	enum sf_dec_rc rc = SF_DEC_OK;
	size_t n = 0, hlen = 0, caplen = 0, optend = 0;
	bool complete = false;
	volatile uint32_t sink = 0;

	if (size < 1)
		return 0;
	n = size - 1 < SF_TCP_HDR_MAX - SF_TCP_HDR_MIN ? size - 1 : SF_TCP_HDR_MAX - SF_TCP_HDR_MIN;
	hlen = SF_TCP_HDR_MIN + (n + 3) / 4 * 4;
	caplen = hlen - data[0] % (hlen + 1);
	memcpy(hdr, fixed, sizeof(fixed));
	hdr[12] = (uint8_t)(hlen / 4 << 4);
	memcpy(hdr + SF_TCP_HDR_MIN, data + 1, n);
	cap = malloc(caplen ? caplen : 1);
	if (cap == NULL)
		return 0;
	memcpy(cap, hdr, caplen);

	/* Through the header parser; the segment is the header alone. */
	memset(&t, 0, sizeof(t));
	rc = sf_dec_tcp(cap, caplen, hlen, &t, &why);
	CHECK((unsigned)rc < SF_DEC_RC_COUNT && (unsigned)why < SF_WHY_COUNT);
	CHECK((rc == SF_DEC_OK) == (why == SF_WHY_NONE));
	CHECK(t.paycap <= t.paylen);
	/* STYLE habit 18: a prefix is TRUNCATED; the whole header decodes. */
	CHECK(caplen < hlen ? rc == SF_DEC_TRUNCATED : rc == SF_DEC_OK);
	CHECK(t.fixed_ok == (caplen >= SF_TCP_HDR_MIN));
	if (rc == SF_DEC_OK) {
		CHECK(t.hlen >= SF_TCP_HDR_MIN && t.hlen <= t.seglen && t.hlen == hlen);
		CHECK(t.paylen == 0 && t.paycap == 0);
	}
	sink = check_opts(&t, hlen, rc == SF_DEC_OK);

	/* Directly, over the padded header and over the unpadded 20 + N, which
	 * no data offset can say: the list must stop at optend either way. */
	for (int pass = 0; pass < 2; pass++) {
		optend = pass == 0 ? hlen : SF_TCP_HDR_MIN + n;
		memset(&t, 0, sizeof(t));
		complete = sf_dec_tcp_opts(cap, caplen, optend, &t);
		if (caplen >= optend)
			CHECK(complete);
		sink = sink + check_opts(&t, optend, complete);
	}

	(void)sink;
	free(cap);
	return 0;
}
