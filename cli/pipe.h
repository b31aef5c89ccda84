/* cli/pipe.h: the pipeline every reading command runs.
 *
 * source (file, filter) -> frame decode -> tracker -> one sink, with the
 * file's problems told once at the end, pacing for --realtime, and the exit
 * code decided in one place. decode, report and ladder differ only in the
 * sink they pass and the options they parse.
 */
#ifndef SF_CLI_PIPE_H
#define SF_CLI_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/live.h"
#include "cli/sink.h"
#include "decode/track.h"

/* What sf_pipe_opts.stop_at_ns counts from (report --at). */
enum sf_pipe_stop {
	SF_STOP_NONE = 0, /* read to the end */
	SF_STOP_EPOCH,    /* nanoseconds since 1970 */
	SF_STOP_FIRST,    /* nanoseconds after the first packet */
	SF_STOP_DAY,      /* nanoseconds after local midnight of the first packet's day */
};

struct sf_pipe_opts {
	const char *file;
	const char *filter; /* BPF expression or NULL */
	bool nano;          /* nanosecond time stamps */
	uint64_t count;     /* stop after this many lines (0: no limit) */
	double realtime;    /* 0: as fast as possible; else pace by capture time / it */
	struct sf_track_cfg track;
	/* Stop reading at the first packet later than this moment, then let
	 * the tracker's clock run on to the moment itself (TIME_WAIT expiry). */
	int64_t stop_at_ns;
	uint8_t stop_base; /* enum sf_pipe_stop */
	/* Live capture (synfin capture) instead of a file: */
	const struct sf_live_cfg *live;
	const char *drop_user; /* when root: become this user once the handle is open */
	int64_t duration_ns;   /* stop after this long (wall clock), 0: no limit */
};

/* Defaults: TIME_WAIT 60 s (MSL 30 s, as Linux), idle 300 s, 1M connections. */
void sf_pipe_defaults(struct sf_pipe_opts *o);

/* Runs the pipeline into `sink` with state `st` (its out buffer set). Returns
 * a SF_EXIT_* code; messages name the file and packet. */
int sf_pipe_run(const struct sf_pipe_opts *o, const struct sf_sink *sink, struct sf_sink_state *st);

/* SIGINT and SIGTERM stop a live capture cleanly: the frames the kernel
 * holds are drained and everything is printed and flushed. Without a live
 * capture running they end the program as usual. */
void sf_pipe_catch_signals(void);

/* The words of a filter expression joined by spaces, as tcpdump takes them
 * (malloc'd; NULL when out of memory). */
char *sf_pipe_join_words(int n, char *const *w);

/* Parses a count of seconds ("60", "0.5"); false on anything else. */
bool sf_pipe_parse_seconds(const char *s, int64_t *ns);

/* Long options every reading command takes; getopt codes from 1000 up. */
enum {
	SF_OPT_NANO = 1000,
	SF_OPT_REALTIME,
	SF_OPT_MSL,
	SF_OPT_IDLE,
	SF_OPT_MAX_CONNS,
};
#define SF_PIPE_LONG_OPTIONS                                              \
	{ "nano", no_argument, NULL, SF_OPT_NANO },                       \
		{ "realtime", optional_argument, NULL, SF_OPT_REALTIME }, \
		{ "msl", required_argument, NULL, SF_OPT_MSL },           \
		{ "idle-timeout", required_argument, NULL, SF_OPT_IDLE }, \
	{                                                                 \
		"max-conns", required_argument, NULL, SF_OPT_MAX_CONNS    \
	}
#define SF_PIPE_SHORT_OPTIONS "r:c:"

/* Handles one getopt result if it is a shared option (-r, -c and the long
 * ones above): 1 handled, 0 not ours, -1 a bad value (message printed,
 * naming `cmd`). */
int sf_pipe_option(struct sf_pipe_opts *o, int c, const char *arg, const char *cmd);

/* The message for what getopt refused: an option missing its value (-r, -c
 * or a long option, whose codes are all 256 and up) or an unknown one.
 * `word` is the command-line word getopt was reading. */
void sf_pipe_bad_option(const char *cmd, int optopt, const char *word);

#endif
