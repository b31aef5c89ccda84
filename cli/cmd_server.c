/* cli/cmd_server.c: `synfin server`: the tutorials' chat server, each step timestamped. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capture/server.h"
#include "cli/cmd.h"
#include "config.h"

/* The one mutable file-scope variable: a signal handler can reach nothing else. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

void sf_cmd_server_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin server [-b ADDR] [-p PORT] [--close first|last] [--echo] "
		"[--hold MS]\n"
		"                     [--max-clients N] [--count N] [--max-seconds S]\n"
		"\n"
		"The TCP chat server of the socket tutorials, to make connections to capture:\n"
		"each line is answered with \"Thank You!\", \"bye\" with \"^^^\" and a close.\n"
		"Every step is printed with a timestamp, to line up with the capture.\n"
		"\n"
		"  -b ADDR           listen on ADDR (default 127.0.0.1; ::1, 0.0.0.0 and :: too)\n"
		"  -p PORT           listen on PORT (default 9000; 0: a free port, printed)\n"
		"  --close first     after ^^^ close at once: the server closes first (default)\n"
		"  --close last      after ^^^ wait for the client's FIN: the client closes first\n"
		"  --echo            answer each message with itself\n"
		"  --hold MS         when the client's FIN comes first, stay in CLOSE_WAIT MS\n"
		"                    milliseconds before ^^^ and close (default 0)\n"
		"  --max-clients N   serve N clients at once; more are closed at once (default "
		"1024)\n"
		"  --count N         stop after N conversations ended\n"
		"  --max-seconds S   stop after S seconds\n"
		"\n"
		"The first line is 'HH:MM:SS.ffffff server: listening on ADDR port PORT'.\n"
		"A line longer than 4096 bytes is answered once per 4096 bytes.\n"
		"\n"
		"Exit: 0 stopped by SIGINT, SIGTERM, --count or --max-seconds;\n"
		"      1 the socket could not be set up, or poll() failed; 2 bad command line.\n");
}

/* The message for what getopt refused (optstring starts with ':'). */
static void bad_option(int c, const char *word)
{
	if (c == ':')
		fprintf(stderr, "synfin server: '%s' needs a value\n\n", word);
	else
		fprintf(stderr, "synfin server: unknown option '%s'\n\n", word);
}

static bool num(const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
	if (sf_chat_parse_num(arg, max, out))
		return true;
	fprintf(stderr, "synfin server: %s needs a number from 0 to %llu, not '%s'\n\n", opt,
		(unsigned long long)max, arg);
	return false;
}

/* SF_EXIT_OK when parsed (*done after --help); otherwise SF_EXIT_USAGE, message printed. */
static int parse_args(int argc, char **argv, struct sf_server_cfg *cfg, bool *done)
{
	enum {
		OPT_CLOSE = 256,
		OPT_ECHO,
		OPT_HOLD,
		OPT_MAX_CLIENTS,
		OPT_COUNT,
		OPT_MAX_SECONDS,
		OPT_HELP
	};
	static const struct option longs[] = {
		{ "close", required_argument, NULL, OPT_CLOSE },
		{ "echo", no_argument, NULL, OPT_ECHO },
		{ "hold", required_argument, NULL, OPT_HOLD },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v = 0;
	int c = 0;

	*done = false;
	optind = 0; /* glibc: start afresh, whatever parsed before */
	while ((c = getopt_long(argc, argv, ":b:p:h", longs, NULL)) != -1) {
		switch (c) {
		case 'b': cfg->bind = optarg; break;
		case 'p':
			if (!num("-p", optarg, 65535, &v))
				goto usage;
			cfg->port = (uint16_t)v;
			break;
		case OPT_CLOSE:
			if (strcmp(optarg, "first") != 0 && strcmp(optarg, "last") != 0) {
				fprintf(stderr,
					"synfin server: --close takes 'first' or 'last', not "
					"'%s'\n\n",
					optarg);
				goto usage;
			}
			cfg->close_last = strcmp(optarg, "last") == 0;
			break;
		case OPT_ECHO: cfg->echo = true; break;
		case OPT_HOLD:
			if (!num("--hold", optarg, 3600000, &v))
				goto usage;
			cfg->hold_ms = (unsigned)v;
			break;
		case OPT_MAX_CLIENTS:
			if (!num("--max-clients", optarg, 1000000, &v))
				goto usage;
			if (v == 0) {
				fprintf(stderr,
					"synfin server: --max-clients must be 1 or more\n\n");
				goto usage;
			}
			cfg->max_clients = (unsigned)v;
			break;
		case OPT_COUNT:
			if (!num("--count", optarg, UINT64_MAX, &v))
				goto usage;
			cfg->count = v;
			break;
		case OPT_MAX_SECONDS:
			if (!num("--max-seconds", optarg, 31536000, &v))
				goto usage;
			cfg->max_seconds = (unsigned)v;
			break;
		case 'h':
		case OPT_HELP:
			sf_cmd_server_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default: bad_option(c, argv[optind - 1]); goto usage;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "synfin server: unexpected argument '%s'\n\n", argv[optind]);
		goto usage;
	}
	return SF_EXIT_OK;
usage:
	sf_cmd_server_usage(stderr);
	return SF_EXIT_USAGE;
}

int sf_cmd_server(int argc, char **argv)
{
	struct sf_server_cfg cfg;
	struct sf_server *s = NULL;
	struct sigaction sa = { 0 }, old_int = { 0 }, old_term = { 0 };
	char err[256] = "";
	bool done = false;
	int rc = SF_EXIT_OK;

	sf_server_defaults(&cfg);
	cfg.log = stdout;
	rc = parse_args(argc, argv, &cfg, &done);
	if (rc != SF_EXIT_OK || done)
		return rc;
	if (sf_server_open(&cfg, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "synfin server: %s\n", err);
		return SF_EXIT_INPUT;
	}
	/* No SA_RESTART: the signal cuts poll() short, so the stop is prompt. */
	stop_requested = 0;
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (sf_server_run(s, &stop_requested) != 0) {
		fprintf(stderr, "synfin server: %s\n", sf_server_error(s));
		rc = SF_EXIT_INPUT;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sf_server_close(s);
	return rc;
}
