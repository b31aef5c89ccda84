/* craft/synth.c: the scenarios of craft/synth.h, played through one builder into a callback or a pcap. */
#include "craft/synth.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "craft/build.h"
#include "decode/seq.h"
#include "decode/tcp.h"

/* --- the scripts ---------------------------------------------------------------------------
 *
 * A script is a list of steps: who sends what, and when. A step's time is
 * counted from the start of its phase in round trips plus microseconds, so
 * a server's answer comes one round trip after what it answers whatever the
 * round trip is. Phase 0 starts the conversation; phase 1, the close, starts
 * `close_us` later (in a mix with --open-all, once every connection is open).
 *
 * The capture point is the client's host (see craft/synth.h): a client
 * segment is captured as it leaves, a server segment when it arrives. So
 * when a server segment is captured at t, the server had received every
 * client segment captured by t - rtt; when the client sends at t, it has
 * received every server segment captured before. The sequence and
 * acknowledgement numbers follow from that alone, crossings included.
 */

enum { C = 0, S = 1 };

enum act {
	A_SYN,    /* SYN with the SYN options */
	A_SYNACK, /* SYN-ACK with the SYN options */
	A_ACK,    /* a bare ACK */
	A_DATA,   /* ACK with a payload (PSH on the last segment of a message) */
	A_FIN,    /* FIN-ACK */
	A_RST,    /* RST-ACK from a socket (close with SO_LINGER 0) */
	A_REFUSE, /* RST-ACK from no socket: seq 0, window 0, no options */
};

enum pay { P_NONE = 0, P_REQ1, P_RESP1, P_REQ2, P_BIG0, P_BIG1, P_BIG2, P_HALF0, P_HALF1, P_COUNT };

struct step {
	uint8_t who;   /* C or S */
	uint8_t act;   /* enum act */
	uint8_t pay;   /* enum pay */
	uint8_t phase; /* 0 or 1 */
	uint8_t nrtt;  /* round trips from the phase's start ... */
	uint32_t us;   /* ... and microseconds */
};

struct script {
	const char *name, *summary;
	const struct step *steps;
	uint8_t n;
	uint32_t close_us; /* phase 1 starts this long after phase 0 */
};

#define HANDSHAKE                                                        \
	{ C, A_SYN, P_NONE, 0, 0, 0 }, { S, A_SYNACK, P_NONE, 0, 1, 0 }, \
	{                                                                \
		C, A_ACK, P_NONE, 0, 1, 33                               \
	}

/* Server ACK, then its FIN a millisecond later, when its application closes. */
static const struct step s_handshake[] = { HANDSHAKE };
static const struct step s_close[] = {
	HANDSHAKE,
	{ C, A_FIN, P_NONE, 1, 0, 0 },
	{ S, A_ACK, P_NONE, 1, 1, 28 },
	{ S, A_FIN, P_NONE, 1, 1, 1028 },
	{ C, A_ACK, P_NONE, 1, 1, 1068 },
};
/* The server's application had closed already: its FIN rides on the ACK. */
static const struct step s_close3[] = {
	HANDSHAKE,
	{ C, A_FIN, P_NONE, 1, 0, 0 },
	{ S, A_FIN, P_NONE, 1, 1, 28 },
	{ C, A_ACK, P_NONE, 1, 1, 68 },
};
/* Each SYN leaves before the other arrives (100 us apart, under one round
 * trip); each side then answers the other's SYN with SYN-ACK (RFC 9293
 * figure 7), and each SYN-ACK completes the other side's open. */
static const struct step s_simopen[] = {
	{ C, A_SYN, P_NONE, 0, 0, 0 },
	{ S, A_SYN, P_NONE, 0, 0, 100 },
	{ C, A_SYNACK, P_NONE, 0, 0, 130 },
	{ S, A_SYNACK, P_NONE, 0, 1, 18 },
};
/* Both FINs leave before either arrives (RFC 9293 figure 13). */
static const struct step s_simclose[] = {
	HANDSHAKE,
	{ C, A_FIN, P_NONE, 1, 0, 0 },
	{ S, A_FIN, P_NONE, 1, 0, 100 },
	{ C, A_ACK, P_NONE, 1, 0, 130 },
	{ S, A_ACK, P_NONE, 1, 1, 18 },
};
static const struct step s_refused[] = {
	{ C, A_SYN, P_NONE, 0, 0, 0 },
	{ S, A_REFUSE, P_NONE, 0, 1, 0 },
};
/* The client sends its request and shuts down its side at once (as
 * `nc -N`); the server answers in two parts 5 ms apart, then closes. */
static const struct step s_halfclose[] = {
	HANDSHAKE,
	{ C, A_DATA, P_REQ1, 0, 1, 88 },
	{ C, A_FIN, P_NONE, 0, 1, 108 },
	{ S, A_ACK, P_NONE, 0, 2, 140 },
	{ S, A_DATA, P_HALF0, 0, 2, 2140 },
	{ C, A_ACK, P_NONE, 0, 2, 2180 },
	{ S, A_DATA, P_HALF1, 0, 2, 7140 },
	{ C, A_ACK, P_NONE, 0, 2, 7180 },
	{ S, A_FIN, P_NONE, 0, 2, 12140 },
	{ C, A_ACK, P_NONE, 0, 2, 12180 },
};
static const struct step s_rstabort[] = {
	HANDSHAKE,
	{ C, A_RST, P_NONE, 1, 0, 0 },
};
/* Linux's first SYN retransmission timeout is 1 s (RFC 6298 2.1). */
static const struct step s_synrtx[] = {
	{ C, A_SYN, P_NONE, 0, 0, 0 },
	{ C, A_SYN, P_NONE, 0, 0, 1000000 },
	{ S, A_SYNACK, P_NONE, 0, 1, 1000000 },
	{ C, A_ACK, P_NONE, 0, 1, 1000033 },
};
/* Two HTTP exchanges: a small answer, then one of three segments (two full
 * ones, which the client acknowledges together, and the rest); both ends
 * acknowledge at once, as Linux does while in quick-ack mode. Then the
 * client closes, 60 ms after it opened. */
static const struct step s_full[] = {
	HANDSHAKE,
	{ C, A_DATA, P_REQ1, 0, 1, 88 },
	{ S, A_ACK, P_NONE, 0, 2, 116 },
	{ S, A_DATA, P_RESP1, 0, 2, 2116 },
	{ C, A_ACK, P_NONE, 0, 2, 2166 },
	{ C, A_DATA, P_REQ2, 0, 2, 7166 },
	{ S, A_ACK, P_NONE, 0, 3, 7200 },
	{ S, A_DATA, P_BIG0, 0, 3, 8200 },
	{ S, A_DATA, P_BIG1, 0, 3, 8212 },
	{ C, A_ACK, P_NONE, 0, 3, 8240 },
	{ S, A_DATA, P_BIG2, 0, 3, 8250 },
	{ C, A_ACK, P_NONE, 0, 3, 8290 },
	{ C, A_FIN, P_NONE, 1, 0, 0 },
	{ S, A_ACK, P_NONE, 1, 1, 28 },
	{ S, A_FIN, P_NONE, 1, 1, 1028 },
	{ C, A_ACK, P_NONE, 1, 1, 1068 },
};

#define COUNT_OF(a) (uint8_t)(sizeof(a) / sizeof((a)[0]))

static const struct script scripts[] = {
	[SF_SYNTH_HANDSHAKE] = { "handshake", "SYN, SYN-ACK, ACK: both ends ESTABLISHED",
				 s_handshake, COUNT_OF(s_handshake), 0 },
	[SF_SYNTH_CLOSE] = { "close",
			     "the handshake, then the four-way close the client starts: FIN, ACK, "
			     "FIN, ACK (client TIME_WAIT, server CLOSED)",
			     s_close, COUNT_OF(s_close), 5000 },
	[SF_SYNTH_CLOSE3] = { "close3",
			      "the handshake, then a three-segment close: FIN-ACK, FIN-ACK (the "
			      "server's FIN rides on its ACK), ACK",
			      s_close3, COUNT_OF(s_close3), 5000 },
	[SF_SYNTH_SIMULTANEOUS_OPEN] = { "simultaneous-open",
					 "both ends send a SYN before the other's arrives, then "
					 "each answers with SYN-ACK: both pass SYN_RCVD",
					 s_simopen, COUNT_OF(s_simopen), 0 },
	[SF_SYNTH_SIMULTANEOUS_CLOSE] = { "simultaneous-close",
					  "the handshake, then both FINs cross: both ends pass "
					  "CLOSING and end in TIME_WAIT",
					  s_simclose, COUNT_OF(s_simclose), 5000 },
	[SF_SYNTH_REFUSED] = { "refused",
			       "a SYN answered by RST-ACK: nothing listens on the server's port",
			       s_refused, COUNT_OF(s_refused), 0 },
	[SF_SYNTH_HALF_CLOSE] = { "half-close",
				  "the client sends a request and its FIN at once; the server "
				  "ACKs, "
				  "goes on sending data the client ACKs (FIN_WAIT_2 facing "
				  "CLOSE_WAIT), then FIN, ACK",
				  s_halfclose, COUNT_OF(s_halfclose), 0 },
	[SF_SYNTH_RST_ABORT] = { "rst-abort",
				 "the handshake, then the client aborts with RST-ACK (close with "
				 "SO_LINGER 0): both ends CLOSED",
				 s_rstabort, COUNT_OF(s_rstabort), 5000 },
	[SF_SYNTH_SYN_RETRANSMIT] = { "syn-retransmit",
				      "a SYN, the same SYN again 1 s later (the first "
				      "retransmission "
				      "timeout, same ISN), SYN-ACK, ACK",
				      s_synrtx, COUNT_OF(s_synrtx), 0 },
	[SF_SYNTH_FULL] = { "full",
			    "the handshake, two HTTP requests and their answers (one of three "
			    "segments) with their ACKs, then the four-way close",
			    s_full, COUNT_OF(s_full), 60000 },
	[SF_SYNTH_MIX] = { "mix",
			   "--conns N connections of the full shape from distinct client ports "
			   "(then addresses), interleaved; --open-all opens all N before any "
			   "closes",
			   s_full, COUNT_OF(s_full), 60000 },
};
_Static_assert(sizeof(scripts) / sizeof(scripts[0]) == SF_SYNTH_COUNT, "one script per scenario");

const char *sf_synth_name(enum sf_synth_scn scn)
{
	return (unsigned)scn < SF_SYNTH_COUNT ? scripts[scn].name : "?";
}

const char *sf_synth_summary(enum sf_synth_scn scn)
{
	return (unsigned)scn < SF_SYNTH_COUNT ? scripts[scn].summary : "?";
}

bool sf_synth_lookup(const char *name, enum sf_synth_scn *out)
{
	for (unsigned i = 0; i < SF_SYNTH_COUNT; i++)
		if (strcmp(name, scripts[i].name) == 0) {
			*out = (enum sf_synth_scn)i;
			return true;
		}
	return false;
}

void sf_synth_defaults(struct sf_synth_opts *o)
{
	static const uint8_t c[4] = { 192, 0, 2, 1 }, s[4] = { 198, 51, 100, 2 };

	memset(o, 0, sizeof(*o));
	o->ver = 4;
	memcpy(o->caddr, c, 4);
	memcpy(o->saddr, s, 4);
	o->cport = 40000;
	o->sport = 80;
	o->isn = 3141592653u;
	o->conns = 10;
}

/* --- the conversation -------------------------------------------------------------------- */

#define RTT_US        312 /* a textbook scenario's round trip */
#define MIX_RTT_MIN   200 /* a mix's, per connection */
#define MIX_RTT_SPAN  601
#define MIX_GAP_MIN   50 /* between a mix's connection starts, us */
#define MIX_GAP_SPAN  901
#define FLIGHT_MAX    4  /* client segments the server has not received yet */
#define TS_OPT_LEN    12 /* NOP, NOP, timestamps: what a full segment gives up of the MSS */
#define LINUX_WSCALE  7  /* with Linux's default buffers */
#define LINUX_RCV_MAX 65535

struct side {
	uint32_t isn, nxt; /* its first and next sequence number */
	uint32_t rcv;      /* the next it expects from the peer: what it acknowledges */
	uint32_t ts_off;   /* its timestamp clock's offset: Linux picks one per connection */
	uint32_t ts_recent;
	uint16_t ipid;
	bool synced; /* has received the peer's SYN */
};

struct flight {
	int64_t t; /* captured (left the client), us */
	uint32_t end, tsval;
	bool syn;
};

struct conv {
	uint32_t idx; /* connection number: decides the client's port and address */
	uint8_t step;
	uint8_t nq;
	uint16_t rtt; /* us */
	int64_t base[2];
	int64_t last, next; /* times of its last segment and of its next step, us */
	struct side ep[2];
	struct flight q[FLIGHT_MAX];
};

struct run {
	const struct script *sc;
	const struct sf_synth_opts *o;
	struct sf_builder *b;
	uint16_t mss;
	uint16_t synwin[2], win[2]; /* windows on the SYN and after it, per side */
	uint8_t *pay[P_COUNT];
	size_t paylen[P_COUNT];
	uint8_t *buf; /* backs pay[] */
	struct conv *cv;
	uint32_t ncv;
	uint32_t *heap; /* conversation indices by next step time */
	uint32_t nheap;
	sf_synth_emit_fn emit;
	void *arg;
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* splitmix64 (Vigna): the one pseudo-random source, seeded from the ISN, so
 * the same options always give the same capture. */
static uint64_t mix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t hash32(uint32_t v)
{
	uint64_t x = v;
	return (uint32_t)mix64(&x);
}

/* --- payloads: HTTP/1.1, consistent with its own Content-Length ------------------------------- */

static const char req1[] = "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: synfin\r\n"
			   "Accept: */*\r\n\r\n";
static const char req2[] = "GET /big HTTP/1.1\r\nHost: example.com\r\nUser-Agent: synfin\r\n"
			   "Accept: */*\r\n\r\n";
static const char resp_hdr[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			       "Content-Length: %zu\r\n\r\n";
static const char body_line[] = "The quick brown fox jumps over the lazy dog.\n";

/* A response of exactly `total` bytes: header, then a body of lines. */
static size_t put_response(uint8_t *out, size_t total)
{
	char hdr[128];
	size_t body = 0, hl = 0, ll = sizeof(body_line) - 1;

	/* The header's length depends on the digits of the body's length. */
	for (size_t digits = 1; digits < 10; digits++) {
		hl = sizeof(resp_hdr) - 1 - 3 + digits; /* "%zu" becomes the digits */
		body = total - hl;
		if ((size_t)snprintf(hdr, sizeof(hdr), "%zu", body) == digits)
			break;
	}
	hl = (size_t)snprintf(hdr, sizeof(hdr), resp_hdr, body);
	memcpy(out, hdr, hl);
	for (size_t i = 0; i < body; i++)
		out[hl + i] = (uint8_t)body_line[i % ll];
	return hl + body;
}

static bool make_payloads(struct run *r)
{
	size_t seg = (size_t)r->mss - TS_OPT_LEN; /* a full segment's payload */
	size_t big = 2 * seg + 300, half = seg + 200, resp1 = 90;
	size_t total = sizeof(req1) - 1 + sizeof(req2) - 1 + resp1 + big + half;
	uint8_t *p = NULL;

	r->buf = malloc(total);
	if (r->buf == NULL)
		return false;
	p = r->buf;
	r->pay[P_REQ1] = p;
	r->paylen[P_REQ1] = sizeof(req1) - 1;
	memcpy(p, req1, sizeof(req1) - 1);
	p += sizeof(req1) - 1;
	r->pay[P_REQ2] = p;
	r->paylen[P_REQ2] = sizeof(req2) - 1;
	memcpy(p, req2, sizeof(req2) - 1);
	p += sizeof(req2) - 1;
	r->pay[P_RESP1] = p;
	r->paylen[P_RESP1] = put_response(p, resp1);
	p += resp1;
	(void)put_response(p, big);
	for (int i = 0; i < 3; i++) {
		r->pay[P_BIG0 + i] = p + (size_t)i * seg;
		r->paylen[P_BIG0 + i] = i < 2 ? seg : big - 2 * seg;
	}
	p += big;
	(void)put_response(p, half);
	r->pay[P_HALF0] = p;
	r->paylen[P_HALF0] = seg;
	r->pay[P_HALF1] = p + seg;
	r->paylen[P_HALF1] = half - seg;
	return true;
}

/* --- one segment -------------------------------------------------------------------------- */

/* What a receiver makes of an arriving segment: its acknowledgement point
 * and TS.Recent (in order, so no reassembly is needed). */
static void receive(struct side *rx, uint32_t end, uint32_t tsval, bool syn)
{
	if (syn && !rx->synced) {
		rx->rcv = end;
		rx->synced = true;
	} else if (rx->synced && sf_seq_lt(rx->rcv, end)) {
		rx->rcv = end;
	}
	rx->ts_recent = tsval;
}

/* Hands the server what the client sent a round trip before `t`. */
static void server_catches_up(struct conv *v, int64_t t)
{
	unsigned k = 0;
	while (k < v->nq && v->q[k].t + v->rtt <= t) {
		receive(&v->ep[S], v->q[k].end, v->q[k].tsval, v->q[k].syn);
		k++;
	}
	memmove(v->q, v->q + k, (v->nq - k) * sizeof(v->q[0]));
	v->nq = (uint8_t)(v->nq - k);
}

/* The client's address and port in connection `idx`: ports upward from
 * --from's, then the next address, ports from --from's again. */
static void client_of(const struct run *r, uint32_t idx, uint8_t addr[16], uint16_t *port)
{
	uint32_t per = 65536u - r->o->cport, k = idx / per, low = 0;
	size_t al = r->o->ver == 4 ? 4 : 16;

	memcpy(addr, r->o->caddr, 16);
	*port = (uint16_t)(r->o->cport + idx % per);
	/* Add k to the address's last 32 bits. */
	low = (uint32_t)addr[al - 4] << 24 | (uint32_t)addr[al - 3] << 16 |
	      (uint32_t)addr[al - 2] << 8 | addr[al - 1];
	low += k;
	addr[al - 4] = (uint8_t)(low >> 24);
	addr[al - 3] = (uint8_t)(low >> 16);
	addr[al - 2] = (uint8_t)(low >> 8);
	addr[al - 1] = (uint8_t)low;
}

static void syn_options(struct run *r, struct sf_seg *s, const struct side *me, uint32_t tsval)
{
	s->mss = r->mss;
	s->sack_ok = true;
	s->ts = true;
	s->tsval = tsval;
	s->tsecr = me->synced ? me->ts_recent : 0;
	s->wscale = LINUX_WSCALE;
}

static enum sf_synth_rc play(struct run *r, struct conv *v, char *err, size_t errlen)
{
	const struct step *st = &r->sc->steps[v->step];
	struct side *me = &v->ep[st->who];
	int64_t t = v->next, sent = st->who == C ? t : t - v->rtt / 2;
	uint32_t tsval = me->ts_off + (uint32_t)(sent / 1000); /* one tick a millisecond */
	uint8_t caddr[16];
	uint16_t cport = 0;
	const uint8_t *ip = NULL;
	size_t len = 0;
	struct sf_seg s;

	if (st->who == S)
		server_catches_up(v, t);
	client_of(r, v->idx, caddr, &cport);
	sf_seg_init(&s);
	s.ver = r->o->ver;
	memcpy(s.src, st->who == C ? caddr : r->o->saddr, 16);
	memcpy(s.dst, st->who == C ? r->o->saddr : caddr, 16);
	s.sport = st->who == C ? cport : r->o->sport;
	s.dport = st->who == C ? r->o->sport : cport;
	s.ipid = me->ipid++;
	s.seq = me->nxt;
	s.ack = me->rcv;
	s.win = r->win[st->who];
	s.flags = SF_TH_ACK;
	s.ts = true;
	s.tsval = tsval;
	s.tsecr = me->ts_recent;
	switch ((enum act)st->act) {
	case A_SYN:
		s.flags = SF_TH_SYN;
		s.seq = me->isn;
		s.ack = 0;
		s.win = r->synwin[st->who];
		syn_options(r, &s, me, tsval);
		s.tsecr = 0;
		me->nxt = me->isn + 1;
		break;
	case A_SYNACK:
		s.flags = SF_TH_SYN | SF_TH_ACK;
		s.seq = me->isn;
		s.win = r->synwin[st->who];
		syn_options(r, &s, me, tsval);
		me->nxt = me->isn + 1;
		break;
	case A_ACK: break;
	case A_DATA:
		s.data = r->pay[st->pay];
		s.len = r->paylen[st->pay];
		if (st->pay != P_BIG0 && st->pay != P_BIG1)
			s.flags |= SF_TH_PSH; /* the end of one write */
		me->nxt += (uint32_t)s.len;
		break;
	case A_FIN:
		s.flags = SF_TH_FIN | SF_TH_ACK;
		me->nxt += 1;
		break;
	case A_RST: s.flags = SF_TH_RST | SF_TH_ACK; break;
	case A_REFUSE:
		/* tcp_v4_send_reset(): no socket, so nothing of one: the ACK
		 * of the SYN, sequence 0, window 0, no options. */
		s.flags = SF_TH_RST | SF_TH_ACK;
		s.seq = 0;
		s.win = 0;
		s.ts = false;
		s.ipid = 0;
		break;
	}
	if (sf_builder_build(r->b, &s, &ip, &len, err, errlen) != 0)
		return SF_SYNTH_EBUILD;
	if (!r->emit(r->arg, ((int64_t)SF_SYNTH_EPOCH * 1000000 + t) * 1000, ip, len)) {
		say(err, errlen, "the segment was not taken");
		return SF_SYNTH_EWRITE;
	}
	v->last = t;
	if (st->act == A_RST || st->act == A_REFUSE)
		return SF_SYNTH_OK; /* the peer's state is gone; nothing to acknowledge */
	if (st->who == S) {
		receive(&v->ep[C], me->nxt, tsval, s.flags & SF_TH_SYN);
	} else {
		if (v->nq == FLIGHT_MAX)
			server_catches_up(v,
					  v->q[0].t + v->rtt); /* cannot happen in these scripts */
		v->q[v->nq++] = (struct flight){ t, me->nxt, tsval, s.flags & SF_TH_SYN };
	}
	return SF_SYNTH_OK;
}

/* --- many conversations, in capture order ------------------------------------------------- */

static void schedule(const struct run *r, struct conv *v)
{
	const struct step *st = &r->sc->steps[v->step];
	int64_t t = v->base[st->phase] + (int64_t)st->nrtt * v->rtt + st->us;
	v->next = t < v->last ? v->last : t;
}

static bool before(const struct run *r, uint32_t a, uint32_t b)
{
	const struct conv *x = &r->cv[a], *y = &r->cv[b];
	return x->next < y->next || (x->next == y->next && a < b);
}

static void heap_down(struct run *r, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, m = i;
		if (l < r->nheap && before(r, r->heap[l], r->heap[m]))
			m = l;
		if (l + 1 < r->nheap && before(r, r->heap[l + 1], r->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		uint32_t x = r->heap[i];
		r->heap[i] = r->heap[m];
		r->heap[m] = x;
		i = m;
	}
}

static void side_init(struct side *sd, uint32_t isn, uint64_t *x)
{
	memset(sd, 0, sizeof(*sd));
	sd->isn = sd->nxt = isn;
	sd->ts_off = (uint32_t)mix64(x);
	sd->ipid = (uint16_t)mix64(x);
}

/* Lays out every conversation: starts, round trips, ISNs, clocks. */
static void lay_out(struct run *r, bool mix)
{
	const struct sf_synth_opts *o = r->o;
	uint64_t x = 0x5f3759dfull ^ o->isn;
	int64_t start = 0, open_end = 0, phase0 = 0;

	for (uint32_t i = 0; i < r->ncv; i++) {
		struct conv *v = &r->cv[i];
		uint32_t isn = i == 0 ? o->isn : (uint32_t)mix64(&x);
		memset(v, 0, sizeof(*v));
		v->idx = i;
		v->rtt = mix ? (uint16_t)(MIX_RTT_MIN + mix64(&x) % MIX_RTT_SPAN) : RTT_US;
		if (i > 0)
			start += MIX_GAP_MIN + (int64_t)(mix64(&x) % MIX_GAP_SPAN);
		v->base[0] = start;
		v->base[1] = start + r->sc->close_us;
		side_init(&v->ep[C], isn, &x);
		/* The server's ISN follows from the client's, so --isn fixes both. */
		side_init(&v->ep[S], hash32(isn ^ 0xa5a5a5a5u), &x);
	}
	if (mix && o->open_all) {
		/* Every close after the last connection's phase 0 has ended,
		 * in the rhythm the connections opened in. */
		for (uint8_t k = 0; k < r->sc->n; k++)
			if (r->sc->steps[k].phase == 0) {
				int64_t e = (int64_t)r->sc->steps[k].nrtt *
						    (MIX_RTT_MIN + MIX_RTT_SPAN) +
					    r->sc->steps[k].us;
				phase0 = e > phase0 ? e : phase0;
			}
		open_end = start + phase0 + 1000;
		for (uint32_t i = 0; i < r->ncv; i++)
			r->cv[i].base[1] = open_end + r->cv[i].base[0];
	}
}

static enum sf_synth_rc check_opts(const struct sf_synth_opts *o, enum sf_synth_scn scn, char *err,
				   size_t errlen)
{
	if ((unsigned)scn >= SF_SYNTH_COUNT) {
		say(err, errlen, "no scenario %d", (int)scn);
		return SF_SYNTH_EINVAL;
	}
	if (o->ver != 4 && o->ver != 6) {
		say(err, errlen, "IP version %u: only 4 and 6", o->ver);
		return SF_SYNTH_EINVAL;
	}
	if (o->cport == 0 || o->sport == 0) {
		say(err, errlen, "port 0 cannot be connected to or from");
		return SF_SYNTH_EINVAL;
	}
	if (o->mss != 0 && (o->mss < SF_SYNTH_MSS_MIN || o->mss > SF_SYNTH_MSS_MAX)) {
		say(err, errlen, "MSS %u: %d to %d", o->mss, SF_SYNTH_MSS_MIN, SF_SYNTH_MSS_MAX);
		return SF_SYNTH_EINVAL;
	}
	if (scn == SF_SYNTH_MIX && (o->conns < 1 || o->conns > SF_SYNTH_CONNS_MAX)) {
		say(err, errlen, "%u connections: 1 to %d", o->conns, SF_SYNTH_CONNS_MAX);
		return SF_SYNTH_EINVAL;
	}
	if (memcmp(o->caddr, o->saddr, o->ver == 4 ? 4 : 16) == 0 && o->cport == o->sport) {
		say(err, errlen, "the client and the server are the same address and port");
		return SF_SYNTH_EINVAL;
	}
	return SF_SYNTH_OK;
}

/* Linux's initial receive window: 64 KiB less, rounded down to whole
 * segments of `seg` bytes (tcp_select_initial_window()). */
static uint16_t initial_window(uint32_t seg)
{
	return (uint16_t)(LINUX_RCV_MAX / seg * seg);
}

enum sf_synth_rc sf_synth_run(enum sf_synth_scn scn, const struct sf_synth_opts *o,
			      sf_synth_emit_fn emit, void *arg, char *err, size_t errlen)
{
	struct run r;
	enum sf_synth_rc rc = check_opts(o, scn, err, errlen);
	bool mix = scn == SF_SYNTH_MIX;

	if (rc != SF_SYNTH_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	r.sc = &scripts[scn];
	r.o = o;
	r.emit = emit;
	r.arg = arg;
	r.mss = o->mss ? o->mss : o->ver == 4 ? 1460 : 1440;
	/* The client offers whole MSS-sized segments on its SYN; the server,
	 * which has seen the client's timestamps, segments of MSS less the
	 * option (Linux: 64240 and 65160 for an MSS of 1460). Both then scale
	 * by 2^7, rounding to nearest. */
	r.synwin[C] = initial_window(r.mss);
	r.synwin[S] = initial_window((uint32_t)r.mss - TS_OPT_LEN);
	for (int i = 0; i < 2; i++)
		r.win[i] = (uint16_t)((r.synwin[i] + (1u << (LINUX_WSCALE - 1))) >> LINUX_WSCALE);
	r.ncv = mix ? o->conns : 1;
	r.cv = calloc(r.ncv, sizeof(*r.cv));
	r.heap = calloc(r.ncv, sizeof(*r.heap));
	r.b = sf_builder_new(SF_BUILD_BYTES, NULL, err, errlen);
	if (r.cv == NULL || r.heap == NULL || r.b == NULL || !make_payloads(&r)) {
		if (r.b != NULL)
			say(err, errlen, "out of memory");
		rc = SF_SYNTH_EBUILD;
		goto out;
	}
	lay_out(&r, mix);
	for (uint32_t i = 0; i < r.ncv; i++) {
		schedule(&r, &r.cv[i]);
		r.heap[r.nheap++] = i;
	}
	for (uint32_t i = r.nheap / 2; i-- > 0;)
		heap_down(&r, i);
	while (r.nheap > 0) {
		struct conv *v = &r.cv[r.heap[0]];
		rc = play(&r, v, err, errlen);
		if (rc != SF_SYNTH_OK)
			goto out;
		if (++v->step == r.sc->n)
			r.heap[0] = r.heap[--r.nheap];
		else
			schedule(&r, v);
		heap_down(&r, 0);
	}
out:
	sf_builder_free(r.b);
	free(r.buf);
	free(r.heap);
	free(r.cv);
	return rc;
}

/* --- the pcap file ------------------------------------------------------------------------ */

struct pcap_out {
	pcap_dumper_t *d;
	FILE *f;
	int errnum; /* the first write's failure */
};

static bool to_pcap(void *arg, int64_t ns, const uint8_t *ip, size_t len)
{
	struct pcap_out *po = arg;
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ns / 1000000000);
	h.ts.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
	h.caplen = h.len = (uint32_t)len;
	errno = 0;
	pcap_dump((u_char *)po->d, &h, ip);
	if (ferror(po->f)) {
		po->errnum = errno ? errno : EIO;
		return false;
	}
	return true;
}

enum sf_synth_rc sf_synth_write(const char *path, enum sf_synth_scn scn,
				const struct sf_synth_opts *o, char *err, size_t errlen)
{
	struct pcap_out po = { NULL, NULL, 0 };
	pcap_t *pc = NULL;
	bool out_std = strcmp(path, "-") == 0;
	enum sf_synth_rc rc = check_opts(o, scn, err, errlen);

	if (rc != SF_SYNTH_OK)
		return rc;
	/* Raw IP: the datagrams as built, for IPv4 and IPv6 alike. The snap
	 * length is tcpdump's 262144, not 65535: an IPv6 datagram is its
	 * 65535-byte payload plus the 40-byte header, and readers cut a record
	 * at the file's snap length. */
	pc = pcap_open_dead(DLT_RAW, 262144);
	if (pc == NULL) {
		say(err, errlen, "out of memory");
		return SF_SYNTH_EBUILD;
	}
	po.f = out_std ? stdout : fopen(path, "wb");
	if (po.f == NULL) {
		say(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		rc = SF_SYNTH_EWRITE;
		goto out;
	}
	po.d = pcap_dump_fopen(pc, po.f);
	if (po.d == NULL) {
		say(err, errlen, "%s: cannot write: %s", path, pcap_geterr(pc));
		if (!out_std)
			fclose(po.f);
		rc = SF_SYNTH_EWRITE;
		goto out;
	}
	rc = sf_synth_run(scn, o, to_pcap, &po, err, errlen);
	/* A full disk shows at the flush as often as at a write: the file is
	 * good only when every byte reached the system. */
	errno = 0;
	if (pcap_dump_flush(po.d) != 0 || ferror(po.f)) {
		if (po.errnum == 0)
			po.errnum = errno ? errno : EIO;
		rc = SF_SYNTH_EWRITE;
	}
	if (rc == SF_SYNTH_EWRITE)
		say(err, errlen, "%s: writing failed: %s; the file is incomplete", path,
		    strerror(po.errnum ? po.errnum : EIO));
	if (out_std)
		(void)fflush(stdout); /* standard output stays open for main */
	else
		pcap_dump_close(po.d);
out:
	pcap_close(pc);
	return rc;
}
