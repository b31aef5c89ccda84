/* config.h: version and tunables, in one place. */
#ifndef SF_CONFIG_H
#define SF_CONFIG_H

#define SF_VERSION "0.1.0"

/* Exit codes of the synfin program (documented in synfin.1 and README.md). */
enum {
	SF_EXIT_OK = 0,
	SF_EXIT_INPUT = 1,    /* nothing could be read: missing, unreadable, not a capture */
	SF_EXIT_USAGE = 2,    /* bad command line or bad filter expression */
	SF_EXIT_DAMAGED = 3,  /* the file is damaged part-way; what came before was decoded */
	SF_EXIT_OUTPUT = 4,   /* writing the output failed */
};

#endif
