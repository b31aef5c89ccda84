/* cli/cmd_decode.c: `synfin decode`: a capture file in, one line per segment out. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/source.h"
#include "cli/cmd.h"
#include "cli/pipe.h"
#include "cli/ports.h"
#include "cli/sink.h"
#include "config.h"
#include "decode/frame.h"

struct decode_args {
	struct sf_pipe_opts pipe;
	bool numeric, absolute, json, verbose, count_only;
	char *filter; /* joined FILTER words, or NULL */
};

void sf_cmd_decode_usage(FILE *f)
{
	fprintf(f, "usage: synfin decode -r FILE [-n] [-S] [-v] [-c COUNT] [--json] [--nano] "
		   "[FILTER...]\n"
		   "\n"
		   "Prints every TCP segment of a pcap or pcapng file, one line each, as tcpdump "
		   "does.\n"
		   "\n"
		   "  -r FILE       read this capture file ('-' for standard input)\n"
		   "  -n            print port numbers, not service names\n"
		   "  -S            absolute sequence numbers (all numbers are absolute for now)\n"
		   "  -v            add the checksum verdict to every line\n"
		   "  -c COUNT      stop after COUNT segments\n"
		   "  --json        one JSON object per segment per line (schema: README.md)\n"
		   "  --nano        nanosecond time stamps\n"
		   "  --count       print only the number of segments (for benchmarks)\n"
		   "  FILTER        a BPF expression, as tcpdump takes it (e.g. 'port 80')\n"
		   "\n"
		   "Exit: 0 done; 1 the file could not be read; 2 bad command line or filter;\n"
		   "      3 the file is damaged part-way (what came before was printed);\n"
		   "      4 the output could not be written.\n");
}

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct decode_args *a, bool *done)
{
	enum { OPT_JSON = 256, OPT_COUNT, OPT_HELP };
	static const struct option longs[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "count", no_argument, NULL, OPT_COUNT },
		{ "help", no_argument, NULL, OPT_HELP },
		SF_PIPE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c = 0, r = 0;

	*done = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+" SF_PIPE_SHORT_OPTIONS "nSvh", longs, NULL)) != -1) {
		r = sf_pipe_option(&a->pipe, c, optarg, "decode");
		if (r < 0)
			return SF_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'n': a->numeric = true; break;
		case 'S': a->absolute = true; break;
		case 'v': a->verbose = true; break;
		case OPT_JSON: a->json = true; break;
		case OPT_COUNT: a->count_only = true; break;
		case 'h':
		case OPT_HELP:
			sf_cmd_decode_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			sf_pipe_bad_option("decode", optopt, argv[optind - 1]);
			sf_cmd_decode_usage(stderr);
			return SF_EXIT_USAGE;
		}
	}
	if (a->pipe.file == NULL) {
		fprintf(stderr, "synfin decode: no capture file: give one with -r FILE\n\n");
		sf_cmd_decode_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (optind < argc) {
		a->filter = sf_pipe_join_words(argc - optind, argv + optind);
		if (a->filter == NULL) {
			fprintf(stderr, "synfin decode: out of memory\n");
			return SF_EXIT_USAGE;
		}
		a->pipe.filter = a->filter;
	}
	return SF_EXIT_OK;
}

int sf_cmd_decode(int argc, char **argv)
{
	struct decode_args a = { 0 };
	struct sf_sink_opts opts = { 0 };
	struct sf_sink_state sst = { 0 };
	struct sf_buf *out = NULL;
	char **ports = NULL;
	const struct sf_sink *sink = NULL;
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
	sf_buf_init(out, stdout);
	if (!a.numeric && !a.json && !a.count_only)
		ports = sf_ports_load();
	opts.numeric = a.numeric;
	opts.absolute = a.absolute;
	opts.verbose = a.verbose;
	opts.port_names = (const char *const *)ports;
	sst.out = out;
	sst.opts = &opts;
	sst.tcache_sec = INT64_MIN;
	sink = a.count_only ? &sf_sink_count : a.json ? &sf_sink_json : &sf_sink_line;
	tzset();
	rc = sf_pipe_run(&a.pipe, sink, &sst);
out:
	sf_ports_free(ports);
	free(out);
	free(a.filter);
	return rc;
}
