/* tests/test_report.c: `synfin report`'s pure parts: ss's filter words, --at, netstat's words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"

#define B(s) (1u << (s))

static void netstat_words_are_net_tools_words(void **state)
{
	static const char *const want[SF_ST_COUNT] = {
		[SF_ST_CLOSED] = "CLOSE",
		[SF_ST_LISTEN] = "LISTEN",
		[SF_ST_SYN_SENT] = "SYN_SENT",
		[SF_ST_SYN_RCVD] = "SYN_RECV",
		[SF_ST_ESTABLISHED] = "ESTABLISHED",
		[SF_ST_FIN_WAIT_1] = "FIN_WAIT1",
		[SF_ST_FIN_WAIT_2] = "FIN_WAIT2",
		[SF_ST_CLOSE_WAIT] = "CLOSE_WAIT",
		[SF_ST_CLOSING] = "CLOSING",
		[SF_ST_LAST_ACK] = "LAST_ACK",
		[SF_ST_TIME_WAIT] = "TIME_WAIT",
	};
	(void)state;
	for (int s = 0; s < SF_ST_COUNT; s++)
		assert_string_equal(sf_report_netstat_state((enum sf_st)s), want[s]);
	assert_string_equal(sf_report_netstat_state(SF_ST_COUNT), "UNKNOWN");
}

static void every_ss_state_name_is_known(void **state)
{
	(void)state;
	assert_int_equal(sf_report_state_bits("established"), B(SF_ST_ESTABLISHED));
	assert_int_equal(sf_report_state_bits("syn-sent"), B(SF_ST_SYN_SENT));
	assert_int_equal(sf_report_state_bits("syn-recv"), B(SF_ST_SYN_RCVD));
	assert_int_equal(sf_report_state_bits("fin-wait-1"), B(SF_ST_FIN_WAIT_1));
	assert_int_equal(sf_report_state_bits("fin-wait-2"), B(SF_ST_FIN_WAIT_2));
	assert_int_equal(sf_report_state_bits("time-wait"), B(SF_ST_TIME_WAIT));
	assert_int_equal(sf_report_state_bits("closed"), B(SF_ST_CLOSED));
	assert_int_equal(sf_report_state_bits("close-wait"), B(SF_ST_CLOSE_WAIT));
	assert_int_equal(sf_report_state_bits("last-ack"), B(SF_ST_LAST_ACK));
	assert_int_equal(sf_report_state_bits("listening"), B(SF_ST_LISTEN));
	assert_int_equal(sf_report_state_bits("closing"), B(SF_ST_CLOSING));
}

static void ss_aliases_and_case_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(sf_report_state_bits("listen"), B(SF_ST_LISTEN));
	assert_int_equal(sf_report_state_bits("syn-rcv"), B(SF_ST_SYN_RCVD));
	assert_int_equal(sf_report_state_bits("close"), B(SF_ST_CLOSED));
	assert_int_equal(sf_report_state_bits("unconnected"), B(SF_ST_CLOSED));
	assert_int_equal(sf_report_state_bits("ESTABLISHED"), B(SF_ST_ESTABLISHED));
	assert_int_equal(sf_report_state_bits("Time-Wait"), B(SF_ST_TIME_WAIT));
}

static void ss_groups_are_ss_sets(void **state)
{
	const uint32_t all = SF_REPORT_ALL;
	(void)state;
	assert_int_equal(all, (1u << 11) - 1); /* the eleven RFC 9293 states */
	assert_int_equal(sf_report_state_bits("all"), all);
	assert_int_equal(sf_report_state_bits("connected"),
			 all & ~(B(SF_ST_CLOSED) | B(SF_ST_LISTEN)));
	assert_int_equal(sf_report_state_bits("synchronized"),
			 all & ~(B(SF_ST_CLOSED) | B(SF_ST_LISTEN) | B(SF_ST_SYN_SENT)));
	assert_int_equal(sf_report_state_bits("bucket"), B(SF_ST_SYN_RCVD) | B(SF_ST_TIME_WAIT));
	assert_int_equal(sf_report_state_bits("big"),
			 all & ~(B(SF_ST_SYN_RCVD) | B(SF_ST_TIME_WAIT)));
}

static void unknown_state_names_have_no_bits(void **state)
{
	(void)state;
	assert_int_equal(sf_report_state_bits("bogus"), 0);
	assert_int_equal(sf_report_state_bits(""), 0);
	assert_int_equal(sf_report_state_bits("estab"), 0); /* ss prints it, never reads it */
	assert_int_equal(sf_report_state_bits("fin-wait"), 0);
}

/* Runs sf_report_parse_filter over a NULL-terminated word list. */
static int filter(uint32_t *bits, const char *w0, ...)
{
	char *words[16];
	int n = 0;
	va_list ap;

	va_start(ap, w0);
	for (const char *w = w0; w != NULL && n < 16; w = va_arg(ap, const char *))
		words[n++] = (char *)w;
	va_end(ap);
	*bits = 0xdeadu;
	return sf_report_parse_filter(n, words, bits);
}

static void no_filter_words_select_everything(void **state)
{
	uint32_t bits = 0;
	(void)state;
	assert_int_equal(sf_report_parse_filter(0, NULL, &bits), -1);
	assert_int_equal(bits, SF_REPORT_ALL);
}

static void state_words_add_up_from_nothing(void **state)
{
	uint32_t bits = 0;
	(void)state;
	assert_int_equal(filter(&bits, "state", "established", NULL), -1);
	assert_int_equal(bits, B(SF_ST_ESTABLISHED));
	assert_int_equal(filter(&bits, "state", "established", "state", "listening", NULL), -1);
	assert_int_equal(bits, B(SF_ST_ESTABLISHED) | B(SF_ST_LISTEN));
}

static void exclude_words_take_away_from_everything(void **state)
{
	uint32_t bits = 0;
	(void)state;
	assert_int_equal(filter(&bits, "exclude", "listening", NULL), -1);
	assert_int_equal(bits, SF_REPORT_ALL & ~B(SF_ST_LISTEN));
	assert_int_equal(filter(&bits, "excl", "bucket", NULL), -1);
	assert_int_equal(bits, SF_REPORT_ALL & ~(B(SF_ST_SYN_RCVD) | B(SF_ST_TIME_WAIT)));
}

static void state_then_exclude_apply_in_order(void **state)
{
	uint32_t bits = 0;
	(void)state;
	assert_int_equal(filter(&bits, "state", "connected", "exclude", "time-wait", NULL), -1);
	assert_int_equal(bits,
			 SF_REPORT_ALL & ~(B(SF_ST_CLOSED) | B(SF_ST_LISTEN) | B(SF_ST_TIME_WAIT)));
	/* ss: a later state word adds back what an exclude took. */
	assert_int_equal(filter(&bits, "exclude", "listening", "state", "listening", NULL), -1);
	assert_int_equal(bits, SF_REPORT_ALL);
}

static void bad_filter_words_are_pointed_at(void **state)
{
	uint32_t bits = 0;
	(void)state;
	assert_int_equal(filter(&bits, "state", "bogus", NULL), 1);
	assert_int_equal(filter(&bits, "state", "established", "exclude", "nope", NULL), 3);
	assert_int_equal(filter(&bits, "established", NULL), 0); /* not a keyword */
	assert_int_equal(filter(&bits, "state", NULL), 1);       /* the name is missing */
	assert_int_equal(filter(&bits, "state", "listen", "exclude", NULL), 3);
	assert_int_equal(filter(&bits, "state", "listen", "port", "80", NULL), 2);
	assert_int_equal(bits, 0xdeadu); /* untouched on failure */
}

static void at_epoch_seconds_are_exact(void **state)
{
	int64_t ns = 0;
	enum sf_pipe_stop base = SF_STOP_NONE;
	(void)state;
	assert_true(sf_report_parse_at("1700000000.25", &ns, &base));
	assert_int_equal(base, SF_STOP_EPOCH);
	assert_int_equal(ns, 1700000000250000000LL);
	/* Through a double the last nanosecond would be lost. */
	assert_true(sf_report_parse_at("1700000000.000000001", &ns, &base));
	assert_int_equal(ns, 1700000000000000001LL);
	assert_true(sf_report_parse_at("0", &ns, &base));
	assert_int_equal(ns, 0);
	assert_true(sf_report_parse_at("9000000000", &ns, &base));
	assert_int_equal(ns, 9000000000000000000LL);
}

static void at_plus_counts_from_the_first_packet(void **state)
{
	int64_t ns = 0;
	enum sf_pipe_stop base = SF_STOP_NONE;
	(void)state;
	assert_true(sf_report_parse_at("+5", &ns, &base));
	assert_int_equal(base, SF_STOP_FIRST);
	assert_int_equal(ns, 5000000000LL);
	assert_true(sf_report_parse_at("+0.0025", &ns, &base));
	assert_int_equal(ns, 2500000);
	assert_true(sf_report_parse_at("+0", &ns, &base));
	assert_int_equal(ns, 0);
}

static void at_clock_time_is_on_the_first_packets_day(void **state)
{
	int64_t ns = 0;
	enum sf_pipe_stop base = SF_STOP_NONE;
	(void)state;
	assert_true(sf_report_parse_at("12:34:56.5", &ns, &base));
	assert_int_equal(base, SF_STOP_DAY);
	assert_int_equal(ns, (12 * 3600 + 34 * 60 + 56) * 1000000000LL + 500000000);
	assert_true(sf_report_parse_at("9:05:00", &ns, &base));
	assert_int_equal(ns, (9 * 3600 + 5 * 60) * 1000000000LL);
	assert_true(sf_report_parse_at("23:59:59.999999999", &ns, &base));
	assert_int_equal(ns, 86400 * 1000000000LL - 1);
	assert_true(sf_report_parse_at("00:00:00", &ns, &base));
	assert_int_equal(ns, 0);
}

static void at_refuses_what_is_not_a_time(void **state)
{
	static const char *const bad[] = {
		"",
		"+",
		"+-1",
		"-1",
		"1e9",
		" 1",
		"1.",
		".5",
		"1.2.3",
		"now",
		"+1s",
		"9000000001",
		"25:00:00",
		"24:00:00",
		"12:60:00",
		"12:00:60",
		"12:00",
		"1:2:3",
		"123:00:00",
		"12:00:00x",
		"12:00:00.",
		"12:00:5",
		"12:00:00.1234567891",
		"1.1234567891",
		"+1000000001",
	};
	int64_t ns = 0;
	enum sf_pipe_stop base = SF_STOP_NONE;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sf_report_parse_at(bad[i], &ns, &base))
			fail_msg("--at '%s' was accepted", bad[i]);
}

static void completeness_reads_as_tshark_writes_it(void **state)
{
	char buf[SF_REPORT_COMPL_STR_MAX];
	(void)state;
	/* tshark 4.0's words, checked against its -V output on the corpus. */
	assert_string_equal(sf_report_completeness_text(0), "Incomplete");
	assert_string_equal(sf_report_completeness_text(1), "Incomplete, SYN_SENT");
	assert_string_equal(sf_report_completeness_text(3), "Incomplete, CLIENT_ESTABLISHED");
	assert_string_equal(sf_report_completeness_text(7), "Incomplete, ESTABLISHED");
	assert_string_equal(sf_report_completeness_text(15), "Incomplete, DATA");
	assert_string_equal(sf_report_completeness_text(31), "Complete, WITH_DATA");
	assert_string_equal(sf_report_completeness_text(47), "Complete, WITH_DATA");
	assert_string_equal(sf_report_completeness_text(63), "Complete, WITH_DATA");
	assert_string_equal(sf_report_completeness_text(23), "Complete, NO_DATA");
	assert_string_equal(sf_report_completeness_text(39), "Complete, NO_DATA");
	assert_string_equal(sf_report_completeness_text(55), "Complete, NO_DATA");
	assert_string_equal(sf_report_completeness_text(12), "Incomplete");
	assert_string_equal(sf_report_completeness_text(30), "Incomplete");
	/* tcp.completeness.str: R F D A S S, a middle dot for a bit not set. */
	assert_string_equal(sf_report_completeness_str(0, buf), "[ Null ]");
	assert_string_equal(sf_report_completeness_str(63, buf), "RFDASS");
	assert_string_equal(sf_report_completeness_str(31, buf), "\xc2\xb7"
								 "FDASS");
	assert_string_equal(sf_report_completeness_str(1, buf),
			    "\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7S");
	assert_string_equal(sf_report_completeness_str(34, buf),
			    "R\xc2\xb7\xc2\xb7\xc2\xb7S\xc2\xb7");
}

/* The summaries come out in stream order however the connections finish,
 * through the on-disk records. */
static void summaries_come_out_in_stream_order(void **state)
{
	struct sf_report rep = { .json = true, .filter = SF_REPORT_ALL };
	struct sf_sink_opts opts = { .numeric = true };
	struct sf_sink_state st = { 0 };
	struct sf_buf *b = malloc(sizeof(*b));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	static const uint32_t order[] = { 2, 0, 3, 1 };
	(void)state;

	assert_non_null(b);
	assert_non_null(f);
	assert_true(sf_report_open(&rep));
	sf_buf_init(b, f);
	st.out = b;
	st.opts = &opts;
	st.priv = &rep;
	for (size_t i = 0; i < 4; i++) {
		struct sf_conn c;
		memset(&c, 0, sizeof(c));
		c.stream = order[i];
		c.ver = 4;
		c.addr[SF_ORIG][0] = 10;
		c.addr[SF_RESP][0] = 192;
		c.port[SF_ORIG] = (uint16_t)(40000 + order[i]);
		c.port[SF_RESP] = 80;
		c.ep[SF_ORIG].pkts = order[i] + 1;
		sf_sink_report.conn_done(&st, &c, order[i] == 3 ? "time_wait" : "closed");
	}
	sf_sink_report.finish(&st); /* no tracker: no open connections */
	sf_sink_report.end(&st);
	assert_true(sf_buf_flush(b));
	fclose(f);
	assert_int_equal(rep.io_errno, 0);
	assert_false(rep.oom);
	/* A LISTEN row: nothing here sent a SYN,ACK, so none. */
	assert_null(strstr(text, "\"type\":\"socket\""));
	{
		const char *p = text;
		for (uint32_t s = 0; s < 4; s++) {
			char want[64];
			snprintf(want, sizeof(want), "\"tcp.stream\":%u,", s);
			p = strstr(p, want);
			assert_non_null(p);
		}
	}
	assert_non_null(strstr(text, "\"client_port\":40003,\"server\":\"192.0.0.0\""));
	assert_non_null(strstr(text, "\"why\":\"time_wait\"}"));
	sf_report_close(&rep);
	free(text);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netstat_words_are_net_tools_words),
		cmocka_unit_test(every_ss_state_name_is_known),
		cmocka_unit_test(ss_aliases_and_case_are_accepted),
		cmocka_unit_test(ss_groups_are_ss_sets),
		cmocka_unit_test(unknown_state_names_have_no_bits),
		cmocka_unit_test(no_filter_words_select_everything),
		cmocka_unit_test(state_words_add_up_from_nothing),
		cmocka_unit_test(exclude_words_take_away_from_everything),
		cmocka_unit_test(state_then_exclude_apply_in_order),
		cmocka_unit_test(bad_filter_words_are_pointed_at),
		cmocka_unit_test(at_epoch_seconds_are_exact),
		cmocka_unit_test(at_plus_counts_from_the_first_packet),
		cmocka_unit_test(at_clock_time_is_on_the_first_packets_day),
		cmocka_unit_test(at_refuses_what_is_not_a_time),
		cmocka_unit_test(completeness_reads_as_tshark_writes_it),
		cmocka_unit_test(summaries_come_out_in_stream_order),
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
