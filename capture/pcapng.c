/* capture/pcapng.c: reading pcapng (draft-ietf-opsawg-pcapng) block by block.
 *
 *   every block                       Enhanced Packet Block body
 *   +--------+----------+------+----+ +-------+---------+--------+------+-----+
 *   | type 4 | length 4 | body | len| | if 4  | ts hi 4 | ts lo 4| cap 4| len |
 *   +--------+----------+------+----+ +-------+---------+--------+------+-----+
 *                                       then cap bytes, padded to 4, options
 */
#include "capture/pcapng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "decode/rd.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 1u
#define BT_PB  2u /* obsolete Packet Block */
#define BT_SPB 3u
#define BT_EPB 6u

struct ng_if {
	int dlt;
	uint32_t snaplen;
	bool pow2;        /* if_tsresol: 2^-res rather than 10^-res */
	uint8_t res;      /* default 6: microseconds */
	int64_t tsoffset; /* if_tsoffset, seconds */
};

struct sf_pcapng {
	FILE *f;
	bool swap; /* this section is big-endian (we read little-endian) */
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

static uint32_t get32(const struct sf_pcapng *ng, struct sf_rd *r)
{
	uint32_t v = 0;
	(void)(ng->swap ? sf_rd_be32(r, &v) : sf_rd_le32(r, &v)); /* callers size r */
	return v;
}

static uint16_t get16(const struct sf_pcapng *ng, struct sf_rd *r)
{
	uint16_t v = 0;
	(void)(ng->swap ? sf_rd_be16(r, &v) : sf_rd_le16(r, &v));
	return v;
}

static enum sf_src_rc fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return SF_SRC_ERROR;
}

static bool grow(struct sf_pcapng *ng, size_t n)
{
	uint8_t *nb = NULL;
	if (n <= ng->cap)
		return true;
	nb = realloc(ng->buf, n);
	if (nb == NULL)
		return false;
	ng->buf = nb;
	ng->cap = n;
	return true;
}

static enum sf_src_rc read_exact(struct sf_pcapng *ng, void *dst, size_t n, char *err,
				 size_t errlen, const char *where)
{
	if (fread(dst, 1, n, ng->f) == n)
		return SF_SRC_PACKET;
	if (ferror(ng->f)) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno ? errno : EIO));
		return SF_SRC_ERROR;
	}
	snprintf(err, errlen, "record cut short, the file ends inside %s", where);
	return SF_SRC_ERROR;
}

/* Reads one block: its type, and its body (between the two length words)
 * into ng->buf. A Section Header Block sets the byte order of its section,
 * so its length can only be read after its byte-order magic. */
static enum sf_src_rc read_block(struct sf_pcapng *ng, uint32_t *type, size_t *blen, char *err,
				 size_t errlen)
{
	uint8_t head[12];
	struct sf_rd r;
	uint32_t total = 0, trail = 0;
	size_t got = fread(head, 1, 8, ng->f);
	size_t have = 0; /* body bytes already in head */
	enum sf_src_rc rc;

	if (got == 0 && !ferror(ng->f))
		return SF_SRC_EOF;
	if (got < 8)
		return read_exact(ng, head + got, 8 - got, err, errlen, "a block header");
	if (sf_pcapng_magic(head)) {
		rc = read_exact(ng, head + 8, 4, err, errlen, "a section header");
		if (rc != SF_SRC_PACKET)
			return rc;
		if (head[8] == 0x4d && head[9] == 0x3c && head[10] == 0x2b && head[11] == 0x1a)
			ng->swap = false;
		else if (head[8] == 0x1a && head[9] == 0x2b && head[10] == 0x3c && head[11] == 0x4d)
			ng->swap = true;
		else
			return fail(err, errlen, "section header with an unknown byte-order magic");
		ng->nif = 0; /* interface IDs are per section */
		have = 4;
	}
	r = sf_rd_make(head, 8);
	*type = get32(ng, &r);
	total = get32(ng, &r);
	if (total < 12 + have || total % 4 != 0 || total > SF_PCAPNG_BLOCK_MAX) {
		snprintf(err, errlen, "block of type 0x%x with an impossible length %u", *type,
			 total);
		return SF_SRC_ERROR;
	}
	*blen = total - 12;
	if (!grow(ng, *blen + 4))
		return fail(err, errlen, "out of memory");
	memcpy(ng->buf, head + 8, have);
	rc = read_exact(ng, ng->buf + have, *blen + 4 - have, err, errlen, "a block");
	if (rc != SF_SRC_PACKET)
		return rc;
	r = sf_rd_make(ng->buf + *blen, 4);
	trail = get32(ng, &r);
	if (trail != total) {
		snprintf(err, errlen, "block of type 0x%x: trailing length %u differs from %u",
			 *type, trail, total);
		return SF_SRC_ERROR;
	}
	return SF_SRC_PACKET;
}

/* Interface Description Block: link type 2, reserved 2, snaplen 4, options
 * (code 2, length 2, value padded to 4; code 0 ends them). */
static bool add_if(struct sf_pcapng *ng, size_t blen)
{
	struct sf_rd r = sf_rd_make(ng->buf, blen);
	struct ng_if ifc = { .res = 6 };

	if (blen < 8 || ng->nif == SF_PCAPNG_IF_MAX)
		return false;
	if (ng->nif == ng->ifcap) {
		size_t n = ng->ifcap ? ng->ifcap * 2 : 4;
		struct ng_if *ni = realloc(ng->ifs, n * sizeof(*ni));
		if (ni == NULL)
			return false;
		ng->ifs = ni;
		ng->ifcap = n;
	}
	ifc.dlt = sf_linktype_to_dlt(get16(ng, &r));
	(void)sf_rd_skip(&r, 2);
	ifc.snaplen = get32(ng, &r);
	while (sf_rd_left(&r) >= 4) {
		uint16_t code = get16(ng, &r), olen = get16(ng, &r);
		struct sf_rd v;
		if (code == 0 || !sf_rd_sub(&r, olen, &v))
			break;
		(void)sf_rd_skip(&r, (4 - olen % 4) % 4);
		if (code == 9) { /* if_tsresol */
			uint8_t res = 0;
			if (sf_rd_u8(&v, &res)) {
				ifc.pow2 = (res & 0x80) != 0;
				ifc.res = res & 0x7f;
			}
		} else if (code == 14 && olen >= 8) { /* if_tsoffset: 64-bit seconds */
			uint32_t a = get32(ng, &v), b = get32(ng, &v);
			uint64_t off = ng->swap ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
			ifc.tsoffset = (int64_t)off;
		}
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
	int64_t s = 0;

	if (ifc->pow2) {
		unsigned r = ifc->res > 63 ? 63 : ifc->res;
		sec = ts >> r;
		frac = (uint64_t)((long double)(ts & ((UINT64_C(1) << r) - 1)) *
				  (long double)scale / (long double)(UINT64_C(1) << r));
	} else {
		uint64_t div = 1;
		for (unsigned i = 0; i < ifc->res && i < 19; i++)
			div *= 10;
		sec = ts / div;
		frac = ts % div;
		/* Rescale the remainder from 10^-res to 10^-digits. */
		for (unsigned i = ifc->res; i < digits; i++)
			frac *= 10;
		for (unsigned i = digits; i < ifc->res && i < 19; i++)
			frac /= 10;
	}
	/* A damaged offset must not overflow: saturate instead. */
	if (sec > (uint64_t)INT64_MAX || __builtin_add_overflow((int64_t)sec, ifc->tsoffset, &s))
		s = ifc->tsoffset < 0 ? INT64_MIN + 1 : INT64_MAX;
	pkt->sec = s;
	pkt->frac = (uint32_t)(frac < scale ? frac : scale - 1);
	pkt->frac_digits = (uint8_t)digits;
}

struct sf_pcapng *sf_pcapng_open(FILE *f, bool nano, char *err, size_t errlen)
{
	struct sf_pcapng *ng = calloc(1, sizeof(*ng));
	uint32_t type = 0;
	size_t blen = 0;
	enum sf_src_rc rc;

	if (ng == NULL) {
		snprintf(err, errlen, "out of memory");
		fclose(f);
		return NULL;
	}
	ng->f = f;
	ng->nano = nano;
	rc = read_block(ng, &type, &blen, err, errlen);
	if (rc == SF_SRC_PACKET && type != BT_SHB)
		snprintf(err, errlen, "not a pcapng capture: no section header");
	if (rc == SF_SRC_EOF)
		snprintf(err, errlen, "empty file: not a pcap or pcapng capture");
	if (rc != SF_SRC_PACKET || type != BT_SHB) {
		sf_pcapng_close(ng);
		return NULL;
	}
	return ng;
}

enum sf_src_rc sf_pcapng_next(struct sf_pcapng *ng, struct sf_pkt *pkt, const uint8_t **data,
			      char *err, size_t errlen)
{
	pkt->num = ng->num + 1;
	for (;;) {
		uint32_t type = 0, ifid = 0, caplen = 0, wirelen = 0, hi = 0, lo = 0;
		size_t blen = 0, hdr = 0;
		enum sf_src_rc rc = read_block(ng, &type, &blen, err, errlen);
		struct sf_rd r;

		if (rc != SF_SRC_PACKET)
			return rc;
		r = sf_rd_make(ng->buf, blen);
		switch (type) {
		case BT_IDB:
			if (!add_if(ng, blen))
				return fail(err, errlen, "interface description block cut short");
			continue;
		case BT_EPB:
		case BT_PB:
			/* The same layout but for the interface ID: 4 bytes in an
			 * EPB, 2 (and 2 of drop count) in the obsolete PB. */
			if (blen < 20)
				goto bad;
			if (type == BT_EPB) {
				ifid = get32(ng, &r);
			} else {
				ifid = get16(ng, &r);
				(void)sf_rd_skip(&r, 2);
			}
			hi = get32(ng, &r);
			lo = get32(ng, &r);
			caplen = get32(ng, &r);
			wirelen = get32(ng, &r);
			hdr = 20;
			break;
		case BT_SPB:
			if (blen < 4 || ng->nif == 0)
				goto bad;
			wirelen = get32(ng, &r);
			caplen = wirelen;
			if (ng->ifs[0].snaplen != 0 && caplen > ng->ifs[0].snaplen)
				caplen = ng->ifs[0].snaplen;
			if (caplen > blen - 4)
				caplen = (uint32_t)(blen - 4);
			hdr = 4;
			break;
		default: continue; /* statistics, name resolution, custom...: not ours */
		}
		if (ifid >= ng->nif || caplen > blen - hdr)
			goto bad;
		ng->num++;
		pkt->num = ng->num;
		pkt->dlt = ng->ifs[ifid].dlt;
		pkt->caplen = caplen;
		pkt->wirelen = wirelen < caplen ? caplen : wirelen;
		if (type == BT_SPB) {
			pkt->sec = 0; /* a Simple Packet Block has no time stamp */
			pkt->frac = 0;
			pkt->frac_digits = ng->nano ? 9 : 6;
		} else {
			set_time(ng, &ng->ifs[ifid], (uint64_t)hi << 32 | lo, pkt);
		}
		*data = ng->buf + hdr;
		return SF_SRC_PACKET;
	bad:
		snprintf(err, errlen,
			 "packet block of %zu bytes is damaged (interface %u of %zu, %u bytes "
			 "captured)",
			 blen, ifid, ng->nif, caplen);
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
