/* decode/link.c: link-layer headers, one switch on the DLT. */
#include "decode/link.h"

#include <string.h>

#include "decode/rd.h"

#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_IPV6     0x86dd
#define ETHERTYPE_VLAN     0x8100
#define ETHERTYPE_QINQ     0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_MPLS     0x8847
#define ETHERTYPE_MPLS_MC  0x8848
#define ETHERTYPE_PPPOE    0x8864
#define PPP_IPV4           0x0021
#define PPP_IPV6           0x0057
#define PPP_MPLS           0x0281

/* The size of the header decides between truncated and malformed: a frame
 * that is shorter on the wire than its link header cannot exist. */
static enum sf_dec_rc short_hdr(size_t need, size_t wirelen, enum sf_why *why)
{
	*why = SF_WHY_LINK_HDR;
	return wirelen < need ? SF_DEC_MALFORMED : SF_DEC_TRUNCATED;
}

/* Address families as each system numbers them in DLT_NULL/DLT_LOOP:
 * 2 is IPv4 everywhere; IPv6 is 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD),
 * 30 (macOS, Darwin) and 10 (Linux, when it writes DLT_NULL at all). */
static enum sf_net af_to_net(uint32_t af)
{
	switch (af) {
	case 2: return SF_NET_IPV4;
	case 10:
	case 24:
	case 28:
	case 30: return SF_NET_IPV6;
	default: return SF_NET_OTHER;
	}
}

static enum sf_net ppp_to_net(uint16_t proto)
{
	return proto == PPP_IPV4 ? SF_NET_IPV4 : proto == PPP_IPV6 ? SF_NET_IPV6 : SF_NET_OTHER;
}

/* An MPLS label stack (RFC 3032): 4 bytes a label, the S bit ends it; the
 * payload carries no type, so the IP version nibble decides. */
static enum sf_dec_rc dec_mpls(struct sf_rd *r, size_t wirelen, struct sf_link *out,
			       enum sf_why *why)
{
	for (unsigned n = 0;; n++) {
		uint32_t lse = 0;
		if (n == SF_MPLS_MAX) {
			*why = SF_WHY_LINK_VLAN;
			return SF_DEC_MALFORMED;
		}
		if (!sf_rd_be32(r, &lse))
			return short_hdr(r->off + 4, wirelen, why);
		if (lse & 0x100)
			break;
	}
	out->net = SF_NET_IP;
	return SF_DEC_OK;
}

/* Whatever an ethertype (or PPP protocol) leads to beyond the link header:
 * PPPoE sessions and MPLS stacks sit between Ethernet and IP. */
static enum sf_dec_rc dec_after_type(struct sf_rd *r, size_t wirelen, struct sf_link *out,
				     enum sf_why *why)
{
	uint16_t proto = 0;

	if (out->ethertype == ETHERTYPE_PPPOE) {
		/* ver/type 1, code 1, session 2, length 2, then PPP protocol 2.
		 * The length bounds the PPP frame as the wire bounds Ethernet:
		 * what lies past it is padding. */
		uint16_t plen = 0;
		size_t start = r->off;
		if (!sf_rd_skip(r, 4) || !sf_rd_be16(r, &plen) || !sf_rd_be16(r, &proto))
			return short_hdr(start + 8, wirelen, why);
		out->l3_len = plen >= 2 ? (size_t)plen - 2 : 0;
		out->l3_bounded = true;
		out->net = ppp_to_net(proto);
		if (proto == PPP_MPLS)
			return dec_mpls(r, wirelen, out, why);
		return SF_DEC_OK;
	}
	if (out->ethertype == ETHERTYPE_MPLS || out->ethertype == ETHERTYPE_MPLS_MC)
		return dec_mpls(r, wirelen, out, why);
	return SF_DEC_OK;
}

static enum sf_net ethertype_to_net(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4: return SF_NET_IPV4;
	case ETHERTYPE_IPV6: return SF_NET_IPV6;
	default: return SF_NET_OTHER;
	}
}

/* LLC/SNAP (RFC 1042): DSAP AA, SSAP AA, control 03, OUI 00-00-00, then an
 * ethertype. Reads the type when the 8 bytes are SNAP with a zero OUI;
 * leaves `r` alone otherwise. False when the capture cannot hold 8 bytes. */
static bool snap_type(struct sf_rd *r, uint16_t *type, bool *snap)
{
	struct sf_rd t = *r;
	uint8_t b[6];

	*snap = false;
	if (!sf_rd_copy(&t, b, sizeof(b)) || !sf_rd_be16(&t, type))
		return false;
	if (b[0] == 0xaa && b[1] == 0xaa && b[2] == 0x03 && b[3] == 0 && b[4] == 0 && b[5] == 0) {
		*snap = true;
		*r = t;
	}
	return true;
}

/* Ethernet II, then any 802.1Q/802.1ad tags, then LLC/SNAP for 802.3 frames.
 *
 *   +--------+--------+------+  [+------+-----+]*  +------+
 *   | dst 6  | src 6  | type |   | 8100 | TCI |     | type |
 *   +--------+--------+------+  [+------+-----+]   +------+
 */
static enum sf_dec_rc dec_ether(struct sf_rd *r, size_t wirelen, struct sf_link *out,
				enum sf_why *why)
{
	uint16_t type = 0;

	if (!sf_rd_skip(r, 12) || !sf_rd_be16(r, &type))
		return short_hdr(14, wirelen, why);
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
		uint16_t tci = 0;
		size_t start = r->off; /* a failed second read leaves off past the first */
		if (out->nvlan == SF_VLAN_MAX) {
			*why = SF_WHY_LINK_VLAN;
			return SF_DEC_MALFORMED;
		}
		if (!sf_rd_be16(r, &tci) || !sf_rd_be16(r, &type))
			return short_hdr(start + 4, wirelen, why);
		out->vlan[out->nvlan++] = tci & 0x0fff;
	}
	if (type <= 1500) {
		/* 802.3 length field: only LLC/SNAP carries IP. */
		bool snap = false;
		if (!snap_type(r, &type, &snap))
			return short_hdr(r->off + 8, wirelen, why);
		if (!snap)
			type = 0;
	}
	out->ethertype = type;
	out->net = ethertype_to_net(type);
	return dec_after_type(r, wirelen, out, why);
}

/* PPP in HDLC-like framing (RFC 1662):
 *
 *   [+------+---------+]  +-------------+
 *   [| FF   | 03      |]  | protocol 1-2|
 *   [+------+---------+]  +-------------+
 *
 * The address and control bytes are optional; a protocol whose first byte
 * is odd is one byte long (protocol field compression). */
static enum sf_dec_rc dec_ppp(struct sf_rd *r, size_t wirelen, struct sf_link *out,
			      enum sf_why *why)
{
	uint8_t b0 = 0, b1 = 0;
	uint16_t proto = 0;

	if (!sf_rd_at_u8(r, 0, &b0))
		return short_hdr(1, wirelen, why);
	if (b0 == 0xff) { /* only then can FF 03 be there */
		if (!sf_rd_at_u8(r, 1, &b1))
			return short_hdr(2, wirelen, why);
		if (b1 == 0x03)
			(void)sf_rd_skip(r, 2);
	}
	if (!sf_rd_u8(r, &b0))
		return short_hdr(r->off + 1, wirelen, why);
	proto = b0;
	if ((b0 & 1) == 0) {
		if (!sf_rd_u8(r, &b1))
			return short_hdr(r->off + 1, wirelen, why);
		proto = (uint16_t)(b0 << 8 | b1);
	}
	out->ethertype = proto;
	out->net = ppp_to_net(proto);
	if (proto == PPP_MPLS)
		return dec_mpls(r, wirelen, out, why);
	return SF_DEC_OK;
}

/* FDDI (ANSI X3.139):
 *
 *   +----+--------+--------+-----------------+
 *   | FC | dst 6  | src 6  | LLC/SNAP 8      |
 *   +----+--------+--------+-----------------+
 */
static enum sf_dec_rc dec_fddi(struct sf_rd *r, size_t wirelen, struct sf_link *out,
			       enum sf_why *why)
{
	uint16_t type = 0;
	bool snap = false;

	if (!sf_rd_skip(r, 13))
		return short_hdr(13, wirelen, why);
	if (!snap_type(r, &type, &snap))
		return short_hdr(21, wirelen, why);
	if (snap) {
		out->ethertype = type;
		out->net = ethertype_to_net(type);
	}
	return SF_DEC_OK;
}

/* Linux ARCnet:
 *
 *   +-----+-----+----------+-------+  RFC 1201: +-------+---------+
 *   | src | dst | offset 2 | proto |            | split | seq 2   |
 *   +-----+-----+----------+-------+            +-------+---------+
 *
 * Linux ARCnet: src 1, dst 1, offset 2, then the protocol ID. RFC 1051 IP
 * (0xF0) follows at once; RFC 1201 IP (0xD4) has split flag 1 and sequence 2,
 * and an exception packet (split flag 0xFF) repeats 4 bytes of header. */
static enum sf_dec_rc dec_arcnet(struct sf_rd *r, size_t wirelen, struct sf_link *out,
				 enum sf_why *why)
{
	uint8_t proto = 0, split = 0;

	if (!sf_rd_skip(r, 4) || !sf_rd_u8(r, &proto))
		return short_hdr(5, wirelen, why);
	out->ethertype = proto;
	if (proto == 0xf0) {
		out->net = SF_NET_IPV4;
		return SF_DEC_OK;
	}
	if (proto != 0xd4 && proto != 0xc4)
		return SF_DEC_OK;
	if (!sf_rd_u8(r, &split) || !sf_rd_skip(r, 2))
		return short_hdr(8, wirelen, why);
	if (split == 0xff && !sf_rd_skip(r, 4))
		return short_hdr(12, wirelen, why);
	out->net = proto == 0xd4 ? SF_NET_IPV4 : SF_NET_IPV6;
	return SF_DEC_OK;
}

/* NFLOG (Linux nfnetlink_log, LINKTYPE_NFLOG):
 *
 *   +--------+---------+-------------+  +-------+-------+--------------+
 *   | family | version | resource 2  |  | len 2 | type 2| value, pad 4 | ...
 *   +--------+---------+-------------+  +-------+-------+--------------+
 *
 * TLV length and type are in the capturing host's byte order (little-endian
 * in practice); the type's top two bits are netlink flags. Type 9
 * (NFULA_PAYLOAD) holds the IP packet, and its length bounds it. */
static enum sf_dec_rc dec_nflog(struct sf_rd *r, size_t wirelen, struct sf_link *out,
				enum sf_why *why)
{
	uint8_t family = 0;

	if (!sf_rd_u8(r, &family) || !sf_rd_skip(r, 3))
		return short_hdr(4, wirelen, why);
	for (;;) {
		struct sf_rd t = *r;
		uint16_t tlen = 0, type = 0;
		size_t padded = 0;

		if (!sf_rd_le16(&t, &tlen) || !sf_rd_le16(&t, &type))
			return short_hdr(r->off + 4, wirelen, why);
		if (tlen < 4) {
			*why = SF_WHY_LINK_HDR;
			return SF_DEC_MALFORMED;
		}
		if ((type & 0x3fff) == 9) {
			*r = t;
			out->ethertype = family;
			out->net = family == 2    ? SF_NET_IPV4
				   : family == 10 ? SF_NET_IPV6
						  : SF_NET_OTHER;
			out->l3_bounded = true;
			out->l3_len = (size_t)tlen - 4;
			return SF_DEC_OK;
		}
		padded = ((size_t)tlen + 3) & ~(size_t)3;
		if (!sf_rd_skip(r, padded))
			return short_hdr(r->off + padded, wirelen, why);
	}
}

bool sf_link_supported(int dlt)
{
	switch (dlt) {
	case SF_DLT_NULL:
	case SF_DLT_EN10MB:
	case SF_DLT_PPP:
	case SF_DLT_PPP_SERIAL:
	case SF_DLT_RAW:
	case SF_DLT_RAW_OPENBSD:
	case SF_DLT_LINKTYPE_RAW:
	case SF_DLT_LOOP:
	case SF_DLT_LINUX_SLL:
	case SF_DLT_IPV4:
	case SF_DLT_IPV6:
	case SF_DLT_LINUX_SLL2:
	case SF_DLT_FDDI:
	case SF_DLT_ARCNET_LINUX:
	case SF_DLT_IPOIB:
	case SF_DLT_NFLOG: return true;
	default: return false;
	}
}

const char *sf_link_name(int dlt)
{
	switch (dlt) {
	case SF_DLT_NULL: return "NULL";
	case SF_DLT_EN10MB: return "EN10MB";
	case SF_DLT_PPP: return "PPP";
	case SF_DLT_PPP_SERIAL: return "PPP_SERIAL";
	case SF_DLT_RAW:
	case SF_DLT_RAW_OPENBSD:
	case SF_DLT_LINKTYPE_RAW: return "RAW";
	case SF_DLT_LOOP: return "LOOP";
	case SF_DLT_LINUX_SLL: return "LINUX_SLL";
	case SF_DLT_IPV4: return "IPV4";
	case SF_DLT_IPV6: return "IPV6";
	case SF_DLT_LINUX_SLL2: return "LINUX_SLL2";
	case SF_DLT_FDDI: return "FDDI";
	case SF_DLT_ARCNET_LINUX: return "ARCNET_LINUX";
	case SF_DLT_IPOIB: return "IPOIB";
	case SF_DLT_NFLOG: return "NFLOG";
	default: return "unknown";
	}
}

enum sf_dec_rc sf_dec_link(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			   struct sf_link *out, enum sf_why *why)
{
	struct sf_rd r = sf_rd_make(p, caplen < wirelen ? caplen : wirelen);
	enum sf_dec_rc rc = SF_DEC_OK;
	uint32_t af = 0;
	uint16_t proto = 0;

	memset(out, 0, sizeof(*out));
	*why = SF_WHY_NONE;
	switch (dlt) {
	case SF_DLT_EN10MB: rc = dec_ether(&r, wirelen, out, why); break;
	case SF_DLT_NULL:
		/* Host byte order of the writer: try both, the family is small. */
		if (!sf_rd_le32(&r, &af))
			return short_hdr(4, wirelen, why);
		if (af > 0xffff)
			af = (af >> 24) | ((af >> 8) & 0xff00);
		out->ethertype = (uint16_t)af;
		out->net = af_to_net(af);
		break;
	case SF_DLT_LOOP:
		if (!sf_rd_be32(&r, &af))
			return short_hdr(4, wirelen, why);
		out->ethertype = (uint16_t)af;
		out->net = af_to_net(af);
		break;
	case SF_DLT_RAW:
	case SF_DLT_RAW_OPENBSD:
	case SF_DLT_LINKTYPE_RAW: out->net = SF_NET_IP; break;
	case SF_DLT_IPV4: out->net = SF_NET_IPV4; break;
	case SF_DLT_IPV6: out->net = SF_NET_IPV6; break;
	case SF_DLT_LINUX_SLL:
		/* type 2, ARPHRD 2, addr len 2, addr 8, protocol 2 */
		if (!sf_rd_skip(&r, 14) || !sf_rd_be16(&r, &proto))
			return short_hdr(16, wirelen, why);
		out->ethertype = proto;
		out->net = ethertype_to_net(proto);
		rc = dec_after_type(&r, wirelen, out, why);
		break;
	case SF_DLT_LINUX_SLL2:
		/* protocol 2, reserved 2, ifindex 4, ARPHRD 2, type 1, addr len 1, addr 8 */
		if (!sf_rd_be16(&r, &proto) || !sf_rd_skip(&r, 18))
			return short_hdr(20, wirelen, why);
		out->ethertype = proto;
		out->net = ethertype_to_net(proto);
		rc = dec_after_type(&r, wirelen, out, why);
		break;
	case SF_DLT_IPOIB:
		/* libpcap's pseudo-header (tcpdump print-ipoib.c): destination and
		 * source hardware addresses of 20 bytes each, then RFC 4391's
		 * type 2 and reserved 2. */
		if (!sf_rd_skip(&r, 40) || !sf_rd_be16(&r, &proto) || !sf_rd_skip(&r, 2))
			return short_hdr(44, wirelen, why);
		out->ethertype = proto;
		out->net = ethertype_to_net(proto);
		break;
	case SF_DLT_FDDI: rc = dec_fddi(&r, wirelen, out, why); break;
	case SF_DLT_ARCNET_LINUX: rc = dec_arcnet(&r, wirelen, out, why); break;
	case SF_DLT_NFLOG: rc = dec_nflog(&r, wirelen, out, why); break;
	case SF_DLT_PPP:
	case SF_DLT_PPP_SERIAL: rc = dec_ppp(&r, wirelen, out, why); break;
	default: out->net = SF_NET_OTHER; break;
	}
	out->l3_off = r.off;
	return rc;
}
