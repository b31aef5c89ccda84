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
#include "cli/sink.h"
#include "config.h"
#include "decode/frame.h"

struct decode_args {
	const char *file;
	bool numeric, absolute, json, verbose, nano, count_only;
	uint64_t count; /* 0: no limit */
	char *filter;   /* joined FILTER words, or NULL */
};

/* What the run skipped or could not decode, told once at the end. */
struct decode_stats {
	uint64_t frames, kinds[SF_FRAME_KIND_COUNT];
	uint64_t segments;      /* TCP segments decoded */
	uint64_t lines;         /* segments and undecodable frames shown */
	uint64_t problems;      /* frames whose decode was not OK */
	uint64_t first_problem; /* frame number of the first */
	enum sf_why first_why;
	int bad_dlt; /* the first unsupported link type seen */
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

static bool parse_count(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	/* strtoull accepts spaces and a sign, and wraps negatives: refuse them. */
	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

static char *join_words(int n, char **w)
{
	size_t len = 1, off = 0;
	char *s = NULL;
	for (int i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		size_t wl = strlen(w[i]);
		if (i)
			s[off++] = ' ';
		memcpy(s + off, w[i], wl);
		off += wl;
	}
	s[off] = '\0';
	return s;
}

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct decode_args *a, bool *done)
{
	enum { OPT_JSON = 256, OPT_NANO, OPT_COUNT, OPT_HELP };
	static const struct option longs[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "nano", no_argument, NULL, OPT_NANO },
		{ "count", no_argument, NULL, OPT_COUNT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c = 0;

	*done = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:nSvc:h", longs, NULL)) != -1) {
		switch (c) {
		case 'r': a->file = optarg; break;
		case 'n': a->numeric = true; break;
		case 'S': a->absolute = true; break;
		case 'v': a->verbose = true; break;
		case 'c':
			if (!parse_count(optarg, &a->count)) {
				fprintf(stderr,
					"synfin decode: -c wants a positive count, not '%s'\n",
					optarg);
				return SF_EXIT_USAGE;
			}
			break;
		case OPT_JSON: a->json = true; break;
		case OPT_NANO: a->nano = true; break;
		case OPT_COUNT: a->count_only = true; break;
		case 'h':
		case OPT_HELP:
			sf_cmd_decode_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			if (optopt == 'r' || optopt == 'c')
				fprintf(stderr, "synfin decode: -%c needs a value\n\n", optopt);
			else if (optopt)
				fprintf(stderr, "synfin decode: unknown option -%c\n\n", optopt);
			else
				fprintf(stderr, "synfin decode: unknown option '%s'\n\n",
					argv[optind - 1]);
			sf_cmd_decode_usage(stderr);
			return SF_EXIT_USAGE;
		}
	}
	if (a->file == NULL) {
		fprintf(stderr, "synfin decode: no capture file: give one with -r FILE\n\n");
		sf_cmd_decode_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (optind < argc) {
		a->filter = join_words(argc - optind, argv + optind);
		if (a->filter == NULL) {
			fprintf(stderr, "synfin decode: out of memory\n");
			return SF_EXIT_USAGE;
		}
	}
	return SF_EXIT_OK;
}

/* Service names for ports, read once from the services database. */
static char **load_port_names(void)
{
	char **names = calloc(65536, sizeof(*names));
	struct servent *se = NULL;

	if (names == NULL)
		return NULL;
	setservent(1);
	while ((se = getservent()) != NULL) {
		unsigned port = ntohs((uint16_t)se->s_port);
		if (strcmp(se->s_proto, "tcp") == 0 && names[port] == NULL)
			names[port] = strdup(se->s_name);
	}
	endservent();
	return names;
}

static void free_port_names(char **names)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < 65536; i++)
		free(names[i]);
	free(names);
}

/* "1 packet" or "2 packets": the notes are read by people. */
static const char *packets(uint64_t n)
{
	return n == 1 ? "packet" : "packets";
}

static void report_stats(const struct decode_args *a, const struct decode_stats *st)
{
	const uint64_t *k = st->kinds;
	const char *lname = pcap_datalink_val_to_name(st->bad_dlt);

	if (k[SF_FRAME_LINK_UNSUPPORTED])
		fprintf(stderr,
			"synfin: %s: link type %d (%s) is not supported: %" PRIu64 " %s skipped\n",
			a->file, st->bad_dlt, lname ? lname : "unknown",
			k[SF_FRAME_LINK_UNSUPPORTED], packets(k[SF_FRAME_LINK_UNSUPPORTED]));
	if (st->problems)
		fprintf(stderr,
			"synfin: %s: %" PRIu64 " %s could not be fully decoded"
			" (first: packet %" PRIu64 ", %s)\n",
			a->file, st->problems, packets(st->problems), st->first_problem,
			sf_dec_strerror(st->first_why));
	if (k[SF_FRAME_TUNNEL])
		fprintf(stderr,
			"synfin: %s: %" PRIu64 " %s in a tunnel synfin does not open"
			" (L2TP, AYIYA, Teredo, PPTP's GRE...); TCP inside is not decoded\n",
			a->file, k[SF_FRAME_TUNNEL], packets(k[SF_FRAME_TUNNEL]));
	if (k[SF_FRAME_FRAGMENT])
		fprintf(stderr,
			"synfin: %s: %" PRIu64
			" later IP %s: no TCP header; counted, not decoded\n",
			a->file, k[SF_FRAME_FRAGMENT],
			k[SF_FRAME_FRAGMENT] == 1 ? "fragment" : "fragments");
}

int sf_cmd_decode(int argc, char **argv)
{
	struct decode_args a = { 0 };
	struct decode_stats st = { 0 };
	struct sf_src src = { 0 };
	struct sf_sink_opts opts = { 0 };
	struct sf_sink_state sst = { 0 };
	struct sf_buf *out = NULL;
	struct sf_frame f;
	char **ports = NULL;
	char err[SF_SRC_ERRLEN] = "";
	const struct sf_sink *sink = NULL;
	bool done = false;
	int rc = parse_args(argc, argv, &a, &done);

	if (rc != SF_EXIT_OK || done)
		goto out;
	if (!sf_src_open_file(&src, a.file, a.nano, err, sizeof(err))) {
		fprintf(stderr, "synfin: %s: %s\n", a.file, err);
		rc = SF_EXIT_INPUT;
		goto out;
	}
	if (a.filter != NULL && !sf_src_set_filter(&src, a.filter, err, sizeof(err))) {
		fprintf(stderr, "synfin: %s: %s ('%s')\n", a.file, err, a.filter);
		rc = SF_EXIT_USAGE;
		goto out;
	}
	out = malloc(sizeof(*out));
	if (out == NULL) {
		fprintf(stderr, "synfin: out of memory\n");
		rc = SF_EXIT_OUTPUT;
		goto out;
	}
	sf_buf_init(out, stdout);
	if (!a.numeric && !a.json && !a.count_only)
		ports = load_port_names();
	opts.numeric = a.numeric;
	opts.verbose = a.verbose;
	opts.port_names = (const char *const *)ports;
	sst.out = out;
	sst.opts = &opts;
	sst.tcache_sec = INT64_MIN;
	sink = a.json ? &sf_sink_json : &sf_sink_line;
	tzset();

	for (;;) {
		struct sf_pkt pkt;
		const uint8_t *data = NULL;
		enum sf_src_rc r = sf_src_next(&src, &pkt, &data, err, sizeof(err));

		if (r == SF_SRC_EOF)
			break;
		if (r == SF_SRC_FILTER) {
			(void)sf_buf_flush(out);
			fprintf(stderr,
				"synfin: %s: packet %" PRIu64 ": %s (for link type %d, %s)\n",
				a.file, pkt.num, err, pkt.dlt,
				pcap_datalink_val_to_name(pkt.dlt)
					? pcap_datalink_val_to_name(pkt.dlt)
					: "unknown");
			rc = SF_EXIT_USAGE;
			break;
		}
		if (r == SF_SRC_ERROR) {
			(void)sf_buf_flush(out);
			fprintf(stderr, "synfin: %s: packet %" PRIu64 ": %s\n", a.file, pkt.num,
				err);
			rc = SF_EXIT_DAMAGED;
			break;
		}
		st.frames++;
		/* Counting never shows a checksum: skip summing every byte. */
		if (a.count_only)
			(void)sf_dec_frame_nocsum(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
		else
			(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
		st.kinds[f.kind]++;
		if (f.kind == SF_FRAME_LINK_UNSUPPORTED && st.kinds[f.kind] == 1)
			st.bad_dlt = pkt.dlt;
		if (f.rc != SF_DEC_OK) {
			if (st.problems++ == 0) {
				st.first_problem = pkt.num;
				st.first_why = f.why;
			}
		}
		if (f.kind != SF_FRAME_TCP && f.kind != SF_FRAME_BROKEN)
			continue;
		st.lines++;
		st.segments += f.kind == SF_FRAME_TCP;
		if (!a.count_only)
			sink->frame(&sst, &pkt, &f);
		if (out->failed) /* a closed pipe or a full disk: nothing more to say */
			break;
		if (a.count != 0 && st.lines >= a.count)
			break;
	}
	if (a.count_only) {
		sf_buf_u64(out, st.segments);
		sf_buf_ch(out, '\n');
	}
	if (!sf_buf_flush(out)) {
		fprintf(stderr, "synfin: writing the output failed\n");
		rc = SF_EXIT_OUTPUT;
	}
	report_stats(&a, &st);
out:
	sf_src_close(&src);
	free_port_names(ports);
	free(out);
	free(a.filter);
	return rc;
}
