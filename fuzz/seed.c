/* fuzz/seed.c: turns pcap/pcapng files into libFuzzer seeds for fuzz_frame and fuzz_tcp_opts.
 *
 * usage: seed OUTDIR_FRAME OUTDIR_OPTS FILE...
 *
 * For each frame of a supported link type it writes, into OUTDIR_FRAME,
 *   [DLT index in fuzz/dlts.h] [wirelen - caplen, 2 bytes BE] [frame bytes]
 * (the delta is 0 unless the capture cut the frame, or the frame is longer
 * than SF_FUZZ_MAX_LEN and was cut here), and for each TCP header with
 * options, captured whole and not inside a tunnel, into OUTDIR_OPTS,
 *   [0: whole header captured] [option bytes]
 * Seeds are named by a 64-bit FNV-1a hash of their contents, so running it
 * twice, or on two copies of one trace, adds nothing. At most SEEDS_PER_FILE
 * distinct seeds of each kind come from one file, the first ones in it.
 * Files that are not captures, or whose link type the decoder does not take,
 * are counted and skipped. Exits 1 only when a seed cannot be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode/frame.h"
#include "fuzz/dlts.h"

#define SEEDS_PER_FILE 200

/* The distinct seeds of one kind taken from the current file. */
struct kind {
	const char *dir;
	uint64_t seen[SEEDS_PER_FILE];
	size_t nseen;
	unsigned long written, existing; /* over all files */
};

struct tally {
	unsigned long files, not_capture, unsupported, damaged, frames;
};

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* Writes p[0..n) as k->dir/<hash> unless this file gave it already or
 * gave its quota. Returns false only when the seed could not be written. */
static bool put(struct kind *k, const uint8_t *p, size_t n)
{
	char path[4096];
	uint64_t h = fnv1a(p, n);
	bool ok = false;
	int fd = -1;

	for (size_t i = 0; i < k->nseen; i++)
		if (k->seen[i] == h)
			return true;
	if (k->nseen == SEEDS_PER_FILE)
		return true;
	k->seen[k->nseen++] = h;

	if (snprintf(path, sizeof(path), "%s/%016" PRIx64, k->dir, h) >= (int)sizeof(path)) {
		fprintf(stderr, "seed: %s: path too long\n", k->dir);
		return false;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 && errno == EEXIST) {
		k->existing++;
		return true;
	}
	if (fd < 0) {
		fprintf(stderr, "seed: %s: %s\n", path, strerror(errno));
		return false;
	}
	if (write(fd, p, n) != (ssize_t)n) {
		fprintf(stderr, "seed: %s: %s\n", path, strerror(errno ? errno : EIO));
		(void)unlink(path); /* a short seed under a hash name would lie */
		goto out;
	}
	k->written++;
	ok = true;
out:
	if (close(fd) != 0 && ok) {
		fprintf(stderr, "seed: %s: %s\n", path, strerror(errno));
		ok = false;
	}
	return ok;
}

/* One frame: its fuzz_frame seed, then its option bytes if it has any. */
static bool frame(struct kind *fr, struct kind *op, int idx, const struct pcap_pkthdr *h,
		  const uint8_t *data)
{
	uint8_t buf[SF_FUZZ_MAX_LEN];
	struct sf_frame f;
	size_t caplen = h->caplen, wirelen = h->len, n = 0, l4off = 0, delta = 0;

	if (caplen > wirelen)
		caplen = wirelen;
	n = caplen < sizeof(buf) - 3 ? caplen : sizeof(buf) - 3;
	delta = wirelen - n > 0xffff ? 0xffff : wirelen - n;
	buf[0] = (uint8_t)idx;
	buf[1] = (uint8_t)(delta >> 8);
	buf[2] = (uint8_t)delta;
	memcpy(buf + 3, data, n);
	if (fr->nseen < SEEDS_PER_FILE && !put(fr, buf, n + 3))
		return false;

	if (op->nseen == SEEDS_PER_FILE)
		return true;
	memset(&f, 0, sizeof(f));
	(void)sf_dec_frame(sf_fuzz_dlts[idx], data, caplen, wirelen, &f);
	/* Without a tunnel the TCP header follows the IP header; inside one,
	 * frame.h does not say where it is, so those frames give no options. */
	if (f.kind != SF_FRAME_TCP || f.tunnel != SF_TUNNEL_NONE || f.tcp.hlen <= SF_TCP_HDR_MIN)
		return true;
	l4off = f.link.l3_off + f.ip.hlen;
	if (l4off > caplen || caplen - l4off < f.tcp.hlen)
		return true; /* options not all captured */
	buf[0] = 0;
	memcpy(buf + 1, data + l4off + SF_TCP_HDR_MIN, f.tcp.hlen - SF_TCP_HDR_MIN);
	return put(op, buf, 1 + (size_t)f.tcp.hlen - SF_TCP_HDR_MIN);
}

static bool file(const char *name, struct kind *fr, struct kind *op, struct tally *t)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h = NULL;
	const uint8_t *data = NULL;
	pcap_t *pc = NULL;
	bool ok = true;
	int idx = -1, rc = 0;

	fr->nseen = 0;
	op->nseen = 0;
	pc = pcap_open_offline(name, err);
	if (pc == NULL) {
		t->not_capture++;
		return true;
	}
	t->files++;
	idx = sf_fuzz_dlt_index(pcap_datalink(pc));
	if (idx < 0) {
		t->unsupported++;
		goto out;
	}
	while (fr->nseen < SEEDS_PER_FILE || op->nseen < SEEDS_PER_FILE) {
		rc = pcap_next_ex(pc, &h, &data);
		if (rc != 1)
			break;
		t->frames++;
		if (!frame(fr, op, idx, h, data)) {
			ok = false;
			goto out;
		}
	}
	if (rc == PCAP_ERROR)
		t->damaged++; /* what came before it is seeded */
out:
	pcap_close(pc);
	return ok;
}

int main(int argc, char **argv)
{
	struct kind fr = { 0 }, op = { 0 };
	struct tally t = { 0 };
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: seed OUTDIR_FRAME OUTDIR_OPTS FILE...\n");
		return 2;
	}
	fr.dir = argv[1];
	op.dir = argv[2];
	for (int i = 1; i <= 2; i++)
		if (mkdir(argv[i], 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "seed: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
	for (int i = 3; i < argc; i++)
		if (!file(argv[i], &fr, &op, &t)) {
			rc = 1;
			break;
		}
	printf("seed: %lu captures (%lu frames read; %lu unsupported link, %lu damaged), "
	       "%lu not captures; frame seeds %lu new + %lu present, "
	       "option seeds %lu new + %lu present\n",
	       t.files, t.frames, t.unsupported, t.damaged, t.not_capture, fr.written, fr.existing,
	       op.written, op.existing);
	return rc;
}
