/* cli/cmd_client.c: `synfin client`: one conversation with a chat server, each step timestamped. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/client.h"
#include "cli/cmd.h"
#include "config.h"

void sf_cmd_client_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin client HOST PORT [--send MSG]... [--rst | --half-close] "
		"[--wait MS]\n"
		"                     [--interval MS] [--timeout MS]\n"
		"\n"
		"Talks to a chat server (synfin server): sends each message as a line, prints\n"
		"each reply line, then says \"bye\", reads \"^^^\" and closes, or ends with a RST\n"
		"or a half-close. Every step is printed with a timestamp, to line up with a\n"
		"capture.\n"
		"\n"
		"  --send MSG      a message (repeatable); without any, each line of standard\n"
		"                  input when it is a terminal, a pipe or a file\n"
		"  --rst           end without bye: SO_LINGER 0 and close(), so a RST is sent\n"
		"  --half-close    end without bye: shutdown(SHUT_WR), then read until the\n"
		"                  server's ^^^ and FIN\n"
		"  --wait MS       after ^^^, wait MS ms for the server's FIN; when none comes\n"
		"                  the client closes first (default 500)\n"
		"  --interval MS   pause between messages (default 0)\n"
		"  --timeout MS    give up on a connect or a reply after MS ms (default 5000)\n"
		"\n"
		"Exit: 0 the conversation went as planned; 1 no connection (the reason is\n"
		"      printed); 2 bad command line; 3 the server reset, closed early, or did\n"
		"      not answer in time.\n");
}

/* The message for what getopt refused (optstring starts with ':'). */
static void bad_option(int c, const char *word)
{
	if (c == ':')
		fprintf(stderr, "synfin client: '%s' needs a value\n\n", word);
	else
		fprintf(stderr, "synfin client: unknown option '%s'\n\n", word);
}

static bool num(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	if (sf_chat_parse_num(arg, max, out) && *out >= min)
		return true;
	fprintf(stderr, "synfin client: %s needs a number from %llu to %llu, not '%s'\n\n", opt,
		(unsigned long long)min, (unsigned long long)max, arg);
	return false;
}

/* SF_EXIT_OK when parsed (*done after --help); otherwise SF_EXIT_USAGE, message printed.
 * msgs has room for argc pointers. */
static int parse_args(int argc, char **argv, struct sf_client_cfg *cfg, const char **msgs,
		      bool *done)
{
	enum { OPT_SEND = 256, OPT_RST, OPT_HALF, OPT_WAIT, OPT_INTERVAL, OPT_TIMEOUT, OPT_HELP };
	static const struct option longs[] = {
		{ "send", required_argument, NULL, OPT_SEND },
		{ "rst", no_argument, NULL, OPT_RST },
		{ "half-close", no_argument, NULL, OPT_HALF },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool rst = false, half = false;
	uint64_t v = 0;
	int c = 0;

	*done = false;
	optind = 0; /* glibc: start afresh, whatever parsed before */
	while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
		switch (c) {
		case OPT_SEND: msgs[cfg->nmsg++] = optarg; break;
		case OPT_RST: rst = true; break;
		case OPT_HALF: half = true; break;
		case OPT_WAIT:
			if (!num("--wait", optarg, 0, 3600000, &v))
				goto usage;
			cfg->wait_ms = (unsigned)v;
			break;
		case OPT_INTERVAL:
			if (!num("--interval", optarg, 0, 3600000, &v))
				goto usage;
			cfg->interval_ms = (unsigned)v;
			break;
		case OPT_TIMEOUT:
			if (!num("--timeout", optarg, 1, 3600000, &v))
				goto usage;
			cfg->timeout_ms = (unsigned)v;
			break;
		case 'h':
		case OPT_HELP:
			sf_cmd_client_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default: bad_option(c, argv[optind - 1]); goto usage;
		}
	}
	if (rst && half) {
		fprintf(stderr, "synfin client: --rst and --half-close are two different endings: "
				"choose one\n\n");
		goto usage;
	}
	cfg->mode = rst ? SF_CLIENT_RST : half ? SF_CLIENT_HALF_CLOSE : SF_CLIENT_BYE;
	if (argc - optind != 2) {
		fprintf(stderr, "synfin client: %s\n\n",
			argc - optind < 2 ? "give the server's HOST and PORT"
					  : "too many arguments: only HOST and PORT");
		goto usage;
	}
	cfg->host = argv[optind];
	if (!num("PORT", argv[optind + 1], 1, 65535, &v))
		goto usage;
	cfg->port = (uint16_t)v;
	return SF_EXIT_OK;
usage:
	sf_cmd_client_usage(stderr);
	return SF_EXIT_USAGE;
}

/* Standard input carries messages when a person or a program feeds it; not /dev/null. */
static bool stdin_has_messages(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	return fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode));
}

int sf_cmd_client(int argc, char **argv)
{
	struct sf_client_cfg cfg;
	const char **msgs = calloc((size_t)argc + 1, sizeof(*msgs));
	char err[256] = "";
	bool done = false;
	int rc = SF_EXIT_OK;

	if (msgs == NULL) {
		fprintf(stderr, "synfin client: out of memory\n");
		return SF_EXIT_INPUT;
	}
	sf_client_defaults(&cfg);
	cfg.log = stdout;
	rc = parse_args(argc, argv, &cfg, msgs, &done);
	if (rc != SF_EXIT_OK || done)
		goto out;
	cfg.messages = msgs;
	if (cfg.nmsg == 0 && stdin_has_messages())
		cfg.in = stdin;
	rc = (int)sf_client_run(&cfg, err, sizeof(err));
	if (rc != SF_CLIENT_OK)
		fprintf(stderr, "synfin client: %s\n", err);
out:
	free(msgs);
	return rc;
}
