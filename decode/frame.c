/* decode/frame.c: link -> IP -> TCP for one frame, with checksum verdict. */
#include "decode/frame.h"

#include <string.h>

#include "decode/rd.h"

static const char *const kind_names[] = {
	[SF_FRAME_TCP] = "tcp",
	[SF_FRAME_NOT_IP] = "not_ip",
	[SF_FRAME_NOT_TCP] = "not_tcp",
	[SF_FRAME_FRAGMENT] = "fragment",
	[SF_FRAME_TUNNEL] = "tunnel",
	[SF_FRAME_LINK_UNSUPPORTED] = "link_unsupported",
	[SF_FRAME_BROKEN] = "broken",
};
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == SF_FRAME_KIND_COUNT, "kinds");

static const char *const csum_names[] = {
	[SF_CSUM_UNVERIFIED] = "unverified",
	[SF_CSUM_GOOD] = "good",
	[SF_CSUM_BAD] = "bad",
	[SF_CSUM_PARTIAL] = "partial",
};
_Static_assert(sizeof(csum_names) / sizeof(csum_names[0]) == SF_CSUM_COUNT, "csums");

const char *sf_frame_kind_name(enum sf_frame_kind k)
{
	return (unsigned)k < SF_FRAME_KIND_COUNT ? kind_names[k] : "?";
}

const char *sf_csum_name(enum sf_csum c)
{
	return (unsigned)c < SF_CSUM_COUNT ? csum_names[c] : "?";
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 9293 section 3.1 (IPv4) and RFC 8200 section 8.1 (IPv6). */
static uint32_t pseudo_sum(const struct sf_ip *ip, size_t seglen)
{
	struct sf_rd a = sf_rd_make(ip->src, ip->ver == 4 ? 4 : 16);
	struct sf_rd b = sf_rd_make(ip->dst, ip->ver == 4 ? 4 : 16);
	uint32_t s = 0;

	(void)sf_rd_sum16(&a, a.len, &s);
	(void)sf_rd_sum16(&b, b.len, &s);
	s += SF_IPPROTO_TCP;
	s += (uint32_t)(seglen >> 16) + (uint32_t)(seglen & 0xffff);
	return s;
}

uint16_t sf_tcp_checksum(const struct sf_ip *ip, const uint8_t *seg, size_t seglen)
{
	struct sf_rd r = sf_rd_make(seg, seglen);
	uint32_t s = pseudo_sum(ip, seglen);

	(void)sf_rd_sum16(&r, seglen, &s);
	return (uint16_t)~fold(s);
}

static void verify(struct sf_frame *f, const uint8_t *seg, size_t segcap)
{
	struct sf_rd r = sf_rd_make(seg, segcap);
	uint32_t ps = 0, s = 0;
	size_t seglen = f->tcp.seglen;

	f->csum = SF_CSUM_UNVERIFIED;
	if (f->ip.mf || f->ip.later_frag || segcap < seglen || f->tcp.paycap < f->tcp.paylen)
		return;
	ps = pseudo_sum(&f->ip, seglen);
	s = ps;
	(void)sf_rd_sum16(&r, seglen, &s);
	if (fold(s) == 0xffff) {
		f->csum = SF_CSUM_GOOD;
		return;
	}
	/* The sum without the checksum field gives the value it should hold. */
	s = (uint32_t)fold(s) + (uint16_t)~f->tcp.sum;
	f->csum_calc = (uint16_t)~fold(s);
	if (f->csum_calc == 0)
		f->csum_calc = 0xffff;
	/* Linux CHECKSUM_PARTIAL: the stack leaves the folded pseudo-header sum
	 * in the field for the NIC (or nobody, on loopback) to finish. */
	f->csum = f->tcp.sum == fold(ps) ? SF_CSUM_PARTIAL : SF_CSUM_BAD;
}

static bool is_tunnel(const struct sf_ip *ip, const uint8_t *l4, size_t l4cap)
{
	struct sf_rd r = sf_rd_make(l4, l4cap < ip->l4len ? l4cap : ip->l4len);
	uint16_t sport = 0, dport = 0;

	switch (ip->proto) {
	case 4:   /* IPv4 in IP */
	case 41:  /* IPv6 in IP */
	case 47:  /* GRE, ERSPAN */
	case 115: /* L2TPv3 */
		return true;
	case 17:
		if (!sf_rd_be16(&r, &sport) || !sf_rd_be16(&r, &dport))
			return false;
		for (int i = 0; i < 2; i++) {
			switch (i == 0 ? dport : sport) {
			case 4789:  /* VXLAN */
			case 6081:  /* Geneve */
			case 2152:  /* GTP-U */
			case 5072:  /* AYIYA */
			case 4754:  /* GRE in UDP */
			case 3544:  /* Teredo */
			case 1701:  /* L2TP */
				return true;
			default:
				break;
			}
		}
		return false;
	default:
		return false;
	}
}

enum sf_dec_rc sf_dec_frame(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			    struct sf_frame *out)
{
	struct sf_rd r = sf_rd_make(p, caplen);
	const uint8_t *l3 = NULL, *l4 = NULL;
	size_t l3cap = 0, l3wire = 0, l4cap = 0;
	enum sf_net net = SF_NET_OTHER;

	out->kind = SF_FRAME_BROKEN;
	out->rc = SF_DEC_OK;
	out->why = SF_WHY_NONE;
	out->layer = SF_LAYER_LINK;
	out->csum = SF_CSUM_UNVERIFIED;
	out->csum_calc = 0;
	out->tcp.fixed_ok = false;
	if (caplen > wirelen)
		caplen = wirelen; /* a capture never holds more than the wire did */
	r.len = caplen;

	if (!sf_link_supported(dlt)) {
		out->kind = SF_FRAME_LINK_UNSUPPORTED;
		return out->rc;
	}
	out->rc = sf_dec_link(dlt, p, caplen, wirelen, &out->link, &out->why);
	if (out->rc != SF_DEC_OK)
		return out->rc;
	if (!sf_rd_skip(&r, out->link.l3_off)) /* cannot happen: link read it */
		return out->rc;
	l3 = sf_rd_peek(&r, 0);
	l3cap = sf_rd_left(&r);
	l3wire = wirelen - out->link.l3_off;
	if (out->link.l3_bounded && out->link.l3_len < l3wire) {
		l3wire = out->link.l3_len;
		if (l3cap > l3wire)
			l3cap = l3wire;
	}

	net = out->link.net;
	if (net == SF_NET_IP) {
		const uint8_t *v = sf_rd_peek(&r, 1);
		if (v == NULL) {
			out->layer = SF_LAYER_IP;
			out->why = SF_WHY_IP4_HDR;
			out->rc = l3wire == 0 ? SF_DEC_MALFORMED : SF_DEC_TRUNCATED;
			return out->rc;
		}
		net = (v[0] >> 4) == 6 ? SF_NET_IPV6 : SF_NET_IPV4;
	}
	if (net == SF_NET_OTHER) {
		out->kind = SF_FRAME_NOT_IP;
		return out->rc;
	}
	out->layer = SF_LAYER_IP;
	out->rc = net == SF_NET_IPV4 ? sf_dec_ipv4(l3, l3cap, l3wire, &out->ip, &out->why)
				     : sf_dec_ipv6(l3, l3cap, l3wire, &out->ip, &out->why);
	if (out->rc != SF_DEC_OK)
		return out->rc;
	if (out->ip.later_frag) {
		out->kind = SF_FRAME_FRAGMENT;
		return out->rc;
	}
	(void)sf_rd_skip(&r, out->ip.hlen);
	l4 = sf_rd_peek(&r, 0);
	l4cap = l4 ? sf_rd_left(&r) : 0;
	if (l4 == NULL) { /* IPv4 options or IPv6 extensions past the capture */
		out->rc = SF_DEC_TRUNCATED;
		out->why = out->ip.ver == 4 ? SF_WHY_IP4_HDR : SF_WHY_IP6_EXT;
		return out->rc;
	}
	if (out->ip.proto != SF_IPPROTO_TCP) {
		out->kind = is_tunnel(&out->ip, l4, l4cap) ? SF_FRAME_TUNNEL : SF_FRAME_NOT_TCP;
		return out->rc;
	}
	out->layer = SF_LAYER_TCP;
	if (out->ip.mf) {
		/* A first fragment: the segment's length is unknown and its header
		 * may go on in the next fragment, which is no fault of the bytes. */
		size_t frag = l4cap < out->ip.l4len ? l4cap : out->ip.l4len;
		out->rc = sf_dec_tcp(l4, frag, SF_TCP_HDR_MAX + (size_t)out->ip.l4len,
				     &out->tcp, &out->why);
		if (out->tcp.fixed_ok) {
			out->tcp.seglen = (uint32_t)out->ip.l4len;
			out->tcp.paylen = out->ip.l4len > out->tcp.hlen
						  ? (uint32_t)(out->ip.l4len - out->tcp.hlen) : 0;
			if (out->tcp.paycap > out->tcp.paylen)
				out->tcp.paycap = out->tcp.paylen;
			if (out->rc == SF_DEC_TRUNCATED && out->tcp.hlen > frag &&
			    l4cap >= out->ip.l4len)
				out->why = SF_WHY_TCP_FRAG;
		}
		if (out->tcp.fixed_ok)
			out->kind = SF_FRAME_TCP;
		return out->rc;
	}
	out->rc = sf_dec_tcp(l4, l4cap, out->ip.l4len, &out->tcp, &out->why);
	if (out->tcp.fixed_ok)
		out->kind = SF_FRAME_TCP;
	if (out->rc == SF_DEC_OK)
		verify(out, l4, l4cap < out->ip.l4len ? l4cap : out->ip.l4len);
	return out->rc;
}
