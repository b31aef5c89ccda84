/* tests/test_seqan.c: tshark's TCP analysis notes, one behaviour at a time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "decode/seqan.h"

#define O 0 /* originator */
#define R 1 /* responder */

#define SYN  SF_TH_SYN
#define ACK  SF_TH_ACK
#define FIN  SF_TH_FIN
#define RST  SF_TH_RST
#define PSH  SF_TH_PSH
#define WIN  65535
#define ISNO 1000u /* originator's ISN */
#define ISNR 5000u /* responder's ISN */

/* Capture time: an hour past the epoch plus x ms (a time of exactly 0 is
 * tshark's "unset"). */
#define MS(x) (3600000000000LL + (int64_t)(x)*1000000)

/* One connection's state, fresh for each test. */
static int setup(void **state)
{
	struct sf_seqan *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* A segment as the decoder leaves it: IPv4, a 20-byte header, all captured. */
static struct sf_frame frame_of(uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
				uint16_t win)
{
	struct sf_frame f;
	memset(&f, 0, sizeof(f));
	f.kind = SF_FRAME_TCP;
	f.rc = SF_DEC_OK;
	f.ip.ver = 4;
	f.tcp.fixed_ok = true;
	f.tcp.flags = flags;
	f.tcp.seq = seq;
	f.tcp.ack = ack;
	f.tcp.win = win;
	f.tcp.hlen = SF_TCP_HDR_MIN;
	f.tcp.paylen = len;
	f.tcp.paycap = len;
	f.tcp.seglen = SF_TCP_HDR_MIN + len;
	return f;
}

static struct sf_seqan_out feed(struct sf_seqan *s, int dir, const struct sf_frame *f, int64_t ms)
{
	struct sf_seqan_out out;
	sf_seqan_seg(s, dir, f, MS(ms), false, &out);
	return out;
}

/* One segment; returns its notes. */
static uint32_t seg(struct sf_seqan *s, int dir, uint16_t flags, uint32_t seq, uint32_t ack,
		    uint32_t len, int64_t ms)
{
	struct sf_frame f = frame_of(flags, seq, ack, len, WIN);
	return feed(s, dir, &f, ms).notes;
}

static uint32_t seg_win(struct sf_seqan *s, int dir, uint16_t flags, uint32_t seq, uint32_t ack,
			uint32_t len, uint16_t win, int64_t ms)
{
	struct sf_frame f = frame_of(flags, seq, ack, len, win);
	return feed(s, dir, &f, ms).notes;
}

/* SYN at 0 ms, SYN,ACK at 100 ms, ACK at 200 ms: an initial RTT of 200 ms,
 * which is the out-of-order threshold from then on. No window scaling. */
static void handshake(struct sf_seqan *s)
{
	assert_int_equal(seg(s, O, SYN, ISNO, 0, 0, 0), 0);
	assert_int_equal(seg(s, R, SYN | ACK, ISNR, ISNO + 1, 0, 100), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 0, 200), 0);
}

static void completeness_is_shown_before_the_segment_counts(void **state)
{
	struct sf_seqan *s = *state;
	static const struct {
		int dir;
		uint16_t flags;
		uint32_t seq, ack, len;
		uint8_t shown;
	} steps[] = {
		{ O, SYN, ISNO, 0, 0, 0 },
		{ R, SYN | ACK, ISNR, ISNO + 1, 0, 1 },
		{ O, ACK, ISNO + 1, ISNR + 1, 0, 3 },
		{ O, ACK | PSH, ISNO + 1, ISNR + 1, 10, 7 },
		{ R, ACK, ISNR + 1, ISNO + 11, 0, 15 },
		{ O, FIN | ACK, ISNO + 11, ISNR + 1, 0, 15 },
		{ R, RST, ISNR + 1, 0, 0, 31 },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct sf_frame f =
			frame_of(steps[i].flags, steps[i].seq, steps[i].ack, steps[i].len, WIN);
		assert_int_equal(feed(s, steps[i].dir, &f, (int64_t)i * 10).completeness,
				 steps[i].shown);
	}
	assert_int_equal(sf_seqan_completeness(s), 63);
}

static void a_stream_seen_mid_flow_gets_no_syn_bit(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame data = frame_of(ACK, ISNO + 1, ISNR + 1, 10, WIN);
	struct sf_frame ack = frame_of(ACK, ISNR + 1, ISNO + 11, 0, WIN);
	/* The first segment of a stream only ever brings SYN and SYN-data bits. */
	assert_int_equal(feed(s, O, &data, 0).completeness, 0);
	assert_int_equal(feed(s, R, &ack, 1).completeness, 0);
	assert_int_equal(sf_seqan_completeness(s), SF_COMPL_ACK);
}

static void a_handshake_alone_has_no_notes(void **state)
{
	handshake(*state);
}

static void old_data_after_the_initial_rtt_is_a_retransmission(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 310), 0);
	/* 290 ms after the highest segment, more than the 200 ms iRTT. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 600), SF_NOTE_RETRANSMISSION);
}

static void old_data_within_the_initial_rtt_is_out_of_order(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 300), SF_NOTE_LOST_SEGMENT);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 310), SF_NOTE_OUT_OF_ORDER);
}

static void an_exact_duplicate_is_a_retransmission_however_soon(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	/* It still ends at nextseq, so it cannot be out of order (spec Q6). */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 301), SF_NOTE_RETRANSMISSION);
}

static void time_running_backwards_is_never_within_a_threshold(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 310), 0);
	/* 5 ms before the segment that raised nextseq: tshark's unsigned
	 * difference is huge, so this is no reordering. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 305), SF_NOTE_RETRANSMISSION);
}

static void no_initial_rtt_means_a_three_ms_threshold(void **state)
{
	struct sf_seqan *s = *state;
	/* Mid-stream: no SYN was seen, so out-of-order means within 3 ms. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 0), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 10), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 12), SF_NOTE_OUT_OF_ORDER);
	assert_int_equal(seg(s, O, ACK, ISNO + 201, ISNR + 1, 100, 20), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 24), SF_NOTE_RETRANSMISSION);
}

static void a_syn_at_time_zero_starts_no_initial_rtt(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame f = frame_of(SYN, ISNO, 0, 0, WIN);
	struct sf_seqan_out o;

	sf_seqan_seg(s, O, &f, 0, false, &o); /* 1970-01-01 00:00:00.000000000 */
	f = frame_of(SYN | ACK, ISNR, ISNO + 1, 0, WIN);
	sf_seqan_seg(s, R, &f, 100000000, false, &o);
	f = frame_of(ACK, ISNO + 1, ISNR + 1, 0, WIN);
	sf_seqan_seg(s, O, &f, 200000000, false, &o);
	f = frame_of(ACK, ISNO + 101, ISNR + 1, 100, WIN);
	sf_seqan_seg(s, O, &f, 300000000, false, &o);
	/* 10 ms later is past the 3 ms used when no iRTT is known. */
	f = frame_of(ACK, ISNO + 1, ISNR + 1, 100, WIN);
	sf_seqan_seg(s, O, &f, 310000000, false, &o);
	assert_int_equal(o.notes, SF_NOTE_RETRANSMISSION);
}

static void duplicate_acks_count_until_the_ack_moves(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame f = frame_of(ACK, ISNO + 1, ISNR + 1, 0, WIN);
	struct sf_seqan_out o;

	handshake(s);
	for (uint32_t n = 1; n <= 3; n++) {
		o = feed(s, O, &f, 200 + n);
		assert_int_equal(o.notes, SF_NOTE_DUPLICATE_ACK);
		assert_int_equal(o.dupack, n);
	}
	/* Data is never a duplicate ACK, and does not end the run. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 10, 210), 0);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 11, 10, 220), 0);
	f = frame_of(ACK, ISNO + 11, ISNR + 11, 0, WIN);
	assert_int_equal(feed(s, O, &f, 230).notes, 0); /* a new ack */
	o = feed(s, O, &f, 231);
	assert_int_equal(o.notes, SF_NOTE_DUPLICATE_ACK);
	assert_int_equal(o.dupack, 1);
}

static void a_new_window_is_a_window_update_not_a_duplicate(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg_win(s, O, ACK, ISNO + 1, ISNR + 1, 0, 1000, 210),
			 SF_NOTE_WINDOW_UPDATE);
	/* Repeated with the same window it is a duplicate again. */
	assert_int_equal(seg_win(s, O, ACK, ISNO + 1, ISNR + 1, 0, 1000, 220),
			 SF_NOTE_DUPLICATE_ACK);
}

static void two_duplicate_acks_make_a_fast_retransmission(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_seqan_out o;
	struct sf_frame dup = frame_of(ACK, ISNR + 1, ISNO + 1, 0, WIN);

	handshake(s);
	/* ISNO+1..+101 was lost before the capture point. */
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 300), SF_NOTE_LOST_SEGMENT);
	for (uint32_t n = 1; n <= 2; n++) {
		o = feed(s, R, &dup, 300 + n);
		assert_int_equal(o.notes, SF_NOTE_DUPLICATE_ACK);
		assert_int_equal(o.dupack, n);
	}
	/* 3 ms after the last duplicate: fast, ahead of out-of-order. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 305), SF_NOTE_FAST_RETRANSMISSION);
}

static void a_late_answer_to_duplicate_acks_is_not_fast(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame dup = frame_of(ACK, ISNR + 1, ISNO + 1, 0, WIN);

	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 300), SF_NOTE_LOST_SEGMENT);
	(void)feed(s, R, &dup, 301);
	(void)feed(s, R, &dup, 302);
	/* 25 ms after the peer's last segment: past the 20 ms window. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 327), SF_NOTE_OUT_OF_ORDER);
}

static void data_already_acknowledged_is_a_spurious_retransmission(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 101, 0, 310), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 320),
			 SF_NOTE_SPURIOUS_RETRANSMISSION);
}

static void a_gap_is_a_lost_segment_but_not_on_a_reset(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 201, ISNR + 1, 100, 310), SF_NOTE_LOST_SEGMENT);
	assert_int_equal(seg(s, O, RST, ISNO + 5000, 0, 0, 320), 0);
}

static void an_ack_beyond_what_was_sent_is_an_acked_unseen_segment(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 500, 0, 300), SF_NOTE_ACK_LOST_SEGMENT);
	/* The same ack again is not, but it is a duplicate. */
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 500, 0, 310), SF_NOTE_DUPLICATE_ACK);
}

static void an_ack_covering_a_gap_is_an_acked_unseen_segment(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 100, 300), SF_NOTE_LOST_SEGMENT);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 201, 0, 310), SF_NOTE_ACK_LOST_SEGMENT);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 201, 0, 320), SF_NOTE_DUPLICATE_ACK);
}

static void a_closed_window_is_a_zero_window_except_on_syn_fin_rst(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg_win(s, R, ACK, ISNR + 1, ISNO + 1, 0, 0, 300), SF_NOTE_ZERO_WINDOW);
	assert_int_equal(seg_win(s, R, FIN | ACK, ISNR + 1, ISNO + 1, 0, 0, 310), 0);
	assert_int_equal(seg_win(s, R, RST, ISNR + 2, 0, 0, 0, 320), 0);
}

static void one_byte_into_a_closed_window_is_a_probe_and_its_ack_a_probe_ack(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg_win(s, R, ACK, ISNR + 1, ISNO + 1, 0, 0, 300), SF_NOTE_ZERO_WINDOW);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 1, 310), SF_NOTE_ZERO_WINDOW_PROBE);
	assert_int_equal(seg_win(s, R, ACK, ISNR + 1, ISNO + 1, 0, 0, 320),
			 SF_NOTE_ZERO_WINDOW | SF_NOTE_ZERO_WINDOW_PROBE_ACK);
	/* The probe did not move nextseq: the same byte again is one more probe. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 1, 330), SF_NOTE_ZERO_WINDOW_PROBE);
	/* An open window ends it: data at the same place is new data. */
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 1, 0, 340), SF_NOTE_WINDOW_UPDATE);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 350), 0);
}

static void filling_the_scaled_window_exactly_is_window_full(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame syn = frame_of(SYN, ISNO, 0, 0, WIN);
	struct sf_frame synack = frame_of(SYN | ACK, ISNR, ISNO + 1, 0, 100);

	syn.tcp.has = SF_TCP_HAS_WS;
	syn.tcp.wscale = 2;
	synack.tcp.has = SF_TCP_HAS_WS;
	synack.tcp.wscale = 3;
	(void)feed(s, O, &syn, 0);
	(void)feed(s, R, &synack, 100);
	/* The SYN,ACK's window is not scaled: 100 bytes. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 200), SF_NOTE_WINDOW_FULL);
	/* Once it has ACKed, its window is scaled: 100 << 3. */
	assert_int_equal(seg_win(s, R, ACK, ISNR + 1, ISNO + 101, 0, 100, 300), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 101, ISNR + 1, 799, 310), 0);
	assert_int_equal(seg(s, O, ACK, ISNO + 900, ISNR + 1, 1, 320), SF_NOTE_WINDOW_FULL);
}

static void a_syn_without_window_scaling_turns_it_off_for_both(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame synack = frame_of(SYN | ACK, ISNR, ISNO + 1, 0, 100);

	synack.tcp.has = SF_TCP_HAS_WS;
	synack.tcp.wscale = 3;
	assert_int_equal(seg(s, O, SYN, ISNO, 0, 0, 0), 0);
	(void)feed(s, R, &synack, 100);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 10, 200), 0);
	assert_int_equal(seg_win(s, R, ACK, ISNR + 1, ISNO + 11, 0, 100, 300), 0);
	/* The SYN had no option, so the shift of 3 is not used: 100 bytes. */
	assert_int_equal(seg(s, O, ACK, ISNO + 11, ISNR + 1, 100, 310), SF_NOTE_WINDOW_FULL);
}

static void a_byte_behind_nextseq_is_a_keep_alive_and_its_answer_a_keep_alive_ack(void **state)
{
	struct sf_seqan *s = *state;
	handshake(s);
	assert_int_equal(seg(s, O, ACK | PSH, ISNO + 1, ISNR + 1, 10, 300), 0);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 11, 0, 310), 0);
	/* One byte behind, with or without a byte: never a retransmission. */
	assert_int_equal(seg(s, O, ACK, ISNO + 10, ISNR + 1, 0, 10000), SF_NOTE_KEEP_ALIVE);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 11, 0, 10001), SF_NOTE_KEEP_ALIVE_ACK);
	assert_int_equal(seg(s, O, ACK, ISNO + 10, ISNR + 1, 1, 20000), SF_NOTE_KEEP_ALIVE);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 11, 0, 20001), SF_NOTE_KEEP_ALIVE_ACK);
	/* Without a keep-alive before it, the same ACK is a duplicate. */
	assert_int_equal(seg(s, O, ACK, ISNO + 11, ISNR + 1, 10, 20010), 0);
	assert_int_equal(seg(s, R, ACK, ISNR + 1, ISNO + 11, 0, 20011), SF_NOTE_DUPLICATE_ACK);
}

static void a_syn_with_the_same_isn_is_a_retransmission(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame syn = frame_of(SYN, ISNO, 0, 0, WIN);
	struct sf_seqan_out o;

	(void)feed(s, O, &syn, 0);
	o = feed(s, O, &syn, 1000);
	assert_int_equal(o.notes, SF_NOTE_RETRANSMISSION);
	assert_int_equal(o.completeness, SF_COMPL_SYN);
}

static void a_syn_with_another_isn_reuses_the_ports(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame syn = frame_of(SYN, ISNO + 7777, 0, 0, WIN);
	struct sf_seqan_out o;

	handshake(s);
	assert_int_equal(seg(s, O, ACK | FIN, ISNO + 1, ISNR + 1, 0, 300), 0);
	/* A new stream, whether or not the caller began a new connection;
	 * shown with the SYN bit tshark's reuse path sets. */
	o = feed(s, O, &syn, 400);
	assert_int_equal(o.notes, SF_NOTE_REUSED_PORTS);
	assert_int_equal(o.completeness, SF_COMPL_SYN);
	/* The old stream's numbers are gone: its SYN,ACK is no retransmission. */
	assert_int_equal(seg(s, R, SYN | ACK, ISNR + 9, ISNO + 7778, 0, 500), 0);
	assert_int_equal(sf_seqan_completeness(s), SF_COMPL_SYN | SF_COMPL_SYNACK);
}

static void tshark_begins_a_stream_only_at_a_syn_with_a_new_isn(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame syn = frame_of(SYN, ISNO, 0, 0, WIN);
	struct sf_frame other = frame_of(SYN, ISNO + 5, 0, 0, WIN);
	struct sf_frame synack = frame_of(SYN | ACK, ISNO + 5, ISNR + 1, 0, WIN);
	struct sf_frame rsyn = frame_of(SYN, ISNR, 0, 0, WIN);
	struct sf_frame rother = frame_of(SYN, ISNR + 1, 0, 0, WIN);

	assert_false(sf_seqan_new_stream(s, O, &other)); /* no stream yet */
	/* Seen mid-stream: the base is the first sequence number less one,
	 * and the peer's is the first ack less one. */
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 10, 0), 0);
	assert_false(sf_seqan_new_stream(s, O, &syn));
	assert_true(sf_seqan_new_stream(s, O, &other));
	assert_false(sf_seqan_new_stream(s, O, &synack)); /* only flagged */
	assert_false(sf_seqan_new_stream(s, R, &rsyn));
	assert_true(sf_seqan_new_stream(s, R, &rother));
}

static void the_callers_reuse_starts_a_new_stream(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame syn = frame_of(SYN, ISNO, 0, 0, WIN);
	struct sf_seqan_out o;

	handshake(s);
	sf_seqan_seg(s, O, &syn, MS(400), true, &o);
	assert_int_equal(o.notes, SF_NOTE_REUSED_PORTS);
	assert_int_equal(o.completeness, SF_COMPL_SYN);
}

static void a_syn_ack_with_another_isn_is_flagged_but_stays(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_seqan_out o;
	struct sf_frame synack = frame_of(SYN | ACK, ISNR - 4242, ISNO + 1, 0, WIN);

	handshake(s);
	o = feed(s, R, &synack, 300);
	/* A new ISN below the old nextseq is also a retransmission. */
	assert_int_equal(o.notes, SF_NOTE_REUSED_PORTS | SF_NOTE_RETRANSMISSION);
	assert_int_equal(o.completeness, 7);
	assert_int_equal(sf_seqan_completeness(s), 7);
}

static void sequence_numbers_wrap_past_2_32(void **state)
{
	struct sf_seqan *s = *state;
	const uint32_t isn = 0xffffff00u;

	assert_int_equal(seg(s, O, SYN, isn, 0, 0, 0), 0);
	assert_int_equal(seg(s, R, SYN | ACK, ISNR, isn + 1, 0, 100), 0);
	assert_int_equal(seg(s, O, ACK, isn + 1, ISNR + 1, 0, 200), 0);
	/* 0xffffff01 + 0x100 crosses zero: the next segment follows on. */
	assert_int_equal(seg(s, O, ACK, isn + 1, ISNR + 1, 0x100, 300), 0);
	assert_int_equal(seg(s, O, ACK, 0x01, ISNR + 1, 0x100, 310), 0);
	assert_int_equal(seg(s, O, ACK, 0x301, ISNR + 1, 0x100, 320), SF_NOTE_LOST_SEGMENT);
	/* Behind, across the wrap: out of order, then a retransmission. */
	assert_int_equal(seg(s, O, ACK, isn + 1, ISNR + 1, 0x100, 330), SF_NOTE_OUT_OF_ORDER);
	assert_int_equal(seg(s, O, ACK, isn + 1, ISNR + 1, 0x100, 900), SF_NOTE_RETRANSMISSION);
	/* An ack across the wrap covers it: spurious. */
	assert_int_equal(seg(s, R, ACK, ISNR + 1, 0x101, 0, 910), 0);
	assert_int_equal(seg(s, O, ACK, isn + 1, ISNR + 1, 0x100, 920),
			 SF_NOTE_SPURIOUS_RETRANSMISSION);
}

static void a_segment_ending_at_zero_leaves_nextseq_unset(void **state)
{
	struct sf_seqan *s = *state;
	/* tshark takes nextseq 0 for "not known yet" (spec Q1): the gap after
	 * a segment ending at 2^32 is not seen. */
	assert_int_equal(seg(s, O, ACK, 0xffffff00u, ISNR + 1, 0x100, 0), 0);
	assert_int_equal(seg(s, O, ACK, 0x1000, ISNR + 1, 0x100, 10), 0);
	assert_int_equal(seg(s, O, ACK, 0x2000, ISNR + 1, 0x100, 20), SF_NOTE_LOST_SEGMENT);
}

static void options_cut_by_the_capture_hide_the_notes(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame f = frame_of(ACK, ISNO + 101, ISNR + 1, 100, WIN);
	struct sf_seqan_out o;

	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	f.rc = SF_DEC_TRUNCATED;
	f.why = SF_WHY_TCP_OPTS;
	o = feed(s, O, &f, 900);
	assert_int_equal(o.notes, 0);
	assert_int_equal(o.completeness, 15);
	/* ...but tshark analysed it: the same data again is a retransmission. */
	f.rc = SF_DEC_OK;
	f.why = SF_WHY_NONE;
	assert_int_equal(feed(s, O, &f, 1500).notes, SF_NOTE_RETRANSMISSION);
}

static void a_header_length_below_20_stops_before_completeness(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame f = frame_of(SYN | ACK, ISNR, ISNO + 1, 0, WIN);

	assert_int_equal(seg(s, O, SYN, ISNO, 0, 0, 0), 0);
	f.tcp.hlen = 16;
	f.rc = SF_DEC_MALFORMED;
	f.why = SF_WHY_TCP_DOFF;
	assert_int_equal(feed(s, R, &f, 100).notes, 0);
	assert_int_equal(sf_seqan_completeness(s), SF_COMPL_SYN);
}

static void a_fragment_is_not_analysed(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame f = frame_of(ACK, ISNO + 101, ISNR + 1, 100, WIN);

	handshake(s);
	assert_int_equal(seg(s, O, ACK, ISNO + 1, ISNR + 1, 100, 300), 0);
	f.ip.mf = true;
	assert_int_equal(feed(s, O, &f, 900).notes, 0);
	f.ip.mf = false;
	/* The fragment moved nothing: its data whole is new data. */
	assert_int_equal(feed(s, O, &f, 1500).notes, 0);
}

static void new_mptcp_subtypes_suppress_the_next_duplicate_ack(void **state)
{
	struct sf_seqan *s = *state;
	struct sf_frame f = frame_of(ACK, ISNO + 1, ISNR + 1, 0, WIN);

	handshake(s);
	f.tcp.nopt = 1;
	f.tcp.opt[0].kind = SF_TCPOPT_MPTCP;
	f.tcp.opt[0].len = 4;
	f.tcp.opt[0].v1 = 2; /* DSS */
	/* Analysed before its own option counts. */
	assert_int_equal(feed(s, O, &f, 210).notes, SF_NOTE_DUPLICATE_ACK);
	assert_int_equal(feed(s, O, &f, 220).notes, 0);
	assert_int_equal(feed(s, O, &f, 230).notes, SF_NOTE_DUPLICATE_ACK);
}

static void each_note_has_tsharks_name_and_words(void **state)
{
	(void)state;
	assert_string_equal(sf_seqan_note_name(SF_NOTE_RETRANSMISSION), "retransmission");
	assert_string_equal(sf_seqan_note_name(SF_NOTE_DUPLICATE_ACK), "duplicate_ack");
	assert_string_equal(sf_seqan_note_name(SF_NOTE_ACK_LOST_SEGMENT), "ack_lost_segment");
	assert_string_equal(sf_seqan_note_name(SF_NOTE_REUSED_PORTS), "reused_ports");
	assert_string_equal(sf_seqan_note_text(SF_NOTE_RETRANSMISSION), "TCP Retransmission");
	assert_string_equal(sf_seqan_note_text(SF_NOTE_DUPLICATE_ACK), "TCP Dup ACK");
	assert_string_equal(sf_seqan_note_text(SF_NOTE_LOST_SEGMENT),
			    "TCP Previous segment not captured");
	assert_string_equal(sf_seqan_note_text(SF_NOTE_ZERO_WINDOW), "TCP ZeroWindow");
	assert_string_equal(sf_seqan_note_text(SF_NOTE_KEEP_ALIVE), "TCP Keep-Alive");
	for (unsigned i = 0; i < SF_NOTE_BITS; i++) {
		assert_string_not_equal(sf_seqan_note_name(1u << i), "?");
		assert_string_not_equal(sf_seqan_note_text(1u << i), "?");
	}
	assert_string_equal(sf_seqan_note_name(0), "?");
	assert_string_equal(sf_seqan_note_name(SF_NOTE_RETRANSMISSION | SF_NOTE_OUT_OF_ORDER), "?");
	assert_string_equal(sf_seqan_note_text(1u << SF_NOTE_BITS), "?");
}

static void the_state_fits_its_56_bytes(void **state)
{
	(void)state;
	assert_true(sizeof(struct sf_seqan) <= 56);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(completeness_is_shown_before_the_segment_counts),
		T(a_stream_seen_mid_flow_gets_no_syn_bit),
		T(a_handshake_alone_has_no_notes),
		T(old_data_after_the_initial_rtt_is_a_retransmission),
		T(old_data_within_the_initial_rtt_is_out_of_order),
		T(an_exact_duplicate_is_a_retransmission_however_soon),
		T(time_running_backwards_is_never_within_a_threshold),
		T(no_initial_rtt_means_a_three_ms_threshold),
		T(a_syn_at_time_zero_starts_no_initial_rtt),
		T(duplicate_acks_count_until_the_ack_moves),
		T(a_new_window_is_a_window_update_not_a_duplicate),
		T(two_duplicate_acks_make_a_fast_retransmission),
		T(a_late_answer_to_duplicate_acks_is_not_fast),
		T(data_already_acknowledged_is_a_spurious_retransmission),
		T(a_gap_is_a_lost_segment_but_not_on_a_reset),
		T(an_ack_beyond_what_was_sent_is_an_acked_unseen_segment),
		T(an_ack_covering_a_gap_is_an_acked_unseen_segment),
		T(a_closed_window_is_a_zero_window_except_on_syn_fin_rst),
		T(one_byte_into_a_closed_window_is_a_probe_and_its_ack_a_probe_ack),
		T(filling_the_scaled_window_exactly_is_window_full),
		T(a_syn_without_window_scaling_turns_it_off_for_both),
		T(a_byte_behind_nextseq_is_a_keep_alive_and_its_answer_a_keep_alive_ack),
		T(a_syn_with_the_same_isn_is_a_retransmission),
		T(a_syn_with_another_isn_reuses_the_ports),
		T(tshark_begins_a_stream_only_at_a_syn_with_a_new_isn),
		T(the_callers_reuse_starts_a_new_stream),
		T(a_syn_ack_with_another_isn_is_flagged_but_stays),
		T(sequence_numbers_wrap_past_2_32),
		T(a_segment_ending_at_zero_leaves_nextseq_unset),
		T(options_cut_by_the_capture_hide_the_notes),
		T(a_header_length_below_20_stops_before_completeness),
		T(a_fragment_is_not_analysed),
		T(new_mptcp_subtypes_suppress_the_next_duplicate_ack),
		T(each_note_has_tsharks_name_and_words),
		T(the_state_fits_its_56_bytes),
	};
	return cmocka_run_group_tests_name("seqan", tests, NULL, NULL);
}
