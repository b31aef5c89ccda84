/* craft/utcp.h: a small user-space TCP endpoint, driven by decode/fsm.h's table.
 *
 * Two halves. The endpoint (struct sf_utcp) is pure: it is fed decoded
 * frames and the clock, and says what to send; every state change is a row
 * of sf_fsm_lookup(), the table the tracker infers with, so what the
 * crafter does and what the tracker believes cannot drift apart. The I/O
 * half (struct sf_utcp_io) captures the flow's segments with libpcap
 * (capture/live.h, a BPF filter for exactly the flow), builds the
 * endpoint's segments with craft/build.h (SF_BUILD_BYTES) and writes them
 * through a raw IP socket, as craft send does (IPv4 frames written on lo
 * from the link layer are dropped as martians: see craft/build.h), and
 * prints each step as a ladder line:
 *
 *   12:00:00.000100  SYN_SENT     ── S seq 0 mss 1460 ─────────────▶
 *   12:00:00.000150               ◀── S. seq 0 ack 1 mss 65495 ────  ESTABLISHED
 *
 * The endpoint is deliberately simple: one segment in flight at a time
 * (stop and wait), in-order data only (a segment past RCV.NXT is dropped and
 * answered with an ACK), every accepted byte or FIN acknowledged at once,
 * retransmission of SYN, SYN-ACK, data and FIN after 1, 2 and 4 s, then it
 * gives up. Its window is the free room of its receive buffer, unscaled.
 *
 * Also here: ADDR:PORT parsing and the safety check that keeps crafted
 * segments on loopback or on a network namespace's own links.
 */
#ifndef SF_CRAFT_UTCP_H
#define SF_CRAFT_UTCP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "craft/build.h"
#include "decode/dec.h"
#include "decode/frame.h"
#include "decode/fsm.h"

#define SF_UTCP_RTO_MS    1000  /* first retransmission timeout (RFC 6298's initial RTO) */
#define SF_UTCP_SENDS     3     /* a SYN, data or FIN is sent at most this often... */
#define SF_UTCP_RX_MAX    16384 /* receive buffer: also the largest window we offer */
#define SF_UTCP_TX_MAX    1400  /* ...and a data segment carries at most this much */
#define SF_UTCP_MSS       1460  /* the MSS option on our SYN */
#define SF_UTCP_TIME_WAIT 2000  /* ms in TIME_WAIT: a demo, not Linux's 60 s */
#define SF_UTCP_RUN_MAX_S 30    /* the whole run, in seconds */

/* An address with a port. IPv4 in the first 4 bytes. */
struct sf_utcp_addr {
	uint8_t ver; /* 4 or 6 */
	uint8_t a[16];
	uint16_t port;
};

/* "127.0.0.1:9000", "[::1]:9000"; numeric only (no names: nothing is looked
 * up). With need_port false, the address alone ("::1", "[::1]",
 * "127.0.0.1") is taken and port is 0. False with err. */
SF_NODISCARD bool sf_utcp_addr_parse(const char *s, bool need_port, struct sf_utcp_addr *out,
				     char *err, size_t errlen);

/* "127.0.0.1:9000" or "[::1]:9000"; the address alone when port is 0;
 * buf >= 64. */
const char *sf_utcp_addr_str(const struct sf_utcp_addr *a, char *buf, size_t len);

bool sf_utcp_is_loopback(uint8_t ver, const uint8_t a[16]);

/* --- where segments go -------------------------------------------------------- */

/* Whether segments may go there at all is craft/safety.h's question, the
 * same for every crafter mode; these only find the way. */

/* The address this host would send from to reach dst (the kernel's route,
 * asked by connecting a UDP socket: nothing is sent). False with err. */
SF_NODISCARD bool sf_utcp_source_for(uint8_t ver, const uint8_t dst[16], uint8_t src[16], char *err,
				     size_t errlen);
/* The name of the interface that holds address a; false when none does. */
bool sf_utcp_dev_of(uint8_t ver, const uint8_t a[16], char *dev, size_t len);

/* --- the endpoint, pure ------------------------------------------------------ */

struct sf_utcp_cfg {
	struct sf_utcp_addr local, remote; /* remote.port 0: a listener, any peer */
	uint32_t isn;
	uint16_t mss;       /* on our SYN; 0: SF_UTCP_MSS */
	bool ts;            /* offer timestamps (RFC 7323) */
	uint32_t time_wait; /* ms; 0: SF_UTCP_TIME_WAIT */
};

/* Why a received segment was not taken (or only answered). */
enum sf_utcp_why {
	SF_UTCP_OK = 0,
	SF_UTCP_NOT_OURS, /* another 4-tuple or family */
	SF_UTCP_BROKEN,   /* not a decodable TCP segment */
	SF_UTCP_BAD_ACK,  /* the SYN-ACK's ack is not our ISN+1, or an ACK of nothing sent */
	SF_UTCP_NO_ACK,   /* no ACK flag in a synchronized state */
	SF_UTCP_SEQ,      /* outside the receive window: answered with an ACK */
	SF_UTCP_OLD_SYN,  /* the peer's SYN again: our SYN-ACK is re-sent */
	SF_UTCP_SYN_LATE, /* a SYN in a synchronized state: answered with an ACK */
	SF_UTCP_RST_BAD,  /* a RST that is not acceptable: dropped */
	SF_UTCP_NO_ROW,   /* the table has no row for this state and event */
	SF_UTCP_IGNORED,  /* nothing to do in this state (e.g. a stray ACK) */
	SF_UTCP_WHY_COUNT
};
const char *sf_utcp_why_str(enum sf_utcp_why why);

#define SF_UTCP_CHG_MAX 2 /* SYN_RCVD -> ESTABLISHED -> CLOSE_WAIT is the most one segment does */

/* What one call did and what to send. At most one segment per call: the
 * endpoint never has two things to say at once. */
struct sf_utcp_act {
	enum sf_utcp_why why;
	unsigned nchg; /* state changes, in order: from --ev--> to */
	struct {
		enum sf_st from, to;
		enum sf_ev ev;
	} chg[SF_UTCP_CHG_MAX];
	enum sf_ev no_row_ev; /* with why NO_ROW: the event the table has no row for */
	uint16_t send;        /* flags of the segment to send now; 0: none */
	bool held; /* it is the outstanding segment (SYN, data, FIN): kept for retransmission */
	bool rtx;  /* it is a repeat of the outstanding segment (try `tries`) */
	unsigned tries; /* sends of the outstanding segment so far */
	bool gave_up;   /* the outstanding segment was sent SF_UTCP_SENDS times, unanswered */
	size_t rcvd;    /* payload bytes taken into the receive buffer */
	bool fin_rcvd;  /* the peer's FIN was taken */
	bool reset;     /* the peer's RST was taken: the connection is gone */
};

struct sf_utcp {
	struct sf_utcp_cfg cfg;
	enum sf_st st;
	uint32_t iss, snd_una, snd_nxt; /* RFC 9293 3.3.1 */
	uint32_t irs, rcv_nxt;
	bool irs_known;
	uint16_t snd_wnd, peer_mss;
	bool ts_on; /* both sides sent timestamps on the SYNs */
	uint32_t ts_recent, ts_base;
	bool fin_sent;
	uint32_t fin_seq; /* the sequence number our FIN takes */
	bool fin_rcvd;
	/* The one segment in flight, for retransmission. */
	struct {
		bool on;
		uint16_t flags;
		uint32_t seq;
		size_t len;
		uint8_t data[SF_UTCP_TX_MAX];
		unsigned tries;
		uint64_t due; /* ms */
	} out;
	uint64_t tw_due; /* TIME_WAIT ends (ms) */
	uint8_t rx[SF_UTCP_RX_MAX];
	size_t rx_len;
	uint64_t rx_total; /* bytes ever taken: a wait can tell that something came */
};

/* CLOSED, with the ISN and addresses of cfg. */
void sf_utcp_init(struct sf_utcp *u, const struct sf_utcp_cfg *cfg);

/* The application's calls, each through the table. now: ms of a monotonic
 * clock. False (act->why NO_ROW) when the state allows no such call. */
SF_NODISCARD bool sf_utcp_connect(struct sf_utcp *u, uint64_t now, struct sf_utcp_act *act);
SF_NODISCARD bool sf_utcp_listen(struct sf_utcp *u, struct sf_utcp_act *act);
SF_NODISCARD bool sf_utcp_close(struct sf_utcp *u, uint64_t now, struct sf_utcp_act *act);
SF_NODISCARD bool sf_utcp_abort(struct sf_utcp *u, struct sf_utcp_act *act);
/* Queues up to SF_UTCP_TX_MAX bytes (and the peer's MSS) as one data
 * segment; the number taken. 0 when something is still in flight or the
 * state cannot send. */
size_t sf_utcp_write(struct sf_utcp *u, const uint8_t *data, size_t len, uint64_t now,
		     struct sf_utcp_act *act);
/* Takes up to len received bytes out of the buffer (opening the window). */
size_t sf_utcp_read(struct sf_utcp *u, uint8_t *buf, size_t len);

/* One decoded frame and its TCP payload (pay/paylen, what was captured). */
void sf_utcp_input(struct sf_utcp *u, const struct sf_frame *f, const uint8_t *pay, size_t paylen,
		   uint64_t now, struct sf_utcp_act *act);

/* Timers: retransmission and the end of TIME_WAIT. */
void sf_utcp_tick(struct sf_utcp *u, uint64_t now, struct sf_utcp_act *act);
/* The segment of act went out at now: its retransmission timer starts
 * then, not when it was decided (a --pause may lie between). */
void sf_utcp_sent(struct sf_utcp *u, const struct sf_utcp_act *a, uint64_t now);
/* The next moment a timer is due (ms), or UINT64_MAX. */
uint64_t sf_utcp_next_due(const struct sf_utcp *u);

/* Everything we sent has been acknowledged. */
bool sf_utcp_idle(const struct sf_utcp *u);

/* The backoff: the wait after the n-th send (n = 1, 2, 3...: 1 s, 2 s, 4 s). */
unsigned sf_utcp_rto_ms(unsigned n);

/* RFC 9293 3.10.7.4's test: is a segment of seglen sequence numbers (data,
 * plus one for SYN and for FIN) starting at seq acceptable for a receive
 * window of wnd at rcv_nxt? */
bool sf_utcp_seq_ok(uint32_t rcv_nxt, uint32_t wnd, uint32_t seq, uint32_t seglen);

/* The segment for act->send, as craft/build.h takes it: the outstanding
 * segment when act->held or act->rtx, else an ACK or RST at SND.NXT. */
void sf_utcp_seg(const struct sf_utcp *u, const struct sf_utcp_act *act, uint64_t now,
		 struct sf_seg *seg);

/* --- the I/O half ------------------------------------------------------------- */

struct sf_utcp_io_cfg {
	const char *device;          /* where to capture: "lo", or the route's interface */
	FILE *out;                   /* ladder lines; NULL: none */
	bool ascii;                  /* - > < instead of ─ ▶ ◀ */
	unsigned pause_ms;           /* wait this long before each new crafted segment */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: every wait ends early */
	/* A listener asks this of each SYN's source before it answers (NULL:
	 * any); a SYN from a refused source is shown and ignored. */
	bool (*peer_ok)(uint8_t ver, const uint8_t a[16], void *ctx);
	void *peer_ctx;
};

enum sf_utcp_io_rc {
	SF_UTCP_IO_OK = 0,
	SF_UTCP_IO_PERM, /* no privilege to capture or inject */
	SF_UTCP_IO_FAIL, /* err says why */
};

struct sf_utcp_io;

/* Opens the capture of the flow's incoming segments (remote.port 0: every
 * segment to local) and the injector. */
SF_NODISCARD enum sf_utcp_io_rc sf_utcp_io_open(struct sf_utcp_io **out, const struct sf_utcp *u,
						const struct sf_utcp_io_cfg *cfg, char *err,
						size_t errlen);
void sf_utcp_io_close(struct sf_utcp_io *io);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t sf_utcp_now_ms(void);

/* Prints the ladder line for act and sends act->send (after the pause, if
 * it is not a retransmission). False with err when injecting failed. */
SF_NODISCARD bool sf_utcp_io_act(struct sf_utcp_io *io, struct sf_utcp *u,
				 const struct sf_utcp_act *act, char *err, size_t errlen);

/* A note on the ladder, at the arrows' column: "(read 6 bytes: "hello\n")". */
void sf_utcp_io_note(struct sf_utcp_io *io, const struct sf_utcp *u, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

enum sf_utcp_wait {
	SF_UTCP_WAIT_DONE = 0, /* until() said so */
	SF_UTCP_WAIT_TIMEOUT,  /* the deadline passed */
	SF_UTCP_WAIT_STOPPED,  /* *stop was set */
	SF_UTCP_WAIT_GAVE_UP,  /* retransmissions exhausted */
	SF_UTCP_WAIT_RESET,    /* the peer reset the connection */
	SF_UTCP_WAIT_ERROR,    /* capture or injection failed: err says why */
};

/* Runs the endpoint (input, timers, the segments they call for) until
 * until(u, ctx) is true, checked after every step, or deadline (ms). */
SF_NODISCARD enum sf_utcp_wait sf_utcp_io_wait(struct sf_utcp_io *io, struct sf_utcp *u,
					       bool (*until)(const struct sf_utcp *u, void *ctx),
					       void *ctx, uint64_t deadline, char *err,
					       size_t errlen);

#endif
