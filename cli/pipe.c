/* cli/pipe.c: source -> decode -> track -> sink, with pacing and accounting. */
#include "cli/pipe.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/source.h"
#include "cli/pipe_read.h"
#include "cli/pipe_split.h"
#include "config.h"

struct run {
	const struct sf_sink *sink;
	struct sf_sink_state *st;
};

/* The live source being read, for the signal handler; and whether a
 * signal asked to stop. */
static struct sf_src *volatile live_src;
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	struct sf_src *s = live_src;
	if (s == NULL) { /* nothing to drain: die of the signal as usual */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted = 1;
	sf_src_live_break(s);
}

void sf_pipe_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Opens the file or the live handle (then drops root); an exit code. */
static int open_source(const struct sf_pipe_opts *o, struct sf_src *src)
{
	char err[SF_SRC_ERRLEN] = "";

	if (o->live == NULL) {
		if (!sf_src_open_file(src, o->file, o->nano, err, sizeof(err))) {
			fprintf(stderr, "synfin: %s: %s\n", o->file, err);
			return SF_EXIT_INPUT;
		}
		return SF_EXIT_OK;
	}
	switch (sf_src_open_live(src, o->live, err, sizeof(err))) {
	case SF_LIVE_OK: break;
	case SF_LIVE_PERM: fprintf(stderr, "synfin: %s\n", err); return SF_EXIT_PERM;
	case SF_LIVE_WFILE: fprintf(stderr, "synfin: %s\n", err); return SF_EXIT_OUTPUT;
	default: fprintf(stderr, "synfin: %s\n", err); return SF_EXIT_INPUT;
	}
	if (o->drop_user != NULL &&
	    !sf_drop_privileges(o->drop_user, sf_src_wfile_fd(src), err, sizeof(err))) {
		fprintf(stderr, "synfin: %s\n", err);
		sf_src_close(src);
		return SF_EXIT_PERM;
	}
	/* tcpdump's line: it also tells a script that capturing has begun. */
	{
		const char *ln = pcap_datalink_val_to_name(src->dlt);
		const char *ld = pcap_datalink_val_to_description(src->dlt);
		fprintf(stderr,
			"synfin: listening on %s, link-type %s (%s), snapshot length %d bytes\n",
			o->file, ln ? ln : "?", ld ? ld : "?",
			o->live->snaplen ? o->live->snaplen : SF_LIVE_SNAPLEN);
		fflush(stderr);
	}
	return SF_EXIT_OK;
}

/* libpcap's counts, as tcpdump prints them when it stops. */
static void live_counts(struct sf_src *src)
{
	struct sf_live_stats ls;
	fprintf(stderr, "%" PRIu64 " packets captured\n", src->num);
	if (sf_src_live_stats(src, &ls))
		fprintf(stderr, "%u packets received by filter\n%u packets dropped by kernel\n",
			ls.received, ls.dropped);
}

void sf_pipe_defaults(struct sf_pipe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->track.msl = SF_MSL_DEFAULT_NS;
	o->track.idle_timeout = SF_IDLE_DEFAULT_NS;
	o->track.max_conns = SF_MAX_CONNS_DEFAULT;
	/* A capture on Linux loopback is healthy though its checksums are only
	 * partial: synfin's summaries do not report them as Zeek's 'c'. */
	o->track.zeek.partial_ok = true;
}

bool sf_pipe_parse_seconds(const char *s, int64_t *ns)
{
	char *end = NULL;
	double v = 0;

	if ((s[0] < '0' || s[0] > '9') && s[0] != '.')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !(v >= 0) || v > 1e9)
		return false;
	*ns = (int64_t)(v * 1e9 + 0.5); /* v >= 0: rounds to nearest */
	return true;
}

char *sf_pipe_join_words(int n, char *const *w)
{
	size_t len = 1, off = 0;
	char *s = NULL;

	for (int i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	s = malloc(len);
	if (s == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		size_t wl = strlen(w[i]);
		if (i)
			s[off++] = ' ';
		memcpy(s + off, w[i], wl);
		off += wl;
	}
	s[off] = '\0';
	return s;
}

/* A positive count; strtoull alone accepts spaces and signs and wraps. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

int sf_pipe_option(struct sf_pipe_opts *o, int c, const char *arg, const char *cmd)
{
	uint64_t v = 0;
	int64_t ns = 0;
	double f = 0;
	char *end = NULL;

	switch (c) {
	case 'r': o->file = arg; return 1;
	case 'c':
		if (!parse_u64(arg, UINT64_MAX, &o->count)) {
			fprintf(stderr, "synfin %s: -c wants a positive count, not '%s'\n", cmd,
				arg);
			return -1;
		}
		return 1;
	case SF_OPT_NANO: o->nano = true; return 1;
	case SF_OPT_REALTIME:
		o->realtime = 1;
		if (arg != NULL) {
			errno = 0;
			f = strtod(arg, &end);
			if (*end != '\0' || errno == ERANGE || !(f > 0) || f > 1e6) {
				fprintf(stderr,
					"synfin %s: --realtime wants a speed-up factor above 0, "
					"not '%s'\n",
					cmd, arg);
				return -1;
			}
			o->realtime = f;
		}
		return 1;
	case SF_OPT_MSL:
	case SF_OPT_IDLE:
		if (!sf_pipe_parse_seconds(arg, &ns) || (c == SF_OPT_IDLE && ns == 0)) {
			fprintf(stderr, "synfin %s: --%s wants seconds, not '%s'\n", cmd,
				c == SF_OPT_MSL ? "msl" : "idle-timeout", arg);
			return -1;
		}
		if (c == SF_OPT_MSL)
			o->track.msl = ns;
		else
			o->track.idle_timeout = ns;
		return 1;
	case SF_OPT_MAX_CONNS:
		if (!parse_u64(arg, 1u << 28, &v)) {
			fprintf(stderr,
				"synfin %s: --max-conns wants a count from 1 to 268435456, not "
				"'%s'\n",
				cmd, arg);
			return -1;
		}
		o->track.max_conns = (uint32_t)v;
		return 1;
	default: return 0;
	}
}

void sf_pipe_bad_option(const char *cmd, int optopt, const char *word)
{
	if (optopt == 'r' || optopt == 'c')
		fprintf(stderr, "synfin %s: -%c needs a value\n\n", cmd, optopt);
	else if (optopt >= 256)
		fprintf(stderr, "synfin %s: '%s' needs a value\n\n", cmd, word);
	else if (optopt)
		fprintf(stderr, "synfin %s: unknown option -%c\n\n", cmd, optopt);
	else
		fprintf(stderr, "synfin %s: unknown option '%s'\n\n", cmd, word);
}

/* "1 packet" or "2 packets": the notes are read by people. */
static const char *packets(uint64_t n)
{
	return n == 1 ? "packet" : "packets";
}

static void report_stats(const struct sf_pipe_opts *o, const struct sf_pipe_stats *st,
			 const struct sf_track_stats *ts)
{
	const uint64_t *k = st->kinds;
	const char *lname = pcap_datalink_val_to_name(st->bad_dlt);

	if (k[SF_FRAME_LINK_UNSUPPORTED])
		fprintf(stderr,
			"synfin: %s: link type %d (%s) is not supported: %" PRIu64 " %s skipped\n",
			o->file, st->bad_dlt, lname ? lname : "unknown",
			k[SF_FRAME_LINK_UNSUPPORTED], packets(k[SF_FRAME_LINK_UNSUPPORTED]));
	if (st->problems)
		fprintf(stderr,
			"synfin: %s: %" PRIu64 " %s could not be fully decoded"
			" (first: packet %" PRIu64 ", %s)\n",
			o->file, st->problems, packets(st->problems), st->first_problem,
			sf_dec_strerror(st->first_why));
	if (k[SF_FRAME_TUNNEL])
		fprintf(stderr,
			"synfin: %s: %" PRIu64 " %s in a tunnel synfin does not open"
			" (L2TP, AYIYA, Teredo, PPTP's GRE...); TCP inside is not decoded\n",
			o->file, k[SF_FRAME_TUNNEL], packets(k[SF_FRAME_TUNNEL]));
	if (k[SF_FRAME_FRAGMENT])
		fprintf(stderr,
			"synfin: %s: %" PRIu64
			" later IP %s: no TCP header; counted, not decoded\n",
			o->file, k[SF_FRAME_FRAGMENT],
			k[SF_FRAME_FRAGMENT] == 1 ? "fragment" : "fragments");
	if (ts->evicted)
		fprintf(stderr,
			"synfin: %s: %" PRIu64
			" connections evicted at the --max-conns cap of %" PRIu32 "\n",
			o->file, ts->evicted, o->track.max_conns);
	if (ts->ignored)
		fprintf(stderr, "synfin: %s: %" PRIu64 " segments could not be tracked\n", o->file,
			ts->ignored);
}

static void conn_done(void *arg, const struct sf_conn *c, const char *why)
{
	struct run *r = arg;
	if (r->sink->conn_done)
		r->sink->conn_done(r->st, c, why);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --realtime: sleeps until the packet's capture time, scaled, has come. */
static void pace(double factor, sf_ns t0, int64_t wall0, sf_ns now)
{
	double due = (double)(now - t0) / factor;
	int64_t wait = wall0 + (int64_t)due - mono_ns();
	if (wait > 0) {
		struct timespec ts = { .tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000 };
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

/* Prefetching two frames ahead, so that a connection comes from memory while
 * the frames before it are worked on: the bucket of the frame after next,
 * and the connection of the next one, whose bucket was asked for a frame
 * ago. With a million connections open each would be a wait of its own. */
struct lookahead {
	uint32_t h; /* the next frame's hash, when ok */
	bool ok;
};

static void look_ahead(const struct sf_src *src, const struct sf_track *trk, struct lookahead *la)
{
	const uint8_t *d = NULL;
	uint32_t caplen = 0, h = 0;
	int dlt = 0;
	struct sf_tuple k;
	bool ok = sf_src_peek(src, 1, &d, &caplen, &dlt) && sf_dec_tuple(dlt, d, caplen, &k);

	if (ok) {
		h = sf_track_hash(&k);
		sf_track_prefetch(trk, h, 0);
	}
	if (la->ok)
		sf_track_prefetch(trk, la->h, 1);
	la->h = h;
	la->ok = ok;
}

/* The pipeline on this thread, frame after frame: live captures, --realtime,
 * -c, and every sink that looks at frames. Returns an exit code. */
static int run_serial(struct sf_reader *rd, struct sf_track *trk, const struct sf_sink *sink,
		      struct sf_sink_state *st)
{
	const struct sf_pipe_opts *o = rd->o;
	struct sf_src *src = rd->src;
	struct sf_frame f;
	struct lookahead la = { 0, false };
	sf_ns t0 = 0;
	int64_t wall0 = 0;
	bool draining = false;

	memset(&f, 0, sizeof(f));
	if (src->live) {
		wall0 = mono_ns();
		live_src = src;
	}
	for (;;) {
		struct sf_seg_info si;
		const uint8_t *data = NULL;
		sf_ns now = 0;
		enum sf_read_rc r = SF_READ_EOF;

		/* A live capture told to stop first reads what the kernel holds. */
		if (src->live && !draining &&
		    (interrupted || (o->duration_ns > 0 && mono_ns() - wall0 >= o->duration_ns))) {
			draining = true;
			(void)sf_src_live_drain(src);
		}
		r = sf_reader_next(rd, &data, &now);
		if (r == SF_READ_AGAIN) {
			if (draining)
				break;
			/* Nothing queued: capture time has reached now (less a
			 * second for frames stamped but not yet queued). */
			if (!sink->untracked)
				sf_track_advance(trk, wall_ns() - 1000000000);
			continue;
		}
		if (r == SF_READ_EOF && src->live && interrupted && !draining) {
			draining = true; /* the break: drain, then stop */
			(void)sf_src_live_drain(src);
			continue;
		}
		if (r == SF_READ_FAILED) {
			(void)sf_buf_flush(st->out); /* what came before, then why it stops */
			live_src = NULL;
			return sf_reader_failure(rd);
		}
		if (r != SF_READ_FRAME)
			break;
		sf_src_dump(src, &rd->pkt, data);
		if (o->realtime > 0) {
			if (wall0 == 0) {
				wall0 = mono_ns();
				t0 = now;
			}
			(void)sf_buf_flush(st->out); /* show what came before the wait */
			pace(o->realtime, t0, wall0, now);
		}
		if (!sink->untracked && sf_track_wants_prefetch(trk))
			look_ahead(src, trk, &la);
		else
			la.ok = false;
		sf_reader_decode(rd, data, &f);
		if (f.kind != SF_FRAME_TCP && f.kind != SF_FRAME_BROKEN) {
			if (!sink->untracked)
				sf_track_advance(trk, now);
			continue;
		}
		if (f.kind == SF_FRAME_TCP && !sink->untracked && sf_track_seg(trk, &f, now, &si)) {
			if (sink->frame)
				sink->frame(st, &rd->pkt, &f, &si);
		} else if (sink->frame) {
			sink->frame(st, &rd->pkt, &f, NULL);
		}
		if (src->live)
			(void)sf_buf_flush(st->out); /* as it happens */
		if (st->out->failed) /* a closed pipe or a full disk: nothing more to say */
			break;
		if (o->count != 0 && rd->stats.lines >= o->count)
			break;
	}
	live_src = NULL;
	return SF_EXIT_OK;
}

int sf_pipe_run(const struct sf_pipe_opts *o, const struct sf_sink *sink, struct sf_sink_state *st)
{
	struct sf_src src = { 0 };
	struct sf_reader rd;
	struct sf_track *trk = NULL;
	struct sf_track_stats ts = { 0 };
	struct sf_track_cfg tcfg;
	struct run run = { .sink = sink, .st = st };
	char err[SF_SRC_ERRLEN] = "";
	int rc = SF_EXIT_OK;

	rc = open_source(o, &src);
	if (rc != SF_EXIT_OK)
		return rc;
	if (o->filter != NULL && !sf_src_set_filter(&src, o->filter, err, sizeof(err))) {
		fprintf(stderr, "synfin: %s: %s ('%s')\n", src.name, err, o->filter);
		sf_src_close(&src);
		return SF_EXIT_USAGE;
	}
	tcfg = o->track;
	tcfg.no_zeek = !sink->zeek;
	tcfg.no_notes = sink->no_notes;
	trk = sf_track_new(&tcfg, conn_done, &run);
	if (trk == NULL) {
		fprintf(stderr, "synfin: out of memory for %" PRIu32 " connections (--max-conns)\n",
			o->track.max_conns);
		sf_src_close(&src);
		return SF_EXIT_INPUT;
	}
	st->track = trk;
	sf_reader_init(&rd, &src, o, sink->no_csum);
	if (sf_pipe_split_fits(o, sink, &src) && sf_pipe_split_run(&rd, trk)) {
		if (rd.failed)
			rc = sf_reader_failure(&rd);
	} else {
		rc = run_serial(&rd, trk, sink, st);
	}
	if (rd.stop_known && !sink->untracked)
		sf_track_advance(trk, rd.stop); /* what expired by the moment is gone */
	if (sink->finish)
		sink->finish(st); /* sees the connections still open: the end of the capture */
	if (sink->any_order)
		sf_track_flush_unordered(trk);
	else
		sf_track_flush(trk);
	if (sink->end)
		sink->end(st);
	if (!sf_buf_flush(st->out)) {
		fprintf(stderr, "synfin: writing the output failed\n");
		rc = SF_EXIT_OUTPUT;
	}
	ts = sf_track_stats(trk);
	report_stats(o, &rd.stats, &ts);
	if (src.live) {
		live_counts(&src);
		if (!sf_src_dump_close(&src, err, sizeof(err))) {
			fprintf(stderr, "synfin: %s\n", err);
			rc = SF_EXIT_OUTPUT;
		}
	}
	st->track = NULL;
	sf_track_free(trk);
	sf_src_close(&src);
	return rc;
}
