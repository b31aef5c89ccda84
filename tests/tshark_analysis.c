/* tests/tshark_analysis.c: synfin's streams and sequence analysis against tshark's, frame by frame.
 *
 * usage: tshark_analysis CORPUS_DIR DIFFERENCES_TSV FLAGS_DIR|- FILE...
 *
 * Each FILE (relative to CORPUS_DIR) runs through synfin's pipeline as the
 * program runs it: the file reader, sf_dec_frame(), and one tracker with the
 * default settings of config.h. Every row of CORPUS_DIR/oracle/FILE.tsv
 * (tshark 4.0.17) whose frame synfin tracked is compared on tcp.stream,
 * tcp.completeness and the analysis flags. The oracle holds four flags
 * (retransmission, out_of_order, duplicate_ack, reused_ports); FLAGS_DIR, made
 * by tests/tshark.sh with tshark itself, holds FLAGS_DIR/FILE.tsv with every
 * flag and the duplicate-ACK number ("-": the oracle's fields only).
 *
 * Rows not compared are counted by reason: TCP quoted in an ICMP error, two
 * TCP layers in one frame, or a frame synfin does not track (a tunnel it does
 * not open, an IP fragment of a tunnel, an unsupported link type). A
 * mismatch is allowed only when DIFFERENCES_TSV lists it (file, frame or *,
 * field or *, reason); the run fails on any other and prints the agreement.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/source.h"
#include "config.h"
#include "decode/frame.h"
#include "decode/seqan.h"
#include "decode/track.h"
#include "tests/allowlist.h"

#define MAX_COLS 64
#define LINE_LEN 8192

#define NFIELDS 32 /* distinct field names counted apart, at most */

struct totals {
	uint64_t files, rows, compared, values, mismatches, listed;
	uint64_t skip_icmp, skip_layers, skip_untracked, extra, oracle_vs_tshark;
	uint64_t same_number, split, merged, nomem;
	const char *field[NFIELDS]; /* mismatches by field, in order of first one */
	uint64_t by_field[NFIELDS];
};

/* tshark's analysis fields, in the order of its check (spec section 5). The
 * first four are also in the oracle. */
static const struct {
	const char *field; /* tshark's field name */
	uint32_t notes;    /* the SF_NOTE_* bits that make tshark show it */
	bool in_oracle;
} flag_fields[] = {
	{ "tcp.analysis.reused_ports", SF_NOTE_REUSED_PORTS, true },
	{ "tcp.analysis.retransmission", SF_NOTE_RETRANSMISSIONS, true },
	{ "tcp.analysis.out_of_order", SF_NOTE_OUT_OF_ORDER, true },
	{ "tcp.analysis.duplicate_ack", SF_NOTE_DUPLICATE_ACK, true },
	{ "tcp.analysis.zero_window_probe", SF_NOTE_ZERO_WINDOW_PROBE, false },
	{ "tcp.analysis.zero_window", SF_NOTE_ZERO_WINDOW, false },
	{ "tcp.analysis.lost_segment", SF_NOTE_LOST_SEGMENT, false },
	{ "tcp.analysis.keep_alive", SF_NOTE_KEEP_ALIVE, false },
	{ "tcp.analysis.window_update", SF_NOTE_WINDOW_UPDATE, false },
	{ "tcp.analysis.window_full", SF_NOTE_WINDOW_FULL, false },
	{ "tcp.analysis.keep_alive_ack", SF_NOTE_KEEP_ALIVE_ACK, false },
	{ "tcp.analysis.zero_window_probe_ack", SF_NOTE_ZERO_WINDOW_PROBE_ACK, false },
	{ "tcp.analysis.ack_lost_segment", SF_NOTE_ACK_LOST_SEGMENT, false },
	{ "tcp.analysis.spurious_retransmission", SF_NOTE_SPURIOUS_RETRANSMISSION, false },
	{ "tcp.analysis.fast_retransmission", SF_NOTE_FAST_RETRANSMISSION, false },
};
#define NFLAGS (sizeof(flag_fields) / sizeof(flag_fields[0]))
_Static_assert(NFLAGS == SF_NOTE_BITS, "one field for each note");

/* One tshark table (the oracle, or tshark.sh's flags), read row by row. */
struct table {
	FILE *f;
	char line[LINE_LEN];
	char *col[MAX_COLS];
	int ncol;
	char *hdr[MAX_COLS];
	char hdrbuf[LINE_LEN];
	int nhdr;
	uint64_t frame; /* of the current row; 0 at the end */
};

static bool table_open(struct table *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->f = fopen(path, "r");
	if (t->f == NULL || fgets(t->hdrbuf, sizeof(t->hdrbuf), t->f) == NULL)
		return false;
	t->nhdr = split(t->hdrbuf, t->hdr, MAX_COLS);
	return true;
}

static void table_next(struct table *t)
{
	t->frame = 0;
	if (t->f != NULL && fgets(t->line, sizeof(t->line), t->f) != NULL) {
		t->ncol = split(t->line, t->col, MAX_COLS);
		t->frame = strtoull(t->col[0], NULL, 10);
	}
}

static void table_close(struct table *t)
{
	if (t->f != NULL)
		fclose(t->f);
	t->f = NULL;
}

/* The value of column `name` in the current row; "" when absent. */
static const char *cell(const struct table *t, const char *name)
{
	for (int i = 0; i < t->nhdr; i++)
		if (strcmp(t->hdr[i], name) == 0)
			return i < t->ncol ? t->col[i] : "";
	return "";
}

static bool has_token(const char *protos, const char *tok)
{
	size_t n = strlen(tok);
	for (const char *p = protos; (p = strstr(p, tok)) != NULL; p += n)
		if ((p == protos || p[-1] == ':') && (p[n] == ':' || p[n] == '\0'))
			return true;
	return false;
}

/* Which synfin stream each tshark stream is paired with, and back (index + 1;
 * 0 = not yet seen). */
struct pairing {
	uint32_t *t2s, *s2t;
	size_t nt, ns;
};

struct cmp {
	const char *file;
	uint64_t frame;
	struct totals *tot;
	struct allowlist *al;
	struct pairing pair;
};

static void value(struct cmp *c, const char *field, const char *want, const char *got)
{
	c->tot->values++;
	if (strcmp(want, got) == 0)
		return;
	c->tot->mismatches++;
	for (size_t i = 0; i < NFIELDS; i++)
		if (c->tot->field[i] == NULL || strcmp(c->tot->field[i], field) == 0) {
			c->tot->field[i] = field; /* a string literal */
			c->tot->by_field[i]++;
			break;
		}
	if (is_allowed(c->al, c->file, c->frame, field)) {
		c->tot->listed++;
		return;
	}
	printf("DIFF %s frame %" PRIu64 " %s: tshark '%s', synfin '%s'\n", c->file, c->frame, field,
	       want, got);
}

static void value_u(struct cmp *c, const char *field, const char *want, uint64_t v)
{
	char got[32];
	snprintf(got, sizeof(got), "%" PRIu64, v);
	value(c, field, want, got);
}

/* A flag column holds "1" (or "1,1": tshark prints duplicate_ack twice)
 * when the field is present. */
static const char *flag_text(const char *v)
{
	return v[0] != '\0' ? "1" : "";
}

/* Grows *v to hold index i, zeroing the new part. */
static bool fit(uint32_t **v, size_t *n, size_t i)
{
	size_t m = *n ? *n : 64;
	uint32_t *p = NULL;
	if (i < *n)
		return true;
	while (m <= i)
		m *= 2;
	p = realloc(*v, m * sizeof(**v));
	if (p == NULL)
		return false;
	memset(p + *n, 0, (m - *n) * sizeof(*p));
	*v = p;
	*n = m;
	return true;
}

/* tcp.stream, compared as the streams' identity: the frames fall into the
 * same streams, begun in the same order. Comparing the bare numbers would
 * make every later frame of a file differ once one stream differs (and tshark
 * also numbers streams in frames synfin does not track: TCP quoted in ICMP,
 * tunnels it does not open). One difference is counted where synfin begins a
 * stream inside one of tshark's (split) or carries one on across tshark's new
 * stream (merge); the equal numbers are counted apart. */
static void compare_stream(struct cmp *c, const char *want, uint32_t got)
{
	uint32_t t = (uint32_t)strtoul(want, NULL, 10);
	char w[64], g[64];
	uint32_t had_s = 0, had_t = 0;

	c->tot->same_number += t == got;
	if (!fit(&c->pair.t2s, &c->pair.nt, t) || !fit(&c->pair.s2t, &c->pair.ns, got)) {
		c->tot->nomem++;
		return;
	}
	had_s = c->pair.t2s[t];
	had_t = c->pair.s2t[got];
	c->pair.t2s[t] = got + 1;
	c->pair.s2t[got] = t + 1;
	if ((had_s == 0 || had_s == got + 1) && (had_t == 0 || had_t == t + 1)) {
		value(c, "tcp.stream", want, want); /* the same stream */
		return;
	}
	if (had_s != 0 && had_s != got + 1)
		c->tot->split++;
	else
		c->tot->merged++;
	snprintf(w, sizeof(w), "%s%s", want, had_s ? " goes on" : " begins");
	snprintf(g, sizeof(g), "%" PRIu32 "%s", got, had_t ? " goes on" : " begins");
	value(c, "tcp.stream", w, g);
}

static void compare_row(struct cmp *c, const struct table *oracle, const struct table *flags,
			const struct sf_seg_info *si)
{
	uint32_t notes = si->an.notes;

	compare_stream(c, cell(oracle, "tcp.stream"), si->conn->stream);
	value_u(c, "tcp.completeness", cell(oracle, "tcp.completeness"), si->an.completeness);
	for (size_t i = 0; i < NFLAGS; i++) {
		const char *name = flag_fields[i].field, *want = NULL;
		if (flags != NULL) {
			want = flag_text(cell(flags, name));
			/* The local tshark must read the file as the oracle's did. */
			if (flag_fields[i].in_oracle &&
			    strcmp(want, flag_text(cell(oracle, name))) != 0) {
				c->tot->oracle_vs_tshark++;
				printf("ORACLE %s frame %" PRIu64
				       " %s: oracle '%s', this tshark '%s'\n",
				       c->file, c->frame, name, flag_text(cell(oracle, name)),
				       want);
			}
		} else if (flag_fields[i].in_oracle) {
			want = flag_text(cell(oracle, name));
		} else {
			continue;
		}
		value(c, name, want, (notes & flag_fields[i].notes) ? "1" : "");
	}
	if (flags != NULL) {
		char got[32] = "";
		if (notes & SF_NOTE_DUPLICATE_ACK)
			snprintf(got, sizeof(got), "%" PRIu32, si->an.dupack);
		value(c, "tcp.analysis.duplicate_ack_num",
		      cell(flags, "tcp.analysis.duplicate_ack_num"), got);
	}
}

/* Whether a field of the differences list was compared in this run: without
 * tshark's own output, only the oracle's. */
static bool compared_field(const char *field, bool have_flags)
{
	if (have_flags || strncmp(field, "tcp.analysis.", 13) != 0)
		return true;
	for (size_t i = 0; i < NFLAGS; i++)
		if (flag_fields[i].in_oracle && strcmp(field, flag_fields[i].field) == 0)
			return true;
	return false;
}

static int64_t pkt_ns(const struct sf_pkt *p)
{
	int64_t frac = p->frac_digits == 9 ? (int64_t)p->frac : (int64_t)p->frac * 1000;
	return p->sec * 1000000000 + frac;
}

static int run_file(const char *dir, const char *flagdir, const char *file, struct totals *tot,
		    struct allowlist *al)
{
	char path[1024], perr[SF_SRC_ERRLEN] = "";
	struct table oracle, flags;
	struct sf_src src;
	bool opened = false, have_flags = false;
	struct sf_pkt pkt = { 0 };
	const uint8_t *data = NULL;
	struct sf_frame f;
	struct sf_track *trk = NULL;
	struct sf_track_cfg cfg = { .msl = SF_MSL_DEFAULT_NS,
				    .idle_timeout = SF_IDLE_DEFAULT_NS,
				    .max_conns = SF_MAX_CONNS_DEFAULT };
	struct cmp c = { .file = file, .tot = tot, .al = al };
	int rc = 0;

	memset(&flags, 0, sizeof(flags));
	snprintf(path, sizeof(path), "%s/oracle/%s.tsv", dir, file);
	if (!table_open(&oracle, path)) {
		fprintf(stderr, "tshark_analysis: %s: cannot read the oracle %s\n", file, path);
		rc = 1;
		goto out;
	}
	if (strcmp(flagdir, "-") != 0) {
		snprintf(path, sizeof(path), "%s/%s.tsv", flagdir, file);
		if (!table_open(&flags, path)) {
			fprintf(stderr, "tshark_analysis: %s: cannot read tshark's flags %s\n",
				file, path);
			rc = 1;
			goto out;
		}
		have_flags = true;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	/* Nanosecond time stamps: the analysis compares times as tshark does. */
	opened = sf_src_open_file(&src, path, true, perr, sizeof(perr));
	trk = sf_track_new(&cfg, NULL, NULL);
	if (!opened || trk == NULL) {
		fprintf(stderr, "tshark_analysis: %s: cannot open (%s)\n", file,
			opened ? "out of memory" : perr);
		rc = 1;
		goto out;
	}
	tot->files++;
	table_next(&oracle);
	table_next(&flags);
	while (sf_src_next(&src, &pkt, &data, perr, sizeof(perr)) == SF_SRC_PACKET) {
		struct sf_seg_info si;
		bool tracked = false, row = false;
		int64_t now = pkt_ns(&pkt);

		c.frame = pkt.num;
		(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
		/* What cli/pipe.c does with each frame. */
		if (f.kind == SF_FRAME_TCP)
			tracked = sf_track_seg(trk, &f, now, &si);
		else if (f.kind != SF_FRAME_BROKEN)
			sf_track_advance(trk, now);
		while (have_flags && flags.frame != 0 && flags.frame < pkt.num)
			table_next(&flags);
		while (oracle.frame != 0 && oracle.frame < pkt.num)
			table_next(&oracle); /* cannot be: the oracle's frames are the file's */
		row = oracle.frame == pkt.num;
		if (!row) {
			tot->extra += tracked;
			continue;
		}
		tot->rows++;
		if (has_token(cell(&oracle, "frame.protocols"), "icmp") ||
		    has_token(cell(&oracle, "frame.protocols"), "icmpv6"))
			tot->skip_icmp++;
		else if (strchr(cell(&oracle, "tcp.stream"), ',') != NULL)
			tot->skip_layers++;
		else if (!tracked)
			tot->skip_untracked++;
		else {
			tot->compared++;
			compare_row(&c, &oracle,
				    have_flags && flags.frame == pkt.num ? &flags : NULL, &si);
		}
		table_next(&oracle);
	}
out:
	free(c.pair.t2s);
	free(c.pair.s2t);
	table_close(&oracle);
	table_close(&flags);
	sf_track_free(trk);
	if (opened)
		sf_src_close(&src);
	return rc;
}

int main(int argc, char **argv)
{
	struct totals tot = { 0 };
	struct allowlist *al = calloc(1, sizeof(*al));
	uint64_t unlisted = 0;
	bool have_flags = argc > 3 && strcmp(argv[3], "-") != 0;
	int rc = 0;

	if (argc < 5) {
		fprintf(stderr,
			"usage: tshark_analysis CORPUS_DIR DIFFERENCES_TSV FLAGS_DIR|- FILE...\n");
		free(al);
		return 2;
	}
	if (al == NULL || !load_allowed(al, argv[2], "tshark_analysis")) {
		free(al);
		return 2;
	}
	for (int i = 4; i < argc; i++)
		rc |= run_file(argv[1], argv[3], argv[i], &tot, al);
	unlisted = tot.mismatches - tot.listed;
	printf("tshark analysis: %" PRIu64 " files, %" PRIu64 " tshark TCP rows; %" PRIu64
	       " segments compared, %" PRIu64 " values compared (tcp.stream, tcp.completeness, %s),"
	       " %" PRIu64 " mismatches (%" PRIu64 " listed in %s, %" PRIu64
	       " unlisted); agreement %.4f%%\n",
	       tot.files, tot.rows, tot.compared, tot.values,
	       have_flags ? "15 analysis flags and the dup-ACK number"
			  : "the oracle's 4 analysis flags",
	       tot.mismatches, tot.listed, argv[2], unlisted,
	       tot.values ? 100.0 * (double)(tot.values - tot.mismatches) / (double)tot.values
			  : 100.0);
	printf("tshark analysis: not compared: %" PRIu64
	       " rows of TCP quoted in ICMP errors, %" PRIu64 " rows with two TCP layers, %" PRIu64
	       " rows synfin does not track (tunnels it does"
	       " not open, fragments, link types); %" PRIu64
	       " frames synfin tracks without a tshark"
	       " row\n",
	       tot.skip_icmp, tot.skip_layers, tot.skip_untracked, tot.extra);
	if (tot.mismatches > 0) {
		printf("tshark analysis: mismatches by field:");
		for (size_t i = 0; i < NFIELDS && tot.field[i] != NULL; i++)
			printf(" %s %" PRIu64, tot.field[i], tot.by_field[i]);
		printf("\n");
	}
	printf("tshark analysis: tcp.stream is compared as the streams' identity; the numbers"
	       " themselves are equal on %" PRIu64 " of %" PRIu64 " segments. synfin began a"
	       " connection inside a tshark stream %" PRIu64 " times and carried one across a new"
	       " tshark stream %" PRIu64 " times\n",
	       tot.same_number, tot.compared, tot.split, tot.merged);
	for (size_t i = 0; i < al->n; i++)
		if (!al->e[i].used && compared_field(al->e[i].field, have_flags))
			printf("tshark analysis: note: listed difference no longer seen: %s "
			       "%" PRIu64 " %s\n",
			       al->e[i].file, al->e[i].frame, al->e[i].field);
	free(al);
	if (tot.nomem > 0) {
		printf("tshark analysis: FAIL: out of memory for %" PRIu64 " stream comparisons\n",
		       tot.nomem);
		rc = 1;
	}
	if (tot.oracle_vs_tshark > 0) {
		printf("tshark analysis: FAIL: the installed tshark disagrees with the oracle on "
		       "%" PRIu64 " values (a version other than 4.0?)\n",
		       tot.oracle_vs_tshark);
		rc = 1;
	}
	if (unlisted > 0) {
		printf("tshark analysis: FAIL: %" PRIu64 " unlisted differences\n", unlisted);
		rc = 1;
	}
	return rc;
}
