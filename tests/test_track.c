/* tests/test_track.c: both endpoints' states after every segment, case by case. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

/* Steps leave `unexpected` out when it is false. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "decode/track.h"

#define O  SF_ORIG
#define R  SF_RESP
#define S_ SF_TH_SYN
#define A_ SF_TH_ACK
#define F_ SF_TH_FIN
#define R_ SF_TH_RST
#define P_ SF_TH_PSH

enum {
	CL = SF_ST_CLOSED,
	LI = SF_ST_LISTEN,
	SS = SF_ST_SYN_SENT,
	SR = SF_ST_SYN_RCVD,
	ES = SF_ST_ESTABLISHED,
	F1 = SF_ST_FIN_WAIT_1,
	F2 = SF_ST_FIN_WAIT_2,
	CW = SF_ST_CLOSE_WAIT,
	CG = SF_ST_CLOSING,
	LA = SF_ST_LAST_ACK,
	TW = SF_ST_TIME_WAIT,
};

/* One segment of a scenario and the states it must leave behind. */
struct step {
	int from; /* O or R */
	uint16_t flags;
	uint32_t seq, ack; /* relative: the tests add each side's ISN */
	uint32_t len;
	int64_t ms;      /* capture time */
	int orig, resp;  /* expected states after it */
	bool unexpected; /* left out in most steps: false */
};

#define ISN_O 1000u
#define ISN_R 5000u

static struct sf_frame frame_of(const struct step *s)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	struct sf_frame f;
	memset(&f, 0, sizeof(f));
	f.kind = SF_FRAME_TCP;
	f.ip.ver = 4;
	memcpy(f.ip.src, s->from == O ? a : b, 4);
	memcpy(f.ip.dst, s->from == O ? b : a, 4);
	f.tcp.sport = s->from == O ? 40000 : 80;
	f.tcp.dport = s->from == O ? 80 : 40000;
	f.tcp.seq = s->seq + (s->from == O ? ISN_O : ISN_R);
	f.tcp.ack = (s->flags & A_) ? s->ack + (s->from == O ? ISN_R : ISN_O) : 0;
	f.tcp.flags = s->flags;
	f.tcp.paylen = s->len;
	f.tcp.hlen = 20;
	f.tcp.fixed_ok = true;
	return f;
}

struct run {
	int finished;
	char why[16];
};

static void done(void *arg, const struct sf_conn *c, const char *why)
{
	struct run *r = arg;
	(void)c;
	r->finished++;
	strncpy(r->why, why, sizeof(r->why) - 1);
}

static struct sf_track *new_tracker(struct run *r)
{
	struct sf_track_cfg cfg = { .msl = 30000000000LL,
				    .idle_timeout = 300000000000LL,
				    .max_conns = 16 };
	struct sf_track *t = sf_track_new(&cfg, done, r);
	assert_non_null(t);
	return t;
}

static void play(const struct step *steps, size_t n)
{
	struct run r = { 0 };
	struct sf_track *t = new_tracker(&r);
	for (size_t i = 0; i < n; i++) {
		struct sf_frame f = frame_of(&steps[i]);
		struct sf_seg_info info;
		assert_true(sf_track_seg(t, &f, steps[i].ms * 1000000, &info));
		if (info.conn->ep[O].st != steps[i].orig || info.conn->ep[R].st != steps[i].resp ||
		    info.unexpected != steps[i].unexpected)
			fail_msg("step %zu: orig %s resp %s%s, want %s %s%s", i + 1,
				 sf_st_name(info.conn->ep[O].st), sf_st_name(info.conn->ep[R].st),
				 info.unexpected ? " (unexpected)" : "", sf_st_name(steps[i].orig),
				 sf_st_name(steps[i].resp),
				 steps[i].unexpected ? " (unexpected)" : "");
		assert_int_equal(info.dir, steps[i].from);
	}
	sf_track_free(t);
}

#define PLAY(...)                                               \
	do {                                                    \
		static const struct step s[] = { __VA_ARGS__ }; \
		play(s, sizeof(s) / sizeof(s[0]));              \
	} while (0)

static void three_way_handshake_establishes_both(void **state)
{
	(void)state;
	PLAY({ O, S_, 0, 0, 0, 0, SS, CL }, { R, S_ | A_, 0, 1, 0, 1, ES, SR },
	     { O, A_, 1, 1, 0, 2, ES, ES });
}

static void simultaneous_open_passes_both_through_syn_rcvd(void **state)
{
	(void)state;
	PLAY({ O, S_, 0, 0, 0, 0, SS, CL }, { R, S_, 0, 0, 0, 1, SR, SR },
	     { O, S_ | A_, 0, 1, 0, 2, SR, ES }, { R, S_ | A_, 0, 1, 0, 3, ES, ES });
}

static void retransmitted_syn_changes_nothing(void **state)
{
	(void)state;
	PLAY({ O, S_, 0, 0, 0, 0, SS, CL }, { O, S_, 0, 0, 0, 1000, SS, CL },
	     { O, S_, 0, 0, 0, 3000, SS, CL }, { R, S_ | A_, 0, 1, 0, 3001, ES, SR },
	     { O, A_, 1, 1, 0, 3002, ES, ES });
}

static void retransmitted_syn_ack_changes_nothing(void **state)
{
	(void)state;
	PLAY({ O, S_, 0, 0, 0, 0, SS, CL }, { R, S_ | A_, 0, 1, 0, 1, ES, SR },
	     { R, S_ | A_, 0, 1, 0, 1001, ES, SR }, { O, A_, 1, 1, 0, 1002, ES, ES });
}

static void refused_syn_leaves_no_listener(void **state)
{
	(void)state;
	PLAY({ O, S_, 0, 0, 0, 0, SS, CL }, { R, R_ | A_, 0, 1, 0, 1, CL, CL });
}

#define OPEN                                                               \
	{ O, S_, 0, 0, 0, 0, SS, CL }, { R, S_ | A_, 0, 1, 0, 1, ES, SR }, \
	{                                                                  \
		O, A_, 1, 1, 0, 2, ES, ES                                  \
	}

static void four_way_close_by_the_originator(void **state)
{
	(void)state;
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, A_, 1, 2, 0, 11, F2, CW },
	     { R, F_ | A_, 1, 2, 0, 12, TW, LA }, { O, A_, 2, 2, 0, 13, TW, CL });
}

static void four_way_close_by_the_responder(void **state)
{
	(void)state;
	PLAY(OPEN, { R, F_ | A_, 1, 1, 0, 10, CW, F1 }, { O, A_, 1, 2, 0, 11, CW, F2 },
	     { O, F_ | A_, 1, 2, 0, 12, LA, TW }, { R, A_, 2, 2, 0, 13, CL, TW });
}

static void fin_riding_on_the_ack_closes_in_three(void **state)
{
	(void)state;
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, F_ | A_, 1, 2, 0, 11, TW, LA },
	     { O, A_, 2, 2, 0, 12, TW, CL });
}

static void simultaneous_close_passes_through_closing(void **state)
{
	(void)state;
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW },
	     { R, F_ | A_, 1, 1, 0, 11, CG, CG }, /* sent before O's FIN arrived */
	     { O, A_, 2, 2, 0, 12, CG, TW },      /* acks R's FIN: R done */
	     { R, A_, 2, 2, 0, 13, TW, TW });
}

static void half_close_lets_data_flow_the_other_way(void **state)
{
	(void)state;
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, A_, 1, 2, 0, 11, F2, CW },
	     { R, P_ | A_, 1, 2, 100, 12, F2, CW }, { O, A_, 2, 101, 0, 13, F2, CW },
	     { R, P_ | A_, 101, 2, 100, 14, F2, CW }, { O, A_, 2, 201, 0, 15, F2, CW },
	     { R, F_ | A_, 201, 2, 0, 16, TW, LA }, { O, A_, 2, 202, 0, 17, TW, CL });
}

static void rst_from_either_side_closes_both_in_every_state(void **state)
{
	(void)state;
	/* SYN_SENT (refused) is above; SYN_RCVD: */
	PLAY({ O, S_, 0, 0, 0, 0, SS, CL }, { R, S_ | A_, 0, 1, 0, 1, ES, SR },
	     { O, R_, 1, 0, 0, 2, CL, CL });
	/* ESTABLISHED, by either side: */
	PLAY(OPEN, { O, R_ | A_, 1, 1, 0, 10, CL, CL });
	PLAY(OPEN, { R, R_ | A_, 1, 1, 0, 10, CL, CL });
	/* FIN_WAIT_1 / CLOSE_WAIT: */
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, R_ | A_, 1, 2, 0, 11, CL, CL });
	/* FIN_WAIT_2 / CLOSE_WAIT: */
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, A_, 1, 2, 0, 11, F2, CW },
	     { O, R_, 2, 0, 0, 12, CL, CL });
	/* LAST_ACK / TIME_WAIT: */
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, F_ | A_, 1, 2, 0, 11, TW, LA },
	     { O, R_, 2, 0, 0, 12, CL, CL });
	/* CLOSING: */
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, F_ | A_, 1, 1, 0, 11, CG, CG },
	     { R, R_, 2, 0, 0, 12, CL, CL });
}

static void capture_started_mid_connection_assumes_established(void **state)
{
	(void)state;
	/* The first segment is data from the server's well-known port. */
	PLAY({ R, P_ | A_, 100, 50, 10, 0, ES, ES }, { O, A_, 50, 110, 0, 1, ES, ES },
	     { O, F_ | A_, 50, 110, 0, 2, F1, CW });
}

static void capture_ending_mid_close_leaves_fin_wait_2_facing_close_wait(void **state)
{
	(void)state;
	PLAY(OPEN, { O, F_ | A_, 1, 1, 0, 10, F1, CW }, { R, A_, 1, 2, 0, 11, F2, CW });
}

static void time_wait_expires_after_two_msl_of_capture_time(void **state)
{
	struct run r = { 0 };
	struct sf_track *t = new_tracker(&r);
	static const struct step s[] = { OPEN,
					 { O, F_ | A_, 1, 1, 0, 10, F1, CW },
					 { R, F_ | A_, 1, 2, 0, 11, TW, LA },
					 { O, A_, 2, 2, 0, 12, TW, CL } };
	struct sf_seg_info info;
	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct sf_frame f = frame_of(&s[i]);
		assert_true(sf_track_seg(t, &f, s[i].ms * 1000000, &info));
	}
	sf_track_advance(t, 12 * 1000000 + 59999 * 1000000LL);
	assert_int_equal(r.finished, 0); /* 59.999 s: still in TIME_WAIT */
	sf_track_advance(t, 12 * 1000000 + 60000 * 1000000LL);
	assert_int_equal(r.finished, 1);
	assert_string_equal(r.why, "time_wait");
	sf_track_free(t);
}

static void a_new_syn_on_a_closed_tuple_is_a_new_connection(void **state)
{
	struct run r = { 0 };
	struct sf_track *t = new_tracker(&r);
	static const struct step s[] = { OPEN,
					 { O, F_ | A_, 1, 1, 0, 10, F1, CW },
					 { R, F_ | A_, 1, 2, 0, 11, TW, LA },
					 { O, A_, 2, 2, 0, 12, TW, CL } };
	struct step again = { O, S_, 777, 0, 0, 13, SS, CL };
	struct sf_frame f;
	struct sf_seg_info info;
	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		f = frame_of(&s[i]);
		assert_true(sf_track_seg(t, &f, s[i].ms * 1000000, &info));
	}
	assert_int_equal(info.conn->stream, 0);
	f = frame_of(&again);
	assert_true(sf_track_seg(t, &f, 13 * 1000000, &info));
	assert_int_equal(r.finished, 1);
	assert_string_equal(r.why, "reused");
	assert_int_equal(info.conn->stream, 1);
	assert_int_equal(info.conn->ep[O].st, SF_ST_SYN_SENT);
	sf_track_free(t);
}

static void data_from_a_reset_endpoint_is_unexpected(void **state)
{
	(void)state;
	PLAY(OPEN, { O, P_ | A_, 1, 1, 10, 10, ES, ES }, { R, F_ | A_, 1, 11, 0, 11, CW, F1 },
	     { O, F_ | A_, 11, 2, 0, 12, LA, TW }, { R, A_, 2, 12, 0, 13, CL, TW },
	     { O, P_ | A_, 12, 2, 5, 14, CL, TW, true });
}

static void relative_numbers_start_at_zero_at_the_syn(void **state)
{
	struct run r = { 0 };
	struct sf_track *t = new_tracker(&r);
	static const struct step s[] = { OPEN, { O, P_ | A_, 1, 1, 10, 3, ES, ES } };
	struct sf_seg_info info;
	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct sf_frame f = frame_of(&s[i]);
		assert_true(sf_track_seg(t, &f, s[i].ms * 1000000, &info));
		assert_int_equal(info.rel_seq, s[i].seq);
		if (s[i].flags & A_)
			assert_int_equal(info.rel_ack, s[i].ack);
	}
	assert_int_equal(info.conn->rtt_state, SF_RTT_KNOWN);
	assert_int_equal(info.conn->rtt, 2000000); /* SYN at 0 ms, its handshake ACK at 2 ms */
	sf_track_free(t);
}

/* What a flush said of each connection, by stream. */
struct ends {
	int n;
	char why[64][16];
	uint8_t st[64][2];
};

static void note_end(void *arg, const struct sf_conn *c, const char *why)
{
	struct ends *e = arg;
	assert_true(c->stream < 64);
	assert_int_equal(e->why[c->stream][0], '\0'); /* once each */
	strncpy(e->why[c->stream], why, sizeof(e->why[0]) - 1);
	e->st[c->stream][0] = c->ep[O].st;
	e->st[c->stream][1] = c->ep[R].st;
	e->n++;
}

/* 40 connections on ports 1000.., opened in turn; every third is reset and
 * finished (a free slot in the pool, taken by the next one), and some of the
 * rest are closed by their client, last opened first: the lists' order is not
 * the pool's. */
static struct sf_track *many(struct ends *e)
{
	struct sf_track_cfg cfg = { .msl = 30000000000LL,
				    .idle_timeout = 100000000000000LL, /* none goes idle */
				    .max_conns = 64 };
	struct sf_track *t = sf_track_new(&cfg, note_end, e);
	int64_t ms = 0;

	assert_non_null(t);
	for (int i = 0; i < 40; i++) {
		struct step s[] = { OPEN };
		for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++) {
			struct sf_frame f = frame_of(&s[k]);
			struct sf_seg_info info;
			if (f.tcp.sport == 80)
				f.tcp.dport = (uint16_t)(1000 + i);
			else
				f.tcp.sport = (uint16_t)(1000 + i);
			assert_true(sf_track_seg(t, &f, ++ms * 1000000, &info));
			if (i % 3 == 1 && k == sizeof(s) / sizeof(s[0]) - 1) {
				struct step rst = { R, R_, 1, 0, 0, 0, CL, CL };
				f = frame_of(&rst);
				f.tcp.dport = (uint16_t)(1000 + i);
				assert_true(sf_track_seg(t, &f, ++ms * 1000000, &info));
				/* past its 2*MSL linger: finished, its slot freed */
				sf_track_advance(t, (ms += 61000) * 1000000);
			}
		}
	}
	for (int i = 38; i >= 0; i -= 4) {
		struct step fin = { O, F_ | A_, 1, 1, 0, 0, F1, CW };
		struct sf_frame f = frame_of(&fin);
		struct sf_seg_info info;
		if (i % 3 == 1)
			continue; /* reset and gone: a FIN would start another */
		f.tcp.sport = (uint16_t)(1000 + i);
		assert_true(sf_track_seg(t, &f, ++ms * 1000000, &info));
		assert_int_equal(info.conn->ep[O].st, SF_ST_FIN_WAIT_1);
	}
	return t;
}

static void flushing_in_pool_order_finishes_the_same_connections(void **state)
{
	static struct ends a, b;
	struct sf_track *ta = NULL, *tb = NULL;
	(void)state;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ta = many(&a);
	tb = many(&b);
	assert_int_equal(a.n, b.n); /* the reset ones, finished alike */
	sf_track_flush(ta);
	sf_track_flush_unordered(tb);
	assert_int_equal(a.n, 40);
	assert_int_equal(b.n, 40);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(sf_track_stats(ta).finished, sf_track_stats(tb).finished);
	/* Both trackers are empty and serve again from slot 0. */
	{
		struct step s[] = { OPEN };
		struct sf_frame f = frame_of(&s[0]);
		struct sf_seg_info info;
		assert_true(sf_track_seg(tb, &f, 1, &info));
		assert_int_equal(info.conn->stream, 40);
	}
	sf_track_free(ta);
	sf_track_free(tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(three_way_handshake_establishes_both),
		cmocka_unit_test(simultaneous_open_passes_both_through_syn_rcvd),
		cmocka_unit_test(retransmitted_syn_changes_nothing),
		cmocka_unit_test(retransmitted_syn_ack_changes_nothing),
		cmocka_unit_test(refused_syn_leaves_no_listener),
		cmocka_unit_test(four_way_close_by_the_originator),
		cmocka_unit_test(four_way_close_by_the_responder),
		cmocka_unit_test(fin_riding_on_the_ack_closes_in_three),
		cmocka_unit_test(simultaneous_close_passes_through_closing),
		cmocka_unit_test(half_close_lets_data_flow_the_other_way),
		cmocka_unit_test(rst_from_either_side_closes_both_in_every_state),
		cmocka_unit_test(capture_started_mid_connection_assumes_established),
		cmocka_unit_test(capture_ending_mid_close_leaves_fin_wait_2_facing_close_wait),
		cmocka_unit_test(time_wait_expires_after_two_msl_of_capture_time),
		cmocka_unit_test(a_new_syn_on_a_closed_tuple_is_a_new_connection),
		cmocka_unit_test(data_from_a_reset_endpoint_is_unexpected),
		cmocka_unit_test(relative_numbers_start_at_zero_at_the_syn),
		cmocka_unit_test(flushing_in_pool_order_finishes_the_same_connections),
	};
	return cmocka_run_group_tests_name("track", tests, NULL, NULL);
}
