/* decode/frame.c: link -> IP -> TCP for one frame, with checksum verdict. */
#include "decode/frame.h"

#include <string.h>

#include "decode/rd.h"

static const char *const kind_names[] = {
	[SF_FRAME_TCP] = "tcp",         [SF_FRAME_NOT_IP] = "not_ip",
	[SF_FRAME_NOT_TCP] = "not_tcp", [SF_FRAME_FRAGMENT] = "fragment",
	[SF_FRAME_TUNNEL] = "tunnel",   [SF_FRAME_LINK_UNSUPPORTED] = "link_unsupported",
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

static const char *const tunnel_names[] = {
	[SF_TUNNEL_NONE] = "none",     [SF_TUNNEL_IPIP] = "ipip",   [SF_TUNNEL_GRE] = "gre",
	[SF_TUNNEL_ERSPAN] = "erspan", [SF_TUNNEL_VXLAN] = "vxlan", [SF_TUNNEL_GENEVE] = "geneve",
	[SF_TUNNEL_GTP] = "gtp",       [SF_TUNNEL_OTHER] = "other",
};
_Static_assert(sizeof(tunnel_names) / sizeof(tunnel_names[0]) == SF_TUNNEL_COUNT, "tunnels");

static const char *const layer_names[] = {
	[SF_LAYER_LINK] = "link",
	[SF_LAYER_IP] = "ip",
	[SF_LAYER_TCP] = "tcp",
};
_Static_assert(sizeof(layer_names) / sizeof(layer_names[0]) == SF_LAYER_COUNT, "layers");

const char *sf_layer_name(enum sf_layer l)
{
	return (unsigned)l < SF_LAYER_COUNT ? layer_names[l] : "?";
}

const char *sf_tunnel_name(enum sf_tunnel t)
{
	return (unsigned)t < SF_TUNNEL_COUNT ? tunnel_names[t] : "?";
}

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
	struct sf_rd b =
		sf_rd_make(ip->has_final_dst ? ip->final_dst : ip->dst, ip->ver == 4 ? 4 : 16);
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
	/* 0x0000 is a valid TCP checksum (RFC 1624); unlike UDP there is no
	 * "no checksum" value to dodge. */
	f->csum_calc = (uint16_t)~fold(s);
	/* Linux CHECKSUM_PARTIAL: the stack leaves the folded pseudo-header sum
	 * in the field for the NIC (or nobody, on loopback) to finish. */
	f->csum = f->tcp.sum == fold(ps) ? SF_CSUM_PARTIAL : SF_CSUM_BAD;
}

/* Tunnels whose inner packet we follow. The payload after the tunnel header
 * is an IP packet (the version nibble decides) or an Ethernet frame. */
enum inner {
	INNER_NONE = 0,
	INNER_IP,
	INNER_ETHER,
	INNER_UNKNOWN, /* a tunnel we recognise but do not open */
};

/* GRE (RFC 1701, 2784, 2890):
 *
 *   +-+-+-+-+-----------+-----+-------------------+
 *   |C|R|K|S| ...flags  | ver | protocol type 2   |
 *   +-+-+-+-+-----------+-----+-------------------+
 *   [checksum 2 | offset 2]  if C or R
 *   [key 4]                  if K
 *   [sequence 4]             if S
 *
 * ERSPAN rides on GRE: type I (no S bit) has no header of its own, type II
 * 8 bytes and type III 12 (20 with the O bit) before the mirrored frame. */
static enum inner gre(struct sf_rd *r, enum sf_tunnel *t)
{
	uint16_t fl = 0, proto = 0;
	size_t skip = 0;

	*t = SF_TUNNEL_GRE;
	if (!sf_rd_be16(r, &fl) || !sf_rd_be16(r, &proto))
		return INNER_UNKNOWN;
	if ((fl & 7) != 0) /* version 1 is PPTP's enhanced GRE */
		return INNER_UNKNOWN;
	skip = (fl & 0xc000 ? 4u : 0u) + (fl & 0x2000 ? 4u : 0u) + (fl & 0x1000 ? 4u : 0u);
	if (!sf_rd_skip(r, skip))
		return INNER_UNKNOWN;
	switch (proto) {
	case 0x0800:
	case 0x86dd: return INNER_IP;
	case 0x6558: /* transparent Ethernet bridging */ return INNER_ETHER;
	case 0x88be: /* ERSPAN type I (no sequence number) or II */
		*t = SF_TUNNEL_ERSPAN;
		if (!(fl & 0x1000))
			return INNER_ETHER;
		return sf_rd_skip(r, 8) ? INNER_ETHER : INNER_UNKNOWN;
	case 0x22eb: { /* ERSPAN type III */
		uint8_t last = 0;
		*t = SF_TUNNEL_ERSPAN;
		if (!sf_rd_at_u8(r, 11, &last) || !sf_rd_skip(r, 12))
			return INNER_UNKNOWN;
		if ((last & 1) && !sf_rd_skip(r, 8)) /* O bit: platform subheader */
			return INNER_UNKNOWN;
		return INNER_ETHER;
	}
	default: return INNER_UNKNOWN;
	}
}

/* GTP-U (3GPP TS 29.281):
 *
 *   +-------+------+----------+--------+  [+-------+----+---------+]
 *   | flags | type | length 2 | TEID 4 |   | seq 2 |N-PDU| next ext|  if E, S or PN
 *   +-------+------+----------+--------+  [+-------+----+---------+]
 *
 * then a chain of extension headers, each 4*n bytes long. */
static enum inner gtp(struct sf_rd *r)
{
	uint8_t fl = 0, type = 0, next = 0;

	if (!sf_rd_u8(r, &fl) || !sf_rd_u8(r, &type) || !sf_rd_skip(r, 6))
		return INNER_UNKNOWN;
	if ((fl >> 5) != 1 || type != 0xff) /* GTPv1, G-PDU */
		return INNER_UNKNOWN;
	if (fl & 0x07) {
		if (!sf_rd_skip(r, 3) || !sf_rd_u8(r, &next))
			return INNER_UNKNOWN;
		while ((fl & 0x04) && next != 0) {
			uint8_t n4 = 0;
			if (!sf_rd_u8(r, &n4) || n4 == 0 || !sf_rd_skip(r, (size_t)n4 * 4 - 2) ||
			    !sf_rd_u8(r, &next))
				return INNER_UNKNOWN;
		}
	}
	return INNER_IP;
}

/* What the transport payload `r` carries, if it is a tunnel we open. UDP
 * tunnels are known by port: VXLAN 4789 (flags, VNI: 8 bytes, then
 * Ethernet), Geneve 6081 (8 bytes plus options, then the protocol it names),
 * GTP-U 2152, GRE in UDP 4754. */
static enum inner tunnel_inner(const struct sf_ip *ip, struct sf_rd *r, enum sf_tunnel *t)
{
	uint16_t sport = 0, dport = 0, ulen = 0, usum = 0;
	uint8_t b0 = 0, optlen = 0;
	uint16_t proto = 0;

	switch (ip->proto) {
	case 4: /* IPv4 in IP */
	case 41: /* IPv6 in IP */ *t = SF_TUNNEL_IPIP; return INNER_IP;
	case 47: return gre(r, t);
	case 115: /* L2TPv3 */ *t = SF_TUNNEL_OTHER; return INNER_UNKNOWN;
	case 17: break;
	default: return INNER_NONE;
	}
	if (!sf_rd_be16(r, &sport) || !sf_rd_be16(r, &dport) || !sf_rd_be16(r, &ulen) ||
	    !sf_rd_be16(r, &usum))
		return INNER_NONE;
	for (int i = 0; i < 2; i++) {
		switch (i == 0 ? dport : sport) {
		case 4789: /* VXLAN: flags 1, reserved 3, VNI 3, reserved 1 */
			*t = SF_TUNNEL_VXLAN;
			return sf_rd_skip(r, 8) ? INNER_ETHER : INNER_UNKNOWN;
		case 6081: /* Geneve: ver/optlen 1, flags 1, protocol 2, VNI 4, options */
			*t = SF_TUNNEL_GENEVE;
			if (!sf_rd_u8(r, &b0) || !sf_rd_skip(r, 1) || !sf_rd_be16(r, &proto) ||
			    !sf_rd_skip(r, 4))
				return INNER_UNKNOWN;
			optlen = b0 & 0x3f;
			if (!sf_rd_skip(r, (size_t)optlen * 4))
				return INNER_UNKNOWN;
			return proto == 0x6558                      ? INNER_ETHER
			       : proto == 0x0800 || proto == 0x86dd ? INNER_IP
								    : INNER_UNKNOWN;
		case 2152: *t = SF_TUNNEL_GTP; return gtp(r);
		case 4754: /* GRE in UDP (RFC 8086) */ return gre(r, t);
		case 5072: /* AYIYA */
		case 3544: /* Teredo */
		case 1701: /* L2TP */ *t = SF_TUNNEL_OTHER; return INNER_UNKNOWN;
		default: break;
		}
	}
	return INNER_NONE;
}

static enum sf_dec_rc decode(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			     struct sf_frame *out, bool csum);

enum sf_dec_rc sf_dec_frame(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			    struct sf_frame *out)
{
	return decode(dlt, p, caplen, wirelen, out, true);
}

enum sf_dec_rc sf_dec_frame_nocsum(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
				   struct sf_frame *out)
{
	return decode(dlt, p, caplen, wirelen, out, false);
}

static enum sf_dec_rc decode(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			     struct sf_frame *out, bool csum)
{
	struct sf_rd r = sf_rd_make(p, caplen);
	const uint8_t *l4 = NULL;
	size_t l3wire = 0, l4cap = 0;
	enum sf_net net = SF_NET_OTHER;

	out->kind = SF_FRAME_BROKEN;
	out->rc = SF_DEC_OK;
	out->why = SF_WHY_NONE;
	out->layer = SF_LAYER_LINK;
	out->csum = SF_CSUM_UNVERIFIED;
	out->csum_calc = 0;
	out->tunnel = SF_TUNNEL_NONE;
	out->l4_off = 0;
	/* A frame that stops early must not show the last frame's findings. */
	out->ip.anom = 0;
	out->ip.mf = false;
	out->tcp.fixed_ok = false;
	out->tcp.anom = 0;
	out->tcp.nopt = 0;
	out->tcp.has = 0;
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
	(void)sf_rd_skip(&r, out->link.l3_off); /* the link decoder read these */
	l3wire = wirelen - out->link.l3_off;
	if (out->link.l3_bounded && out->link.l3_len < l3wire)
		l3wire = out->link.l3_len;
	net = out->link.net;

	/* Each pass decodes one IP header; a tunnel sends us round again with
	 * `r` over the inner packet and `l3wire` its length on the wire. */
	for (unsigned depth = 0;; depth++) {
		struct sf_rd l3r = sf_rd_rest(&r);
		struct sf_rd tr;
		enum sf_tunnel t = SF_TUNNEL_OTHER;
		enum inner inner = INNER_NONE;

		if (l3r.len > l3wire)
			l3r.len = l3wire;
		if (net == SF_NET_IP) {
			uint8_t v = 0;
			if (!sf_rd_at_u8(&l3r, 0, &v)) {
				out->layer = SF_LAYER_IP;
				out->why = SF_WHY_IP4_HDR;
				out->rc = l3wire == 0 ? SF_DEC_MALFORMED : SF_DEC_TRUNCATED;
				return out->rc;
			}
			net = (v >> 4) == 6 ? SF_NET_IPV6 : SF_NET_IPV4;
		}
		if (net == SF_NET_OTHER) { /* ARP, or ARP inside a tunnel */
			out->kind = SF_FRAME_NOT_IP;
			return out->rc;
		}
		out->layer = SF_LAYER_IP;
		out->rc = net == SF_NET_IPV4
				  ? sf_dec_ipv4(l3r.p, l3r.len, l3wire, &out->ip, &out->why)
				  : sf_dec_ipv6(l3r.p, l3r.len, l3wire, &out->ip, &out->why);
		if (out->rc != SF_DEC_OK)
			return out->rc;
		if (out->ip.later_frag) {
			out->kind = SF_FRAME_FRAGMENT;
			return out->rc;
		}
		if (!sf_rd_skip(&l3r, out->ip.hlen)) { /* cannot be: the IP decoder read it */
			out->rc = SF_DEC_TRUNCATED;
			out->why = out->ip.ver == 4 ? SF_WHY_IP4_HDR : SF_WHY_IP6_EXT;
			return out->rc;
		}
		l4 = sf_rd_peek(&l3r, 0);
		l4cap = sf_rd_left(&l3r);
		if (out->ip.proto == SF_IPPROTO_TCP)
			break;
		tr = sf_rd_make(l4, l4cap < out->ip.l4len ? l4cap : out->ip.l4len);
		inner = out->ip.mf ? INNER_NONE : tunnel_inner(&out->ip, &tr, &t);
		if (inner == INNER_NONE) {
			out->kind = SF_FRAME_NOT_TCP;
			return out->rc;
		}
		if (depth == 0) {
			out->outer = out->ip;
			out->tunnel = t;
		}
		if (inner == INNER_UNKNOWN || depth + 1 == SF_TUNNEL_DEPTH_MAX) {
			out->kind = SF_FRAME_TUNNEL;
			return out->rc;
		}
		/* Move `r` to the inner packet, bounded by the outer length. */
		(void)sf_rd_skip(&r, l3r.off + tr.off);
		l3wire = out->ip.l4len - tr.off;
		if (inner == INNER_ETHER) {
			/* The inner Ethernet header is read apart: out->link keeps
			 * the outer one, VLAN tags and all. */
			struct sf_link il;
			size_t cap = sf_rd_left(&r) < l3wire ? sf_rd_left(&r) : l3wire;
			out->rc = sf_dec_link(SF_DLT_EN10MB, sf_rd_peek(&r, 0), cap, l3wire, &il,
					      &out->why);
			if (out->rc != SF_DEC_OK) {
				out->layer = SF_LAYER_LINK;
				return out->rc;
			}
			(void)sf_rd_skip(&r, il.l3_off);
			l3wire -= il.l3_off;
			if (il.l3_bounded && il.l3_len < l3wire)
				l3wire = il.l3_len;
			net = il.net;
		} else {
			net = SF_NET_IP;
		}
	}

	out->layer = SF_LAYER_TCP;
	out->l4_off = (size_t)(l4 - p);
	if (out->ip.mf) {
		/* A first fragment: the segment's length is unknown and its header
		 * may go on in the next fragment, which is no fault of the bytes. */
		size_t frag = l4cap < out->ip.l4len ? l4cap : out->ip.l4len;
		out->rc = sf_dec_tcp(l4, frag, SF_TCP_HDR_MAX + (size_t)out->ip.l4len, &out->tcp,
				     &out->why);
		if (out->tcp.fixed_ok) {
			out->kind = SF_FRAME_TCP;
			out->tcp.seglen = (uint32_t)out->ip.l4len;
			out->tcp.paylen = out->ip.l4len > out->tcp.hlen
						  ? (uint32_t)(out->ip.l4len - out->tcp.hlen)
						  : 0;
			if (out->tcp.paycap > out->tcp.paylen)
				out->tcp.paycap = out->tcp.paylen;
		}
		/* Nothing was cut by the capture: the header goes on in the next
		 * fragment, whether or not its fixed part fit in this one. */
		if (out->rc == SF_DEC_TRUNCATED && l4cap >= out->ip.l4len)
			out->why = SF_WHY_TCP_FRAG;
		return out->rc;
	}
	out->rc = sf_dec_tcp(l4, l4cap, out->ip.l4len, &out->tcp, &out->why);
	if (out->tcp.fixed_ok)
		out->kind = SF_FRAME_TCP;
	if (out->rc == SF_DEC_OK && csum)
		verify(out, l4, l4cap < out->ip.l4len ? l4cap : out->ip.l4len);
	return out->rc;
}
