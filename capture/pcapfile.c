/* capture/pcapfile.c: classic pcap, read in blocks. */
#include "capture/pcapfile.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC_MICRO 0xa1b2c3d4u
#define MAGIC_NANO 0xa1b23c4du
#define MAGIC_KUZNETSOV 0xa1b2cd34u /* patched libpcap: 8 more bytes a record */
#define BLOCK (1u << 20)

struct sf_pcapfile {
	FILE *f;
	bool swap, file_nano, want_nano;
	bool native;        /* the file's byte order is the host's */
	int lengths;        /* 0 as written, 1 swapped, 2 swapped when caplen > len */
	size_t rechdr;      /* 16, or 24 for Kuznetsov's format */
	uint32_t snaplen, maxcap;
	int dlt;
	uint8_t *buf;
	size_t cap, pos, end;
	bool eof;
	uint64_t num;
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;
	return swap ? (le >> 24) | ((le >> 8) & 0xff00) | ((le << 8) & 0xff0000) | (le << 24) : le;
}

static uint16_t rd16(const uint8_t *p, bool swap)
{
	return swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

bool sf_pcapfile_magic(const uint8_t b[4])
{
	uint32_t m = rd32(b, false), s = rd32(b, true);
	return m == MAGIC_MICRO || m == MAGIC_NANO || m == MAGIC_KUZNETSOV || s == MAGIC_MICRO ||
	       s == MAGIC_NANO || s == MAGIC_KUZNETSOV;
}

/* LINKTYPE_ (on disk) to DLT_ (what pcap_datalink() says): the same number
 * but for the few that differ by platform; RAW is the one that matters. */
static int linktype_to_dlt(uint32_t lt)
{
	lt &= 0xffff; /* the upper bits carry FCS information */
	return lt == 101 ? 12 : (int)lt;
}

/* libpcap's max_snaplen_for_dlt(): a record above it is damage. */
static uint32_t max_caplen(int dlt)
{
	switch (dlt) {
	case 231: return 128u * 1024 * 1024; /* D-Bus */
	case 249: return 1024u * 1024;       /* USBPcap */
	case 279: return 8u * 1024 * 1024;   /* EBHSCR */
	default: return 262144;
	}
}

/* Makes n bytes available at buf + pos; false at end of file. */
static bool fill(struct sf_pcapfile *pf, size_t n)
{
	if (pf->end - pf->pos >= n)
		return true;
	if (pf->pos > 0) {
		memmove(pf->buf, pf->buf + pf->pos, pf->end - pf->pos);
		pf->end -= pf->pos;
		pf->pos = 0;
	}
	if (n > pf->cap) {
		size_t ncap = pf->cap;
		uint8_t *nb = NULL;
		while (ncap < n)
			ncap *= 2;
		nb = realloc(pf->buf, ncap);
		if (nb == NULL)
			return false;
		pf->buf = nb;
		pf->cap = ncap;
	}
	while (pf->end < n && !pf->eof) {
		size_t got = fread(pf->buf + pf->end, 1, pf->cap - pf->end, pf->f);
		pf->end += got;
		if (got == 0)
			pf->eof = true;
	}
	return pf->end >= n;
}

struct sf_pcapfile *sf_pcapfile_open(FILE *f, bool nano, char *err, size_t errlen)
{
	struct sf_pcapfile *pf = calloc(1, sizeof(*pf));
	const uint8_t *h = NULL;
	uint32_t magic = 0;
	uint16_t major = 0, minor = 0;

	if (pf == NULL || (pf->buf = malloc(BLOCK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(pf);
		fclose(f);
		return NULL;
	}
	pf->f = f;
	pf->cap = BLOCK;
	pf->want_nano = nano;
	if (!fill(pf, 24)) {
		snprintf(err, errlen, "capture file header cut short: %zu of its 24 bytes", pf->end);
		goto fail;
	}
	h = pf->buf;
	magic = rd32(h, false);
	pf->swap = magic != MAGIC_MICRO && magic != MAGIC_NANO && magic != MAGIC_KUZNETSOV;
	magic = rd32(h, pf->swap);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	pf->native = pf->swap; /* rd32 reads little-endian unless swapping */
#else
	pf->native = !pf->swap;
#endif
	pf->file_nano = magic == MAGIC_NANO;
	pf->rechdr = magic == MAGIC_KUZNETSOV ? 24 : 16;
	major = rd16(h + 4, pf->swap);
	minor = rd16(h + 6, pf->swap);
	if (major != 2) {
		snprintf(err, errlen, "unsupported pcap version %u.%u", major, minor);
		goto fail;
	}
	pf->lengths = minor < 3 ? 1 : minor == 3 ? 2 : 0;
	pf->dlt = linktype_to_dlt(rd32(h + 20, pf->swap));
	pf->maxcap = max_caplen(pf->dlt);
	pf->snaplen = rd32(h + 16, pf->swap);
	if (pf->snaplen == 0 || pf->snaplen > pf->maxcap)
		pf->snaplen = pf->maxcap; /* as libpcap does for a bogus snaplen */
	pf->pos = 24;
	return pf;
fail:
	sf_pcapfile_close(pf);
	return NULL;
}

int sf_pcapfile_dlt(const struct sf_pcapfile *pf)
{
	return pf->dlt;
}

enum sf_src_rc sf_pcapfile_next(struct sf_pcapfile *pf, struct sf_pkt *pkt, const uint8_t **data,
				char *err, size_t errlen)
{
	const uint8_t *h = NULL;
	uint32_t sec = 0, frac = 0, caplen = 0, wirelen = 0, keep = 0;

	pkt->num = pf->num + 1;
	if (!fill(pf, pf->rechdr)) {
		if (pf->end == pf->pos)
			return SF_SRC_EOF;
		snprintf(err, errlen,
			 "record cut short, the file ends inside it: %zu of its %zu header bytes",
			 pf->end - pf->pos, pf->rechdr);
		return SF_SRC_ERROR;
	}
	h = pf->buf + pf->pos;
	sec = rd32(h, pf->swap);
	frac = rd32(h + 4, pf->swap);
	caplen = rd32(h + 8, pf->swap);
	wirelen = rd32(h + 12, pf->swap);
	if (pf->lengths == 1 || (pf->lengths == 2 && caplen > wirelen)) {
		uint32_t t = caplen;
		caplen = wirelen;
		wirelen = t;
	}
	if (caplen > pf->maxcap) {
		snprintf(err, errlen, "cannot read record: invalid packet capture length %u, bigger than %s of %u", caplen,
			 caplen > pf->snaplen ? "snaplen" : "maximum",
			 caplen > pf->snaplen ? pf->snaplen : pf->maxcap);
		return SF_SRC_ERROR;
	}
	keep = caplen > pf->snaplen ? pf->snaplen : caplen;
	if (!fill(pf, pf->rechdr + caplen)) {
		snprintf(err, errlen,
			 "record cut short, the file ends inside it: tried to read %u captured"
			 " bytes, only got %zu",
			 caplen, pf->end - pf->pos - pf->rechdr);
		return SF_SRC_ERROR;
	}
	*data = pf->buf + pf->pos + pf->rechdr;
	pf->pos += pf->rechdr + caplen;
	pf->num++;
	/* libpcap 1.10 sign-extends the seconds of a native-order file (its
	 * header field is a bpf_int32) and reads them unsigned in a swapped one
	 * (SWAPLONG yields an unsigned value): we read what it reads, so every
	 * path prints the same times (test_source checks both). */
	pkt->sec = pf->native ? (int64_t)(int32_t)sec : (int64_t)sec;
	if (pf->file_nano && !pf->want_nano)
		frac /= 1000;
	else if (!pf->file_nano && pf->want_nano)
		frac *= 1000;
	pkt->frac = frac;
	pkt->frac_digits = pf->want_nano ? 9 : 6;
	pkt->caplen = keep;
	pkt->wirelen = wirelen;
	pkt->dlt = pf->dlt;
	return SF_SRC_PACKET;
}

void sf_pcapfile_close(struct sf_pcapfile *pf)
{
	if (pf == NULL)
		return;
	if (pf->f != NULL && pf->f != stdin)
		fclose(pf->f);
	free(pf->buf);
	free(pf);
}
