/* cli/cmd_craft.c: `synfin craft MODE`: dispatch to synth, send, connect, accept. */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "config.h"
#include "craft/craft.h"

static const struct {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *f);
} modes[] = {
	{ "synth", "write a textbook conversation to a pcap, no network", sf_craft_synth_main,
	  sf_craft_synth_usage },
	{ "send", "send crafted segments and show the replies, as hping3", sf_craft_send_main,
	  sf_craft_send_usage },
	{ "connect", "a user-space TCP client: crafted handshake, data and close",
	  sf_craft_connect_main, sf_craft_connect_usage },
	{ "accept", "a user-space TCP listener answering a real client", sf_craft_accept_main,
	  sf_craft_accept_usage },
};

#define NMODES (sizeof(modes) / sizeof(modes[0]))

void sf_cmd_craft_usage(FILE *f)
{
	fprintf(f, "usage: synfin craft MODE [OPTIONS]\n\n"
		   "Builds TCP segments with libnet. Modes:\n");
	for (size_t i = 0; i < NMODES; i++)
		fprintf(f, "  %-8s %s\n", modes[i].name, modes[i].summary);
	fprintf(f, "\n'synfin craft MODE --help' describes one mode. Segments go only to\n"
		   "loopback and to directly connected addresses in a network namespace unless\n"
		   "--allow-remote is given.\n");
}

int sf_cmd_craft(int argc, char **argv)
{
	if (argc < 2) {
		sf_cmd_craft_usage(stderr);
		return SF_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		sf_cmd_craft_usage(stdout);
		return SF_EXIT_OK;
	}
	for (size_t i = 0; i < NMODES; i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			return modes[i].run(argc - 1, argv + 1);
	fprintf(stderr, "synfin craft: unknown mode '%s'\n\n", argv[1]);
	sf_cmd_craft_usage(stderr);
	return SF_EXIT_USAGE;
}
