/* cli/craft_send.c: `synfin craft send`: the command line of craft/send.h, as hping3's. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "craft/craft.h"
#include "craft/send.h"

/* The one mutable file-scope variable: a signal handler can reach nothing else. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void sf_craft_send_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin craft send --to ADDR:PORT [--from ADDR[:PORT]] [--flags LETTERS]\n"
		"                         [--seq N] [--ack N] [--win N] [--mss N] [--wscale N]\n"
		"                         [--sackok] [--ts] [--data TEXT] [-c|--count N]\n"
		"                         [--interval MS] [--flood [--duration S]]\n"
		"                         [--allow-remote] [-i IFACE]\n"
		"\n"
		"Sends crafted TCP segments, one line each as tcpdump prints them, and shows\n"
		"the replies captured on the same interface as hping3 does (seq= is the\n"
		"probe's number), then hping3's statistics.\n"
		"\n"
		"  --to ADDR:PORT     the destination: 127.0.0.1:9000, [::1]:9000\n"
		"  --from ADDR[:PORT] the source (default: the destination's own loopback\n"
		"                     address, a random ephemeral port that goes up by one\n"
		"                     per segment; a PORT given here is used for every one)\n"
		"  --flags LETTERS    S SYN, A ACK, F FIN, R RST, P PSH, U URG, E ECE, C CWR,\n"
		"                     in any order (SA, FA, PA...); 'none' for none (default S)\n"
		"  --seq N, --ack N   sequence and acknowledgment numbers (default: a random\n"
		"                     seq per segment, ack 0)\n"
		"  --win N            window (default %u)\n"
		"  --mss N, --wscale N, --sackok, --ts   TCP options (default none)\n"
		"  --data TEXT        payload\n"
		"  -c, --count N      segments to send (default 1, at most %u)\n"
		"  --interval MS      between segments (default %u)\n"
		"  --flood            as fast as possible, no replies shown, only the counts\n"
		"  --duration S       a flood's length in seconds (default %u, at most %u)\n"
		"  --allow-remote     allow a destination that is neither loopback nor\n"
		"                     directly connected inside a network namespace\n"
		"  -i IFACE           send by IFACE only and capture the replies there\n"
		"                     (default: routed by the kernel, captured on lo for a\n"
		"                     loopback destination, else on 'any')\n"
		"\n"
		"Sending needs CAP_NET_RAW and CAP_NET_ADMIN: run it with sudo.\n"
		"\n"
		"Exit: 0 sent; 1 no such interface, or sending failed; 2 bad command line or\n"
		"      a destination refused (nothing sent); 4 the output could not be written;\n"
		"      5 no privilege to send.\n",
		SF_SEND_WIN_DEFAULT, SF_SEND_COUNT_MAX, SF_SEND_INTERVAL_MS, SF_SEND_DURATION_S,
		SF_SEND_DURATION_MAX_S);
}

/* An unsigned decimal from lo to hi; strtoul alone takes signs and spaces. */
static bool num(const char *opt, const char *arg, unsigned long long lo, unsigned long long hi,
		unsigned long long *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	if (arg[0] >= '0' && arg[0] <= '9') {
		v = strtoull(arg, &end, 10);
		if (*end == '\0' && v >= lo && v <= hi) {
			*out = v;
			return true;
		}
	}
	fprintf(stderr, "synfin craft send: %s wants a number from %llu to %llu, not '%s'\n\n", opt,
		lo, hi, arg);
	return false;
}

enum {
	OPT_TO = 256,
	OPT_FROM,
	OPT_FLAGS,
	OPT_SEQ,
	OPT_ACK,
	OPT_WIN,
	OPT_MSS,
	OPT_WSCALE,
	OPT_SACKOK,
	OPT_TS,
	OPT_DATA,
	OPT_INTERVAL,
	OPT_FLOOD,
	OPT_DURATION,
	OPT_ALLOW_REMOTE,
	OPT_HELP,
};

/* One option with a value; false (message printed) when the value is bad. */
static bool option(struct sf_send_opts *o, int c, const char *arg, bool *duration_given)
{
	unsigned long long v = 0;

	switch (c) {
	case OPT_TO:
		if (sf_send_parse_addr(arg, &o->to) && o->to.has_port)
			return true;
		fprintf(stderr,
			"synfin craft send: --to wants ADDR:PORT, an IPv6 address in brackets "
			"([::1]:80), not '%s'\n\n",
			arg);
		return false;
	case OPT_FROM:
		if (sf_send_parse_addr(arg, &o->from))
			return true;
		fprintf(stderr,
			"synfin craft send: --from wants ADDR, ADDR:PORT or [ADDR6]:PORT, not "
			"'%s'\n\n",
			arg);
		return false;
	case OPT_FLAGS:
		if (sf_send_parse_flags(arg, &o->tmpl.flags))
			return true;
		fprintf(stderr,
			"synfin craft send: --flags wants letters of SAFRPUEC, each once, or "
			"'none', not '%s'\n\n",
			arg);
		return false;
	case OPT_SEQ:
		if (!num("--seq", arg, 0, UINT32_MAX, &v))
			return false;
		o->tmpl.seq = (uint32_t)v;
		o->fixed_seq = true;
		return true;
	case OPT_ACK:
		if (!num("--ack", arg, 0, UINT32_MAX, &v))
			return false;
		o->tmpl.ack = (uint32_t)v;
		return true;
	case OPT_WIN:
		if (!num("--win", arg, 0, 65535, &v))
			return false;
		o->tmpl.win = (uint16_t)v;
		return true;
	case OPT_MSS:
		if (!num("--mss", arg, 1, 65535, &v))
			return false;
		o->tmpl.mss = (uint16_t)v;
		return true;
	case OPT_WSCALE:
		if (!num("--wscale", arg, 0, 14, &v))
			return false;
		o->tmpl.wscale = (int8_t)v;
		return true;
	case OPT_DATA:
		o->tmpl.data = (const uint8_t *)arg;
		o->tmpl.len = strlen(arg);
		return true;
	case 'c':
		if (!num("--count", arg, 1, SF_SEND_COUNT_MAX, &v))
			return false;
		o->count = (uint32_t)v;
		o->count_given = true;
		return true;
	case OPT_INTERVAL:
		if (!num("--interval", arg, 0, SF_SEND_INTERVAL_MAX, &v))
			return false;
		o->interval_ms = (uint32_t)v;
		return true;
	case OPT_DURATION:
		if (!num("--duration", arg, 1, SF_SEND_DURATION_MAX_S, &v))
			return false;
		o->duration_s = (uint32_t)v;
		*duration_given = true;
		return true;
	case 'i': o->iface = arg; return true;
	default: return false;
	}
}

/* SF_EXIT_OK when parsed (*done after --help); otherwise SF_EXIT_USAGE, message printed. */
static int parse_args(int argc, char **argv, struct sf_send_opts *o, bool *done)
{
	static const struct option longs[] = {
		{ "to", required_argument, NULL, OPT_TO },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "flags", required_argument, NULL, OPT_FLAGS },
		{ "seq", required_argument, NULL, OPT_SEQ },
		{ "ack", required_argument, NULL, OPT_ACK },
		{ "win", required_argument, NULL, OPT_WIN },
		{ "mss", required_argument, NULL, OPT_MSS },
		{ "wscale", required_argument, NULL, OPT_WSCALE },
		{ "sackok", no_argument, NULL, OPT_SACKOK },
		{ "ts", no_argument, NULL, OPT_TS },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "flood", no_argument, NULL, OPT_FLOOD },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool duration_given = false, have_to = false;
	int c = 0;

	*done = false;
	o->tmpl.flags = SF_TH_SYN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:c:i:h", longs, NULL)) != -1) {
		switch (c) {
		case OPT_SACKOK: o->tmpl.sack_ok = true; break;
		case OPT_TS: o->tmpl.ts = true; break;
		case OPT_FLOOD: o->flood = true; break;
		case OPT_ALLOW_REMOTE: o->allow_remote = true; break;
		case 'h':
		case OPT_HELP:
			sf_craft_send_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		case ':':
			fprintf(stderr, "synfin craft send: '%s' needs a value\n\n",
				argv[optind - 1]);
			goto usage;
		case '?':
			fprintf(stderr, "synfin craft send: unknown option '%s'\n\n",
				argv[optind - 1]);
			goto usage;
		default:
			if (!option(o, c, optarg, &duration_given))
				goto usage;
			have_to = have_to || c == OPT_TO;
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "synfin craft send: unexpected argument '%s'\n\n", argv[optind]);
		goto usage;
	}
	if (!have_to) {
		fprintf(stderr,
			"synfin craft send: no destination: give one with --to ADDR:PORT\n\n");
		goto usage;
	}
	if (duration_given && !o->flood) {
		fprintf(stderr, "synfin craft send: --duration bounds a --flood\n\n");
		goto usage;
	}
	return SF_EXIT_OK;
usage:
	sf_craft_send_usage(stderr);
	return SF_EXIT_USAGE;
}

static int exit_code(enum sf_send_rc rc)
{
	switch (rc) {
	case SF_SEND_OK: return SF_EXIT_OK;
	case SF_SEND_REFUSED:
	case SF_SEND_BADARG: return SF_EXIT_USAGE;
	case SF_SEND_PERM: return SF_EXIT_PERM;
	case SF_SEND_OUTPUT: return SF_EXIT_OUTPUT;
	default: return SF_EXIT_INPUT;
	}
}

int sf_craft_send_main(int argc, char **argv)
{
	struct sf_send_opts o;
	struct sigaction sa, old_int, old_term;
	enum sf_send_rc rc = SF_SEND_OK;
	char err[768] = "";
	bool done = false;
	int code = SF_EXIT_OK;

	sf_send_defaults(&o);
	code = parse_args(argc, argv, &o, &done);
	if (code != SF_EXIT_OK || done)
		return code;
	/* No SA_RESTART: a signal cuts the wait for replies short, and the
	 * statistics are printed as hping3 prints them on Ctrl-C. */
	stop_requested = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = sf_send_run(&o, stdout, stderr, &stop_requested, err, sizeof(err));
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc != SF_SEND_OK)
		fprintf(stderr, "synfin craft send: %s\n", err);
	return exit_code(rc);
}
