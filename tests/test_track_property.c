/* tests/test_track_property.c: generated conversations end in the right states.
 *
 * Each run simulates a connection between a client and a server with a
 * one-way delay D, and a capture point at fraction P of the path from the
 * client: a segment the client sends at t is captured at t + P*D, one the
 * server sends at t + (1-P)*D. Different P interleave the two directions as
 * different capture points see them. Some segments are lost before the
 * capture point and sent again later. Whatever the interleaving, both
 * endpoints must end in the states the scenario implies. A second test
 * feeds corrupted frames through decoder and tracker: no crash, no
 * sanitizer report (run under SAN= in CI).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "decode/track.h"

#define MAXSEG 256

struct rng {
	uint64_t s;
};

static uint32_t next(struct rng *r)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(r->s >> 33);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return next(r) % n;
}

struct seg {
	int64_t t; /* capture time, ns */
	int from;  /* SF_ORIG or SF_RESP */
	uint16_t flags;
	uint32_t seq, ack, len;
	int order; /* generation order, for stable sorting */
};

struct sim {
	struct rng rng;
	int64_t d, now[2]; /* one-way delay; each side's clock */
	double p;          /* capture point */
	uint32_t nxt[2];   /* next sequence number each side sends */
	uint32_t rcv[2];   /* what each side acknowledges */
	struct seg s[MAXSEG];
	int n;
};

static void emit(struct sim *m, int from, uint16_t flags, uint32_t len)
{
	struct seg *g = &m->s[m->n];
	int64_t delay = from == SF_ORIG ? (int64_t)(m->p * (double)m->d)
					: (int64_t)((1.0 - m->p) * (double)m->d);
	assert_true(m->n < MAXSEG);
	g->from = from;
	g->flags = flags;
	g->seq = m->nxt[from];
	g->ack = (flags & SF_TH_ACK) ? m->rcv[from] : 0;
	g->len = len;
	g->order = m->n;
	/* Lost before the capture point: the sender tries again 200 ms later. */
	if (len > 0 && below(&m->rng, 8) == 0)
		m->now[from] += 200000000;
	g->t = m->now[from] + delay;
	m->n++;
	m->nxt[from] += len + ((flags & SF_TH_SYN) ? 1 : 0) + ((flags & SF_TH_FIN) ? 1 : 0);
}

/* The peer has received everything `from` sent: its clock and ack move on. */
static void deliver(struct sim *m, int from)
{
	int to = !from;
	if (m->now[to] < m->now[from] + m->d)
		m->now[to] = m->now[from] + m->d;
	m->rcv[to] = m->nxt[from];
}

static int by_time(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order - y->order;
}

enum ending { BY_CLIENT, BY_SERVER, THREE_SEGMENT, SIMULTANEOUS, RESET, ENDING_COUNT };

/* Plays one conversation and returns the final states through st[2]. */
static void play(uint64_t seed, enum ending how, int st[2])
{
	struct sim *m = calloc(1, sizeof(*m));
	struct sf_track_cfg cfg = { .msl = 30000000000LL,
				    .idle_timeout = 300000000000LL,
				    .max_conns = 4 };
	struct sf_track *t = sf_track_new(&cfg, NULL, NULL);
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	struct sf_seg_info si = { 0 };
	int rounds = 0;

	assert_non_null(m);
	assert_non_null(t);
	m->rng.s = seed;
	m->d = 1000000 + below(&m->rng, 50) * 1000000;
	m->p = (double)below(&m->rng, 101) / 100.0;
	m->nxt[0] = next(&m->rng);
	m->nxt[1] = next(&m->rng);

	emit(m, SF_ORIG, SF_TH_SYN, 0);
	deliver(m, SF_ORIG);
	emit(m, SF_RESP, SF_TH_SYN | SF_TH_ACK, 0);
	deliver(m, SF_RESP);
	emit(m, SF_ORIG, SF_TH_ACK, 0);
	deliver(m, SF_ORIG);
	rounds = (int)below(&m->rng, 6);
	for (int i = 0; i < rounds; i++) {
		int from = (int)below(&m->rng, 2);
		emit(m, from, SF_TH_ACK | SF_TH_PSH, 1 + below(&m->rng, 1400));
		deliver(m, from);
		emit(m, !from, SF_TH_ACK, 0);
		deliver(m, !from);
	}
	switch (how) {
	case BY_CLIENT:
	case BY_SERVER: {
		int c = how == BY_CLIENT ? SF_ORIG : SF_RESP;
		emit(m, c, SF_TH_FIN | SF_TH_ACK, 0);
		deliver(m, c);
		emit(m, !c, SF_TH_ACK, 0);
		/* half-close: data may still flow the other way */
		if (below(&m->rng, 2)) {
			emit(m, !c, SF_TH_PSH | SF_TH_ACK, 1 + below(&m->rng, 500));
			deliver(m, !c);
			emit(m, c, SF_TH_ACK, 0);
		}
		deliver(m, !c);
		emit(m, !c, SF_TH_FIN | SF_TH_ACK, 0);
		deliver(m, !c);
		emit(m, c, SF_TH_ACK, 0);
		deliver(m, c);
		break;
	}
	case THREE_SEGMENT:
		emit(m, SF_ORIG, SF_TH_FIN | SF_TH_ACK, 0);
		deliver(m, SF_ORIG);
		emit(m, SF_RESP, SF_TH_FIN | SF_TH_ACK, 0);
		deliver(m, SF_RESP);
		emit(m, SF_ORIG, SF_TH_ACK, 0);
		deliver(m, SF_ORIG);
		break;
	case SIMULTANEOUS:
		/* Both send FIN before the other's arrives. */
		emit(m, SF_ORIG, SF_TH_FIN | SF_TH_ACK, 0);
		m->now[SF_RESP] += below(&m->rng, (uint32_t)(m->d / 2 + 1));
		emit(m, SF_RESP, SF_TH_FIN | SF_TH_ACK, 0);
		deliver(m, SF_ORIG);
		deliver(m, SF_RESP);
		emit(m, SF_ORIG, SF_TH_ACK, 0);
		emit(m, SF_RESP, SF_TH_ACK, 0);
		break;
	default: {
		int r = (int)below(&m->rng, 2);
		emit(m, r, SF_TH_RST | SF_TH_ACK, 0);
		break;
	}
	}
	qsort(m->s, (size_t)m->n, sizeof(m->s[0]), by_time);
	for (int i = 0; i < m->n; i++) {
		struct sf_frame f;
		const struct seg *g = &m->s[i];
		memset(&f, 0, sizeof(f));
		f.kind = SF_FRAME_TCP;
		f.ip.ver = 4;
		memcpy(f.ip.src, g->from == SF_ORIG ? a : b, 4);
		memcpy(f.ip.dst, g->from == SF_ORIG ? b : a, 4);
		f.tcp.sport = g->from == SF_ORIG ? 40000 : 443;
		f.tcp.dport = g->from == SF_ORIG ? 443 : 40000;
		f.tcp.seq = g->seq;
		f.tcp.ack = g->ack;
		f.tcp.flags = g->flags;
		f.tcp.paylen = g->len;
		f.tcp.fixed_ok = true;
		assert_true(sf_track_seg(t, &f, g->t, &si));
		if (si.unexpected)
			fail_msg("seed %llu ending %d: segment %d unexpected",
				 (unsigned long long)seed, how, i);
	}
	st[0] = si.conn->ep[SF_ORIG].st;
	st[1] = si.conn->ep[SF_RESP].st;
	sf_track_free(t);
	free(m);
}

static void any_interleaving_and_loss_ends_in_the_right_states(void **state)
{
	static const int want[ENDING_COUNT][2] = {
		[BY_CLIENT] = { SF_ST_TIME_WAIT, SF_ST_CLOSED },
		[BY_SERVER] = { SF_ST_CLOSED, SF_ST_TIME_WAIT },
		[THREE_SEGMENT] = { SF_ST_TIME_WAIT, SF_ST_CLOSED },
		[SIMULTANEOUS] = { SF_ST_TIME_WAIT, SF_ST_TIME_WAIT },
		[RESET] = { SF_ST_CLOSED, SF_ST_CLOSED },
	};
	(void)state;
	for (uint64_t seed = 1; seed <= 4000; seed++) {
		enum ending how = (enum ending)(seed % ENDING_COUNT);
		int st[2];
		play(seed, how, st);
		if (st[0] != want[how][0] || st[1] != want[how][1])
			fail_msg("seed %llu ending %d: client %s server %s, want %s %s",
				 (unsigned long long)seed, how, sf_st_name(st[0]),
				 sf_st_name(st[1]), sf_st_name(want[how][0]),
				 sf_st_name(want[how][1]));
	}
}

static void corrupted_frames_never_crash_the_tracker(void **state)
{
	struct sf_track_cfg cfg = { .msl = 1000000000LL,
				    .idle_timeout = 5000000000LL,
				    .max_conns = 8 };
	struct sf_track *t = sf_track_new(&cfg, NULL, NULL);
	struct rng r = { .s = 99 };
	/* A valid Ethernet/IPv4/TCP SYN to start from. */
	static const uint8_t base[54] = {
		2, 0,  0,    0, 0,  2,    2, 0, 0,  0, 0,    1,    0x08, 0x00, 0x45, 0, 0,    40,
		0, 1,  0x40, 0, 64, 6,    0, 0, 10, 0, 0,    1,    10,   0,    0,    2, 0x9c, 0x40,
		0, 80, 0,    0, 3,  0xe8, 0, 0, 0,  0, 0x50, 0x02, 0xff, 0xff, 0,    0, 0,    0,
	};
	(void)state;
	assert_non_null(t);
	for (int i = 0; i < 200000; i++) {
		uint8_t *buf = malloc(sizeof(base));
		struct sf_frame f;
		struct sf_seg_info si;
		size_t cap = sizeof(base) - below(&r, 10);
		memcpy(buf, base, sizeof(base));
		for (uint32_t k = below(&r, 6); k > 0; k--)
			buf[14 + below(&r, 40)] ^= (uint8_t)(1u << below(&r, 8));
		(void)sf_dec_frame(SF_DLT_EN10MB, buf, cap, sizeof(base), &f);
		if (f.kind == SF_FRAME_TCP)
			(void)sf_track_seg(t, &f, (int64_t)i * 1000000, &si);
		free(buf);
	}
	sf_track_flush(t);
	sf_track_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(any_interleaving_and_loss_ends_in_the_right_states),
		cmocka_unit_test(corrupted_frames_never_crash_the_tracker),
	};
	return cmocka_run_group_tests_name("track_property", tests, NULL, NULL);
}
