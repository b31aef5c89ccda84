/* decode/seqan.c: tshark 4.0.17's TCP sequence analysis, in 56 bytes a connection.
 *
 * Follows packet-tcp.c as /work/spec/tshark-tcp.md describes it, step for
 * step and in tshark's order, because the order decides the answers: a
 * zero-window probe skips every later test, a keep-alive is never a
 * retransmission, a fast retransmission is tested before out-of-order.
 *
 * One segment, as dissect_tcp() takes it (spec section 3):
 *   1. a pure SYN with a new ISN restarts the stream (port reuse), one with
 *      the same ISN rewinds nextseq; a SYN,ACK with a new ISN is flagged;
 *   2. completeness is shown as it was before this segment;
 *   3. with a known segment length: base_seq, then the analysis (section 5);
 *   4. a data offset below 20 stops here;
 *   5. completeness, the initial RTT, the window scale option;
 *   6. the flags are shown unless the options were cut by the capture;
 *   7. a SYN without window scaling turns scaling off (section 5.6).
 *
 * Times are microseconds. now_us is the clock of the last analysed segment
 * and every other time is kept as an age before it, so the ages are small
 * and fit in 16 or 24 bits; an age at its bound stays there ("at least").
 */
#include "decode/seqan.h"

#include <string.h>

_Static_assert(sizeof(struct sf_seqan) <= 56, "tshark's analysis must fit in 56 bytes");

#define AGE_MAX  ((1 << 23) - 1) /* 8.39 s, the bounds of a 24-bit age */
#define AGE_MIN  (-(1 << 23))
#define PEER_MAX 32767 /* 32.7 ms: only ever compared with 20 ms */
#define PEER_MIN (-32768)

#define DUP_SENTINEL 0xffffu /* tshark's dupacknum of -1 */
#define DUP_MAX      0xfffeu

/* tshark's constants, in microseconds (packet-tcp.c lines 2410, 2429-2433). */
#define FAST_RETX_WINDOW_US 20000
#define OOO_DEFAULT_US      3000

/* tshark's comparisons (packet-tcp.h:40). They differ from decode/seq.h's at a
 * distance of exactly 2^31, where tshark's GT_SEQ and LT_SEQ both hold; the
 * point here is to answer as tshark does. */
static bool lt_seq(uint32_t x, uint32_t y)
{
	return (uint32_t)(x - y) >= 0x80000000u;
}

static bool gt_seq(uint32_t x, uint32_t y)
{
	return (uint32_t)(y - x) >= 0x80000000u;
}

static bool le_seq(uint32_t x, uint32_t y)
{
	return x == y || lt_seq(x, y);
}

/* tshark compares time differences as guint64, so a negative one (time
 * running backwards) is huge and passes no "less than" test, unless the
 * threshold is itself a negative initial RTT (spec quirk Q4). */
static bool u64_lt(int64_t d, int64_t thr)
{
	return (uint64_t)d < (uint64_t)thr;
}

static bool pure_syn(uint16_t fl)
{
	return (fl & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN;
}

/* tshark's base_seq, kept as a 16-bit hash: the values that recur in
 * practice (0, 1, 2^31 - 1, an ack of 0 minus one...) must not collide as
 * their low bits would, so the bits come from a multiplicative hash. */
static uint16_t isn_hash(uint32_t seq)
{
	return (uint16_t)((seq * 2654435761u) >> 16);
}

static uint32_t bit_of(int dir)
{
	return 1u << dir;
}

/* Microseconds, rounded down also before 1970. */
static uint32_t clock_us(int64_t ns)
{
	int64_t us = ns / 1000;
	if (ns % 1000 < 0)
		us--;
	return (uint32_t)us; /* modulo 2^32: only differences are used */
}

/* now - now_us, taking the 32-bit clock's wrap as the nearer way round. */
static int64_t elapsed(const struct sf_seqan *s, uint32_t now)
{
	uint32_t d = now - s->now_us;
	return d < 0x80000000u ? (int64_t)d : (int64_t)d - 0x100000000LL;
}

static int32_t clamp(int64_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* An age moved to a later clock. One at a bound is only known to lie beyond
 * it, so it stays. */
static int32_t age_add(int32_t age, int64_t delta, int32_t lo, int32_t hi)
{
	if (age <= lo || age >= hi)
		return age;
	return clamp((int64_t)age + delta, lo, hi);
}

/* A new stream: tshark's fresh tcp_analysis. Nothing was ever sent, so every
 * age is as old as can be. */
static void restart(struct sf_seqan *s, uint32_t now, int dir)
{
	memset(s, 0, sizeof(*s));
	s->started = 1;
	s->now_us = now;
	s->last_dir = (unsigned)dir;
	s->peer_age = PEER_MAX;
	for (int d = 0; d < 2; d++) {
		s->d[d].nst_age = AGE_MAX;
		s->d[d].ws = SF_SEQAN_WS_UNKNOWN;
	}
}

/* Microseconds since direction d's last analysed segment (tshark's
 * lastacktime), given `since` = now - now_us. */
static int64_t since_last(const struct sf_seqan *s, int d, int64_t since)
{
	return (int)s->last_dir == d ? since : since + s->peer_age;
}

/* The clock moves to `now`, the time of direction fw's segment; `advanced`
 * says it raised nextseq (tshark's nextseqtime = now). */
static void rebase(struct sf_seqan *s, int fw, uint32_t now, bool advanced)
{
	int rv = !fw;
	int64_t since = elapsed(s, now);

	if ((int)s->last_dir == rv)
		s->peer_age = clamp(since, PEER_MIN, PEER_MAX);
	else
		s->peer_age = age_add(s->peer_age, since, PEER_MIN, PEER_MAX);
	s->d[fw].nst_age = advanced ? 0 : age_add(s->d[fw].nst_age, since, AGE_MIN, AGE_MAX);
	s->d[rv].nst_age = age_add(s->d[rv].nst_age, since, AGE_MIN, AGE_MAX);
	if (s->rtt_state == SF_SEQAN_RTT_SYN)
		s->rtt = age_add(s->rtt, since, AGE_MIN, AGE_MAX);
	s->now_us = now;
	s->last_dir = (unsigned)fw;
}

/* The tests of section 5.1 to 5.4 that decide whether a segment is an ACK of
 * something, up to tshark's label finished_fwd. Returns the flags. */
static uint32_t ack_tests(struct sf_seqan *s, int fw, const struct sf_tcp *t, uint32_t seglen,
			  uint32_t ta, uint32_t *dupnum)
{
	int rv = !fw;
	const struct sf_seqan_dir *snd = &s->d[fw], *rcv = &s->d[rv];
	uint16_t fl = t->flags;
	bool plain = !(fl & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST));
	/* The segment repeats the last one's numbers: an ACK of nothing new. */
	bool same = seglen == 0 && t->seq == s->nextseq[fw] && t->ack == s->lastack[fw] && plain;
	bool same_win = snd->win_set && t->win == s->win[fw];

	/* 5.1 A zero-window probe skips every other test of the ACK. */
	if (seglen == 1 && t->seq == s->nextseq[fw] && rcv->win_set && s->win[rv] == 0)
		return ta | SF_NOTE_ZERO_WINDOW_PROBE;
	if (t->win == 0 && plain)
		ta |= SF_NOTE_ZERO_WINDOW;
	if (s->nextseq[fw] != 0 && gt_seq(t->seq, s->nextseq[fw]) && !(fl & SF_TH_RST))
		ta |= SF_NOTE_LOST_SEGMENT;
	if (seglen <= 1 && t->seq == s->nextseq[fw] - 1 && plain)
		ta |= SF_NOTE_KEEP_ALIVE;
	if (same && t->win != 0 && !same_win)
		ta |= SF_NOTE_WINDOW_UPDATE;
	if (seglen > 0 && rcv->ws != SF_SEQAN_WS_UNKNOWN && plain) {
		/* 5.5: the receiver's window is unscaled while it came from a SYN. */
		uint32_t rwin = rcv->win_set ? s->win[rv] : 0xffffffffu;
		unsigned shift = rcv->first_ack || rcv->ws == SF_SEQAN_WS_NONE ? 0 : rcv->ws - 2u;
		if (t->seq + seglen == s->lastack[rv] + (rwin << shift))
			ta |= SF_NOTE_WINDOW_FULL;
	}
	if (same && t->win != 0 && same_win && (s->ka & bit_of(rv)))
		return ta | SF_NOTE_KEEP_ALIVE_ACK;
	if (same && t->win == 0 && same_win && (s->zwp & bit_of(rv)))
		return ta | SF_NOTE_ZERO_WINDOW_PROBE_ACK;
	/* 5.4: a change in the MPTCP options seen is no duplicate (Q12). */
	if (same && t->win != 0 && same_win && !(s->mp_stale & bit_of(fw))) {
		uint16_t n = s->dupack[fw];
		s->dupack[fw] = n == DUP_SENTINEL ? 1 : n < DUP_MAX ? (uint16_t)(n + 1) : DUP_MAX;
		*dupnum = s->dupack[fw];
		ta |= SF_NOTE_DUPLICATE_ACK;
	}
	return ta;
}

/* 5.7 and 5.8: which kind of retransmission, if any. */
static uint32_t retx_tests(const struct sf_seqan *s, int fw, const struct sf_tcp *t,
			   uint32_t seglen, int64_t since, uint32_t ta)
{
	int rv = !fw;
	uint16_t fl = t->flags;
	uint32_t nxt = s->nextseq[fw];
	bool not_advanced = nxt != 0 && lt_seq(t->seq, nxt);
	int64_t thr = s->rtt_state == SF_SEQAN_RTT_KNOWN ? s->rtt : OOO_DEFAULT_US;

	if (ta & SF_NOTE_KEEP_ALIVE)
		return ta;
	if (seglen > 1 && nxt - 1 == t->seq)
		not_advanced = false; /* data after a probe or keep-alive byte */
	if (seglen > 0 && s->lastack[rv] != 0 && le_seq(t->seq + seglen, s->lastack[rv]))
		return ta | SF_NOTE_SPURIOUS_RETRANSMISSION; /* all of it acknowledged */
	if (not_advanced && s->dupack[rv] >= 2 && s->lastack[rv] == t->seq &&
	    u64_lt(since_last(s, rv, since), FAST_RETX_WINDOW_US))
		return ta | SF_NOTE_FAST_RETRANSMISSION;
	if (not_advanced && u64_lt(since + s->d[fw].nst_age, thr) &&
	    nxt != t->seq + seglen + ((fl & (SF_TH_SYN | SF_TH_FIN)) ? 1u : 0u))
		return ta | SF_NOTE_OUT_OF_ORDER;
	if (not_advanced)
		ta |= SF_NOTE_RETRANSMISSION;
	return ta;
}

/* tcp_analyze_sequence_number(): the notes of one segment with a known
 * length, and what it leaves behind for the next. */
static uint32_t analyze(struct sf_seqan *s, int fw, const struct sf_tcp *t, uint32_t seglen,
			uint32_t now, uint32_t ta, uint32_t *dupnum)
{
	int rv = !fw;
	uint16_t fl = t->flags;
	int64_t since = elapsed(s, now);
	uint32_t nxt = t->seq + seglen;
	bool advanced = false;

	ta = ack_tests(s, fw, t, seglen, ta, dupnum);
	/* finished_fwd: a new ack ends the run of duplicates. */
	if (t->ack != s->lastack[fw])
		s->dupack[fw] = 0;
	/* 5.6 The ack covers more than the other side was seen to send. */
	if (s->maxseq[rv] != 0 && gt_seq(t->ack, s->maxseq[rv]) && (fl & SF_TH_ACK)) {
		if (lt_seq(s->maxseq[rv], s->nextseq[rv])) {
			s->maxseq[rv] = s->nextseq[rv];
			ta |= SF_NOTE_ACK_LOST_SEGMENT;
		} else {
			if (s->dupack[rv] == 0)
				ta |= SF_NOTE_ACK_LOST_SEGMENT;
			s->dupack[rv] = DUP_SENTINEL; /* Q3 */
		}
	}
	if (seglen > 0 || (fl & (SF_TH_SYN | SF_TH_FIN))) {
		ta = retx_tests(s, fw, t, seglen, since, ta);
		if (fl & (SF_TH_SYN | SF_TH_FIN))
			nxt++; /* SYN and FIN take a sequence number each */
	}
	/* 5.9 Bookkeeping; a zero-window probe moves nothing (Q10). Zero is
	 * tshark's "unset" (Q1). */
	if (!(ta & SF_NOTE_ZERO_WINDOW_PROBE)) {
		if (gt_seq(nxt, s->nextseq[fw]) || s->nextseq[fw] == 0) {
			s->nextseq[fw] = nxt;
			advanced = true;
		}
		if (t->seq == s->maxseq[fw] || s->maxseq[fw] == 0)
			s->maxseq[fw] = s->nextseq[fw];
	}
	s->win[fw] = t->win;
	s->d[fw].win_set = 1;
	s->lastack[fw] = t->ack;
	rebase(s, fw, now, advanced);
	s->mp_stale &= ~bit_of(fw) & 3u;
	s->ka = (s->ka & ~bit_of(fw) & 3u) | ((ta & SF_NOTE_KEEP_ALIVE) ? bit_of(fw) : 0u);
	s->zwp = (s->zwp & ~bit_of(fw) & 3u) | ((ta & SF_NOTE_ZERO_WINDOW_PROBE) ? bit_of(fw) : 0u);
	return ta;
}

/* Section 6: completeness after this segment; `fresh` is tshark's
 * conversation_is_new. */
static void count_completeness(struct sf_seqan *s, bool fresh, uint16_t fl, uint32_t seglen)
{
	unsigned c = 0;

	if (fresh) {
		if (pure_syn(fl))
			c = SF_COMPL_SYN | (seglen > 0 ? SF_COMPL_DATA : 0u);
	} else {
		c = s->completeness;
		if ((fl & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK))
			c |= SF_COMPL_SYNACK;
		if ((fl & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK)
			c |= seglen > 0 ? SF_COMPL_DATA : SF_COMPL_ACK;
		if ((fl & (SF_TH_FIN | SF_TH_ACK)) == (SF_TH_FIN | SF_TH_ACK))
			c |= SF_COMPL_FIN;
		if (fl & SF_TH_RST)
			c |= SF_COMPL_RST;
	}
	s->completeness = c & 0x3fu;
}

/* Section 3 step 7: the initial RTT is from the latest pure SYN to the first
 * segment that carries an ACK and no SYN, whichever way it goes. */
static void handshake_times(struct sf_seqan *s, int fw, uint16_t fl, int64_t now_ns, uint32_t now)
{
	int64_t since = elapsed(s, now);

	if (fl & SF_TH_SYN) {
		/* A time of exactly 0 is tshark's "unset" (Q5). */
		if (!(fl & SF_TH_ACK) && now_ns != 0 && s->rtt_state != SF_SEQAN_RTT_KNOWN) {
			s->rtt_state = SF_SEQAN_RTT_SYN;
			s->rtt = clamp(-since, AGE_MIN, AGE_MAX);
		}
		s->d[fw].first_ack = 1;
	}
	if ((fl & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK) {
		if (s->rtt_state == SF_SEQAN_RTT_SYN) {
			int64_t rtt = since + s->rtt;
			if (rtt != 0) { /* 0 is "unset": the next ACK tries again */
				s->rtt = clamp(rtt, AGE_MIN, AGE_MAX);
				s->rtt_state = SF_SEQAN_RTT_KNOWN;
			}
		}
		s->d[fw].first_ack = 0;
	}
}

/* Section 3 step 9: options that change the state, in wire order. */
static void store_options(struct sf_seqan *s, int fw, const struct sf_tcp *t)
{
	unsigned mp = s->mptcp;

	if (t->has & SF_TCP_HAS_WS)
		s->d[fw].ws = 2u + (t->wscale > 14 ? 14u : t->wscale); /* Q11 */
	for (unsigned i = 0; i < t->nopt; i++)
		if (t->opt[i].kind == SF_TCPOPT_MPTCP &&
		    !(t->opt[i].flags & (SF_OPT_CUT | SF_OPT_BAD | SF_OPT_SIZE)) &&
		    t->opt[i].v1 < 8)
			mp |= 1u << t->opt[i].v1;
	if (mp != s->mptcp) {
		/* Both sides' last view of the subtypes is now out of date. */
		s->mptcp = mp & 0xffu;
		s->mp_stale = 3;
	}
}

/* tshark stops dissecting the options where the capture (or the segment)
 * ends, before it prints the analysis and checks the window scaling. */
static bool options_cut(const struct sf_frame *f)
{
	return f->rc != SF_DEC_OK && (f->why == SF_WHY_TCP_OPTS || f->why == SF_WHY_TCP_FRAG ||
				      f->why == SF_WHY_TCP_DOFF);
}

bool sf_seqan_new_stream(const struct sf_seqan *s, int dir, const struct sf_frame *f)
{
	int fw = dir ? 1 : 0;
	return s->started && pure_syn(f->tcp.flags) && s->d[fw].base_set &&
	       isn_hash(f->tcp.seq) != s->base[fw];
}

/* What every segment does to the stream, notes or not: a new stream on a
 * reused tuple, the first segment, the bases of relative numbering. Sets
 * *fresh and *seglen; returns the notes it already knows. */
static uint32_t begin(struct sf_seqan *s, int fw, const struct sf_frame *f, uint32_t us,
		      bool reused, bool *fresh, uint32_t *seglen)
{
	const struct sf_tcp *t = &f->tcp;
	int rv = !fw;
	uint16_t fl = t->flags;
	uint32_t ta = 0;

	if (reused || sf_seqan_new_stream(s, fw, f)) {
		/* Port numbers reused: a new stream, whether or not the caller
		 * began a new connection. */
		restart(s, us, fw);
		s->completeness = SF_COMPL_SYN;
		ta |= SF_NOTE_REUSED_PORTS;
	} else if (!s->started) {
		restart(s, us, fw);
		*fresh = true;
	} else if (pure_syn(fl) && s->d[fw].base_set) {
		s->nextseq[fw] = s->maxseq[fw]; /* a retransmitted SYN (Wireshark issue 17616) */
	}
	if ((fl & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK) && s->d[fw].base_set &&
	    isn_hash(t->seq) != s->base[fw]) {
		s->base[fw] = isn_hash(t->seq); /* stays in the stream, rebased */
		ta |= SF_NOTE_REUSED_PORTS;
	}
	/* tshark has no segment length for an IP fragment, or when the IP
	 * length cannot hold the TCP header. */
	if (!f->ip.mf && t->seglen >= t->hlen) {
		*seglen = t->seglen - t->hlen;
		if (!s->d[fw].base_set) {
			s->base[fw] = isn_hash((fl & SF_TH_SYN) ? t->seq : t->seq - 1);
			s->d[fw].base_set = 1;
		}
		if (!s->d[rv].base_set && (fl & SF_TH_ACK)) {
			s->base[rv] = isn_hash(t->ack - 1); /* the peer's ISN, guessed */
			s->d[rv].base_set = 1;
		}
	}
	return ta;
}

void sf_seqan_seg(struct sf_seqan *s, int dir, const struct sf_frame *f, int64_t now, bool reused,
		  struct sf_seqan_out *out)
{
	const struct sf_tcp *t = &f->tcp;
	int fw = dir ? 1 : 0, rv = !fw;
	uint16_t fl = t->flags;
	uint32_t us = clock_us(now);
	uint32_t ta = 0, dupnum = 0, seglen = 0;
	bool fresh = false;

	memset(out, 0, sizeof(*out));
	ta = begin(s, fw, f, us, reused, &fresh, &seglen);
	out->completeness = (uint8_t)s->completeness; /* before this segment counts */
	if (!f->ip.mf && t->seglen >= t->hlen)
		ta = analyze(s, fw, t, seglen, us, ta, &dupnum);
	if (t->hlen < SF_TCP_HDR_MIN)
		return; /* tshark stops at a bogus header length */
	count_completeness(s, fresh, fl, seglen);
	handshake_times(s, fw, fl, now, us);
	store_options(s, fw, t);
	if (options_cut(f))
		return;
	out->notes = ta;
	out->dupack = (ta & SF_NOTE_DUPLICATE_ACK) ? dupnum : 0;
	if (fl & SF_TH_SYN) {
		/* verify_tcp_window_scaling(): no option in a SYN means none. */
		if (s->d[fw].ws == SF_SEQAN_WS_UNKNOWN)
			s->d[fw].ws = s->d[rv].ws = SF_SEQAN_WS_NONE;
		else if ((fl & SF_TH_ACK) && s->d[rv].ws == SF_SEQAN_WS_NONE)
			s->d[fw].ws = SF_SEQAN_WS_NONE;
	}
}

void sf_seqan_seg_completeness(struct sf_seqan *s, int dir, const struct sf_frame *f, int64_t now,
			       bool reused)
{
	uint32_t seglen = 0;
	bool fresh = false;

	(void)begin(s, dir ? 1 : 0, f, clock_us(now), reused, &fresh, &seglen);
	if (f->tcp.hlen >= SF_TCP_HDR_MIN)
		count_completeness(s, fresh, f->tcp.flags, seglen);
}

unsigned sf_seqan_completeness(const struct sf_seqan *s)
{
	return s->completeness;
}

struct note_words {
	const char *name; /* after "tcp.analysis." */
	const char *text; /* the Info column's */
};

static const struct note_words note_words[] = {
	[0] = { "retransmission", "TCP Retransmission" },
	[1] = { "fast_retransmission", "TCP Fast Retransmission" },
	[2] = { "spurious_retransmission", "TCP Spurious Retransmission" },
	[3] = { "out_of_order", "TCP Out-Of-Order" },
	[4] = { "lost_segment", "TCP Previous segment not captured" },
	[5] = { "ack_lost_segment", "TCP ACKed unseen segment" },
	[6] = { "duplicate_ack", "TCP Dup ACK" },
	[7] = { "zero_window", "TCP ZeroWindow" },
	[8] = { "zero_window_probe", "TCP ZeroWindowProbe" },
	[9] = { "zero_window_probe_ack", "TCP ZeroWindowProbeAck" },
	[10] = { "window_update", "TCP Window Update" },
	[11] = { "window_full", "TCP Window Full" },
	[12] = { "keep_alive", "TCP Keep-Alive" },
	[13] = { "keep_alive_ack", "TCP Keep-Alive ACK" },
	[14] = { "reused_ports", "TCP Port numbers reused" },
};
_Static_assert(sizeof(note_words) / sizeof(note_words[0]) == SF_NOTE_BITS,
	       "one name for each note");

static const struct note_words *words_of(uint32_t bit)
{
	for (unsigned i = 0; i < SF_NOTE_BITS; i++)
		if (bit == 1u << i)
			return &note_words[i];
	return NULL;
}

const char *sf_seqan_note_name(uint32_t bit)
{
	const struct note_words *w = words_of(bit);
	return w ? w->name : "?";
}

const char *sf_seqan_note_text(uint32_t bit)
{
	const struct note_words *w = words_of(bit);
	return w ? w->text : "?";
}
