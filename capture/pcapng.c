/* capture/pcapng.c: reading pcapng block by block. */
#include "capture/pcapng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB 2u  /* obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u
#define BLOCK_MAX (64u * 1024 * 1024) /* larger blocks are damage, not data */
#define IF_MAX 65536

struct ng_if {
	int dlt;
	uint32_t snaplen;
	bool pow2;          /* if_tsresol: 2^-res rather than 10^-res */
	uint8_t res;        /* default 6: microseconds */
	int64_t tsoffset;   /* if_tsoffset, seconds */
};

struct sf_pcapng {
	FILE *f;
	bool swap;          /* this section's byte order differs from ours */
	bool nano;
	uint8_t *buf;
	size_t cap;
	struct ng_if *ifs;
	size_t nif, ifcap;
	uint64_t num;
};

bool sf_pcapng_magic(const uint8_t b[4])
{
	return b[0] == 0x0a && b[1] == 0x0d && b[2] == 0x0d && b[3] == 0x0a;
}

static uint32_t u32(const struct sf_pcapng *ng, const uint8_t *p)
{
	uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;
	uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
		      (uint32_t)p[0] << 24;
	/* Sections record the writer's order; `swap` means big-endian here. */
	return ng->swap ? be : le;
}

static uint16_t u16(const struct sf_pcapng *ng, const uint8_t *p)
{
	return ng->swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static void say(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
}

/* Reads one block: its type, and its body (between the two length words). */
static enum sf_src_rc read_block(struct sf_pcapng *ng, uint32_t *type, size_t *blen, char *err,
				 size_t errlen)
{
	uint8_t head[8];
	uint32_t total = 0;
	size_t got = fread(head, 1, sizeof(head), ng->f);

	if (got == 0 && feof(ng->f))
		return SF_SRC_EOF;
	if (got < sizeof(head)) {
		say(err, errlen, "record cut short, the file ends inside a block header");
		return SF_SRC_ERROR;
	}
	if (sf_pcapng_magic(head)) {
		/* A new section: its byte-order magic sets the order of all that follows. */
		uint8_t bom[4];
		if (fread(bom, 1, 4, ng->f) != 4) {
			say(err, errlen, "record cut short, the file ends inside a section header");
			return SF_SRC_ERROR;
		}
		if (bom[0] == 0x4d && bom[1] == 0x3c && bom[2] == 0x2b && bom[3] == 0x1a)
			ng->swap = false;
		else if (bom[0] == 0x1a && bom[1] == 0x2b && bom[2] == 0x3c && bom[3] == 0x4d)
			ng->swap = true;
		else {
			say(err, errlen, "section header with an unknown byte-order magic");
			return SF_SRC_ERROR;
		}
		ng->nif = 0; /* interface IDs are per section */
		total = u32(ng, head + 4);
		if (total < 28 || total % 4 != 0 || total > BLOCK_MAX) {
			say(err, errlen, "section header with an impossible length");
			return SF_SRC_ERROR;
		}
		*type = BT_SHB;
		*blen = total - 16;
		if (fseek(ng->f, (long)*blen + 4, SEEK_CUR) != 0) {
			say(err, errlen, "record cut short, the file ends inside a section header");
			return SF_SRC_ERROR;
		}
		*blen = 0;
		return SF_SRC_PACKET;
	}
	*type = u32(ng, head);
	total = u32(ng, head + 4);
	if (total < 12 || total % 4 != 0 || total > BLOCK_MAX) {
		snprintf(err, errlen, "block of type %u with an impossible length %u", *type, total);
		return SF_SRC_ERROR;
	}
	*blen = total - 12;
	if (*blen + 4 > ng->cap) {
		uint8_t *nb = realloc(ng->buf, *blen + 4);
		if (nb == NULL) {
			say(err, errlen, "out of memory");
			return SF_SRC_ERROR;
		}
		ng->buf = nb;
		ng->cap = *blen + 4;
	}
	if (fread(ng->buf, 1, *blen + 4, ng->f) != *blen + 4) {
		say(err, errlen, "record cut short, the file ends inside it");
		return SF_SRC_ERROR;
	}
	return SF_SRC_PACKET;
}

static bool add_if(struct sf_pcapng *ng, size_t blen)
{
	const uint8_t *b = ng->buf;
	struct ng_if ifc = { .res = 6 };
	size_t off = 8;

	if (blen < 8 || ng->nif == IF_MAX)
		return false;
	if (ng->nif == ng->ifcap) {
		size_t n = ng->ifcap ? ng->ifcap * 2 : 4;
		struct ng_if *ni = realloc(ng->ifs, n * sizeof(*ni));
		if (ni == NULL)
			return false;
		ng->ifs = ni;
		ng->ifcap = n;
	}
	ifc.dlt = u16(ng, b);
	ifc.snaplen = u32(ng, b + 4);
	/* Options: code 2, length 2, value padded to 4; code 0 ends them. */
	while (blen - off >= 4) {
		uint16_t code = u16(ng, b + off), olen = u16(ng, b + off + 2);
		if (code == 0 || (size_t)olen > blen - off - 4)
			break;
		if (code == 9 && olen >= 1) { /* if_tsresol */
			ifc.pow2 = (b[off + 4] & 0x80) != 0;
			ifc.res = b[off + 4] & 0x7f;
		} else if (code == 14 && olen >= 8) { /* if_tsoffset */
			uint64_t lo = u32(ng, b + off + 4), hi = u32(ng, b + off + 8);
			ifc.tsoffset = (int64_t)(ng->swap ? lo << 32 | hi : hi << 32 | lo);
		}
		off += 4 + (((size_t)olen + 3) & ~(size_t)3);
	}
	ng->ifs[ng->nif++] = ifc;
	return true;
}

/* Time stamp units of the interface to seconds and a decimal fraction. */
static void set_time(const struct sf_pcapng *ng, const struct ng_if *ifc, uint64_t ts,
		     struct sf_pkt *pkt)
{
	uint32_t digits = ng->nano ? 9 : 6;
	uint64_t scale = ng->nano ? 1000000000u : 1000000u;
	uint64_t sec = 0, frac = 0;

	if (ifc->pow2) {
		unsigned r = ifc->res > 63 ? 63 : ifc->res;
		sec = ts >> r;
		frac = (uint64_t)((long double)(ts & ((UINT64_C(1) << r) - 1)) * (long double)scale /
				  (long double)(UINT64_C(1) << r));
	} else {
		uint64_t div = 1;
		for (unsigned i = 0; i < ifc->res && i < 19; i++)
			div *= 10;
		sec = ts / div;
		frac = ts % div;
		/* Rescale the remainder from 10^-res to 10^-digits. */
		for (unsigned i = ifc->res; i < digits; i++)
			frac *= 10;
		for (unsigned i = digits; i < ifc->res; i++)
			frac /= 10;
	}
	pkt->sec = (int64_t)sec + ifc->tsoffset;
	pkt->frac = (uint32_t)frac;
	pkt->frac_digits = (uint8_t)digits;
}

struct sf_pcapng *sf_pcapng_open(FILE *f, bool nano, char *err, size_t errlen)
{
	struct sf_pcapng *ng = calloc(1, sizeof(*ng));
	uint32_t type = 0;
	size_t blen = 0;

	if (ng == NULL) {
		say(err, errlen, "out of memory");
		fclose(f);
		return NULL;
	}
	ng->f = f;
	ng->nano = nano;
	if (read_block(ng, &type, &blen, err, errlen) != SF_SRC_PACKET || type != BT_SHB) {
		if (type != BT_SHB)
			say(err, errlen, "not a pcapng capture: no section header");
		sf_pcapng_close(ng);
		return NULL;
	}
	return ng;
}

int sf_pcapng_first_dlt(const struct sf_pcapng *ng)
{
	return ng->nif > 0 ? ng->ifs[0].dlt : -1;
}

enum sf_src_rc sf_pcapng_next(struct sf_pcapng *ng, struct sf_pkt *pkt, const uint8_t **data,
			      char *err, size_t errlen)
{
	for (;;) {
		uint32_t type = 0, ifid = 0, caplen = 0, wirelen = 0;
		size_t blen = 0, hdr = 0;
		uint64_t ts = 0;
		enum sf_src_rc rc = read_block(ng, &type, &blen, err, errlen);
		const uint8_t *b = ng->buf;

		if (rc != SF_SRC_PACKET) {
			if (rc == SF_SRC_ERROR)
				pkt->num = ng->num + 1;
			return rc;
		}
		switch (type) {
		case BT_IDB:
			if (!add_if(ng, blen)) {
				say(err, errlen, "interface description block cut short");
				pkt->num = ng->num + 1;
				return SF_SRC_ERROR;
			}
			continue;
		case BT_EPB:
			if (blen < 20)
				goto bad;
			ifid = u32(ng, b);
			ts = (uint64_t)u32(ng, b + 4) << 32 | u32(ng, b + 8);
			caplen = u32(ng, b + 12);
			wirelen = u32(ng, b + 16);
			hdr = 20;
			break;
		case BT_PB:
			if (blen < 20)
				goto bad;
			ifid = u16(ng, b);
			ts = (uint64_t)u32(ng, b + 4) << 32 | u32(ng, b + 8);
			caplen = u32(ng, b + 12);
			wirelen = u32(ng, b + 16);
			hdr = 20;
			break;
		case BT_SPB:
			if (blen < 4 || ng->nif == 0)
				goto bad;
			ifid = 0;
			wirelen = u32(ng, b);
			caplen = wirelen;
			if (ng->ifs[0].snaplen != 0 && caplen > ng->ifs[0].snaplen)
				caplen = ng->ifs[0].snaplen;
			hdr = 4;
			break;
		default:
			continue; /* statistics, name resolution, custom...: not ours */
		}
		if (ifid >= ng->nif || caplen > blen - hdr)
			goto bad;
		ng->num++;
		pkt->num = ng->num;
		pkt->dlt = ng->ifs[ifid].dlt;
		pkt->caplen = caplen;
		pkt->wirelen = wirelen < caplen ? caplen : wirelen;
		if (type == BT_SPB) {
			pkt->sec = 0;
			pkt->frac = 0;
			pkt->frac_digits = ng->nano ? 9 : 6;
		} else {
			set_time(ng, &ng->ifs[ifid], ts, pkt);
		}
		*data = b + hdr;
		return SF_SRC_PACKET;
bad:
		snprintf(err, errlen, "packet block of %zu bytes is damaged (interface %u of %zu,"
				      " %u bytes captured)", blen, ifid, ng->nif, caplen);
		pkt->num = ng->num + 1;
		return SF_SRC_ERROR;
	}
}

void sf_pcapng_close(struct sf_pcapng *ng)
{
	if (ng == NULL)
		return;
	if (ng->f != NULL && ng->f != stdin)
		fclose(ng->f);
	free(ng->buf);
	free(ng->ifs);
	free(ng);
}
