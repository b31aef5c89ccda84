/* decode/fsm.h: the TCP endpoint state machine of RFC 9293, one table for all.
 *
 * The tracker infers an endpoint's state from the segments it sends and
 * receives; the crafter drives its own endpoint with the same rows. A row
 * says: in state FROM, on event EV, go to TO and send SEND (flag bits).
 */
#ifndef SF_DECODE_FSM_H
#define SF_DECODE_FSM_H

#include <stdint.h>

#include "decode/dec.h"

enum sf_st {
	SF_ST_CLOSED = 0,
	SF_ST_LISTEN,
	SF_ST_SYN_SENT,
	SF_ST_SYN_RCVD,
	SF_ST_ESTABLISHED,
	SF_ST_FIN_WAIT_1,
	SF_ST_FIN_WAIT_2,
	SF_ST_CLOSE_WAIT,
	SF_ST_CLOSING,
	SF_ST_LAST_ACK,
	SF_ST_TIME_WAIT,
	SF_ST_COUNT
};

enum sf_ev {
	SF_EV_APP_LISTEN = 0, /* passive OPEN */
	SF_EV_APP_CONNECT,    /* active OPEN: a SYN goes out */
	SF_EV_APP_CLOSE,      /* CLOSE: a FIN goes out (or the attempt is dropped) */
	SF_EV_APP_ABORT,      /* ABORT: a RST goes out */
	SF_EV_RCV_SYN,        /* a SYN without ACK arrives */
	SF_EV_RCV_SYNACK,     /* a SYN that acknowledges our SYN arrives */
	SF_EV_RCV_ACK,        /* an ACK of our SYN or of our FIN arrives */
	SF_EV_RCV_FIN,        /* a FIN arrives that does not acknowledge ours */
	SF_EV_RCV_FINACK,     /* a FIN arrives that also acknowledges our FIN */
	SF_EV_RCV_RST,        /* an acceptable RST arrives */
	SF_EV_TIMEOUT,        /* 2*MSL passes in TIME_WAIT */
	SF_EV_COUNT
};

/* What a row sends, in TCP flag bits (decode/tcp.h SF_TH_*); the bit
 * SF_ROW (0x8000) marks a row as present and is not a flag. */
struct sf_trans {
	enum sf_st from;
	enum sf_ev ev;
	enum sf_st to;
	uint16_t send;
};

#define SF_FSM_SEND_MASK 0x0fff /* send & this: the flags to send */

/* The row for (from, ev), or NULL when RFC 9293 has none: the caller
 * records that as an anomaly naming both states. */
const struct sf_trans *sf_fsm_lookup(enum sf_st from, enum sf_ev ev);

/* "ESTABLISHED", "TIME_WAIT"... as the RFC writes them (with _ for -). */
const char *sf_st_name(enum sf_st st);
/* "ESTAB", "TIME-WAIT"... as ss(8) prints them. */
const char *sf_st_ss_name(enum sf_st st);
const char *sf_ev_name(enum sf_ev ev);

#endif
