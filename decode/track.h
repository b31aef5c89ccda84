/* decode/track.h: connections and both endpoints' states, from segments.
 *
 * Fed decoded frames in capture order, the tracker finds each segment's
 * connection (direction-independent 5-tuple), infers both endpoints' RFC
 * 9293 states through decode/fsm.c's table, and tells its caller what the
 * segment did: stream index, direction, relative numbers, state changes.
 *
 * Inference at the capture point: a segment moves its SENDER by what it
 * sends (a SYN is an active open, a FIN a close, a RST an abort) and its
 * RECEIVER by what arrives (RCV_* rows), assuming delivery. An arrival the
 * receiver's state has no row for (a SYN reaching a socket we know nothing
 * of) waits for the receiver's own next segment: a SYN,ACK says it was
 * listening, a RST that nothing was, its own SYN a simultaneous open.
 *
 * Memory is bounded: connections live in a fixed pool; closed ones are
 * finished and freed, idle ones expire, and at the cap the least recently
 * seen is evicted. No allocation after sf_track_new(). A connection both of
 * whose ends have closed lingers 2*MSL, like TIME_WAIT.
 */
#ifndef SF_DECODE_TRACK_H
#define SF_DECODE_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/frame.h"
#include "decode/fsm.h"
#include "decode/seqan.h"
#include "decode/tuple.h"
#include "decode/zeek.h"

enum sf_role { SF_ORIG = 0, SF_RESP = 1 };

/* Wall-clock-free time: capture time in nanoseconds. */
typedef int64_t sf_ns;

struct sf_track_cfg {
	sf_ns msl;               /* TIME_WAIT lasts 2*msl (default 30 s: Linux's 60 s) */
	sf_ns idle_timeout;      /* a connection idle this long is finished (default 300 s) */
	uint32_t max_conns;      /* pool size; the least recently seen is evicted at the cap */
	struct sf_zeek_cfg zeek; /* how Zeek ran, for conn_state and history (zero: defaults) */
	bool no_zeek;            /* nobody reads Zeek's view: skip it (a twelfth of a segment) */
	bool no_notes;           /* nobody reads tshark's notes: completeness only */
};

/* One endpoint as the capture point sees it. */
struct sf_ep {
	uint8_t st;      /* enum sf_st */
	uint8_t flags;   /* SF_EPF_* */
	uint8_t pend;    /* an arrival waiting for its reaction: enum sf_ev + 1, or 0 */
	uint32_t isn;    /* first sequence number, when EPF_ISN */
	uint32_t finseq; /* sequence number of its FIN, when EPF_FIN */
	uint32_t pkts;
	uint64_t bytes; /* payload bytes */
};

enum {
	SF_EPF_ISN = 1u << 0, /* isn known (its SYN seen, or mid-stream base) */
	SF_EPF_SYN = 1u << 1, /* sent a SYN */
	SF_EPF_FIN = 1u << 2, /* sent a FIN */
	SF_EPF_RST = 1u << 3, /* sent a RST */
};

/* Ordered so that no byte is padding: the bound below counts every one. */
struct sf_conn {
	uint32_t stream;      /* 0-based, in order of first segment, as tcp.stream */
	uint8_t ver;          /* 4 or 6 */
	uint8_t partial;      /* first seen mid-stream: roles by Zeek's rules */
	uint8_t closed_first; /* role + 1 of the endpoint that closed (FIN) first, or 0 */
	uint8_t rtt_state;    /* SF_RTT_*: rtt holds the SYN's time while WAITING */
	uint8_t addr[2][16];  /* [SF_ORIG], [SF_RESP] */
	uint16_t port[2];
	uint8_t in_tw;     /* on the TIME_WAIT list rather than the active one */
	sf_ns first, last; /* capture times of the first and last segment */
	sf_ns rtt;         /* SYN to its handshake ACK, when rtt_state is KNOWN */
	struct sf_ep ep[2];
	struct sf_zeek zeek;   /* Zeek's conn_state and history */
	struct sf_seqan seqan; /* tshark's analysis state and completeness */
	/* pool bookkeeping */
	uint32_t hnext;        /* next in the hash chain (index + 1), 0 = none */
	uint32_t lprev, lnext; /* least-recently-seen list (index + 1) */
};

enum { SF_RTT_NONE = 0, SF_RTT_WAITING, SF_RTT_KNOWN };

/* What one segment did, for the sinks. */
struct sf_change {
	uint8_t role;     /* enum sf_role */
	uint8_t from, to; /* enum sf_st */
};

#define SF_TRACK_CHANGES 6

struct sf_seg_info {
	const struct sf_conn *conn; /* valid until the next sf_track_seg() call */
	uint8_t dir;                /* sender: SF_ORIG or SF_RESP */
	uint8_t nchange;
	struct sf_change change[SF_TRACK_CHANGES];
	uint32_t rel_seq, rel_ack; /* relative to each side's ISN (0 at the SYN) */
	bool unexpected;           /* fits no row of the table: both states in unexp_* */
	bool reused;               /* its SYN started a new connection on a reused tuple */
	struct sf_seqan_out an;    /* tshark's notes for this segment */
	uint8_t unexp_from[2];     /* the states it found, for the anomaly note */
};

struct sf_track;

/* A finished connection: summarised, then freed by the tracker. `why` is
 * "closed" (both endpoints CLOSED, and 2*MSL passed or the capture ended:
 * late segments still belong to it until then), "time_wait" (2*MSL passed
 * in TIME_WAIT), "idle",
 * "evicted", "reused" (a new SYN took the tuple) or "end" (capture over). */
typedef void (*sf_track_done_fn)(void *arg, const struct sf_conn *c, const char *why);

struct sf_track_stats {
	uint64_t conns, finished, expired, evicted, ignored;
};

/* Creates a tracker with room for cfg->max_conns connections; NULL when
 * out of memory. `done` (may be NULL) hears of each finished connection. */
struct sf_track *sf_track_new(const struct sf_track_cfg *cfg, sf_track_done_fn done, void *arg);
void sf_track_free(struct sf_track *t);

/* One decoded TCP segment (f->kind == SF_FRAME_TCP) at capture time `now`.
 * Fills `out`; false when the segment cannot be tracked (e.g. the pool is
 * full and nothing can be evicted). */
bool sf_track_seg(struct sf_track *t, const struct sf_frame *f, sf_ns now, struct sf_seg_info *out);
/* The same with the tuple's hash, sf_track_frame_hash(f), worked out
 * already (by another thread, cli/pipe_split.c). The tracker reads only
 * these fields of f: kind, rc, why, csum; ip.ver, src, dst, anom, mf; tcp.sport, dport,
 * seq, ack, flags, win, hlen, seglen, paylen, paycap; with notes (cfg.no_notes false) the
 * TCP options too. */
bool sf_track_seg_hashed(struct sf_track *t, const struct sf_frame *f, uint32_t h, sf_ns now,
			 struct sf_seg_info *out);
uint32_t sf_track_frame_hash(const struct sf_frame *f);

/* Lets capture time pass (TIME_WAIT and idle expiry) without a segment. */
void sf_track_advance(struct sf_track *t, sf_ns now);

/* Finishes every connection still tracked (end of capture), those in
 * TIME_WAIT first, each list least recently seen first. */
void sf_track_flush(struct sf_track *t);
/* The same in no order worth relying on (the pool's), which is faster with
 * many connections: for a `done` that does not care. */
void sf_track_flush_unordered(struct sf_track *t);

/* Calls fn for each connection still tracked, oldest first. */
void sf_track_each(const struct sf_track *t, void (*fn)(void *arg, const struct sf_conn *c),
		   void *arg);

struct sf_track_stats sf_track_stats(const struct sf_track *t);

/* Prefetching, for a caller that can see frames coming: the tuple's hash,
 * then its stages a frame or more apart: 0 loads the bucket, 1 (once the
 * bucket has arrived) the whole of the first connection of its chain; then
 * sf_track_prefetch_rest (once that has): when the chain's first is another
 * connection (its ports differ), the next one in the chain, else the two
 * neighbours on its list, which the segment will relink. Hints only: they
 * change nothing, and a wrong hash costs a wasted load. */
uint32_t sf_track_hash(const struct sf_tuple *k);
/* Whether prefetching pays: only when the connections held outgrow the
 * caches; below that it is work for nothing. */
bool sf_track_wants_prefetch(const struct sf_track *t);
void sf_track_prefetch(const struct sf_track *t, uint32_t h, int stage);
void sf_track_prefetch_rest(const struct sf_track *t, uint32_t h, uint16_t sport, uint16_t dport);

#endif
