/* cli/ladder.h: the ladder sink: each connection as a sequence diagram.
 *
 * One diagram per stream (tshark's tcp.stream index), client on the left,
 * server on the right, one arrow per segment, each endpoint's state on its
 * own side where it changes, time relative to the stream's first segment.
 * A stream's rows are held until the tracker finishes it, so that each
 * diagram is contiguous however the streams interleave; at most `keep` rows
 * from each end of a stream are held, the middle is counted.
 *
 * The layout arithmetic is pure (no I/O, no allocation) and declared here
 * for tests/test_ladder.c.
 */
#ifndef SF_CLI_LADDER_H
#define SF_CLI_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/sink.h"
#include "decode/track.h"

#define SF_LADDER_KEEP_DEFAULT  1000 /* rows held from each end of a stream */
#define SF_LADDER_WIDTH_DEFAULT 80   /* neither --width, $COLUMNS nor a terminal */
#define SF_LADDER_WIDTH_SVG     100  /* the SVG's columns without --width */
#define SF_LADDER_WIDTH_MIN     40   /* --width below this is refused */
#define SF_LADDER_WIDTH_MAX     1000
#define SF_LADDER_ARROW_MIN     4  /* the arrow area never shrinks below this */
#define SF_LADDER_ARROW_TIGHT   10 /* below this, no spaces around a label */

struct sf_ladder_cfg {
	int width;               /* columns of the terminal (or SVG grid) */
	bool ascii;              /* only ASCII: - > < | */
	bool nano;               /* nine decimals on the time */
	sf_ns msl;               /* TIME_WAIT lasts 2*msl: the time of its expiry row */
	uint32_t keep;           /* rows held from each end of a stream (>= 1) */
	const uint32_t *streams; /* sorted, unique stream indices; NULL: all */
	size_t nstreams;
	FILE *svg;         /* write one SVG document here instead of text; NULL: text */
	const char *title; /* the SVG's <title> (the capture's name) */
};

struct sf_ladder;

/* A ladder for sf_sink_state.priv; NULL when out of memory (or, with svg,
 * when no temporary file can be made: errno says why). */
struct sf_ladder *sf_ladder_new(const struct sf_ladder_cfg *cfg);
void sf_ladder_free(struct sf_ladder *l);
/* After the run: was stream `idx` (one of cfg->streams) in the capture? */
bool sf_ladder_seen(const struct sf_ladder *l, uint32_t idx);
/* After the run: rows dropped for want of memory (shown as skipped). */
uint64_t sf_ladder_lost(const struct sf_ladder *l);
/* After the run: the SVG could not be written; errno-style code in *err. */
bool sf_ladder_svg_failed(const struct sf_ladder *l, int *err);

extern const struct sf_sink sf_sink_ladder;

/* --- layout, pure -------------------------------------------------------- */

/* Where things go on a row of `width` columns (0-based):
 *
 *   time_w   1  state_w  1  L  arrow area (arrow_w)  R  1  state_w
 *   0.001000    SYN_SENT    ├── S seq 0 ──────────▶│  SYN_RCVD
 *
 * `width` is what the diagram takes: the asked width, or more when the
 * arrow area would fall below SF_LADDER_ARROW_MIN. */
struct sf_ladder_layout {
	int width;
	int time_w, state_w;
	int left, right; /* the lifelines' columns */
	int arrow_w;     /* columns strictly between them */
};

void sf_ladder_layout(int width, int time_w, int state_w, struct sf_ladder_layout *out);

/* The columns a label may take inside an arrow area of arrow_w columns:
 * the head, a shaft of at least two on each side and a space around it;
 * below SF_LADDER_ARROW_TIGHT, one shaft or head column on each side. */
int sf_ladder_label_room(int arrow_w);

/* Where a label of n columns starts in an arrow area, 0-based: centred. */
int sf_ladder_label_start(int arrow_w, int n);

/* The width to draw at: --width when given (opt > 0), else $COLUMNS when it
 * is a positive number, else the terminal's columns when known (tty > 0),
 * else SF_LADDER_WIDTH_DEFAULT; never above SF_LADDER_WIDTH_MAX. */
int sf_ladder_pick_width(int opt, const char *columns, int tty);

/* What a segment's label says. */
struct sf_ladder_seg {
	uint16_t flags;
	uint32_t seq, ack, len;
	uint32_t notes;  /* SF_NOTE_* */
	uint32_t dupack; /* with SF_NOTE_DUPLICATE_ACK */
	bool unexpected; /* fits no row of the state table */
};

/* Writes the longest form of the label that fits in `room` columns:
 *   full     "P. seq 1 ack 1 len 18 [TCP Dup ACK #2]"
 *   compact  "P. 1:19 ack 1 [TCP Dup ACK #2]"
 *   cut      the compact form cut to room, ending in an ellipsis
 * Seq is shown for data, SYN, FIN and RST; ack with ACK; len above 0, as
 * tcpdump does. Returns the columns written (the ellipsis is one column
 * but three bytes in UTF-8); buf gets a terminating NUL. cap >= 4. */
int sf_ladder_label(char *buf, size_t cap, const struct sf_ladder_seg *s, int room, bool ascii);

/* Copies ASCII text s into buf, cut from the middle to fit `room` columns
 * when it is longer ("2001:db8:…:1]:443" keeps both ends: the port stays).
 * Returns the columns written. */
int sf_ladder_elide(char *buf, size_t cap, const char *s, int room, bool ascii);

/* "1.000250" (6 decimals) or with nano 9; negative when before the first
 * segment (a capture out of time order). Returns the length. cap >= 32. */
int sf_ladder_time(char *buf, size_t cap, sf_ns rel, bool nano);

/* Parses a stream index ("0", "17"); false on anything else. */
bool sf_ladder_parse_stream(const char *s, uint32_t *out);

#endif
