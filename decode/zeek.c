/* decode/zeek.c: Zeek's TCP endpoint states, history letters and conn_state.
 *
 * The order of work per segment is Zeek's (spec section 2 and 3):
 *
 *   timers due before the segment  ->  reuse check  ->  new connection (flip?)
 *     -> header checks -> checksum ('C') -> second-packet flip
 *     -> Process: init_endpoint, history letters, zero window, last_time,
 *        acknowledgment, last_seq ('T'), state machine, peer's reassembler
 *        ('G'), own reassembler, EOF, close.
 *
 * Zeek's relative sequence numbers are 64-bit offsets from each side's
 * start_seq. Here each side keeps its absolute last_seq and the distances
 * below it (struct sf_zeek_side), which are all the rules ever compare.
 */
#include "decode/zeek.h"

#include <string.h>

#include "decode/seq.h"

_Static_assert(sizeof(struct sf_zeek) <= 48, "Zeek's state must fit its share of struct sf_conn");

/* init-bare.zeek's defaults, in microseconds. */
#define US                  1000000
#define TCP_ATTEMPT_DELAY   (5 * US)   /* AttemptTimer */
#define TCP_CLOSE_DELAY     (5 * US)   /* ConnDeleteTimer */
#define TCP_CONN_LINGER     (5 * US)   /* ExpireTimer's quiet period */
#define UDP_INACTIVITY      (60 * US)  /* every TCP connection starts with it */
#define TCP_INACTIVITY      (300 * US) /* once out of the handshake */
#define TOO_LARGE_SEQ_DELTA 1048576
#define MAX_INITIAL_WINDOW  16384 /* tcp_max_initial_window */
#define MAX_ABOVE_HOLE      16384 /* tcp_max_above_hole_without_any_acks */
#define SPAN_UNKNOWN        0xffffu
#define UNDELIVERED_SAT     0xffffu
#define LAG_FAR             3u
#define RST_FAR             7u /* rst_lag: the distance is outside -3..3 */

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_ACK = 0x10 };
enum { FPS_ORIG = 1, FPS_RESP = 2 };

static const char *const st_names[] = {
	[SF_ZEEK_INACTIVE] = "INACTIVE",
	[SF_ZEEK_SYN_SENT] = "SYN_SENT",
	[SF_ZEEK_SYN_ACK_SENT] = "SYN_ACK_SENT",
	[SF_ZEEK_PARTIAL] = "PARTIAL",
	[SF_ZEEK_ESTABLISHED] = "ESTABLISHED",
	[SF_ZEEK_CLOSED] = "CLOSED",
	[SF_ZEEK_RESET] = "RESET",
};
_Static_assert(sizeof(st_names) / sizeof(st_names[0]) == SF_ZEEK_ST_COUNT, "state names");

const char *sf_zeek_st_name(enum sf_zeek_st st)
{
	return (unsigned)st < SF_ZEEK_ST_COUNT ? st_names[st] : "?";
}

/* --- the history string ----------------------------------------------------
 *
 * Two letters a byte: nibble 0 ends the string, 1..14 are the common letters
 * below, 15 escapes to the next nibble's letter in `hist_rare`. Case is
 * meaning (upper: Zeek's originator did it), so each case is its own code. */

#define HIST_NIBBLES (2 * sizeof(((struct sf_zeek *)0)->hist))
#define HIST_ESCAPE  15

static const char hist_common[] = "\0ShAaDdFfRr^TtH"; /* codes 0..14 */
static const char hist_rare[] = "sGgCcWwIiQqX";       /* after an escape */

static unsigned nib(const struct sf_zeek *z, size_t i)
{
	return (z->hist[i / 2] >> (i % 2 ? 4 : 0)) & 0xfu;
}

static void set_nib(struct sf_zeek *z, size_t i, unsigned v)
{
	unsigned shift = i % 2 ? 4 : 0;
	z->hist[i / 2] = (uint8_t)((z->hist[i / 2] & ~(0xfu << shift)) | (v & 0xfu) << shift);
}

/* Decodes into buf (n >= 1); returns the number of nibbles used. */
static size_t hist_decode(const struct sf_zeek *z, char *buf, size_t n)
{
	size_t i = 0, k = 0;
	while (i < HIST_NIBBLES && nib(z, i) != 0) {
		unsigned v = nib(z, i);
		char c = 0;
		if (v == HIST_ESCAPE) {
			if (i + 1 == HIST_NIBBLES) { /* the "full" mark */
				i = HIST_NIBBLES;
				break;
			}
			v = nib(z, i + 1);
			c = v < sizeof(hist_rare) - 1 ? hist_rare[v] : '?';
			i += 2;
		} else {
			c = hist_common[v];
			i++;
		}
		if (k + 1 < n)
			buf[k++] = c;
	}
	buf[k < n ? k : n - 1] = '\0';
	return i;
}

/* Each letter's code: 1..14 in hist_common, 15 + its index in hist_rare
 * (written as the escape and that index); 0 for none. Also its bit in hseen. */
static const uint8_t hist_code[128] = {
	['S'] = 1,  ['h'] = 2,  ['A'] = 3,  ['a'] = 4,  ['D'] = 5,  ['d'] = 6,  ['F'] = 7,
	['f'] = 8,  ['R'] = 9,  ['r'] = 10, ['^'] = 11, ['T'] = 12, ['t'] = 13, ['H'] = 14,
	['s'] = 15, ['G'] = 16, ['g'] = 17, ['C'] = 18, ['c'] = 19, ['W'] = 20, ['w'] = 21,
	['I'] = 22, ['i'] = 23, ['Q'] = 24, ['q'] = 25, ['X'] = 26,
};

static unsigned code_of(char c)
{
	return (unsigned char)c < 128 ? hist_code[(unsigned char)c] : 0;
}

/* Appends one letter if it fits: Zeek's string has no bound, ours stops
 * at 16 nibbles. The first letter that does not fit closes the string (a
 * lone escape in the last nibble), so what is kept is always the start of
 * Zeek's history, never a later letter that happened to be shorter. */
static void hist_add(struct sf_zeek *z, char c)
{
	unsigned code = code_of(c), used = z->hused;

	if (used >= HIST_NIBBLES || code == 0)
		return;
	if (code < HIST_ESCAPE) {
		set_nib(z, used++, code);
		z->hseen |= 1u << code;
	} else if (used + 2 <= HIST_NIBBLES) {
		set_nib(z, used++, HIST_ESCAPE);
		set_nib(z, used++, code - HIST_ESCAPE);
		z->hseen |= 1u << code;
	} else {
		set_nib(z, HIST_NIBBLES - 1, HIST_ESCAPE);
		used = HIST_NIBBLES;
	}
	z->hused = used & 31u;
}

/* Whether the kept history holds the letter. */
static bool hist_has(const struct sf_zeek *z, char c)
{
	unsigned code = code_of(c);
	return code != 0 && (z->hseen >> code) & 1u;
}

/* The second-packet flip rewrites what was written as if the roles had
 * been flipped from the start: "^" + swapcase(history). */
static void hist_flip_rewrite(struct sf_zeek *z)
{
	char buf[HIST_NIBBLES + 1];
	(void)hist_decode(z, buf, sizeof(buf));
	memset(z->hist, 0, sizeof(z->hist));
	z->hseen = 0;
	z->hused = 0;
	hist_add(z, '^');
	for (const char *p = buf; *p; p++) {
		char c = *p;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		hist_add(z, c);
	}
}

/* --- roles -------------------------------------------------------------- */

static bool is_orig(const struct sf_zeek *z, int s)
{
	return s == (int)z->flipped;
}

static char cased(const struct sf_zeek *z, int s, char upper)
{
	return is_orig(z, s) ? upper : (char)(upper - 'A' + 'a');
}

/* TCP_Endpoint::CheckHistory: the first letter of its kind per direction.
 * Zeek keeps a mask of kinds seen; the letters themselves are that mask
 * (SYN and SYN-ACK share one kind). Returns whether it was seen before. */
static bool check_history(struct sf_zeek *z, int s, char upper)
{
	bool seen = hist_has(z, cased(z, s, upper)) ||
		    (upper == 'S' && hist_has(z, cased(z, s, 'H'))) ||
		    (upper == 'H' && hist_has(z, cased(z, s, 'S')));
	if (!seen)
		hist_add(z, cased(z, s, upper));
	return seen;
}

/* Session::ScaledHistoryEntry: the letter again at the 1st, 10th, 100th...
 * event. The counter saturates, and with it the letters. */
static void scaled(struct sf_zeek *z, int s, char upper, unsigned *count, unsigned max)
{
	if (*count >= max)
		return;
	++*count;
	if (*count == 1 || *count == 10 || *count == 100 || *count == 1000 || *count == 10000)
		hist_add(z, cased(z, s, upper));
}

static void scaled_w(struct sf_zeek *z, int s)
{
	unsigned n = z->side[s].n_w;
	scaled(z, s, 'W', &n, 15);
	z->side[s].n_w = (uint8_t)n;
}

static void scaled_c(struct sf_zeek *z, int s)
{
	unsigned n = z->side[s].n_c;
	scaled(z, s, 'C', &n, 255);
	z->side[s].n_c = (uint8_t)n;
}

static void scaled_t(struct sf_zeek *z, int s)
{
	unsigned n = z->side[s].n_t;
	scaled(z, s, 'T', &n, 255);
	z->side[s].n_t = (uint8_t)n;
}

static void scaled_g(struct sf_zeek *z, int s)
{
	unsigned n = z->side[s].n_g;
	scaled(z, s, 'G', &n, 255);
	z->side[s].n_g = (uint8_t)n;
}

/* --- sequence positions kept as distances below last_seq -------------------- */

static uint32_t clamp_u(int64_t v, uint32_t max)
{
	return v < 0 ? 0 : v > (int64_t)max ? max : (uint32_t)v;
}

/* A distance that was saturated stays unknown when last_seq moves. */
static uint32_t lag_move(uint32_t lag, int64_t d, uint32_t far)
{
	return lag >= far ? far : clamp_u((int64_t)lag + d, far);
}

/* hist_last_RST as a signed distance below last_seq, -3..3 or far. */
static unsigned rst_code(int64_t lag)
{
	return lag >= -3 && lag <= 3 ? (unsigned)(lag + 3) : RST_FAR;
}

static uint32_t rst_move(uint32_t code, int64_t d)
{
	return code == RST_FAR ? RST_FAR : rst_code((int64_t)code - 3 + d);
}

static bool start_known(const struct sf_zeek_side *x)
{
	return x->span != SPAN_UNKNOWN;
}

static uint32_t start_of(const struct sf_zeek *z, int s)
{
	return z->last[s] - z->side[s].span;
}

/* last_reassem_seq - ... as a signed distance: last_seq - last_reassem_seq. */
static int64_t undelivered(const struct sf_zeek_side *x)
{
	return (int64_t)x->undelivered - 1;
}

static uint32_t lrs_of(const struct sf_zeek *z, int s)
{
	return z->last[s] - (uint32_t)undelivered(&z->side[s]);
}

/* Moves last_seq to `nl`, keeping the absolute start, delivery, trim, FIN
 * and RST positions where they were. */
static void set_last(struct sf_zeek *z, int s, uint32_t nl)
{
	struct sf_zeek_side *x = &z->side[s];
	int64_t d = (int32_t)(nl - z->last[s]);
	x->span = (uint16_t)lag_move(x->span, d, SPAN_UNKNOWN);
	x->undelivered = (uint16_t)lag_move(x->undelivered, d, UNDELIVERED_SAT);
	x->fin_lag = (uint8_t)lag_move(x->fin_lag, d, LAG_FAR);
	x->rst_lag = (uint8_t)rst_move(x->rst_lag, d);
	z->last[s] = nl;
}

/* InitStartSeq(start); InitAckSeq(start); InitLastSeq(last): a new base.
 * The reassembler's relative positions stay, so they move with it. */
static void rebase(struct sf_zeek *z, int s, uint32_t start, uint32_t last)
{
	struct sf_zeek_side *x = &z->side[s];
	uint32_t nspan = clamp_u((int32_t)(last - start), SPAN_UNKNOWN);
	if (start_known(x)) {
		int64_t d = (int64_t)nspan - x->span;
		x->undelivered = (uint16_t)lag_move(x->undelivered, d, UNDELIVERED_SAT);
		x->fin_lag = (uint8_t)lag_move(x->fin_lag, d, LAG_FAR);
		x->rst_lag = (uint8_t)rst_move(x->rst_lag, d);
	} else {
		/* Nothing relative is known: as if nothing was delivered. */
		x->undelivered = (uint16_t)(nspan == SPAN_UNKNOWN ? UNDELIVERED_SAT : nspan);
		x->fin_lag = LAG_FAR;
		x->rst_lag = RST_FAR;
	}
	x->span = (uint16_t)nspan;
	x->acked = 0;
	z->last[s] = last;
}

/* seq - start_seq, or INT64_MAX when start is too far below to know
 * (then every "is it at or below the start" question answers no). */
static int64_t rel_of(const struct sf_zeek *z, int s, uint32_t seq)
{
	if (!start_known(&z->side[s]))
		return INT64_MAX;
	return (int32_t)(seq - start_of(z, s));
}

/* Where the data ends: last_seq, less the FIN octet. */
static uint32_t data_end(const struct sf_zeek *z, int s)
{
	const struct sf_zeek_side *x = &z->side[s];
	return z->last[s] - (x->fin && x->fin_lag == 0 ? 1u : 0u);
}

static void set_lrs(struct sf_zeek *z, int s, uint32_t lrs)
{
	struct sf_zeek_side *x = &z->side[s];
	int64_t u = (int32_t)(z->last[s] - lrs);
	if (u < -1) {
		/* Delivery ran past everything this side sent (its peer
		 * acknowledged data the capture never saw). Zeek then ignores
		 * this side's undelivered bytes (last_seq < delivered); we move
		 * last_seq up to just below, which answers the same. */
		set_last(z, s, lrs - 1);
		u = -1;
	}
	x->undelivered = (uint16_t)clamp_u(u + 1, UNDELIVERED_SAT);
}

/* --- endpoint state ---------------------------------------------------------- */

static bool in_handshake(unsigned st)
{
	return st == SF_ZEEK_INACTIVE || st == SF_ZEEK_SYN_SENT || st == SF_ZEEK_SYN_ACK_SENT;
}

/* TCP_Endpoint::SetState. Leaving the handshake while the peer is still in
 * it raises the inactivity timeout from udp's 60 s to tcp's 300 s. */
static void set_state(struct sf_zeek *z, int s, unsigned st)
{
	struct sf_zeek_side *x = &z->side[s];
	if (st == x->st)
		return;
	if (!in_handshake(st) && in_handshake(x->st) && in_handshake(z->side[!s].st))
		z->inact_tcp = 1;
	x->prev = x->st;
	x->st = (uint8_t)st;
}

/* TCPSessionAdapter::FlipRoles and Connection::FlipRoles: the endpoints
 * swap names, the first-packet bits follow them, '^' is written. */
static void flip_roles(struct sf_zeek *z, bool write_caret)
{
	unsigned f = z->fps;
	z->flipped ^= 1u;
	z->fps = ((f & FPS_ORIG) ? FPS_RESP : 0u) | ((f & FPS_RESP) ? FPS_ORIG : 0u);
	z->partial = 0;
	z->flip_seen = 1;
	if (write_caret)
		hist_add(z, '^');
}

/* --- the reassembler (TCP_Reassembler, one hole per side) ---------------- */

/* established_or_cleanly_closing(): gaps count only between two ends that
 * are established, or closed coming from established. */
static bool clean(const struct sf_zeek_side *x)
{
	return x->st == SF_ZEEK_ESTABLISHED ||
	       (x->st == SF_ZEEK_CLOSED && x->prev == SF_ZEEK_ESTABLISHED);
}

static void gap(struct sf_zeek *z, int s)
{
	if (clean(&z->side[s]) && clean(&z->side[!s]))
		scaled_g(z, s);
}

/* TCP_Reassembler::DataPending. */
static bool data_pending(const struct sf_zeek *z, int s)
{
	const struct sf_zeek_side *x = &z->side[s], *p = &z->side[!s];
	int64_t u = undelivered(x);
	if (x->skip || u < 0)
		return false;
	if (u >= 2) /* delivered is neither last_seq - 1 (the FIN) nor last_seq */
		return true;
	return x->st != SF_ZEEK_RESET && (p->unacked > 0 || p->ooo);
}

static void connection_closed(struct sf_zeek *z, int s);

/* TCP_Reassembler::CheckEOF. */
static void check_eof(struct sf_zeek *z, int s)
{
	struct sf_zeek_side *x = &z->side[s];
	if (x->eof || !(x->fin || x->st == SF_ZEEK_CLOSED || x->st == SF_ZEEK_RESET) ||
	    data_pending(z, s))
		return;
	x->eof = 1;
	if (z->deferred) {
		connection_closed(z, s);
		z->deferred = 0;
	}
}

/* TCP_Reassembler::Undelivered: an acknowledgment passed data never seen.
 * One Gap() per hole: the buffered data above it (assumed to start below
 * the acknowledgment, as when the capture lost what the receiver got) is
 * delivered, and what is still missing above it is a second gap. */
static void undelivered_to(struct sf_zeek *z, int s, uint32_t up_to)
{
	struct sf_zeek_side *x = &z->side[s];
	/* A partial connection's faked ISN leaves up to 2 octets unexplained. */
	if (rel_of(z, s, up_to) <= 2 && z->partial)
		return;
	if (!x->skip) {
		if (x->ooo) {
			gap(z, s);
			set_lrs(z, s, data_end(z, s));
			x->ooo = 0;
		}
		if (sf_seq_gt(up_to, lrs_of(z, s)))
			gap(z, s);
	}
	if (sf_seq_gt(up_to, lrs_of(z, s)))
		set_lrs(z, s, up_to);
}

/* TCP_Reassembler::TrimToSeq, less the block list: data below `to` is
 * acknowledged. */
static void trim_to(struct sf_zeek *z, int s, uint32_t to)
{
	struct sf_zeek_side *x = &z->side[s];
	if (sf_seq_gt(to, lrs_of(z, s)))
		undelivered_to(z, s, to);
	if (x->ooo && sf_seq_geq(to, data_end(z, s)))
		x->ooo = 0;
	x->unacked = (uint8_t)clamp_u((int32_t)(lrs_of(z, s) - to), LAG_FAR);
}

/* TCP_Reassembler::AckReceived on side s's data. */
static void ack_received(struct sf_zeek *z, int s, uint32_t ack)
{
	struct sf_zeek_side *x = &z->side[s];
	uint32_t lrs = lrs_of(z, s);
	if (x->fin) {
		/* The FIN octet is not data. */
		uint32_t fin_seq = z->last[s] - (x->fin_lag == LAG_FAR ? 0u : x->fin_lag);
		if (sf_seq_geq(ack, fin_seq))
			ack = fin_seq - 1;
	}
	/* At or below trim_seq: an old acknowledgment, ignored. Beyond 3 bytes
	 * we do not know trim_seq, but nothing below last_reassem_seq would
	 * change what the rules read. */
	if (!sf_seq_gt(ack, lrs - x->unacked))
		return;
	trim_to(z, s, ack);
	check_eof(z, s);
}

/* TCP_Reassembler::DataSent for [seq, seq + len) of side s. */
static void data_sent(struct sf_zeek *z, int s, uint32_t seq, uint32_t len)
{
	struct sf_zeek_side *x = &z->side[s];
	uint32_t lrs = lrs_of(z, s), end = seq + len;
	bool delivered = false;

	if (x->skip || !sf_seq_gt(end, lrs - x->unacked))
		return; /* all acknowledged already */
	if (!sf_seq_gt(seq, lrs) && sf_seq_gt(end, lrs)) {
		uint32_t to = end;
		if (x->ooo) {
			/* One hole per side: what fills its bottom fills it. */
			if (sf_seq_gt(data_end(z, s), to))
				to = data_end(z, s);
			x->ooo = 0;
		}
		x->unacked = (uint8_t)clamp_u((int64_t)x->unacked + (int32_t)(to - lrs), LAG_FAR);
		set_lrs(z, s, to);
		delivered = true;
	} else if (sf_seq_gt(seq, lrs)) {
		x->ooo = 1;
	}
	/* Nobody acknowledges this side: past 16 KB (Size(), which is
	 * last_seq - start less SYN and FIN then) Zeek trims what it
	 * delivered (tcp_max_initial_window)... */
	if (delivered && !x->acked &&
	    (!start_known(x) || (int64_t)x->span - 1 - x->fin > MAX_INITIAL_WINDOW))
		x->unacked = 0;
	/* ...and gives up on data that far above a hole. */
	if (!x->acked && x->ooo && (int32_t)(data_end(z, s) - lrs_of(z, s)) > MAX_ABOVE_HOLE) {
		x->ooo = 0;
		x->unacked = 0;
		x->skip = 1;
	}
}

/* --- closing and timers ----------------------------------------------------- */

static void set_timer(struct sf_zeek *z, uint32_t after_us, bool delete)
{
	z->due = after_us;
	z->due_delete = delete;
}

/* TCPSessionAdapter::ConnectionClosed. */
static void connection_closed(struct sf_zeek *z, int s)
{
	struct sf_zeek_side *x = &z->side[s], *p = &z->side[!s];
	if (data_pending(z, s)) {
		z->deferred = 1;
		return;
	}
	z->deferred = 0;
	if (x->closed)
		return;
	x->closed = 1;
	if (x->st == SF_ZEEK_RESET || p->closed || p->st == SF_ZEEK_INACTIVE)
		set_timer(z, TCP_CLOSE_DELAY, true); /* CancelTimers(), then the delete timer */
	/* Otherwise Zeek re-arms its ExpireTimer: timers_end() reads the
	 * states it tests directly. */
}

/* Zeek fires every timer due before a segment, in time order, before it
 * looks the segment up. Lazily: would one of them have removed the
 * connection by `us`? The attempt timer is used up when it does not. The
 * ExpireTimer is Zeek's one timer that re-arms itself from the time of the
 * packet that happened to fire it; taken here as firing as soon as due. */
static bool timers_end(struct sf_zeek *z, uint32_t us)
{
	const struct sf_zeek_side *o = &z->side[z->flipped], *r = &z->side[!z->flipped];
	int64_t idle = (int32_t)(us - z->t_last);

	if (idle >= (z->inact_tcp ? TCP_INACTIVITY : UDP_INACTIVITY))
		return true;
	if (z->due != 0 && idle >= z->due) {
		if (z->due_delete)
			return true;
		if ((o->st == SF_ZEEK_SYN_SENT || o->st == SF_ZEEK_SYN_ACK_SENT) &&
		    r->st == SF_ZEEK_INACTIVE)
			return true; /* connection_attempt */
		z->due = 0;
	}
	if (idle > TCP_CONN_LINGER) {
		bool reset = o->st == SF_ZEEK_RESET || r->st == SF_ZEEK_RESET;
		bool inactive = o->st == SF_ZEEK_INACTIVE || r->st == SF_ZEEK_INACTIVE;
		if ((o->closed || r->closed) && ((o->closed && r->closed) || reset || inactive))
			return true;
		if (o->st == SF_ZEEK_INACTIVE && r->st == SF_ZEEK_INACTIVE)
			return true;
	}
	return false;
}

/* Session last_time moves: the pending timer keeps its absolute time. */
static void touch(struct sf_zeek *z, uint32_t us)
{
	int64_t d = (int32_t)(us - z->t_last);
	/* A pending timer is later than `us` (timers_end() ran first). */
	if (z->due != 0)
		z->due = clamp_u((int64_t)z->due - d, (1u << 23) - 1);
	z->t_last = us;
}

/* TCPSessionAdapter::IsReuse, before the segment is processed. */
static bool is_reuse(const struct sf_zeek *z, const struct sf_tcp *tcp)
{
	int o = z->flipped, co = o;
	if (tcp->hlen < SF_TCP_HDR_MIN || !(tcp->flags & TH_SYN))
		return false;
	if (tcp->flags & TH_ACK) {
		if (z->side[o].st != SF_ZEEK_INACTIVE)
			return false; /* a SYN-ACK splits only half connections */
		co = !o;
	}
	if (!z->side[0].closed && !z->side[1].closed) {
		if (start_known(&z->side[co]) && tcp->seq == start_of(z, co))
			return false; /* a retransmission */
		if (!(tcp->flags & TH_ACK) && z->side[co].st == SF_ZEEK_SYN_ACK_SENT &&
		    z->side[!o].st == SF_ZEEK_INACTIVE && start_known(&z->side[!o]) &&
		    tcp->seq == start_of(z, !o))
			return false; /* the SYN whose SYN-ACK came first */
	}
	return true;
}

/* --- the default likely_server_ports ----------------------------------------- */

/* TCP ports the base protocol scripts add to likely_server_ports when all
 * are loaded (zeek without -b): dns, ftp, http, irc, krb, ldap, modbus,
 * rdp, redis, smb, dce-rpc, smtp, socks, ssh, ssl and xmpp. Other scripts
 * (imap, pop3, mysql, postgresql, mqtt, dnp3, finger, rfb...) only register
 * their analyzers for ports, which does not flip roles. */
static const uint16_t default_ports[] = {
	21,   22,   25,   53,   80,   81,   88,   135,  139,  389,  443,  445,  502,  563,
	585,  587,  614,  631,  636,  989,  990,  992,  993,  995,  1080, 2811, 3128, 3268,
	3389, 5222, 5223, 5269, 6379, 6666, 6667, 6668, 6669, 8000, 8080, 8888,
};

void sf_zeek_ports_add(uint8_t map[SF_ZEEK_PORTMAP_BYTES], uint16_t port)
{
	map[port / 8] = (uint8_t)(map[port / 8] | 1u << (port % 8));
}

void sf_zeek_ports_default(uint8_t map[SF_ZEEK_PORTMAP_BYTES])
{
	memset(map, 0, SF_ZEEK_PORTMAP_BYTES);
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		sf_zeek_ports_add(map, default_ports[i]);
}

static bool likely_server_port(const struct sf_zeek_cfg *cfg, uint16_t port)
{
	if (cfg->server_ports != NULL)
		return cfg->server_ports[port / 8] >> (port % 8) & 1u;
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		if (default_ports[i] == port)
			return true;
	return false;
}

/* --- a new connection ----------------------------------------------------- */

/* NewConn and TCPAnalyzer::WantConnection: the sender of the first segment
 * is the originator unless it is not a plain SYN and comes from a likely
 * server port (and, when both ports are likely, the lower one and no
 * SYN-ACK). */
static void begin(struct sf_zeek *z, const struct sf_zeek_cfg *cfg, int dir,
		  const struct sf_tcp *tcp, uint32_t us)
{
	bool flip = false;
	uint16_t fl = tcp->flags;

	memset(z, 0, sizeof(*z));
	z->started = 1;
	z->t_last = us;
	z->flipped = (uint32_t)(dir != 0);
	/* hist_last_RST starts at relative 0: the start, here last_seq. */
	z->side[0].rst_lag = z->side[1].rst_lag = (uint8_t)rst_code(0);
	if (!(fl & TH_SYN) || (fl & TH_ACK)) {
		if (likely_server_port(cfg, tcp->sport)) {
			if (likely_server_port(cfg, tcp->dport))
				flip = !(fl & TH_SYN) && tcp->sport < tcp->dport;
			else
				flip = true;
		}
	}
	if (flip)
		flip_roles(z, true);
}

/* --- Process ----------------------------------------------------------------- */

/* init_endpoint: the first segment of a side sets its base; a SYN in some
 * states sets it again. */
static void init_endpoint(struct sf_zeek *z, int s, uint16_t fl, uint32_t seq, uint32_t sop)
{
	struct sf_zeek_side *x = &z->side[s];
	bool syn = fl & TH_SYN;
	switch (x->st) {
	case SF_ZEEK_INACTIVE:
		if (syn)
			rebase(z, s, seq, sop);
		else
			rebase(z, s, seq - 1, seq); /* "not marked duplicate" */
		break;
	case SF_ZEEK_SYN_SENT:
	case SF_ZEEK_SYN_ACK_SENT:
		if (syn && !(start_known(x) && seq == start_of(z, s)))
			rebase(z, s, seq, sop); /* SYN_seq_jump */
		break;
	case SF_ZEEK_ESTABLISHED:
	case SF_ZEEK_PARTIAL:
		if (syn)
			rebase(z, s, seq, sop);
		break;
	case SF_ZEEK_RESET:
		if (syn && x->prev == SF_ZEEK_INACTIVE)
			rebase(z, s, seq, sop);
		break;
	default: break;
	}
}

/* update_history: the letters S H F R D A I Q. A SYN, FIN or RST letter
 * comes again only at a new sequence position: hist_last_SYN is "zero or
 * not" (a SYN re-bases its side, so repeats sit at 0), FIN and RST
 * positions are distances below last_seq. */
static void update_history(struct sf_zeek *z, int s, uint16_t fl, uint32_t seq, uint32_t len)
{
	struct sf_zeek_side *x = &z->side[s];
	int bits = !!(fl & TH_SYN) + !!(fl & TH_FIN) + !!(fl & TH_RST);

	if (bits > 1) {
		(void)check_history(z, s, (fl & TH_FIN) && (fl & TH_RST) ? 'I' : 'Q');
	} else if (fl & TH_SYN) {
		char code = (fl & TH_ACK) ? 'H' : 'S';
		bool rel0 = rel_of(z, s, seq) == 0;
		/* Two unknown non-zero positions are taken to be the same. */
		if (check_history(z, s, code) && rel0 == (bool)x->syn_nz)
			hist_add(z, cased(z, s, code));
		x->syn_nz = !rel0;
	} else if (fl & TH_FIN) {
		uint32_t fin_seq = seq + len + 1;
		int64_t lag = (int32_t)(z->last[s] - fin_seq);
		bool moved = x->fin_lag == LAG_FAR ? lag < LAG_FAR : lag != x->fin_lag;
		if (check_history(z, s, 'F') && (!x->fin || moved))
			hist_add(z, cased(z, s, 'F'));
	} else if (fl & TH_RST) {
		/* Two positions too far to keep are taken to be the same. */
		unsigned code = rst_code((int32_t)(z->last[s] - seq));
		bool moved = code != x->rst_lag;
		if (check_history(z, s, 'R') && moved)
			hist_add(z, cased(z, s, 'R'));
		/* hist_last_RST is set once last_seq has moved (process()). */
	} else if (len > 0) {
		(void)check_history(z, s, 'D');
	} else if (fl & TH_ACK) {
		(void)check_history(z, s, 'A');
	}
}

/* update_last_seq: a segment with data that does not advance last_seq is
 * a retransmission ('T'). */
static void update_last_seq(struct sf_zeek *z, int s, uint16_t fl, uint32_t sop, uint32_t len)
{
	struct sf_zeek_side *x = &z->side[s];
	int32_t d = (int32_t)(sop - z->last[s]);
	if ((fl & (TH_SYN | TH_RST)) && (d > TOO_LARGE_SEQ_DELTA || d < -TOO_LARGE_SEQ_DELTA))
		; /* a wild SYN or RST sequence number */
	else if ((fl & TH_FIN) && x->span == 1)
		set_last(z, s, sop); /* > 2 GB connections seen only by SYN and FIN */
	else if (x->st == SF_ZEEK_RESET)
		; /* nothing after a RST is trusted */
	else if (d > 0)
		set_last(z, s, sop);
	else if (len > 0)
		scaled_t(z, s);
}

/* UpdateStateMachine: the sender's state by what it sent (SYN, FIN, RST in
 * that order), the peer's only in two places. Returns do_close. */
static bool state_machine(struct sf_zeek *z, int s, uint16_t fl, uint32_t len)
{
	struct sf_zeek_side *x = &z->side[s], *p = &z->side[!s];
	bool orig = is_orig(z, s), do_close = false;

	switch (x->st) {
	case SF_ZEEK_INACTIVE:
		if (fl & TH_SYN) {
			if (orig) {
				set_state(z, s,
					  (fl & TH_ACK) ? SF_ZEEK_SYN_ACK_SENT : SF_ZEEK_SYN_SENT);
				set_timer(z, TCP_ATTEMPT_DELAY, false);
			} else {
				if (!(fl & TH_ACK) && p->st == SF_ZEEK_SYN_ACK_SENT) {
					/* The SYN-ACK was seen before its SYN: flip.
					 * (Zeek also compares the SYN with the start
					 * init_endpoint has just set from it.) */
					flip_roles(z, true);
					set_state(z, !s, SF_ZEEK_ESTABLISHED);
					z->fps |= FPS_ORIG;
				}
				if (p->st == SF_ZEEK_SYN_SENT)
					set_state(z, !s, SF_ZEEK_ESTABLISHED);
				set_state(z, s, SF_ZEEK_ESTABLISHED);
			}
		}
		if (fl & TH_FIN) {
			set_state(z, s, SF_ZEEK_CLOSED);
			do_close = true;
		}
		if (fl & TH_RST) {
			set_state(z, s, SF_ZEEK_RESET);
			do_close = true;
		}
		if (x->st == SF_ZEEK_INACTIVE) {
			if (!orig && len == 0 && z->side[z->flipped].st == SF_ZEEK_SYN_SENT)
				; /* the responder's ACK before its SYN-ACK */
			else if ((fl & TH_ACK) && p->st == SF_ZEEK_ESTABLISHED) {
				set_state(z, s, SF_ZEEK_ESTABLISHED);
				z->partial = 0;
				z->fps |= orig ? FPS_ORIG : FPS_RESP;
			} else {
				set_state(z, s, SF_ZEEK_PARTIAL);
			}
		}
		break;
	case SF_ZEEK_SYN_SENT:
	case SF_ZEEK_SYN_ACK_SENT:
		if (fl & TH_FIN) {
			set_state(z, s, SF_ZEEK_CLOSED);
			do_close = true;
		}
		if (fl & TH_RST) {
			set_state(z, s, SF_ZEEK_RESET);
			do_close = true;
		}
		break; /* data before the handshake changes nothing */
	case SF_ZEEK_ESTABLISHED:
	case SF_ZEEK_PARTIAL:
		if ((fl & TH_SYN) && x->st == SF_ZEEK_PARTIAL && p->st == SF_ZEEK_INACTIVE &&
		    !(fl & TH_ACK))
			set_state(z, s, SF_ZEEK_SYN_SENT);
		if ((fl & TH_FIN) && !(fl & TH_RST)) {
			set_state(z, s, SF_ZEEK_CLOSED);
			if (p->st == SF_ZEEK_RESET && p->prev == SF_ZEEK_CLOSED)
				set_state(z, !s, SF_ZEEK_CLOSED); /* its FIN then RST */
			do_close = true;
		}
		if (fl & TH_RST) {
			set_state(z, s, SF_ZEEK_RESET);
			do_close = true;
		}
		break;
	case SF_ZEEK_CLOSED:
		if ((fl & TH_RST) && p->st != SF_ZEEK_CLOSED) {
			set_state(z, s, SF_ZEEK_RESET);
			do_close = !x->closed;
		}
		break;
	default: break; /* RESET stays */
	}
	return do_close;
}

/* TCPSessionAdapter::Process for one segment of our role s. */
static void process(struct sf_zeek *z, int s, const struct sf_tcp *tcp, uint32_t us)
{
	struct sf_zeek_side *x = &z->side[s], *p = &z->side[!s];
	uint16_t fl = tcp->flags & 0xff;
	uint32_t seq = tcp->seq, len = tcp->paylen;
	uint32_t seg_len = len + !!(fl & TH_SYN) + !!(fl & TH_FIN) - ((fl & TH_RST) ? len : 0);
	uint32_t sop = seq + seg_len;
	bool orig = is_orig(z, s), underflow = false, ack_peer = false, do_close = false;

	/* SetPartialStatus */
	if (orig && !(z->fps & FPS_ORIG))
		z->partial = !(fl & TH_SYN) || (fl & TH_ACK);
	else if (!orig && !(z->fps & FPS_RESP) && !z->partial)
		z->partial = !(fl & TH_SYN);

	init_endpoint(z, s, fl, seq, sop);
	underflow = rel_of(z, s, seq) < 0;
	update_history(z, s, fl, seq, len);

	/* update_window: a zero window ('W'), not on a RST, not once the
	 * peer sent its FIN or this side its RST. Scaling cannot make 0. */
	if (tcp->win == 0 && !(fl & TH_RST) && p->st != SF_ZEEK_CLOSED && x->st != SF_ZEEK_RESET)
		scaled_w(z, s);
	if (!(z->side[0].closed && z->side[1].closed))
		touch(z, us);

	if (fl & TH_ACK) {
		if (p->st == SF_ZEEK_INACTIVE) {
			rebase(z, !s, tcp->ack - 1, tcp->ack - 1); /* init_peer */
		} else {
			int64_t rel = rel_of(z, !s, tcp->ack);
			if (rel > 0) /* 0 is never above trim_seq */
				ack_peer = true;
			/* update_ack_seq, reduced to what NoDataAcked() reads. */
			if (rel >= 2 && !(fl & TH_RST) &&
			    !(tcp->ack == 0 && rel > TOO_LARGE_SEQ_DELTA))
				p->acked = 1;
		}
	}
	update_last_seq(z, s, fl, sop, len);
	if (fl & TH_FIN) {
		x->fin = 1;
		x->fin_lag = (uint8_t)clamp_u((int32_t)(z->last[s] - sop), LAG_FAR);
	}
	if ((fl & (TH_SYN | TH_FIN | TH_RST)) == TH_RST)
		x->rst_lag = (uint8_t)rst_code((int32_t)(z->last[s] - seq));
	do_close = state_machine(z, s, fl, len);
	if (ack_peer)
		ack_received(z, !s, tcp->ack);
	z->fps |= orig ? FPS_ORIG : FPS_RESP; /* CheckPIA_FirstPacket, by the role it came in */
	if (len > 0 && !(fl & TH_RST) && !underflow && tcp->paycap >= len)
		data_sent(z, s, (fl & TH_SYN) ? seq + 1 : seq, len);
	check_eof(z, s);
	if (do_close)
		connection_closed(z, s);
}

/* The flip PR #2191 added: a SYN-ACK seen alone, then an ACK or data in
 * either direction, means the SYN-ACK's sender is the responder; the
 * history reads as if that had been known from the start. */
static void second_packet_flip(struct sf_zeek *z, const struct sf_tcp *tcp)
{
	const struct sf_zeek_side *o = &z->side[z->flipped], *r = &z->side[!z->flipped];
	if (z->flip_seen || o->st != SF_ZEEK_SYN_ACK_SENT || r->st != SF_ZEEK_INACTIVE ||
	    (tcp->flags & (TH_SYN | TH_RST)) || !((tcp->flags & TH_ACK) || tcp->paylen > 0))
		return;
	flip_roles(z, false);
	hist_flip_rewrite(z);
}

void sf_zeek_seg(struct sf_zeek *z, const struct sf_zeek_cfg *cfg, int dir,
		 const struct sf_frame *f, int64_t now)
{
	static const struct sf_zeek_cfg defaults = { 0 };
	uint32_t us = (uint32_t)(now / 1000);
	int s = dir != 0;

	if (cfg == NULL)
		cfg = &defaults;
	if (f->kind != SF_FRAME_TCP)
		return;
	/* Zeek's IP layer drops these before any connection exists. */
	if ((f->ip.anom & SF_ANOM_IP_PAST_WIRE) ||
	    (!cfg->ignore_checksums && (f->ip.anom & SF_ANOM_IP_TSO)))
		return;
	if (z->started && (timers_end(z, us) || is_reuse(z, &f->tcp))) {
		if (cfg->split != NULL)
			cfg->split(cfg->split_arg, z, s, f, now);
		z->started = 0;
	}
	if (!z->started)
		begin(z, cfg, s, &f->tcp, us);
	/* A data offset below 5 or a header the capture cut: the connection
	 * exists, nothing else happens. */
	if (f->rc != SF_DEC_OK)
		return;
	if (!cfg->ignore_checksums &&
	    (f->csum == SF_CSUM_BAD || (f->csum == SF_CSUM_PARTIAL && !cfg->partial_ok))) {
		scaled_c(z, s); /* the segment goes no further */
		return;
	}
	second_packet_flip(z, &f->tcp);
	process(z, s, &f->tcp, us);
}

bool sf_zeek_started(const struct sf_zeek *z)
{
	return z->started;
}

int sf_zeek_orig(const struct sf_zeek *z)
{
	return (int)z->flipped;
}

enum sf_zeek_st sf_zeek_state(const struct sf_zeek *z, int role)
{
	return (enum sf_zeek_st)z->side[role != 0].st;
}

const char *sf_zeek_history(const struct sf_zeek *z, char *buf, size_t n)
{
	if (n == 0)
		return buf;
	(void)hist_decode(z, buf, n);
	return buf;
}

/* TCP_Endpoint::Size() == 0, from what is kept: the highest of last_seq
 * and the peer's acknowledgment, less start, the SYN and the FIN. */
static bool size_zero(const struct sf_zeek *z, int s)
{
	const struct sf_zeek_side *x = &z->side[s];
	if (x->prev == SF_ZEEK_SYN_SENT && x->st == SF_ZEEK_RESET &&
	    z->side[!s].st == SF_ZEEK_INACTIVE && x->acked)
		return true; /* a half-open connection discovered and aborted */
	if (!start_known(x))
		return false;
	if (x->acked) /* acknowledged at least 2: zero only as SYN + FIN */
		return x->fin && x->span <= 2;
	return x->span <= 1 || (x->span == 2 && x->fin);
}

/* The pattern /^\^?S[^HAFGIQ]*R.*$/ of main.zeek's RSTOS0. */
static bool rstos0_history(const char *h)
{
	if (*h == '^')
		h++;
	if (*h++ != 'S')
		return false;
	for (; *h; h++) {
		if (*h == 'R')
			return true;
		if (strchr("HAFGIQ", *h) != NULL)
			return false;
	}
	return false;
}

/* conn_state() of scripts/base/protocols/conn/main.zeek, rule for rule. */
const char *sf_zeek_conn_state(const struct sf_zeek *z)
{
	int o = (int)z->flipped;
	unsigned os = z->side[o].st, rs = z->side[!o].st;
	bool o_inactive = os == SF_ZEEK_INACTIVE || os == SF_ZEEK_PARTIAL;
	bool r_inactive = rs == SF_ZEEK_INACTIVE || rs == SF_ZEEK_PARTIAL;
	char h[HIST_NIBBLES + 1];

	if (rs == SF_ZEEK_RESET) {
		if (os == SF_ZEEK_SYN_SENT || os == SF_ZEEK_SYN_ACK_SENT ||
		    (os == SF_ZEEK_RESET && size_zero(z, o) && size_zero(z, !o)))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == SF_ZEEK_RESET) {
		if (r_inactive)
			return rstos0_history(sf_zeek_history(z, h, sizeof(h))) ? "RSTOS0" : "OTH";
		return "RSTO";
	}
	if (rs == SF_ZEEK_CLOSED && os == SF_ZEEK_CLOSED)
		return "SF";
	if (os == SF_ZEEK_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == SF_ZEEK_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == SF_ZEEK_SYN_SENT && rs == SF_ZEEK_INACTIVE)
		return "S0";
	if (os == SF_ZEEK_ESTABLISHED && rs == SF_ZEEK_ESTABLISHED)
		return "S1";
	return "OTH";
}
