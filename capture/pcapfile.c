/* capture/pcapfile.c: classic pcap (pcap-savefile(5)), read in blocks.
 *
 *   file header, 24 bytes             record header, 16 bytes (+8 Kuznetsov)
 *   +-------+-----+-----+----------+  +--------+----------+--------+-----+
 *   | magic | maj | min | zone 4   |  | sec 4  | frac 4   | incl 4 | len |
 *   | sigfigs 4 | snaplen 4 | link |  +--------+----------+--------+-----+
 *   +----------------------------- +  then incl bytes of packet
 */
#include "capture/pcapfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "decode/rd.h"

#define MAGIC_MICRO     0xa1b2c3d4u
#define MAGIC_NANO      0xa1b23c4du
#define MAGIC_KUZNETSOV 0xa1b2cd34u /* patched libpcap: 8 more bytes a record */

struct sf_pcapfile {
	FILE *f;
	bool swap;   /* the file is big-endian (we read little-endian) */
	bool native; /* the file's byte order is the host's */
	bool file_nano, want_nano;
	int lengths;   /* 0 as written, 1 swapped, 2 swapped when caplen > len */
	size_t rechdr; /* 16, or 24 for Kuznetsov's format */
	uint32_t snaplen, maxcap;
	int dlt;
	uint8_t *buf;
	size_t cap, pos, end;
	bool eof;
	int read_errno; /* non-zero once a read failed */
	uint64_t num;
};

/* Words in memory are in the host's order: a little-endian file needs a
 * swap on a big-endian host, a big-endian file (swap) on a little one. */
static bool host_is_big(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return true;
#else
	return false;
#endif
}

static uint32_t get32(struct sf_rd *r, bool swap)
{
	uint32_t v = 0;
	(void)(swap ? sf_rd_be32(r, &v) : sf_rd_le32(r, &v)); /* callers size r */
	return v;
}

static uint16_t get16(struct sf_rd *r, bool swap)
{
	uint16_t v = 0;
	(void)(swap ? sf_rd_be16(r, &v) : sf_rd_le16(r, &v));
	return v;
}

static bool magic_of(const uint8_t b[4], bool swap, uint32_t *m)
{
	struct sf_rd r = sf_rd_make(b, 4);
	*m = get32(&r, swap);
	return *m == MAGIC_MICRO || *m == MAGIC_NANO || *m == MAGIC_KUZNETSOV;
}

bool sf_pcapfile_magic(const uint8_t b[4])
{
	uint32_t m = 0;
	return magic_of(b, false, &m) || magic_of(b, true, &m);
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

/* Makes n bytes available at buf + pos; false at end of file, on a read
 * error (read_errno) or when memory runs out (read_errno ENOMEM). */
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
		if (nb == NULL) {
			pf->read_errno = ENOMEM;
			return false;
		}
		pf->buf = nb;
		pf->cap = ncap;
	}
	while (pf->end < n && !pf->eof) {
		size_t got = fread(pf->buf + pf->end, 1, pf->cap - pf->end, pf->f);
		pf->end += got;
		if (got == 0) {
			pf->eof = true;
			if (ferror(pf->f))
				pf->read_errno = errno ? errno : EIO;
		}
	}
	return pf->end >= n;
}

struct sf_pcapfile *sf_pcapfile_open(FILE *f, bool nano, char *err, size_t errlen)
{
	struct sf_pcapfile *pf = calloc(1, sizeof(*pf));
	struct sf_rd h;
	uint32_t magic = 0;
	uint16_t major = 0, minor = 0;

	if (pf == NULL || (pf->buf = malloc(SF_PCAP_BLOCK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(pf);
		fclose(f);
		return NULL;
	}
	pf->f = f;
	pf->cap = SF_PCAP_BLOCK;
	pf->want_nano = nano;
	if (!fill(pf, 24)) {
		if (pf->read_errno)
			snprintf(err, errlen, "cannot read: %s", strerror(pf->read_errno));
		else
			snprintf(err, errlen, "capture file header cut short: %zu of its 24 bytes",
				 pf->end);
		goto fail;
	}
	pf->swap = !magic_of(pf->buf, false, &magic);
	h = sf_rd_make(pf->buf, 24);
	magic = get32(&h, pf->swap);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	pf->native = pf->swap;
#else
	pf->native = !pf->swap;
#endif
	pf->file_nano = magic == MAGIC_NANO;
	pf->rechdr = magic == MAGIC_KUZNETSOV ? 24 : 16;
	major = get16(&h, pf->swap);
	minor = get16(&h, pf->swap);
	/* libpcap reads 2.0 to 2.4, and 543.0 from DG/UX's tcpdump. */
	if (!((major == 2 && minor <= 4) || (major == 543 && minor == 0))) {
		snprintf(err, errlen,
			 major < 2 ? "archaic pcap format %u.%u" : "unsupported pcap version %u.%u",
			 major, minor);
		goto fail;
	}
	pf->lengths = major == 2 && minor < 3 ? 1 : major == 2 && minor == 3 ? 2 : 0;
	(void)sf_rd_skip(&h, 8); /* thiszone, sigfigs */
	pf->snaplen = get32(&h, pf->swap);
	pf->dlt = sf_linktype_to_dlt(get32(&h, pf->swap));
	pf->maxcap = max_caplen(pf->dlt);
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

static enum sf_src_rc cut_short(struct sf_pcapfile *pf, char *err, size_t errlen, const char *what,
				size_t want, size_t got)
{
	if (pf->read_errno)
		snprintf(err, errlen, "cannot read record: %s", strerror(pf->read_errno));
	else
		snprintf(err, errlen,
			 "record cut short, the file ends inside it: tried to read %zu %s, only "
			 "got %zu",
			 want, what, got);
	return SF_SRC_ERROR;
}

bool sf_pcapfile_peek(const struct sf_pcapfile *pf, unsigned k, const uint8_t **data,
		      uint32_t *caplen)
{
	size_t pos = pf->pos;

	for (;;) {
		uint32_t w[4];
		if (pf->end - pos < pf->rechdr)
			return false;
		memcpy(w, pf->buf + pos, sizeof(w));
		if (pf->swap != host_is_big())
			w[2] = __builtin_bswap32(w[2]), w[3] = __builtin_bswap32(w[3]);
		if (pf->lengths == 1 || (pf->lengths == 2 && w[2] > w[3]))
			w[2] = w[3];
		if (w[2] > pf->maxcap || pf->end - pos - pf->rechdr < w[2])
			return false;
		if (k-- == 0) {
			*data = pf->buf + pos + pf->rechdr;
			*caplen = w[2] > pf->snaplen ? pf->snaplen : w[2];
			return true;
		}
		pos += pf->rechdr + w[2];
	}
}

enum sf_src_rc sf_pcapfile_next(struct sf_pcapfile *pf, struct sf_pkt *pkt, const uint8_t **data,
				char *err, size_t errlen)
{
	uint32_t sec = 0, frac = 0, caplen = 0, wirelen = 0, keep = 0;
	uint32_t unit = pf->file_nano ? 1000000000u : 1000000u;

	pkt->num = pf->num + 1;
	if (!fill(pf, pf->rechdr)) {
		if (pf->end == pf->pos && !pf->read_errno)
			return SF_SRC_EOF;
		return cut_short(pf, err, errlen, "header bytes", pf->rechdr, pf->end - pf->pos);
	}
	/* The hot path of every read: one copy of the four words, one test of
	 * the byte order (fill() has made the bytes available). */
	{
		uint32_t w[4];
		memcpy(w, pf->buf + pf->pos, sizeof(w));
		if (pf->swap != host_is_big()) {
			for (int i = 0; i < 4; i++)
				w[i] = __builtin_bswap32(w[i]);
		}
		sec = w[0];
		frac = w[1];
		caplen = w[2];
		wirelen = w[3];
	}
	if (pf->lengths == 1 || (pf->lengths == 2 && caplen > wirelen)) {
		uint32_t t = caplen;
		caplen = wirelen;
		wirelen = t;
	}
	if (caplen > pf->maxcap) {
		snprintf(err, errlen,
			 "cannot read record: invalid packet capture length %u, bigger than %s of "
			 "%u",
			 caplen, caplen > pf->snaplen ? "snaplen" : "maximum",
			 caplen > pf->snaplen ? pf->snaplen : pf->maxcap);
		return SF_SRC_ERROR;
	}
	keep = caplen > pf->snaplen ? pf->snaplen : caplen;
	if (!fill(pf, pf->rechdr + caplen))
		return cut_short(pf, err, errlen, "captured bytes", caplen,
				 pf->end - pf->pos - pf->rechdr);
	*data = pf->buf + pf->pos + pf->rechdr;
	pf->pos += pf->rechdr + caplen;
	pf->num++;
	/* libpcap 1.10 sign-extends the seconds of a native-order file (its
	 * header field is a bpf_int32) and reads them unsigned in a swapped one
	 * (SWAPLONG yields an unsigned value): we read what it reads, so every
	 * path prints the same times (test_source checks both). A fraction of
	 * a second or more (damage) carries into the seconds. */
	pkt->sec = pf->native ? (int64_t)(int32_t)sec : (int64_t)sec;
	pkt->sec += frac / unit;
	frac %= unit;
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
