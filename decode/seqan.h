/* decode/seqan.h: tshark 4.0's TCP sequence analysis and tcp.completeness.
 *
 * The notes a tshark user knows by name (tcp.analysis.*) and the stream's
 * tcp.completeness, computed in one pass as tshark 4.0.17 computes them
 * (packet-tcp.c tcp_analyze_sequence_number(); /work/spec/tshark-tcp.md is
 * the spec). The state lives inside struct sf_conn, so it is packed: 56
 * bytes for both directions.
 *
 * Contract: call sf_seqan_seg() for every TCP segment of one connection, in
 * capture order, starting from zeroed state; `reused` is true when the caller
 * began this connection because a SYN reused the tuple. The module does not
 * need the caller's idea of a connection to match tshark's stream: when
 * tshark would start a new stream (a SYN with another ISN) and the caller did
 * not, the state restarts here all the same, so the notes stay tshark's.
 *
 * Where the packing costs exactness (each bound is far from what TCP does):
 *  - times are kept in microseconds: a nanosecond capture is compared at
 *    microsecond precision;
 *  - ages are kept within +-8.39 s, the other side's last segment within
 *    +-32.7 ms: an initial RTT above 8.39 s, or time running backwards by
 *    more than about 12 ms, can decide a threshold differently;
 *  - the ISN (tshark's base_seq) is kept as a 16-bit hash: a new SYN whose
 *    ISN hashes as the old one's (1 in 65536) reads as a retransmission;
 *  - a run of duplicate ACKs stops counting at 65534;
 *  - tshark's cap of 10000 unacknowledged segments, past which a SYN or FIN
 *    no longer counts a sequence number, is not kept.
 */
#ifndef SF_DECODE_SEQAN_H
#define SF_DECODE_SEQAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/frame.h"

/* One bit per tshark analysis flag (ta->flags); sf_seqan_note_name() names
 * them. Exactly one of the three retransmission kinds is set, as in tshark's
 * Info column; tshark's field tcp.analysis.retransmission is present for all
 * three (SF_NOTE_RETRANSMISSIONS). */
enum {
	SF_NOTE_RETRANSMISSION = 1u << 0,
	SF_NOTE_FAST_RETRANSMISSION = 1u << 1,
	SF_NOTE_SPURIOUS_RETRANSMISSION = 1u << 2,
	SF_NOTE_OUT_OF_ORDER = 1u << 3,
	SF_NOTE_LOST_SEGMENT = 1u << 4,     /* previous segment not captured */
	SF_NOTE_ACK_LOST_SEGMENT = 1u << 5, /* ACKed unseen segment */
	SF_NOTE_DUPLICATE_ACK = 1u << 6,    /* with the count in sf_seqan_out.dupack */
	SF_NOTE_ZERO_WINDOW = 1u << 7,
	SF_NOTE_ZERO_WINDOW_PROBE = 1u << 8,
	SF_NOTE_ZERO_WINDOW_PROBE_ACK = 1u << 9,
	SF_NOTE_WINDOW_UPDATE = 1u << 10,
	SF_NOTE_WINDOW_FULL = 1u << 11,
	SF_NOTE_KEEP_ALIVE = 1u << 12,
	SF_NOTE_KEEP_ALIVE_ACK = 1u << 13,
	SF_NOTE_REUSED_PORTS = 1u << 14,
};
#define SF_NOTE_BITS 15
#define SF_NOTE_RETRANSMISSIONS \
	(SF_NOTE_RETRANSMISSION | SF_NOTE_FAST_RETRANSMISSION | SF_NOTE_SPURIOUS_RETRANSMISSION)

/* tshark's tcp.completeness bits. */
enum {
	SF_COMPL_SYN = 1u << 0,
	SF_COMPL_SYNACK = 1u << 1,
	SF_COMPL_ACK = 1u << 2,
	SF_COMPL_DATA = 1u << 3,
	SF_COMPL_FIN = 1u << 4,
	SF_COMPL_RST = 1u << 5,
};

/* One direction's flags beside its numbers (tshark's tcp_flow_t, cut down to
 * what the notes read). Four bytes. */
struct sf_seqan_dir {
	signed int nst_age : 24;    /* us from the segment that last raised nextseq to now_us */
	unsigned int ws : 5;        /* window scale: SF_SEQAN_WS_NONE, _UNKNOWN, or 2 + shift */
	unsigned int base_set : 1;  /* tshark's BASE_SEQ_SET: base[] holds something */
	unsigned int win_set : 1;   /* win[] holds a window (tshark starts at 0xFFFFFFFF) */
	unsigned int first_ack : 1; /* tshark's is_first_ack: its SYN's window is unscaled */
};

enum { SF_SEQAN_WS_NONE = 0, SF_SEQAN_WS_UNKNOWN = 1 }; /* tshark's -2 and -1 */

/* Both directions, indexed by the sender's role (0 originator, 1 responder).
 * Arrays per field rather than one struct per direction: no padding. */
struct sf_seqan {
	uint32_t nextseq[2]; /* one past the highest sequence number sent; 0 = unset */
	uint32_t maxseq[2];  /* tshark's maxseqtobeacked; 0 = unset */
	uint32_t lastack[2]; /* ack field of the last analysed segment, ACK flag or not */
	uint32_t now_us;     /* us clock (mod 2^32) of the last analysed segment */
	uint16_t win[2];     /* raw window of the last analysed segment */
	uint16_t base[2];    /* tshark's base_seq, as a 16-bit hash (isn_hash()) */
	uint16_t dupack[2];  /* duplicate-ACK count; 0xffff is tshark's -1 */
	struct sf_seqan_dir d[2];
	signed int rtt : 24;           /* iRTT in us when RTT_KNOWN; the SYN's age while RTT_SYN */
	unsigned int mptcp : 8;        /* MPTCP subtypes seen, one bit each (mp_operations) */
	signed int peer_age : 16;      /* us from the other direction's last analysed segment */
	unsigned int completeness : 6; /* SF_COMPL_*, after the last segment */
	unsigned int last_dir : 1;     /* sender of the segment at now_us */
	unsigned int started : 1;      /* a segment was seen: tshark's conversation exists */
	unsigned int rtt_state : 2;    /* SF_SEQAN_RTT_* */
	unsigned int ka : 2;           /* per direction: its last segment was a keep-alive */
	unsigned int zwp : 2;          /* per direction: ... a zero-window probe */
	unsigned int mp_stale : 2;     /* per direction: mptcp changed since its last segment */
};

enum { SF_SEQAN_RTT_NONE = 0, SF_SEQAN_RTT_SYN, SF_SEQAN_RTT_KNOWN };

struct sf_seqan_out {
	uint32_t notes;       /* SF_NOTE_*, none when tshark prints no analysis */
	uint32_t dupack;      /* duplicate ACK number, when SF_NOTE_DUPLICATE_ACK */
	uint8_t completeness; /* tcp.completeness as tshark shows it on this frame:
			       * the stream's bits BEFORE this segment counts */
};

/* One segment from direction `dir` (0 originator, 1 responder) captured at
 * `now` (nanoseconds); `reused` says the caller began this connection at
 * this segment because its SYN reused the tuple. Fills `out`. */
void sf_seqan_seg(struct sf_seqan *s, int dir, const struct sf_frame *f, int64_t now, bool reused,
		  struct sf_seqan_out *out);

/* The same segment for a caller that reads only the completeness (and the
 * stream's start): the notes are not worked out, which halves the cost.
 * A connection must be fed by one of the two functions throughout. */
void sf_seqan_seg_completeness(struct sf_seqan *s, int dir, const struct sf_frame *f, int64_t now,
			       bool reused);

/* Whether tshark 4.0 begins a new stream at this segment of the connection
 * (asked before sf_seqan_seg() sees it): a pure SYN whose ISN differs from
 * its side's base_seq, which is that side's first SYN, or its first
 * segment's sequence number less one, or the other side's first ack less
 * one (spec section 4.2). tshark never ends a stream otherwise. */
bool sf_seqan_new_stream(const struct sf_seqan *s, int dir, const struct sf_frame *f);

/* The stream's tcp.completeness bits once every segment so far counts. */
unsigned sf_seqan_completeness(const struct sf_seqan *s);

/* tshark's field name after "tcp.analysis." ("retransmission",
 * "duplicate_ack"...) for one SF_NOTE_* bit; "?" for anything else. */
const char *sf_seqan_note_name(uint32_t bit);
/* tshark's Info-column words ("TCP Retransmission", "TCP Dup ACK"...). */
const char *sf_seqan_note_text(uint32_t bit);

#endif
