/* craft/utcp.c: the user-space TCP endpoint (pure), its capture and injection, its ladder lines.
 *
 * Receiving follows RFC 9293 section 3.10.7 in its order, cut down to what
 * one conversation with one kernel needs:
 *
 *   LISTEN      a SYN: remember the peer, RCV_SYN (send SYN,ACK)
 *   SYN_SENT    ACK != ISS+1: drop; RST with the right ACK: RCV_RST;
 *               SYN,ACK: RCV_SYNACK (send ACK); a bare SYN: RCV_SYN
 *   otherwise   1 sequence number acceptable? else ACK and drop
 *               2 RST: only at exactly RCV.NXT (RFC 5961), else an ACK
 *               3 SYN: an ACK (RFC 5961's challenge), drop
 *               4 ACK: SYN_RCVD -> RCV_ACK; move SND.UNA; a FIN of ours
 *                 acknowledged makes RCV_ACK (or RCV_FINACK below)
 *               5 data at RCV.NXT into the buffer, ACK it
 *               6 FIN at RCV.NXT: RCV_FIN (RCV_FINACK in FIN_WAIT_1 when
 *                 the same segment acknowledged our FIN), ACK it
 *
 * Every change of state is one call of step(), which looks the row up in
 * decode/fsm.c's table and takes what it says to send.
 */
#include "craft/utcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/chat.h"
#include "capture/live.h"
#include "craft/guard.h"
#include "decode/seq.h"
#include "decode/tcp.h"

#define SYN SF_TH_SYN
#define ACK SF_TH_ACK
#define FIN SF_TH_FIN
#define RST SF_TH_RST
#define PSH SF_TH_PSH

/* --- addresses ---------------------------------------------------------------- */

static size_t alen(uint8_t ver)
{
	return ver == 6 ? 16 : 4;
}

static bool parse_ip(const char *s, size_t n, struct sf_utcp_addr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(out->a, 0, sizeof out->a);
	if (inet_pton(AF_INET, buf, out->a) == 1) {
		out->ver = 4;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->a) == 1) {
		out->ver = 6;
		return true;
	}
	return false;
}

bool sf_utcp_addr_parse(const char *s, bool need_port, struct sf_utcp_addr *out, char *err,
			size_t errlen)
{
	const char *host = s, *port = NULL, *colon = NULL;
	size_t hlen = 0;
	uint64_t p = 0;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL) {
			snprintf(err, errlen, "'%s': no ']' after the IPv6 address", s);
			return false;
		}
		host = s + 1;
		hlen = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0') {
			snprintf(err, errlen, "'%s': expected ':PORT' after ']'", s);
			return false;
		}
		if (!parse_ip(host, hlen, out) || out->ver != 6) {
			snprintf(err, errlen, "'%s': not a numeric IPv6 address in the brackets",
				 s);
			return false;
		}
	} else {
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon) {
			/* Two colons or more: an IPv6 address, bare. */
			if (need_port || !parse_ip(s, strlen(s), out)) {
				snprintf(err, errlen,
					 "'%s': write an IPv6 address in brackets, as [::1]:9000",
					 s);
				return false;
			}
			return true;
		}
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
		port = colon != NULL ? colon + 1 : NULL;
		if (!parse_ip(host, hlen, out)) {
			snprintf(err, errlen,
				 "'%s': not a numeric address (names are not looked up): "
				 "127.0.0.1:9000 or [::1]:9000",
				 s);
			return false;
		}
	}
	if (port == NULL) {
		if (need_port) {
			snprintf(err, errlen, "'%s': no port: ADDR:PORT, as 127.0.0.1:9000", s);
			return false;
		}
		return true;
	}
	if (!need_port) {
		snprintf(err, errlen, "'%s': an address without a port is wanted here", s);
		return false;
	}
	if (!sf_chat_parse_num(port, 65535, &p) || p == 0) {
		snprintf(err, errlen, "'%s': the port must be a number from 1 to 65535", s);
		return false;
	}
	out->port = (uint16_t)p;
	return true;
}

const char *sf_utcp_addr_str(const struct sf_utcp_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	(void)inet_ntop(a->ver == 6 ? AF_INET6 : AF_INET, a->a, ip, sizeof ip);
	if (a->port == 0)
		snprintf(buf, len, "%s", ip);
	else if (a->ver == 6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

bool sf_utcp_is_loopback(uint8_t ver, const uint8_t a[16])
{
	static const uint8_t one6[16] = { [15] = 1 };

	return ver == 6 ? memcmp(a, one6, 16) == 0 : a[0] == 127;
}

/* --- the way to a destination ----------------------------------------------------- */

bool sf_utcp_source_for(uint8_t ver, const uint8_t dst[16], uint8_t src[16], char *err,
			size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd = socket(ver == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	memset(&ss, 0, sizeof ss);
	if (ver == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(9); /* any port: a UDP connect only picks the route */
		memcpy(&s6->sin6_addr, dst, 16);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(9);
		memcpy(&s4->sin_addr, dst, 4);
		sl = sizeof *s4;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0) {
		snprintf(err, errlen, "no route to the destination: %s", strerror(errno));
		goto out;
	}
	sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "cannot find our address: %s", strerror(errno));
		goto out;
	}
	memset(src, 0, 16);
	if (ver == 6)
		memcpy(src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(src, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

bool sf_utcp_dev_of(uint8_t ver, const uint8_t a[16], char *dev, size_t len)
{
	struct ifaddrs *list = NULL;
	bool found = false;

	if (getifaddrs(&list) != 0)
		return false;
	for (const struct ifaddrs *i = list; i != NULL && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;
		if (sa == NULL)
			continue;
		if (ver == 4 && sa->sa_family == AF_INET)
			found = memcmp(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, a,
				       4) == 0;
		else if (ver == 6 && sa->sa_family == AF_INET6)
			found = memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
				       a, 16) == 0;
		if (found)
			snprintf(dev, len, "%s", i->ifa_name);
	}
	freeifaddrs(list);
	return found;
}

/* --- the endpoint ----------------------------------------------------------------- */

static const char *const why_strs[] = {
	[SF_UTCP_OK] = "ok",
	[SF_UTCP_NOT_OURS] = "not this connection",
	[SF_UTCP_BROKEN] = "not a whole TCP segment",
	[SF_UTCP_BAD_ACK] = "its ACK number acknowledges nothing we sent",
	[SF_UTCP_NO_ACK] = "no ACK flag",
	[SF_UTCP_SEQ] = "outside the receive window",
	[SF_UTCP_OLD_SYN] = "the SYN again: our SYN-ACK is sent again",
	[SF_UTCP_SYN_LATE] = "a SYN on a synchronized connection",
	[SF_UTCP_RST_BAD] = "a RST that is not at RCV.NXT",
	[SF_UTCP_NO_ROW] = "RFC 9293 has no such transition",
	[SF_UTCP_IGNORED] = "nothing to do with it in this state",
};
_Static_assert(sizeof(why_strs) / sizeof(why_strs[0]) == SF_UTCP_WHY_COUNT, "why_strs");

const char *sf_utcp_why_str(enum sf_utcp_why why)
{
	return (unsigned)why < SF_UTCP_WHY_COUNT ? why_strs[why] : "?";
}

unsigned sf_utcp_rto_ms(unsigned n)
{
	if (n < 1)
		n = 1;
	if (n > 6)
		n = 6;
	return SF_UTCP_RTO_MS << (n - 1);
}

bool sf_utcp_seq_ok(uint32_t rcv_nxt, uint32_t wnd, uint32_t seq, uint32_t seglen)
{
	uint32_t end = rcv_nxt + wnd, last = seq + seglen - 1;

	if (seglen == 0)
		return wnd == 0 ? seq == rcv_nxt : sf_seq_leq(rcv_nxt, seq) && sf_seq_lt(seq, end);
	if (wnd == 0)
		return false;
	return (sf_seq_leq(rcv_nxt, seq) && sf_seq_lt(seq, end)) ||
	       (sf_seq_leq(rcv_nxt, last) && sf_seq_lt(last, end));
}

static uint32_t rcv_wnd(const struct sf_utcp *u)
{
	return (uint32_t)(SF_UTCP_RX_MAX - u->rx_len);
}

void sf_utcp_init(struct sf_utcp *u, const struct sf_utcp_cfg *cfg)
{
	memset(u, 0, sizeof(*u));
	u->cfg = *cfg;
	if (u->cfg.mss == 0)
		u->cfg.mss = SF_UTCP_MSS;
	if (u->cfg.time_wait == 0)
		u->cfg.time_wait = SF_UTCP_TIME_WAIT;
	u->st = SF_ST_CLOSED;
	u->iss = u->snd_una = u->snd_nxt = cfg->isn;
	u->peer_mss = 536;                   /* RFC 9293 3.7.1: the default without the option */
	u->ts_base = cfg->isn * 2654435761u; /* any start will do; not the clock's */
}

static void act_clear(struct sf_utcp_act *a)
{
	memset(a, 0, sizeof(*a));
}

/* The one place the state changes: the row for (state, ev) decides, and
 * what it says to send is added to the act. */
static bool step(struct sf_utcp *u, enum sf_ev ev, uint64_t now, struct sf_utcp_act *a)
{
	const struct sf_trans *t = sf_fsm_lookup(u->st, ev);

	if (t == NULL) {
		a->why = SF_UTCP_NO_ROW;
		a->no_row_ev = ev;
		return false;
	}
	if (a->nchg < SF_UTCP_CHG_MAX) {
		a->chg[a->nchg].from = u->st;
		a->chg[a->nchg].to = t->to;
		a->chg[a->nchg].ev = ev;
		a->nchg++;
	}
	a->send |= t->send & SF_FSM_SEND_MASK;
	u->st = t->to;
	if (u->st == SF_ST_TIME_WAIT)
		u->tw_due = now + u->cfg.time_wait;
	if (u->st == SF_ST_CLOSED || u->st == SF_ST_TIME_WAIT)
		u->out.on = false; /* nothing of ours is waiting any more */
	return true;
}

/* Makes flags/seq/data the outstanding segment, sent once now. */
static void hold(struct sf_utcp *u, uint16_t flags, uint32_t seq, const uint8_t *data, size_t len,
		 uint64_t now, struct sf_utcp_act *a)
{
	u->out.on = true;
	u->out.flags = flags;
	u->out.seq = seq;
	u->out.len = len;
	if (len > 0)
		memcpy(u->out.data, data, len);
	u->out.tries = 1;
	u->out.due = now + sf_utcp_rto_ms(1);
	a->send = flags;
	a->held = true;
	a->tries = 1;
}

bool sf_utcp_connect(struct sf_utcp *u, uint64_t now, struct sf_utcp_act *a)
{
	act_clear(a);
	if (!step(u, SF_EV_APP_CONNECT, now, a))
		return false;
	u->snd_una = u->iss;
	u->snd_nxt = u->iss + 1;
	hold(u, SYN, u->iss, NULL, 0, now, a);
	return true;
}

bool sf_utcp_listen(struct sf_utcp *u, struct sf_utcp_act *a)
{
	act_clear(a);
	return step(u, SF_EV_APP_LISTEN, 0, a);
}

bool sf_utcp_close(struct sf_utcp *u, uint64_t now, struct sf_utcp_act *a)
{
	act_clear(a);
	/* One segment in flight: data still unacknowledged must be first. */
	if (u->out.on && u->st != SF_ST_SYN_SENT) {
		a->why = SF_UTCP_IGNORED;
		return false;
	}
	if (!step(u, SF_EV_APP_CLOSE, now, a))
		return false;
	if (a->send & FIN) {
		u->fin_sent = true;
		u->fin_seq = u->snd_nxt;
		hold(u, FIN | ACK, u->snd_nxt, NULL, 0, now, a);
		u->snd_nxt++;
	} else {
		u->out.on = false; /* closing before the handshake: the SYN is forgotten */
	}
	return true;
}

bool sf_utcp_abort(struct sf_utcp *u, struct sf_utcp_act *a)
{
	act_clear(a);
	if (!step(u, SF_EV_APP_ABORT, 0, a))
		return false;
	u->out.on = false;
	return true;
}

size_t sf_utcp_write(struct sf_utcp *u, const uint8_t *data, size_t len, uint64_t now,
		     struct sf_utcp_act *a)
{
	size_t n = len;

	act_clear(a);
	if (u->out.on || len == 0 || (u->st != SF_ST_ESTABLISHED && u->st != SF_ST_CLOSE_WAIT))
		return 0;
	if (n > SF_UTCP_TX_MAX)
		n = SF_UTCP_TX_MAX;
	if (n > u->peer_mss)
		n = u->peer_mss;
	if (u->snd_wnd > 0 && n > u->snd_wnd)
		n = u->snd_wnd;
	hold(u, PSH | ACK, u->snd_nxt, data, n, now, a);
	u->snd_nxt += (uint32_t)n;
	return n;
}

size_t sf_utcp_read(struct sf_utcp *u, uint8_t *buf, size_t len)
{
	size_t n = len < u->rx_len ? len : u->rx_len;

	memcpy(buf, u->rx, n);
	memmove(u->rx, u->rx + n, u->rx_len - n);
	u->rx_len -= n;
	return n;
}

/* The options of the peer's SYN that matter to us. */
static void take_syn(struct sf_utcp *u, const struct sf_tcp *t)
{
	u->irs = t->seq;
	u->irs_known = true;
	u->rcv_nxt = t->seq + 1;
	u->snd_wnd = t->win; /* never scaled on a SYN, and we offer no scaling */
	if (t->has & SF_TCP_HAS_MSS)
		u->peer_mss = t->mss;
	u->ts_on = u->cfg.ts && (t->has & SF_TCP_HAS_TS);
	if (u->ts_on)
		u->ts_recent = t->tsval;
}

static void in_listen(struct sf_utcp *u, const struct sf_frame *f, uint64_t now,
		      struct sf_utcp_act *a)
{
	const struct sf_tcp *t = &f->tcp;

	if ((t->flags & (SYN | ACK | RST)) != SYN) {
		a->why = SF_UTCP_IGNORED;
		return;
	}
	u->cfg.remote.ver = f->ip.ver;
	memcpy(u->cfg.remote.a, f->ip.src, 16);
	u->cfg.remote.port = t->sport;
	take_syn(u, t);
	if (!step(u, SF_EV_RCV_SYN, now, a))
		return;
	u->snd_una = u->iss;
	u->snd_nxt = u->iss + 1;
	hold(u, SYN | ACK, u->iss, NULL, 0, now, a);
}

static void in_syn_sent(struct sf_utcp *u, const struct sf_frame *f, uint64_t now,
			struct sf_utcp_act *a)
{
	const struct sf_tcp *t = &f->tcp;

	if ((t->flags & ACK) && t->ack != u->iss + 1) {
		a->why =
			SF_UTCP_BAD_ACK; /* zmap's test: a SYN-ACK answers ours when ack == ISN+1 */
		return;
	}
	if (t->flags & RST) {
		if (!(t->flags & ACK)) {
			a->why = SF_UTCP_RST_BAD;
			return;
		}
		if (step(u, SF_EV_RCV_RST, now, a))
			a->reset = true;
		return;
	}
	if (!(t->flags & SYN)) {
		a->why = SF_UTCP_IGNORED;
		return;
	}
	take_syn(u, t);
	if (t->flags & ACK) {
		u->snd_una = t->ack;
		u->out.on = false;
		(void)step(u, SF_EV_RCV_SYNACK, now, a);
		return;
	}
	/* Simultaneous open: our SYN again, now with an ACK. */
	if (step(u, SF_EV_RCV_SYN, now, a))
		hold(u, SYN | ACK, u->iss, NULL, 0, now, a);
}

/* RFC 9293 3.10.7.4, in its order; see the top of the file. */
static void in_synchronized(struct sf_utcp *u, const struct sf_frame *f, const uint8_t *pay,
			    size_t paylen, uint64_t now, struct sf_utcp_act *a)
{
	const struct sf_tcp *t = &f->tcp;
	uint16_t fl = t->flags;
	uint32_t seglen = (uint32_t)paylen + !!(fl & SYN) + !!(fl & FIN);
	bool fin_acked = false, fin_taken = false;

	if (u->st == SF_ST_SYN_RCVD && (fl & (SYN | ACK)) == SYN && t->seq == u->irs) {
		/* The peer did not get our SYN-ACK: say it again at once. */
		a->why = SF_UTCP_OLD_SYN;
		if (u->out.on) {
			a->send = u->out.flags;
			a->rtx = true;
			a->tries = u->out.tries;
		}
		return;
	}
	if (!sf_utcp_seq_ok(u->rcv_nxt, rcv_wnd(u), t->seq, seglen)) {
		a->why = (fl & RST) ? SF_UTCP_RST_BAD : SF_UTCP_SEQ;
		if (!(fl & RST))
			a->send = ACK; /* tells the peer where we are */
		return;
	}
	if (fl & RST) {
		if (t->seq != u->rcv_nxt) {
			a->why = SF_UTCP_RST_BAD;
			a->send = ACK; /* RFC 5961's challenge ACK */
			return;
		}
		if (step(u, SF_EV_RCV_RST, now, a))
			a->reset = true;
		return;
	}
	if (fl & SYN) {
		a->why = SF_UTCP_SYN_LATE;
		a->send = ACK;
		return;
	}
	if (!(fl & ACK)) {
		a->why = SF_UTCP_NO_ACK;
		return;
	}
	if (sf_seq_gt(t->ack, u->snd_nxt)) {
		a->why = SF_UTCP_BAD_ACK;
		a->send = ACK;
		return;
	}
	if (u->ts_on && (t->has & SF_TCP_HAS_TS))
		u->ts_recent = t->tsval;
	if (u->st == SF_ST_SYN_RCVD) {
		if (!sf_seq_gt(t->ack, u->snd_una)) {
			a->why = SF_UTCP_BAD_ACK;
			return;
		}
		u->snd_una = t->ack;
		u->out.on = false;
		if (!step(u, SF_EV_RCV_ACK, now, a))
			return;
		a->send = 0; /* the row sends nothing; data or a FIN below may */
	} else if (sf_seq_gt(t->ack, u->snd_una)) {
		u->snd_una = t->ack;
		if (u->out.on && sf_seq_geq(t->ack, u->out.seq + (uint32_t)u->out.len +
							    !!(u->out.flags & (SYN | FIN))))
			u->out.on = false;
	}
	u->snd_wnd = t->win;
	fin_acked = u->fin_sent && sf_seq_geq(u->snd_una, u->fin_seq + 1);

	/* Data: only in the states that still receive, and only in order. */
	if (paylen > 0 && (u->st == SF_ST_ESTABLISHED || u->st == SF_ST_FIN_WAIT_1 ||
			   u->st == SF_ST_FIN_WAIT_2)) {
		if (sf_seq_gt(t->seq, u->rcv_nxt)) {
			a->why = SF_UTCP_SEQ; /* a hole before it: the peer sends again */
			a->send |= ACK;
			return;
		}
		{
			size_t skip = (size_t)(u->rcv_nxt - t->seq); /* already had these */
			size_t n = paylen > skip ? paylen - skip : 0;
			size_t room = SF_UTCP_RX_MAX - u->rx_len;
			if (n > room)
				n = room;
			memcpy(u->rx + u->rx_len, pay + skip, n);
			u->rx_len += n;
			u->rx_total += n;
			u->rcv_nxt += (uint32_t)n;
			a->rcvd = n;
			a->send |= ACK;
		}
	}
	if ((fl & FIN) && t->seq + (uint32_t)paylen == u->rcv_nxt && !u->fin_rcvd) {
		u->rcv_nxt++;
		u->fin_rcvd = true;
		a->fin_rcvd = true;
		fin_taken = true;
	}

	switch (u->st) {
	case SF_ST_ESTABLISHED:
		if (fin_taken)
			(void)step(u, SF_EV_RCV_FIN, now, a);
		break;
	case SF_ST_FIN_WAIT_1:
		if (fin_taken)
			(void)step(u, fin_acked ? SF_EV_RCV_FINACK : SF_EV_RCV_FIN, now, a);
		else if (fin_acked)
			(void)step(u, SF_EV_RCV_ACK, now, a);
		break;
	case SF_ST_FIN_WAIT_2:
		if (fin_taken)
			(void)step(u, SF_EV_RCV_FIN, now, a);
		break;
	case SF_ST_CLOSING:
	case SF_ST_LAST_ACK:
		if (fin_acked)
			(void)step(u, SF_EV_RCV_ACK, now, a);
		break;
	default: break;
	}
}

void sf_utcp_input(struct sf_utcp *u, const struct sf_frame *f, const uint8_t *pay, size_t paylen,
		   uint64_t now, struct sf_utcp_act *a)
{
	const struct sf_tcp *t = &f->tcp;
	size_t n = alen(u->cfg.local.ver);

	act_clear(a);
	if (f->kind != SF_FRAME_TCP || f->rc != SF_DEC_OK || !t->fixed_ok || paylen != t->paylen ||
	    (paylen > 0 && pay == NULL)) {
		a->why = SF_UTCP_BROKEN;
		return;
	}
	/* Checksums are not checked: on lo and veth the sender leaves them to
	 * an offload that never runs, and the sender is the kernel we talk to. */
	if (f->ip.ver != u->cfg.local.ver || memcmp(f->ip.dst, u->cfg.local.a, n) != 0 ||
	    t->dport != u->cfg.local.port) {
		a->why = SF_UTCP_NOT_OURS;
		return;
	}
	if (u->st != SF_ST_LISTEN &&
	    (u->cfg.remote.port == 0 || memcmp(f->ip.src, u->cfg.remote.a, n) != 0 ||
	     t->sport != u->cfg.remote.port)) {
		a->why = SF_UTCP_NOT_OURS;
		return;
	}
	switch (u->st) {
	case SF_ST_CLOSED: a->why = SF_UTCP_IGNORED; break;
	case SF_ST_LISTEN: in_listen(u, f, now, a); break;
	case SF_ST_SYN_SENT: in_syn_sent(u, f, now, a); break;
	default: in_synchronized(u, f, pay, paylen, now, a); break;
	}
}

void sf_utcp_tick(struct sf_utcp *u, uint64_t now, struct sf_utcp_act *a)
{
	act_clear(a);
	if (u->st == SF_ST_TIME_WAIT && now >= u->tw_due) {
		(void)step(u, SF_EV_TIMEOUT, now, a);
		return;
	}
	if (!u->out.on || now < u->out.due)
		return;
	if (u->out.tries >= SF_UTCP_SENDS) {
		a->gave_up = true;
		a->tries = u->out.tries;
		return;
	}
	u->out.tries++;
	u->out.due = now + sf_utcp_rto_ms(u->out.tries);
	a->send = u->out.flags;
	a->rtx = true;
	a->tries = u->out.tries;
}

void sf_utcp_sent(struct sf_utcp *u, const struct sf_utcp_act *a, uint64_t now)
{
	if ((a->held || a->rtx) && u->out.on)
		u->out.due = now + sf_utcp_rto_ms(u->out.tries);
}

uint64_t sf_utcp_next_due(const struct sf_utcp *u)
{
	uint64_t due = UINT64_MAX;

	if (u->out.on)
		due = u->out.due;
	if (u->st == SF_ST_TIME_WAIT && u->tw_due < due)
		due = u->tw_due;
	return due;
}

bool sf_utcp_idle(const struct sf_utcp *u)
{
	return !u->out.on;
}

void sf_utcp_seg(const struct sf_utcp *u, const struct sf_utcp_act *a, uint64_t now,
		 struct sf_seg *s)
{
	bool held = a->held || a->rtx;
	uint16_t flags = held ? u->out.flags : a->send;
	uint32_t wnd = rcv_wnd(u);

	sf_seg_init(s);
	s->ver = u->cfg.local.ver;
	memcpy(s->src, u->cfg.local.a, 16);
	memcpy(s->dst, u->cfg.remote.a, 16);
	s->sport = u->cfg.local.port;
	s->dport = u->cfg.remote.port;
	s->flags = flags;
	s->seq = held ? u->out.seq : u->snd_nxt;
	s->ack = (flags & ACK) ? u->rcv_nxt : 0;
	s->win = (flags & RST) ? 0 : (uint16_t)(wnd > 65535 ? 65535 : wnd);
	s->ipid = (uint16_t)(s->seq ^ (s->seq >> 16));
	if (held && u->out.len > 0) {
		s->data = u->out.data;
		s->len = u->out.len;
	}
	if (flags & SYN)
		s->mss = u->cfg.mss;
	/* Timestamps: offered on our SYN when asked for, kept on when the
	 * peer's SYN had them too; never on a RST. */
	if (!(flags & RST) &&
	    ((flags & SYN) ? (u->st == SF_ST_SYN_SENT ? u->cfg.ts : u->ts_on) : u->ts_on)) {
		s->ts = true;
		s->tsval = (uint32_t)now + u->ts_base;
		s->tsecr = (flags & ACK) ? u->ts_recent : 0;
	}
}

/* --- I/O: capture, injection, the ladder -------------------------------------------- */

struct sf_utcp_io {
	struct sf_utcp_io_cfg cfg;
	struct sf_src src;
	bool src_open;
	struct sf_builder *b; /* SF_BUILD_BYTES: the datagrams */
	int raw_fd;           /* ...written here */
	struct sockaddr_storage to;
	socklen_t tolen;
	int resv_fd; /* a kernel socket bound to our port, so the kernel hands it to no one else */
};

/* The writer: a raw IP socket taking whole datagrams (IPPROTO_RAW), as
 * craft send's: the kernel routes them as if this host had sent them, so
 * they reach a local peer on lo (IPv4 frames written on lo from the link
 * layer are martians, craft/build.h) and a namespace's veth peer alike. Our
 * mark tells the guard our own RST from the kernel's. */
static enum sf_utcp_io_rc open_writer(struct sf_utcp_io *io, const struct sf_utcp_addr *peer,
				      char *err, size_t errlen)
{
	int af = peer->ver == 6 ? AF_INET6 : AF_INET;
	uint32_t mark = SF_GUARD_MARK;

	io->raw_fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (io->raw_fd < 0 ||
	    setsockopt(io->raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open a raw IPv%u socket: %s", peer->ver, strerror(e));
		return e == EPERM || e == EACCES ? SF_UTCP_IO_PERM : SF_UTCP_IO_FAIL;
	}
	memset(&io->to, 0, sizeof io->to);
	if (peer->ver == 6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&io->to;
		a->sin6_family = AF_INET6; /* port 0: IPPROTO_RAW wants it so */
		memcpy(&a->sin6_addr, peer->a, 16);
		io->tolen = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&io->to;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, peer->a, 4);
		io->tolen = sizeof *a;
	}
	return SF_UTCP_IO_OK;
}

/* Builds the segment and writes it. */
static bool write_seg(struct sf_utcp_io *io, const struct sf_seg *s, char *err, size_t errlen)
{
	const uint8_t *pkt = NULL;
	size_t len = 0;
	ssize_t n = 0;

	if (sf_builder_build(io->b, s, &pkt, &len, err, errlen) != 0)
		return false;
	if (io->tolen == 0) {
		/* A listener learns where to write from the SYN. */
		struct sf_utcp_addr peer = { .ver = s->ver };
		memcpy(peer.a, s->dst, 16);
		if (open_writer(io, &peer, err, errlen) != SF_UTCP_IO_OK)
			return false;
	}
	n = sendto(io->raw_fd, pkt, len, 0, (const struct sockaddr *)&io->to, io->tolen);
	if (n == (ssize_t)len)
		return true;
	snprintf(err, errlen, "sending a crafted segment: %s",
		 n < 0 ? strerror(errno) : "short write");
	return false;
}

uint64_t sf_utcp_now_ms(void)
{
	return sf_chat_now_ms();
}

/* Binds a TCP socket (never listening) to the local address and port: the
 * kernel then gives the port to no other connection while we use it, and
 * a port some socket holds already is found out here. */
static int reserve(const struct sf_utcp_addr *l, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int one = 1, fd = socket(l->ver == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&ss, 0, sizeof ss);
	if (l->ver == 6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, l->a, 16);
		s6->sin6_port = htons(l->port);
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, l->a, 4);
		s4->sin_port = htons(l->port);
		sl = sizeof *s4;
	}
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		char a[64];
		snprintf(err, errlen, "%s is taken by a socket of this host (%s)",
			 sf_utcp_addr_str(l, a, sizeof a), strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

enum sf_utcp_io_rc sf_utcp_io_open(struct sf_utcp_io **out, const struct sf_utcp *u,
				   const struct sf_utcp_io_cfg *cfg, char *err, size_t errlen)
{
	struct sf_live_cfg lc = { .iface = cfg->device };
	struct sf_utcp_io *io = calloc(1, sizeof(*io));
	char filter[256], l[INET6_ADDRSTRLEN] = "?", r[INET6_ADDRSTRLEN] = "?";
	const struct sf_utcp_cfg *c = &u->cfg;
	enum sf_utcp_io_rc rc = SF_UTCP_IO_FAIL;
	enum sf_live_fail lf = SF_LIVE_OK;
	int af = c->local.ver == 6 ? AF_INET6 : AF_INET;

	*out = NULL;
	if (io == NULL) {
		snprintf(err, errlen, "out of memory");
		return SF_UTCP_IO_FAIL;
	}
	io->cfg = *cfg;
	io->raw_fd = -1;
	io->resv_fd = reserve(&c->local, err, errlen);
	if (io->resv_fd < 0)
		goto fail;
	(void)inet_ntop(af, c->local.a, l, sizeof l);
	(void)inet_ntop(af, c->remote.a, r, sizeof r);
	/* Exactly the flow, in the direction that comes to us: our own crafted
	 * segments (seen too on lo) never match. */
	if (c->remote.port == 0)
		snprintf(filter, sizeof filter, "%s and tcp and dst host %s and dst port %u",
			 c->local.ver == 6 ? "ip6" : "ip", l, c->local.port);
	else
		snprintf(filter, sizeof filter,
			 "%s and tcp and src host %s and src port %u and dst host %s and dst port "
			 "%u",
			 c->local.ver == 6 ? "ip6" : "ip", r, c->remote.port, l, c->local.port);
	lf = sf_src_open_live(&io->src, &lc, err, errlen);
	if (lf != SF_LIVE_OK) {
		rc = lf == SF_LIVE_PERM ? SF_UTCP_IO_PERM : SF_UTCP_IO_FAIL;
		goto fail;
	}
	io->src_open = true;
	if (!sf_src_set_filter(&io->src, filter, err, errlen))
		goto fail;
	/* Reads never wait: io_wait polls the descriptor itself, up to the
	 * next timer, which the source's own 100 ms wait would blur. */
	(void)sf_src_live_drain(&io->src);
	io->b = sf_builder_new(SF_BUILD_BYTES, NULL, err, errlen);
	if (io->b == NULL)
		goto fail;
	if (c->remote.port != 0) {
		rc = open_writer(io, &c->remote, err, errlen);
		if (rc != SF_UTCP_IO_OK)
			goto fail;
	} else {
		/* A listener's writer opens at the first SYN; the privilege is
		 * the same, so find out now. */
		int fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open a raw IPv%u socket: %s", c->local.ver,
				 strerror(errno));
			rc = errno == EPERM || errno == EACCES ? SF_UTCP_IO_PERM : SF_UTCP_IO_FAIL;
			goto fail;
		}
		close(fd);
	}
	*out = io;
	return SF_UTCP_IO_OK;
fail:
	sf_utcp_io_close(io);
	return rc;
}

void sf_utcp_io_close(struct sf_utcp_io *io)
{
	if (io == NULL)
		return;
	if (io->src_open)
		sf_src_close(&io->src);
	if (io->b != NULL)
		sf_builder_free(io->b);
	if (io->raw_fd >= 0)
		close(io->raw_fd);
	if (io->resv_fd >= 0)
		close(io->resv_fd);
	free(io);
}

/* "12:00:00.000100": local time of day, as the chat pair logs it. */
static void clock_str(int64_t sec, uint32_t usec, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)sec;

	memset(&tm, 0, sizeof tm);
	localtime_r(&t, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

static void now_str(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	clock_str((int64_t)ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000), buf, len);
}

#define ARROW_W 46 /* columns of an arrow, label included */

/* Writes `n` copies of a (possibly multi-byte) piece. */
static void rep(FILE *f, const char *piece, int n)
{
	for (int i = 0; i < n; i++)
		fputs(piece, f);
}

/* An arrow of ARROW_W columns around label (ASCII): ── label ───▶ or ◀── label ───. */
static void arrow(FILE *f, bool ascii, bool right, const char *label)
{
	const char *shaft = ascii ? "-" : "─";
	int pad = ARROW_W - 3 - (int)strlen(label) - 2; /* head, 2 shaft, 2 spaces */

	if (pad < 2)
		pad = 2;
	if (!right)
		fputs(ascii ? "<" : "◀", f);
	rep(f, shaft, 2);
	fprintf(f, " %s ", label);
	rep(f, shaft, pad);
	if (right)
		fputs(ascii ? ">" : "▶", f);
}

/* "S seq 0 mss 1460", "P. seq 1:7 ack 1", "F. seq 7 ack 12": tcpdump's
 * letters, numbers relative to each side's ISN. */
static void label(const struct sf_utcp *u, bool ours, uint16_t flags, uint32_t seq, uint32_t ack,
		  size_t len, uint16_t mss, char *buf, size_t blen)
{
	char fl[16];
	uint32_t sbase = ours ? u->iss : u->irs, abase = ours ? u->irs : u->iss;
	bool sknown = ours || u->irs_known, aknown = !ours || u->irs_known;
	int n = 0;

	n = snprintf(buf, blen, "%s seq %u", sf_tcp_flags_str(flags, fl),
		     sknown ? seq - sbase : seq);
	if (len > 0 && n > 0 && (size_t)n < blen)
		n += snprintf(buf + n, blen - (size_t)n, ":%u",
			      (uint32_t)((sknown ? seq - sbase : seq) + len));
	if ((flags & ACK) && n > 0 && (size_t)n < blen)
		n += snprintf(buf + n, blen - (size_t)n, " ack %u", aknown ? ack - abase : ack);
	if ((flags & SYN) && mss > 0 && n > 0 && (size_t)n < blen)
		snprintf(buf + n, blen - (size_t)n, " mss %u", mss);
}

void sf_utcp_io_note(struct sf_utcp_io *io, const struct sf_utcp *u, const char *fmt, ...)
{
	char t[32];
	va_list ap;

	if (io->cfg.out == NULL)
		return;
	now_str(t, sizeof t);
	fprintf(io->cfg.out, "%s  %-11s  (", t, sf_st_name(u->st));
	va_start(ap, fmt);
	vfprintf(io->cfg.out, fmt, ap);
	va_end(ap);
	fputs(")\n", io->cfg.out);
	fflush(io->cfg.out);
}

static bool stopping(const struct sf_utcp_io *io)
{
	return io->cfg.stop != NULL && *io->cfg.stop;
}

/* Sleeps ms, waking early when *stop is set. */
static void pause_ms(const struct sf_utcp_io *io, unsigned ms)
{
	uint64_t end = sf_utcp_now_ms() + ms;

	while (!stopping(io)) {
		uint64_t now = sf_utcp_now_ms();
		if (now >= end)
			break;
		(void)poll(NULL, 0, (int)(end - now > 100 ? 100 : end - now));
	}
}

bool sf_utcp_io_act(struct sf_utcp_io *io, struct sf_utcp *u, const struct sf_utcp_act *a,
		    char *err, size_t errlen)
{
	struct sf_seg s;
	char t[32], lb[96];
	FILE *f = io->cfg.out;

	if (a->send == 0)
		return true;
	/* Once stopping, only the RST of the way out still goes, at once; a
	 * stop during the pause cancels the segment. */
	if (!a->rtx && io->cfg.pause_ms > 0 && !stopping(io))
		pause_ms(io, io->cfg.pause_ms);
	if (stopping(io) && !(a->send & RST)) {
		sf_utcp_io_note(io, u, "interrupted: the '%s' segment was not sent",
				sf_tcp_flags_str(a->send, t));
		return true;
	}
	sf_utcp_seg(u, a, sf_utcp_now_ms(), &s);
	now_str(t, sizeof t); /* before: the answer's capture time may come right after */
	if (!write_seg(io, &s, err, errlen))
		return false;
	sf_utcp_sent(u, a, sf_utcp_now_ms());
	if (f == NULL)
		return true;
	label(u, true, s.flags, s.seq, s.ack, s.len, s.mss, lb, sizeof lb);
	fprintf(f, "%s  %-11s  ", t, sf_st_name(u->st));
	arrow(f, io->cfg.ascii, true, lb);
	if (a->rtx && a->why == SF_UTCP_OLD_SYN)
		fputs("  (again: the peer sent its SYN again)", f);
	else if (a->rtx)
		fprintf(f, "  (retransmission %u)", a->tries - 1);
	fputc('\n', f);
	fflush(f);
	return true;
}

/* The line of one received segment: the arrow, then our state after it,
 * then what was wrong with it, if anything. */
static void print_rcvd(struct sf_utcp_io *io, const struct sf_utcp *u, const struct sf_pkt *pkt,
		       const struct sf_frame *fr, const struct sf_utcp_act *a)
{
	char t[32], lb[96];
	FILE *f = io->cfg.out;

	if (f == NULL)
		return;
	clock_str(pkt->sec, pkt->frac_digits == 9 ? pkt->frac / 1000 : pkt->frac, t, sizeof t);
	label(u, false, fr->tcp.flags, fr->tcp.seq, fr->tcp.ack, fr->tcp.paylen,
	      (fr->tcp.has & SF_TCP_HAS_MSS) ? fr->tcp.mss : 0, lb, sizeof lb);
	fprintf(f, "%s  %-11s  ", t, "");
	arrow(f, io->cfg.ascii, false, lb);
	fprintf(f, "  %s", sf_st_name(u->st));
	if (a->why == SF_UTCP_NO_ROW)
		fprintf(f, "  (%s: %s in %s)", sf_utcp_why_str(a->why), sf_ev_name(a->no_row_ev),
			sf_st_name(u->st));
	else if (a->why != SF_UTCP_OK && a->why != SF_UTCP_OLD_SYN)
		fprintf(f, "  (%s: %s)", a->send ? "answered" : "dropped", sf_utcp_why_str(a->why));
	fputc('\n', f);
	fflush(f);
}

enum sf_utcp_wait sf_utcp_io_wait(struct sf_utcp_io *io, struct sf_utcp *u,
				  bool (*until)(const struct sf_utcp *u, void *ctx), void *ctx,
				  uint64_t deadline, char *err, size_t errlen)
{
	struct sf_utcp_act a;

	for (;;) {
		struct sf_pkt pkt;
		const uint8_t *data = NULL;
		enum sf_src_rc rc;
		uint64_t now = 0, due = 0;

		if (until != NULL && until(u, ctx))
			return SF_UTCP_WAIT_DONE;
		if (stopping(io))
			return SF_UTCP_WAIT_STOPPED;
		now = sf_utcp_now_ms();
		sf_utcp_tick(u, now, &a);
		if (a.gave_up)
			return SF_UTCP_WAIT_GAVE_UP;
		if (a.nchg > 0 && io->cfg.out != NULL)
			sf_utcp_io_note(io, u, "%s: %s -> %s", sf_ev_name(a.chg[0].ev),
					sf_st_name(a.chg[0].from), sf_st_name(a.chg[0].to));
		if (a.send != 0) {
			if (!sf_utcp_io_act(io, u, &a, err, errlen))
				return SF_UTCP_WAIT_ERROR;
			continue;
		}
		if (a.nchg > 0)
			continue;

		rc = sf_src_next(&io->src, &pkt, &data, err, errlen);
		if (rc == SF_SRC_PACKET) {
			struct sf_frame fr;
			const uint8_t *pay = NULL;
			(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &fr);
			if (fr.kind == SF_FRAME_TCP && fr.tcp.fixed_ok &&
			    fr.l4_off + fr.tcp.hlen <= pkt.caplen)
				pay = data + fr.l4_off + fr.tcp.hlen;
			if (u->st == SF_ST_LISTEN && io->cfg.peer_ok != NULL &&
			    fr.kind == SF_FRAME_TCP && (fr.tcp.flags & SYN) &&
			    !io->cfg.peer_ok(fr.ip.ver, fr.ip.src, io->cfg.peer_ctx)) {
				char ip[INET6_ADDRSTRLEN] = "?";
				(void)inet_ntop(fr.ip.ver == 6 ? AF_INET6 : AF_INET, fr.ip.src, ip,
						sizeof ip);
				sf_utcp_io_note(io, u, "a SYN from %s ignored: not allowed", ip);
				continue;
			}
			sf_utcp_input(u, &fr, pay, fr.tcp.paycap, sf_utcp_now_ms(), &a);
			if (a.why == SF_UTCP_NOT_OURS || a.why == SF_UTCP_BROKEN)
				continue; /* the filter lets nothing else through; say nothing */
			print_rcvd(io, u, &pkt, &fr, &a);
			if (!sf_utcp_io_act(io, u, &a, err, errlen))
				return SF_UTCP_WAIT_ERROR;
			if (a.reset)
				return SF_UTCP_WAIT_RESET;
			continue;
		}
		if (rc != SF_SRC_AGAIN)
			return SF_UTCP_WAIT_ERROR;
		if (now >= deadline)
			return SF_UTCP_WAIT_TIMEOUT;
		/* Nothing queued: sleep until a frame, the next timer, the
		 * deadline, or 100 ms (to look at *stop). */
		due = sf_utcp_next_due(u);
		if (deadline < due)
			due = deadline;
		{
			struct pollfd pf = { io->src.live_fd, POLLIN, 0 };
			uint64_t ms = due > now ? due - now : 0;
			(void)poll(&pf, 1, (int)(ms > 100 ? 100 : ms));
		}
	}
}
