/* tests/zeek_conformance.c: our conn_state and history against Zeek's own conn.log files.
 *
 * usage: zeek_conformance [-d DIFFERENCES_TSV] [BASELINE...]
 *
 * $SHARED/corpus/zeek/baselines/INDEX.tsv (SHARED defaults to ../shared,
 * the repository's sibling) lists each conn.log Zeek's test suite wrote, the
 * traces it read (relative to $SHARED/corpus/zeek) and the flags it ran
 * with. For each conn.log with TCP rows, the traces go through our reader,
 * decoder and tracker as `synfin` reads them, configured as Zeek ran (-C:
 * checksums ignored; -f: the test's capture filter; -b: only the protocol
 * scripts the test loads, which decides the likely_server_ports that flip a
 * connection's roles). Every Zeek connection we end (the tracker's done
 * callback and the Zeek module's splits) is matched to a conn.log row by its
 * endpoints and start time (ts, when the log does not mask it) or, for one
 * pair of endpoints, the order the connections began: conn.log writes a
 * connection when Zeek removes it, and one pair of endpoints has one
 * connection at a time. Rows without endpoints (cut logs)
 * are matched by equal values first, then by the nearest history.
 *
 * A difference is a row whose conn_state, history or originator differs, a
 * row we did not produce, or a connection we produced that Zeek did not log.
 * Each is allowed only when DIFFERENCES_TSV lists it (baseline, row, field,
 * Zeek's value, ours, who is right, why); the run fails on any other, and
 * prints the agreement either way.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/source.h"
#include "decode/frame.h"
#include "decode/track.h"
#include "decode/zeek.h"

#define MAX_COLS    64
#define MAX_ALLOWED 512
#define TXT         128

/* --- the allowed differences ------------------------------------------- */

struct allowed {
	char baseline[TXT], row[TXT], field[32], zeek[TXT], ours[TXT];
	bool used;
};

struct allowlist {
	struct allowed e[MAX_ALLOWED];
	size_t n;
};

/* Splits a tab-separated line in place; returns the number of columns. */
static int split(char *line, char **col, int max)
{
	int n = 0;
	char *p = line;
	line[strcspn(line, "\r\n")] = '\0';
	col[n++] = p;
	for (; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			col[n++] = p + 1;
		}
	return n;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

static bool load_allowed(struct allowlist *al, const char *path)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "zeek: cannot open %s\n", path);
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *col[8];
		struct allowed *a = &al->e[al->n];
		if (line[0] == '#' || line[0] == '\n' || al->n == MAX_ALLOWED)
			continue;
		if (split(line, col, 8) < 7) {
			fprintf(stderr, "zeek: %s: a line needs 7 columns: %s\n", path, col[0]);
			continue;
		}
		copy(a->baseline, sizeof(a->baseline), col[0]);
		copy(a->row, sizeof(a->row), col[1]);
		copy(a->field, sizeof(a->field), col[2]);
		copy(a->zeek, sizeof(a->zeek), col[3]);
		copy(a->ours, sizeof(a->ours), col[4]);
		al->n++;
	}
	fclose(f);
	return true;
}

static bool same(const char *pattern, const char *v)
{
	return strcmp(pattern, "*") == 0 || strcmp(pattern, v) == 0;
}

static bool is_allowed(struct allowlist *al, const char *baseline, const char *row,
		       const char *field, const char *zeek, const char *ours)
{
	for (size_t i = 0; i < al->n; i++) {
		struct allowed *a = &al->e[i];
		if (strcmp(a->baseline, baseline) == 0 && same(a->row, row) &&
		    same(a->field, field) && same(a->zeek, zeek) && same(a->ours, ours)) {
			a->used = true;
			return true;
		}
	}
	return false;
}

/* --- how each test ran Zeek --------------------------------------------- */

/* Without -b Zeek loads every base script and likely_server_ports is the
 * default set. With -b a test loads what it names: the table gives the
 * TCP ports those scripts add, by the baseline's name (first match), and
 * the BPF filter a -f test ran with. */
struct policy {
	const char *prefix;
	const char *ports; /* comma-separated; NULL = Zeek's default set */
	const char *filter;
};

#define HTTP_PORTS "80,81,631,1080,3128,8000,8080,8888"

/* From each test's btest file (testing/btest/... in zeek/zeek): its -f
 * expression and the protocol scripts it @loads. */
static const struct policy policies[] = {
	{ "core.pcap.read-trace-with-filter", NULL, "port 50000" },
	{ "scripts.base.files.mime.mime-content-hash", "25,587", "tcp port 25" },
	{ "scripts.base.protocols.ssh.max-lengths", "22", "port 22" },
	{ "core.tunnels.teredo", HTTP_PORTS, NULL },
	{ "core.tcp.missing-syn", HTTP_PORTS, NULL },
	{ "core.history-flip", HTTP_PORTS, NULL },
	{ "core.local-flip", HTTP_PORTS, NULL },
	{ "core.pcap.dynamic-filter", HTTP_PORTS ",53", NULL },
	{ "scripts.base.frameworks.netcontrol.packetfilter", "25,587,53", NULL },
	{ "scripts.base.protocols.http.", HTTP_PORTS, NULL },
	{ "scripts.base.protocols.ftp.", "21,2811", NULL },
	{ "scripts.base.protocols.ssh.", "22", NULL },
	{ "scripts.base.protocols.smtp.", "25,587", NULL },
	{ "scripts.base.protocols.irc.", "6666,6667,6668,6669", NULL },
	{ "scripts.base.protocols.krb.", "88", NULL },
	{ "scripts.base.protocols.modbus.", "502", NULL },
	{ "scripts.base.protocols.ncp.", "524", NULL }, /* the test adds it */
	{ "scripts.base.protocols.redis.", "6379", NULL },
	{ "scripts.base.protocols.socks.", "1080", NULL },
	{ "scripts.base.protocols.xmpp.", "5222,5269", NULL },
	{ "scripts.base.protocols.websocket.", HTTP_PORTS, NULL },
};

static const struct policy *policy_of(const char *baseline)
{
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (strncmp(baseline, policies[i].prefix, strlen(policies[i].prefix)) == 0)
			return &policies[i];
	return NULL;
}

static bool has_flag(const char *flags, char letter)
{
	/* "-C -b", "-Cr", "-br": single-letter options, possibly bundled. */
	for (const char *p = flags; *p; p++)
		if (*p == '-' && (p == flags || p[-1] == ' '))
			for (const char *q = p + 1; *q && *q != ' '; q++)
				if (*q == letter)
					return true;
	return false;
}

/* --- the connections we produce -------------------------------------------- */

struct zconn {
	char orig_h[INET6_ADDRSTRLEN], resp_h[INET6_ADDRSTRLEN];
	uint16_t orig_p, resp_p;
	int64_t start;
	char history[SF_ZEEK_HIST_MAX + 1];
	char state[8];
	bool used;
};

struct collect {
	struct zconn *c;
	size_t n, cap;
	int64_t *zstart; /* by stream: when its current Zeek connection began */
	size_t nzstart;
	struct zconn split; /* a Zeek connection ended by the current segment */
	bool have_split;
	bool oom;
};

static void addr_text(int ver, const uint8_t *a, char *out, size_t n)
{
	if (ver == 4)
		snprintf(out, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)n);
}

static void fill(struct zconn *zc, const struct sf_zeek *z, int ver, const uint8_t *orig,
		 uint16_t orig_p, const uint8_t *resp, uint16_t resp_p)
{
	memset(zc, 0, sizeof(*zc));
	addr_text(ver, orig, zc->orig_h, sizeof(zc->orig_h));
	addr_text(ver, resp, zc->resp_h, sizeof(zc->resp_h));
	zc->orig_p = orig_p;
	zc->resp_p = resp_p;
	(void)sf_zeek_history(z, zc->history, sizeof(zc->history));
	if (zc->history[0] == '\0')
		copy(zc->history, sizeof(zc->history), "-");
	copy(zc->state, sizeof(zc->state), sf_zeek_conn_state(z));
}

static void push(struct collect *co, const struct zconn *zc)
{
	if (co->n == co->cap) {
		size_t cap = co->cap ? 2 * co->cap : 64;
		struct zconn *c = realloc(co->c, cap * sizeof(*c));
		if (c == NULL) {
			co->oom = true;
			return;
		}
		co->c = c;
		co->cap = cap;
	}
	co->c[co->n++] = *zc;
}

/* The start of stream `stream`'s current Zeek connection. */
static int64_t *zstart_of(struct collect *co, uint32_t stream, int64_t first)
{
	if (stream >= co->nzstart) {
		size_t n = co->nzstart ? co->nzstart : 64;
		int64_t *p = NULL;
		while (n <= stream)
			n *= 2;
		p = realloc(co->zstart, n * sizeof(*p));
		if (p == NULL) {
			co->oom = true;
			return NULL;
		}
		for (size_t i = co->nzstart; i < n; i++)
			p[i] = INT64_MIN;
		co->zstart = p;
		co->nzstart = n;
	}
	if (co->zstart[stream] < first)
		co->zstart[stream] = first;
	return &co->zstart[stream];
}

static void on_done(void *arg, const struct sf_conn *c, const char *why)
{
	struct collect *co = arg;
	struct zconn zc;
	int o = sf_zeek_orig(&c->zeek);
	int64_t *start = zstart_of(co, c->stream, c->first);
	(void)why;
	if (!sf_zeek_started(&c->zeek) || start == NULL)
		return;
	fill(&zc, &c->zeek, c->ver, c->addr[o], c->port[o], c->addr[!o], c->port[!o]);
	zc.start = *start;
	push(co, &zc);
}

static void on_split(void *arg, const struct sf_zeek *z, int dir, const struct sf_frame *f,
		     int64_t now)
{
	struct collect *co = arg;
	/* f came from our role dir; Zeek's originator is our role orig. */
	bool sender_is_orig = sf_zeek_orig(z) == dir;
	const uint8_t *orig = sender_is_orig ? f->ip.src : f->ip.dst;
	const uint8_t *resp = sender_is_orig ? f->ip.dst : f->ip.src;
	fill(&co->split, z, f->ip.ver, orig, sender_is_orig ? f->tcp.sport : f->tcp.dport, resp,
	     sender_is_orig ? f->tcp.dport : f->tcp.sport);
	co->split.start = now; /* replaced by the stream's start once known */
	co->have_split = true;
}

static int64_t pkt_ns(const struct sf_pkt *p)
{
	int64_t frac = p->frac;
	for (int d = p->frac_digits; d < 9; d++)
		frac *= 10;
	return p->sec * 1000000000LL + frac;
}

/* Reads the traces through a tracker configured as Zeek ran. */
static bool run_traces(const char *zdir, const char *traces, const char *flags,
		       const struct policy *pol, struct collect *co)
{
	static uint8_t ports[SF_ZEEK_PORTMAP_BYTES];
	struct sf_track_cfg cfg = { .msl = 30000000000LL,
				    .idle_timeout = 300000000000LL,
				    .max_conns = 1u << 16 };
	struct sf_track *t = NULL;
	char list[1024];
	bool ok = true;

	cfg.zeek.ignore_checksums = has_flag(flags, 'C');
	if (has_flag(flags, 'b')) {
		memset(ports, 0, sizeof(ports));
		for (const char *p = pol && pol->ports ? pol->ports : ""; *p;) {
			char *end = NULL;
			unsigned long v = strtoul(p, &end, 10);
			if (end == p)
				break;
			sf_zeek_ports_add(ports, (uint16_t)v);
			p = *end == ',' ? end + 1 : end;
		}
		cfg.zeek.server_ports = ports;
	}
	cfg.zeek.split = on_split;
	cfg.zeek.split_arg = co;
	t = sf_track_new(&cfg, on_done, co);
	if (t == NULL)
		return false;
	copy(list, sizeof(list), traces);
	for (char *save = NULL, *name = strtok_r(list, ",", &save); name && ok;
	     name = strtok_r(NULL, ",", &save)) {
		char path[2048], err[SF_SRC_ERRLEN] = "";
		struct sf_src src;
		struct sf_pkt pkt;
		const uint8_t *data = NULL;
		snprintf(path, sizeof(path), "%s/%s", zdir, name);
		if (!sf_src_open_file(&src, path, true, err, sizeof(err))) {
			fprintf(stderr, "zeek: %s: %s\n", path, err);
			ok = false;
			break;
		}
		if (pol != NULL && pol->filter != NULL &&
		    !sf_src_set_filter(&src, pol->filter, err, sizeof(err))) {
			fprintf(stderr, "zeek: %s: filter: %s\n", path, err);
			ok = false;
		}
		while (ok && sf_src_next(&src, &pkt, &data, err, sizeof(err)) == SF_SRC_PACKET) {
			struct sf_frame f;
			struct sf_seg_info info;
			int64_t now = pkt_ns(&pkt);
			(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
			if (f.kind != SF_FRAME_TCP)
				continue;
			co->have_split = false;
			if (sf_track_seg(t, &f, now, &info) && co->have_split) {
				int64_t *start = zstart_of(co, info.conn->stream, info.conn->first);
				if (start != NULL) {
					co->split.start = *start;
					*start = now;
					push(co, &co->split);
				}
			}
		}
		sf_src_close(&src);
	}
	sf_track_flush(t);
	sf_track_free(t);
	return ok && !co->oom;
}

/* --- the baseline's rows ---------------------------------------------------- */

struct row {
	char key[TXT];
	int64_t ts; /* start in ns, INT64_MIN when masked (XXXXXXXXXX.XXXXXX) or absent */
	char orig_h[TXT], resp_h[TXT];
	long orig_p, resp_p;
	char history[TXT], state[16];
	struct zconn *match;
};

struct log {
	struct row *r;
	size_t n;
	bool tuple, history, state;
};

/* Services only UDP carries: rows without a proto column that name one
 * are not TCP connections. */
static bool udp_service(const char *s)
{
	static const char *const udp[] = { "dns",    "ntp",   "geneve", "vxlan", "gtpv1",
					   "teredo", "ayiya", "dhcp",   "snmp",  "quic" };
	for (size_t i = 0; i < sizeof(udp) / sizeof(udp[0]); i++)
		if (strcmp(s, udp[i]) == 0)
			return true;
	return false;
}

/* conn.log's "1324071333.493287" in ns; INT64_MIN for the test suite's
 * masked "XXXXXXXXXX.XXXXXX". */
static int64_t parse_ts(const char *v)
{
	char *end = NULL;
	long long sec = strtoll(v, &end, 10);
	int64_t ns = 0, scale = 100000000;
	if (end == v || (*end != '.' && *end != '\0'))
		return INT64_MIN;
	if (*end == '.')
		for (const char *p = end + 1; *p >= '0' && *p <= '9' && scale > 0; p++) {
			ns += (*p - '0') * scale;
			scale /= 10;
		}
	return (int64_t)sec * 1000000000LL + ns;
}

static int col_of(char **names, int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], want) == 0)
			return i;
	return -1;
}

static bool read_log(const char *path, struct log *lg)
{
	char line[8192], head[8192] = "";
	char *names[MAX_COLS];
	int nnames = 0, c_uid, c_oh, c_op, c_rh, c_rp, c_proto, c_hist, c_state, c_service, c_ts;
	size_t cap = 0, rowno = 0;
	FILE *f = fopen(path, "r");

	memset(lg, 0, sizeof(*lg));
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *v[MAX_COLS];
		int n = 0;
		struct row *r = NULL;
		if (strncmp(line, "#fields\t", 8) == 0) {
			copy(head, sizeof(head), line + 8);
			nnames = split(head, names, MAX_COLS);
			continue;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nnames == 0) { /* a cut log: its first line names the columns */
			copy(head, sizeof(head), line);
			nnames = split(head, names, MAX_COLS);
			continue;
		}
		n = split(line, v, MAX_COLS);
		rowno++;
		c_uid = col_of(names, nnames, "uid");
		c_oh = col_of(names, nnames, "id.orig_h");
		c_op = col_of(names, nnames, "id.orig_p");
		c_rh = col_of(names, nnames, "id.resp_h");
		c_rp = col_of(names, nnames, "id.resp_p");
		c_proto = col_of(names, nnames, "proto");
		c_hist = col_of(names, nnames, "history");
		c_state = col_of(names, nnames, "conn_state");
		c_service = col_of(names, nnames, "service");
		c_ts = col_of(names, nnames, "ts");
		if (c_proto >= 0 && (c_proto >= n || strcmp(v[c_proto], "tcp") != 0))
			continue;
		if (c_proto < 0 && c_service >= 0 && c_service < n && udp_service(v[c_service]))
			continue;
		lg->tuple = c_oh >= 0 && c_op >= 0 && c_rh >= 0 && c_rp >= 0;
		lg->history = c_hist >= 0;
		lg->state = c_state >= 0;
		if (lg->n == cap) {
			struct row *p = realloc(lg->r, (cap ? 2 * cap : 16) * sizeof(*p));
			if (p == NULL)
				break;
			lg->r = p;
			cap = cap ? 2 * cap : 16;
		}
		r = &lg->r[lg->n++];
		memset(r, 0, sizeof(*r));
		if (c_uid >= 0 && c_uid < n)
			copy(r->key, sizeof(r->key), v[c_uid]);
		else
			snprintf(r->key, sizeof(r->key), "#%zu", rowno);
		if (lg->tuple && c_rp < n && c_oh < n) {
			copy(r->orig_h, sizeof(r->orig_h), v[c_oh]);
			copy(r->resp_h, sizeof(r->resp_h), v[c_rh]);
			r->orig_p = strtol(v[c_op], NULL, 10);
			r->resp_p = strtol(v[c_rp], NULL, 10);
		}
		r->ts = c_ts >= 0 && c_ts < n ? parse_ts(v[c_ts]) : INT64_MIN;
		copy(r->history, sizeof(r->history), lg->history && c_hist < n ? v[c_hist] : "");
		copy(r->state, sizeof(r->state), lg->state && c_state < n ? v[c_state] : "");
	}
	fclose(f);
	return true;
}

/* --- matching and comparing ----------------------------------------------- */

struct totals {
	uint64_t files, rows, agree, diffs, listed, missing_unlisted;
	uint64_t with_history, with_state;
};

static bool same_pair(const struct row *r, const struct zconn *c)
{
	return (strcmp(r->orig_h, c->orig_h) == 0 && r->orig_p == c->orig_p &&
		strcmp(r->resp_h, c->resp_h) == 0 && r->resp_p == c->resp_p) ||
	       (strcmp(r->orig_h, c->resp_h) == 0 && r->orig_p == c->resp_p &&
		strcmp(r->resp_h, c->orig_h) == 0 && r->resp_p == c->orig_p);
}

static int by_start(const void *a, const void *b)
{
	const struct zconn *x = a, *y = b;
	return (x->start > y->start) - (x->start < y->start);
}

static bool values_equal(const struct log *lg, const struct row *r, const struct zconn *c)
{
	return (!lg->history || strcmp(r->history, c->history) == 0) &&
	       (!lg->state || strcmp(r->state, c->state) == 0);
}

/* Edit distance between two short strings. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[TXT + 1];
	if (la > TXT || lb > TXT)
		return la > lb ? la : lb;
	for (size_t j = 0; j <= lb; j++)
		d[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = d[0];
		d[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = d[j], best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			diag = up;
			d[j] = best;
		}
	}
	return d[lb];
}

/* Whether one of our unused connections on r's endpoints began within 1 us
 * of r's ts: then only that one may match r. */
static bool started_near(const struct collect *co, const struct row *r)
{
	for (size_t k = 0; k < co->n; k++)
		if (!co->c[k].used && same_pair(r, &co->c[k]) &&
		    llabs(co->c[k].start - r->ts) <= 1000)
			return true;
	return false;
}

/* Pairs rows with connections. With endpoints: the same pair, in the order
 * they began. Without: equal values first, then the nearest history. */
static void match(struct log *lg, struct collect *co)
{
	if (co->n > 0)
		qsort(co->c, co->n, sizeof(co->c[0]), by_start);
	for (int pass = lg->tuple ? 2 : 0; pass < 3; pass++)
		for (size_t i = 0; i < lg->n; i++) {
			struct row *r = &lg->r[i];
			struct zconn *best = NULL;
			size_t best_cost = SIZE_MAX;
			for (size_t k = 0; k < co->n && r->match == NULL; k++) {
				struct zconn *c = &co->c[k];
				size_t cost = 0;
				if (c->used)
					continue;
				if (pass == 2) { /* endpoints, and the start when known */
					if (!same_pair(r, c) ||
					    (r->ts != INT64_MIN && llabs(c->start - r->ts) > 1000 &&
					     started_near(co, r)))
						continue;
				} else if (pass == 0) {
					if (!values_equal(lg, r, c))
						continue;
				} else {
					cost = distance(r->history, c->history) +
					       (lg->state && strcmp(r->state, c->state) != 0);
				}
				if (cost < best_cost) {
					best = c;
					best_cost = cost;
				}
				if (pass != 1)
					break;
			}
			if (best != NULL && r->match == NULL) {
				best->used = true;
				r->match = best;
			}
		}
}

struct cmp {
	const char *baseline;
	struct allowlist *al;
	struct totals *tot;
	bool row_listed;
	int ndiff;
};

static void report(struct cmp *cm, const char *row, const char *field, const char *zeek,
		   const char *ours)
{
	bool listed = is_allowed(cm->al, cm->baseline, row, field, zeek, ours);
	cm->ndiff++;
	if (!listed) {
		cm->row_listed = false;
		printf("zeek: DIFF %s %s %s: zeek '%s', synfin '%s'\n", cm->baseline, row, field,
		       zeek, ours);
	}
}

static void compare(const char *baseline, struct log *lg, struct collect *co, struct allowlist *al,
		    struct totals *tot)
{
	struct cmp cm = { .baseline = baseline, .al = al, .tot = tot };
	uint64_t agree = 0, diffs = 0;

	match(lg, co);
	for (size_t i = 0; i < lg->n; i++) {
		struct row *r = &lg->r[i];
		struct zconn *c = r->match;
		cm.row_listed = true;
		cm.ndiff = 0;
		if (c == NULL) {
			report(&cm, r->key, "missing", lg->history ? r->history : "?", "-");
		} else {
			char zo[TXT + 8], so[TXT + 8];
			if (lg->tuple) {
				snprintf(zo, sizeof(zo), "%s:%ld", r->orig_h, r->orig_p);
				snprintf(so, sizeof(so), "%s:%u", c->orig_h, c->orig_p);
				if (strcmp(zo, so) != 0)
					report(&cm, r->key, "orig", zo, so);
			}
			if (lg->history && strcmp(r->history, c->history) != 0)
				report(&cm, r->key, "history", r->history, c->history);
			if (lg->state && strcmp(r->state, c->state) != 0)
				report(&cm, r->key, "conn_state", r->state, c->state);
		}
		if (cm.ndiff == 0) {
			agree++;
			continue;
		}
		diffs++;
		if (cm.row_listed)
			tot->listed++;
		else if (c == NULL)
			tot->missing_unlisted++;
	}
	for (size_t k = 0; k < co->n; k++) {
		struct zconn *c = &co->c[k];
		char key[2 * TXT];
		if (c->used)
			continue;
		snprintf(key, sizeof(key), "+%s:%u>%s:%u", c->orig_h, c->orig_p, c->resp_h,
			 c->resp_p);
		cm.row_listed = true;
		report(&cm, key, "extra", "-", c->history);
		diffs++;
		if (cm.row_listed)
			tot->listed++;
	}
	tot->files++;
	tot->rows += lg->n;
	tot->agree += agree;
	tot->diffs += diffs;
	if (diffs > 0)
		printf("zeek: %s: %zu connections, %" PRIu64 " agree, %" PRIu64 " differences\n",
		       baseline, lg->n, agree, diffs);
}

/* --- main --------------------------------------------------------------------- */

struct args {
	const char *shared;      /* $SHARED, default ../shared */
	const char *differences; /* -d, default tests/zeek_differences.tsv */
	char **only;             /* baselines named on the command line */
	int nonly;
};

static bool wanted(const struct args *a, const char *baseline)
{
	if (a->nonly == 0)
		return true;
	for (int i = 0; i < a->nonly; i++)
		if (strcmp(a->only[i], baseline) == 0)
			return true;
	return false;
}

static bool parse_args(int argc, char **argv, struct args *a)
{
	const char *env = getenv("SHARED");
	a->shared = env != NULL && env[0] != '\0' ? env : "../shared";
	a->differences = "tests/zeek_differences.tsv";
	a->only = argv + 1;
	a->nonly = argc - 1;
	if (a->nonly >= 2 && strcmp(a->only[0], "-d") == 0) {
		a->differences = a->only[1];
		a->only += 2;
		a->nonly -= 2;
	}
	for (int i = 0; i < a->nonly; i++)
		if (a->only[i][0] == '-')
			return false;
	return true;
}

/* Runs one INDEX.tsv line; false when its files cannot be read. */
static bool run_baseline(const struct args *a, const char *zdir, char **v, struct allowlist *al,
			 struct totals *tot)
{
	char path[2048], baseline[TXT];
	const char *slash = strchr(v[0], '/');
	struct log lg;
	struct collect co = { 0 };
	bool ok = true;

	snprintf(baseline, sizeof(baseline), "%.*s",
		 (int)(slash ? (size_t)(slash - v[0]) : strlen(v[0])), v[0]);
	if (!wanted(a, baseline))
		return true;
	snprintf(path, sizeof(path), "%s/baselines/%s", zdir, v[0]);
	if (!read_log(path, &lg)) {
		fprintf(stderr, "zeek: cannot read %s\n", path);
		return false;
	}
	if (lg.n > 0) { /* a log with TCP rows */
		ok = run_traces(zdir, v[2], v[4], policy_of(baseline), &co);
		if (ok) {
			compare(baseline, &lg, &co, al, tot);
			tot->with_history += lg.history ? lg.n : 0;
			tot->with_state += lg.state ? lg.n : 0;
		} else {
			fprintf(stderr, "zeek: %s: cannot read its traces\n", baseline);
		}
	}
	free(lg.r);
	free(co.c);
	free(co.zstart);
	return ok;
}

int main(int argc, char **argv)
{
	char zdir[1024], index[1200], line[4096];
	struct allowlist *al = NULL;
	struct totals tot = { 0 };
	struct args a;
	FILE *idx = NULL;
	uint64_t unlisted = 0;
	int rc = 0;

	if (!parse_args(argc, argv, &a)) {
		fprintf(stderr, "usage: zeek_conformance [-d DIFFERENCES_TSV] [BASELINE...]\n"
				"  (Zeek's baselines are read from $SHARED/corpus/zeek, "
				"SHARED=../shared)\n");
		return 2;
	}
	snprintf(zdir, sizeof(zdir), "%s/corpus/zeek", a.shared);
	snprintf(index, sizeof(index), "%s/baselines/INDEX.tsv", zdir);
	al = calloc(1, sizeof(*al));
	if (al == NULL || !load_allowed(al, a.differences)) {
		rc = 2;
		goto out;
	}
	idx = fopen(index, "r");
	if (idx == NULL) {
		fprintf(stderr, "zeek: cannot open %s\n", index);
		rc = 2;
		goto out;
	}
	while (fgets(line, sizeof(line), idx) != NULL) {
		char *v[8];
		if (split(line, v, 8) < 5 || strcmp(v[0], "baseline_file") == 0)
			continue;
		if (!run_baseline(&a, zdir, v, al, &tot))
			rc = 1;
	}
	unlisted = tot.diffs - tot.listed;
	printf("zeek: compared: %" PRIu64 " rows with a history column, %" PRIu64
	       " with conn_state; every row for its endpoints and originator when the log has "
	       "them\n",
	       tot.with_history, tot.with_state);
	printf("zeek: %" PRIu64 " files, %" PRIu64 " connections, %" PRIu64
	       " agree (%.1f%%), %" PRIu64 " differences (%" PRIu64 " listed in %s, %" PRIu64
	       " unlisted)\n",
	       tot.files, tot.rows, tot.agree,
	       tot.rows ? 100.0 * (double)tot.agree / (double)tot.rows : 100.0, tot.diffs,
	       tot.listed, a.differences, unlisted);
	for (size_t i = 0; i < al->n; i++)
		if (!al->e[i].used && wanted(&a, al->e[i].baseline))
			printf("zeek: note: listed difference no longer seen: %s %s %s\n",
			       al->e[i].baseline, al->e[i].row, al->e[i].field);
	if (unlisted > 0) {
		printf("zeek: FAIL: %" PRIu64 " unlisted differences (%" PRIu64
		       " of them baseline connections we did not produce)\n",
		       unlisted, tot.missing_unlisted);
		rc = 1;
	}
out:
	if (idx != NULL)
		fclose(idx);
	free(al);
	return rc;
}
