/* decode/zeek.h: Zeek's view of a TCP connection: conn.log's conn_state and history.
 *
 * Zeek's TCP analyzer keeps its own endpoint states (INACTIVE, SYN_SENT,
 * SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET), a reassembler per
 * endpoint and a history string; conn.log's conn_state is derived from them
 * when the connection is removed. This module reproduces both, fed the same
 * segments as the tracker (/work/spec/zeek-tcp.md is the spec, written from
 * Zeek's TCPSessionAdapter.cc, TCP_Endpoint.cc, TCP_Reassembler.cc and
 * scripts/base/protocols/conn/main.zeek).
 *
 * Zeek ends connections where our tracker does not: an unanswered SYN is
 * dropped 5 s later, a closed connection 5 s after its close, an idle one
 * after 60 or 300 s, and a SYN with a new sequence number starts a new
 * connection on the same tuple. Those boundaries are Zeek's policy, not
 * RFC 9293's, so the tracker keeps its own and this module starts a new Zeek
 * connection inside the tracked one, handing the finished one to
 * sf_zeek_cfg.split first. The last Zeek connection of a tracked one is the
 * state left in struct sf_zeek when the tracker finishes it. The other way
 * round is not mended: when the tracker ends a connection Zeek would keep
 * (both ends CLOSED, then a stray segment), the next segment starts afresh.
 *
 * The state lives inside struct sf_conn, so it is packed into 48 bytes; what
 * that costs against Zeek (which keeps ~1 KB per connection) is listed at
 * struct sf_zeek.
 */
#ifndef SF_DECODE_ZEEK_H
#define SF_DECODE_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/frame.h"

/* Zeek's endpoint states, numbered as its script constants TCP_INACTIVE..TCP_RESET. */
enum sf_zeek_st {
	SF_ZEEK_INACTIVE = 0,
	SF_ZEEK_SYN_SENT,
	SF_ZEEK_SYN_ACK_SENT,
	SF_ZEEK_PARTIAL,
	SF_ZEEK_ESTABLISHED,
	SF_ZEEK_CLOSED,
	SF_ZEEK_RESET,
	SF_ZEEK_ST_COUNT
};

/* A bitmap of likely_server_ports, one bit per TCP port (bit p % 8 of byte p / 8). */
#define SF_ZEEK_PORTMAP_BYTES (65536 / 8)

struct sf_zeek;

/* Called when Zeek would have ended the connection `z` before the segment
 * `f` arrived (a timer ran out, or f's SYN reuses the tuple). f was sent by
 * our role `dir`; z's originator is our role sf_zeek_orig(z). `z` is valid
 * during the call only: the module then starts a new Zeek connection at f. */
typedef void (*sf_zeek_split_fn)(void *arg, const struct sf_zeek *z, int dir,
				 const struct sf_frame *f, int64_t now);

/* How Zeek was run. All zero is Zeek's default: checksums checked, the
 * full default likely_server_ports, no split callback. */
struct sf_zeek_cfg {
	bool ignore_checksums;       /* zeek -C: bad checksums are not dropped */
	bool partial_ok;             /* offloaded (partial) checksums are healthy, as synfin
					says; Zeek itself counts them bad unless -C */
	const uint8_t *server_ports; /* SF_ZEEK_PORTMAP_BYTES bitmap, NULL = Zeek's default set */
	sf_zeek_split_fn split;      /* may be NULL */
	void *split_arg;
};

/* One endpoint's packed state, indexed by OUR role (0 originator, 1
 * responder), whatever Zeek calls it. Sequence positions are kept as
 * distances below `last` (sf_zeek.last[]), so 16 bits suffice where Zeek
 * keeps 64. */
struct sf_zeek_side {
	uint16_t undelivered; /* last_seq - last_reassem_seq + 1, saturating */
	uint16_t span;        /* last_seq - start_seq, saturating: start is unknown at 0xffff */
	uint8_t st : 3;       /* enum sf_zeek_st */
	uint8_t prev : 3;     /* the state before it (Zeek's prev_state) */
	uint8_t fin : 1;      /* sent a FIN (FIN_cnt > 0) */
	uint8_t closed : 1;   /* Zeek's did_close */
	uint8_t acked : 1;    /* the peer acknowledged data (! NoDataAcked()) */
	uint8_t skip : 1;     /* the reassembler gave up (skip_deliveries) */
	uint8_t eof : 1;      /* the reassembler's did_EOF */
	uint8_t ooo : 1;      /* data buffered above a hole */
	uint8_t syn_nz : 1;   /* hist_last_SYN != 0 */
	uint8_t rst_lag : 3;  /* last_seq - hist_last_RST + 3 for -3..3, 7 = further */
	uint8_t fin_lag : 2;  /* last_seq - FIN_seq, 3 = further */
	uint8_t unacked : 2;  /* last_reassem_seq - trim_seq, 3 = further */
	uint8_t n_w : 4;      /* zero windows (saturating counters below) */
	uint8_t n_c;          /* bad checksums */
	uint8_t n_t;          /* retransmissions */
	uint8_t n_g;          /* content gaps */
};

/* One Zeek connection, zero-initialised by the tracker.
 *
 * What 48 bytes cost against Zeek's own state (each is documented at the
 * code that relies on it):
 *  - the history keeps what fits in 16 nibbles (12 to 16 letters): always
 *    the start of Zeek's, whose string has no bound;
 *  - the logarithmic letters stop at 10 zero windows, 100 checksum errors,
 *    gaps or retransmissions per side (Zeek goes on to 1000, 10000...);
 *  - the reassembler keeps one hole per side, not Zeek's block list, so a
 *    second hole above the first counts as part of it, and a segment that
 *    fills the bottom of a hole is taken to fill all of it;
 *  - start_seq, last_reassem_seq and trim_seq are distances below last_seq,
 *    exact within 64 KB, 64 KB and 3 bytes (only "none or some" of the
 *    unacknowledged data matters); FIN_seq and hist_last_RST within 3 bytes,
 *    hist_last_SYN as zero or not; beyond, the rules that read them answer
 *    "far" (two far RST positions count as the same one);
 *  - sequence numbers are 32-bit: sides over 4 GB lose Zeek's wrap counting
 *    (only Size() and very old retransmissions would notice), and the
 *    reassembler's 10 MiB buffer limit is not counted;
 *  - times are microseconds modulo 2^32: two segments of one connection
 *    must be less than 71 minutes apart (the tracker's idle timeout, 300 s
 *    by default, ends connections long before). */
struct sf_zeek {
	uint32_t last[2];        /* Zeek's last_seq per side (by our role) */
	uint32_t t_last;         /* Zeek's last_time, in microseconds mod 2^32 */
	uint32_t due : 23;       /* a pending timer, us after t_last; 0 = none */
	uint32_t due_delete : 1; /* ...the connection-delete timer, else the attempt timer */
	uint32_t flipped : 1;    /* Zeek's originator is our responder */
	uint32_t partial : 1;    /* Zeek's is_partial */
	uint32_t fps : 2;        /* first_packet_seen: 1 originator, 2 responder (Zeek's) */
	uint32_t deferred : 1;   /* close_deferred */
	uint32_t inact_tcp : 1;  /* inactivity timeout is tcp's 300 s, not udp's 60 s */
	uint32_t flip_seen : 1;  /* roles flipped once ('^' written) */
	uint32_t started : 1;    /* Zeek saw this connection */
	uint8_t hist[8];         /* history, two letters a byte (see zeek.c) */
	uint32_t hseen : 27;     /* the letters in hist, one bit per code: no decoding to ask */
	uint32_t hused : 5;      /* nibbles of hist in use, 0..16 */
	struct sf_zeek_side side[2];
};

/* One segment sent by our role `dir` (0 originator, 1 responder) at capture
 * time `now` (nanoseconds). `cfg` may be NULL (Zeek's defaults). */
void sf_zeek_seg(struct sf_zeek *z, const struct sf_zeek_cfg *cfg, int dir,
		 const struct sf_frame *f, int64_t now);

/* Whether Zeek had a connection at all: false when every segment was
 * dropped before connection lookup (e.g. an IP length past the frame). */
bool sf_zeek_started(const struct sf_zeek *z);

/* Our role (0 or 1) of the endpoint Zeek calls the originator. */
int sf_zeek_orig(const struct sf_zeek *z);

/* "S0", "SF", "REJ"... as conn.log writes it. */
const char *sf_zeek_conn_state(const struct sf_zeek *z);

/* The history string, NUL-terminated in buf (SF_ZEEK_HIST_MAX + 1 bytes
 * hold any); empty when conn.log would print "-". */
#define SF_ZEEK_HIST_MAX 16
const char *sf_zeek_history(const struct sf_zeek *z, char *buf, size_t n);

/* Zeek's endpoint state of our role `role`, and its script name ("SYN_SENT"). */
enum sf_zeek_st sf_zeek_state(const struct sf_zeek *z, int role);
const char *sf_zeek_st_name(enum sf_zeek_st st);

/* Fills `map` with Zeek's default likely_server_ports for TCP (every base
 * protocol script loaded, as without -b), and adds or lists ports. */
void sf_zeek_ports_default(uint8_t map[SF_ZEEK_PORTMAP_BYTES]);
void sf_zeek_ports_add(uint8_t map[SF_ZEEK_PORTMAP_BYTES], uint16_t port);

#endif
