/* cli/craft_synth.c: `synfin craft synth`: a textbook conversation written to a pcap, no network. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "craft/craft.h"
#include "craft/synth.h"

#define CMD "synfin craft synth"

/* Default ends per family: the documentation ranges (RFC 5737, RFC 3849). */
static const char *const def_client[2] = { "192.0.2.1", "2001:db8::1" };
static const char *const def_server[2] = { "198.51.100.2", "2001:db8::2" };
#define DEF_CPORT 40000
#define DEF_SPORT 80

/* Words wrapped to `width` columns, each line after the first indented. */
static void wrap(FILE *f, const char *text, int indent, int width)
{
	int col = indent;
	const char *w = text;

	while (*w != '\0') {
		int n = (int)strcspn(w, " ");
		if (col > indent && col + 1 + n > width) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", n, w);
		col += n;
		w += n;
		while (*w == ' ')
			w++;
	}
	fputc('\n', f);
}

void sf_craft_synth_usage(FILE *f)
{
	fprintf(f, "usage: " CMD " -o FILE --scenario NAME [--from ADDR:PORT] [--to ADDR:PORT]\n"
		   "                          [--isn N] [--mss N] [--conns N] [--open-all]\n"
		   "\n"
		   "Writes a textbook TCP conversation to a pcap file (raw IP, microsecond time\n"
		   "stamps), each segment built with libnet as Linux would send it: MSS,\n"
		   "SACK-permitted, timestamps and window scale on the SYNs, timestamps on the\n"
		   "rest, Linux's windows, a round trip of 312 us seen from the client's host.\n"
		   "Nothing is sent on any network. The same options give the same bytes.\n"
		   "\n"
		   "Scenarios:\n");
	for (unsigned i = 0; i < SF_SYNTH_COUNT; i++) {
		fprintf(f, "  %-19s ", sf_synth_name((enum sf_synth_scn)i));
		wrap(f, sf_synth_summary((enum sf_synth_scn)i), 22, 79);
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -o, --output FILE   the pcap file to write ('-' for standard output)\n"
		"  --scenario NAME     one of the scenarios above\n"
		"  --from ADDR:PORT    the client (default 192.0.2.1:40000)\n"
		"  --to ADDR:PORT      the server (default 198.51.100.2:80)\n"
		"                      An IPv6 address goes in brackets before its port,\n"
		"                      [2001:db8::1]:40000; the port may be left out (40000,\n"
		"                      80). Both ends are of one family: given one IPv6 end,\n"
		"                      the other defaults to 2001:db8::1 or 2001:db8::2.\n"
		"  --isn N             the client's initial sequence number (default\n"
		"                      3141592653; 0x for hex); the server's follows from it\n"
		"  --mss N             both ends' MSS, %d to %d (default 1460; IPv6 1440)\n"
		"  --conns N           mix: how many connections (default 10, at most %d);\n"
		"                      client ports count up from --from's, then its address\n"
		"  --open-all          mix: every connection opens before any closes\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit: 0 written; 2 bad command line; 4 the file could not be written (a\n"
		"      partial file is called incomplete, never good).\n",
		SF_SYNTH_MSS_MIN, SF_SYNTH_MSS_MAX, SF_SYNTH_CONNS_MAX);
}

/* An unsigned decimal (or 0x hex when `base` is 0) within [lo, hi], whole. */
static bool parse_num(const char *s, int base, unsigned long lo, unsigned long hi,
		      unsigned long *out)
{
	char *end = NULL;
	unsigned long v = 0;

	if (s[0] < '0' || s[0] > '9')
		return false; /* no sign, no space */
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

struct endpoint {
	bool given;
	uint8_t ver;
	uint8_t addr[16];
	bool has_port;
	uint16_t port;
};

/* "192.0.2.1:40000", "[2001:db8::1]:40000", "192.0.2.1", "[2001:db8::1]"
 * or a bare "2001:db8::1". */
static bool parse_endpoint(const char *w, struct endpoint *e)
{
	char host[64];
	const char *port = NULL;
	size_t hl = 0;
	unsigned long p = 0;

	memset(e, 0, sizeof(*e));
	if (w[0] == '[') {
		const char *close = strchr(w, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return false;
		hl = (size_t)(close - w - 1);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, w + 1, hl);
		host[hl] = '\0';
		port = close[1] == ':' ? close + 2 : NULL;
		e->ver = 6;
	} else {
		const char *colon = strchr(w, ':');
		bool v6 = colon != NULL && strchr(colon + 1, ':') != NULL;
		hl = v6 || colon == NULL ? strlen(w) : (size_t)(colon - w);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, w, hl);
		host[hl] = '\0';
		port = v6 || colon == NULL ? NULL : colon + 1;
		e->ver = v6 ? 6 : 4;
	}
	if (inet_pton(e->ver == 4 ? AF_INET : AF_INET6, host, e->addr) != 1)
		return false;
	if (port != NULL) {
		if (!parse_num(port, 10, 1, 65535, &p))
			return false;
		e->has_port = true;
		e->port = (uint16_t)p;
	}
	e->given = true;
	return true;
}

struct synth_args {
	const char *out;
	bool have_scn;
	enum sf_synth_scn scn;
	struct endpoint from, to;
	bool have_conns, open_all;
	struct sf_synth_opts o;
};

/* The complaint, a blank line and the usage on standard error: exit 2. */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, CMD ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	sf_craft_synth_usage(stderr);
	return SF_EXIT_USAGE;
}

/* The two ends into the options: one family, defaults where not given. */
static int settle_ends(struct synth_args *a)
{
	struct endpoint *f = &a->from, *t = &a->to;
	uint8_t ver = f->given ? f->ver : t->given ? t->ver : 4;
	int fam = ver == 4 ? 0 : 1;

	if (f->given && t->given && f->ver != t->ver)
		return usage_error("--from and --to are of two families (%s): give both as IPv4 "
				   "or both as IPv6",
				   f->ver == 4 ? "IPv4 and IPv6" : "IPv6 and IPv4");
	a->o.ver = ver;
	if (f->given)
		memcpy(a->o.caddr, f->addr, 16);
	else if (inet_pton(ver == 4 ? AF_INET : AF_INET6, def_client[fam], a->o.caddr) != 1)
		return SF_EXIT_USAGE;
	if (t->given)
		memcpy(a->o.saddr, t->addr, 16);
	else if (inet_pton(ver == 4 ? AF_INET : AF_INET6, def_server[fam], a->o.saddr) != 1)
		return SF_EXIT_USAGE;
	a->o.cport = f->has_port ? f->port : DEF_CPORT;
	a->o.sport = t->has_port ? t->port : DEF_SPORT;
	if (memcmp(a->o.caddr, a->o.saddr, 16) == 0 && a->o.cport == a->o.sport)
		return usage_error("%s: the client and the server are the same address and port",
				   f->given ? "--from and --to" : "--to");
	return SF_EXIT_OK;
}

/* 0 when parsed; otherwise an exit code (help is 0 via *done). */
static int parse_args(int argc, char **argv, struct synth_args *a, bool *done)
{
	enum {
		OPT_SCN = 256,
		OPT_FROM,
		OPT_TO,
		OPT_ISN,
		OPT_MSS,
		OPT_CONNS,
		OPT_OPEN_ALL,
		OPT_HELP
	};
	static const struct option longs[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "scenario", required_argument, NULL, OPT_SCN },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "isn", required_argument, NULL, OPT_ISN },
		{ "mss", required_argument, NULL, OPT_MSS },
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "open-all", no_argument, NULL, OPT_OPEN_ALL },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v = 0;
	int c = 0;

	*done = false;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+o:h", longs, NULL)) != -1) {
		switch (c) {
		case 'o': a->out = optarg; break;
		case OPT_SCN:
			if (!sf_synth_lookup(optarg, &a->scn))
				return usage_error("unknown scenario '%s' (the list is below)",
						   optarg);
			a->have_scn = true;
			break;
		case OPT_FROM:
		case OPT_TO:
			if (!parse_endpoint(optarg, c == OPT_FROM ? &a->from : &a->to))
				return usage_error(
					c == OPT_FROM ? "--from wants ADDR:PORT, as "
							"192.0.2.1:40000 or [2001:db8::1]:40000, "
							"not '%s'"
						      : "--to wants ADDR:PORT, as "
							"198.51.100.2:80 or [2001:db8::2]:80, not "
							"'%s'",
					optarg);
			break;
		case OPT_ISN:
			if (!parse_num(optarg, 0, 0, UINT32_MAX, &v))
				return usage_error(
					"--isn wants a number from 0 to 4294967295, not '%s'",
					optarg);
			a->o.isn = (uint32_t)v;
			break;
		case OPT_MSS:
			if (!parse_num(optarg, 10, SF_SYNTH_MSS_MIN, SF_SYNTH_MSS_MAX, &v))
				return usage_error("--mss wants %d to %d, not '%s'",
						   SF_SYNTH_MSS_MIN, SF_SYNTH_MSS_MAX, optarg);
			a->o.mss = (uint16_t)v;
			break;
		case OPT_CONNS:
			if (!parse_num(optarg, 10, 1, SF_SYNTH_CONNS_MAX, &v))
				return usage_error("--conns wants 1 to %d connections, not '%s'",
						   SF_SYNTH_CONNS_MAX, optarg);
			a->o.conns = (uint32_t)v;
			a->have_conns = true;
			break;
		case OPT_OPEN_ALL: a->open_all = true; break;
		case 'h':
		case OPT_HELP:
			sf_craft_synth_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			if (optopt == 'o')
				return usage_error("-o needs a value");
			if (optopt >= 256)
				return usage_error("'%s' needs a value", argv[optind - 1]);
			if (optopt) {
				char opt[3] = { '-', (char)optopt, '\0' };
				return usage_error("unknown option %s", opt);
			}
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected word '%s'", argv[optind]);
	if (a->out == NULL)
		return usage_error("no output file: give one with -o FILE");
	if (!a->have_scn)
		return usage_error("no scenario: give one with --scenario NAME");
	if ((a->have_conns || a->open_all) && a->scn != SF_SYNTH_MIX)
		return usage_error("%s is for --scenario mix only",
				   a->have_conns ? "--conns" : "--open-all");
	a->o.open_all = a->open_all;
	return settle_ends(a);
}

int sf_craft_synth_main(int argc, char **argv)
{
	struct synth_args a;
	char err[512] = "";
	bool done = false;
	int rc = SF_EXIT_OK;

	memset(&a, 0, sizeof(a));
	sf_synth_defaults(&a.o);
	rc = parse_args(argc, argv, &a, &done);
	if (rc != SF_EXIT_OK || done)
		return rc;
	switch (sf_synth_write(a.out, a.scn, &a.o, err, sizeof(err))) {
	case SF_SYNTH_OK: return SF_EXIT_OK;
	case SF_SYNTH_EINVAL: fprintf(stderr, CMD ": %s\n", err); return SF_EXIT_USAGE;
	case SF_SYNTH_EBUILD:
	case SF_SYNTH_EWRITE: break;
	}
	fprintf(stderr, CMD ": %s\n", err);
	return SF_EXIT_OUTPUT;
}
