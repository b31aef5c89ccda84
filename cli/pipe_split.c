/* cli/pipe_split.c: reading and decoding on one thread, tracking on another. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "cli/pipe_split.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the tracker reads of a frame (sf_track_seg_hashed names the fields),
 * or only a time: a frame that is not TCP still moves the tracker's clock.
 * Six 16-byte words, so the reader can stream it out (put()). */
struct seg {
	_Alignas(16) sf_ns now;
	uint32_t hash; /* sf_track_frame_hash(), worked out by the reader */
	uint8_t tcp;   /* 0: a time only */
	uint8_t rc, why, csum;
	uint8_t ver, mf, hlen;
	uint16_t sport, dport, flags, win;
	uint32_t ip_anom;
	uint32_t seq, ack, seglen, paylen, paycap;
	uint8_t src[16], dst[16];
};

_Static_assert(sizeof(struct seg) == 96, "struct seg: six 16-byte words");

#if defined(__SSE2__)
#include <emmintrin.h>

/* Writes a slot past the caches. A plain store would first have to take
 * the line back from the tracker's CPU, which read it a lap of the ring ago:
 * one wait per line, and a long one when the host has put the two CPUs far
 * apart (make bench: 0.26 s or 0.46 s by the placement of the moment; with
 * streaming stores 0.26 s every time). The tracker reads the slots in order,
 * which the hardware prefetches from memory. */
static void put(struct seg *dst, const struct seg *src)
{
	__m128i *d = (__m128i *)(void *)dst;
	const __m128i *q = (const __m128i *)(const void *)src;
	for (size_t k = 0; k < sizeof(*src) / 16; k++)
		_mm_stream_si128(d + k, _mm_load_si128(q + k));
}

/* Streaming stores are not ordered by a release store: this fence is. */
static void put_fence(void)
{
	_mm_sfence();
}
#else
static void put(struct seg *dst, const struct seg *src)
{
	*dst = *src;
}

static void put_fence(void)
{
}
#endif

/* The ring: slots [tail, head) are the tracker's to take. Each side tells
 * the other of its progress every BATCH slots, not every slot, so the
 * counters' cache lines cross between the CPUs rarely; and before it waits,
 * so neither waits for news the other is keeping. */
enum { RING = 4096, BATCH = 64 };

struct split {
	_Alignas(64) atomic_uint head; /* written so far, as the reader told it */
	_Alignas(64) atomic_uint tail; /* taken so far, as the tracker told it */
	_Alignas(64) atomic_bool done; /* the reader has stopped; head is final */
	struct sf_reader *rd;
	struct seg *slot;
};

/* Prefetch distances, in slots: the bucket of the segment FAR ahead, the
 * connection of the one NEAR ahead (its bucket was asked for FAR - NEAR
 * segments ago), the rest of what the one NEXT ahead will touch. Deeper than the
 * serial pipeline's one frame ahead: the hashes ahead are in the ring
 * already, and with a million connections every step is a trip to memory
 * (make bench: 5.7 s without, 3.7 s with, on its capture of a million). */
enum { FAR = 12, NEAR = 6, NEXT = 2 };

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* A short wait, longer as it goes on: a spin, then the CPU given up, then
 * a sleep, so a side that waits long (a slow disk) costs nothing. */
static void wait_a_little(unsigned *n)
{
	static const struct timespec nap = { 0, 20000 };

	if (++*n < 64)
		cpu_relax();
	else if (*n < 128)
		sched_yield();
	else
		nanosleep(&nap, NULL);
}

bool sf_pipe_split_fits(const struct sf_pipe_opts *o, const struct sf_sink *sink,
			const struct sf_src *src)
{
	const char *env = getenv("SYNFIN_THREADS");
	cpu_set_t cpus;

	if (src->live || o->realtime > 0 || o->count != 0 || sink->frame != NULL ||
	    sink->untracked || !sink->no_notes)
		return false;
	if (env != NULL && strcmp(env, "1") == 0)
		return false;
	if (env != NULL && strcmp(env, "2") == 0)
		return true; /* the tests' way to have both ways run anywhere */
	/* Two threads on one CPU would take turns: slower than one. */
	return sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) >= 2;
}

static void pack(struct seg *g, const struct sf_frame *f, sf_ns now)
{
	g->now = now;
	g->tcp = f->kind == SF_FRAME_TCP;
	if (!g->tcp)
		return;
	g->hash = sf_track_frame_hash(f);
	g->rc = (uint8_t)f->rc;
	g->why = (uint8_t)f->why;
	g->csum = (uint8_t)f->csum;
	g->ver = f->ip.ver;
	g->mf = f->ip.mf;
	g->ip_anom = f->ip.anom;
	memcpy(g->src, f->ip.src, sizeof(g->src));
	memcpy(g->dst, f->ip.dst, sizeof(g->dst));
	g->sport = f->tcp.sport;
	g->dport = f->tcp.dport;
	g->seq = f->tcp.seq;
	g->ack = f->tcp.ack;
	g->flags = f->tcp.flags;
	g->win = f->tcp.win;
	g->hlen = f->tcp.hlen;
	g->seglen = f->tcp.seglen;
	g->paylen = f->tcp.paylen;
	g->paycap = f->tcp.paycap;
}

/* Into a frame whose other fields stay as they were (zero): the tracker
 * reads none of them. */
static void unpack(const struct seg *g, struct sf_frame *f)
{
	f->kind = SF_FRAME_TCP;
	f->rc = (enum sf_dec_rc)g->rc;
	f->why = (enum sf_why)g->why;
	f->csum = (enum sf_csum)g->csum;
	f->ip.ver = g->ver;
	f->ip.mf = g->mf;
	f->ip.anom = g->ip_anom;
	memcpy(f->ip.src, g->src, sizeof(g->src));
	memcpy(f->ip.dst, g->dst, sizeof(g->dst));
	f->tcp.sport = g->sport;
	f->tcp.dport = g->dport;
	f->tcp.seq = g->seq;
	f->tcp.ack = g->ack;
	f->tcp.flags = g->flags;
	f->tcp.win = g->win;
	f->tcp.hlen = g->hlen;
	f->tcp.seglen = g->seglen;
	f->tcp.paylen = g->paylen;
	f->tcp.paycap = g->paycap;
}

/* The reading thread: every frame, decoded, into the ring. */
static void *reader_main(void *arg)
{
	struct split *sp = arg;
	struct sf_frame f;
	struct seg g;
	unsigned head = 0, told = 0, tail = 0;

	memset(&f, 0, sizeof(f));
	memset(&g, 0, sizeof(g));
	for (;;) {
		const uint8_t *data = NULL;
		sf_ns now = 0;
		unsigned n = 0;

		if (sf_reader_next(sp->rd, &data, &now) != SF_READ_FRAME)
			break; /* the end, --at, or a failure: sp->rd says which */
		sf_reader_decode(sp->rd, data, &f);
		if (f.kind == SF_FRAME_BROKEN)
			continue; /* nothing for the tracker, nor its clock */
		while (head - tail == RING) {
			if (told != head) {
				put_fence();
				atomic_store_explicit(&sp->head, told = head, memory_order_release);
			}
			tail = atomic_load_explicit(&sp->tail, memory_order_acquire);
			if (head - tail == RING)
				wait_a_little(&n);
		}
		pack(&g, &f, now);
		put(&sp->slot[head % RING], &g);
		head++;
		if (head - told >= BATCH) {
			put_fence();
			atomic_store_explicit(&sp->head, told = head, memory_order_release);
		}
	}
	put_fence();
	atomic_store_explicit(&sp->head, head, memory_order_release);
	atomic_store_explicit(&sp->done, true, memory_order_release);
	return NULL;
}

/* Asks for what the segment `dist` slots past tail will touch, when the
 * ring holds it already: prefetch stage 0 or 1 (sf_track_prefetch), or 2,
 * the rest (sf_track_prefetch_rest). */
static void ahead(const struct split *sp, const struct sf_track *trk, unsigned tail, unsigned head,
		  unsigned dist, int stage)
{
	const struct seg *g = &sp->slot[(tail + dist) % RING];
	if (head - tail <= dist || !g->tcp)
		return;
	if (stage < 2)
		sf_track_prefetch(trk, g->hash, stage);
	else
		sf_track_prefetch_rest(trk, g->hash, g->sport, g->dport);
}

/* The tracking side, on the caller's thread. */
static void track_all(struct split *sp, struct sf_track *trk)
{
	struct sf_frame f;
	struct sf_seg_info si;
	unsigned tail = 0, told = 0, head = 0;

	memset(&f, 0, sizeof(f));
	for (;;) {
		unsigned n = 0;
		bool done = false;
		bool far = false;

		while (tail == head) {
			if (told != tail)
				atomic_store_explicit(&sp->tail, told = tail, memory_order_release);
			/* done before head: a reader that stopped has told its last head. */
			done = atomic_load_explicit(&sp->done, memory_order_acquire);
			head = atomic_load_explicit(&sp->head, memory_order_acquire);
			if (tail == head && done)
				return;
			if (tail == head)
				wait_a_little(&n);
		}
		far = sf_track_wants_prefetch(trk);
		for (; tail != head; tail++) {
			const struct seg *g = &sp->slot[tail % RING];
			if (far) {
				ahead(sp, trk, tail, head, FAR, 0);
				ahead(sp, trk, tail, head, NEAR, 1);
				ahead(sp, trk, tail, head, NEXT, 2);
			}
			if (!g->tcp) {
				sf_track_advance(trk, g->now);
			} else {
				unpack(g, &f);
				(void)sf_track_seg_hashed(trk, &f, g->hash, g->now, &si);
			}
			if (tail - told >= BATCH)
				atomic_store_explicit(&sp->tail, told = tail, memory_order_release);
		}
	}
}

bool sf_pipe_split_run(struct sf_reader *rd, struct sf_track *trk)
{
	struct split *sp = aligned_alloc(64, sizeof(*sp));
	pthread_t th;

	if (sp == NULL)
		return false;
	sp->slot = aligned_alloc(64, RING * sizeof(*sp->slot));
	if (sp->slot == NULL) {
		free(sp);
		return false;
	}
	atomic_init(&sp->head, 0);
	atomic_init(&sp->tail, 0);
	atomic_init(&sp->done, false);
	sp->rd = rd;
	if (pthread_create(&th, NULL, reader_main, sp) != 0) {
		free(sp->slot);
		free(sp);
		return false;
	}
	track_all(sp, trk);
	(void)pthread_join(th, NULL);
	free(sp->slot);
	free(sp);
	return true;
}
