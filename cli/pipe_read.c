/* cli/pipe_read.c: the next frame, its time, decoded and counted. */
#include "cli/pipe_read.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"

void sf_reader_init(struct sf_reader *rd, struct sf_src *src, const struct sf_pipe_opts *o,
		    bool no_csum)
{
	memset(rd, 0, sizeof(*rd));
	rd->src = src;
	rd->o = o;
	rd->no_csum = no_csum;
}

/* Capture time in nanoseconds, saturated: a damaged time stamp (a pcapng
 * offset near the limits) must not overflow. */
static sf_ns pkt_ns(const struct sf_pkt *p)
{
	const int64_t lim = INT64_MAX / 1000000000 - 1;
	int64_t frac = p->frac_digits == 9 ? (int64_t)p->frac : (int64_t)p->frac * 1000;
	if (p->sec > lim)
		return INT64_MAX - 1000000000;
	if (p->sec < -lim)
		return INT64_MIN + 1000000000;
	return p->sec * 1000000000 + frac;
}

/* The --at moment in capture time, once the first packet's time is known.
 * A time of day is resolved by mktime on the first packet's local date, so a
 * day with a DST change still means the clock reading the user gave. Sums
 * saturate: a damaged file's first time can sit near the int64 limits. */
static sf_ns stop_time(const struct sf_pipe_opts *o, sf_ns first)
{
	int64_t sec = first / 1000000000 - (first % 1000000000 < 0);
	time_t t = (time_t)sec;
	struct tm tm;

	if (o->stop_base == SF_STOP_EPOCH)
		return o->stop_at_ns;
	if (o->stop_base == SF_STOP_DAY && localtime_r(&t, &tm) != NULL) {
		tm.tm_hour = (int)(o->stop_at_ns / 3600000000000);
		tm.tm_min = (int)(o->stop_at_ns / 60000000000 % 60);
		tm.tm_sec = (int)(o->stop_at_ns / 1000000000 % 60);
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t != (time_t)-1 && t < INT64_MAX / 1000000000 && t > INT64_MIN / 1000000000)
			return (sf_ns)t * 1000000000 + o->stop_at_ns % 1000000000;
	}
	return first > INT64_MAX - o->stop_at_ns ? INT64_MAX : first + o->stop_at_ns;
}

enum sf_read_rc sf_reader_next(struct sf_reader *rd, const uint8_t **data, sf_ns *now)
{
	enum sf_src_rc r = sf_src_next(rd->src, &rd->pkt, data, rd->err, sizeof(rd->err));

	switch (r) {
	case SF_SRC_PACKET: break;
	case SF_SRC_AGAIN: return SF_READ_AGAIN;
	case SF_SRC_EOF: return SF_READ_EOF;
	default: rd->failed = r; return SF_READ_FAILED;
	}
	*now = pkt_ns(&rd->pkt);
	if (rd->o->stop_base != SF_STOP_NONE) {
		if (!rd->stop_known)
			rd->stop = stop_time(rd->o, *now); /* counted from the first packet */
		rd->stop_known = true;
		if (*now > rd->stop)
			return SF_READ_STOP;
	}
	return SF_READ_FRAME;
}

void sf_reader_decode(struct sf_reader *rd, const uint8_t *data, struct sf_frame *f)
{
	const struct sf_pkt *p = &rd->pkt;
	struct sf_pipe_stats *s = &rd->stats;

	if (rd->no_csum)
		(void)sf_dec_frame_nocsum(p->dlt, data, p->caplen, p->wirelen, f);
	else
		(void)sf_dec_frame(p->dlt, data, p->caplen, p->wirelen, f);
	s->kinds[f->kind]++;
	if (f->kind == SF_FRAME_LINK_UNSUPPORTED && s->kinds[f->kind] == 1)
		s->bad_dlt = p->dlt;
	if (f->rc != SF_DEC_OK && s->problems++ == 0) {
		s->first_problem = p->num;
		s->first_why = f->why;
	}
	if (f->kind == SF_FRAME_TCP || f->kind == SF_FRAME_BROKEN)
		s->lines++;
}

int sf_reader_failure(const struct sf_reader *rd)
{
	const char *file = rd->o->file;

	if (rd->failed == SF_SRC_FILTER) {
		const char *ln = pcap_datalink_val_to_name(rd->pkt.dlt);
		fprintf(stderr, "synfin: %s: packet %" PRIu64 ": %s (for link type %d, %s)\n", file,
			rd->pkt.num, rd->err, rd->pkt.dlt, ln ? ln : "unknown");
		return SF_EXIT_USAGE;
	}
	fprintf(stderr, "synfin: %s: packet %" PRIu64 ": %s\n", file, rd->pkt.num, rd->err);
	return SF_EXIT_DAMAGED;
}
