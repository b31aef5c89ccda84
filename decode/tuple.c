/* decode/tuple.c: the 4-tuple of the common frame shapes, for prefetching. */
#include "decode/tuple.h"

#include <string.h>

#include "decode/link.h"
#include "decode/rd.h"

enum { ET_IPV4 = 0x0800, ET_IPV6 = 0x86dd, ET_VLAN = 0x8100, PROTO_TCP = 6 };

static bool ip4(struct sf_rd *r, struct sf_tuple *t)
{
	uint8_t vihl = 0, proto = 0;
	uint16_t frag = 0;

	if (!sf_rd_at_u8(r, 0, &vihl) || vihl >> 4 != 4 || (vihl & 15) < 5 || !sf_rd_skip(r, 6) ||
	    !sf_rd_be16(r, &frag) || (frag & 0x1fff) != 0 || !sf_rd_skip(r, 1) ||
	    !sf_rd_u8(r, &proto) || proto != PROTO_TCP || !sf_rd_skip(r, 2))
		return false;
	t->ver = 4;
	memset(t->src, 0, sizeof(t->src));
	memset(t->dst, 0, sizeof(t->dst));
	return sf_rd_copy(r, t->src, 4) && sf_rd_copy(r, t->dst, 4) &&
	       sf_rd_skip(r, (size_t)((vihl & 15) - 5) * 4);
}

static bool ip6(struct sf_rd *r, struct sf_tuple *t)
{
	uint8_t v = 0, next = 0;

	if (!sf_rd_at_u8(r, 0, &v) || v >> 4 != 6 || !sf_rd_skip(r, 6) || !sf_rd_u8(r, &next) ||
	    next != PROTO_TCP || !sf_rd_skip(r, 1))
		return false;
	t->ver = 6;
	return sf_rd_copy(r, t->src, 16) && sf_rd_copy(r, t->dst, 16);
}

static bool by_version(struct sf_rd *r, struct sf_tuple *t)
{
	uint8_t v = 0;
	if (!sf_rd_at_u8(r, 0, &v))
		return false;
	return v >> 4 == 4 ? ip4(r, t) : v >> 4 == 6 && ip6(r, t);
}

static bool by_ethertype(struct sf_rd *r, uint16_t et, struct sf_tuple *t)
{
	return et == ET_IPV4 ? ip4(r, t) : et == ET_IPV6 && ip6(r, t);
}

bool sf_dec_tuple(int dlt, const uint8_t *p, size_t caplen, struct sf_tuple *t)
{
	struct sf_rd r = sf_rd_make(p, caplen);
	uint16_t et = 0;
	bool ok = false;

	switch (dlt) {
	case SF_DLT_EN10MB:
		ok = sf_rd_skip(&r, 12) && sf_rd_be16(&r, &et) &&
		     (et != ET_VLAN || (sf_rd_skip(&r, 2) && sf_rd_be16(&r, &et))) &&
		     by_ethertype(&r, et, t);
		break;
	case SF_DLT_RAW:
	case SF_DLT_RAW_OPENBSD:
	case SF_DLT_LINKTYPE_RAW: ok = by_version(&r, t); break;
	case SF_DLT_IPV4: ok = ip4(&r, t); break;
	case SF_DLT_IPV6: ok = ip6(&r, t); break;
	case SF_DLT_NULL:
	case SF_DLT_LOOP: ok = sf_rd_skip(&r, 4) && by_version(&r, t); break;
	case SF_DLT_LINUX_SLL:
		ok = sf_rd_skip(&r, 14) && sf_rd_be16(&r, &et) && by_ethertype(&r, et, t);
		break;
	case SF_DLT_LINUX_SLL2:
		ok = sf_rd_be16(&r, &et) && sf_rd_skip(&r, 18) && by_ethertype(&r, et, t);
		break;
	default: return false;
	}
	return ok && sf_rd_be16(&r, &t->sport) && sf_rd_be16(&r, &t->dport);
}
