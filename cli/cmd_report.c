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

#include "cli/cmd.h"
#include "cli/pipe.h"
#include "cli/report.h"
#include "cli/ports.h"
#include "cli/sink.h"
#include "config.h"

struct report_args {
	struct sf_pipe_opts pipe;
	bool numeric, json;
	uint32_t filter;
};

void sf_cmd_report_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin report -r FILE [-n] [--json] [--at TIME] [-c COUNT] [--nano]\n"
		"                     [--realtime[=F]] [--msl S] [--idle-timeout S] [--max-conns "
		"N]\n"
		"                     [state NAME | exclude NAME]...\n"
		"\n"
		"Prints the TCP sockets of the hosts in a capture as 'netstat -tan' would have\n"
		"shown them on each host at the end of the capture (or at TIME): one row per\n"
		"endpoint of each open connection, and a LISTEN row for each server seen\n"
		"accepting. Then one summary per connection, in stream order.\n"
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
		"  state NAME       show only sockets in NAME; repeat for more (as ss)\n"
		"  exclude NAME     hide sockets in NAME (as ss)\n"
		"\n"
		"NAME is one of ss's: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,\n"
		"time-wait, closed, close-wait, last-ack, listening (or listen), closing, or a\n"
		"group: all, connected (all but listening and closed), synchronized (connected\n"
		"but syn-sent), bucket (syn-recv, time-wait), big (all but bucket).\n"
		"\n"
		"Exit: 0 done; 1 the file could not be read; 2 bad command line;\n"
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

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct report_args *a, bool *done)
{
	enum { OPT_JSON = 256, OPT_AT, OPT_HELP };
	static const struct option longs[] = {
		{ "json", no_argument, NULL, OPT_JSON },
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
	while ((c = getopt_long(argc, argv, "+" SF_PIPE_SHORT_OPTIONS "nh", longs, NULL)) != -1) {
		r = sf_pipe_option(&a->pipe, c, optarg, "report");
		if (r < 0)
			return SF_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'n': a->numeric = true; break;
		case OPT_JSON: a->json = true; break;
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
	if (parse_filter(argc - optind, argv + optind, a) != SF_EXIT_OK)
		return SF_EXIT_USAGE;
	if (a->pipe.file == NULL) {
		fprintf(stderr, "synfin report: no capture file: give one with -r FILE\n\n");
		sf_cmd_report_usage(stderr);
		return SF_EXIT_USAGE;
	}
	return SF_EXIT_OK;
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
	return rc;
}
