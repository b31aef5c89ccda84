/* cli/main.c: the synfin program: subcommand dispatch, --help, --version. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "config.h"

struct sf_subcmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
};

static const struct sf_subcmd subcmds[] = {
	{ "decode", "print every TCP segment of a capture file, one line each", sf_cmd_decode,
	  sf_cmd_decode_usage },
	{ "report", "the sockets netstat would show at the end (or --at), then every connection",
	  sf_cmd_report, sf_cmd_report_usage },
	{ "ladder", "draw each connection as a sequence diagram, in text or SVG", sf_cmd_ladder,
	  sf_cmd_ladder_usage },
	{ "capture", "capture live (sudo), printing each segment and state change as it happens",
	  sf_cmd_capture, sf_cmd_capture_usage },
	{ "craft", "build segments with libnet: synth, send, connect, accept", sf_cmd_craft,
	  sf_cmd_craft_usage },
	{ "demo", "the pair on loopback, captured, drawn and reported beside the kernel (sudo)",
	  sf_cmd_demo, sf_cmd_demo_usage },
	{ "server", "the socket tutorials' chat server, each step timestamped, to capture",
	  sf_cmd_server, sf_cmd_server_usage },
	{ "client", "talk to a chat server and close by bye, RST or half-close", sf_cmd_client,
	  sf_cmd_client_usage },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: synfin COMMAND [OPTIONS]\n"
		   "       synfin --help | --version\n\n"
		   "synfin watches TCP connections open and close.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].summary);
	fprintf(f, "\n'synfin COMMAND --help' describes one command; 'man synfin' all of them.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2)
			for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
				if (strcmp(argv[2], subcmds[i].name) == 0) {
					subcmds[i].usage(stdout);
					return SF_EXIT_OK;
				}
		usage(stdout);
		return SF_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("synfin %s\n", SF_VERSION);
		return SF_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (strcmp(argv[1], subcmds[i].name) == 0)
			return subcmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "synfin: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return SF_EXIT_USAGE;
}
