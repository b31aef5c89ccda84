/* cli/cmd_capture.c: `synfin capture`: live capture, decoded as it happens. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/kernel.h"
#include "capture/live.h"
#include "cli/cmd.h"
#include "cli/kernel_view.h"
#include "cli/pipe.h"
#include "cli/ports.h"
#include "cli/sink.h"
#include "config.h"

struct capture_args {
	struct sf_pipe_opts pipe;
	struct sf_live_cfg live;
	bool numeric, absolute, json, verbose, quiet, kernel, ascii;
	char *filter;
};

void sf_cmd_capture_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin capture -i IFACE [-w FILE] [-c COUNT] [--duration SECONDS]\n"
		"                      [-n] [-S] [-v] [--json] [-q] [--kernel] [-Z USER]\n"
		"                      [-B KIB] [-s SNAPLEN] [FILTER...]\n"
		"\n"
		"Captures live on IFACE and prints every TCP segment as it happens, with the\n"
		"endpoint state changes it causes, as `synfin decode` prints a file. When it\n"
		"stops (Ctrl-C, SIGTERM, -c or --duration) it reads what the kernel already\n"
		"captured, then prints the sockets as netstat would show them and libpcap's\n"
		"counts of packets received and dropped.\n"
		"\n"
		"  -i IFACE        the interface (e.g. lo)\n"
		"  -w FILE         also write every captured frame to FILE (pcap)\n"
		"  -c COUNT        stop after COUNT segments\n"
		"  --duration S    stop after S seconds\n"
		"  -n, -S, -v      as for decode: numeric ports, absolute numbers, checksums\n"
		"  --json          one JSON object per segment (schema: README.md)\n"
		"  -q, --quiet     no line per segment: only the sockets at the end\n"
		"  --kernel        at the end, the kernel's own view of the same sockets\n"
		"                  (NETLINK_SOCK_DIAG) beside the capture's, agreement marked\n"
		"  --ascii         '!=' rather than '≠' in that comparison\n"
		"  -Z USER         once capturing, run as USER (default %s when root)\n"
		"  -B KIB          kernel buffer in KiB (default %d)\n"
		"  -s SNAPLEN      bytes kept of each frame (default %d)\n"
		"  --msl S, --idle-timeout S, --max-conns N, --nano: as for decode\n"
		"  FILTER          a BPF expression, as tcpdump takes it (e.g. 'port 9000')\n"
		"\n"
		"Capturing needs CAP_NET_RAW and CAP_NET_ADMIN: run it with sudo, or grant\n"
		"them once with 'sudo setcap cap_net_raw,cap_net_admin=eip $(command -v synfin)'.\n"
		"\n"
		"Exit: 0 done; 1 no such interface; 2 bad command line or filter;\n"
		"      4 the output or the -w file could not be written; 5 no privilege to "
		"capture.\n",
		SF_LIVE_USER, SF_LIVE_BUFFER_KIB, SF_LIVE_SNAPLEN);
}

static bool parse_int(const char *s, int lo, int hi, int *out)
{
	char *end = NULL;
	long v = 0;

	if (*s < '0' || *s > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return false;
	*out = (int)v;
	return true;
}

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct capture_args *a, bool *done)
{
	enum { OPT_JSON = 256, OPT_HELP, OPT_DURATION, OPT_KERNEL, OPT_QUIET, OPT_ASCII };
	static const struct option longs[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "quiet", no_argument, NULL, OPT_QUIET },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		SF_PIPE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c = 0, r = 0;

	*done = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+c:i:w:Z:B:s:nSvqh", longs, NULL)) != -1) {
		if (c == 'c' || (c >= SF_OPT_NANO && c != SF_OPT_REALTIME)) {
			r = sf_pipe_option(&a->pipe, c, optarg, "capture");
			if (r < 0)
				return SF_EXIT_USAGE;
			if (r > 0)
				continue;
		}
		switch (c) {
		case 'i': a->live.iface = optarg; break;
		case 'w': a->live.wfile = optarg; break;
		case 'Z': a->pipe.drop_user = optarg; break;
		case 'B':
			if (!parse_int(optarg, 256, 1024 * 1024, &a->live.buffer_kib)) {
				fprintf(stderr,
					"synfin capture: -B wants KiB from 256 to 1048576, not "
					"'%s'\n",
					optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case 's':
			if (!parse_int(optarg, 68, SF_LIVE_SNAPLEN, &a->live.snaplen)) {
				fprintf(stderr,
					"synfin capture: -s wants a snaplen from 68 to %d, not "
					"'%s'\n",
					SF_LIVE_SNAPLEN, optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case OPT_DURATION:
			if (!sf_pipe_parse_seconds(optarg, &a->pipe.duration_ns) ||
			    a->pipe.duration_ns == 0) {
				fprintf(stderr,
					"synfin capture: --duration wants seconds, not '%s'\n",
					optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case 'n': a->numeric = true; break;
		case 'S': a->absolute = true; break;
		case 'v': a->verbose = true; break;
		case 'q':
		case OPT_QUIET: a->quiet = true; break;
		case OPT_JSON: a->json = true; break;
		case OPT_KERNEL: a->kernel = true; break;
		case OPT_ASCII: a->ascii = true; break;
		case 'h':
		case OPT_HELP:
			sf_cmd_capture_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			if (optopt == 'i' || optopt == 'w' || optopt == 'Z' || optopt == 'B' ||
			    optopt == 's')
				fprintf(stderr, "synfin capture: -%c needs a value\n\n", optopt);
			else
				sf_pipe_bad_option("capture", optopt, argv[optind - 1]);
			sf_cmd_capture_usage(stderr);
			return SF_EXIT_USAGE;
		}
	}
	if (a->live.iface == NULL) {
		fprintf(stderr,
			"synfin capture: no interface: give one with -i IFACE (e.g. -i lo)\n\n");
		sf_cmd_capture_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (optind < argc) {
		a->filter = sf_pipe_join_words(argc - optind, argv + optind);
		if (a->filter == NULL) {
			fprintf(stderr, "synfin capture: out of memory\n");
			return SF_EXIT_USAGE;
		}
		a->pipe.filter = a->filter;
	}
	if (a->pipe.drop_user == NULL && geteuid() == 0)
		a->pipe.drop_user = SF_LIVE_USER;
	a->pipe.file = a->live.iface; /* messages name the interface */
	a->pipe.live = &a->live;
	return SF_EXIT_OK;
}

/* --- the sink: decode's lines as they come, the sockets at the end -------- */

struct capture_sink {
	const struct sf_sink *lines; /* decode's line or JSON sink, or NULL (-q) */
	bool json, kernel, ascii;
	int rc; /* a failure at the end (the kernel's view), else SF_EXIT_OK */
};

static void cap_frame(struct sf_sink_state *st, const struct sf_pkt *pkt, const struct sf_frame *f,
		      const struct sf_seg_info *si)
{
	const struct capture_sink *cs = st->priv;
	if (cs->lines != NULL)
		cs->lines->frame(st, pkt, f, si);
}

/* The tracker's connections as sockets, one per endpoint that has one, and
 * a LISTEN socket for each server seen accepting (report's rule). */
struct collect {
	struct sf_sock *v;
	size_t n, cap;
	bool oom;
};

static void add_sock(struct collect *k, const struct sf_sock *s)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct sf_sock *nv = realloc(k->v, cap * sizeof(*nv));
		if (nv == NULL) {
			k->oom = true;
			return;
		}
		k->v = nv;
		k->cap = cap;
	}
	k->v[k->n++] = *s; /* a server's listener once per connection: see dedupe_listeners */
}

static void each_conn(void *arg, const struct sf_conn *c)
{
	struct collect *k = arg;

	for (int role = SF_ORIG; role <= SF_RESP; role++) {
		struct sf_sock s;
		if (c->ep[role].st == SF_ST_CLOSED)
			continue;
		memset(&s, 0, sizeof(s));
		s.ver = c->ver;
		s.state = c->ep[role].st;
		memcpy(s.local, c->addr[role], 16);
		s.lport = c->port[role];
		if (s.state != SF_ST_LISTEN) {
			memcpy(s.remote, c->addr[!role], 16);
			s.rport = c->port[!role];
		}
		add_sock(k, &s);
	}
	if (c->ep[SF_RESP].flags & SF_EPF_SYN) {
		struct sf_sock s;
		memset(&s, 0, sizeof(s));
		s.ver = c->ver;
		s.state = SF_ST_LISTEN;
		memcpy(s.local, c->addr[SF_RESP], 16);
		s.lport = c->port[SF_RESP];
		add_sock(k, &s);
	}
}

static int sock_cmp(const void *a, const void *b)
{
	return sf_kernel_sock_cmp(a, b);
}

/* One LISTEN row per address and port. Sorted, the copies (one per
 * connection the server accepted) sit side by side: one pass, not a search
 * per connection. */
static void dedupe_listeners(struct collect *k)
{
	size_t out = 0;

	for (size_t i = 0; i < k->n; i++) {
		const struct sf_sock *s = &k->v[i], *p = out ? &k->v[out - 1] : NULL;
		if (p != NULL && s->state == SF_ST_LISTEN && p->state == SF_ST_LISTEN &&
		    p->ver == s->ver && p->lport == s->lport && memcmp(p->local, s->local, 16) == 0)
			continue;
		k->v[out++] = *s;
	}
	k->n = out;
}

static void cap_finish(struct sf_sink_state *st)
{
	struct capture_sink *cs = st->priv;
	struct collect k = { NULL, 0, 0, false };
	struct sf_sock *kv = NULL;
	size_t kn = 0, np = 0;
	uint16_t *ports = NULL;
	uint8_t seen[65536 / 8] = { 0 }; /* local ports already listed, one bit each */
	char err[256] = "";
	struct sf_kernel_view_counts counts;
	struct sf_kernel_view_opts vo = { cs->json, cs->ascii, st->opts->port_names, "socket" };

	if (st->track != NULL)
		sf_track_each(st->track, each_conn, &k);
	if (k.oom) {
		fprintf(stderr, "synfin capture: out of memory for the socket table\n");
		cs->rc = SF_EXIT_OUTPUT;
		goto out;
	}
	if (k.n > 0)
		qsort(k.v, k.n, sizeof(k.v[0]), sock_cmp);
	dedupe_listeners(&k);
	if (!cs->kernel) {
		sf_kernel_view_table(st->out, k.v, k.n, &vo);
		goto out;
	}
	/* The kernel's sockets on the ports the capture saw. */
	ports = calloc(k.n ? k.n : 1, sizeof(*ports));
	if (ports == NULL) {
		cs->rc = SF_EXIT_OUTPUT;
		goto out;
	}
	for (size_t i = 0; i < k.n; i++) {
		uint16_t p = k.v[i].lport;
		if (!(seen[p >> 3] >> (p & 7) & 1u)) {
			seen[p >> 3] |= (uint8_t)(1u << (p & 7));
			ports[np++] = p;
		}
	}
	if (np == 0) {
		sf_kernel_view_table(st->out, k.v, k.n, &vo);
		goto out;
	}
	if (sf_kernel_sockets(&kv, &kn, ports, np, err, sizeof(err)) != 0) {
		(void)sf_buf_flush(st->out);
		fprintf(stderr, "synfin capture: the kernel's view: %s\n", err);
		sf_kernel_view_table(st->out, k.v, k.n, &vo);
		cs->rc = SF_EXIT_INPUT;
		goto out;
	}
	if (!sf_kernel_view_compare(st->out, k.v, k.n, kv, kn, &vo, &counts)) {
		fprintf(stderr, "synfin capture: out of memory for the comparison\n");
		cs->rc = SF_EXIT_OUTPUT;
		goto out;
	}
	sf_kernel_view_summary(st->out, &counts, &vo);
out:
	free(kv);
	free(ports);
	free(k.v);
}

static const struct sf_sink capture_sink = {
	.name = "capture",
	.frame = cap_frame,
	.finish = cap_finish,
};

int sf_cmd_capture(int argc, char **argv)
{
	struct capture_args a;
	struct sf_sink_opts opts = { 0 };
	struct sf_sink_state sst = { 0 };
	struct capture_sink cs = { NULL, false, false, false, SF_EXIT_OK };
	struct sf_buf *out = NULL;
	char **ports = NULL;
	bool done = false;
	int rc = SF_EXIT_OK;

	memset(&a, 0, sizeof(a));
	sf_pipe_defaults(&a.pipe);
	rc = parse_args(argc, argv, &a, &done);
	if (rc != SF_EXIT_OK || done)
		goto out;
	out = malloc(sizeof(*out));
	if (out == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		rc = SF_EXIT_OUTPUT;
		goto out;
	}
	sf_buf_init(out, stdout);
	if (!a.numeric && !a.json)
		ports = sf_ports_load();
	opts.numeric = a.numeric;
	opts.absolute = a.absolute;
	opts.verbose = a.verbose;
	opts.port_names = (const char *const *)ports;
	cs.lines = a.quiet ? NULL : a.json ? &sf_sink_json : &sf_sink_line;
	cs.json = a.json;
	cs.kernel = a.kernel;
	cs.ascii = a.ascii;
	sst.out = out;
	sst.opts = &opts;
	sst.priv = &cs;
	sst.tcache_sec = INT64_MIN;
	tzset();
	sf_pipe_catch_signals();
	rc = sf_pipe_run(&a.pipe, &capture_sink, &sst);
	if (rc == SF_EXIT_OK)
		rc = cs.rc;
out:
	sf_ports_free(ports);
	free(out);
	free(a.filter);
	return rc;
}
