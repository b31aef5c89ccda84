/* cli/cmd_ladder.c: `synfin ladder`: each connection of a capture as a sequence diagram. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/ladder.h"
#include "cli/pipe.h"
#include "cli/sink.h"
#include "config.h"

struct ladder_args {
	struct sf_pipe_opts pipe;
	bool absolute, ascii;
	int width;         /* --width, or 0 */
	uint32_t keep;     /* --rows */
	const char *svg;   /* --svg FILE, or NULL */
	uint32_t *streams; /* sorted, unique; NULL: every stream */
	size_t nstreams;
};

void sf_cmd_ladder_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin ladder -r FILE [-S] [--ascii] [--width N] [--svg FILE] [--rows N]\n"
		"                     [-c COUNT] [--realtime[=F]] [--msl S] [--idle-timeout S]\n"
		"                     [--max-conns N] [--nano] [STREAM...]\n"
		"\n"
		"Draws each TCP connection of a capture as a sequence diagram: client on the\n"
		"left, server on the right, one arrow per segment, each endpoint's state on its\n"
		"side where it changes, time since the connection's first segment on the left.\n"
		"\n"
		"  -r FILE          read this capture file ('-' for standard input)\n"
		"  STREAM...        draw only these streams (0, 1, ...: tshark's tcp.stream)\n"
		"  -S               absolute sequence numbers (relative by default)\n"
		"  --ascii          draw with ASCII only (- > < |), not Unicode box drawing\n"
		"  --width N        fit N columns (40 to 1000; default $COLUMNS, else the\n"
		"                   terminal's width, else 80)\n"
		"  --svg FILE       write one SVG document to FILE ('-' for standard output)\n"
		"                   instead of text; 100 columns wide unless --width\n"
		"  --rows N         draw at most the first and the last N segments of each\n"
		"                   connection, counting the rest (default 1000)\n"
		"  -c COUNT         stop after COUNT segments\n"
		"  --realtime[=F]   pace the input by its capture time (F times as fast)\n"
		"  --msl S          maximum segment lifetime: TIME_WAIT lasts 2*S (default 30)\n"
		"  --idle-timeout S a connection idle S seconds is over (default 300)\n"
		"  --max-conns N    connections tracked at once (default 1048576)\n"
		"  --nano           nanosecond times\n"
		"\n"
		"Diagrams come out as connections finish, so each is in one piece; those still\n"
		"open when the capture ends come last, in stream order.\n"
		"\n"
		"Exit: 0 done; 1 the file could not be read; 2 bad command line;\n"
		"      3 the file is damaged part-way (what came before was drawn);\n"
		"      4 the output or the SVG could not be written.\n");
}

/* A number of columns or rows in [lo, hi]; false on anything else. */
static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v = 0;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The trailing words: stream indices, sorted and without repeats. */
static int parse_streams(int n, char **w, struct ladder_args *a)
{
	size_t k = 0;

	a->streams = malloc((size_t)n * sizeof(*a->streams));
	if (a->streams == NULL) {
		fprintf(stderr, "synfin ladder: out of memory\n");
		return SF_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++)
		if (!sf_ladder_parse_stream(w[i], &a->streams[i])) {
			fprintf(stderr,
				"synfin ladder: '%s' is not a stream number (0, 1, 2...: "
				"tshark's tcp.stream)\n\n",
				w[i]);
			sf_cmd_ladder_usage(stderr);
			return SF_EXIT_USAGE;
		}
	qsort(a->streams, (size_t)n, sizeof(*a->streams), cmp_u32);
	for (int i = 0; i < n; i++)
		if (k == 0 || a->streams[k - 1] != a->streams[i])
			a->streams[k++] = a->streams[i];
	a->nstreams = k;
	return SF_EXIT_OK;
}

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct ladder_args *a, bool *done)
{
	enum { OPT_ASCII = 256, OPT_WIDTH, OPT_SVG, OPT_ROWS, OPT_HELP };
	static const struct option longs[] = {
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "rows", required_argument, NULL, OPT_ROWS },
		{ "help", no_argument, NULL, OPT_HELP },
		SF_PIPE_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int c = 0, r = 0;
	long v = 0;

	*done = false;
	optind = 1;
	opterr = 0;
	/* No '+': stream numbers never look like options, so options may
	 * follow them (synfin ladder -r f.pcap 3 --ascii). */
	while ((c = getopt_long(argc, argv, SF_PIPE_SHORT_OPTIONS "Sh", longs, NULL)) != -1) {
		r = sf_pipe_option(&a->pipe, c, optarg, "ladder");
		if (r < 0)
			return SF_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'S': a->absolute = true; break;
		case OPT_ASCII: a->ascii = true; break;
		case OPT_SVG: a->svg = optarg; break;
		case OPT_WIDTH:
			if (!parse_int(optarg, SF_LADDER_WIDTH_MIN, SF_LADDER_WIDTH_MAX, &v)) {
				fprintf(stderr,
					"synfin ladder: --width wants %d to %d columns, not '%s'\n",
					SF_LADDER_WIDTH_MIN, SF_LADDER_WIDTH_MAX, optarg);
				return SF_EXIT_USAGE;
			}
			a->width = (int)v;
			break;
		case OPT_ROWS:
			if (!parse_int(optarg, 1, 1000000, &v)) {
				fprintf(stderr,
					"synfin ladder: --rows wants a count from 1 to 1000000, "
					"not '%s'\n",
					optarg);
				return SF_EXIT_USAGE;
			}
			a->keep = (uint32_t)v;
			break;
		case 'h':
		case OPT_HELP:
			sf_cmd_ladder_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			sf_pipe_bad_option("ladder", optopt, argv[optind - 1]);
			sf_cmd_ladder_usage(stderr);
			return SF_EXIT_USAGE;
		}
	}
	if (a->pipe.file == NULL) {
		fprintf(stderr, "synfin ladder: no capture file: give one with -r FILE\n\n");
		sf_cmd_ladder_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (optind < argc)
		return parse_streams(argc - optind, argv + optind, a);
	return SF_EXIT_OK;
}

/* The terminal's columns when standard output is one, else 0. */
static int tty_columns(void)
{
	struct winsize ws;

	memset(&ws, 0, sizeof(ws));
	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

/* Says which asked-for streams the capture did not have. */
static void report_missing(const struct ladder_args *a, const struct sf_ladder *l)
{
	for (size_t i = 0; i < a->nstreams; i++)
		if (!sf_ladder_seen(l, a->streams[i]))
			fprintf(stderr, "synfin ladder: %s: no stream %" PRIu32 " in the capture\n",
				a->pipe.file, a->streams[i]);
	if (sf_ladder_lost(l) > 0)
		fprintf(stderr,
			"synfin ladder: out of memory: %" PRIu64
			" segments not drawn (counted as skipped)\n",
			sf_ladder_lost(l));
}

int sf_cmd_ladder(int argc, char **argv)
{
	struct ladder_args a = { 0 };
	struct sf_ladder_cfg cfg = { 0 };
	struct sf_sink_opts opts = { 0 };
	struct sf_sink_state sst = { 0 };
	struct sf_buf *out = NULL;
	struct sf_ladder *lad = NULL;
	FILE *svg = NULL;
	bool done = false, svg_stdout = false, svg_told = false, svg_made = false;
	int rc = SF_EXIT_OK, err = 0;

	sf_pipe_defaults(&a.pipe);
	a.keep = SF_LADDER_KEEP_DEFAULT;
	rc = parse_args(argc, argv, &a, &done);
	if (rc != SF_EXIT_OK || done)
		goto out;
	if (a.svg != NULL) {
		/* Opened before the capture is read, as tcpdump -w does: a bad
		 * path is told at once, not after a long file. */
		svg_stdout = strcmp(a.svg, "-") == 0;
		struct stat sb;
		/* Only a file this run creates may be removed again: never a
		 * device like /dev/full, nor a file that was there before. */
		svg_made = !svg_stdout && stat(a.svg, &sb) != 0 && errno == ENOENT;
		svg = svg_stdout ? stdout : fopen(a.svg, "w");
		if (svg_made && svg != NULL &&
		    (fstat(fileno(svg), &sb) != 0 || !S_ISREG(sb.st_mode)))
			svg_made = false;
		if (svg == NULL) {
			fprintf(stderr, "synfin ladder: %s: cannot write: %s\n", a.svg,
				strerror(errno));
			rc = SF_EXIT_OUTPUT;
			goto out;
		}
	}
	cfg.width = a.svg != NULL ? (a.width > 0 ? a.width : SF_LADDER_WIDTH_SVG)
				  : sf_ladder_pick_width(a.width, getenv("COLUMNS"), tty_columns());
	cfg.ascii = a.ascii;
	cfg.nano = a.pipe.nano;
	cfg.msl = a.pipe.track.msl;
	cfg.keep = a.keep;
	cfg.streams = a.streams;
	cfg.nstreams = a.nstreams;
	cfg.svg = svg;
	cfg.title = a.pipe.file;
	errno = 0;
	lad = sf_ladder_new(&cfg);
	out = malloc(sizeof(*out));
	if (lad == NULL || out == NULL) {
		if (svg != NULL && errno != ENOMEM && errno != 0)
			fprintf(stderr, "synfin ladder: no temporary file for the SVG: %s\n",
				strerror(errno));
		else
			fprintf(stderr, "synfin: out of memory\n");
		rc = SF_EXIT_OUTPUT;
		goto out;
	}
	sf_buf_init(out, stdout);
	opts.numeric = true;
	opts.absolute = a.absolute;
	sst.out = out;
	sst.opts = &opts;
	sst.priv = lad;
	sst.tcache_sec = INT64_MIN;
	rc = sf_pipe_run(&a.pipe, &sf_sink_ladder, &sst);
	if (rc != SF_EXIT_INPUT)
		report_missing(&a, lad);
	if (svg != NULL && rc != SF_EXIT_INPUT && sf_ladder_svg_failed(lad, &err)) {
		fprintf(stderr, "synfin ladder: %s: writing the SVG failed: %s\n", a.svg,
			strerror(err ? err : EIO));
		rc = SF_EXIT_OUTPUT;
		svg_told = true;
	}
out:
	if (svg != NULL && !svg_stdout) {
		if (fclose(svg) != 0 && !svg_told && rc != SF_EXIT_INPUT) {
			fprintf(stderr, "synfin ladder: %s: writing the SVG failed: %s\n", a.svg,
				strerror(errno));
			rc = SF_EXIT_OUTPUT;
		}
		/* Nothing was read: an empty file would only pretend to be a diagram. */
		if ((rc == SF_EXIT_INPUT || lad == NULL) && svg_made)
			(void)remove(a.svg);
	}
	sf_ladder_free(lad);
	free(out);
	free(a.streams);
	return rc;
}
