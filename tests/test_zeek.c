/* tests/test_zeek.c: Zeek's history letters and conn_state, segment by segment. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

/* Segments leave the rarely used fields out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "decode/track.h"
#include "decode/zeek.h"

#define O  0 /* our originator: 10.0.0.1:40000 */
#define R  1 /* our responder: 10.0.0.2:80, a likely server port */
#define S_ SF_TH_SYN
#define A_ SF_TH_ACK
#define F_ SF_TH_FIN
#define R_ SF_TH_RST
#define P_ SF_TH_PSH

enum { ZWIN = 1, BADSUM = 2 };

/* One segment: who sends it, relative numbers (each side's ISN is added),
 * payload length, capture time, and odd properties. */
struct seg {
	int from;
	uint16_t flags;
	uint32_t seq, ack, len;
	int64_t ms;
	unsigned odd; /* ZWIN, BADSUM */
};

#define ISN_O 1000u
#define ISN_R 5000u

static struct sf_frame frame_of(const struct seg *s)
{
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	struct sf_frame f;
	memset(&f, 0, sizeof(f));
	f.kind = SF_FRAME_TCP;
	f.rc = SF_DEC_OK;
	f.ip.ver = 4;
	memcpy(f.ip.src, s->from == O ? a : b, 4);
	memcpy(f.ip.dst, s->from == O ? b : a, 4);
	f.tcp.sport = s->from == O ? 40000 : 80;
	f.tcp.dport = s->from == O ? 80 : 40000;
	f.tcp.seq = s->seq + (s->from == O ? ISN_O : ISN_R);
	f.tcp.ack = (s->flags & A_) ? s->ack + (s->from == O ? ISN_R : ISN_O) : 0;
	f.tcp.flags = s->flags;
	f.tcp.win = (s->odd & ZWIN) ? 0 : 8192;
	f.tcp.paylen = f.tcp.paycap = s->len;
	f.tcp.hlen = 20;
	f.tcp.fixed_ok = true;
	f.csum = (s->odd & BADSUM) ? SF_CSUM_BAD : SF_CSUM_GOOD;
	return f;
}

/* What the split callback heard: the Zeek connections ended early. */
struct splits {
	int n;
	char history[8][SF_ZEEK_HIST_MAX + 1];
	char state[8][8];
};

static void on_split(void *arg, const struct sf_zeek *z, int dir, const struct sf_frame *f,
		     int64_t now)
{
	struct splits *sp = arg;
	(void)dir;
	(void)f;
	(void)now;
	if (sp->n < 8) {
		(void)sf_zeek_history(z, sp->history[sp->n], sizeof(sp->history[0]));
		snprintf(sp->state[sp->n], sizeof(sp->state[0]), "%s", sf_zeek_conn_state(z));
	}
	sp->n++;
}

/* Feeds the segments to one Zeek connection state; checks the result. */
static void play_cfg(const struct seg *s, size_t n, struct sf_zeek_cfg *cfg, struct splits *sp,
		     const char *history, const char *state)
{
	struct sf_zeek z;
	char h[SF_ZEEK_HIST_MAX + 1];
	memset(&z, 0, sizeof(z));
	cfg->split = on_split;
	cfg->split_arg = sp;
	for (size_t i = 0; i < n; i++) {
		struct sf_frame f = frame_of(&s[i]);
		sf_zeek_seg(&z, cfg, s[i].from, &f, s[i].ms * 1000000);
	}
	assert_string_equal(sf_zeek_history(&z, h, sizeof(h)), history);
	assert_string_equal(sf_zeek_conn_state(&z), state);
}

static void play(const struct seg *s, size_t n, const char *history, const char *state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	play_cfg(s, n, &cfg, &sp, history, state);
	assert_int_equal(sp.n, 0);
}

#define SEGS(...)                            \
	(const struct seg[]){ __VA_ARGS__ }, \
		sizeof((const struct seg[]){ __VA_ARGS__ }) / sizeof(struct seg)

#define HANDSHAKE                                          \
	{ O, S_, 0, 0, 0, 0 }, { R, S_ | A_, 0, 1, 0, 1 }, \
	{                                                  \
		O, A_, 1, 1, 0, 2                          \
	}

/* --- history letters ------------------------------------------------------ */

static void handshake_data_and_close_write_ShADadFf(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, P_ | A_, 1, 1, 10, 3 }, { R, A_, 1, 11, 0, 4 },
		  { R, P_ | A_, 1, 11, 20, 5 }, { O, A_, 11, 21, 0, 6 },
		  { O, F_ | A_, 11, 21, 0, 7 }, { R, F_ | A_, 21, 12, 0, 8 },
		  { O, A_, 12, 22, 0, 9 }),
	     "ShADadFf", "SF");
}

static void a_letter_comes_once_per_direction(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, P_ | A_, 1, 1, 10, 3 }, { O, P_ | A_, 11, 1, 10, 4 },
		  { R, A_, 1, 21, 0, 5 }, { R, A_, 1, 21, 0, 6 }, { O, A_, 21, 1, 0, 7 }),
	     "ShADa", "S1");
}

static void retransmitted_syn_writes_no_second_S(void **state)
{
	(void)state;
	play(SEGS({ O, S_, 0, 0, 0, 0 }, { O, S_, 0, 0, 0, 1000 }, { O, S_, 0, 0, 0, 3000 }), "S",
	     "S0");
}

static void retransmitted_data_is_T_at_the_1st_10th_and_100th(void **state)
{
	struct seg s[3 + 1 + 100];
	size_t n = 0;
	static const struct seg hs[] = { HANDSHAKE };
	(void)state;
	memcpy(s, hs, sizeof(hs));
	n = 3;
	s[n++] = (struct seg){ O, P_ | A_, 1, 1, 100, 3 };
	for (int i = 0; i < 100; i++) /* the same 100 bytes again and again */
		s[n++] = (struct seg){ O, P_ | A_, 1, 1, 100, 4 + i };
	play(s, 3 + 1 + 1, "ShADT", "S1");
	play(s, 3 + 1 + 9, "ShADT", "S1");
	play(s, 3 + 1 + 10, "ShADTT", "S1");
	play(s, n, "ShADTTT", "S1");
}

static void zero_window_is_W_but_not_on_a_rst(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { R, A_, 1, 1, 0, 3, ZWIN }, { R, R_ | A_, 1, 1, 0, 4, ZWIN }),
	     "ShAawr", "RSTR");
}

static void bad_checksum_is_C_and_the_segment_goes_no_further(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	(void)state;
	play_cfg(SEGS({ O, S_, 0, 0, 0, 0, BADSUM }), &cfg, &sp, "C", "OTH");
	/* zeek -C: the same segment counts. */
	cfg.ignore_checksums = true;
	play_cfg(SEGS({ O, S_, 0, 0, 0, 0, BADSUM }), &cfg, &sp, "S", "S0");
}

static void ack_past_data_never_seen_is_a_gap_g(void **state)
{
	(void)state;
	/* The responder's 100 bytes at 1 are not captured; its FIN at 101 is,
	 * and the originator acknowledges all of it. */
	play(SEGS(HANDSHAKE, { O, P_ | A_, 1, 1, 10, 3 }, { R, A_, 1, 11, 0, 4 },
		  { R, F_ | A_, 101, 11, 0, 5 }, { O, A_, 11, 102, 0, 6 },
		  { O, F_ | A_, 11, 102, 0, 7 }, { R, A_, 102, 12, 0, 8 }),
	     "ShADafgF", "SF");
}

static void gap_filled_by_a_retransmission_is_no_gap(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, P_ | A_, 11, 1, 10, 3 }, { O, P_ | A_, 1, 1, 10, 4 },
		  { R, A_, 1, 21, 0, 5 }),
	     "ShADTa", "S1");
}

static void fin_and_rst_together_is_I(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, F_ | R_ | A_, 1, 1, 0, 3 }), "ShAI", "RSTO");
}

static void syn_with_rst_is_Q_too(void **state)
{
	(void)state;
	play(SEGS({ O, S_ | R_, 0, 0, 0, 0 }), "Q", "OTH");
}

static void checksum_errors_are_C_at_the_1st_and_10th(void **state)
{
	struct seg s[12];
	(void)state;
	/* ACKs: a bad SYN would start a new connection each time (IsReuse
	 * finds the originator's start still 0). */
	for (int i = 0; i < 12; i++)
		s[i] = (struct seg){ O, A_, 1, 1, 0, i, BADSUM };
	play(s, 9, "C", "OTH");
	play(s, 12, "CC", "OTH");
}

static void zero_window_after_the_peers_fin_is_not_W(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, F_ | A_, 1, 1, 0, 3 }, { R, A_, 1, 2, 0, 4, ZWIN }), "ShAFa",
	     "S2");
}

static void gap_is_not_counted_on_a_partial_connection(void **state)
{
	(void)state;
	/* Mid-stream: both ends PARTIAL, which is not "cleanly established". */
	play(SEGS({ O, P_ | A_, 1, 1, 10, 0 }, { R, A_, 1, 1011, 0, 1 }), "Da", "OTH");
}

static void syn_with_fin_is_Q(void **state)
{
	(void)state;
	play(SEGS({ O, S_ | F_, 0, 0, 0, 0 }), "Q", "SH");
}

static void retransmitted_fin_writes_no_second_F(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, F_ | A_, 1, 1, 0, 3 }, { O, F_ | A_, 1, 1, 0, 4 }), "ShAF", "S2");
}

static void fin_at_a_new_position_writes_F_again(void **state)
{
	(void)state;
	/* A FIN, then 10 bytes it had not sent and a FIN after them. */
	play(SEGS(HANDSHAKE, { O, F_ | A_, 1, 1, 0, 3 }, { O, F_ | P_ | A_, 1, 1, 10, 4 }), "ShAFF",
	     "S2");
}

static void rst_at_a_new_sequence_number_writes_R_again(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { R, R_, 1, 0, 0, 3 }, { R, R_, 1, 0, 0, 4 }), "ShAr", "RSTR");
	play(SEGS(HANDSHAKE, { R, R_, 1, 0, 0, 3 }, { R, R_, 2, 0, 0, 4 }), "ShArr", "RSTR");
}

static void first_segment_from_a_server_port_flips_with_a_caret(void **state)
{
	(void)state;
	/* Data from port 80 first: the other end is Zeek's originator. */
	play(SEGS({ R, P_ | A_, 1, 1, 10, 0 }, { O, A_, 1, 11, 0, 1 }), "^dA", "OTH");
}

static void syn_ack_then_ack_flips_on_the_second_segment(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	static uint8_t none[SF_ZEEK_PORTMAP_BYTES];
	(void)state;
	/* No likely server ports: the SYN-ACK's sender starts as originator,
	 * and the ACK after it turns the history round: "H" becomes "^h". */
	cfg.server_ports = none;
	play_cfg(SEGS({ R, S_ | A_, 0, 1, 0, 0 }, { O, A_, 1, 1, 0, 1 },
		      { O, P_ | A_, 1, 1, 10, 2 }, { O, F_ | A_, 11, 1, 0, 3 },
		      { R, F_ | A_, 1, 12, 0, 4 }),
		 &cfg, &sp, "^hADFf", "SF");
}

static void syn_after_its_syn_ack_flips_the_roles(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	static uint8_t none[SF_ZEEK_PORTMAP_BYTES];
	(void)state;
	cfg.server_ports = none;
	play_cfg(SEGS({ R, S_ | A_, 0, 1, 0, 0 }, { O, S_, 0, 0, 0, 1 }), &cfg, &sp, "Hs^", "S1");
	assert_int_equal(sp.n, 0);
}

static void syn_with_a_new_isn_starts_a_new_zeek_connection(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	(void)state;
	play_cfg(SEGS({ O, S_, 0, 0, 0, 0 }, { R, R_ | A_, 0, 1, 0, 1 }, { O, S_, 77, 0, 0, 2 }),
		 &cfg, &sp, "S", "S0");
	assert_int_equal(sp.n, 1);
	assert_string_equal(sp.history[0], "Sr");
	assert_string_equal(sp.state[0], "REJ");
}

/* --- Zeek's timers end connections the tracker keeps --------------------- */

static void unanswered_syn_ends_after_5_s(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	(void)state;
	/* The originator talks without an answer; 5 s after its SYN Zeek
	 * removes the attempt, and the rest is a new connection. */
	play_cfg(SEGS({ O, S_, 0, 0, 0, 0 }, { O, A_, 1, 1, 0, 100 }, { O, P_ | A_, 1, 1, 10, 200 },
		      { O, P_ | A_, 11, 1, 10, 5200 }, { O, A_, 21, 1, 0, 5250 },
		      { O, F_ | A_, 21, 1, 0, 5300 }),
		 &cfg, &sp, "DAF", "SH");
	assert_int_equal(sp.n, 1);
	assert_string_equal(sp.history[0], "SAD");
	assert_string_equal(sp.state[0], "S0");
}

static void closed_connection_absorbs_segments_for_5_s(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	(void)state;
	play_cfg(SEGS({ O, S_, 0, 0, 0, 0 }, { R, R_ | A_, 0, 1, 0, 1 },
		      { R, R_ | A_, 0, 1, 0, 4000 }),
		 &cfg, &sp, "Sr", "REJ");
	assert_int_equal(sp.n, 0);
	play_cfg(SEGS({ O, S_, 0, 0, 0, 0 }, { R, R_ | A_, 0, 1, 0, 1 },
		      { R, R_ | A_, 0, 1, 0, 5002 }),
		 &cfg, &sp, "^r", "RSTRH");
	assert_int_equal(sp.n, 1);
	assert_string_equal(sp.history[0], "Sr");
}

static void idle_connection_ends_after_300_s_once_established(void **state)
{
	struct sf_zeek_cfg cfg = { 0 };
	struct splits sp = { 0 };
	(void)state;
	/* 299.999 s after the last segment is not idle enough, 300 s is. */
	play_cfg(SEGS(HANDSHAKE, { O, P_ | A_, 1, 1, 10, 300001 }), &cfg, &sp, "ShAD", "S1");
	assert_int_equal(sp.n, 0);
	play_cfg(SEGS(HANDSHAKE, { O, P_ | A_, 1, 1, 10, 300002 }), &cfg, &sp, "D", "OTH");
	assert_int_equal(sp.n, 1);
	assert_string_equal(sp.history[0], "ShA");
}

static void history_keeps_its_first_sixteen_nibbles(void **state)
{
	struct seg s[64];
	size_t n = 0;
	(void)state;
	/* RSTs that move each time write an 'R' each, until the string is full. */
	s[n++] = (struct seg){ O, S_, 0, 0, 0, 0 };
	for (uint32_t i = 0; i < 40; i++)
		s[n++] = (struct seg){ O, R_, 1 + i % 2, 0, 0, 1 + (int64_t)i };
	play(s, n, "SRRRRRRRRRRRRRRR", "RSTOS0");
	/* A letter that no longer fits closes the string: a shorter one after
	 * it must not be kept in its place. Here 15 nibbles are used, I needs
	 * two, and the D after it would fit in one. */
	n = 15;
	s[n++] = (struct seg){ O, F_ | R_, 2, 0, 0, 100 };
	s[n++] = (struct seg){ O, A_, 2, 1, 10, 101 };
	play(s, n, "SRRRRRRRRRRRRRR", "RSTOS0");
}

/* --- conn_state, one test per value ------------------------------------------ */

static void conn_state_S0_is_a_syn_without_answer(void **state)
{
	(void)state;
	play(SEGS({ O, S_, 0, 0, 0, 0 }), "S", "S0");
}

static void conn_state_S1_is_established_and_open(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE), "ShA", "S1");
}

static void conn_state_SF_is_a_normal_close(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, F_ | A_, 1, 1, 0, 3 }, { R, F_ | A_, 1, 2, 0, 4 },
		  { O, A_, 2, 2, 0, 5 }),
	     "ShAFf", "SF");
}

static void conn_state_REJ_is_a_refused_syn(void **state)
{
	(void)state;
	play(SEGS({ O, S_, 0, 0, 0, 0 }, { R, R_ | A_, 0, 1, 0, 1 }), "Sr", "REJ");
}

static void conn_state_REJ_also_when_both_reset_without_data(void **state)
{
	(void)state;
	play(SEGS({ O, S_, 0, 0, 0, 0 }, { O, R_, 1, 0, 0, 1 }, { R, R_ | A_, 0, 1, 0, 2 }), "SRr",
	     "REJ");
}

static void conn_state_both_reset_after_data_is_RSTR_not_REJ(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, P_ | A_, 1, 1, 10, 3 }, { O, R_, 11, 0, 0, 4 },
		  { R, R_, 1, 0, 0, 5 }),
	     "ShADRr", "RSTR");
}

static void rst_after_syn_and_ack_without_answer_is_OTH_not_RSTOS0(void **state)
{
	(void)state;
	/* RSTOS0 wants no H, A, F, G, I or Q between the S and the R. */
	play(SEGS({ O, S_, 0, 0, 0, 0 }, { O, A_, 1, 1, 0, 1 }, { O, R_, 1, 0, 0, 2 }), "SAR",
	     "OTH");
}

static void conn_state_S2_is_the_originator_closed_alone(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, F_ | A_, 1, 1, 0, 3 }, { R, A_, 1, 2, 0, 4 }), "ShAFa", "S2");
}

static void conn_state_S3_is_the_responder_closed_alone(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { R, F_ | A_, 1, 1, 0, 3 }, { O, A_, 1, 2, 0, 4 }), "ShAf", "S3");
}

static void conn_state_RSTO_is_the_originator_aborting(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { O, R_ | A_, 1, 1, 0, 3 }), "ShAR", "RSTO");
}

static void conn_state_RSTR_is_the_responder_aborting(void **state)
{
	(void)state;
	play(SEGS(HANDSHAKE, { R, R_ | A_, 1, 1, 0, 3 }), "ShAr", "RSTR");
}

static void conn_state_RSTOS0_is_a_syn_then_its_rst(void **state)
{
	(void)state;
	play(SEGS({ O, S_, 0, 0, 0, 0 }, { O, R_, 1, 0, 0, 1 }), "SR", "RSTOS0");
}

static void conn_state_RSTRH_is_a_responder_rst_without_handshake(void **state)
{
	(void)state;
	/* A lone RST from port 80: flipped, the responder reset. */
	play(SEGS({ R, R_ | A_, 1, 1, 0, 0 }), "^r", "RSTRH");
}

static void conn_state_SH_is_syn_and_fin_without_answer(void **state)
{
	(void)state;
	play(SEGS({ O, S_, 0, 0, 0, 0 }, { O, F_, 1, 0, 0, 1 }), "SF", "SH");
}

static void conn_state_SHR_is_a_responder_fin_without_handshake(void **state)
{
	(void)state;
	play(SEGS({ R, F_ | A_, 1, 1, 0, 0 }, { O, A_, 1, 2, 0, 1 }), "^fA", "SHR");
}

static void conn_state_OTH_is_anything_else(void **state)
{
	(void)state;
	play(SEGS({ O, P_ | A_, 1, 1, 10, 0 }), "D", "OTH");
	play(SEGS({ O, S_, 0, 0, 0, 0, BADSUM }), "C", "OTH");
}

/* --- through the tracker ------------------------------------------------------ */

static void tracker_passes_its_zeek_config_and_splits(void **state)
{
	struct splits sp = { 0 };
	struct sf_track_cfg cfg = { .msl = 30000000000LL,
				    .idle_timeout = 300000000000LL,
				    .max_conns = 4 };
	static const struct seg s[] = { { O, S_, 0, 0, 0, 0, BADSUM },
					{ O, S_, 0, 0, 0, 1000 },
					{ O, S_, 0, 0, 0, 7000 } };
	struct sf_track *t = NULL;
	struct sf_seg_info info;
	char h[SF_ZEEK_HIST_MAX + 1];
	(void)state;
	cfg.zeek.split = on_split;
	cfg.zeek.split_arg = &sp;
	t = sf_track_new(&cfg, NULL, NULL);
	assert_non_null(t);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct sf_frame f = frame_of(&s[i]);
		assert_true(sf_track_seg(t, &f, s[i].ms * 1000000, &info));
	}
	/* One tracked connection (a SYN retransmitted), three Zeek ones: the
	 * bad-checksum SYN left Zeek's originator without a start, so the good
	 * one reuses the tuple; that attempt ends 5 s later. */
	assert_int_equal(info.conn->stream, 0);
	assert_int_equal(sp.n, 2);
	assert_string_equal(sp.history[0], "C");
	assert_string_equal(sp.state[0], "OTH");
	assert_string_equal(sp.history[1], "S");
	assert_string_equal(sp.state[1], "S0");
	assert_string_equal(sf_zeek_history(&info.conn->zeek, h, sizeof(h)), "S");
	sf_track_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_data_and_close_write_ShADadFf),
		cmocka_unit_test(a_letter_comes_once_per_direction),
		cmocka_unit_test(retransmitted_syn_writes_no_second_S),
		cmocka_unit_test(retransmitted_data_is_T_at_the_1st_10th_and_100th),
		cmocka_unit_test(zero_window_is_W_but_not_on_a_rst),
		cmocka_unit_test(bad_checksum_is_C_and_the_segment_goes_no_further),
		cmocka_unit_test(ack_past_data_never_seen_is_a_gap_g),
		cmocka_unit_test(gap_filled_by_a_retransmission_is_no_gap),
		cmocka_unit_test(fin_and_rst_together_is_I),
		cmocka_unit_test(syn_with_rst_is_Q_too),
		cmocka_unit_test(checksum_errors_are_C_at_the_1st_and_10th),
		cmocka_unit_test(zero_window_after_the_peers_fin_is_not_W),
		cmocka_unit_test(gap_is_not_counted_on_a_partial_connection),
		cmocka_unit_test(syn_with_fin_is_Q),
		cmocka_unit_test(retransmitted_fin_writes_no_second_F),
		cmocka_unit_test(fin_at_a_new_position_writes_F_again),
		cmocka_unit_test(rst_at_a_new_sequence_number_writes_R_again),
		cmocka_unit_test(first_segment_from_a_server_port_flips_with_a_caret),
		cmocka_unit_test(syn_ack_then_ack_flips_on_the_second_segment),
		cmocka_unit_test(syn_after_its_syn_ack_flips_the_roles),
		cmocka_unit_test(syn_with_a_new_isn_starts_a_new_zeek_connection),
		cmocka_unit_test(unanswered_syn_ends_after_5_s),
		cmocka_unit_test(closed_connection_absorbs_segments_for_5_s),
		cmocka_unit_test(idle_connection_ends_after_300_s_once_established),
		cmocka_unit_test(history_keeps_its_first_sixteen_nibbles),
		cmocka_unit_test(conn_state_S0_is_a_syn_without_answer),
		cmocka_unit_test(conn_state_S1_is_established_and_open),
		cmocka_unit_test(conn_state_SF_is_a_normal_close),
		cmocka_unit_test(conn_state_REJ_is_a_refused_syn),
		cmocka_unit_test(conn_state_REJ_also_when_both_reset_without_data),
		cmocka_unit_test(conn_state_both_reset_after_data_is_RSTR_not_REJ),
		cmocka_unit_test(rst_after_syn_and_ack_without_answer_is_OTH_not_RSTOS0),
		cmocka_unit_test(conn_state_S2_is_the_originator_closed_alone),
		cmocka_unit_test(conn_state_S3_is_the_responder_closed_alone),
		cmocka_unit_test(conn_state_RSTO_is_the_originator_aborting),
		cmocka_unit_test(conn_state_RSTR_is_the_responder_aborting),
		cmocka_unit_test(conn_state_RSTOS0_is_a_syn_then_its_rst),
		cmocka_unit_test(conn_state_RSTRH_is_a_responder_rst_without_handshake),
		cmocka_unit_test(conn_state_SH_is_syn_and_fin_without_answer),
		cmocka_unit_test(conn_state_SHR_is_a_responder_fin_without_handshake),
		cmocka_unit_test(conn_state_OTH_is_anything_else),
		cmocka_unit_test(tracker_passes_its_zeek_config_and_splits),
	};
	return cmocka_run_group_tests_name("zeek", tests, NULL, NULL);
}
