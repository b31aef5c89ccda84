/* fuzz/fuzz_frame.c: libFuzzer target for sf_dec_frame, link layer to TCP options.
 *
 * Input:  +-------+-------------+------------------------+
 *         | dlt i | wire delta  | frame bytes (caplen)   |
 *         | 1     | 2, BE       | rest                   |
 *         +-------+-------------+------------------------+
 * dlt = sf_fuzz_dlts[i % SF_FUZZ_NDLT]; wirelen = caplen + delta, so a
 * non-zero delta is a frame cut by the snaplen. The frame bytes are the tail
 * of libFuzzer's own exactly-sized buffer: one byte read past caplen is an
 * ASan report. Each invariant below that fails is a __builtin_trap().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/frame.h"
#include "decode/tuple.h"
#include "fuzz/dlts.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The table and the decoder must name the same link types: one the
	 * table lacks would never be fuzzed, and nobody would notice. */
	for (int dlt = 0; dlt <= 0xffff; dlt++)
		if (sf_link_supported(dlt) != (sf_fuzz_dlt_index(dlt) >= 0)) {
			fprintf(stderr, "fuzz/dlts.h: DLT %d (%s) is %s\n", dlt, sf_link_name(dlt),
				sf_link_supported(dlt) ? "supported but not in sf_fuzz_dlts"
						       : "in sf_fuzz_dlts but not supported");
			abort();
		}
	return 0;
}

/* Folds the fields a sink would read into one value, so that the decoder's
 * stores cannot be optimised away, and checks each name lookup answers. */
static uint32_t touch(const struct sf_frame *f)
{
	const struct sf_tcp *t = &f->tcp;
	char flags[12];
	uint32_t s = 0;

	s += (uint32_t)f->kind + (uint32_t)f->rc + (uint32_t)f->why + (uint32_t)f->layer;
	s += (uint32_t)f->link.net + (uint32_t)f->link.l3_off + f->link.ethertype + f->link.nvlan;
	for (unsigned i = 0; i < f->link.nvlan && i < SF_VLAN_MAX; i++)
		s += f->link.vlan[i];
	s += f->ip.ver + f->ip.proto + f->ip.ttl + f->ip.tos + f->ip.id + f->ip.anom;
	s += (uint32_t)f->ip.hlen + (uint32_t)f->ip.l4len + f->ip.frag_off + f->ip.mf +
	     f->ip.later_frag;
	for (unsigned i = 0; i < 16; i++)
		s += (uint32_t)f->ip.src[i] ^ f->ip.dst[i];
	s += t->sport + t->dport + t->seq + t->ack + t->flags + t->win + t->sum + t->urp;
	s += t->hlen + t->fixed_ok + t->seglen + t->paylen + t->paycap + t->anom + t->has;
	s += t->mss + t->wscale + t->nsack + t->tsval + t->tsecr + t->mptcp_subtype + t->tfo_len;
	for (unsigned i = 0; i < t->nopt && i < SF_TCP_OPT_MAX; i++)
		s += (uint32_t)t->opt[i].kind << 16 | (uint32_t)t->opt[i].len << 8 | t->opt[i].off;
	for (unsigned i = 0; i < t->nsack && i < SF_TCP_SACK_MAX; i++)
		s += t->sack_le[i] ^ t->sack_re[i];
	for (unsigned i = 0; i < t->tfo_len && i < SF_TCP_COOKIE_MAX; i++)
		s += t->tfo_cookie[i];
	s += (uint32_t)f->csum + f->csum_calc + (uint32_t)f->tunnel + f->outer.proto;
	s += (uint32_t)f->outer.hlen + (uint32_t)f->outer.l4len + f->outer.anom;

	CHECK(sf_dec_rc_name(f->rc) != NULL);
	CHECK(sf_dec_strerror(f->why) != NULL);
	CHECK(sf_dec_why_name(f->why) != NULL);
	CHECK(sf_frame_kind_name(f->kind) != NULL);
	CHECK(sf_csum_name(f->csum) != NULL);
	CHECK(sf_tunnel_name(f->tunnel) != NULL);
	for (unsigned b = 0; b < SF_ANOM_BITS; b++)
		if ((t->anom | f->ip.anom | f->outer.anom) & 1u << b)
			CHECK(sf_anom_name(1u << b) != NULL);
	s += (uint32_t)strlen(sf_tcp_flags_str(t->flags, flags));
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_frame f;
	const struct sf_tcp *t = &f.tcp;
	enum sf_dec_rc rc = SF_DEC_OK;
	size_t caplen = 0, wirelen = 0, l4off = 0;
	int dlt = 0;
	bool direct = false;
	volatile uint32_t sink = 0;

	if (size < 3)
		return 0;
	dlt = sf_fuzz_dlts[data[0] % SF_FUZZ_NDLT];
	caplen = size - 3;
	wirelen = caplen + ((size_t)data[1] << 8 | data[2]);

	/* Zeroed, so a layer the decoder never reached holds values that pass. */
	memset(&f, 0, sizeof(f));
	rc = sf_dec_frame(dlt, data + 3, caplen, wirelen, &f);

	/* The read-ahead tuple, where it answers, names the decoder's connection. */
	{
		struct sf_tuple k;
		if (sf_dec_tuple(dlt, data + 3, caplen, &k) && f.kind == SF_FRAME_TCP) {
			size_t n = f.ip.ver == 4 ? 4 : 16;
			CHECK(k.ver == f.ip.ver && k.sport == t->sport && k.dport == t->dport);
			CHECK(memcmp(k.src, f.ip.src, n) == 0 && memcmp(k.dst, f.ip.dst, n) == 0);
		}
	}

	/* The result is well-formed. */
	CHECK(rc == f.rc);
	CHECK((unsigned)f.rc < SF_DEC_RC_COUNT);
	CHECK((unsigned)f.why < SF_WHY_COUNT);
	CHECK((unsigned)f.kind < SF_FRAME_KIND_COUNT);
	CHECK((unsigned)f.layer < SF_LAYER_COUNT);
	CHECK((unsigned)f.csum < SF_CSUM_COUNT);
	CHECK((f.rc == SF_DEC_OK) == (f.why == SF_WHY_NONE)); /* dec.h: failures name a reason */
	CHECK(((t->anom | f.ip.anom | f.outer.anom) >> SF_ANOM_BITS) == 0);
	CHECK((f.kind == SF_FRAME_TCP) == t->fixed_ok);
	CHECK((unsigned)f.tunnel < SF_TUNNEL_COUNT);

	/* Lengths never grow past what the wire carried. */
	CHECK(f.ip.l4len <= wirelen);
	CHECK(f.outer.l4len <= wirelen);
	CHECK(f.link.l3_off <= caplen);
	CHECK(t->paycap <= t->paylen);
	CHECK(t->nopt <= SF_TCP_OPT_MAX);
	CHECK(t->nsack <= SF_TCP_SACK_MAX);
	CHECK(t->tfo_len <= SF_TCP_COOKIE_MAX);

	/* Where the TCP header sits in the frame is known only when no tunnel
	 * header came between the link and the IP header carrying it. */
	direct = f.tunnel == SF_TUNNEL_NONE;
	l4off = f.link.l3_off + f.ip.hlen;
	if (f.kind == SF_FRAME_TCP) {
		CHECK(t->seglen == f.ip.l4len);
		if (direct) {
			CHECK(l4off + f.ip.l4len <= wirelen);
			CHECK(l4off + SF_TCP_HDR_MIN <= caplen); /* fixed_ok: 20 bytes were there */
		}
	}
	if (f.rc == SF_DEC_OK && f.kind == SF_FRAME_TCP) {
		CHECK(t->hlen >= SF_TCP_HDR_MIN);
		CHECK(t->hlen <= t->seglen);
		CHECK(t->paylen == t->seglen - t->hlen);
		for (unsigned i = 0; i < t->nopt; i++) {
			CHECK(t->opt[i].off >= SF_TCP_HDR_MIN);
			CHECK((size_t)t->opt[i].off + t->opt[i].len <= t->hlen);
		}
		if (direct) {
			CHECK(l4off + t->hlen <= caplen); /* OK: the whole header was captured */
			CHECK(l4off + t->hlen + t->paycap <= caplen);
		}
	}
	if (f.csum == SF_CSUM_GOOD || f.csum == SF_CSUM_BAD || f.csum == SF_CSUM_PARTIAL)
		CHECK(f.rc == SF_DEC_OK && f.kind == SF_FRAME_TCP && t->paycap == t->paylen);
	/* The exported checksum (the crafter's) agrees with the verdict. */
	if (f.csum == SF_CSUM_GOOD && direct)
		CHECK(sf_tcp_checksum(&f.ip, data + 3 + l4off, t->seglen) == 0);

	sink = touch(&f) + (uint32_t)strlen(sf_link_name(dlt));
	(void)sink;
	return 0;
}
