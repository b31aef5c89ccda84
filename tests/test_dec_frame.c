/* tests/test_dec_frame.c: whole frames through sf_dec_frame, checksums, tunnels, every cut. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode/frame.h"

#define FRAME_MAX  768
#define REGION_MAX 16

/* How each frame's link header is spelled. One DLT may have several. */
enum lk {
	LK_ETH,
	LK_VLAN,
	LK_QINQ,
	LK_SNAP,
	LK_NULL_LE,
	LK_NULL_BE,
	LK_LOOP,
	LK_RAW,
	LK_RAW_OPENBSD,
	LK_LINKTYPE_RAW,
	LK_IPDLT, /* DLT_IPV4 or DLT_IPV6, after the version */
	LK_SLL,
	LK_SLL2,
	LK_PPP,
	LK_PPP_NO_AC,      /* no FF 03, two-byte protocol */
	LK_PPP_COMPRESSED, /* no FF 03, one-byte protocol */
	LK_PPP_SERIAL,
	LK_MPLS,  /* Ethernet, two MPLS labels */
	LK_PPPOE, /* Ethernet, PPPoE session */
	LK_FDDI,
	LK_ARCNET,
	LK_IPOIB,
	LK_NFLOG,
};

/* What to build. Zero is the default everywhere: TCP, no IP options, no
 * extension headers, no fragmenting, a made-up payload. */
struct spec {
	enum lk link;
	int ver;
	uint8_t l4proto;       /* 0: TCP */
	const uint8_t *l3opts; /* IPv4 options, or IPv6 extension headers */
	size_t l3optlen;
	uint8_t ext_nh;  /* IPv6: the type of the first extension header */
	uint16_t frag;   /* IPv4 flags and fragment offset */
	bool later_frag; /* the transport bytes are a datagram's middle */
	const uint8_t *tcpopts;
	size_t tcpoptlen;
	const uint8_t *payload; /* NULL: a pattern */
	size_t paylen;
	uint16_t udp_sport, udp_dport;
	size_t pad;                /* link padding after the IP datagram */
	const uint8_t *pseudo_dst; /* IPv6 final destination, when not the header's */
};

/* Where a capture cut short must stop, and why: every cut before `end`
 * (and after the previous region) is TRUNCATED at `layer` for `why`, or,
 * when `lenient`, TRUNCATED for any reason or OK as a frame that is not
 * TCP (a tunnel header cut short: there is no TCP to misreport). */
struct region {
	size_t end;
	enum sf_layer layer;
	enum sf_why why;
	bool lenient;
};

/* A built frame and the offsets the builder knows, which the decoder's
 * answers are checked against. For a tunnel, the IP and TCP offsets are
 * those of the inner packet. */
struct frame {
	int dlt;
	int ver;
	uint8_t b[FRAME_MAX];
	size_t len;      /* on the wire, and captured unless a test cuts it */
	size_t l3;       /* IP header carrying the transport */
	size_t l4;       /* transport header */
	size_t hdr_end;  /* end of the TCP (or UDP) header */
	size_t first_ok; /* the shortest capture that decodes OK */
	size_t pad;
	bool tcp;         /* carries a TCP header */
	bool safety_only; /* broken on purpose, or cut in ways the regions do not
			   * describe: the sweep checks only safety */
	enum sf_tunnel tunnel;
	uint8_t pseudo_dst[16];
	unsigned nregion;
	struct region region[REGION_MAX];
};

static const uint8_t src4[4] = { 192, 0, 2, 1 };
static const uint8_t dst4[4] = { 198, 51, 100, 2 };
static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* NOP NOP timestamps: what a data segment of a Linux connection carries. */
static const uint8_t ts_opts[12] = { 0x01, 0x01, 0x08, 0x0a, 0x00, 0x01,
				     0xe2, 0x40, 0x80, 0x00, 0x00, 0x01 };

/* --- an independent Internet checksum (RFC 1071) ----------------------- */

static uint32_t sum_words(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i = 0;

	for (; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	return s;
}

static uint16_t fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The pseudo-header of RFC 9293 section 3.1 or RFC 8200 section 8.1. */
static uint32_t pseudo_sum(const struct frame *f)
{
	size_t seglen = f->len - f->pad - f->l4;
	uint32_t s = 0;

	if (f->ver == 4) {
		s = sum_words(s, f->b + f->l3 + 12, 8);
	} else {
		s = sum_words(s, f->b + f->l3 + 8, 16);
		s = sum_words(s, f->pseudo_dst, 16);
	}
	return s + 6 + (uint32_t)(seglen >> 16) + (uint32_t)(seglen & 0xffff);
}

/* The value the checksum field must hold, whatever it holds now: the sum
 * of everything but the field (which sits at an even offset, 16). */
static uint16_t correct_csum(const struct frame *f)
{
	size_t seglen = f->len - f->pad - f->l4;
	uint32_t s = pseudo_sum(f);

	s = sum_words(s, f->b + f->l4, 16);
	s = sum_words(s, f->b + f->l4 + 18, seglen - 18);
	return (uint16_t)~fold16(s);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void set_csum(struct frame *f, uint16_t v)
{
	put16(f->b + f->l4 + 16, v);
}

/* --- the builder ------------------------------------------------------- */

static void region(struct frame *f, size_t end, enum sf_layer layer, enum sf_why why)
{
	assert_true(f->nregion < REGION_MAX);
	f->region[f->nregion].end = end;
	f->region[f->nregion].layer = layer;
	f->region[f->nregion].why = why;
	f->region[f->nregion].lenient = false;
	f->nregion++;
}

static size_t put_link(struct frame *f, enum lk link, int ver)
{
	static const uint8_t macs[12] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
					  0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
	static const uint8_t vlan[4] = { 0x81, 0x00, 0x20, 0x64 }; /* PCP 1, VID 100 */
	static const uint8_t qinq[8] = { 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14 };
	static const uint8_t snap[8] = { 0x00, 0x00, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00 };
	static const uint8_t sll[14] = { 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00,
					 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00 };
	static const uint8_t sll2[18] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00,
					  0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00 };
	static const uint8_t mpls[8] = { 0x00, 0x06, 0x40, 0x40, 0x00, 0x0c, 0x81, 0x40 };
	static const uint8_t pppoe[8] = { 0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0x00, 0x00 };
	static const uint8_t arcnet[8] = { 0x01, 0x02, 0x00, 0x00, 0xd4, 0x00, 0x00, 0x01 };
	static const uint8_t nflog[16] = { 0x02, 0x00, 0x00, 0x01, 0x08, 0x00, 0x01, 0x00,
					   0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09, 0x00 };
	uint16_t etype = ver == 4 ? 0x0800 : 0x86dd;
	uint8_t *b = f->b;
	size_t n = 0;

	switch (link) {
	case LK_ETH:
	case LK_VLAN:
	case LK_QINQ:
	case LK_SNAP:
		f->dlt = SF_DLT_EN10MB;
		memcpy(b, macs, 12);
		n = 12;
		if (link == LK_VLAN) {
			memcpy(b + n, vlan, 4);
			n += 4;
		} else if (link == LK_QINQ) {
			memcpy(b + n, qinq, 8);
			n += 8;
		} else if (link == LK_SNAP) {
			memcpy(b + n, snap, 8); /* the 802.3 length is patched in later */
			n += 8;
		}
		put16(b + n, etype);
		return n + 2;
	case LK_NULL_LE: /* AF_INET 2; AF_INET6 30 as macOS writes it */
		f->dlt = SF_DLT_NULL;
		memset(b, 0, 4);
		b[0] = ver == 4 ? 2 : 30;
		return 4;
	case LK_NULL_BE: /* AF_INET6 28 as big-endian FreeBSD writes it */
		f->dlt = SF_DLT_NULL;
		memset(b, 0, 4);
		b[3] = ver == 4 ? 2 : 28;
		return 4;
	case LK_LOOP: /* OpenBSD: AF_INET6 24, network order */
		f->dlt = SF_DLT_LOOP;
		memset(b, 0, 4);
		b[3] = ver == 4 ? 2 : 24;
		return 4;
	case LK_RAW: f->dlt = SF_DLT_RAW; return 0;
	case LK_RAW_OPENBSD: f->dlt = SF_DLT_RAW_OPENBSD; return 0;
	case LK_LINKTYPE_RAW: f->dlt = SF_DLT_LINKTYPE_RAW; return 0;
	case LK_IPDLT: f->dlt = ver == 4 ? SF_DLT_IPV4 : SF_DLT_IPV6; return 0;
	case LK_SLL:
		f->dlt = SF_DLT_LINUX_SLL;
		memcpy(b, sll, 14);
		put16(b + 14, etype);
		return 16;
	case LK_SLL2:
		f->dlt = SF_DLT_LINUX_SLL2;
		put16(b, etype);
		memcpy(b + 2, sll2, 18);
		return 20;
	case LK_PPP:
	case LK_PPP_SERIAL:
		f->dlt = link == LK_PPP ? SF_DLT_PPP : SF_DLT_PPP_SERIAL;
		b[0] = 0xff;
		b[1] = 0x03;
		put16(b + 2, ver == 4 ? 0x0021 : 0x0057);
		return 4;
	case LK_PPP_NO_AC:
		f->dlt = SF_DLT_PPP;
		put16(b, ver == 4 ? 0x0021 : 0x0057);
		return 2;
	case LK_PPP_COMPRESSED:
		f->dlt = SF_DLT_PPP;
		b[0] = ver == 4 ? 0x21 : 0x57;
		return 1;
	case LK_MPLS: /* label 100 then label 200 with bottom-of-stack */
		f->dlt = SF_DLT_EN10MB;
		memcpy(b, macs, 12);
		put16(b + 12, 0x8847);
		memcpy(b + 14, mpls, 8);
		return 22;
	case LK_PPPOE: /* session 0x1234; the length is patched in later */
		f->dlt = SF_DLT_EN10MB;
		memcpy(b, macs, 12);
		memcpy(b + 12, pppoe, 8);
		put16(b + 20, ver == 4 ? 0x0021 : 0x0057);
		return 22;
	case LK_FDDI: /* frame control, addresses, LLC/SNAP */
		f->dlt = SF_DLT_FDDI;
		b[0] = 0x50;
		memcpy(b + 1, macs, 12);
		memcpy(b + 13, snap + 2, 6);
		put16(b + 19, etype);
		return 21;
	case LK_ARCNET: /* RFC 1201 (D4) or IPv6 (C4), split flag, sequence */
		f->dlt = SF_DLT_ARCNET_LINUX;
		memcpy(b, arcnet, 8);
		b[4] = ver == 4 ? 0xd4 : 0xc4;
		return 8;
	case LK_IPOIB: /* 40 bytes of addresses, type, reserved */
		f->dlt = SF_DLT_IPOIB;
		memset(b, 0, 44);
		b[0] = b[20] = 0x80;
		put16(b + 40, etype);
		return 44;
	case LK_NFLOG: /* a packet-header TLV, then the payload TLV's header */
		f->dlt = SF_DLT_NFLOG;
		memcpy(b, nflog, 16);
		b[0] = ver == 4 ? 2 : 10;
		return 16;
	}
	fail_msg("no such link spelling %d", (int)link);
	return 0;
}

/* Links after which the IP version nibble alone says v4 or v6. */
static bool by_nibble(enum lk link)
{
	return link == LK_RAW || link == LK_RAW_OPENBSD || link == LK_LINKTYPE_RAW ||
	       link == LK_MPLS;
}

static void build(struct frame *f, const struct spec *s)
{
	uint8_t proto = s->l4proto ? s->l4proto : 6;
	uint8_t *b = f->b;
	size_t n = 0;

	memset(f, 0, sizeof *f);
	f->ver = s->ver;
	f->l3 = n = put_link(f, s->link, s->ver);
	if (f->l3)
		region(f, f->l3, SF_LAYER_LINK, SF_WHY_LINK_HDR);
	/* Raw IP with no byte at all: no version nibble to go by. */
	if (by_nibble(s->link))
		region(f, f->l3 + 1, SF_LAYER_IP, SF_WHY_IP4_HDR);
	if (s->ver == 4) {
		static const uint8_t v4[12] = { 0x45, 0x00, 0x00, 0x00, 0x12, 0x34,
						0x00, 0x00, 0x40, 0x06, 0x00, 0x00 };
		memcpy(b + n, v4, 12);
		b[n] = (uint8_t)(0x40 | (20 + s->l3optlen) / 4);
		put16(b + n + 6, s->frag);
		b[n + 9] = proto;
		memcpy(b + n + 12, src4, 4);
		memcpy(b + n + 16, dst4, 4);
		n += 20;
		region(f, n + s->l3optlen, SF_LAYER_IP, SF_WHY_IP4_HDR);
	} else {
		static const uint8_t v6[8] = { 0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x40 };
		memcpy(b + n, v6, 8);
		b[n + 6] = s->l3optlen ? s->ext_nh : proto;
		memcpy(b + n + 8, src6, 16);
		memcpy(b + n + 24, dst6, 16);
		memcpy(f->pseudo_dst, s->pseudo_dst ? s->pseudo_dst : dst6, 16);
		n += 40;
		region(f, n, SF_LAYER_IP, SF_WHY_IP6_HDR);
		if (s->l3optlen)
			region(f, n + s->l3optlen, SF_LAYER_IP, SF_WHY_IP6_EXT);
	}
	if (s->l3optlen) {
		memcpy(b + n, s->l3opts, s->l3optlen);
		n += s->l3optlen;
	}
	f->l4 = n;
	f->tcp = proto == 6 && !s->later_frag;
	if (f->tcp) {
		/* 49374 -> 80, seq and ack above 2^31, PSH ACK, window 64240. */
		static const uint8_t th[20] = { 0xc0, 0xde, 0x00, 0x50, 0xfe, 0xdc, 0xba,
						0x98, 0x89, 0xab, 0xcd, 0xef, 0x00, 0x18,
						0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00 };
		memcpy(b + n, th, 20);
		b[n + 12] = (uint8_t)((20 + s->tcpoptlen) / 4 << 4);
		if (s->tcpoptlen)
			memcpy(b + n + 20, s->tcpopts, s->tcpoptlen);
		region(f, n + 20, SF_LAYER_TCP, SF_WHY_TCP_HDR);
		n += 20 + s->tcpoptlen;
		if (s->tcpoptlen)
			region(f, n, SF_LAYER_TCP, SF_WHY_TCP_OPTS);
	} else if (proto == 17) {
		put16(b + n, s->udp_sport);
		put16(b + n + 2, s->udp_dport);
		put16(b + n + 4, (uint16_t)(8 + s->paylen));
		put16(b + n + 6, 0);
		n += 8;
	}
	f->hdr_end = n;
	f->first_ok = f->tcp ? f->hdr_end : f->l4;
	assert_true(n + s->paylen + s->pad <= FRAME_MAX);
	for (size_t i = 0; i < s->paylen; i++)
		b[n + i] = s->payload ? s->payload[i] : (uint8_t)(i * 7 + 1);
	n += s->paylen;
	/* Lengths, now that they are known. */
	if (s->ver == 4)
		put16(b + f->l3 + 2, (uint16_t)(n - f->l3));
	else
		put16(b + f->l3 + 4, (uint16_t)(n - f->l3 - 40));
	if (s->link == LK_SNAP)
		put16(b + 12, (uint16_t)(n - 14));
	if (s->link == LK_PPPOE)
		put16(b + 18, (uint16_t)(n - f->l3 + 2));
	if (s->link == LK_NFLOG) {
		b[12] = (uint8_t)(n - f->l3 + 4);
		b[13] = (uint8_t)((n - f->l3 + 4) >> 8);
	}
	memset(b + n, 0, s->pad);
	n += s->pad;
	f->pad = s->pad;
	f->len = n;
	if (s->ver == 4)
		put16(b + f->l3 + 10, (uint16_t)~fold16(sum_words(0, b + f->l3, 20 + s->l3optlen)));
	if (f->tcp)
		set_csum(f, correct_csum(f));
}

/* An IPv4 or IPv6 TCP frame with timestamps and 5 payload bytes (an odd
 * count, so the checksum pads the last byte). */
static void build_tcp(struct frame *f, enum lk link, int ver)
{
	struct spec s = { .link = link,
			  .ver = ver,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts,
			  .paylen = 5 };
	build(f, &s);
}

/* Wraps `in` (a whole frame, no padding) in the outer packet `outer`
 * describes, behind the tunnel header `th`. The result's IP and TCP offsets
 * are the inner packet's; cuts in the tunnel header itself are lenient. */
static void build_tunnel(struct frame *f, const struct spec *outer, const uint8_t *th, size_t thlen,
			 const struct frame *in, enum sf_tunnel t)
{
	uint8_t payload[FRAME_MAX];
	struct spec s = *outer;
	size_t start = 0;
	unsigned keep = 0;

	assert_true(in->pad == 0 && thlen + in->len <= sizeof payload);
	if (thlen)
		memcpy(payload, th, thlen);
	memcpy(payload + thlen, in->b, in->len);
	s.payload = payload;
	s.paylen = thlen + in->len;
	build(f, &s);
	start = f->hdr_end + thlen;
	/* The outer regions up to the transport, then the tunnel's own bytes. */
	while (keep < f->nregion && f->region[keep].end <= f->l4)
		keep++;
	f->nregion = keep;
	if (start > f->l4) {
		region(f, start, SF_LAYER_IP, SF_WHY_NONE);
		f->region[f->nregion - 1].lenient = true;
	}
	for (unsigned i = 0; i < in->nregion; i++) {
		region(f, start + in->region[i].end, in->region[i].layer, in->region[i].why);
		f->region[f->nregion - 1].lenient = in->region[i].lenient;
	}
	f->ver = in->ver;
	f->l3 = start + in->l3;
	f->l4 = start + in->l4;
	f->hdr_end = start + in->hdr_end;
	f->first_ok = start + in->first_ok;
	f->tcp = in->tcp;
	f->tunnel = t;
	memcpy(f->pseudo_dst, in->pseudo_dst, 16);
}

/* --- decoding and the sweep -------------------------------------------- */

/* Decodes from a heap copy of exactly caplen bytes, so that any read past
 * the capture is an AddressSanitizer report. */
static enum sf_dec_rc decode(const struct frame *f, size_t caplen, size_t wirelen,
			     struct sf_frame *out)
{
	uint8_t *copy = test_malloc(caplen ? caplen : 1);
	enum sf_dec_rc rc;

	memcpy(copy, f->b, caplen);
	rc = sf_dec_frame(f->dlt, copy, caplen, wirelen, out);
	test_free(copy);
	return rc;
}

/* What a capture of n bytes of a whole TCP frame must say: exactly where
 * and why it was cut, and OK only once the TCP header is whole. */
static void expect_cut_tcp(const struct frame *f, size_t n, const struct sf_frame *o,
			   enum sf_csum full)
{
	const struct region *rg = NULL;

	if (n >= f->hdr_end) {
		size_t cap = n < f->len - f->pad ? n : f->len - f->pad;
		enum sf_csum want = n >= f->len - f->pad ? full : SF_CSUM_UNVERIFIED;
		if (o->rc != SF_DEC_OK || o->kind != SF_FRAME_TCP || o->csum != want ||
		    o->tcp.paycap != cap - f->hdr_end ||
		    o->tcp.paylen != f->len - f->pad - f->hdr_end)
			fail_msg("cut at %zu of %zu: %s %s %s paycap %u, want ok tcp %s paycap %zu",
				 n, f->len, sf_dec_rc_name(o->rc), sf_frame_kind_name(o->kind),
				 sf_csum_name(o->csum), o->tcp.paycap, sf_csum_name(want),
				 cap - f->hdr_end);
		return;
	}
	for (unsigned i = 0; i < f->nregion && rg == NULL; i++)
		if (n < f->region[i].end)
			rg = &f->region[i];
	assert_non_null(rg);
	if (rg->lenient) {
		if (o->rc == SF_DEC_TRUNCATED || (o->rc == SF_DEC_OK && o->kind != SF_FRAME_TCP))
			return;
		fail_msg("cut at %zu of %zu, in a tunnel header: %s %s", n, f->len,
			 sf_dec_rc_name(o->rc), sf_frame_kind_name(o->kind));
	}
	if (o->rc != SF_DEC_TRUNCATED || o->why != rg->why || o->layer != rg->layer ||
	    (o->kind == SF_FRAME_TCP) != (n >= f->l4 + 20))
		fail_msg("cut at %zu of %zu: %s/%s layer %d kind %s, want truncated/%s layer %d", n,
			 f->len, sf_dec_rc_name(o->rc), sf_dec_why_name(o->why), (int)o->layer,
			 sf_frame_kind_name(o->kind), sf_dec_why_name(rg->why), (int)rg->layer);
}

/* The truncation sweep, run on every frame this file builds. Every prefix,
 * captured from a frame that was whole on the wire and then as a frame that
 * really was that short, decodes without a crash (the copies are exactly
 * sized for ASan) to a result in range, and never to an OK TCP frame whose
 * header is not all there. Frames that are not broken on purpose must also
 * be TRUNCATED exactly as the builder's regions say until the first capture
 * that can decode. One result struct is reused throughout, as a capture
 * loop would. */
static void sweep(const struct frame *f)
{
	struct sf_frame o;
	enum sf_csum full = SF_CSUM_UNVERIFIED;

	memset(&o, 0, sizeof o);
	(void)decode(f, f->len, f->len, &o);
	full = o.csum;
	for (size_t n = 0; n < f->len; n++) {
		for (int short_wire = 0; short_wire < 2; short_wire++) {
			size_t wirelen = short_wire ? n : f->len;
			enum sf_dec_rc rc = decode(f, n, wirelen, &o);

			assert_int_equal(rc, o.rc);
			assert_true((unsigned)o.rc < SF_DEC_RC_COUNT);
			assert_true((unsigned)o.kind < SF_FRAME_KIND_COUNT);
			assert_true((unsigned)o.why < SF_WHY_COUNT);
			assert_true((unsigned)o.csum < SF_CSUM_COUNT);
			assert_true((unsigned)o.tunnel < SF_TUNNEL_COUNT);
			if (o.rc == SF_DEC_OK && o.kind == SF_FRAME_TCP &&
			    o.l4_off + o.tcp.hlen > n)
				fail_msg("%zu bytes (wire %zu): OK TCP with a header past the "
					 "capture",
					 n, wirelen);
			/* A capture that holds the whole wire lost nothing to a snaplen;
			 * only a header going on in the next fragment is "truncated". */
			if (short_wire && o.rc == SF_DEC_TRUNCATED && o.why != SF_WHY_TCP_FRAG)
				fail_msg("%zu bytes, all of the wire: truncated/%s", n,
					 sf_dec_why_name(o.why));
			if (o.rc == SF_DEC_OK && o.kind == SF_FRAME_TCP && !f->safety_only &&
			    f->tcp && n < f->hdr_end)
				fail_msg("%zu bytes (wire %zu): OK TCP before the header's end %zu",
					 n, wirelen, f->hdr_end);
			if (short_wire || f->safety_only)
				continue;
			if (f->tcp) {
				expect_cut_tcp(f, n, &o, full);
			} else if (n < f->first_ok) {
				if (o.rc != SF_DEC_TRUNCATED)
					fail_msg("cut at %zu of %zu: %s, want truncated", n, f->len,
						 sf_dec_rc_name(o.rc));
			} else if (o.rc != SF_DEC_OK || o.kind == SF_FRAME_TCP) {
				fail_msg("cut at %zu of %zu: %s %s, want ok and not tcp", n, f->len,
					 sf_dec_rc_name(o.rc), sf_frame_kind_name(o.kind));
			}
		}
	}
}

/* A whole TCP frame: every layer where the builder put it, and a good sum. */
static void expect_good_tcp(const struct frame *f)
{
	struct sf_frame o;

	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.kind, SF_FRAME_TCP);
	assert_int_equal(o.layer, SF_LAYER_TCP);
	assert_int_equal(o.why, SF_WHY_NONE);
	assert_int_equal(o.tunnel, f->tunnel);
	if (f->tunnel == SF_TUNNEL_NONE)
		assert_int_equal(o.link.l3_off, f->l3);
	assert_int_equal(o.l4_off, f->l4);
	assert_int_equal(o.ip.ver, f->ver);
	assert_int_equal(o.ip.proto, SF_IPPROTO_TCP);
	assert_int_equal(o.ip.hlen, f->l4 - f->l3);
	assert_int_equal(o.ip.l4len, f->len - f->pad - f->l4);
	assert_true(o.tcp.fixed_ok);
	assert_int_equal(o.tcp.sport, 49374);
	assert_int_equal(o.tcp.dport, 80);
	assert_int_equal(o.tcp.seq, 0xfedcba98u);
	assert_int_equal(o.tcp.ack, 0x89abcdefu);
	assert_int_equal(o.tcp.flags, SF_TH_PSH | SF_TH_ACK);
	assert_int_equal(o.tcp.hlen, f->hdr_end - f->l4);
	assert_int_equal(o.tcp.paylen, f->len - f->pad - f->hdr_end);
	assert_int_equal(o.tcp.sum, get16(f->b + f->l4 + 16));
	assert_int_equal(o.csum, SF_CSUM_GOOD);
	assert_int_equal(o.csum_calc, 0);
}

/* Both IP versions over one link spelling, and every cut of each. */
static void check_link(struct frame *f, enum lk link)
{
	for (int ver = 4; ver <= 6; ver += 2) {
		struct sf_frame o;

		build_tcp(f, link, ver);
		expect_good_tcp(f);
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_true(o.tcp.has & SF_TCP_HAS_TS);
		assert_int_equal(o.tcp.tsval, 123456);
		assert_int_equal(o.tcp.tsecr, 0x80000001u);
		sweep(f);
	}
}

static int setup(void **state)
{
	*state = test_calloc(1, sizeof(struct frame));
	return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* --- every link type carrying IPv4 and IPv6 TCP ------------------------ */

static void en10mb_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_ETH);
}

static void vlan_tagged_ethernet_carries_ipv4_and_ipv6_tcp(void **state)
{
	struct frame *f = *state;
	struct sf_frame o;

	check_link(f, LK_VLAN);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.link.nvlan, 1);
	assert_int_equal(o.link.vlan[0], 100);
}

static void qinq_ethernet_carries_ipv4_and_ipv6_tcp_with_both_tags(void **state)
{
	struct frame *f = *state;
	struct sf_frame o;

	check_link(f, LK_QINQ);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.link.nvlan, 2);
	assert_int_equal(o.link.vlan[0], 10);
	assert_int_equal(o.link.vlan[1], 20);
}

static void llc_snap_ethernet_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_SNAP);
}

static void null_in_either_byte_order_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_NULL_LE);
	check_link(*state, LK_NULL_BE);
}

static void loop_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_LOOP);
}

static void every_raw_dlt_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_RAW);
	check_link(*state, LK_RAW_OPENBSD);
	check_link(*state, LK_LINKTYPE_RAW);
}

static void ipv4_and_ipv6_dlts_carry_tcp(void **state)
{
	check_link(*state, LK_IPDLT);
}

static void linux_sll_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_SLL);
}

static void linux_sll2_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_SLL2);
}

static void ppp_with_and_without_ff03_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_PPP);
	check_link(*state, LK_PPP_NO_AC);
	check_link(*state, LK_PPP_SERIAL);
}

/* With protocol-field compression the PPP header is the single byte 21 or
 * 57, so a one-byte capture holds the whole link header and the cut is in
 * IP. KNOWN BUG: dec_ppp peeks 2 bytes before looking at the first and
 * calls a 1-byte capture a cut link header (LINK_HDR, and MALFORMED for a
 * 1-byte frame whose link header was in fact whole). */
static void ppp_with_a_one_byte_protocol_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_PPP_COMPRESSED);
}

static void mpls_over_ethernet_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_MPLS);
}

static void pppoe_carries_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_PPPOE);
}

static void fddi_arcnet_ipoib_and_nflog_carry_ipv4_and_ipv6_tcp(void **state)
{
	check_link(*state, LK_FDDI);
	check_link(*state, LK_ARCNET);
	check_link(*state, LK_IPOIB);
	check_link(*state, LK_NFLOG);
}

/* The PPPoE length bounds the IP packet as the wire bounds Ethernet: with
 * an offloaded IPv4 length of 0, it alone keeps the Ethernet padding out of
 * the segment, and so out of the checksum. */
static void pppoe_length_keeps_padding_out_of_an_offloaded_segment(void **state)
{
	struct frame *f = *state;
	struct spec s = { .link = LK_PPPOE,
			  .ver = 4,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts,
			  .paylen = 3,
			  .pad = 6 };
	struct sf_frame o;

	build(f, &s);
	put16(f->b + f->l3 + 2, 0);
	set_csum(f, fold16(pseudo_sum(f)));
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.ip.anom, SF_ANOM_IP_TSO);
	assert_int_equal(o.ip.l4len, f->len - f->pad - f->l4);
	assert_int_equal(o.tcp.paylen, 3);
	assert_int_equal(o.csum, SF_CSUM_PARTIAL);
	sweep(f);
}

/* --- IP options and IPv6 extension headers on the way to TCP ----------- */

static void ipv4_options_are_stepped_over_to_tcp(void **state)
{
	static const uint8_t rr[8] = { 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00 }; /* record route */
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH,
			  .ver = 4,
			  .l3opts = rr,
			  .l3optlen = sizeof rr,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts,
			  .paylen = 3 };

	build(f, &s);
	expect_good_tcp(f);
	sweep(f);
}

/* Each extension header type in turn, then several in one chain; the
 * checksum covers only TCP, with the TCP length in the pseudo-header. */
static void ipv6_extension_headers_are_stepped_over_to_tcp(void **state)
{
	static const uint8_t hbh[8] = { 0x06, 0x00, 0x01, 0x04, 0, 0, 0, 0 };
	/* Type 2, segments left 0: the destination is already the final one. */
	static const uint8_t rh2_done[24] = { 0x06, 0x02, 0x02, 0x00, 0, 0, 0, 0,
					      0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					      0,    0,    0,    0,    0, 0, 0, 2 };
	static const uint8_t dst[8] = { 0x06, 0x00, 0x01, 0x04, 0, 0, 0, 0 };
	static const uint8_t ah[24] = { 0x06, 0x04, 0,    0,    0,    0,    1,    0,
					0,    0,    0,    1,    0xa1, 0xa2, 0xa3, 0xa4,
					0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac };
	static const uint8_t atomic_frag[8] = { 0x06, 0x00, 0x00, 0x00, 0, 0, 0, 9 };
	/* hop-by-hop -> dstopts -> routing -> AH -> dstopts -> TCP */
	static const uint8_t chain[72] = {
		60,   0x00, 0x01, 0x04, 0,    0,    0,    0, /* hop-by-hop */
		43,   0x00, 0x01, 0x04, 0,    0,    0,    0, /* dstopts */
		51,   0x02, 0x02, 0x00, 0,    0,    0,    0, /* routing, done */
		0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,
		0,    0,    0,    2,    60,   0x04, 0,    0,    0,    0,    1,    0, /* AH */
		0,    0,    0,    1,    0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
		0xa9, 0xaa, 0xab, 0xac, 6,    0x00, 0x01, 0x04, 0,    0,    0,    0, /* dstopts */
	};
	static const struct {
		uint8_t nh;
		const uint8_t *p;
		size_t len;
	} tab[] = {
		{ 0, hbh, sizeof hbh },
		{ 43, rh2_done, sizeof rh2_done },
		{ 60, dst, sizeof dst },
		{ 51, ah, sizeof ah },
		{ 44, atomic_frag, sizeof atomic_frag }, /* offset 0, M=0: RFC 6946 */
		{ 0, chain, sizeof chain },
	};
	struct frame *f = *state;

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		struct spec s = { .link = LK_ETH,
				  .ver = 6,
				  .l3opts = tab[i].p,
				  .l3optlen = tab[i].len,
				  .ext_nh = tab[i].nh,
				  .tcpopts = ts_opts,
				  .tcpoptlen = sizeof ts_opts,
				  .paylen = 7 };
		build(f, &s);
		expect_good_tcp(f);
		sweep(f);
	}
}

/* RFC 2675: payload length 0 and a Jumbo Payload option in hop-by-hop. */
static void ipv6_jumbo_frame_is_decoded_and_verified(void **state)
{
	static const uint8_t jumbo[8] = { 0x06, 0x00, 0xc2, 0x04, 0, 0, 0, 0 };
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH,
			  .ver = 6,
			  .l3opts = jumbo,
			  .l3optlen = sizeof jumbo,
			  .ext_nh = 0,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts,
			  .paylen = 9 };
	struct sf_frame o;
	uint32_t jlen = 0;

	build(f, &s);
	jlen = (uint32_t)(f->len - f->l3 - 40);
	put16(f->b + f->l3 + 4, 0);
	put16(f->b + f->l3 + 44, (uint16_t)(jlen >> 16));
	put16(f->b + f->l3 + 46, (uint16_t)jlen);
	expect_good_tcp(f);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.ip.anom, SF_ANOM_IP6_JUMBO);
	sweep(f);
}

/* --- checksum verdicts ------------------------------------------------- */

static void a_wrong_checksum_is_bad_and_the_right_one_is_given(void **state)
{
	struct frame *f = *state;

	for (int ver = 4; ver <= 6; ver += 2) {
		struct sf_frame o;
		uint16_t right = 0;

		build_tcp(f, LK_ETH, ver);
		right = get16(f->b + f->l4 + 16);
		set_csum(f, (uint16_t)(right ^ 0x0100));
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.kind, SF_FRAME_TCP);
		assert_int_equal(o.csum, SF_CSUM_BAD);
		assert_int_equal(o.csum_calc, right);
		sweep(f);

		/* Damage the payload instead: the field is stale, not wrong. */
		set_csum(f, right);
		f->b[f->len - 1] ^= 0x40;
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.csum, SF_CSUM_BAD);
		assert_int_equal(o.csum_calc, correct_csum(f));
		assert_int_not_equal(o.csum_calc, right);
		sweep(f);
	}
}

/* The exported checksum routine, given the decoded IP header and the
 * segment with its field zeroed, agrees with the independent one here. */
static void exported_checksum_agrees_with_rfc_1071(void **state)
{
	struct frame *f = *state;

	for (int ver = 4; ver <= 6; ver += 2) {
		struct sf_frame o;
		uint16_t right = 0;

		build_tcp(f, LK_ETH, ver);
		right = get16(f->b + f->l4 + 16);
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		set_csum(f, 0);
		assert_int_equal(sf_tcp_checksum(&o.ip, f->b + f->l4, f->len - f->l4), right);
		sweep(f);
	}
}

/* Linux leaves the folded pseudo-header sum in the field for the NIC to
 * finish (CHECKSUM_PARTIAL); on loopback nobody does. */
static void pseudo_header_sum_in_the_field_is_partial(void **state)
{
	struct frame *f = *state;

	for (int ver = 4; ver <= 6; ver += 2) {
		struct sf_frame o;
		uint16_t right = 0;

		build_tcp(f, LK_ETH, ver);
		right = correct_csum(f);
		set_csum(f, fold16(pseudo_sum(f)));
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.csum, SF_CSUM_PARTIAL);
		assert_int_equal(o.csum_calc, right);
		sweep(f);
	}
}

/* TSO hands the capture a super-frame with IPv4 total length 0 and a
 * partial checksum over the real length. */
static void offloaded_super_frame_is_partial_with_the_wire_length(void **state)
{
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH,
			  .ver = 4,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts,
			  .paylen = 300 };
	struct sf_frame o;

	build(f, &s);
	put16(f->b + f->l3 + 2, 0);
	set_csum(f, fold16(pseudo_sum(f)));
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.ip.anom, SF_ANOM_IP_TSO);
	assert_int_equal(o.tcp.paylen, 300);
	assert_int_equal(o.csum, SF_CSUM_PARTIAL);
	sweep(f);
}

/* The snaplen cut the payload: the header is all there, the sum cannot be. */
static void payload_cut_by_the_snaplen_is_unverified(void **state)
{
	struct frame *f = *state;

	for (int ver = 4; ver <= 6; ver += 2) {
		struct sf_frame o;

		build_tcp(f, LK_ETH, ver);
		assert_int_equal(decode(f, f->len - 1, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.kind, SF_FRAME_TCP);
		assert_int_equal(o.csum, SF_CSUM_UNVERIFIED);
		assert_int_equal(o.csum_calc, 0);
		assert_int_equal(o.tcp.paylen, 5);
		assert_int_equal(o.tcp.paycap, 4);
		sweep(f);
	}
}

/* The sum covers the whole datagram, and a first fragment is only part. */
static void first_fragment_is_tcp_but_unverified(void **state)
{
	static const uint8_t frag6[8] = { 0x06, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef };
	struct frame *f = *state;
	struct spec s4 = { .link = LK_ETH,
			   .ver = 4,
			   .frag = 0x2000,
			   .tcpopts = ts_opts,
			   .tcpoptlen = sizeof ts_opts,
			   .paylen = 16 };
	struct spec s6 = { .link = LK_ETH,
			   .ver = 6,
			   .l3opts = frag6,
			   .l3optlen = sizeof frag6,
			   .ext_nh = 44,
			   .tcpopts = ts_opts,
			   .tcpoptlen = sizeof ts_opts,
			   .paylen = 16 };
	const struct spec *specs[2] = { &s4, &s6 };

	for (int i = 0; i < 2; i++) {
		struct sf_frame o;

		build(f, specs[i]);
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.kind, SF_FRAME_TCP);
		assert_true(o.ip.mf);
		assert_int_equal(o.tcp.seq, 0xfedcba98u);
		assert_int_equal(o.tcp.hlen, 32);
		assert_int_equal(o.tcp.seglen, 48);
		assert_int_equal(o.tcp.paylen, 16);
		assert_true(o.tcp.has & SF_TCP_HAS_TS);
		assert_int_equal(o.csum, SF_CSUM_UNVERIFIED);
		sweep(f);
	}
}

/* A first fragment may end inside the TCP options (RFC 1858's tiny
 * fragments): the rest is in the next fragment, not lost to the snaplen. */
static void tcp_options_running_into_the_next_fragment_are_named_so(void **state)
{
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH,
			  .ver = 4,
			  .frag = 0x2000,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts };
	struct sf_frame o;

	build(f, &s);
	/* The datagram's first 24 bytes of TCP in this fragment, no more. */
	f->len = f->l4 + 24;
	put16(f->b + f->l3 + 2, 44);
	f->safety_only = true; /* the regions describe the whole segment, not this */
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_TRUNCATED);
	assert_int_equal(o.kind, SF_FRAME_TCP);
	assert_int_equal(o.why, SF_WHY_TCP_FRAG);
	assert_int_equal(o.tcp.sport, 49374);
	assert_int_equal(o.csum, SF_CSUM_UNVERIFIED);
	/* The same bytes cut by the snaplen in a longer fragment: a capture cut. */
	put16(f->b + f->l3 + 2, 60);
	assert_int_equal(decode(f, f->len, f->len + 16, &o), SF_DEC_TRUNCATED);
	assert_int_equal(o.why, SF_WHY_TCP_OPTS);
	put16(f->b + f->l3 + 2, 44);
	sweep(f);
}

/* An 8-byte first fragment ends inside the fixed TCP header: that too
 * goes on in the next fragment, and the capture lost nothing.
 * KNOWN BUG: sf_dec_frame sets SF_WHY_TCP_FRAG only when the fixed header
 * was read, so this says TCP_HDR ("cut short by the capture"). */
static void fixed_header_running_into_the_next_fragment_is_named_so(void **state)
{
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH, .ver = 4, .frag = 0x2000 };
	struct sf_frame o;

	build(f, &s);
	f->len = f->l4 + 8;
	put16(f->b + f->l3 + 2, 28);
	f->safety_only = true;
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_TRUNCATED);
	assert_int_equal(o.layer, SF_LAYER_TCP);
	assert_int_equal(o.why, SF_WHY_TCP_FRAG);
	sweep(f);
}

/* Padding below IP (a 60-byte Ethernet minimum) is neither payload nor
 * summed. */
static void ethernet_padding_is_not_payload_and_not_summed(void **state)
{
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH, .ver = 4, .paylen = 1, .pad = 5 };
	struct sf_frame o;

	build(f, &s);
	assert_int_equal(f->len, 60);
	expect_good_tcp(f);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.tcp.paylen, 1);
	assert_int_equal(o.tcp.paycap, 1);
	sweep(f);
}

/* A capture never holds more than the wire did; anything past is ignored. */
static void capture_longer_than_the_wire_is_read_to_the_wire_only(void **state)
{
	struct frame *f = *state;
	struct sf_frame o;

	build_tcp(f, LK_ETH, 4);
	memset(f->b + f->len, 0xee, 10);
	assert_int_equal(decode(f, f->len + 10, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.csum, SF_CSUM_GOOD);
	assert_int_equal(o.tcp.paylen, 5);
	assert_int_equal(o.tcp.paycap, 5);
	sweep(f);
}

/* When the sum of everything but the field folds to 0xffff, the sender's
 * checksum is ~0xffff = 0x0000 (RFC 1071; TCP has no UDP-style rule that
 * maps 0 to 0xffff). Two payload bytes are chosen to get there.
 * KNOWN BUG: verify() in frame.c reports csum_calc 0xffff for this case. */
static void the_right_checksum_can_be_zero(void **state)
{
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH,
			  .ver = 4,
			  .tcpopts = ts_opts,
			  .tcpoptlen = sizeof ts_opts,
			  .paylen = 6 };
	struct sf_frame o;
	uint32_t rest = 0;

	build(f, &s);
	put16(f->b + f->hdr_end, 0);
	set_csum(f, 0);
	rest = fold16(sum_words(pseudo_sum(f), f->b + f->l4, f->len - f->l4));
	put16(f->b + f->hdr_end, (uint16_t)(0xffff - rest));
	assert_int_equal(correct_csum(f), 0x0000);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.csum, SF_CSUM_GOOD);
	set_csum(f, 0x1234);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.csum, SF_CSUM_BAD);
	assert_int_equal(o.csum_calc, 0x0000);
	sweep(f);
}

/* RFC 8200 section 8.1: with a routing header, the pseudo-header holds the
 * final destination, which in transit (segments left > 0) is in the routing
 * header, not the IPv6 destination. A type 2 header (RFC 6275) to a home
 * address sent to the care-of address, and an SRH (RFC 8754) whose Segment
 * List[0] is the last segment. */
static void routing_header_in_transit_is_summed_with_the_final_destination(void **state)
{
	static const uint8_t home[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0,    0,    0,    0,    0, 0, 0, 0x99 };
	static const uint8_t rh2[24] = {
		0x06, 0x02, 0x02, 0x01, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8,
		0,    0,    0,    0,    0, 0, 0, 0, 0,    0,    0,    0x99
	};
	/* Segments left 1, last entry 1: List[0] = ::99 (last), List[1] = ::2. */
	static const uint8_t srh[40] = {
		0x06, 0x04, 0x04, 0x01, 0x01, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0,    0,
		0,    0,    0,    0,    0,    0, 0, 0, 0,    0x99, 0x20, 0x01, 0x0d, 0xb8,
		0,    0,    0,    0,    0,    0, 0, 0, 0,    0,    0,    0x02
	};
	static const struct {
		const uint8_t *p;
		size_t len;
	} tab[] = { { rh2, sizeof rh2 }, { srh, sizeof srh } };
	struct frame *f = *state;

	for (size_t i = 0; i < 2; i++) {
		struct spec s = { .link = LK_ETH,
				  .ver = 6,
				  .l3opts = tab[i].p,
				  .l3optlen = tab[i].len,
				  .ext_nh = 43,
				  .tcpopts = ts_opts,
				  .tcpoptlen = sizeof ts_opts,
				  .paylen = 5,
				  .pseudo_dst = home };
		build(f, &s);
		expect_good_tcp(f);
		sweep(f);
	}
}

/* --- tunnels ----------------------------------------------------------- */

/* The TCP inside a tunnel the decoder opens is the frame's TCP: the inner
 * header's offsets and checksum, the outer header and the tunnel named. */
static void expect_tunnelled_tcp(struct frame *f, int outer_ver)
{
	struct sf_frame o;

	expect_good_tcp(f);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.outer.ver, outer_ver);
	if (outer_ver == 4)
		assert_memory_equal(o.outer.src, src4, 4);
	sweep(f);
}

static void ip_in_ip_tcp_is_decoded_inside(void **state)
{
	struct frame *f = *state;
	struct frame in;

	for (int ov = 4; ov <= 6; ov += 2) {
		for (int iv = 4; iv <= 6; iv += 2) {
			struct spec s = { .link = LK_ETH, .ver = ov, .l4proto = iv == 4 ? 4 : 41 };
			build_tcp(&in, LK_RAW, iv);
			build_tunnel(f, &s, NULL, 0, &in, SF_TUNNEL_IPIP);
			expect_tunnelled_tcp(f, ov);
		}
	}
}

static void gre_tcp_is_decoded_inside(void **state)
{
	static const uint8_t plain4[4] = { 0x00, 0x00, 0x08, 0x00 };
	/* Checksum, key and sequence present: 12 more bytes (RFC 2890). */
	static const uint8_t cks6[16] = { 0xb0, 0x00, 0x86, 0xdd, 0, 0, 0, 0,
					  0,    0,    0,    42,   0, 0, 0, 7 };
	struct frame *f = *state;
	struct frame in;
	struct spec s = { .link = LK_ETH, .ver = 4, .l4proto = 47 };

	build_tcp(&in, LK_RAW, 4);
	build_tunnel(f, &s, plain4, sizeof plain4, &in, SF_TUNNEL_GRE);
	expect_tunnelled_tcp(f, 4);
	build_tcp(&in, LK_RAW, 6);
	s.ver = 6;
	build_tunnel(f, &s, cks6, sizeof cks6, &in, SF_TUNNEL_GRE);
	expect_tunnelled_tcp(f, 6);
}

/* ERSPAN type II mirrors whole Ethernet frames inside GRE. */
static void erspan_tcp_is_decoded_inside_the_mirrored_ethernet(void **state)
{
	/* GRE with a sequence number (S), protocol 88BE, then ERSPAN II's 8. */
	static const uint8_t th[16] = { 0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1,
					0x10, 0x01, 0x00, 0x00, 0, 0, 0, 0 };
	struct frame *f = *state;
	struct frame in;
	struct spec s = { .link = LK_ETH, .ver = 4, .l4proto = 47 };

	build_tcp(&in, LK_ETH, 4);
	build_tunnel(f, &s, th, sizeof th, &in, SF_TUNNEL_ERSPAN);
	expect_tunnelled_tcp(f, 4);
}

static void vxlan_and_geneve_tcp_is_decoded_inside(void **state)
{
	static const uint8_t vxlan[8] = { 0x08, 0, 0, 0, 0x00, 0x01, 0x00, 0x00 };
	/* Geneve: one 4-byte option, protocol IPv6. */
	static const uint8_t geneve_ip[12] = { 0x01, 0x00, 0x86, 0xdd, 0x00, 0x00,
					       0x07, 0x00, 0x01, 0x02, 0x03, 0x00 };
	static const uint8_t geneve_eth[8] = { 0x00, 0x00, 0x65, 0x58, 0x00, 0x00, 0x07, 0x00 };
	struct frame *f = *state;
	struct frame in;
	struct spec s = {
		.link = LK_ETH, .ver = 4, .l4proto = 17, .udp_sport = 49152, .udp_dport = 4789
	};

	build_tcp(&in, LK_VLAN, 4);
	build_tunnel(f, &s, vxlan, sizeof vxlan, &in, SF_TUNNEL_VXLAN);
	expect_tunnelled_tcp(f, 4);

	s.ver = 6;
	s.udp_dport = 6081;
	build_tcp(&in, LK_RAW, 6);
	build_tunnel(f, &s, geneve_ip, sizeof geneve_ip, &in, SF_TUNNEL_GENEVE);
	expect_tunnelled_tcp(f, 6);

	build_tcp(&in, LK_ETH, 4);
	build_tunnel(f, &s, geneve_eth, sizeof geneve_eth, &in, SF_TUNNEL_GENEVE);
	expect_tunnelled_tcp(f, 6);
}

/* GTP-U carries subscriber IP in a mobile core: 8 bytes, or 12 with the
 * sequence flag, then the user's packet. */
static void gtp_u_tcp_is_decoded_inside(void **state)
{
	static const uint8_t plain[8] = { 0x30, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t seq[12] = { 0x32, 0xff, 0x00, 0x00, 0x00, 0x00,
					 0x00, 0x01, 0x12, 0x34, 0x00, 0x00 };
	struct frame *f = *state;
	struct frame in;
	struct spec s = {
		.link = LK_ETH, .ver = 4, .l4proto = 17, .udp_sport = 2152, .udp_dport = 2152
	};

	build_tcp(&in, LK_RAW, 4);
	build_tunnel(f, &s, plain, sizeof plain, &in, SF_TUNNEL_GTP);
	expect_tunnelled_tcp(f, 4);
	build_tcp(&in, LK_RAW, 6);
	build_tunnel(f, &s, seq, sizeof seq, &in, SF_TUNNEL_GTP);
	expect_tunnelled_tcp(f, 4);
}

/* Four IP headers, the outermost included, are followed; a fifth is not. */
static void nested_tunnels_are_followed_four_deep(void **state)
{
	struct frame *f = *state;
	struct frame a, b;
	struct spec s = { .link = LK_RAW, .ver = 4, .l4proto = 4 };
	struct spec outer = { .link = LK_ETH, .ver = 4, .l4proto = 4 };
	struct sf_frame o;

	build_tcp(&a, LK_RAW, 4);
	build_tunnel(&b, &s, NULL, 0, &a, SF_TUNNEL_IPIP);    /* 2 deep */
	build_tunnel(&a, &s, NULL, 0, &b, SF_TUNNEL_IPIP);    /* 3 deep */
	build_tunnel(f, &outer, NULL, 0, &a, SF_TUNNEL_IPIP); /* 4 deep */
	expect_tunnelled_tcp(f, 4);

	build_tunnel(&b, &s, NULL, 0, &a, SF_TUNNEL_IPIP);    /* 4 deep, raw */
	build_tunnel(f, &outer, NULL, 0, &b, SF_TUNNEL_IPIP); /* 5 deep */
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.kind, SF_FRAME_TUNNEL);
	assert_int_equal(o.tunnel, SF_TUNNEL_IPIP);
	f->safety_only = true; /* the regions describe a TCP frame this is not */
	sweep(f);
}

/* Recognised, not opened: the frame is a tunnel and says which. */
static void unopened_tunnels_are_named_not_decoded(void **state)
{
	struct frame *f = *state;
	const struct {
		struct spec s;
		enum sf_tunnel t;
	} tab[] = {
		{ { .link = LK_ETH,
		    .ver = 4,
		    .l4proto = 17,
		    .udp_sport = 1701,
		    .udp_dport = 1701,
		    .paylen = 40 },
		  SF_TUNNEL_OTHER }, /* L2TP */
		{ { .link = LK_ETH,
		    .ver = 4,
		    .l4proto = 17,
		    .udp_sport = 50000,
		    .udp_dport = 3544,
		    .paylen = 40 },
		  SF_TUNNEL_OTHER }, /* Teredo */
		{ { .link = LK_ETH,
		    .ver = 6,
		    .l4proto = 17,
		    .udp_sport = 5072,
		    .udp_dport = 50000,
		    .paylen = 40 },
		  SF_TUNNEL_OTHER }, /* AYIYA, by its source port */
		{ { .link = LK_ETH, .ver = 4, .l4proto = 115, .paylen = 40 }, SF_TUNNEL_OTHER },
		{ { .link = LK_ETH, .ver = 4, .l4proto = 47, .paylen = 40 }, SF_TUNNEL_GRE },
	};

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		struct sf_frame o;

		build(f, &tab[i].s);
		if (tab[i].s.l4proto == 47)
			put16(f->b + f->l4, 0x3001); /* GRE version 1: PPTP */
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.kind, SF_FRAME_TUNNEL);
		assert_int_equal(o.tunnel, tab[i].t);
		assert_int_equal(o.outer.ver, tab[i].s.ver);
		sweep(f);
	}
}

/* A tunnel carrying something other than TCP is still not TCP. */
static void tunnelled_udp_and_arp_are_not_tcp(void **state)
{
	static const uint8_t vxlan[8] = { 0x08, 0, 0, 0, 0x00, 0x01, 0x00, 0x00 };
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		192,  0,    2,    1,    0,    0,    0,    0,    0,    0,    198,  51,   100,  2,
	};
	uint8_t payload[sizeof vxlan + sizeof arp];
	struct frame *f = *state;
	struct frame in;
	struct spec udp = { .link = LK_RAW,
			    .ver = 4,
			    .l4proto = 17,
			    .udp_sport = 53,
			    .udp_dport = 40000,
			    .paylen = 20 };
	struct spec outer = { .link = LK_ETH, .ver = 6, .l4proto = 4 };
	struct spec vx = { .link = LK_ETH,
			   .ver = 4,
			   .l4proto = 17,
			   .udp_sport = 40000,
			   .udp_dport = 4789,
			   .payload = payload,
			   .paylen = sizeof payload };
	struct sf_frame o;

	build(&in, &udp);
	build_tunnel(f, &outer, NULL, 0, &in, SF_TUNNEL_IPIP);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.kind, SF_FRAME_NOT_TCP);
	assert_int_equal(o.tunnel, SF_TUNNEL_IPIP);
	sweep(f);

	memcpy(payload, vxlan, sizeof vxlan);
	memcpy(payload + sizeof vxlan, arp, sizeof arp);
	build(f, &vx);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.kind, SF_FRAME_NOT_IP); /* opened: ARP inside, not TCP */
	assert_int_equal(o.tunnel, SF_TUNNEL_VXLAN);
	f->safety_only = true; /* a cut inner Ethernet header is TRUNCATED past first_ok */
	sweep(f);
}

/* --- frames that are not (whole) TCP ----------------------------------- */

static void later_fragments_carry_no_tcp_header(void **state)
{
	static const uint8_t frag6[8] = { 0x06, 0x00, 0x05, 0xc8, 0xde, 0xad, 0xbe, 0xef };
	struct frame *f = *state;
	struct spec s4 = {
		.link = LK_ETH, .ver = 4, .frag = 0x00b9, .later_frag = true, .paylen = 24
	};
	struct spec s6 = { .link = LK_ETH,
			   .ver = 6,
			   .l3opts = frag6,
			   .l3optlen = sizeof frag6,
			   .ext_nh = 44,
			   .later_frag = true,
			   .paylen = 24 };
	const struct spec *specs[2] = { &s4, &s6 };

	for (int i = 0; i < 2; i++) {
		struct sf_frame o;

		build(f, specs[i]);
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.kind, SF_FRAME_FRAGMENT);
		assert_true(o.ip.later_frag);
		assert_int_equal(o.ip.frag_off, 1480);
		assert_false(o.tcp.fixed_ok);
		assert_int_equal(o.csum, SF_CSUM_UNVERIFIED);
		sweep(f);
	}
}

static void udp_and_icmp_are_not_tcp(void **state)
{
	struct frame *f = *state;
	const struct spec tab[] = {
		{ .link = LK_ETH,
		  .ver = 4,
		  .l4proto = 17,
		  .udp_sport = 53,
		  .udp_dport = 33000,
		  .paylen = 30 },
		{ .link = LK_ETH,
		  .ver = 6,
		  .l4proto = 17,
		  .udp_sport = 33000,
		  .udp_dport = 443,
		  .paylen = 30 },
		{ .link = LK_ETH, .ver = 4, .l4proto = 1, .paylen = 8 },
		{ .link = LK_ETH, .ver = 6, .l4proto = 58, .paylen = 8 },
	};

	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		struct sf_frame o;

		build(f, &tab[i]);
		assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
		assert_int_equal(o.kind, SF_FRAME_NOT_TCP);
		assert_int_equal(o.tunnel, SF_TUNNEL_NONE);
		assert_false(o.tcp.fixed_ok);
		sweep(f);
	}
}

static void arp_is_not_ip(void **state)
{
	static const uint8_t arp[42] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
		192,  0,    2,    1,    0,    0,    0,    0,    0,    0,    198,  51,   100,  2,
	};
	struct frame *f = *state;
	struct sf_frame o;

	memset(f, 0, sizeof *f);
	f->dlt = SF_DLT_EN10MB;
	memcpy(f->b, arp, sizeof arp);
	f->len = sizeof arp;
	f->l3 = f->l4 = f->first_ok = 14;
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.kind, SF_FRAME_NOT_IP);
	assert_int_equal(o.link.ethertype, 0x0806);
	sweep(f);
}

static void unsupported_link_type_is_named_not_guessed(void **state)
{
	struct frame *f = *state;
	struct sf_frame o;

	build_tcp(f, LK_RAW, 4);
	f->dlt = 105; /* 802.11: the bytes are IPv4, the DLT says otherwise */
	f->first_ok = 0;
	f->tcp = false;
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_OK);
	assert_int_equal(o.kind, SF_FRAME_LINK_UNSUPPORTED);
	sweep(f);
}

/* --- broken frames: the layer that failed, and why --------------------- */

static void expect_broken(struct frame *f, enum sf_dec_rc rc, enum sf_layer layer, enum sf_why why,
			  enum sf_frame_kind kind)
{
	struct sf_frame o;

	f->safety_only = true;
	assert_int_equal(decode(f, f->len, f->len, &o), rc);
	assert_int_equal(o.layer, layer);
	assert_int_equal(o.why, why);
	assert_int_equal(o.kind, kind);
	assert_int_equal(o.csum, SF_CSUM_UNVERIFIED);
	sweep(f);
}

static void a_fifth_vlan_tag_breaks_the_frame_at_the_link(void **state)
{
	static const uint8_t tag[4] = { 0x81, 0x00, 0x00, 0x05 };
	struct frame *f = *state;

	build_tcp(f, LK_QINQ, 4);
	/* Three more tags after the two: five in all. */
	memmove(f->b + 32, f->b + 20, f->len - 20);
	for (int i = 0; i < 3; i++)
		memcpy(f->b + 20 + 4 * i, tag, 4);
	f->len += 12;
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_LINK, SF_WHY_LINK_VLAN, SF_FRAME_BROKEN);
}

static void bad_ipv4_header_length_breaks_the_frame_at_ip(void **state)
{
	struct frame *f = *state;

	build_tcp(f, LK_ETH, 4);
	f->b[f->l3] = 0x44;
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_IP, SF_WHY_IP4_IHL, SF_FRAME_BROKEN);
}

/* The ethertype says IPv4; the header says 6. */
static void ip_version_disagreeing_with_the_link_breaks_the_frame(void **state)
{
	struct frame *f = *state;

	build_tcp(f, LK_ETH, 6);
	put16(f->b + 12, 0x0800);
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_IP, SF_WHY_IP_VERSION, SF_FRAME_BROKEN);
	build_tcp(f, LK_SLL, 4);
	put16(f->b + 14, 0x86dd);
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_IP, SF_WHY_IP_VERSION, SF_FRAME_BROKEN);
}

/* Raw IP goes by the nibble: 6 is IPv6 and anything else is tried as v4. */
static void raw_ip_with_an_unknown_version_is_malformed(void **state)
{
	struct frame *f = *state;

	build_tcp(f, LK_RAW, 4);
	f->b[0] = 0x55;
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_IP, SF_WHY_IP_VERSION, SF_FRAME_BROKEN);
}

static void empty_raw_frame_is_malformed_and_empty_capture_truncated(void **state)
{
	struct frame *f = *state;
	struct sf_frame o;

	build_tcp(f, LK_RAW, 6);
	assert_int_equal(decode(f, 0, 0, &o), SF_DEC_MALFORMED);
	assert_int_equal(o.layer, SF_LAYER_IP);
	assert_int_equal(decode(f, 0, f->len, &o), SF_DEC_TRUNCATED);
	assert_int_equal(o.layer, SF_LAYER_IP);
	assert_int_equal(o.kind, SF_FRAME_BROKEN);
	sweep(f);
}

static void ipv6_extension_past_the_payload_breaks_the_frame_at_ip(void **state)
{
	static const uint8_t hbh[8] = { 0x06, 0x00, 0x01, 0x04, 0, 0, 0, 0 };
	struct frame *f = *state;
	struct spec s = { .link = LK_ETH,
			  .ver = 6,
			  .l3opts = hbh,
			  .l3optlen = sizeof hbh,
			  .ext_nh = 0,
			  .paylen = 4 };

	build(f, &s);
	f->b[f->l3 + 41] = 0x20; /* 264 bytes of hop-by-hop in a 32-byte payload */
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_IP, SF_WHY_IP6_EXT_LEN, SF_FRAME_BROKEN);
}

/* The TCP fixed header was read, so the frame is TCP to show, but the data
 * offset is impossible and nothing is verified. */
static void bad_data_offset_is_a_malformed_tcp_frame(void **state)
{
	struct frame *f = *state;
	struct sf_frame o;

	build_tcp(f, LK_ETH, 4);
	f->b[f->l4 + 12] = 0x40;
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_TCP, SF_WHY_TCP_DOFF, SF_FRAME_TCP);
	assert_int_equal(decode(f, f->len, f->len, &o), SF_DEC_MALFORMED);
	assert_true(o.tcp.fixed_ok);
	assert_int_equal(o.tcp.sport, 49374);

	build_tcp(f, LK_ETH, 6);
	f->b[f->l4 + 12] = 0xf0; /* 60 bytes in a 37-byte segment */
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_TCP, SF_WHY_TCP_DOFF, SF_FRAME_TCP);
}

/* IP says the segment is 12 bytes: too short for any TCP header. */
static void segment_shorter_than_20_bytes_breaks_the_frame_at_tcp(void **state)
{
	struct frame *f = *state;

	build_tcp(f, LK_ETH, 4);
	put16(f->b + f->l3 + 2, 32);
	expect_broken(f, SF_DEC_MALFORMED, SF_LAYER_TCP, SF_WHY_TCP_SHORT, SF_FRAME_BROKEN);
}

static void frame_kinds_verdicts_and_tunnels_have_names(void **state)
{
	(void)state;
	assert_string_equal(sf_frame_kind_name(SF_FRAME_TCP), "tcp");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_NOT_IP), "not_ip");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_NOT_TCP), "not_tcp");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_FRAGMENT), "fragment");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_TUNNEL), "tunnel");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_LINK_UNSUPPORTED), "link_unsupported");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_BROKEN), "broken");
	assert_string_equal(sf_frame_kind_name(SF_FRAME_KIND_COUNT), "?");
	assert_string_equal(sf_csum_name(SF_CSUM_UNVERIFIED), "unverified");
	assert_string_equal(sf_csum_name(SF_CSUM_GOOD), "good");
	assert_string_equal(sf_csum_name(SF_CSUM_BAD), "bad");
	assert_string_equal(sf_csum_name(SF_CSUM_PARTIAL), "partial");
	assert_string_equal(sf_csum_name(SF_CSUM_COUNT), "?");
	assert_string_equal(sf_tunnel_name(SF_TUNNEL_NONE), "none");
	assert_string_equal(sf_tunnel_name(SF_TUNNEL_VXLAN), "vxlan");
	assert_string_equal(sf_tunnel_name(SF_TUNNEL_COUNT), "?");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(en10mb_carries_ipv4_and_ipv6_tcp),
		T(vlan_tagged_ethernet_carries_ipv4_and_ipv6_tcp),
		T(qinq_ethernet_carries_ipv4_and_ipv6_tcp_with_both_tags),
		T(llc_snap_ethernet_carries_ipv4_and_ipv6_tcp),
		T(null_in_either_byte_order_carries_ipv4_and_ipv6_tcp),
		T(loop_carries_ipv4_and_ipv6_tcp),
		T(every_raw_dlt_carries_ipv4_and_ipv6_tcp),
		T(ipv4_and_ipv6_dlts_carry_tcp),
		T(linux_sll_carries_ipv4_and_ipv6_tcp),
		T(linux_sll2_carries_ipv4_and_ipv6_tcp),
		T(ppp_with_and_without_ff03_carries_ipv4_and_ipv6_tcp),
		T(ppp_with_a_one_byte_protocol_carries_ipv4_and_ipv6_tcp),
		T(mpls_over_ethernet_carries_ipv4_and_ipv6_tcp),
		T(pppoe_carries_ipv4_and_ipv6_tcp),
		T(fddi_arcnet_ipoib_and_nflog_carry_ipv4_and_ipv6_tcp),
		T(pppoe_length_keeps_padding_out_of_an_offloaded_segment),
		T(ipv4_options_are_stepped_over_to_tcp),
		T(ipv6_extension_headers_are_stepped_over_to_tcp),
		T(ipv6_jumbo_frame_is_decoded_and_verified),
		T(a_wrong_checksum_is_bad_and_the_right_one_is_given),
		T(exported_checksum_agrees_with_rfc_1071),
		T(pseudo_header_sum_in_the_field_is_partial),
		T(offloaded_super_frame_is_partial_with_the_wire_length),
		T(payload_cut_by_the_snaplen_is_unverified),
		T(first_fragment_is_tcp_but_unverified),
		T(tcp_options_running_into_the_next_fragment_are_named_so),
		T(fixed_header_running_into_the_next_fragment_is_named_so),
		T(ethernet_padding_is_not_payload_and_not_summed),
		T(capture_longer_than_the_wire_is_read_to_the_wire_only),
		T(the_right_checksum_can_be_zero),
		T(routing_header_in_transit_is_summed_with_the_final_destination),
		T(ip_in_ip_tcp_is_decoded_inside),
		T(gre_tcp_is_decoded_inside),
		T(erspan_tcp_is_decoded_inside_the_mirrored_ethernet),
		T(vxlan_and_geneve_tcp_is_decoded_inside),
		T(gtp_u_tcp_is_decoded_inside),
		T(nested_tunnels_are_followed_four_deep),
		T(unopened_tunnels_are_named_not_decoded),
		T(tunnelled_udp_and_arp_are_not_tcp),
		T(later_fragments_carry_no_tcp_header),
		T(udp_and_icmp_are_not_tcp),
		T(arp_is_not_ip),
		T(unsupported_link_type_is_named_not_guessed),
		T(a_fifth_vlan_tag_breaks_the_frame_at_the_link),
		T(bad_ipv4_header_length_breaks_the_frame_at_ip),
		T(ip_version_disagreeing_with_the_link_breaks_the_frame),
		T(raw_ip_with_an_unknown_version_is_malformed),
		T(empty_raw_frame_is_malformed_and_empty_capture_truncated),
		T(ipv6_extension_past_the_payload_breaks_the_frame_at_ip),
		T(bad_data_offset_is_a_malformed_tcp_frame),
		T(segment_shorter_than_20_bytes_breaks_the_frame_at_tcp),
		cmocka_unit_test(frame_kinds_verdicts_and_tunnels_have_names),
	};
	return cmocka_run_group_tests_name("dec_frame", tests, NULL, NULL);
}
