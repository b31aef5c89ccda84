/* cli/sink.h: outputs of the pipeline, each a const struct of callbacks.
 *
 * A sink receives every frame in capture order (TCP segments and frames that
 * failed to decode alike) and decides what to print. Adding a sink touches
 * no parser. Sinks write into the caller's sf_buf; they never fail: stream
 * errors are seen when the caller flushes.
 */
#ifndef SF_CLI_SINK_H
#define SF_CLI_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/source.h"
#include "cli/buf.h"
#include "decode/frame.h"
#include "decode/track.h"

struct sf_sink_opts {
	bool numeric;                  /* -n: no port names */
	bool absolute;                 /* -S: absolute sequence numbers */
	bool verbose;                  /* -v: checksum verdict on every line */
	const char *const *port_names; /* 65536 entries or NULL; NULL entry = number */
};

struct sf_sink_state {
	struct sf_buf *out;
	const struct sf_sink_opts *opts;
	struct sf_track *track; /* during a run: the connections so far */
	void *priv;             /* the sink's own state */
	uint64_t count;         /* for sinks that count */
	int64_t tcache_sec;     /* second whose "HH:MM:SS." is cached */
	char tcache[10];
};

struct sf_sink {
	const char *name;
	bool untracked; /* needs no connection tracking: frames only (si is NULL) */
	bool no_csum;   /* never shows a checksum verdict: skip computing it */
	bool zeek;      /* shows Zeek's conn_state and history: track them */
	bool no_notes;  /* shows no tshark notes, only completeness: skip working them out */
	bool any_order; /* conn_done's result does not hang on the order connections finish */
	/* One frame. Only frames of kind SF_FRAME_TCP or SF_FRAME_BROKEN come
	 * here; si is what the tracker made of a TCP segment, or NULL. NULL for
	 * a sink that needs only the connections: then the pipeline may read
	 * and decode on a thread of its own (cli/pipe_split.h). */
	void (*frame)(struct sf_sink_state *st, const struct sf_pkt *pkt, const struct sf_frame *f,
		      const struct sf_seg_info *si);
	/* A connection finished (may be NULL); see sf_track_done_fn for `why`. */
	void (*conn_done)(struct sf_sink_state *st, const struct sf_conn *c, const char *why);
	/* The input ended; st->track still holds the open connections (may be NULL). */
	void (*finish)(struct sf_sink_state *st);
	/* After every connection has been finished (may be NULL). */
	void (*end)(struct sf_sink_state *st);
};

extern const struct sf_sink sf_sink_line;
extern const struct sf_sink sf_sink_json;
extern const struct sf_sink sf_sink_count;

/* "client" for the originator, "server" for the responder. */
const char *sf_sink_role_name(int role);

/* Shared by sinks: the option list as tcpdump prints it, without brackets. */
void sf_sink_tcp_options(struct sf_buf *b, const struct sf_tcp *t);
/* "HH:MM:SS.ffffff" in local time or UTC, cached per second. */
void sf_sink_time(struct sf_sink_state *st, const struct sf_pkt *pkt);

#endif
