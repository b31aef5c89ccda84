/* tests/test_utcp.c: the user-space TCP endpoint's pure parts, the address and safety checks, the guard's text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/dlt.h>
#include <string.h>

#include "craft/build.h"
#include "craft/guard.h"
#include "craft/safety.h"
#include "craft/utcp.h"
#include "decode/frame.h"
#include "decode/fsm.h"
#include "decode/tcp.h"

#define SYN SF_TH_SYN
#define ACK SF_TH_ACK
#define FIN SF_TH_FIN
#define RST SF_TH_RST
#define PSH SF_TH_PSH

static const uint8_t lo4[16] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };

/* --- fixtures: a client endpoint and hand-made segments from its peer ---- */

#define CLI_PORT 40000
#define SRV_PORT 9000
#define CLI_ISN  1000u
#define SRV_ISN  5000u

static void cfg_of(struct sf_utcp_cfg *c, uint16_t lport, uint16_t rport, uint32_t isn)
{
	memset(c, 0, sizeof(*c));
	c->local.ver = c->remote.ver = 4;
	memcpy(c->local.a, lo4, 16);
	memcpy(c->remote.a, lo4, 16);
	c->local.port = lport;
	c->remote.port = rport;
	c->isn = isn;
	c->time_wait = 2000;
}

/* A decoded segment as sf_dec_frame would leave it, from `sport` to `dport`
 * on 127.0.0.1. */
static void seg_from(struct sf_frame *f, uint16_t sport, uint16_t dport, uint16_t flags,
		     uint32_t seq, uint32_t ack, uint32_t paylen)
{
	memset(f, 0, sizeof(*f));
	f->kind = SF_FRAME_TCP;
	f->rc = SF_DEC_OK;
	f->ip.ver = 4;
	f->ip.proto = 6;
	memcpy(f->ip.src, lo4, 16);
	memcpy(f->ip.dst, lo4, 16);
	f->tcp.fixed_ok = true;
	f->tcp.sport = sport;
	f->tcp.dport = dport;
	f->tcp.flags = flags;
	f->tcp.seq = seq;
	f->tcp.ack = ack;
	f->tcp.win = 65535;
	f->tcp.hlen = 20;
	f->tcp.paylen = f->tcp.paycap = paylen;
	f->tcp.seglen = 20 + paylen;
}

/* A segment from the server (port 9000) to the client (40000). */
static void from_srv(struct sf_utcp *u, uint16_t flags, uint32_t seq, uint32_t ack,
		     const char *data, uint64_t now, struct sf_utcp_act *a)
{
	struct sf_frame f;
	size_t n = data != NULL ? strlen(data) : 0;

	seg_from(&f, SRV_PORT, CLI_PORT, flags, seq, ack, (uint32_t)n);
	if (flags & SYN) {
		f.tcp.has |= SF_TCP_HAS_MSS;
		f.tcp.mss = 65495;
	}
	sf_utcp_input(u, &f, (const uint8_t *)data, n, now, a);
}

/* Every change an act reports is the shared table's row for it. */
static void assert_rows(const struct sf_utcp_act *a)
{
	for (unsigned i = 0; i < a->nchg; i++) {
		const struct sf_trans *t = sf_fsm_lookup(a->chg[i].from, a->chg[i].ev);
		assert_non_null(t);
		assert_int_equal(t->to, a->chg[i].to);
	}
}

static void connected(struct sf_utcp *u)
{
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;

	cfg_of(&c, CLI_PORT, SRV_PORT, CLI_ISN);
	sf_utcp_init(u, &c);
	assert_true(sf_utcp_connect(u, 0, &a));
	from_srv(u, SYN | ACK, SRV_ISN, CLI_ISN + 1, NULL, 1, &a);
	assert_int_equal(u->st, SF_ST_ESTABLISHED);
}

/* --- addresses ------------------------------------------------------------- */

static void addr_ipv4_and_bracketed_ipv6_parse(void **state)
{
	struct sf_utcp_addr a;
	char err[128];
	(void)state;

	assert_true(sf_utcp_addr_parse("127.0.0.1:9000", true, &a, err, sizeof err));
	assert_int_equal(a.ver, 4);
	assert_memory_equal(a.a, lo4, 4);
	assert_int_equal(a.port, 9000);
	assert_true(sf_utcp_addr_parse("[::1]:9000", true, &a, err, sizeof err));
	assert_int_equal(a.ver, 6);
	assert_memory_equal(a.a, lo6, 16);
	assert_int_equal(a.port, 9000);
	assert_true(sf_utcp_addr_parse("::1", false, &a, err, sizeof err));
	assert_int_equal(a.ver, 6);
	assert_int_equal(a.port, 0);
	assert_true(sf_utcp_addr_parse("[::1]", false, &a, err, sizeof err));
	assert_true(sf_utcp_addr_parse("10.0.0.2", false, &a, err, sizeof err));
	assert_int_equal(a.ver, 4);
}

static void addr_mistakes_are_refused_with_a_reason(void **state)
{
	static const char *const bad[] = {
		"::1:9000",    "[::1]9000",       "[::1:9000",    "localhost:80",   "127.0.0.1",
		"127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:+1", "[127.0.0.1]:80", ""
	};
	struct sf_utcp_addr a;
	char err[128];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_false(sf_utcp_addr_parse(bad[i], true, &a, err, sizeof err));
		assert_true(strlen(err) > 0);
	}
	assert_false(sf_utcp_addr_parse("127.0.0.1:80", false, &a, err, sizeof err));
	assert_false(sf_utcp_addr_parse("::1:9000", true, &a, err, sizeof err));
	assert_non_null(strstr(err, "brackets"));
}

static void addr_prints_back(void **state)
{
	struct sf_utcp_addr a;
	char err[128], buf[64];
	(void)state;

	assert_true(sf_utcp_addr_parse("[::1]:9000", true, &a, err, sizeof err));
	assert_string_equal(sf_utcp_addr_str(&a, buf, sizeof buf), "[::1]:9000");
	a.port = 0;
	assert_string_equal(sf_utcp_addr_str(&a, buf, sizeof buf), "::1");
}

/* --- the safety check (craft/safety.h, as connect and accept use it) -------- */

static void safety_loopback_yes_remote_no(void **state)
{
	static const uint8_t google[16] = { 8, 8, 8, 8 }, ten[16] = { 10, 1, 2, 3 },
			     lo5[16] = { 127, 5, 5, 5 };
	char why[256];
	(void)state;

	assert_true(sf_craft_dest_allowed(4, lo4, false, why, sizeof why));
	assert_true(sf_craft_dest_allowed(4, lo5, false, why, sizeof why));
	assert_true(sf_craft_dest_allowed(6, lo6, false, why, sizeof why));
	assert_false(sf_craft_dest_allowed(4, google, false, why, sizeof why));
	assert_non_null(strstr(why, "--allow-remote"));
	/* No route connects 10.1.2.3 here (and the tests do not run inside a
	 * namespace with one): refused like any remote address. */
	assert_false(sf_craft_dest_allowed(4, ten, false, why, sizeof why));
	assert_true(sf_craft_dest_allowed(4, google, true, why, sizeof why));
}

/* --- sequence space and timers ----------------------------------------------- */

static void seq_acceptance_follows_rfc9293(void **state)
{
	(void)state;
	/* zero-length segments */
	assert_true(sf_utcp_seq_ok(100, 10, 100, 0));
	assert_true(sf_utcp_seq_ok(100, 10, 109, 0));
	assert_false(sf_utcp_seq_ok(100, 10, 110, 0));
	assert_false(sf_utcp_seq_ok(100, 10, 99, 0));
	assert_true(sf_utcp_seq_ok(100, 0, 100, 0));
	assert_false(sf_utcp_seq_ok(100, 0, 101, 0));
	/* segments with length: either end in the window */
	assert_true(sf_utcp_seq_ok(100, 10, 95, 6));  /* 95..100: its last byte is new */
	assert_false(sf_utcp_seq_ok(100, 10, 95, 5)); /* 95..99: all old */
	assert_true(sf_utcp_seq_ok(100, 10, 109, 5));
	assert_false(sf_utcp_seq_ok(100, 0, 100, 1));
	/* across the wrap of the 32-bit space */
	assert_true(sf_utcp_seq_ok(0xfffffffau, 20, 2, 4));
	assert_false(sf_utcp_seq_ok(0xfffffffau, 20, 0xfffffff0u, 4));
}

static void backoff_is_1_2_4_seconds(void **state)
{
	(void)state;
	assert_int_equal(sf_utcp_rto_ms(1), 1000);
	assert_int_equal(sf_utcp_rto_ms(2), 2000);
	assert_int_equal(sf_utcp_rto_ms(3), 4000);
}

static void syn_is_retransmitted_then_given_up(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	(void)state;

	cfg_of(&c, CLI_PORT, SRV_PORT, CLI_ISN);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_connect(&u, 0, &a));
	assert_int_equal(sf_utcp_next_due(&u), 1000);
	sf_utcp_tick(&u, 999, &a);
	assert_int_equal(a.send, 0);
	sf_utcp_tick(&u, 1000, &a);
	assert_int_equal(a.send, SYN);
	assert_true(a.rtx);
	assert_int_equal(a.tries, 2);
	sf_utcp_tick(&u, 2999, &a);
	assert_int_equal(a.send, 0);
	sf_utcp_tick(&u, 3000, &a);
	assert_int_equal(a.tries, 3);
	sf_utcp_tick(&u, 6999, &a);
	assert_false(a.gave_up);
	sf_utcp_tick(&u, 7000, &a);
	assert_true(a.gave_up);
	assert_int_equal(a.send, 0);
}

static void timer_starts_when_the_segment_leaves(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	(void)state;

	cfg_of(&c, CLI_PORT, SRV_PORT, CLI_ISN);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_connect(&u, 0, &a));
	sf_utcp_sent(&u, &a, 1500); /* after a --pause of 1.5 s */
	sf_utcp_tick(&u, 1600, &a);
	assert_int_equal(a.send, 0);
	assert_int_equal(sf_utcp_next_due(&u), 2500);
}

/* --- connect: the whole conversation through the table ----------------------- */

static void connect_handshake_data_and_active_close(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	struct sf_seg s;
	uint8_t buf[32];
	(void)state;

	cfg_of(&c, CLI_PORT, SRV_PORT, CLI_ISN);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_connect(&u, 0, &a));
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_SYN_SENT);
	assert_int_equal(a.send, SYN);
	sf_utcp_seg(&u, &a, 0, &s);
	assert_int_equal(s.seq, CLI_ISN);
	assert_int_equal(s.ack, 0);
	assert_int_equal(s.mss, SF_UTCP_MSS);
	assert_int_equal(s.sport, CLI_PORT);
	assert_int_equal(s.dport, SRV_PORT);

	/* The SYN-ACK: its ack must be our ISN+1. */
	from_srv(&u, SYN | ACK, SRV_ISN, CLI_ISN + 1, NULL, 1, &a);
	assert_rows(&a);
	assert_int_equal(a.nchg, 1);
	assert_int_equal(a.chg[0].ev, SF_EV_RCV_SYNACK);
	assert_int_equal(u.st, SF_ST_ESTABLISHED);
	assert_int_equal(a.send, ACK);
	assert_int_equal(u.peer_mss, 65495);
	sf_utcp_seg(&u, &a, 1, &s);
	assert_int_equal(s.seq, CLI_ISN + 1);
	assert_int_equal(s.ack, SRV_ISN + 1);
	assert_int_equal(s.mss, 0);
	assert_true(sf_utcp_idle(&u));

	/* Data, and the peer's ACK of it. */
	assert_int_equal(sf_utcp_write(&u, (const uint8_t *)"hello\n", 6, 2, &a), 6);
	assert_int_equal(a.send, PSH | ACK);
	sf_utcp_seg(&u, &a, 2, &s);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "hello\n", 6);
	assert_false(sf_utcp_idle(&u));
	from_srv(&u, ACK, SRV_ISN + 1, CLI_ISN + 7, NULL, 3, &a);
	assert_int_equal(a.why, SF_UTCP_OK);
	assert_int_equal(a.send, 0);
	assert_true(sf_utcp_idle(&u));

	/* The peer's answer is taken and acknowledged at once. */
	from_srv(&u, PSH | ACK, SRV_ISN + 1, CLI_ISN + 7, "Thank You!\n", 4, &a);
	assert_int_equal(a.rcvd, 11);
	assert_int_equal(a.send, ACK);
	assert_int_equal(u.rcv_nxt, SRV_ISN + 12);
	assert_int_equal(sf_utcp_read(&u, buf, sizeof buf), 11);
	assert_memory_equal(buf, "Thank You!\n", 11);

	/* Active close: FIN, its ACK, the peer's FIN, TIME_WAIT, CLOSED. */
	assert_true(sf_utcp_close(&u, 5, &a));
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_FIN_WAIT_1);
	assert_int_equal(a.send, FIN | ACK);
	from_srv(&u, ACK, SRV_ISN + 12, CLI_ISN + 8, NULL, 6, &a);
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_FIN_WAIT_2);
	assert_int_equal(a.send, 0);
	from_srv(&u, FIN | ACK, SRV_ISN + 12, CLI_ISN + 8, NULL, 7, &a);
	assert_rows(&a);
	assert_true(a.fin_rcvd);
	assert_int_equal(u.st, SF_ST_TIME_WAIT);
	assert_int_equal(a.send, ACK);
	sf_utcp_seg(&u, &a, 7, &s);
	assert_int_equal(s.ack, SRV_ISN + 13);
	/* The peer's FIN again (our ACK lost): answered, no change. */
	from_srv(&u, FIN | ACK, SRV_ISN + 12, CLI_ISN + 8, NULL, 8, &a);
	assert_int_equal(a.why, SF_UTCP_SEQ);
	assert_int_equal(a.send, ACK);
	assert_int_equal(u.st, SF_ST_TIME_WAIT);
	sf_utcp_tick(&u, 7 + 1999, &a);
	assert_int_equal(a.nchg, 0);
	sf_utcp_tick(&u, 7 + 2000, &a);
	assert_rows(&a);
	assert_int_equal(a.chg[0].ev, SF_EV_TIMEOUT);
	assert_int_equal(u.st, SF_ST_CLOSED);
}

static void synack_with_a_wrong_ack_is_dropped(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	(void)state;

	cfg_of(&c, CLI_PORT, SRV_PORT, CLI_ISN);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_connect(&u, 0, &a));
	from_srv(&u, SYN | ACK, SRV_ISN, CLI_ISN, NULL, 1, &a);
	assert_int_equal(a.why, SF_UTCP_BAD_ACK);
	assert_int_equal(a.send, 0);
	assert_int_equal(u.st, SF_ST_SYN_SENT);
	from_srv(&u, SYN | ACK, SRV_ISN, CLI_ISN + 2, NULL, 1, &a);
	assert_int_equal(a.why, SF_UTCP_BAD_ACK);
	/* RST without ACK in SYN_SENT: not acceptable either. */
	from_srv(&u, RST, 0, 0, NULL, 1, &a);
	assert_int_equal(a.why, SF_UTCP_RST_BAD);
	assert_int_equal(u.st, SF_ST_SYN_SENT);
}

static void refused_syn_ends_in_closed(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	(void)state;

	cfg_of(&c, CLI_PORT, SRV_PORT, CLI_ISN);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_connect(&u, 0, &a));
	from_srv(&u, RST | ACK, 0, CLI_ISN + 1, NULL, 1, &a);
	assert_rows(&a);
	assert_true(a.reset);
	assert_int_equal(u.st, SF_ST_CLOSED);
	assert_true(sf_utcp_idle(&u)); /* no SYN left to retransmit */
}

static void segments_of_another_flow_are_not_ours(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	struct sf_frame f;
	(void)state;

	connected(&u);
	seg_from(&f, SRV_PORT + 1, CLI_PORT, ACK, SRV_ISN + 1, CLI_ISN + 1, 0);
	sf_utcp_input(&u, &f, NULL, 0, 2, &a);
	assert_int_equal(a.why, SF_UTCP_NOT_OURS);
	seg_from(&f, SRV_PORT, CLI_PORT + 1, ACK, SRV_ISN + 1, CLI_ISN + 1, 0);
	sf_utcp_input(&u, &f, NULL, 0, 2, &a);
	assert_int_equal(a.why, SF_UTCP_NOT_OURS);
	seg_from(&f, SRV_PORT, CLI_PORT, ACK, SRV_ISN + 1, CLI_ISN + 1, 0);
	f.ip.src[3] = 2; /* 127.0.0.2 */
	sf_utcp_input(&u, &f, NULL, 0, 2, &a);
	assert_int_equal(a.why, SF_UTCP_NOT_OURS);
	seg_from(&f, SRV_PORT, CLI_PORT, ACK, SRV_ISN + 1, CLI_ISN + 1, 0);
	f.ip.ver = 6;
	sf_utcp_input(&u, &f, NULL, 0, 2, &a);
	assert_int_equal(a.why, SF_UTCP_NOT_OURS);
	seg_from(&f, SRV_PORT, CLI_PORT, ACK, SRV_ISN + 1, CLI_ISN + 1, 0);
	f.rc = SF_DEC_TRUNCATED;
	sf_utcp_input(&u, &f, NULL, 0, 2, &a);
	assert_int_equal(a.why, SF_UTCP_BROKEN);
	assert_int_equal(u.st, SF_ST_ESTABLISHED);
}

static void unacceptable_segments_are_answered_not_taken(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	(void)state;

	connected(&u);
	/* Old data (before RCV.NXT): an ACK says where we are. */
	from_srv(&u, PSH | ACK, SRV_ISN - 10, CLI_ISN + 1, "old", 2, &a);
	assert_int_equal(a.why, SF_UTCP_SEQ);
	assert_int_equal(a.send, ACK);
	assert_int_equal(a.rcvd, 0);
	/* Data past a hole: not taken, ACK. */
	from_srv(&u, PSH | ACK, SRV_ISN + 5, CLI_ISN + 1, "later", 2, &a);
	assert_int_equal(a.why, SF_UTCP_SEQ);
	assert_int_equal(a.rcvd, 0);
	/* An ACK of something never sent. */
	from_srv(&u, ACK, SRV_ISN + 1, CLI_ISN + 50, NULL, 2, &a);
	assert_int_equal(a.why, SF_UTCP_BAD_ACK);
	assert_int_equal(a.send, ACK);
	/* A RST in the window but not at RCV.NXT: a challenge ACK (RFC 5961). */
	from_srv(&u, RST, SRV_ISN + 3, 0, NULL, 2, &a);
	assert_int_equal(a.why, SF_UTCP_RST_BAD);
	assert_int_equal(a.send, ACK);
	assert_int_equal(u.st, SF_ST_ESTABLISHED);
	/* A SYN now: a challenge ACK too. */
	from_srv(&u, SYN, SRV_ISN + 1, 0, NULL, 2, &a);
	assert_int_equal(a.why, SF_UTCP_SYN_LATE);
	assert_int_equal(a.send, ACK);
	/* No ACK flag: dropped silently. */
	from_srv(&u, PSH, SRV_ISN + 1, 0, "x", 2, &a);
	assert_int_equal(a.why, SF_UTCP_NO_ACK);
	assert_int_equal(a.send, 0);
	/* The RST at RCV.NXT ends it. */
	from_srv(&u, RST, SRV_ISN + 1, 0, NULL, 3, &a);
	assert_rows(&a);
	assert_true(a.reset);
	assert_int_equal(u.st, SF_ST_CLOSED);
}

static void retransmitted_overlap_keeps_only_new_bytes(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	uint8_t buf[16];
	(void)state;

	connected(&u);
	from_srv(&u, PSH | ACK, SRV_ISN + 1, CLI_ISN + 1, "abc", 2, &a);
	assert_int_equal(a.rcvd, 3);
	from_srv(&u, PSH | ACK, SRV_ISN + 1, CLI_ISN + 1, "abcdef", 3, &a);
	assert_int_equal(a.rcvd, 3);
	assert_int_equal(sf_utcp_read(&u, buf, sizeof buf), 6);
	assert_memory_equal(buf, "abcdef", 6);
}

static void passive_close_goes_close_wait_last_ack_closed(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	(void)state;

	connected(&u);
	/* "^^^" and the FIN in one segment: both taken. */
	from_srv(&u, FIN | PSH | ACK, SRV_ISN + 1, CLI_ISN + 1, "^^^\n", 2, &a);
	assert_rows(&a);
	assert_int_equal(a.rcvd, 4);
	assert_true(a.fin_rcvd);
	assert_int_equal(u.st, SF_ST_CLOSE_WAIT);
	assert_int_equal(a.send, ACK);
	assert_int_equal(u.rcv_nxt, SRV_ISN + 6);
	assert_true(sf_utcp_close(&u, 3, &a));
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_LAST_ACK);
	assert_int_equal(a.send, FIN | ACK);
	from_srv(&u, ACK, SRV_ISN + 6, CLI_ISN + 2, NULL, 4, &a);
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_CLOSED);
}

static void fin_that_acks_ours_goes_straight_to_time_wait(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	(void)state;

	connected(&u);
	assert_true(sf_utcp_close(&u, 2, &a));
	from_srv(&u, FIN | ACK, SRV_ISN + 1, CLI_ISN + 2, NULL, 3, &a);
	assert_rows(&a);
	assert_int_equal(a.nchg, 1);
	assert_int_equal(a.chg[0].ev, SF_EV_RCV_FINACK);
	assert_int_equal(u.st, SF_ST_TIME_WAIT);
}

static void simultaneous_close_passes_closing(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	(void)state;

	connected(&u);
	assert_true(sf_utcp_close(&u, 2, &a));
	from_srv(&u, FIN | ACK, SRV_ISN + 1, CLI_ISN + 1, NULL, 3, &a); /* not acking ours */
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_CLOSING);
	from_srv(&u, ACK, SRV_ISN + 2, CLI_ISN + 2, NULL, 4, &a);
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_TIME_WAIT);
}

static void abort_sends_rst_at_snd_nxt(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	struct sf_seg s;
	(void)state;

	connected(&u);
	assert_true(sf_utcp_abort(&u, &a));
	assert_rows(&a);
	assert_int_equal(a.send, RST);
	assert_int_equal(u.st, SF_ST_CLOSED);
	sf_utcp_seg(&u, &a, 2, &s);
	assert_int_equal(s.flags, RST);
	assert_int_equal(s.seq, CLI_ISN + 1);
	/* and from CLOSED nothing more is allowed */
	assert_false(sf_utcp_abort(&u, &a));
	assert_int_equal(a.why, SF_UTCP_NO_ROW);
}

static void close_waits_for_data_in_flight(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_act a;
	(void)state;

	connected(&u);
	assert_int_equal(sf_utcp_write(&u, (const uint8_t *)"x", 1, 2, &a), 1);
	assert_int_equal(sf_utcp_write(&u, (const uint8_t *)"y", 1, 2, &a), 0); /* one at a time */
	assert_false(sf_utcp_close(&u, 2, &a));
	assert_int_equal(u.st, SF_ST_ESTABLISHED);
}

/* --- accept: the other half --------------------------------------------------- */

static void accept_syn_synack_ack_data_and_fin(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	struct sf_frame f;
	struct sf_seg s;
	(void)state;

	cfg_of(&c, SRV_PORT, 0, SRV_ISN);
	memset(c.remote.a, 0, 16);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_listen(&u, &a));
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_LISTEN);

	/* A stray ACK to a listener: nothing. */
	seg_from(&f, CLI_PORT, SRV_PORT, ACK, CLI_ISN, 1, 0);
	sf_utcp_input(&u, &f, NULL, 0, 0, &a);
	assert_int_equal(a.why, SF_UTCP_IGNORED);

	seg_from(&f, CLI_PORT, SRV_PORT, SYN, CLI_ISN, 0, 0);
	f.tcp.has = SF_TCP_HAS_MSS;
	f.tcp.mss = 1400;
	sf_utcp_input(&u, &f, NULL, 0, 1, &a);
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_SYN_RCVD);
	assert_int_equal(a.send, SYN | ACK);
	assert_int_equal(u.cfg.remote.port, CLI_PORT);
	assert_int_equal(u.peer_mss, 1400);
	sf_utcp_seg(&u, &a, 1, &s);
	assert_int_equal(s.seq, SRV_ISN);
	assert_int_equal(s.ack, CLI_ISN + 1);
	assert_int_equal(s.dport, CLI_PORT);

	/* The client's SYN again: our SYN-ACK again, at once. */
	sf_utcp_input(&u, &f, NULL, 0, 2, &a);
	assert_int_equal(a.why, SF_UTCP_OLD_SYN);
	assert_int_equal(a.send, SYN | ACK);
	assert_true(a.rtx);
	assert_int_equal(u.st, SF_ST_SYN_RCVD);

	/* An ACK of something else is not the handshake. */
	seg_from(&f, CLI_PORT, SRV_PORT, ACK, CLI_ISN + 1, SRV_ISN, 0);
	sf_utcp_input(&u, &f, NULL, 0, 3, &a);
	assert_int_equal(a.why, SF_UTCP_BAD_ACK);
	assert_int_equal(u.st, SF_ST_SYN_RCVD);

	seg_from(&f, CLI_PORT, SRV_PORT, ACK, CLI_ISN + 1, SRV_ISN + 1, 0);
	sf_utcp_input(&u, &f, NULL, 0, 3, &a);
	assert_rows(&a);
	assert_int_equal(a.chg[0].ev, SF_EV_RCV_ACK);
	assert_int_equal(u.st, SF_ST_ESTABLISHED);
	assert_int_equal(a.send, 0);

	seg_from(&f, CLI_PORT, SRV_PORT, PSH | ACK, CLI_ISN + 1, SRV_ISN + 1, 4);
	sf_utcp_input(&u, &f, (const uint8_t *)"bye\n", 4, 4, &a);
	assert_int_equal(a.rcvd, 4);
	assert_int_equal(a.send, ACK);

	seg_from(&f, CLI_PORT, SRV_PORT, FIN | ACK, CLI_ISN + 5, SRV_ISN + 1, 0);
	sf_utcp_input(&u, &f, NULL, 0, 5, &a);
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_CLOSE_WAIT);
	assert_true(sf_utcp_close(&u, 6, &a));
	assert_int_equal(u.st, SF_ST_LAST_ACK);
	seg_from(&f, CLI_PORT, SRV_PORT, ACK, CLI_ISN + 6, SRV_ISN + 2, 0);
	sf_utcp_input(&u, &f, NULL, 0, 7, &a);
	assert_rows(&a);
	assert_int_equal(u.st, SF_ST_CLOSED);
}

static void synack_retransmitted_and_given_up(void **state)
{
	struct sf_utcp u;
	struct sf_utcp_cfg c;
	struct sf_utcp_act a;
	struct sf_frame f;
	(void)state;

	cfg_of(&c, SRV_PORT, 0, SRV_ISN);
	sf_utcp_init(&u, &c);
	assert_true(sf_utcp_listen(&u, &a));
	seg_from(&f, CLI_PORT, SRV_PORT, SYN, CLI_ISN, 0, 0);
	sf_utcp_input(&u, &f, NULL, 0, 100, &a);
	sf_utcp_tick(&u, 1100, &a);
	assert_int_equal(a.send, SYN | ACK);
	assert_true(a.rtx);
	sf_utcp_tick(&u, 3100, &a);
	assert_int_equal(a.tries, 3);
	sf_utcp_tick(&u, 7100, &a);
	assert_true(a.gave_up);
}

/* --- both halves, through the builder's bytes and the decoder ------------------- */

/* Builds s as bytes and decodes them: what the other endpoint would capture. */
static void wire(struct sf_builder *b, const struct sf_seg *s, struct sf_frame *f, uint8_t *copy,
		 const uint8_t **pay)
{
	const uint8_t *pkt = NULL;
	size_t len = 0;
	char err[256];

	assert_int_equal(sf_builder_build(b, s, &pkt, &len, err, sizeof err), 0);
	memcpy(copy, pkt, len);
	assert_int_equal(sf_dec_frame(DLT_RAW, copy, len, len, f), SF_DEC_OK);
	*pay = copy + f->l4_off + f->tcp.hlen;
}

static void two_endpoints_talk_through_real_bytes(void **state)
{
	struct sf_utcp cli, srv;
	struct sf_utcp_cfg cc, sc;
	struct sf_utcp_act a;
	struct sf_builder *b = NULL;
	struct sf_frame f;
	struct sf_seg s;
	uint8_t copy[256];
	const uint8_t *pay = NULL;
	char err[256];
	(void)state;

	b = sf_builder_new(SF_BUILD_BYTES, NULL, err, sizeof err);
	assert_non_null(b);
	cfg_of(&cc, CLI_PORT, SRV_PORT, 0xfffffff0u); /* the handshake crosses the wrap */
	cc.ts = true;
	cfg_of(&sc, SRV_PORT, 0, 77);
	sc.ts = true;
	sf_utcp_init(&cli, &cc);
	sf_utcp_init(&srv, &sc);
	assert_true(sf_utcp_listen(&srv, &a));

#define DELIVER(from, to, act)                                           \
	do {                                                             \
		sf_utcp_seg(&(from), &(act), 10, &s);                    \
		wire(b, &s, &f, copy, &pay);                             \
		sf_utcp_input(&(to), &f, pay, f.tcp.paycap, 10, &(act)); \
		assert_rows(&(act));                                     \
	} while (0)

	assert_true(sf_utcp_connect(&cli, 10, &a));
	DELIVER(cli, srv, a); /* SYN */
	assert_int_equal(srv.st, SF_ST_SYN_RCVD);
	assert_true(srv.ts_on);
	DELIVER(srv, cli, a); /* SYN-ACK */
	assert_int_equal(cli.st, SF_ST_ESTABLISHED);
	assert_true(cli.ts_on);
	DELIVER(cli, srv, a); /* ACK */
	assert_int_equal(srv.st, SF_ST_ESTABLISHED);
	assert_int_equal(sf_utcp_write(&cli, (const uint8_t *)"hi\n", 3, 10, &a), 3);
	DELIVER(cli, srv, a); /* data */
	assert_int_equal(a.rcvd, 3);
	assert_int_equal(a.send, ACK);
	DELIVER(srv, cli, a); /* its ACK */
	assert_true(sf_utcp_idle(&cli));
	assert_true(sf_utcp_close(&cli, 10, &a));
	DELIVER(cli, srv, a); /* FIN */
	assert_int_equal(srv.st, SF_ST_CLOSE_WAIT);
	DELIVER(srv, cli, a); /* its ACK */
	assert_int_equal(cli.st, SF_ST_FIN_WAIT_2);
	assert_true(sf_utcp_close(&srv, 10, &a));
	DELIVER(srv, cli, a); /* FIN */
	assert_int_equal(cli.st, SF_ST_TIME_WAIT);
	DELIVER(cli, srv, a); /* the last ACK */
	assert_int_equal(srv.st, SF_ST_CLOSED);
#undef DELIVER
	sf_builder_free(b);
}

/* --- the guard's text ------------------------------------------------------------- */

static void guard_script_names_exactly_the_flow(void **state)
{
	struct sf_guard_flow fl;
	char buf[1024];
	(void)state;

	memset(&fl, 0, sizeof fl);
	fl.ver = 4;
	memcpy(fl.saddr, lo4, 16);
	memcpy(fl.daddr, lo4, 16);
	fl.sport = 40000;
	fl.dport = 9000;
	assert_true(sf_guard_nft_script(&fl, "synfin-42", buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "table inet synfin-42 {"));
	assert_non_null(strstr(buf, "delete table inet synfin-42\n"));
	assert_non_null(strstr(buf, "hook output"));
	assert_non_null(strstr(buf, "ip saddr 127.0.0.1 tcp sport 40000 ip daddr 127.0.0.1 "
				    "tcp dport 9000 tcp flags & rst == rst meta mark != "
				    "0x5f1e0001 counter drop"));
	fl.any_peer = true;
	assert_true(sf_guard_nft_script(&fl, "synfin-42", buf, sizeof buf) > 0);
	assert_null(strstr(buf, "daddr"));
	fl.ver = 6;
	memcpy(fl.saddr, lo6, 16);
	assert_true(sf_guard_nft_script(&fl, "synfin-42", buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "ip6 saddr ::1 tcp sport 40000 tcp flags"));
	assert_int_equal(sf_guard_nft_script(&fl, "synfin-42", buf, 40), 0);
}

static void guard_leftovers_are_found_by_pid(void **state)
{
	long pid = 0;
	(void)state;

	assert_true(sf_guard_line_pid("table inet synfin-1234", &pid));
	assert_int_equal(pid, 1234);
	assert_true(sf_guard_line_pid("-N synfin-77", &pid));
	assert_int_equal(pid, 77);
	assert_false(sf_guard_line_pid("table inet filter", &pid));
	assert_false(sf_guard_line_pid("table inet synfin-", &pid));
	assert_false(sf_guard_line_pid("table inet synfin-0", &pid));
	assert_false(sf_guard_line_pid("table inet synfin-12x", &pid));
	assert_false(sf_guard_line_pid("table ip synfin-12", &pid));
}

static void guard_flow_prints_both_ends(void **state)
{
	struct sf_guard_flow fl;
	char buf[128];
	(void)state;

	memset(&fl, 0, sizeof fl);
	fl.ver = 6;
	memcpy(fl.saddr, lo6, 16);
	memcpy(fl.daddr, lo6, 16);
	fl.sport = 9000;
	fl.dport = 40000;
	assert_string_equal(sf_guard_flow_str(&fl, buf, sizeof buf), "[::1]:9000 > [::1]:40000");
	fl.any_peer = true;
	assert_string_equal(sf_guard_flow_str(&fl, buf, sizeof buf), "[::1]:9000 > any");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_ipv4_and_bracketed_ipv6_parse),
		cmocka_unit_test(addr_mistakes_are_refused_with_a_reason),
		cmocka_unit_test(addr_prints_back),
		cmocka_unit_test(safety_loopback_yes_remote_no),
		cmocka_unit_test(seq_acceptance_follows_rfc9293),
		cmocka_unit_test(backoff_is_1_2_4_seconds),
		cmocka_unit_test(syn_is_retransmitted_then_given_up),
		cmocka_unit_test(timer_starts_when_the_segment_leaves),
		cmocka_unit_test(connect_handshake_data_and_active_close),
		cmocka_unit_test(synack_with_a_wrong_ack_is_dropped),
		cmocka_unit_test(refused_syn_ends_in_closed),
		cmocka_unit_test(segments_of_another_flow_are_not_ours),
		cmocka_unit_test(unacceptable_segments_are_answered_not_taken),
		cmocka_unit_test(retransmitted_overlap_keeps_only_new_bytes),
		cmocka_unit_test(passive_close_goes_close_wait_last_ack_closed),
		cmocka_unit_test(fin_that_acks_ours_goes_straight_to_time_wait),
		cmocka_unit_test(simultaneous_close_passes_closing),
		cmocka_unit_test(abort_sends_rst_at_snd_nxt),
		cmocka_unit_test(close_waits_for_data_in_flight),
		cmocka_unit_test(accept_syn_synack_ack_data_and_fin),
		cmocka_unit_test(synack_retransmitted_and_given_up),
		cmocka_unit_test(two_endpoints_talk_through_real_bytes),
		cmocka_unit_test(guard_script_names_exactly_the_flow),
		cmocka_unit_test(guard_leftovers_are_found_by_pid),
		cmocka_unit_test(guard_flow_prints_both_ends),
	};
	return cmocka_run_group_tests_name("utcp", tests, NULL, NULL);
}
