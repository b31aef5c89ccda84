/* decode/fsm.c: RFC 9293 section 3.3.2, Figure 5, as a table.
 *
 *                             +---------+ ---------\      active OPEN
 *                             |  CLOSED |            \    -----------
 *                             +---------+<---------\   \   create TCB
 *                               |     ^              \   \  snd SYN
 *                  passive OPEN |     |   CLOSE        \   \
 *                  ------------ |     | ----------       \   \
 *                   create TCB  |     | delete TCB         \   \
 *                               V     |                      \   \
 *           rcv RST (note 1)  +---------+            CLOSE    |    \
 *        -------------------->|  LISTEN |          ---------- |     |
 *       /                     +---------+          delete TCB |     |
 *      /           rcv SYN      |     |     SEND              |     |
 *     /           -----------   |     |    -------            |     V
 * +--------+      snd SYN,ACK  /       \   snd SYN          +--------+
 * |        |<-----------------           ------------------>|        |
 * |  SYN   |                    rcv SYN                     |  SYN   |
 * |  RCVD  |<-----------------------------------------------|  SENT  |
 * |        |                  snd SYN,ACK                   |        |
 * |        |------------------           -------------------|        |
 * +--------+   rcv ACK of SYN  \       /  rcv SYN,ACK       +--------+
 *    |         --------------   |     |   -----------
 *    |                x         |     |     snd ACK
 *    |                          V     V
 *    |  CLOSE                 +---------+
 *    | -------                |  ESTAB  |
 *    | snd FIN                +---------+
 *    |                 CLOSE    |     |    rcv FIN
 *    V                -------   |     |    -------
 * +---------+         snd FIN  /       \   snd ACK         +---------+
 * |  FIN    |<----------------          ------------------>|  CLOSE  |
 * | WAIT-1  |------------------                            |   WAIT  |
 * +---------+          rcv FIN  \                          +---------+
 *   | rcv ACK of FIN   -------   |                          CLOSE  |
 *   | --------------   snd ACK   |                         ------- |
 *   V        x                   V                         snd FIN V
 * +---------+               +---------+                    +---------+
 * |FINWAIT-2|               | CLOSING |                    | LAST-ACK|
 * +---------+               +---------+                    +---------+
 *   |              rcv ACK of FIN |                 rcv ACK of FIN |
 *   |  rcv FIN     -------------- |    Timeout=2MSL -------------- |
 *   |  -------            x       V    ------------        x       V
 *    \ snd ACK              +---------+delete TCB          +---------+
 *      -------------------->|TIME-WAIT|------------------->| CLOSED  |
 *                           +---------+                    +---------+
 *
 * The rows below are the arrows of the figure plus what section 3.10
 * says of RST and of FIN+ACK arriving in FIN-WAIT-1 (straight to
 * TIME-WAIT). RST rows come last.
 */
#include "decode/fsm.h"

#include <stddef.h>

#include "decode/tcp.h"

#define SYN SF_TH_SYN
#define ACK SF_TH_ACK
#define FIN SF_TH_FIN
#define RST SF_TH_RST

/* Indexed by [from][event]: a missing row is all zero, so `send` carries
 * SF_ROW to tell a row from none. */
#define SF_ROW                 0x8000
#define ROW(from, ev, to, snd) [from][ev] = { from, ev, to, (snd) | SF_ROW }

static const struct sf_trans trans_tab[SF_ST_COUNT][SF_EV_COUNT] = {
	ROW(SF_ST_CLOSED, SF_EV_APP_LISTEN, SF_ST_LISTEN, 0),
	ROW(SF_ST_CLOSED, SF_EV_APP_CONNECT, SF_ST_SYN_SENT, SYN),
	ROW(SF_ST_LISTEN, SF_EV_APP_CONNECT, SF_ST_SYN_SENT, SYN),
	ROW(SF_ST_LISTEN, SF_EV_APP_CLOSE, SF_ST_CLOSED, 0),
	ROW(SF_ST_LISTEN, SF_EV_RCV_SYN, SF_ST_SYN_RCVD, SYN | ACK),
	ROW(SF_ST_SYN_SENT, SF_EV_APP_CLOSE, SF_ST_CLOSED, 0),
	ROW(SF_ST_SYN_SENT, SF_EV_RCV_SYNACK, SF_ST_ESTABLISHED, ACK),
	ROW(SF_ST_SYN_SENT, SF_EV_RCV_SYN, SF_ST_SYN_RCVD, SYN | ACK), /* simultaneous open */
	ROW(SF_ST_SYN_RCVD, SF_EV_RCV_ACK, SF_ST_ESTABLISHED, 0),
	/* the peer's SYN,ACK in simultaneous open */
	ROW(SF_ST_SYN_RCVD, SF_EV_RCV_SYNACK, SF_ST_ESTABLISHED, 0),
	ROW(SF_ST_SYN_RCVD, SF_EV_APP_CLOSE, SF_ST_FIN_WAIT_1, FIN),
	ROW(SF_ST_ESTABLISHED, SF_EV_APP_CLOSE, SF_ST_FIN_WAIT_1, FIN),
	ROW(SF_ST_ESTABLISHED, SF_EV_RCV_FIN, SF_ST_CLOSE_WAIT, ACK),
	ROW(SF_ST_FIN_WAIT_1, SF_EV_RCV_ACK, SF_ST_FIN_WAIT_2, 0),
	ROW(SF_ST_FIN_WAIT_1, SF_EV_RCV_FIN, SF_ST_CLOSING, ACK),
	ROW(SF_ST_FIN_WAIT_1, SF_EV_RCV_FINACK, SF_ST_TIME_WAIT, ACK),
	ROW(SF_ST_FIN_WAIT_2, SF_EV_RCV_FIN, SF_ST_TIME_WAIT, ACK),
	ROW(SF_ST_FIN_WAIT_2, SF_EV_RCV_FINACK, SF_ST_TIME_WAIT, ACK),
	ROW(SF_ST_CLOSE_WAIT, SF_EV_APP_CLOSE, SF_ST_LAST_ACK, FIN),
	ROW(SF_ST_CLOSING, SF_EV_RCV_ACK, SF_ST_TIME_WAIT, 0),
	ROW(SF_ST_LAST_ACK, SF_EV_RCV_ACK, SF_ST_CLOSED, 0),
	ROW(SF_ST_TIME_WAIT, SF_EV_TIMEOUT, SF_ST_CLOSED, 0),
	/* Section 3.10.7.4: a RST in any synchronized or half-open state ends
	 * the connection; a listener that had a SYN goes back to listening,
	 * which a capture cannot tell from a closed socket, so CLOSED. */
	ROW(SF_ST_SYN_SENT, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_SYN_RCVD, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_ESTABLISHED, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_FIN_WAIT_1, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_FIN_WAIT_2, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_CLOSE_WAIT, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_CLOSING, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_LAST_ACK, SF_EV_RCV_RST, SF_ST_CLOSED, 0),
	ROW(SF_ST_TIME_WAIT, SF_EV_RCV_RST, SF_ST_CLOSED, 0), /* RFC 1337's hazard, as Linux does */
	ROW(SF_ST_SYN_SENT, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_SYN_RCVD, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_ESTABLISHED, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_FIN_WAIT_1, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_FIN_WAIT_2, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_CLOSE_WAIT, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_CLOSING, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_LAST_ACK, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
	ROW(SF_ST_TIME_WAIT, SF_EV_APP_ABORT, SF_ST_CLOSED, RST),
};

const struct sf_trans *sf_fsm_lookup(enum sf_st from, enum sf_ev ev)
{
	const struct sf_trans *t = NULL;
	if ((unsigned)from >= SF_ST_COUNT || (unsigned)ev >= SF_EV_COUNT)
		return NULL;
	t = &trans_tab[from][ev];
	return (t->send & SF_ROW) ? t : NULL;
}

static const char *const st_names[] = {
	[SF_ST_CLOSED] = "CLOSED",           [SF_ST_LISTEN] = "LISTEN",
	[SF_ST_SYN_SENT] = "SYN_SENT",       [SF_ST_SYN_RCVD] = "SYN_RCVD",
	[SF_ST_ESTABLISHED] = "ESTABLISHED", [SF_ST_FIN_WAIT_1] = "FIN_WAIT_1",
	[SF_ST_FIN_WAIT_2] = "FIN_WAIT_2",   [SF_ST_CLOSE_WAIT] = "CLOSE_WAIT",
	[SF_ST_CLOSING] = "CLOSING",         [SF_ST_LAST_ACK] = "LAST_ACK",
	[SF_ST_TIME_WAIT] = "TIME_WAIT",
};
_Static_assert(sizeof(st_names) / sizeof(st_names[0]) == SF_ST_COUNT, "st_names");

static const char *const st_ss_names[] = {
	[SF_ST_CLOSED] = "CLOSED",         [SF_ST_LISTEN] = "LISTEN",
	[SF_ST_SYN_SENT] = "SYN-SENT",     [SF_ST_SYN_RCVD] = "SYN-RECV",
	[SF_ST_ESTABLISHED] = "ESTAB",     [SF_ST_FIN_WAIT_1] = "FIN-WAIT-1",
	[SF_ST_FIN_WAIT_2] = "FIN-WAIT-2", [SF_ST_CLOSE_WAIT] = "CLOSE-WAIT",
	[SF_ST_CLOSING] = "CLOSING",       [SF_ST_LAST_ACK] = "LAST-ACK",
	[SF_ST_TIME_WAIT] = "TIME-WAIT",
};
_Static_assert(sizeof(st_ss_names) / sizeof(st_ss_names[0]) == SF_ST_COUNT, "st_ss_names");

static const char *const ev_names[] = {
	[SF_EV_APP_LISTEN] = "app_listen", [SF_EV_APP_CONNECT] = "app_connect",
	[SF_EV_APP_CLOSE] = "app_close",   [SF_EV_APP_ABORT] = "app_abort",
	[SF_EV_RCV_SYN] = "rcv_syn",       [SF_EV_RCV_SYNACK] = "rcv_synack",
	[SF_EV_RCV_ACK] = "rcv_ack",       [SF_EV_RCV_FIN] = "rcv_fin",
	[SF_EV_RCV_FINACK] = "rcv_finack", [SF_EV_RCV_RST] = "rcv_rst",
	[SF_EV_TIMEOUT] = "timeout",
};
_Static_assert(sizeof(ev_names) / sizeof(ev_names[0]) == SF_EV_COUNT, "ev_names");

const char *sf_st_name(enum sf_st st)
{
	return (unsigned)st < SF_ST_COUNT ? st_names[st] : "?";
}

const char *sf_st_ss_name(enum sf_st st)
{
	return (unsigned)st < SF_ST_COUNT ? st_ss_names[st] : "?";
}

const char *sf_ev_name(enum sf_ev ev)
{
	return (unsigned)ev < SF_EV_COUNT ? ev_names[ev] : "?";
}
