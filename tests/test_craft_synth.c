/* tests/test_craft_synth.c: every `craft synth` scenario written to a file and
 * read back through the real pipeline (file reader, frame decoder, tracker),
 * both endpoints' states checked after the segments that matter. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/source.h"
#include "config.h"
#include "craft/synth.h"
#include "decode/frame.h"
#include "decode/track.h"

#define MAXSEG 64

/* What the pipeline made of one single-connection capture. */
struct seen {
	int n;                       /* TCP segments */
	uint8_t st[MAXSEG][2];       /* both endpoints' states after each */
	uint8_t dir[MAXSEG];         /* its sender: SF_ORIG or SF_RESP */
	uint32_t paylen[MAXSEG];     /* its payload */
	uint16_t flags[MAXSEG];      /* its TCP flags */
	uint32_t notes[MAXSEG];      /* tshark's notes on it */
	bool passed[2][SF_ST_COUNT]; /* every state each endpoint went through */
	int streams;                 /* connections the tracker saw */
	uint8_t ver;
	uint64_t bytes[2];
};

static void tmp_path(char *path, size_t len)
{
	int fd = -1;
	snprintf(path, len, "/tmp/synfin-synth-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

static void write_ok(const char *path, enum sf_synth_scn scn, const struct sf_synth_opts *o)
{
	char err[256] = "";
	enum sf_synth_rc rc = sf_synth_write(path, scn, o, err, sizeof(err));
	if (rc != SF_SYNTH_OK)
		print_error("%s: %s\n", sf_synth_name(scn), err);
	assert_int_equal(rc, SF_SYNTH_OK);
}

/* Reads `path` as `synfin decode` does and tracks every segment. Every
 * frame must be a TCP segment that decodes whole with a good checksum, in
 * time order. `each` (may be NULL) sees every segment's result. */
static void read_back(const char *path, struct seen *out,
		      void (*each)(void *arg, const struct sf_seg_info *si), void *arg)
{
	char err[SF_SRC_ERRLEN] = "";
	struct sf_track_cfg cfg = { .msl = SF_MSL_DEFAULT_NS,
				    .idle_timeout = SF_IDLE_DEFAULT_NS,
				    .max_conns = 1u << 16 };
	struct sf_src src;
	struct sf_track *t = NULL;
	struct sf_frame f;
	struct sf_pkt pkt;
	const uint8_t *data = NULL;
	sf_ns prev = INT64_MIN;
	enum sf_src_rc rc = SF_SRC_PACKET;

	memset(out, 0, sizeof(*out));
	assert_true(sf_src_open_file(&src, path, false, err, sizeof(err)));
	t = sf_track_new(&cfg, NULL, NULL);
	assert_non_null(t);
	while ((rc = sf_src_next(&src, &pkt, &data, err, sizeof(err))) == SF_SRC_PACKET) {
		struct sf_seg_info si;
		sf_ns now = pkt.sec * 1000000000 + (int64_t)pkt.frac * 1000;

		assert_int_equal(pkt.caplen, pkt.wirelen);
		assert_int_equal(sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f),
				 SF_DEC_OK);
		assert_int_equal(f.kind, SF_FRAME_TCP);
		assert_int_equal(f.csum, SF_CSUM_GOOD);
		assert_true(now >= prev);
		prev = now;
		assert_true(sf_track_seg(t, &f, now, &si));
		assert_false(si.unexpected);
		if (each != NULL)
			each(arg, &si);
		if (si.conn->stream + 1 > (uint32_t)out->streams)
			out->streams = (int)si.conn->stream + 1;
		for (unsigned k = 0; k < si.nchange; k++)
			out->passed[si.change[k].role][si.change[k].to] = true;
		if (out->n < MAXSEG) {
			out->st[out->n][0] = si.conn->ep[SF_ORIG].st;
			out->st[out->n][1] = si.conn->ep[SF_RESP].st;
			out->dir[out->n] = si.dir;
			out->paylen[out->n] = f.tcp.paylen;
			out->flags[out->n] = f.tcp.flags;
			out->notes[out->n] = si.an.notes;
			out->bytes[0] = si.conn->ep[SF_ORIG].bytes;
			out->bytes[1] = si.conn->ep[SF_RESP].bytes;
			out->ver = si.conn->ver;
		}
		out->n++;
	}
	assert_int_equal(rc, SF_SRC_EOF);
	sf_track_free(t);
	sf_src_close(&src);
}

static void run_scenario(enum sf_synth_scn scn, const struct sf_synth_opts *o, struct seen *s)
{
	char path[64];
	tmp_path(path, sizeof(path));
	write_ok(path, scn, o);
	read_back(path, s, NULL, NULL);
	unlink(path);
}

static void scenario(enum sf_synth_scn scn, struct seen *s)
{
	struct sf_synth_opts o;
	sf_synth_defaults(&o);
	run_scenario(scn, &o, s);
	assert_int_equal(s->streams, 1);
}

/* After segment k (1-based): the client (originator) in `c`, the server in `v`. */
static void states_at(const struct seen *s, int k, enum sf_st c, enum sf_st v)
{
	if (s->st[k - 1][0] != c || s->st[k - 1][1] != v)
		print_error("after segment %d: %s/%s, want %s/%s\n", k, sf_st_name(s->st[k - 1][0]),
			    sf_st_name(s->st[k - 1][1]), sf_st_name(c), sf_st_name(v));
	assert_int_equal(s->st[k - 1][0], c);
	assert_int_equal(s->st[k - 1][1], v);
}

static void ends(const struct seen *s, enum sf_st c, enum sf_st v)
{
	states_at(s, s->n, c, v);
}

static void no_notes_but(const struct seen *s, int k1, int k2, uint32_t note)
{
	for (int k = 1; k <= s->n; k++) {
		uint32_t want = k == k1 || k == k2 ? note : 0;
		if (s->notes[k - 1] != want)
			print_error("segment %d: notes 0x%x, want 0x%x\n", k, s->notes[k - 1],
				    want);
		assert_int_equal(s->notes[k - 1], want);
	}
}

/* --- the textbook scenarios ---------------------------------------------------------------- */

static void handshake_ends_established_on_both(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_HANDSHAKE, &s);
	assert_int_equal(s.n, 3);
	states_at(&s, 1, SF_ST_SYN_SENT, SF_ST_CLOSED);
	states_at(&s, 2, SF_ST_ESTABLISHED, SF_ST_SYN_RCVD);
	ends(&s, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED);
	assert_true(s.passed[SF_RESP][SF_ST_LISTEN]);
	no_notes_but(&s, 0, 0, 0);
}

static void close_four_way_ends_time_wait_and_closed(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_CLOSE, &s);
	assert_int_equal(s.n, 7);
	states_at(&s, 3, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED);
	assert_int_equal(s.flags[3], SF_TH_FIN | SF_TH_ACK);
	assert_int_equal(s.dir[3], SF_ORIG);
	states_at(&s, 4, SF_ST_FIN_WAIT_1, SF_ST_CLOSE_WAIT);
	states_at(&s, 5, SF_ST_FIN_WAIT_2, SF_ST_CLOSE_WAIT);
	states_at(&s, 6, SF_ST_TIME_WAIT, SF_ST_LAST_ACK);
	ends(&s, SF_ST_TIME_WAIT, SF_ST_CLOSED);
	no_notes_but(&s, 0, 0, 0);
}

static void close3_fin_rides_on_the_ack(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_CLOSE3, &s);
	assert_int_equal(s.n, 6);
	states_at(&s, 4, SF_ST_FIN_WAIT_1, SF_ST_CLOSE_WAIT);
	assert_int_equal(s.flags[4], SF_TH_FIN | SF_TH_ACK);
	assert_int_equal(s.dir[4], SF_RESP);
	states_at(&s, 5, SF_ST_TIME_WAIT, SF_ST_LAST_ACK);
	assert_false(s.passed[SF_ORIG][SF_ST_FIN_WAIT_2]);
	ends(&s, SF_ST_TIME_WAIT, SF_ST_CLOSED);
	no_notes_but(&s, 0, 0, 0);
}

/* tshark calls both SYN-ACKs retransmissions (of their sender's SYN):
 * decode/seqan.c reproduces it, and tests/craft_synth.sh asks tshark. */
static void simultaneous_open_passes_syn_rcvd_on_both(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_SIMULTANEOUS_OPEN, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.flags[0], SF_TH_SYN);
	assert_int_equal(s.flags[1], SF_TH_SYN);
	states_at(&s, 2, SF_ST_SYN_RCVD, SF_ST_SYN_RCVD);
	assert_true(s.passed[SF_ORIG][SF_ST_SYN_RCVD]);
	assert_true(s.passed[SF_RESP][SF_ST_SYN_RCVD]);
	assert_false(s.passed[SF_RESP][SF_ST_LISTEN]);
	ends(&s, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED);
	no_notes_but(&s, 3, 4, SF_NOTE_RETRANSMISSION);
}

static void simultaneous_close_passes_closing_on_both(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_SIMULTANEOUS_CLOSE, &s);
	assert_int_equal(s.n, 7);
	/* Both FINs, neither acknowledging the other. */
	assert_int_equal(s.flags[3], SF_TH_FIN | SF_TH_ACK);
	assert_int_equal(s.flags[4], SF_TH_FIN | SF_TH_ACK);
	assert_int_not_equal(s.dir[3], s.dir[4]);
	states_at(&s, 5, SF_ST_CLOSING, SF_ST_CLOSING);
	assert_true(s.passed[SF_ORIG][SF_ST_CLOSING]);
	assert_true(s.passed[SF_RESP][SF_ST_CLOSING]);
	ends(&s, SF_ST_TIME_WAIT, SF_ST_TIME_WAIT);
	no_notes_but(&s, 0, 0, 0);
}

static void refused_ends_closed_after_syn_sent(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_REFUSED, &s);
	assert_int_equal(s.n, 2);
	states_at(&s, 1, SF_ST_SYN_SENT, SF_ST_CLOSED);
	assert_int_equal(s.flags[1], SF_TH_RST | SF_TH_ACK);
	ends(&s, SF_ST_CLOSED, SF_ST_CLOSED);
	assert_false(s.passed[SF_RESP][SF_ST_SYN_RCVD]);
	no_notes_but(&s, 0, 0, 0);
}

/* FIN_WAIT_2 facing CLOSE_WAIT while the server's data flows and the
 * client acknowledges it. */
static void half_close_data_flows_into_fin_wait_2(void **state)
{
	struct seen s;
	int data = 0, acks = 0;
	(void)state;
	scenario(SF_SYNTH_HALF_CLOSE, &s);
	assert_int_equal(s.n, 12);
	states_at(&s, 5, SF_ST_FIN_WAIT_1, SF_ST_CLOSE_WAIT);
	states_at(&s, 6, SF_ST_FIN_WAIT_2, SF_ST_CLOSE_WAIT);
	for (int k = 7; k <= 10; k++) {
		states_at(&s, k, SF_ST_FIN_WAIT_2, SF_ST_CLOSE_WAIT);
		if (s.dir[k - 1] == SF_RESP && s.paylen[k - 1] > 0)
			data++;
		if (s.dir[k - 1] == SF_ORIG && s.flags[k - 1] == SF_TH_ACK)
			acks++;
	}
	assert_int_equal(data, 2);
	assert_int_equal(acks, 2);
	states_at(&s, 11, SF_ST_TIME_WAIT, SF_ST_LAST_ACK);
	ends(&s, SF_ST_TIME_WAIT, SF_ST_CLOSED);
	assert_true(s.bytes[SF_RESP] > s.bytes[SF_ORIG]);
	no_notes_but(&s, 0, 0, 0);
}

static void rst_abort_ends_closed_on_both(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_RST_ABORT, &s);
	assert_int_equal(s.n, 4);
	states_at(&s, 3, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED);
	assert_int_equal(s.flags[3], SF_TH_RST | SF_TH_ACK);
	assert_int_equal(s.dir[3], SF_ORIG);
	ends(&s, SF_ST_CLOSED, SF_ST_CLOSED);
	no_notes_but(&s, 0, 0, 0);
}

static void syn_retransmit_is_noted_and_ends_established(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_SYN_RETRANSMIT, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.flags[1], SF_TH_SYN);
	assert_true(s.notes[1] & SF_NOTE_RETRANSMISSION);
	states_at(&s, 2, SF_ST_SYN_SENT, SF_ST_CLOSED);
	ends(&s, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED);
	no_notes_but(&s, 2, 2, SF_NOTE_RETRANSMISSION);
}

static void full_carries_data_both_ways_and_closes(void **state)
{
	struct seen s;
	(void)state;
	scenario(SF_SYNTH_FULL, &s);
	assert_int_equal(s.n, 18);
	assert_int_equal(s.bytes[SF_ORIG], 70 + 73);             /* two requests */
	assert_int_equal(s.bytes[SF_RESP], 90 + 2 * 1448 + 300); /* two answers */
	states_at(&s, 14, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED);
	states_at(&s, 15, SF_ST_FIN_WAIT_1, SF_ST_CLOSE_WAIT);
	ends(&s, SF_ST_TIME_WAIT, SF_ST_CLOSED);
	no_notes_but(&s, 0, 0, 0);
}

static void full_over_ipv6_with_another_mss(void **state)
{
	struct sf_synth_opts o;
	struct seen s;
	(void)state;
	sf_synth_defaults(&o);
	o.ver = 6;
	memset(o.caddr, 0, 16);
	memset(o.saddr, 0, 16);
	o.caddr[0] = o.saddr[0] = 0x20;
	o.caddr[1] = o.saddr[1] = 0x01;
	o.caddr[2] = o.saddr[2] = 0x0d;
	o.caddr[3] = o.saddr[3] = 0xb8;
	o.caddr[15] = 1;
	o.saddr[15] = 2;
	o.mss = 536;
	run_scenario(SF_SYNTH_FULL, &o, &s);
	assert_int_equal(s.ver, 6);
	assert_int_equal(s.n, 18);
	assert_int_equal(s.paylen[9], 536 - 12); /* a full segment: MSS less the timestamps */
	assert_int_equal(s.bytes[SF_RESP], 90 + 2 * 524 + 300);
	ends(&s, SF_ST_TIME_WAIT, SF_ST_CLOSED);
	no_notes_but(&s, 0, 0, 0);
}

/* --- mix -------------------------------------------------------------------------------- */

struct mixlog {
	uint32_t n;
	uint8_t (*st)[2]; /* last states per stream */
	uint8_t *est;     /* stream has both ends ESTABLISHED now */
	uint32_t open, max_open, closes_before_last_open, opened;
};

static void mix_each(void *arg, const struct sf_seg_info *si)
{
	struct mixlog *m = arg;
	uint32_t k = si->conn->stream;
	bool both =
		si->conn->ep[0].st == SF_ST_ESTABLISHED && si->conn->ep[1].st == SF_ST_ESTABLISHED;

	assert_true(k < m->n);
	if (both && !m->est[k]) {
		m->open++;
		m->opened++;
	} else if (!both && m->est[k]) {
		m->open--;
		if (m->opened < m->n)
			m->closes_before_last_open++;
	}
	m->est[k] = both;
	m->max_open = m->open > m->max_open ? m->open : m->max_open;
	m->st[k][0] = si->conn->ep[0].st;
	m->st[k][1] = si->conn->ep[1].st;
}

static void mix_run(uint32_t n, bool open_all, struct mixlog *m)
{
	struct sf_synth_opts o;
	struct seen s;
	char path[64];

	sf_synth_defaults(&o);
	o.conns = n;
	o.open_all = open_all;
	o.cport = 65530; /* six ports, then the next address: both must vary */
	memset(m, 0, sizeof(*m));
	m->n = n;
	m->st = calloc(n, sizeof(*m->st));
	m->est = calloc(n, 1);
	assert_non_null(m->st);
	assert_non_null(m->est);
	tmp_path(path, sizeof(path));
	write_ok(path, SF_SYNTH_MIX, &o);
	read_back(path, &s, mix_each, m);
	unlink(path);
	assert_int_equal(s.streams, n); /* distinct tuples: one stream each */
	assert_int_equal(s.n, 18 * (int)n);
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(m->st[k][0], SF_ST_TIME_WAIT);
		assert_int_equal(m->st[k][1], SF_ST_CLOSED);
	}
	free(m->st);
	free(m->est);
}

static void mix_interleaves_distinct_connections(void **state)
{
	struct mixlog m;
	(void)state;
	mix_run(300, false, &m);
	assert_int_equal(m.opened, 300);
	assert_true(m.max_open > 10);  /* interleaved ... */
	assert_true(m.max_open < 300); /* ... but not all at once */
	assert_true(m.closes_before_last_open > 0);
}

static void mix_open_all_opens_every_connection_first(void **state)
{
	struct mixlog m;
	(void)state;
	mix_run(300, true, &m);
	assert_int_equal(m.max_open, 300);
	assert_int_equal(m.closes_before_last_open, 0);
}

/* --- the file ---------------------------------------------------------------------------- */

static void read_file(const char *path, uint8_t **buf, long *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	*len = ftell(f);
	assert_true(*len > 24);
	rewind(f);
	*buf = malloc((size_t)*len);
	assert_non_null(*buf);
	assert_int_equal(fread(*buf, 1, (size_t)*len, f), (size_t)*len);
	fclose(f);
}

static void same_options_same_bytes(void **state)
{
	struct sf_synth_opts o;
	char a[64], b[64];
	uint8_t *x = NULL, *y = NULL;
	long xl = 0, yl = 0;
	(void)state;

	sf_synth_defaults(&o);
	o.conns = 50;
	tmp_path(a, sizeof(a));
	tmp_path(b, sizeof(b));
	write_ok(a, SF_SYNTH_MIX, &o);
	write_ok(b, SF_SYNTH_MIX, &o);
	read_file(a, &x, &xl);
	read_file(b, &y, &yl);
	assert_int_equal(xl, yl);
	assert_memory_equal(x, y, (size_t)xl);
	free(y);
	o.isn = 7; /* another seed: other numbers, the same size */
	write_ok(b, SF_SYNTH_MIX, &o);
	read_file(b, &y, &yl);
	assert_int_equal(xl, yl);
	assert_memory_not_equal(x, y, (size_t)xl);
	free(x);
	free(y);
	unlink(a);
	unlink(b);
}

static void a_write_that_fails_is_never_called_good(void **state)
{
	struct sf_synth_opts o;
	char err[256] = "";
	(void)state;

	sf_synth_defaults(&o);
	if (access("/dev/full", W_OK) == 0) {
		assert_int_equal(sf_synth_write("/dev/full", SF_SYNTH_FULL, &o, err, sizeof(err)),
				 SF_SYNTH_EWRITE);
		assert_non_null(strstr(err, "incomplete"));
	}
	err[0] = '\0';
	assert_int_equal(
		sf_synth_write("/nonexistent-dir/x.pcap", SF_SYNTH_FULL, &o, err, sizeof(err)),
		SF_SYNTH_EWRITE);
	assert_non_null(strstr(err, "/nonexistent-dir/x.pcap"));
}

static void bad_options_are_refused(void **state)
{
	struct sf_synth_opts o;
	char err[256] = "";
	(void)state;

	sf_synth_defaults(&o);
	o.mss = 100;
	assert_int_equal(sf_synth_write("/tmp/synfin-synth-never-made.pcap", SF_SYNTH_FULL, &o, err,
					sizeof(err)),
			 SF_SYNTH_EINVAL);
	assert_non_null(strstr(err, "MSS"));
	sf_synth_defaults(&o);
	o.conns = 0;
	assert_int_equal(sf_synth_write("/tmp/synfin-synth-never-made.pcap", SF_SYNTH_MIX, &o, err,
					sizeof(err)),
			 SF_SYNTH_EINVAL);
	sf_synth_defaults(&o);
	o.ver = 5;
	assert_int_equal(sf_synth_write("/tmp/synfin-synth-never-made.pcap", SF_SYNTH_HANDSHAKE, &o,
					err, sizeof(err)),
			 SF_SYNTH_EINVAL);
	sf_synth_defaults(&o);
	memcpy(o.saddr, o.caddr, 16);
	o.sport = o.cport;
	assert_int_equal(sf_synth_write("/tmp/synfin-synth-never-made.pcap", SF_SYNTH_HANDSHAKE, &o,
					err, sizeof(err)),
			 SF_SYNTH_EINVAL);
	assert_int_equal(access("/tmp/synfin-synth-never-made.pcap", F_OK),
			 -1); /* refused before anything is made */
}

static void every_scenario_has_a_name_and_a_summary(void **state)
{
	enum sf_synth_scn back;
	(void)state;
	for (unsigned i = 0; i < SF_SYNTH_COUNT; i++) {
		assert_true(sf_synth_lookup(sf_synth_name((enum sf_synth_scn)i), &back));
		assert_int_equal(back, i);
		assert_true(strlen(sf_synth_summary((enum sf_synth_scn)i)) > 10);
	}
	assert_false(sf_synth_lookup("nope", &back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_ends_established_on_both),
		cmocka_unit_test(close_four_way_ends_time_wait_and_closed),
		cmocka_unit_test(close3_fin_rides_on_the_ack),
		cmocka_unit_test(simultaneous_open_passes_syn_rcvd_on_both),
		cmocka_unit_test(simultaneous_close_passes_closing_on_both),
		cmocka_unit_test(refused_ends_closed_after_syn_sent),
		cmocka_unit_test(half_close_data_flows_into_fin_wait_2),
		cmocka_unit_test(rst_abort_ends_closed_on_both),
		cmocka_unit_test(syn_retransmit_is_noted_and_ends_established),
		cmocka_unit_test(full_carries_data_both_ways_and_closes),
		cmocka_unit_test(full_over_ipv6_with_another_mss),
		cmocka_unit_test(mix_interleaves_distinct_connections),
		cmocka_unit_test(mix_open_all_opens_every_connection_first),
		cmocka_unit_test(same_options_same_bytes),
		cmocka_unit_test(a_write_that_fails_is_never_called_good),
		cmocka_unit_test(bad_options_are_refused),
		cmocka_unit_test(every_scenario_has_a_name_and_a_summary),
	};
	return cmocka_run_group_tests_name("craft_synth", tests, NULL, NULL);
}
