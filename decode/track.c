/* decode/track.c: the flow table and the two endpoint state machines. */
#include "decode/track.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "decode/seq.h"

/* The bound: at most 256 bytes per tracked connection, all told: the struct
 * and its share of the hash buckets (4 to 8 bytes: they double when the
 * connections outnumber them). Sinks keep nothing per connection in memory. */
_Static_assert(sizeof(struct sf_conn) + 2 * sizeof(uint32_t) <= 256,
	       "a tracked connection and its buckets must fit in 256 bytes");

struct list {
	uint32_t head, tail; /* index + 1, 0 = empty */
};

struct sf_track {
	struct sf_track_cfg cfg;
	sf_track_done_fn done;
	void *arg;
	struct sf_conn *pool;
	uint32_t *bucket; /* index + 1 of the first connection in each chain */
	size_t pool_bytes, bucket_bytes;
	uint32_t nbucket;   /* buckets in use: a power of two, doubled with the load */
	uint32_t maxbucket; /* allocated for max_conns; the rest stays untouched */
	uint32_t freehead;  /* freed slots, through hnext, index + 1 */
	uint32_t fresh;     /* slots below this have been handed out */
	uint32_t used;
	struct list active; /* least recently seen first */
	struct list tw;     /* connections with an endpoint in TIME_WAIT, oldest first */
	uint32_t next_stream;
	struct sf_track_stats st;
};

/* --- the pool, the hash and the lists --------------------------------------- */

/* Direction-independent: each side is hashed alone (its address as 32-bit
 * words and its port, mixed by multiplication), then the two are added,
 * which does not care which side came first. */
static uint32_t side_hash(const uint8_t *a, size_t n, uint16_t port)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ port;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t w;
		memcpy(&w, a + i, 4);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t hash_key(uint8_t ver, const uint8_t *a, const uint8_t *b, uint16_t pa, uint16_t pb)
{
	size_t n = ver == 4 ? 4 : 16;
	uint32_t h = side_hash(a, n, pa) + side_hash(b, n, pb);
	return (h ^ (h >> 15)) * 2654435761u ^ ver;
}

static uint32_t conn_hash(const struct sf_conn *c)
{
	return hash_key(c->ver, c->addr[0], c->addr[1], c->port[0], c->port[1]);
}

static struct sf_conn *at(const struct sf_track *t, uint32_t idx1)
{
	return idx1 ? &t->pool[idx1 - 1] : NULL;
}

/* Asks for every cache line of c: at 240 bytes a connection may straddle
 * five. Hints only, here and below: they change nothing. */
static void fetch_conn(const struct sf_conn *c)
{
	for (size_t off = 0; off < sizeof(*c); off += 64)
		__builtin_prefetch((const char *)c + off, 1);
	__builtin_prefetch((const char *)(c + 1) - 1, 1);
}

/* Asks for the links of c's two neighbours on its list, which touch()
 * rewrites when it moves c to the end. */
static void fetch_neighbours(const struct sf_track *t, const struct sf_conn *c)
{
	if (c->lprev)
		__builtin_prefetch(&at(t, c->lprev)->lnext, 1);
	if (c->lnext)
		__builtin_prefetch(&at(t, c->lnext)->lprev, 1);
}

static uint32_t idx1_of(const struct sf_track *t, const struct sf_conn *c)
{
	return (uint32_t)(c - t->pool) + 1;
}

static void list_unlink(struct sf_track *t, struct list *l, struct sf_conn *c)
{
	if (c->lprev)
		at(t, c->lprev)->lnext = c->lnext;
	else
		l->head = c->lnext;
	if (c->lnext)
		at(t, c->lnext)->lprev = c->lprev;
	else
		l->tail = c->lprev;
	c->lprev = c->lnext = 0;
}

static void list_append(struct sf_track *t, struct list *l, struct sf_conn *c)
{
	uint32_t i = idx1_of(t, c);
	c->lprev = l->tail;
	c->lnext = 0;
	if (l->tail)
		at(t, l->tail)->lnext = i;
	else
		l->head = i;
	l->tail = i;
}

static struct list *list_of(struct sf_track *t, const struct sf_conn *c)
{
	return c->in_tw ? &t->tw : &t->active;
}

/* Moves c to the tail of the list its states call for. */
/* Both ends closed after a close or an abort: the connection is over, but
 * lingers 2*MSL like TIME_WAIT so that late segments (a second RST, a SYN
 * retried with the same ISN) still belong to it, as they do in tshark's
 * stream and Zeek's connection. */
static bool over(const struct sf_conn *c)
{
	return c->ep[0].st == SF_ST_CLOSED && c->ep[1].st == SF_ST_CLOSED &&
	       ((c->ep[0].flags | c->ep[1].flags) & (SF_EPF_RST | SF_EPF_FIN));
}

static const char *end_reason(const struct sf_conn *c)
{
	return over(c) ? "closed" : "end";
}

static void touch(struct sf_track *t, struct sf_conn *c)
{
	bool tw = c->ep[0].st == SF_ST_TIME_WAIT || c->ep[1].st == SF_ST_TIME_WAIT || over(c);
	list_unlink(t, list_of(t, c), c);
	c->in_tw = tw;
	list_append(t, list_of(t, c), c);
}

static void hash_unlink(struct sf_track *t, struct sf_conn *c)
{
	uint32_t *p = &t->bucket[conn_hash(c) & (t->nbucket - 1)];
	uint32_t me = idx1_of(t, c);
	while (*p && *p != me)
		p = &at(t, *p)->hnext;
	if (*p == me)
		*p = c->hnext;
	c->hnext = 0;
}

/* Summarises (through the callback) and frees a connection. */
static void finish(struct sf_track *t, struct sf_conn *c, const char *why)
{
	if (t->done)
		t->done(t->arg, c, why);
	t->st.finished++;
	hash_unlink(t, c);
	list_unlink(t, list_of(t, c), c);
	memset(c, 0, sizeof(*c));
	c->hnext = t->freehead;
	t->freehead = idx1_of(t, c);
	t->used--;
}

/* Huge pages only past this much of the pool: a huge page is resident
 * whole, so below it they would cost up to 2 MiB of idle memory per region,
 * which a capture of a few thousand connections notices (and its pool
 * fits the TLB's reach anyway). */
#define HUGE_FROM (64u << 20)

/* Zeroed memory for the pool and the buckets, straight from mmap so that a
 * large pool can ask for huge pages: segments land on random connections,
 * and with 4 KiB pages each of them also misses the TLB once the pool
 * outgrows what the TLB maps. Pages still come only when first written. */
static void *zalloc(size_t *bytes, size_t n)
{
	void *p = NULL;

	*bytes = n;
	if (n == 0)
		return NULL;
	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (n > HUGE_FROM) /* a hint: without it, small pages */
		(void)madvise((char *)p + HUGE_FROM, n - HUGE_FROM, MADV_HUGEPAGE);
#endif
	return p;
}

static void zfree(void *p, size_t bytes)
{
	if (p != NULL)
		(void)munmap(p, bytes);
}

struct sf_track *sf_track_new(const struct sf_track_cfg *cfg, sf_track_done_fn done, void *arg)
{
	struct sf_track *t = calloc(1, sizeof(*t));

	if (t == NULL || cfg->max_conns == 0)
		goto fail;
	t->cfg = *cfg;
	t->done = done;
	t->arg = arg;
	t->maxbucket = 1;
	while (t->maxbucket < cfg->max_conns * 2u && t->maxbucket < (1u << 30))
		t->maxbucket <<= 1;
	/* Start small: a capture of a few thousand connections keeps its
	 * buckets in cache; grow() doubles them inside the same allocation. */
	t->nbucket = t->maxbucket < 1024 ? t->maxbucket : 1024;
	t->pool = zalloc(&t->pool_bytes, (size_t)cfg->max_conns * sizeof(*t->pool));
	t->bucket = zalloc(&t->bucket_bytes, (size_t)t->maxbucket * sizeof(*t->bucket));
	if (t->pool == NULL || t->bucket == NULL)
		goto fail;
	/* No free list is threaded through the pool: untouched slots stay
	 * untouched (the pages are not resident until written), so memory
	 * grows with the connections open at once, not with max_conns. */
	return t;
fail:
	sf_track_free(t);
	return NULL;
}

void sf_track_free(struct sf_track *t)
{
	if (t == NULL)
		return;
	zfree(t->pool, t->pool_bytes);
	zfree(t->bucket, t->bucket_bytes);
	free(t);
}

/* --- time ------------------------------------------------------------------- */

/* TIME_WAIT ends 2*MSL after the connection's last segment (RFC 9293 restarts
 * the timer on a retransmitted FIN), and any connection idle past the idle
 * timeout is finished. Both lists are ordered by last segment. */
static void expire(struct sf_track *t, sf_ns now)
{
	struct sf_conn *c = NULL;

	while ((c = at(t, t->tw.head)) != NULL && now - c->last >= 2 * t->cfg.msl) {
		bool was_tw = c->ep[0].st == SF_ST_TIME_WAIT || c->ep[1].st == SF_ST_TIME_WAIT;
		for (int r = 0; r < 2; r++)
			if (c->ep[r].st == SF_ST_TIME_WAIT) {
				const struct sf_trans *tr =
					sf_fsm_lookup(SF_ST_TIME_WAIT, SF_EV_TIMEOUT);
				c->ep[r].st = (uint8_t)tr->to;
			}
		t->st.expired++;
		finish(t, c, over(c) && !was_tw ? "closed" : "time_wait");
	}
	while ((c = at(t, t->active.head)) != NULL && now - c->last >= t->cfg.idle_timeout) {
		t->st.expired++;
		finish(t, c, "idle");
	}
}

void sf_track_advance(struct sf_track *t, sf_ns now)
{
	expire(t, now);
}

/* Forgets every connection at once: the table is emptied whole. */
static void empty(struct sf_track *t)
{
	memset(t->bucket, 0, (size_t)t->nbucket * sizeof(*t->bucket));
	t->tw.head = t->tw.tail = t->active.head = t->active.tail = 0;
	t->freehead = 0;
	t->fresh = 0; /* create() clears a slot before use */
	t->used = 0;
}

/* Every connection goes at once, so none is unlinked from its chain and its
 * list one by one: with a million of them each unlink would be a wait for
 * memory. The next one is fetched while the sink summarises this one; then
 * the table is emptied whole. */
void sf_track_flush(struct sf_track *t)
{
	const struct list *ls[2] = { &t->tw, &t->active };

	for (int i = 0; i < 2; i++) {
		struct sf_conn *c = at(t, ls[i]->head);
		while (c != NULL) {
			struct sf_conn *next = at(t, c->lnext);
			if (next != NULL)
				fetch_conn(next);
			if (t->done)
				t->done(t->arg, c, end_reason(c));
			t->st.finished++;
			c = next;
		}
	}
	empty(t);
}

/* Pool order is memory order: the hardware reads ahead of the loop by
 * itself, where the lists' order is a wait for memory per connection once
 * they outgrow the caches (report with a million open: 3.2 s -> 2.9 s). */
void sf_track_flush_unordered(struct sf_track *t)
{
	for (uint32_t i = 0; i < t->fresh; i++) {
		const struct sf_conn *c = &t->pool[i];
		if (c->ver == 0)
			continue; /* free: finish() cleared it */
		if (t->done)
			t->done(t->arg, c, end_reason(c));
		t->st.finished++;
	}
	empty(t);
}

void sf_track_each(const struct sf_track *t, void (*fn)(void *arg, const struct sf_conn *c),
		   void *arg)
{
	/* Both lists, oldest first: closed and TIME_WAIT ones included. */
	const struct list *ls[2] = { &t->active, &t->tw };
	for (int i = 0; i < 2; i++)
		for (const struct sf_conn *c = at(t, ls[i]->head); c; c = at(t, c->lnext))
			fn(arg, c);
}

struct sf_track_stats sf_track_stats(const struct sf_track *t)
{
	return t->st;
}

/* --- lookup ------------------------------------------------------------------ */

/* memcmp with a size the compiler sees: two loads and compares, no call. */
static bool same_addr(const uint8_t *a, const uint8_t *b, size_t n)
{
	return n == 4 ? memcmp(a, b, 4) == 0 : memcmp(a, b, 16) == 0;
}

/* The connection of f, with the sender's role in *dir; NULL when none. */
static struct sf_conn *lookup(struct sf_track *t, const struct sf_frame *f, uint32_t h,
			      uint8_t *dir)
{
	size_t n = f->ip.ver == 4 ? 4 : 16;

	for (struct sf_conn *c = at(t, t->bucket[h & (t->nbucket - 1)]); c; c = at(t, c->hnext)) {
		if (c->ver != f->ip.ver)
			continue;
		for (int r = 0; r < 2; r++)
			if (c->port[r] == f->tcp.sport && c->port[!r] == f->tcp.dport &&
			    same_addr(c->addr[r], f->ip.src, n) &&
			    same_addr(c->addr[!r], f->ip.dst, n)) {
				*dir = (uint8_t)r;
				return c;
			}
	}
	return NULL;
}

/* Starts loading what this segment will touch: the rest of the connection
 * and its two neighbours on its list, which touch() relinks at the end. With
 * a million connections each is a miss to memory; fetched now, they arrive
 * while the states, tshark's analysis and Zeek's history are worked out. */
static void prefetch(const struct sf_track *t, const struct sf_conn *c)
{
	fetch_conn(c);
	fetch_neighbours(t, c);
}

uint32_t sf_track_hash(const struct sf_tuple *k)
{
	return hash_key(k->ver, k->src, k->dst, k->sport, k->dport);
}

uint32_t sf_track_frame_hash(const struct sf_frame *f)
{
	return hash_key(f->ip.ver, f->ip.src, f->ip.dst, f->tcp.sport, f->tcp.dport);
}

/* 65,536 connections are 15 MiB of pool: about where it stops fitting the
 * caches of the machines we measure on (make bench: 20,000 connections run
 * faster without, 100,000 faster with). */
#define PREFETCH_FROM (1u << 16)

bool sf_track_wants_prefetch(const struct sf_track *t)
{
	return t->used >= PREFETCH_FROM;
}

void sf_track_prefetch(const struct sf_track *t, uint32_t h, int stage)
{
	const uint32_t *b = &t->bucket[h & (t->nbucket - 1)];
	const struct sf_conn *c = NULL;

	if (stage == 0) {
		__builtin_prefetch(b);
		return;
	}
	c = at(t, *b);
	if (c != NULL)
		fetch_conn(c);
}

void sf_track_prefetch_rest(const struct sf_track *t, uint32_t h, uint16_t sport, uint16_t dport)
{
	const struct sf_conn *c = at(t, t->bucket[h & (t->nbucket - 1)]);

	if (c == NULL)
		return;
	/* Ports alone tell the head of the chain from the segment's own
	 * connection well enough for a hint. */
	if (!((c->port[0] == sport && c->port[1] == dport) ||
	      (c->port[0] == dport && c->port[1] == sport))) {
		c = at(t, c->hnext);
		if (c != NULL)
			fetch_conn(c);
		return;
	}
	fetch_neighbours(t, c);
}

/* Zeek's rule for a connection first seen mid-stream: the side on a
 * well-known port (below 1024, or the lower when both are) is the responder. */
static bool sender_is_responder(const struct sf_frame *f)
{
	uint16_t s = f->tcp.sport, d = f->tcp.dport;
	if ((f->tcp.flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK))
		return true; /* a SYN,ACK answers: its sender is the responder */
	if (f->tcp.flags & SF_TH_SYN)
		return false;
	return s < 1024 && (d >= 1024 || s < d);
}

/* Doubles the buckets in use when connections outnumber them, moving each
 * chain's entries to the half they now hash to. */
static void grow(struct sf_track *t)
{
	uint32_t old = t->nbucket;

	if (t->used < old || old == t->maxbucket)
		return;
	t->nbucket = old * 2;
	for (uint32_t i = 0; i < old; i++) {
		uint32_t idx = t->bucket[i];
		t->bucket[i] = 0;
		while (idx) {
			struct sf_conn *c = at(t, idx);
			uint32_t nxt = c->hnext;
			uint32_t *head = &t->bucket[conn_hash(c) & (t->nbucket - 1)];
			c->hnext = *head;
			*head = idx;
			idx = nxt;
		}
	}
}

static struct sf_conn *create(struct sf_track *t, const struct sf_frame *f, sf_ns now, uint8_t *dir)
{
	struct sf_conn *c = NULL;
	size_t n = f->ip.ver == 4 ? 4 : 16;
	int s = 0;

	if (t->used == t->cfg.max_conns) {
		/* At the cap: a TIME_WAIT connection goes first, then the one
		 * idle longest. */
		struct sf_conn *victim = at(t, t->tw.head);
		if (victim == NULL)
			victim = at(t, t->active.head);
		if (victim == NULL)
			return NULL;
		t->st.evicted++;
		finish(t, victim, "evicted");
	}
	if (t->freehead) {
		c = at(t, t->freehead);
		t->freehead = c->hnext;
	} else {
		c = &t->pool[t->fresh++];
	}
	t->used++;
	memset(c, 0, sizeof(*c));
	s = sender_is_responder(f) ? SF_RESP : SF_ORIG;
	*dir = (uint8_t)s;
	c->ver = f->ip.ver;
	memcpy(c->addr[s], f->ip.src, n);
	memcpy(c->addr[!s], f->ip.dst, n);
	c->port[s] = f->tcp.sport;
	c->port[!s] = f->tcp.dport;
	c->partial = (f->tcp.flags & (SF_TH_SYN | SF_TH_ACK)) != SF_TH_SYN;
	c->stream = t->next_stream++;
	c->first = c->last = now;
	grow(t);
	c->hnext = t->bucket[conn_hash(c) & (t->nbucket - 1)];
	t->bucket[conn_hash(c) & (t->nbucket - 1)] = idx1_of(t, c);
	list_append(t, &t->active, c);
	t->st.conns++;
	return c;
}

/* --- state inference ------------------------------------------------------------ */

/* Applies (ep's state, ev) if the table has the row; records the change. */
static bool apply(struct sf_conn *c, int role, enum sf_ev ev, struct sf_seg_info *out)
{
	struct sf_ep *e = &c->ep[role];
	const struct sf_trans *tr = sf_fsm_lookup((enum sf_st)e->st, ev);

	if (tr == NULL)
		return false;
	if (tr->to != e->st && out->nchange < SF_TRACK_CHANGES) {
		out->change[out->nchange].role = (uint8_t)role;
		out->change[out->nchange].from = e->st;
		out->change[out->nchange].to = (uint8_t)tr->to;
		out->nchange++;
	}
	if (tr->to == SF_ST_FIN_WAIT_1 || tr->to == SF_ST_LAST_ACK)
		if (!c->closed_first)
			c->closed_first = (uint8_t)(role + 1);
	e->st = (uint8_t)tr->to;
	return true;
}

/* Applies an arrival that waited for the receiver's reaction, if any. */
static void apply_pending(struct sf_conn *c, int role, struct sf_seg_info *out)
{
	struct sf_ep *e = &c->ep[role];
	if (e->pend) {
		(void)apply(c, role, (enum sf_ev)(e->pend - 1), out);
		e->pend = 0;
	}
}

/* A connection first seen mid-stream: both ends were already established. */
static void assume_established(struct sf_conn *c, struct sf_seg_info *out)
{
	for (int r = 0; r < 2; r++)
		if (c->ep[r].st == SF_ST_CLOSED && !(c->ep[r].flags & (SF_EPF_SYN | SF_EPF_RST)) &&
		    out->nchange < SF_TRACK_CHANGES) {
			out->change[out->nchange].role = (uint8_t)r;
			out->change[out->nchange].from = SF_ST_CLOSED;
			out->change[out->nchange].to = SF_ST_ESTABLISHED;
			out->nchange++;
			c->ep[r].st = SF_ST_ESTABLISHED;
		}
}

/* The sender's side of a segment: what sending it says about its state. */
static void sender_side(struct sf_conn *c, int a, const struct sf_tcp *tcp, struct sf_seg_info *out)
{
	struct sf_ep *e = &c->ep[a];
	uint16_t fl = tcp->flags;
	bool ok = true;

	if (fl & SF_TH_RST) {
		e->pend = 0;
		if (e->st != SF_ST_CLOSED && e->st != SF_ST_LISTEN)
			ok = apply(c, a, SF_EV_APP_ABORT, out);
		return;
	}
	if ((fl & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
		if (e->st == SF_ST_CLOSED) {
			ok = apply(c, a, SF_EV_APP_CONNECT, out);
			apply_pending(c, a, out); /* its peer's SYN: simultaneous open */
		} else if (e->st != SF_ST_SYN_SENT && e->st != SF_ST_SYN_RCVD) {
			ok = false; /* a SYN from an open endpoint */
		}
	} else if (fl & SF_TH_SYN) { /* SYN,ACK: an answer to a SYN */
		if (e->st == SF_ST_CLOSED) {
			/* It was listening, whether or not we saw the SYN. */
			(void)apply(c, a, SF_EV_APP_LISTEN, out);
			e->pend = SF_EV_RCV_SYN + 1;
		}
		if (e->st == SF_ST_LISTEN || e->st == SF_ST_SYN_SENT) {
			e->pend = SF_EV_RCV_SYN + 1;
			apply_pending(c, a, out);
		} else if (e->st != SF_ST_SYN_RCVD) {
			ok = e->st == SF_ST_ESTABLISHED; /* a late retransmission */
		}
	} else if (e->st == SF_ST_CLOSED && !(e->flags & (SF_EPF_SYN | SF_EPF_RST))) {
		assume_established(c, out); /* mid-stream */
	} else if (e->st == SF_ST_CLOSED || e->st == SF_ST_LISTEN) {
		ok = false; /* data or ACK from a closed endpoint */
	}
	if ((fl & SF_TH_FIN) && ok) {
		const struct sf_ep *p = &c->ep[!a];
		if (e->st == SF_ST_CLOSE_WAIT && (p->flags & SF_EPF_FIN) &&
		    !((fl & SF_TH_ACK) && sf_seq_geq(tcp->ack, p->finseq + 1))) {
			/* Its ack does not cover the peer's FIN: that FIN had not
			 * arrived, so it closed first from ESTABLISHED and the
			 * peer's FIN then found it in FIN_WAIT_1 (simultaneous
			 * close). Undo the CLOSE_WAIT we assumed on delivery. */
			e->st = SF_ST_ESTABLISHED;
			ok = apply(c, a, SF_EV_APP_CLOSE, out);
			if (out->nchange > 0) /* show the step from what we had said */
				out->change[out->nchange - 1].from = SF_ST_CLOSE_WAIT;
			(void)apply(c, a, SF_EV_RCV_FIN, out);
		} else if (e->st == SF_ST_ESTABLISHED || e->st == SF_ST_CLOSE_WAIT ||
			   e->st == SF_ST_SYN_RCVD) {
			ok = apply(c, a, SF_EV_APP_CLOSE, out);
		}
		/* else a retransmitted FIN, or a FIN in SYN_SENT (SYN+FIN) */
	}
	if (!ok)
		out->unexpected = true;
}

/* The receiver's side: what arrives, assuming it is delivered. */
static void receiver_side(struct sf_conn *c, int b, const struct sf_tcp *tcp, bool fin_new,
			  struct sf_seg_info *out)
{
	struct sf_ep *e = &c->ep[b];
	uint16_t fl = tcp->flags;
	bool acks_syn = false, acks_fin = false;

	if (fl & SF_TH_RST) {
		if (e->st != SF_ST_CLOSED && e->st != SF_ST_LISTEN)
			(void)apply(c, b, SF_EV_RCV_RST, out);
		e->pend = 0;
		return;
	}
	if (fl & SF_TH_ACK) {
		acks_syn = (e->flags & SF_EPF_SYN) && sf_seq_geq(tcp->ack, e->isn + 1);
		acks_fin = (e->flags & SF_EPF_FIN) && sf_seq_geq(tcp->ack, e->finseq + 1);
	}
	if ((fl & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
		if (!apply(c, b, SF_EV_RCV_SYN, out))
			e->pend = SF_EV_RCV_SYN + 1; /* known when it answers */
		return;
	}
	if (fl & SF_TH_SYN) { /* SYN,ACK arriving */
		if (e->st == SF_ST_CLOSED && !(e->flags & SF_EPF_SYN)) {
			/* Its SYN was before the capture began. */
			(void)apply(c, b, SF_EV_APP_CONNECT, out);
		}
		(void)apply(c, b, SF_EV_RCV_SYNACK, out);
		return;
	}
	if (acks_syn && e->st == SF_ST_SYN_RCVD)
		(void)apply(c, b, SF_EV_RCV_ACK, out);
	if (fin_new) {
		if (acks_fin && (e->st == SF_ST_FIN_WAIT_1 || e->st == SF_ST_FIN_WAIT_2))
			(void)apply(c, b, SF_EV_RCV_FINACK, out);
		else
			(void)apply(c, b, SF_EV_RCV_FIN, out);
	} else if (acks_fin && (e->st == SF_ST_FIN_WAIT_1 || e->st == SF_ST_CLOSING ||
				e->st == SF_ST_LAST_ACK)) {
		(void)apply(c, b, SF_EV_RCV_ACK, out);
	}
}

/* A pure SYN whose ISN differs from its sender's first one starts a new
 * connection on the tuple (tshark 4.0's new stream, Zeek's reuse): real
 * loopback captures reuse tuples constantly. So does any SYN after both ends
 * have closed or sit in TIME_WAIT. A SYN with the same ISN is a retransmission. */
static bool is_reuse(const struct sf_conn *c, int a, const struct sf_tcp *tcp)
{
	const struct sf_ep *e = &c->ep[a];
	bool ended = (c->ep[0].st == SF_ST_CLOSED || c->ep[0].st == SF_ST_TIME_WAIT) &&
		     (c->ep[1].st == SF_ST_CLOSED || c->ep[1].st == SF_ST_TIME_WAIT) &&
		     ((c->ep[0].flags | c->ep[1].flags) & (SF_EPF_SYN | SF_EPF_FIN | SF_EPF_RST));

	if ((tcp->flags & (SF_TH_SYN | SF_TH_ACK)) != SF_TH_SYN)
		return false;
	if ((e->flags & SF_EPF_SYN) && e->isn != tcp->seq)
		return true;
	return ended && !((e->flags & SF_EPF_SYN) && e->isn == tcp->seq);
}

bool sf_track_seg(struct sf_track *t, const struct sf_frame *f, sf_ns now, struct sf_seg_info *out)
{
	return sf_track_seg_hashed(t, f, sf_track_frame_hash(f), now, out);
}

bool sf_track_seg_hashed(struct sf_track *t, const struct sf_frame *f, uint32_t h, sf_ns now,
			 struct sf_seg_info *out)
{
	const struct sf_tcp *tcp = &f->tcp;
	struct sf_conn *c = NULL;
	struct sf_ep *e = NULL, *peer = NULL;
	uint8_t dir = 0;
	bool fin_new = false;

	memset(out, 0, sizeof(*out));
	expire(t, now);
	c = lookup(t, f, h, &dir);
	if (c != NULL)
		prefetch(t, c);
	if (c != NULL && is_reuse(c, dir, tcp)) {
		finish(t, c, "reused");
		c = NULL;
		out->reused = true;
	}
	if (c == NULL)
		c = create(t, f, now, &dir);
	if (c == NULL) {
		t->st.ignored++;
		return false;
	}
	e = &c->ep[dir];
	peer = &c->ep[!dir];
	out->conn = c;
	out->dir = dir;
	out->unexp_from[0] = c->ep[0].st;
	out->unexp_from[1] = c->ep[1].st;

	/* Sequence bookkeeping before the states: the receiver's side needs
	 * the sender's FIN position. */
	if (tcp->flags & SF_TH_SYN) {
		if (!(e->flags & SF_EPF_SYN) && dir == SF_ORIG && !(tcp->flags & SF_TH_ACK)) {
			c->rtt = now; /* the SYN's time, until its handshake ACK */
			c->rtt_state = SF_RTT_WAITING;
		}
		e->flags |= SF_EPF_SYN | SF_EPF_ISN;
		e->isn = tcp->seq;
	} else if (!(e->flags & SF_EPF_ISN)) {
		/* Mid-stream: the first sequence number seen is 1, as tshark and
		 * tcpdump count relative numbers for a stream without its SYN. */
		e->flags |= SF_EPF_ISN;
		e->isn = tcp->seq - 1;
	}
	if (tcp->flags & SF_TH_FIN) {
		uint32_t fs = tcp->seq + tcp->paylen + ((tcp->flags & SF_TH_SYN) ? 1u : 0u);
		fin_new = !(e->flags & SF_EPF_FIN) || fs != e->finseq;
		e->flags |= SF_EPF_FIN;
		e->finseq = fs;
	}
	if (tcp->flags & SF_TH_RST)
		e->flags |= SF_EPF_RST;
	if (tcp->flags & SF_TH_ACK) {
		if (c->rtt_state == SF_RTT_WAITING && dir == SF_ORIG &&
		    (peer->flags & SF_EPF_SYN) && !(tcp->flags & SF_TH_SYN) &&
		    sf_seq_geq(tcp->ack, peer->isn + 1)) {
			c->rtt = now - c->rtt; /* rtt held the SYN's time */
			c->rtt_state = SF_RTT_KNOWN;
		}
	}
	e->pkts++;
	e->bytes += tcp->paylen;
	c->last = now;

	sender_side(c, dir, tcp, out);
	receiver_side(c, !dir, tcp, fin_new, out);
	if (!t->cfg.no_zeek)
		sf_zeek_seg(&c->zeek, &t->cfg.zeek, dir, f, now);
	if (t->cfg.no_notes)
		sf_seqan_seg_completeness(&c->seqan, dir, f, now, out->reused);
	else
		sf_seqan_seg(&c->seqan, dir, f, now, out->reused, &out->an);

	out->rel_seq = tcp->seq - e->isn;
	out->rel_ack = (tcp->flags & SF_TH_ACK) && (peer->flags & SF_EPF_ISN) ? tcp->ack - peer->isn
									      : tcp->ack;
	if (!out->unexpected) {
		out->unexp_from[0] = out->unexp_from[1] = 0;
	}
	touch(t, c);
	return true;
}
