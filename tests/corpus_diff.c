/* tests/corpus_diff.c: synfin's decoder against tshark's oracle, field by field.
 *
 * usage: corpus_diff CORPUS_DIR DIFFERENCES_TSV FILE...
 * Each FILE is a capture path relative to CORPUS_DIR with an oracle at
 * CORPUS_DIR/oracle/FILE.tsv (see shared/corpus/oracle/README.md).
 *
 * Rows compared: TCP carried directly in IP (no IP or UDP tunnel, no ICMP
 * quote) on a link type we decode. Every other oracle row is counted by the
 * reason it was skipped. A mismatch is allowed only when DIFFERENCES_TSV
 * lists it (file, frame or *, field or *, reason); the run fails on any other
 * and prints the agreement figure either way.
 */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/source.h"
#include "decode/frame.h"
#include "tests/allowlist.h"

#define MAX_COLS 64

struct totals {
	uint64_t files, rows, compared, fields, mismatches, listed;
	uint64_t skip_tunnel, skip_link, extra, extra_listed, tunnelled;
};

static int count_tokens(const char *protos, const char *tok)
{
	char buf[512];
	int n = 0;
	snprintf(buf, sizeof(buf), "%s", protos);
	for (char *save = NULL, *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save))
		n += strcmp(t, tok) == 0;
	return n;
}

/* tshark's frame.protocols for TCP directly in IP: link tokens, then one
 * IP layer (with IPv6 extension headers), then tcp. */
static bool direct_tcp(const char *protos)
{
	static const char *const linkish[] = {
		"eth",          "ethertype",    "vlan",         "llc",    "sll",  "null",
		"loop",         "raw",          "ppp",          "pppoes", "mpls", "fddi",
		"ipoib",        "arcnet",       "nflog",        "ip",     "ipv6", "ipv6.hopopts",
		"ipv6.routing", "ipv6.fraghdr", "ipv6.dstopts", "ah",
	};
	char buf[512];
	int ips = 0;
	snprintf(buf, sizeof(buf), "%s", protos);
	for (char *save = NULL, *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		bool ok = false;
		if (strcmp(t, "tcp") == 0)
			return ips == 1;
		for (size_t i = 0; i < sizeof(linkish) / sizeof(linkish[0]); i++)
			if (strcmp(t, linkish[i]) == 0)
				ok = true;
		if (!ok)
			return false;
		if (strcmp(t, "ip") == 0 || strcmp(t, "ipv6") == 0)
			ips++;
	}
	return false;
}

struct cmp {
	const char *file;
	uint64_t frame;
	struct totals *tot;
	struct allowlist *al;
	int printed;
};

static void mismatch(struct cmp *c, const char *field, const char *want, const char *got)
{
	c->tot->mismatches++;
	if (is_allowed(c->al, c->file, c->frame, field)) {
		c->tot->listed++;
		return;
	}
	printf("DIFF %s frame %" PRIu64 " %s: tshark '%s', synfin '%s'\n", c->file, c->frame, field,
	       want, got);
}

static void field_str(struct cmp *c, const char *field, const char *want, const char *got)
{
	c->tot->fields++;
	if (strcmp(want, got) != 0)
		mismatch(c, field, want, got);
}

static void field_u(struct cmp *c, const char *field, const char *want, bool have, uint64_t v)
{
	char got[32] = "";
	if (have)
		snprintf(got, sizeof(got), "%" PRIu64, v);
	field_str(c, field, want, got);
}

static void field_hex(struct cmp *c, const char *field, const char *want, uint32_t v)
{
	char got[16];
	snprintf(got, sizeof(got), "0x%04x", v);
	field_str(c, field, want, got);
}

static void addr_text(const struct sf_ip *ip, const uint8_t *a, char *out, size_t n)
{
	if (ip->ver == 4)
		snprintf(out, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

enum col {
	C_FRAME,
	C_IPSRC,
	C_IP6SRC,
	C_SPORT,
	C_IPDST,
	C_IP6DST,
	C_DPORT,
	C_SEQ,
	C_ACK,
	C_FLAGS,
	C_WIN,
	C_LEN,
	C_HLEN,
	C_SUM,
	C_URP,
	C_MSS,
	C_WS,
	C_SACKPERM,
	C_TSVAL,
	C_TSECR,
	C_KINDS,
	C_SACKLE,
	C_SACKRE,
	C_PROTOS,
	C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
	"frame.number",
	"ip.src",
	"ipv6.src",
	"tcp.srcport",
	"ip.dst",
	"ipv6.dst",
	"tcp.dstport",
	"tcp.seq_raw",
	"tcp.ack_raw",
	"tcp.flags",
	"tcp.window_size_value",
	"tcp.len",
	"tcp.hdr_len",
	"tcp.checksum",
	"tcp.urgent_pointer",
	"tcp.options.mss_val",
	"tcp.options.wscale.shift",
	"tcp.options.sack_perm",
	"tcp.options.timestamp.tsval",
	"tcp.options.timestamp.tsecr",
	"tcp.option_kind",
	"tcp.options.sack_le",
	"tcp.options.sack_re",
	"frame.protocols",
};

/* tshark lists every zero byte after End of Option List as one more EOL;
 * RFC 9293 section 3.2 calls them padding, and synfin records one EOL. So a
 * trailing run "0,0,0" compares as "0". Non-zero bytes after EOL are left
 * alone and would show as a difference. */
static const char *eol_padding_as_one(char *kinds)
{
	size_t n = strlen(kinds);
	while (n >= 4 && strcmp(kinds + n - 4, ",0,0") == 0) {
		kinds[n - 2] = '\0';
		n -= 2;
	}
	if (strcmp(kinds, "0,0") == 0)
		kinds[1] = '\0';
	return kinds;
}

/* The last value of a comma-joined list: in a tunnel, tshark's inner one. */
static const char *last_value(const char *s)
{
	const char *comma = strrchr(s, ',');
	return comma ? comma + 1 : s;
}

static void compare_row(struct cmp *c, char **v, const struct sf_frame *f)
{
	const struct sf_tcp *t = &f->tcp;
	char buf[512];
	size_t off = 0;

	addr_text(&f->ip, f->ip.src, buf, sizeof(buf));
	field_str(c, "src", last_value(f->ip.ver == 4 ? v[C_IPSRC] : v[C_IP6SRC]), buf);
	addr_text(&f->ip, f->ip.dst, buf, sizeof(buf));
	field_str(c, "dst", last_value(f->ip.ver == 4 ? v[C_IPDST] : v[C_IP6DST]), buf);
	field_u(c, "tcp.srcport", v[C_SPORT], true, t->sport);
	field_u(c, "tcp.dstport", v[C_DPORT], true, t->dport);
	field_u(c, "tcp.seq_raw", v[C_SEQ], true, t->seq);
	field_u(c, "tcp.ack_raw", v[C_ACK], true, t->ack);
	field_hex(c, "tcp.flags", v[C_FLAGS], t->flags);
	field_u(c, "tcp.window_size_value", v[C_WIN], true, t->win);
	/* A first fragment's segment length is unknown; neither tool gives one. */
	field_u(c, "tcp.len", v[C_LEN], !f->ip.mf, t->paylen);
	field_u(c, "tcp.hdr_len", v[C_HLEN], true, t->hlen);
	field_hex(c, "tcp.checksum", v[C_SUM], t->sum);
	field_u(c, "tcp.urgent_pointer", v[C_URP], true, t->urp);
	field_u(c, "tcp.options.mss_val", v[C_MSS], t->has & SF_TCP_HAS_MSS, t->mss);
	field_u(c, "tcp.options.wscale.shift", v[C_WS], t->has & SF_TCP_HAS_WS, t->wscale);
	field_str(c, "tcp.options.sack_perm", v[C_SACKPERM][0] ? "present" : "",
		  t->has & SF_TCP_HAS_SACKOK ? "present" : "");
	field_u(c, "tcp.options.timestamp.tsval", v[C_TSVAL], t->has & SF_TCP_HAS_TS, t->tsval);
	field_u(c, "tcp.options.timestamp.tsecr", v[C_TSECR], t->has & SF_TCP_HAS_TS, t->tsecr);
	buf[0] = '\0';
	for (unsigned i = 0; i < t->nopt && off < sizeof(buf) - 8; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u", i ? "," : "",
					t->opt[i].kind);
	field_str(c, "tcp.option_kind", eol_padding_as_one(v[C_KINDS]), buf);
	for (int side = 0; side < 2; side++) {
		off = 0;
		buf[0] = '\0';
		for (unsigned i = 0; (t->has & SF_TCP_HAS_SACK) && i < t->nsack; i++)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%" PRIu32,
						i ? "," : "", side ? t->sack_re[i] : t->sack_le[i]);
		field_str(c, side ? "tcp.options.sack_re" : "tcp.options.sack_le",
			  v[side ? C_SACKRE : C_SACKLE], buf);
	}
}

/* Frames we decode as TCP that tshark has no row for are "extra". */
static void count_extra(struct cmp *c, const struct sf_frame *f)
{
	if (f->kind == SF_FRAME_TCP) { /* unsupported link types never get here */
		c->tot->extra++;
		if (is_allowed(c->al, c->file, c->frame, "extra"))
			c->tot->extra_listed++;
		else
			printf("EXTRA %s frame %" PRIu64 ": synfin sees TCP, tshark has no row\n",
			       c->file, c->frame);
	}
}

static int run_file(const char *dir, const char *file, struct totals *tot, struct allowlist *al)
{
	char path[1024], opath[1024], line[8192], perr[SF_SRC_ERRLEN] = "";
	char *col[MAX_COLS];
	int idx[C_NCOLS];
	FILE *o = NULL;
	struct sf_src src;
	bool opened = false;
	struct sf_pkt pkt = { 0 };
	const uint8_t *data = NULL;
	uint64_t pos = 0;
	struct sf_frame f;
	struct cmp c = { .file = file, .tot = tot, .al = al };
	int dlt = 0, n = 0, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	snprintf(opath, sizeof(opath), "%s/oracle/%s.tsv", dir, file);
	o = fopen(opath, "r");
	/* The same reader synfin uses: libpcap, or our pcapng reader. */
	opened = sf_src_open_file(&src, path, false, perr, sizeof(perr));
	if (o == NULL || !opened) {
		fprintf(stderr, "corpus_diff: %s: cannot open capture or oracle (%s)\n", file,
			perr);
		rc = 1;
		goto out;
	}
	tot->files++;
	if (fgets(line, sizeof(line), o) == NULL)
		goto out;
	n = split(line, col, MAX_COLS);
	for (int k = 0; k < C_NCOLS; k++) {
		idx[k] = -1;
		for (int i = 0; i < n; i++)
			if (strcmp(col[i], col_names[k]) == 0)
				idx[k] = i;
		if (idx[k] < 0) {
			fprintf(stderr, "corpus_diff: %s: oracle lacks column %s\n", file,
				col_names[k]);
			rc = 1;
			goto out;
		}
	}
	while (fgets(line, sizeof(line), o) != NULL) {
		char *v[C_NCOLS];
		uint64_t want = 0;
		n = split(line, col, MAX_COLS);
		for (int k = 0; k < C_NCOLS; k++)
			v[k] = idx[k] < n ? col[idx[k]] : "";
		want = strtoull(v[C_FRAME], NULL, 10);
		tot->rows++;
		/* Walk the capture up to the row's frame. */
		while (pos < want) {
			if (sf_src_next(&src, &pkt, &data, perr, sizeof(perr)) != SF_SRC_PACKET)
				break;
			pos++;
			c.frame = pos;
			dlt = pkt.dlt;
			(void)sf_dec_frame(dlt, data, pkt.caplen, pkt.wirelen, &f);
			if (pos < want && sf_link_supported(dlt))
				count_extra(&c, &f);
		}
		c.frame = want;
		if (pos != want) {
			field_str(&c, "frame", v[C_FRAME], "missing from capture");
			continue;
		}
		if (!sf_link_supported(dlt)) {
			tot->skip_link++;
			continue;
		}
		if (!direct_tcp(v[C_PROTOS])) {
			/* Tunnelled: compared when synfin opened the tunnel and tshark
			 * saw one TCP layer in the frame, not a quote in ICMP. */
			if (f.kind != SF_FRAME_TCP || f.tunnel == SF_TUNNEL_NONE ||
			    count_tokens(v[C_PROTOS], "tcp") != 1 ||
			    count_tokens(v[C_PROTOS], "icmp") +
				    count_tokens(v[C_PROTOS], "icmpv6")) {
				tot->skip_tunnel++;
				continue;
			}
			tot->tunnelled++;
		}
		tot->compared++;
		if (f.kind != SF_FRAME_TCP) {
			char got[128];
			snprintf(got, sizeof(got), "%s/%s/%s", sf_frame_kind_name(f.kind),
				 sf_dec_rc_name(f.rc), sf_dec_why_name(f.why));
			field_str(&c, "tcp", "tcp", got);
			continue;
		}
		compare_row(&c, v, &f);
	}
	while (sf_src_next(&src, &pkt, &data, perr, sizeof(perr)) == SF_SRC_PACKET) {
		c.frame = ++pos;
		(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
		count_extra(&c, &f);
	}
out:
	if (o != NULL)
		fclose(o);
	if (opened)
		sf_src_close(&src);
	return rc;
}

int main(int argc, char **argv)
{
	struct totals tot = { 0 };
	struct allowlist *al = calloc(1, sizeof(*al));
	uint64_t unlisted = 0;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: corpus_diff CORPUS_DIR DIFFERENCES_TSV FILE...\n");
		return 2;
	}
	if (al == NULL || !load_allowed(al, argv[2], "corpus_diff")) {
		free(al);
		return 2;
	}
	for (int i = 3; i < argc; i++)
		rc |= run_file(argv[1], argv[i], &tot, al);
	/* A frame tshark does not see as TCP is a difference like any other. */
	unlisted = tot.mismatches - tot.listed + tot.extra - tot.extra_listed;
	printf("corpus: %" PRIu64 " files, %" PRIu64 " tshark TCP rows; %" PRIu64
	       " segments compared, %" PRIu64 " fields compared, %" PRIu64 " mismatches (%" PRIu64
	       " listed in %s, %" PRIu64 " unlisted); agreement %.4f%%\n",
	       tot.files, tot.rows, tot.compared, tot.fields, tot.mismatches, tot.listed, argv[2],
	       unlisted,
	       tot.fields ? 100.0 * (double)(tot.fields - tot.mismatches) / (double)tot.fields
			  : 100.0);
	printf("corpus: of those, %" PRIu64 " segments arrived in tunnels synfin opens (IP-in-IP,"
	       " GRE, ERSPAN, VXLAN, Geneve, GTP-U)\n",
	       tot.tunnelled);
	printf("corpus: not compared: %" PRIu64 " rows in tunnels synfin does not open or quoted"
	       " in ICMP, %" PRIu64 " rows on link types synfin does not decode; %" PRIu64
	       " frames synfin decodes as TCP that tshark does not\n",
	       tot.skip_tunnel, tot.skip_link, tot.extra);
	for (size_t i = 0; i < al->n; i++)
		if (!al->e[i].used)
			printf("corpus: note: listed difference no longer seen: %s %" PRIu64
			       " %s\n",
			       al->e[i].file, al->e[i].frame, al->e[i].field);
	free(al);
	if (unlisted > 0) {
		printf("corpus: FAIL: %" PRIu64 " unlisted differences\n", unlisted);
		rc = 1;
	}
	return rc;
}
