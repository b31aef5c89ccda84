/* decode/ip.c: IPv4 and IPv6 headers, lengths and fragments. */
#include "decode/ip.h"

#include <string.h>

#include "decode/rd.h"

static enum sf_dec_rc cut(size_t need, size_t wirelen, enum sf_why w, enum sf_why *why)
{
	*why = w;
	return wirelen < need ? SF_DEC_MALFORMED : SF_DEC_TRUNCATED;
}

/* RFC 791 section 3.1.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
enum sf_dec_rc sf_dec_ipv4(const uint8_t *p, size_t caplen, size_t wirelen, struct sf_ip *out,
			   enum sf_why *why)
{
	struct sf_rd r = sf_rd_make(p, caplen < wirelen ? caplen : wirelen);
	uint8_t vihl = 0, ttl = 0, proto = 0;
	uint16_t totlen = 0, id = 0, ff = 0, sum = 0;
	size_t hlen = 0, total = 0;

	memset(out, 0, sizeof(*out));
	*why = SF_WHY_NONE;
	if (!sf_rd_u8(&r, &vihl) || !sf_rd_u8(&r, &out->tos) || !sf_rd_be16(&r, &totlen) ||
	    !sf_rd_be16(&r, &id) || !sf_rd_be16(&r, &ff) || !sf_rd_u8(&r, &ttl) ||
	    !sf_rd_u8(&r, &proto) || !sf_rd_be16(&r, &sum) || !sf_rd_copy(&r, out->src, 4) ||
	    !sf_rd_copy(&r, out->dst, 4)) {
		if (r.off >= 1 && (vihl >> 4) != 4) {
			*why = SF_WHY_IP_VERSION;
			return SF_DEC_MALFORMED;
		}
		return cut(20, wirelen, SF_WHY_IP4_HDR, why);
	}
	out->ver = 4;
	out->ttl = ttl;
	out->proto = proto;
	out->id = id;
	if ((vihl >> 4) != 4) {
		*why = SF_WHY_IP_VERSION;
		return SF_DEC_MALFORMED;
	}
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < 20) {
		*why = SF_WHY_IP4_IHL;
		return SF_DEC_MALFORMED;
	}
	total = totlen;
	if (total == 0) {
		/* TCP segmentation offload hands the capture a super-frame whose
		 * length field is left 0; the wire length is the only length. */
		out->anom |= SF_ANOM_IP_TSO;
		total = wirelen;
	}
	if (total < hlen) {
		*why = SF_WHY_IP4_TOTLEN;
		return SF_DEC_MALFORMED;
	}
	if (!sf_rd_skip(&r, hlen - 20))
		return cut(hlen, wirelen < total ? wirelen : total, SF_WHY_IP4_HDR, why);
	if (total > wirelen) {
		out->anom |= SF_ANOM_IP_PAST_WIRE;
		total = wirelen;
	}
	out->hlen = hlen;
	out->l4len = total - hlen;
	out->frag_off = (uint32_t)(ff & 0x1fff) * 8;
	out->mf = (ff & 0x2000) != 0;
	out->later_frag = out->frag_off != 0;
	return SF_DEC_OK;
}

enum {
	IP6_HOPOPTS = 0,
	IP6_ROUTING = 43,
	IP6_FRAGMENT = 44,
	IP6_ESP = 50,
	IP6_AH = 51,
	IP6_NONE = 59,
	IP6_DSTOPTS = 60,
	IP6_MOBILITY = 135,
	IP6_HIP = 139,
	IP6_SHIM6 = 140,
};

/* The Jumbo Payload option (RFC 2675) in a hop-by-hop header: its length
 * counts every byte after the fixed IPv6 header. 0 when absent. */
static uint32_t find_jumbo(struct sf_rd *hbh)
{
	struct sf_rd r = *hbh;
	(void)sf_rd_skip(&r, 2);
	while (sf_rd_left(&r) > 0) {
		uint8_t type = 0, olen = 0;
		uint32_t jumbo = 0;
		(void)sf_rd_u8(&r, &type);
		if (type == 0) /* Pad1 */
			continue;
		if (!sf_rd_u8(&r, &olen))
			return 0;
		if (type == 0xc2 && olen == 4 && sf_rd_be32(&r, &jumbo))
			return jumbo;
		if (!sf_rd_skip(&r, olen))
			return 0;
	}
	return 0;
}

/* A routing header with segments left names the packet's final destination,
 * which the TCP pseudo-header uses (RFC 8200 section 8.1): the last address
 * of type 0, the home address of type 2, Segment List[0] of an SRH (type 4,
 * RFC 8754). `r` stands after next-header and length; consumes sz - 2. */
static bool routing_final_dst(struct sf_rd *r, size_t sz, struct sf_ip *out)
{
	struct sf_rd h;
	uint8_t type = 0, left = 0;
	size_t naddr = (sz - 8) / 16, pick = 0;

	if (!sf_rd_sub(r, sz - 2, &h))
		return false;
	if (!sf_rd_u8(&h, &type) || !sf_rd_u8(&h, &left) || !sf_rd_skip(&h, 4))
		return true;
	if (left == 0 || naddr == 0)
		return true;
	switch (type) {
	case 0: pick = naddr - 1; break;
	case 2:
	case 4: pick = 0; break;
	default: return true; /* RPL (3) compresses addresses: not followed */
	}
	if (sf_rd_skip(&h, pick * 16) && sf_rd_copy(&h, out->final_dst, 16))
		out->has_final_dst = true;
	return true;
}

/* RFC 8200 section 3, then the extension headers of section 4.
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |                 Source Address (16)                           |
 *   |              Destination Address (16)                         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
enum sf_dec_rc sf_dec_ipv6(const uint8_t *p, size_t caplen, size_t wirelen, struct sf_ip *out,
			   enum sf_why *why)
{
	struct sf_rd r = sf_rd_make(p, caplen < wirelen ? caplen : wirelen);
	uint32_t vtf = 0;
	uint16_t plen = 0;
	uint8_t nh = 0, hlim = 0;
	size_t total = 0;

	memset(out, 0, sizeof(*out));
	*why = SF_WHY_NONE;
	if (!sf_rd_be32(&r, &vtf) || !sf_rd_be16(&r, &plen) || !sf_rd_u8(&r, &nh) ||
	    !sf_rd_u8(&r, &hlim) || !sf_rd_copy(&r, out->src, 16) ||
	    !sf_rd_copy(&r, out->dst, 16)) {
		if (r.off >= 4 && (vtf >> 28) != 6) {
			*why = SF_WHY_IP_VERSION;
			return SF_DEC_MALFORMED;
		}
		return cut(40, wirelen, SF_WHY_IP6_HDR, why);
	}
	out->ver = 6;
	out->ttl = hlim;
	out->tos = (uint8_t)(vtf >> 20);
	if ((vtf >> 28) != 6) {
		*why = SF_WHY_IP_VERSION;
		return SF_DEC_MALFORMED;
	}
	total = 40 + (size_t)plen;
	if (plen == 0 && nh == IP6_HOPOPTS) {
		struct sf_rd t = r, hbh;
		uint8_t units = 0;
		uint32_t jumbo = 0;
		if (sf_rd_at_u8(&t, 1, &units) && sf_rd_sub(&t, ((size_t)units + 1) * 8, &hbh))
			jumbo = find_jumbo(&hbh);
		if (jumbo != 0) {
			out->anom |= SF_ANOM_IP6_JUMBO;
			total = 40 + (size_t)jumbo;
		}
	}
	if (plen == 0 && total == 40 && nh != IP6_NONE && wirelen > 40) {
		/* Big TCP/GSO without a jumbo option: only the wire knows. */
		out->anom |= SF_ANOM_IP_TSO;
		total = wirelen;
	}
	if (total > wirelen) {
		out->anom |= SF_ANOM_IP_PAST_WIRE;
		total = wirelen;
	}

	for (unsigned n = 0;; n++) {
		uint8_t next = 0, elen = 0;
		size_t sz = 0;
		uint16_t fo = 0;
		uint32_t fid = 0;

		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_FRAGMENT && nh != IP6_AH &&
		    nh != IP6_DSTOPTS && nh != IP6_MOBILITY && nh != IP6_HIP && nh != IP6_SHIM6)
			break;
		if (n == SF_IP6_EXT_MAX) {
			*why = SF_WHY_IP6_CHAIN;
			return SF_DEC_MALFORMED;
		}
		size_t start = r.off;
		if (total - start < 2) {
			*why = SF_WHY_IP6_EXT_LEN;
			return SF_DEC_MALFORMED;
		}
		if (!sf_rd_u8(&r, &next) || !sf_rd_u8(&r, &elen))
			return cut(start + 2, total, SF_WHY_IP6_EXT, why);
		sz = nh == IP6_FRAGMENT ? 8
		     : nh == IP6_AH     ? ((size_t)elen + 2) * 4
					: ((size_t)elen + 1) * 8;
		if (total - start < sz) {
			r.off = start;
			*why = SF_WHY_IP6_EXT_LEN;
			return SF_DEC_MALFORMED;
		}
		if (nh == IP6_FRAGMENT) {
			if (!sf_rd_be16(&r, &fo) || !sf_rd_be32(&r, &fid))
				return cut(start + 8, total, SF_WHY_IP6_EXT, why);
			out->frag_off = (uint32_t)(fo & 0xfff8);
			out->mf = (fo & 1) != 0;
			out->later_frag = out->frag_off != 0;
			out->id = (uint16_t)fid;
		} else if (nh == IP6_ROUTING) {
			if (!routing_final_dst(&r, sz, out))
				return cut(start + sz, total, SF_WHY_IP6_EXT, why);
		} else if (!sf_rd_skip(&r, sz - 2)) {
			return cut(start + sz, total, SF_WHY_IP6_EXT, why);
		}
		nh = next;
		if (out->later_frag)
			break;
	}
	out->proto = nh;
	out->hlen = r.off;
	out->l4len = total - r.off;
	return SF_DEC_OK;
}
