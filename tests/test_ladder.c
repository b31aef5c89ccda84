/* tests/test_ladder.c: the ladder's layout arithmetic: columns, label forms, widths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cli/ladder.h"
#include "decode/tcp.h"

#define ELL "\xe2\x80\xa6" /* … */

static void layout_at_100_columns_matches_the_diagram(void **state)
{
	struct sf_ladder_layout lo;
	(void)state;
	/* "0.000000" + " " + "ESTABLISHED" + " ", then the left lifeline. */
	sf_ladder_layout(100, 8, 11, &lo);
	assert_int_equal(lo.left, 21);
	assert_int_equal(lo.right, 87); /* " " + 11 state columns after it */
	assert_int_equal(lo.arrow_w, 65);
	assert_int_equal(lo.width, 100);
}

static void layout_keeps_a_minimal_arrow_when_too_narrow(void **state)
{
	struct sf_ladder_layout lo;
	(void)state;
	sf_ladder_layout(40, 8, 11, &lo); /* fits: 5 columns of arrow */
	assert_int_equal(lo.arrow_w, 5);
	assert_int_equal(lo.width, 40);
	sf_ladder_layout(40, 12, 11, &lo); /* a long capture's times: wider than asked */
	assert_int_equal(lo.arrow_w, SF_LADDER_ARROW_MIN);
	assert_int_equal(lo.right - lo.left - 1, SF_LADDER_ARROW_MIN);
	assert_int_equal(lo.width, lo.right + 2 + 11);
	assert_true(lo.width > 40);
}

static void label_room_leaves_shafts_and_air_then_only_shafts(void **state)
{
	(void)state;
	assert_int_equal(sf_ladder_label_room(65), 59);
	assert_int_equal(sf_ladder_label_room(SF_LADDER_ARROW_TIGHT), SF_LADDER_ARROW_TIGHT - 6);
	assert_int_equal(sf_ladder_label_room(SF_LADDER_ARROW_TIGHT - 1),
			 SF_LADDER_ARROW_TIGHT - 3);
	assert_int_equal(sf_ladder_label_room(4), 2);
	assert_int_equal(sf_ladder_label_room(2), 0);
}

static void label_is_centred(void **state)
{
	(void)state;
	assert_int_equal(sf_ladder_label_start(65, 7), 29);
	assert_int_equal(sf_ladder_label_start(10, 4), 3);
	assert_int_equal(sf_ladder_label_start(4, 9), 0);
}

static const struct sf_ladder_seg data_seg = {
	.flags = SF_TH_PSH | SF_TH_ACK,
	.seq = 1,
	.ack = 1,
	.len = 18,
};

static void label_full_form_names_seq_ack_len(void **state)
{
	char b[128];
	(void)state;
	assert_int_equal(sf_ladder_label(b, sizeof(b), &data_seg, 60, false), 21);
	assert_string_equal(b, "P. seq 1 ack 1 len 18");
}

static void label_compact_form_when_the_full_one_does_not_fit(void **state)
{
	char b[128];
	(void)state;
	assert_int_equal(sf_ladder_label(b, sizeof(b), &data_seg, 20, false), 13);
	assert_string_equal(b, "P. 1:19 ack 1");
}

static void label_cut_at_a_word_end_with_an_ellipsis(void **state)
{
	char b[128];
	(void)state;
	/* "P. 1:19 ack 1" in 11 columns: "P. 1:19" and the mark. */
	assert_int_equal(sf_ladder_label(b, sizeof(b), &data_seg, 11, false), 8);
	assert_string_equal(b, "P. 1:19" ELL);
	assert_int_equal(sf_ladder_label(b, sizeof(b), &data_seg, 11, true), 10);
	assert_string_equal(b, "P. 1:19...");
}

static void label_keeps_the_flags_whole_when_they_fit(void **state)
{
	const struct sf_ladder_seg synack = { .flags = SF_TH_SYN | SF_TH_ACK, .ack = 1 };
	char b[128];
	(void)state;
	assert_int_equal(sf_ladder_label(b, sizeof(b), &synack, 2, false), 2);
	assert_string_equal(b, "S."); /* not "S…": that would read as a bare SYN */
	assert_int_equal(sf_ladder_label(b, sizeof(b), &synack, 3, false), 3);
	assert_string_equal(b, "S." ELL);
	assert_int_equal(sf_ladder_label(b, sizeof(b), &synack, 1, false), 1);
	assert_string_equal(b, "S");
	assert_int_equal(sf_ladder_label(b, sizeof(b), &synack, 0, false), 0);
	assert_string_equal(b, "");
}

static void label_shows_seq_as_tcpdump_does(void **state)
{
	const struct sf_ladder_seg ack = { .flags = SF_TH_ACK, .seq = 5, .ack = 19 };
	const struct sf_ladder_seg syn = { .flags = SF_TH_SYN };
	const struct sf_ladder_seg rst = { .flags = SF_TH_RST, .seq = 7 };
	const struct sf_ladder_seg odd = { .flags = SF_TH_ACK, .ack = 2, .unexpected = true };
	const struct sf_ladder_seg none = { 0 };
	char b[128];
	(void)state;
	sf_ladder_label(b, sizeof(b), &ack, 60, false);
	assert_string_equal(b, ". ack 19"); /* no data, no SYN/FIN/RST: no seq */
	sf_ladder_label(b, sizeof(b), &syn, 60, false);
	assert_string_equal(b, "S seq 0");
	sf_ladder_label(b, sizeof(b), &rst, 60, false);
	assert_string_equal(b, "R seq 7");
	sf_ladder_label(b, sizeof(b), &odd, 60, false);
	assert_string_equal(b, ". ack 2 [unexpected]");
	sf_ladder_label(b, sizeof(b), &none, 60, false);
	assert_string_equal(b, "none");
}

static void elide_keeps_both_ends_of_an_address(void **state)
{
	char b[64];
	(void)state;
	assert_int_equal(sf_ladder_elide(b, sizeof(b), "192.0.2.1:40000", 20, false), 15);
	assert_string_equal(b, "192.0.2.1:40000");
	assert_int_equal(sf_ladder_elide(b, sizeof(b), "[2001:db8::1]:40001", 11, false), 11);
	assert_string_equal(b, "[200" ELL ":40001"); /* the port stays whole */
	assert_int_equal(sf_ladder_elide(b, sizeof(b), "[2001:db8::1]:40001", 11, true), 11);
	assert_string_equal(b, "[2...:40001");
	assert_int_equal(sf_ladder_elide(b, sizeof(b), "title without a colon", 9, false), 9);
	assert_string_equal(b, "titl" ELL "olon");
	assert_int_equal(sf_ladder_elide(b, sizeof(b), "abcdef", 1, false), 1);
	assert_string_equal(b, "a");
}

static void time_is_relative_seconds(void **state)
{
	char b[32];
	(void)state;
	assert_int_equal(sf_ladder_time(b, sizeof(b), 0, false), 8);
	assert_string_equal(b, "0.000000");
	sf_ladder_time(b, sizeof(b), 1000250000, false);
	assert_string_equal(b, "1.000250");
	sf_ladder_time(b, sizeof(b), 60200000123, true);
	assert_string_equal(b, "60.200000123");
	sf_ladder_time(b, sizeof(b), -100000, false); /* out of time order */
	assert_string_equal(b, "-0.000100");
}

static void width_from_option_then_columns_then_tty_then_80(void **state)
{
	(void)state;
	assert_int_equal(sf_ladder_pick_width(100, "60", 120), 100);
	assert_int_equal(sf_ladder_pick_width(0, "60", 120), 60);
	assert_int_equal(sf_ladder_pick_width(0, NULL, 120), 120);
	assert_int_equal(sf_ladder_pick_width(0, NULL, 0), SF_LADDER_WIDTH_DEFAULT);
	/* A $COLUMNS that is not a positive number is not used. */
	assert_int_equal(sf_ladder_pick_width(0, "", 0), 80);
	assert_int_equal(sf_ladder_pick_width(0, "0", 0), 80);
	assert_int_equal(sf_ladder_pick_width(0, "80x", 90), 90);
	assert_int_equal(sf_ladder_pick_width(0, "-5", 0), 80);
	assert_int_equal(sf_ladder_pick_width(0, "99999999999", 0), 80);
	assert_int_equal(sf_ladder_pick_width(0, "5000", 0), SF_LADDER_WIDTH_MAX);
}

static void stream_numbers_are_plain_decimals(void **state)
{
	uint32_t v = 0;
	(void)state;
	assert_true(sf_ladder_parse_stream("0", &v));
	assert_int_equal(v, 0);
	assert_true(sf_ladder_parse_stream("4294967295", &v));
	assert_int_equal(v, 4294967295u);
	assert_false(sf_ladder_parse_stream("4294967296", &v));
	assert_false(sf_ladder_parse_stream("", &v));
	assert_false(sf_ladder_parse_stream("1.5", &v));
	assert_false(sf_ladder_parse_stream("-1", &v));
	assert_false(sf_ladder_parse_stream(" 1", &v));
	assert_false(sf_ladder_parse_stream("x", &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_at_100_columns_matches_the_diagram),
		cmocka_unit_test(layout_keeps_a_minimal_arrow_when_too_narrow),
		cmocka_unit_test(label_room_leaves_shafts_and_air_then_only_shafts),
		cmocka_unit_test(label_is_centred),
		cmocka_unit_test(label_full_form_names_seq_ack_len),
		cmocka_unit_test(label_compact_form_when_the_full_one_does_not_fit),
		cmocka_unit_test(label_cut_at_a_word_end_with_an_ellipsis),
		cmocka_unit_test(label_keeps_the_flags_whole_when_they_fit),
		cmocka_unit_test(label_shows_seq_as_tcpdump_does),
		cmocka_unit_test(elide_keeps_both_ends_of_an_address),
		cmocka_unit_test(time_is_relative_seconds),
		cmocka_unit_test(width_from_option_then_columns_then_tty_then_80),
		cmocka_unit_test(stream_numbers_are_plain_decimals),
	};
	return cmocka_run_group_tests_name("ladder", tests, NULL, NULL);
}
