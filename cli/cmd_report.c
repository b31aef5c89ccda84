/* cli/cmd_report.c: `synfin report`: the sockets netstat would show, then every connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/kernel.h"
#include "cli/cmd.h"
#include "cli/kernel_view.h"
#include "cli/pipe.h"
#include "cli/report.h"
#include "cli/ports.h"
#include "cli/sink.h"
#include "config.h"

struct report_args {
	struct sf_pipe_opts pipe;
	bool numeric, json;
	uint32_t filter;
	bool kernel;     /* --kernel: the running kernel's sockets, not a capture's */
	uint16_t *ports; /* --kernel's PORT words (malloc'd), nports of them */
	size_t nports;
	const char *iface;    /* -i: a live capture's sockets (through synfin capture) */
	const char *duration; /* --duration, for -i */
};

void sf_cmd_report_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin report -r FILE [-n] [--json] [--at TIME] [-c COUNT] [--nano]\n"
		"                     [--realtime[=F]] [--msl S] [--idle-timeout S] [--max-conns "
		"N]\n"
		"                     [state NAME | exclude NAME]...\n"
		"       synfin report --kernel [-n] [--json] [PORT...]\n"
		"       synfin report -i IFACE [--kernel] [--duration S] [-n] [--json] [PORT...]\n"
		"\n"
		"Prints the TCP sockets of the hosts in a capture as 'netstat -tan' would have\n"
		"shown them on each host at the end of the capture (or at TIME): one row per\n"
		"endpoint of each open connection, and a LISTEN row for each server seen\n"
		"accepting. Then one summary per connection, in stream order.\n"
		"\n"
		"With --kernel, prints the running kernel's own TCP sockets now instead, in the\n"
		"same columns, read over NETLINK_SOCK_DIAG as ss reads them (every state, as\n"
		"'ss -tan'); PORT words keep the sockets whose local or remote port is one of\n"
		"them.\n"
		"\n"
		"With -i IFACE, captures live (as 'synfin capture -q', so it needs the same\n"
		"privilege) until Ctrl-C or --duration, then prints the sockets it inferred;\n"
		"with --kernel, beside the kernel's own view of the same sockets, agreement\n"
		"marked per row. PORT words then select what is captured.\n"
		"\n"
		"  -r FILE          read this capture file ('-' for standard input)\n"
		"  -n               print port numbers, not service names\n"
		"  --json           one JSON object per socket and per connection (README.md)\n"
		"  --at TIME        the moment of the table: epoch seconds (1700000000.25),\n"
		"                   +S seconds after the first packet, or HH:MM:SS[.frac] on\n"
		"                   the first packet's day in local time; reading stops at the\n"
		"                   first packet after it\n"
		"  -c COUNT         stop after COUNT segments\n"
		"  --nano           nanosecond times\n"
		"  --realtime[=F]   pace the reading by capture time (F times faster)\n"
		"  --msl S          maximum segment lifetime: TIME_WAIT lasts 2*S (default 30)\n"
		"  --idle-timeout S a connection idle this long is over (default 300)\n"
		"  --max-conns N    connections tracked at once (default 1048576)\n"
		"  --kernel         the kernel's sockets now; takes -n and --json, not -r\n"
		"  -i IFACE         capture live on IFACE instead of reading a file\n"
		"  --duration S     with -i: stop after S seconds\n"
		"  state NAME       show only sockets in NAME; repeat for more (as ss)\n"
		"  exclude NAME     hide sockets in NAME (as ss)\n"
		"\n"
		"NAME is one of ss's: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
		"time-wait, closed, close-wait, last-ack, listening (or listen), closing, or a\n"
		"group: all, connected (all but listening and closed), synchronized (connected\n"
		"but syn-sent), bucket (syn-recv, time-wait), big (all but bucket).\n"
		"\n"
		"Exit: 0 done; 1 the file (or the kernel's sockets) could not be read;\n"
		"      2 bad command line;\n"
		"      3 the file is damaged part-way (the report covers what came before);\n"
		"      4 the output (or its temporary file) could not be written.\n");
}

/* Reads the filter words after the options; SF_EXIT_OK or SF_EXIT_USAGE. */
static int parse_filter(int n, char **w, struct report_args *a)
{
	int bad = sf_report_parse_filter(n, w, &a->filter);

	if (bad < 0)
		return SF_EXIT_OK;
	if (bad == n)
		fprintf(stderr, "synfin report: '%s' needs a state name: %s\n\n", w[n - 1],
			sf_report_state_names);
	else if (bad % 2 == 0)
		fprintf(stderr,
			"synfin report: '%s' is not a state filter: give 'state NAME' or "
			"'exclude NAME' after the options\n\n",
			w[bad]);
	else
		fprintf(stderr, "synfin report: unknown state '%s': the names are %s\n\n", w[bad],
			sf_report_state_names);
	sf_cmd_report_usage(stderr);
	return SF_EXIT_USAGE;
}

/* A port number, 1 to 65535, in decimal digits only. */
static bool parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (*s == '\0')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return false;
	}
	if (*s != '\0' || v == 0)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* --kernel's words after the options are ports; SF_EXIT_OK or an exit code. */
static int parse_kernel_words(int n, char **w, struct report_args *a)
{
	if (a->pipe.file != NULL) {
		fprintf(stderr, "synfin report: --kernel reads the running kernel; with a file "
				"there is no kernel to ask\n\n");
		sf_cmd_report_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (n == 0)
		return SF_EXIT_OK;
	a->ports = calloc((size_t)n, sizeof(*a->ports));
	if (a->ports == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		return SF_EXIT_OUTPUT;
	}
	for (int i = 0; i < n; i++)
		if (!parse_port(w[i], &a->ports[a->nports++])) {
			fprintf(stderr,
				"synfin report: '%s' is not a port: --kernel takes port numbers "
				"1-65535 after the options\n\n",
				w[i]);
			sf_cmd_report_usage(stderr);
			return SF_EXIT_USAGE;
		}
	return SF_EXIT_OK;
}

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct report_args *a, bool *done)
{
	enum { OPT_JSON = 256, OPT_AT, OPT_HELP, OPT_KERNEL, OPT_DURATION };
	static const struct option longs[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "kernel", no_argument, NULL, OPT_KERNEL },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, OPT_HELP },
		SF_PIPE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c = 0, r = 0;
	enum sf_pipe_stop base = SF_STOP_NONE;

	*done = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+" SF_PIPE_SHORT_OPTIONS "i:nh", longs, NULL)) != -1) {
		r = sf_pipe_option(&a->pipe, c, optarg, "report");
		if (r < 0)
			return SF_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'n': a->numeric = true; break;
		case OPT_JSON: a->json = true; break;
		case OPT_KERNEL: a->kernel = true; break;
		case 'i': a->iface = optarg; break;
		case OPT_DURATION: a->duration = optarg; break;
		case OPT_AT:
			if (!sf_report_parse_at(optarg, &a->pipe.stop_at_ns, &base)) {
				fprintf(stderr,
					"synfin report: --at wants epoch seconds, +SECONDS or "
					"HH:MM:SS[.frac], not '%s'\n",
					optarg);
				return SF_EXIT_USAGE;
			}
			a->pipe.stop_base = (uint8_t)base;
			break;
		case 'h':
		case OPT_HELP:
			sf_cmd_report_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			sf_pipe_bad_option("report", optopt, argv[optind - 1]);
			sf_cmd_report_usage(stderr);
			return SF_EXIT_USAGE;
		}
	}
	if (a->iface != NULL && a->pipe.file != NULL) {
		fprintf(stderr, "synfin report: -i captures live, -r reads a file: give one\n\n");
		sf_cmd_report_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (a->duration != NULL && a->iface == NULL) {
		fprintf(stderr, "synfin report: --duration is for a live capture (-i)\n\n");
		sf_cmd_report_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (a->kernel || a->iface != NULL)
		return parse_kernel_words(argc - optind, argv + optind, a);
	if (parse_filter(argc - optind, argv + optind, a) != SF_EXIT_OK)
		return SF_EXIT_USAGE;
	if (a->pipe.file == NULL) {
		fprintf(stderr, "synfin report: no capture file: give one with -r FILE\n\n");
		sf_cmd_report_usage(stderr);
		return SF_EXIT_USAGE;
	}
	return SF_EXIT_OK;
}

/* -i: synfin capture -q, its BPF filter made of the PORT words. */
static int report_live(const struct report_args *a)
{
	char *argv[16], filter[16 * 24 + 32] = "";
	size_t off = 0;
	int k = 0;

	argv[k++] = "capture";
	argv[k++] = "-i";
	argv[k++] = (char *)a->iface;
	argv[k++] = "-q";
	if (a->kernel)
		argv[k++] = "--kernel";
	if (a->numeric)
		argv[k++] = "-n";
	if (a->json)
		argv[k++] = "--json";
	if (a->duration != NULL) {
		argv[k++] = "--duration";
		argv[k++] = (char *)a->duration;
	}
	for (size_t i = 0; i < a->nports && i < 16; i++)
		off += (size_t)snprintf(filter + off, sizeof(filter) - off, "%stcp port %u",
					i ? " or " : "", (unsigned)a->ports[i]);
	if (a->nports > 16) {
		fprintf(stderr, "synfin report: at most 16 ports with -i\n");
		return SF_EXIT_USAGE;
	}
	if (off > 0)
		argv[k++] = filter;
	argv[k] = NULL;
	return sf_cmd_capture(k, argv);
}

/* --kernel: the table of the kernel's sockets, now. */
static int report_kernel(const struct report_args *a)
{
	struct sf_kernel_view_opts o = { .json = a->json };
	struct sf_sock *socks = NULL;
	struct sf_buf *out = NULL;
	char **names = NULL;
	size_t n = 0;
	char err[256];
	int rc = SF_EXIT_OK;

	if (sf_kernel_sockets(&socks, &n, a->ports, a->nports, err, sizeof(err)) != 0) {
		fprintf(stderr, "synfin report: %s\n", err);
		rc = SF_EXIT_INPUT;
		goto out;
	}
	out = malloc(sizeof(*out));
	if (out == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		rc = SF_EXIT_OUTPUT;
		goto out;
	}
	sf_buf_init(out, stdout);
	if (!a->numeric && !a->json)
		names = sf_ports_load();
	o.port_names = (const char *const *)names;
	sf_kernel_view_table(out, socks, n, &o);
	if (!sf_buf_flush(out)) {
		fprintf(stderr, "synfin: writing the output failed\n");
		rc = SF_EXIT_OUTPUT;
	}
out:
	sf_ports_free(names);
	free(out);
	free(socks);
	return rc;
}

int sf_cmd_report(int argc, char **argv)
{
	struct report_args a = { .filter = SF_REPORT_ALL };
	struct sf_sink_opts opts = { 0 };
	struct sf_sink_state sst = { 0 };
	struct sf_report rep = { 0 };
	struct sf_buf *out = NULL;
	char **ports = NULL;
	bool done = false;
	int rc = SF_EXIT_OK;

	sf_pipe_defaults(&a.pipe);
	rc = parse_args(argc, argv, &a, &done);
	if (rc != SF_EXIT_OK || done)
		goto out;
	if (a.iface != NULL) {
		rc = report_live(&a);
		goto out;
	}
	if (a.kernel) {
		rc = report_kernel(&a);
		goto out;
	}
	out = malloc(sizeof(*out));
	if (out == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		rc = SF_EXIT_OUTPUT;
		goto out;
	}
	if (!sf_report_open(&rep)) {
		fprintf(stderr,
			"synfin report: cannot create the temporary file for the summaries: %s\n",
			strerror(errno));
		rc = SF_EXIT_OUTPUT;
		goto out;
	}
	sf_buf_init(out, stdout);
	if (!a.numeric && !a.json)
		ports = sf_ports_load();
	opts.numeric = a.numeric;
	opts.port_names = (const char *const *)ports;
	rep.json = a.json;
	rep.nano = a.pipe.nano;
	rep.filter = a.filter;
	sst.out = out;
	sst.opts = &opts;
	sst.priv = &rep;
	sst.tcache_sec = INT64_MIN;
	tzset();
	rc = sf_pipe_run(&a.pipe, &sf_sink_report, &sst);
	/* The pipeline has told the input's problems; these are the report's. */
	if (rep.io_errno != 0) {
		fprintf(stderr, "synfin report: the temporary file of summaries failed: %s\n",
			strerror(rep.io_errno));
		if (rc == SF_EXIT_OK)
			rc = SF_EXIT_OUTPUT;
	}
	if (rep.oom) {
		fprintf(stderr, "synfin report: out of memory: the report is incomplete\n");
		if (rc == SF_EXIT_OK)
			rc = SF_EXIT_OUTPUT;
	}
out:
	sf_report_close(&rep);
	sf_ports_free(ports);
	free(out);
	free(a.ports);
	return rc;
}
