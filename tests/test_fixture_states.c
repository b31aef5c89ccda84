/* tests/test_fixture_states.c: every pcaps/state-*.pcap through the real
 * pipeline (file reader, frame decoder, tracker), checking both endpoints'
 * states after every segment and how each connection ends against the
 * capture's .states file (written by tests/make_state_fixtures.py). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/source.h"
#include "config.h"
#include "decode/frame.h"
#include "decode/track.h"

struct done_log {
	char lines[16][64];
	int n;
};

static void on_done(void *arg, const struct sf_conn *c, const char *why)
{
	struct done_log *d = arg;
	if (d->n < 16)
		snprintf(d->lines[d->n++], sizeof(d->lines[0]), "done %u %s", c->stream, why);
}

/* Returns the number of problems found in one fixture, printing each. */
static int check_fixture(const char *pcap)
{
	char states[512], line[128], err[SF_SRC_ERRLEN];
	struct sf_track_cfg cfg = { .msl = SF_MSL_DEFAULT_NS,
				    .idle_timeout = SF_IDLE_DEFAULT_NS,
				    .max_conns = 64 };
	struct done_log dl = { .n = 0 };
	struct sf_src src;
	struct sf_track *t = NULL;
	struct sf_frame f;
	struct sf_pkt pkt;
	const uint8_t *data = NULL;
	FILE *sf = NULL;
	int bad = 0, seg = 0, di = 0;

	snprintf(states, sizeof(states), "%.*s.states", (int)(strlen(pcap) - 5), pcap);
	sf = fopen(states, "r");
	assert_non_null(sf);
	assert_true(sf_src_open_file(&src, pcap, false, err, sizeof(err)));
	t = sf_track_new(&cfg, on_done, &dl);
	assert_non_null(t);
	while (sf_src_next(&src, &pkt, &data, err, sizeof(err)) == SF_SRC_PACKET) {
		struct sf_seg_info si;
		char want[128], got[128];
		sf_ns now = pkt.sec * 1000000000 + (int64_t)pkt.frac * 1000;

		(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
		if (f.kind != SF_FRAME_TCP)
			continue;
		seg++;
		assert_true(sf_track_seg(t, &f, now, &si));
		snprintf(got, sizeof(got), "%u %s %s%s", si.conn->stream,
			 sf_st_name(si.conn->ep[SF_ORIG].st), sf_st_name(si.conn->ep[SF_RESP].st),
			 si.unexpected ? " unexpected" : "");
		if (fgets(line, sizeof(line), sf) == NULL) {
			printf("%s: segment %d: no expected line\n", pcap, seg);
			bad++;
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		snprintf(want, sizeof(want), "%s", line);
		if (strcmp(want, got) != 0) {
			printf("%s: segment %d: got '%s', want '%s'\n", pcap, seg, got, want);
			bad++;
		}
	}
	sf_track_flush(t);
	while (fgets(line, sizeof(line), sf) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (di >= dl.n || strcmp(line, dl.lines[di]) != 0) {
			printf("%s: '%s' expected, got '%s'\n", pcap, line,
			       di < dl.n ? dl.lines[di] : "nothing");
			bad++;
		}
		di++;
	}
	if (di != dl.n) {
		printf("%s: %d connections finished, %d expected\n", pcap, dl.n, di);
		bad++;
	}
	sf_track_free(t);
	sf_src_close(&src);
	fclose(sf);
	return bad;
}

static void every_state_fixture_moves_both_endpoints_as_written(void **state)
{
	glob_t g;
	int bad = 0;
	(void)state;
	assert_int_equal(glob("pcaps/state-*.pcap", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 18); /* one per case of the issue, at least */
	for (size_t i = 0; i < g.gl_pathc; i++)
		bad += check_fixture(g.gl_pathv[i]);
	printf("state fixtures: %zu captures checked\n", g.gl_pathc);
	globfree(&g);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_state_fixture_moves_both_endpoints_as_written),
	};
	return cmocka_run_group_tests_name("fixture_states", tests, NULL, NULL);
}
