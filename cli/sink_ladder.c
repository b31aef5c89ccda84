/* cli/sink_ladder.c: each connection as a sequence diagram, in text or SVG.
 *
 * A stream's segments are held as compact rows (numbers, not text) until the
 * tracker finishes the connection; then its diagram is drawn in one piece.
 * Drawing walks the rows once and hands each diagram row to a drawer: one
 * draws text into the output buffer, the other SVG elements into a
 * temporary file, which becomes the body of one SVG document at the end
 * (the document's height is known only then).
 */
#include "cli/ladder.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "decode/seqan.h"

/* --- layout, pure ------------------------------------------------------------ */

void sf_ladder_layout(int width, int time_w, int state_w, struct sf_ladder_layout *out)
{
	out->time_w = time_w;
	out->state_w = state_w;
	out->left = time_w + 1 + state_w + 1;
	out->right = width - state_w - 2;
	if (out->right - out->left - 1 < SF_LADDER_ARROW_MIN)
		out->right = out->left + 1 + SF_LADDER_ARROW_MIN; /* wider than asked */
	out->arrow_w = out->right - out->left - 1;
	out->width = out->right + 2 + state_w;
}

int sf_ladder_label_room(int arrow_w)
{
	/* "──" + " " on one side, " " + "─▶" on the other; when tight, "─"
	 * and "▶": the flags matter more than the air around them. */
	if (arrow_w >= SF_LADDER_ARROW_TIGHT)
		return arrow_w - 6;
	return arrow_w > 2 ? arrow_w - 2 : 0;
}

int sf_ladder_label_start(int arrow_w, int n)
{
	return n >= arrow_w ? 0 : (arrow_w - n) / 2;
}

int sf_ladder_pick_width(int opt, const char *columns, int tty)
{
	int w = SF_LADDER_WIDTH_DEFAULT;

	if (opt > 0) {
		w = opt;
	} else if (columns != NULL && columns[0] >= '1' && columns[0] <= '9' &&
		   strspn(columns, "0123456789") == strlen(columns) && strlen(columns) <= 6) {
		w = (int)strtol(columns, NULL, 10); /* six digits: no overflow */
	} else if (tty > 0) {
		w = tty;
	}
	return w > SF_LADDER_WIDTH_MAX ? SF_LADDER_WIDTH_MAX : w;
}

bool sf_ladder_parse_stream(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (s[0] == '\0')
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

int sf_ladder_time(char *buf, size_t cap, sf_ns rel, bool nano)
{
	/* The magnitude in unsigned arithmetic: -rel overflows at INT64_MIN. */
	uint64_t a = rel < 0 ? (uint64_t)0 - (uint64_t)rel : (uint64_t)rel;
	int n = 0;

	if (nano)
		n = snprintf(buf, cap, "%s%" PRIu64 ".%09" PRIu64, rel < 0 ? "-" : "",
			     a / 1000000000u, a % 1000000000u);
	else
		n = snprintf(buf, cap, "%s%" PRIu64 ".%06" PRIu64, rel < 0 ? "-" : "",
			     a / 1000000000u, a % 1000000000u / 1000u);
	return n < 0 ? 0 : n;
}

/* The ellipsis that marks a cut: one column in Unicode, three in ASCII. */
static const char *ell(bool ascii, int *cols)
{
	*cols = ascii ? 3 : 1;
	return ascii ? "..." : "\xe2\x80\xa6";
}

int sf_ladder_elide(char *buf, size_t cap, const char *s, int room, bool ascii)
{
	int n = (int)strlen(s), ec = 0, keep = 0, tail = 0;
	const char *e = ell(ascii, &ec);
	size_t el = strlen(e);

	if (room < 0)
		room = 0;
	if (n <= room || room <= ec) {
		/* Fits, or too narrow for any mark: the first columns alone. */
		int k = n < room ? n : room;
		if ((size_t)k >= cap)
			k = (int)cap - 1;
		memcpy(buf, s, (size_t)k);
		buf[k] = '\0';
		return k;
	}
	keep = room - ec;
	tail = (keep + 1) / 2;
	if (strrchr(s, ':') != NULL) {
		/* An endpoint: the port ends it and stays whole when it can. */
		int port = (int)strlen(strrchr(s, ':'));
		if (port > tail)
			tail = port < keep ? port : keep - 1;
	}
	if ((size_t)(keep + (int)el) >= cap) {
		buf[0] = '\0';
		return 0;
	}
	memcpy(buf, s, (size_t)(keep - tail));
	memcpy(buf + keep - tail, e, el);
	memcpy(buf + keep - tail + (int)el, s + n - tail, (size_t)tail);
	buf[keep + (int)el] = '\0';
	return room;
}

/* Copies s, cut at the end to `room` columns with an ellipsis when longer
 * (titles: their start says the most). Returns the columns written. */
static int cut_end(char *buf, size_t cap, const char *s, int room, bool ascii)
{
	int n = (int)strlen(s), ec = 0, k = 0;
	const char *e = ell(ascii, &ec);

	if (room < 0)
		room = 0;
	k = n <= room ? n : room > ec ? room - ec : room;
	if ((size_t)k + strlen(e) >= cap)
		k = (int)(cap - 1 - strlen(e));
	memcpy(buf, s, (size_t)k);
	buf[k] = '\0';
	if (n > room && room > ec) {
		memcpy(buf + k, e, strlen(e) + 1);
		return k + ec;
	}
	return k;
}

/* A label being built; appending never passes cap. */
struct lbl {
	char *b;
	size_t n, cap;
};

static void lbl_add(struct lbl *l, const char *s)
{
	size_t k = strlen(s);
	if (l->n + k >= l->cap)
		k = l->cap - 1 - l->n;
	memcpy(l->b + l->n, s, k);
	l->n += k;
	l->b[l->n] = '\0';
}

static void lbl_num(struct lbl *l, const char *pre, uint64_t v)
{
	char t[32];
	snprintf(t, sizeof(t), "%s%" PRIu64, pre, v);
	lbl_add(l, t);
}

/* The notes part, the same in both forms: " [TCP Dup ACK #2] [unexpected]". */
static void lbl_notes(struct lbl *l, const struct sf_ladder_seg *s)
{
	for (unsigned i = 0; i < SF_NOTE_BITS; i++) {
		uint32_t bit = 1u << i;
		if (!(s->notes & bit))
			continue;
		lbl_add(l, " [");
		lbl_add(l, sf_seqan_note_text(bit));
		if (bit == SF_NOTE_DUPLICATE_ACK)
			lbl_num(l, " #", s->dupack);
		lbl_add(l, "]");
	}
	if (s->unexpected)
		lbl_add(l, " [unexpected]");
}

static void lbl_form(struct lbl *l, const struct sf_ladder_seg *s, bool compact)
{
	char fl[12];
	bool show_seq = s->len > 0 || (s->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST));

	l->n = 0;
	l->b[0] = '\0';
	lbl_add(l, sf_tcp_flags_str(s->flags, fl));
	if (show_seq) {
		lbl_num(l, compact ? " " : " seq ", s->seq);
		if (compact && s->len > 0)
			lbl_num(l, ":", (uint32_t)(s->seq + s->len));
	}
	if (s->flags & SF_TH_ACK)
		lbl_num(l, " ack ", s->ack);
	if (!compact && s->len > 0)
		lbl_num(l, " len ", s->len);
	lbl_notes(l, s);
}

int sf_ladder_label(char *buf, size_t cap, const struct sf_ladder_seg *s, int room, bool ascii)
{
	char t[512];
	struct lbl l = { .b = t, .n = 0, .cap = sizeof(t) };
	int ec = 0, cols = 0;
	const char *e = ell(ascii, &ec);

	if (room < 0)
		room = 0;
	lbl_form(&l, s, false);
	if ((int)l.n > room)
		lbl_form(&l, s, true);
	cols = (int)l.n;
	if (cols > room) {
		/* Cut at a word's end: flags and numbers come first and stay.
		 * Flags that fit stay whole, even without the mark: a cut
		 * "S." reads as "S", a different segment. */
		int flen = (int)strcspn(t, " "), k = room - ec;
		bool mark = true;
		if (k >= flen) {
			while (k > flen && t[k] != ' ')
				k--;
		} else if (flen <= room) {
			k = flen;
			mark = false;
		} else if (k <= 0) {
			k = room;
			mark = false;
		}
		t[k] = '\0';
		l.n = (size_t)k;
		cols = k;
		if (mark) {
			lbl_add(&l, e);
			cols += ec;
		}
	}
	if (l.n >= cap) { /* a cap below room + 3: the callers give more */
		l.n = cap - 1;
		cols = (int)l.n;
	}
	memcpy(buf, t, l.n);
	buf[l.n] = '\0';
	return cols;
}

/* --- held rows ----------------------------------------------------------------- */

/* One segment as held: numbers only, formatted when drawn. */
struct row {
	sf_ns t;
	struct sf_ladder_seg seg;
	uint8_t dir;
	uint8_t nchange;
	struct sf_change change[SF_TRACK_CHANGES];
	uint8_t before[2], after[2]; /* both states around it: what a gap begins and ends with */
};

struct stream {
	struct stream *next; /* hash chain */
	uint32_t idx;
	uint8_t ver, partial;
	uint8_t last_st[2];  /* each endpoint's state after the last row */
	uint8_t expired;     /* bit per role: its TIME_WAIT expired (a final row) */
	uint8_t addr[2][16]; /* [SF_ORIG] drawn left, [SF_RESP] right */
	uint16_t port[2];
	sf_ns first, expire_t;
	uint64_t total;   /* segments seen */
	struct row *head; /* the first rows, up to keep */
	uint32_t nhead, cap_head;
	struct row *tail; /* a ring of the latest rows once head is full */
	uint32_t ntail, cap_tail, tpos;
};

struct sf_ladder {
	struct sf_ladder_cfg cfg;
	struct stream **bucket; /* by stream index: indices are dense */
	uint32_t nbucket, nstreams;
	bool *seen; /* per cfg->streams entry */
	uint64_t lost;
	int state_w;
	/* SVG: the body goes to tmp; the document is assembled at the end. */
	FILE *tmp;
	double svg_y;  /* where the next stream's diagram starts */
	int svg_cols;  /* widest diagram so far */
	int svg_err;   /* errno of the first failure, or 0 */
	bool svg_done; /* the document was written */
	/* Text: one row is built here before it goes to the output buffer. */
	size_t ln;
	int col;
	char line[(SF_LADDER_WIDTH_MAX + 256) * 4];
};

struct sf_ladder *sf_ladder_new(const struct sf_ladder_cfg *cfg)
{
	struct sf_ladder *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->cfg = *cfg;
	if (l->cfg.keep == 0)
		l->cfg.keep = 1;
	l->nbucket = 64;
	l->bucket = calloc(l->nbucket, sizeof(*l->bucket));
	l->seen = calloc(cfg->nstreams + 1, sizeof(*l->seen));
	if (l->bucket == NULL || l->seen == NULL)
		goto fail;
	for (int s = 0; s < SF_ST_COUNT; s++) {
		int n = (int)strlen(sf_st_name((enum sf_st)s));
		if (n > l->state_w)
			l->state_w = n;
	}
	if (cfg->svg != NULL) {
		l->tmp = tmpfile();
		if (l->tmp == NULL)
			goto fail;
	}
	return l;
fail:
	sf_ladder_free(l);
	return NULL;
}

static void stream_free(struct stream *s)
{
	free(s->head);
	free(s->tail);
	free(s);
}

void sf_ladder_free(struct sf_ladder *l)
{
	if (l == NULL)
		return;
	for (uint32_t i = 0; l->bucket != NULL && i < l->nbucket; i++)
		while (l->bucket[i] != NULL) {
			struct stream *s = l->bucket[i];
			l->bucket[i] = s->next;
			stream_free(s);
		}
	if (l->tmp != NULL)
		fclose(l->tmp);
	free(l->bucket);
	free(l->seen);
	free(l);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The position of idx in the selection, or -1. */
static long selected(const struct sf_ladder *l, uint32_t idx)
{
	const uint32_t *p = bsearch(&idx, l->cfg.streams, l->cfg.nstreams, sizeof(idx), cmp_u32);
	return p ? (long)(p - l->cfg.streams) : -1;
}

bool sf_ladder_seen(const struct sf_ladder *l, uint32_t idx)
{
	long i = l->cfg.streams ? selected(l, idx) : -1;
	return i >= 0 && l->seen[i];
}

uint64_t sf_ladder_lost(const struct sf_ladder *l)
{
	return l->lost;
}

bool sf_ladder_svg_failed(const struct sf_ladder *l, int *err)
{
	*err = l->svg_err;
	return l->cfg.svg != NULL && (l->svg_err != 0 || !l->svg_done);
}

static struct stream **slot(struct sf_ladder *l, uint32_t idx)
{
	struct stream **p = &l->bucket[idx & (l->nbucket - 1)];
	while (*p != NULL && (*p)->idx != idx)
		p = &(*p)->next;
	return p;
}

/* Doubles the table when it holds more streams than buckets; on failure
 * the chains just grow longer. */
static void grow(struct sf_ladder *l)
{
	uint32_t nb = l->nbucket * 2;
	struct stream **b = NULL;

	if (l->nstreams <= l->nbucket || nb == 0)
		return;
	b = calloc(nb, sizeof(*b));
	if (b == NULL)
		return;
	for (uint32_t i = 0; i < l->nbucket; i++)
		while (l->bucket[i] != NULL) {
			struct stream *s = l->bucket[i];
			l->bucket[i] = s->next;
			s->next = b[s->idx & (nb - 1)];
			b[s->idx & (nb - 1)] = s;
		}
	free(l->bucket);
	l->bucket = b;
	l->nbucket = nb;
}

static struct stream *stream_get(struct sf_ladder *l, const struct sf_conn *c)
{
	struct stream **p = slot(l, c->stream);
	struct stream *s = *p;
	size_t n = c->ver == 4 ? 4 : 16;

	if (s != NULL)
		return s;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->idx = c->stream;
	s->ver = c->ver;
	s->partial = c->partial;
	for (int r = 0; r < 2; r++) {
		memcpy(s->addr[r], c->addr[r], n);
		s->port[r] = c->port[r];
		s->last_st[r] = SF_ST_CLOSED;
	}
	s->first = c->first;
	*p = s;
	l->nstreams++;
	grow(l);
	return s;
}

static void stream_unlink(struct sf_ladder *l, struct stream *s)
{
	struct stream **p = slot(l, s->idx);
	if (*p == s) {
		*p = s->next;
		l->nstreams--;
	}
}

/* Grows an array of rows to hold one more, up to `max`; false when full
 * or out of memory. */
static bool room_for(struct row **a, uint32_t n, uint32_t *cap, uint32_t max)
{
	uint32_t nc = 0;
	struct row *b = NULL;

	if (n < *cap)
		return true;
	if (*cap >= max)
		return false;
	nc = *cap ? *cap * 2 : 8;
	if (nc > max)
		nc = max;
	b = realloc(*a, (size_t)nc * sizeof(*b));
	if (b == NULL)
		return false;
	*a = b;
	*cap = nc;
	return true;
}

/* Holds the first `keep` rows and the latest `keep`; the middle is counted
 * (total minus held). */
static void stream_add(struct sf_ladder *l, struct stream *s, const struct row *r)
{
	uint32_t keep = l->cfg.keep;

	s->total++;
	if (s->nhead < keep && s->ntail == 0) {
		if (room_for(&s->head, s->nhead, &s->cap_head, keep))
			s->head[s->nhead++] = *r;
		else
			l->lost++;
		return;
	}
	if (s->ntail < keep) {
		if (room_for(&s->tail, s->ntail, &s->cap_tail, keep))
			s->tail[s->ntail++] = *r;
		else
			l->lost++;
		return;
	}
	s->tail[s->tpos] = *r;
	s->tpos = (s->tpos + 1) % keep;
}

static const struct row *tail_at(const struct stream *s, uint32_t i)
{
	return &s->tail[(s->tpos + i) % s->ntail];
}

/* Capture time in ns, saturated: a damaged time stamp (a year in the
 * billions) must not overflow. */
static sf_ns pkt_ns(const struct sf_pkt *p)
{
	int64_t frac = p->frac_digits == 9 ? (int64_t)p->frac : (int64_t)p->frac * 1000;
	if (p->sec >= INT64_MAX / 1000000000)
		return INT64_MAX;
	if (p->sec <= INT64_MIN / 1000000000)
		return INT64_MIN;
	return p->sec * 1000000000 + frac;
}

/* a - b and a + b, saturated, for the same reason. */
static sf_ns ns_sub(sf_ns a, sf_ns b)
{
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	return a - b;
}

static sf_ns ns_add(sf_ns a, sf_ns b)
{
	return b == INT64_MIN ? INT64_MIN : ns_sub(a, -b);
}

/* --- the walk: held rows to diagram rows ---------------------------------------- */

enum vkind { V_SEG, V_STATES, V_SKIP, V_TIMEOUT };

struct vrow {
	enum vkind kind;
	const char *time;     /* NULL: none */
	const char *state[2]; /* [SF_ORIG] left, [SF_RESP] right; NULL: unchanged */
	int dir;              /* V_SEG: the sender */
	const struct sf_ladder_seg *seg;
	uint64_t skipped; /* V_SKIP */
};

struct drawer {
	/* The title and the column heads. */
	void (*begin)(struct sf_ladder *l, struct sf_sink_state *st, const struct stream *s,
		      const struct sf_ladder_layout *lo, const char *title);
	void (*row)(struct sf_ladder *l, struct sf_sink_state *st,
		    const struct sf_ladder_layout *lo, const struct vrow *v);
	void (*end)(struct sf_ladder *l, struct sf_sink_state *st,
		    const struct sf_ladder_layout *lo);
};

/* "192.0.2.1:40000", "[2001:db8::1]:443". */
static void ep_name(const struct stream *s, int r, char *buf, size_t cap)
{
	char a[64] = "?";
	inet_ntop(s->ver == 4 ? AF_INET : AF_INET6, s->addr[r], a, sizeof(a));
	if (s->ver == 4)
		snprintf(buf, cap, "%s:%u", a, s->port[r]);
	else
		snprintf(buf, cap, "[%s]:%u", a, s->port[r]);
}

static const char *why_text(const char *why)
{
	static const struct {
		const char *why, *text;
	} tab[] = {
		{ "closed", "closed" },
		{ "time_wait", "closed, TIME_WAIT expired" },
		{ "idle", "idle past --idle-timeout" },
		{ "evicted", "evicted at the --max-conns cap" },
		{ "reused", "its addresses and ports reused by a new connection" },
		{ "end", "open when the capture ended" },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(why, tab[i].why) == 0)
			return tab[i].text;
	return why;
}

static int time_width(const struct sf_ladder *l, const struct stream *s)
{
	char t[32];
	int w = 4; /* "time" */
	int n = 0;

	for (uint32_t i = 0; i < s->nhead; i++)
		if ((n = sf_ladder_time(t, sizeof(t), ns_sub(s->head[i].t, s->first),
					l->cfg.nano)) > w)
			w = n;
	for (uint32_t i = 0; i < s->ntail; i++)
		if ((n = sf_ladder_time(t, sizeof(t), ns_sub(tail_at(s, i)->t, s->first),
					l->cfg.nano)) > w)
			w = n;
	if (s->expired &&
	    (n = sf_ladder_time(t, sizeof(t), ns_sub(s->expire_t, s->first), l->cfg.nano)) > w)
		w = n;
	return w;
}

/* One held row: state-only rows for the steps an endpoint passed through
 * (CLOSED->LISTEN->SYN_RCVD shows LISTEN above), then the arrow with the
 * states it left behind. */
static void walk_row(struct sf_ladder *l, struct sf_sink_state *st, const struct drawer *d,
		     const struct sf_ladder_layout *lo, const struct stream *s, const struct row *r)
{
	const char *steps[2][SF_TRACK_CHANGES];
	int n[2] = { 0, 0 }, pre = 0;
	char t[32];
	struct vrow v = { .kind = V_STATES };

	for (unsigned i = 0; i < r->nchange; i++) {
		int role = r->change[i].role ? 1 : 0;
		steps[role][n[role]++] = sf_st_name((enum sf_st)r->change[i].to);
	}
	pre = (n[0] > n[1] ? n[0] : n[1]) - 1;
	for (int k = pre; k >= 1; k--) {
		for (int role = 0; role < 2; role++)
			v.state[role] = n[role] - 1 - k >= 0 ? steps[role][n[role] - 1 - k] : NULL;
		d->row(l, st, lo, &v);
	}
	sf_ladder_time(t, sizeof(t), ns_sub(r->t, s->first), l->cfg.nano);
	v.kind = V_SEG;
	v.time = t;
	v.dir = r->dir;
	v.seg = &r->seg;
	for (int role = 0; role < 2; role++)
		v.state[role] = n[role] > 0 ? steps[role][n[role] - 1] : NULL;
	d->row(l, st, lo, &v);
}

static void draw_stream(struct sf_ladder *l, struct sf_sink_state *st, const struct drawer *d,
			const struct stream *s, const char *why, int width)
{
	struct sf_ladder_layout lo;
	char title[256], t[32];
	uint64_t skipped = s->total - s->nhead - s->ntail;
	struct vrow v = { .kind = V_SKIP };

	sf_ladder_layout(width, time_width(l, s), l->state_w, &lo);
	snprintf(title, sizeof(title), "stream %" PRIu32 ": %" PRIu64 " segment%s, %s%s", s->idx,
		 s->total, s->total == 1 ? "" : "s", why_text(why),
		 s->partial ? ", joined mid-stream" : "");
	d->begin(l, st, s, &lo, title);
	for (uint32_t i = 0; i < s->nhead; i++)
		walk_row(l, st, d, &lo, s, &s->head[i]);
	if (skipped > 0) {
		/* The states the gap ends in, where they differ from where it
		 * began: a change in the middle is not lost from view. */
		if (s->nhead > 0 && s->ntail > 0) { /* both empty only out of memory */
			const struct row *a = &s->head[s->nhead - 1], *b = tail_at(s, 0);
			for (int r = 0; r < 2; r++)
				if (b->before[r] != a->after[r])
					v.state[r] = sf_st_name((enum sf_st)b->before[r]);
		}
		v.skipped = skipped;
		d->row(l, st, &lo, &v);
		v.state[0] = v.state[1] = NULL;
	}
	for (uint32_t i = 0; i < s->ntail; i++)
		walk_row(l, st, d, &lo, s, tail_at(s, i));
	if (s->expired) {
		sf_ladder_time(t, sizeof(t), ns_sub(s->expire_t, s->first), l->cfg.nano);
		v.kind = V_TIMEOUT;
		v.time = t;
		for (int r = 0; r < 2; r++)
			v.state[r] = (s->expired >> r) & 1 ? sf_st_name(SF_ST_CLOSED) : NULL;
		d->row(l, st, &lo, &v);
	}
	d->end(l, st, &lo);
}

/* --- text ------------------------------------------------------------------------ */

struct glyphs {
	const char *life, *life_skip, *tee_left, *tee_right, *shaft, *head_right, *head_left;
};

static const struct glyphs glyphs_unicode = {
	.life = "\xe2\x94\x82",       /* │ */
	.life_skip = "\xe2\x94\x86",  /* ┆ */
	.tee_left = "\xe2\x94\x9c",   /* ├: the sender's end, on the left */
	.tee_right = "\xe2\x94\xa4",  /* ┤ */
	.shaft = "\xe2\x94\x80",      /* ─ */
	.head_right = "\xe2\x96\xb6", /* ▶ */
	.head_left = "\xe2\x97\x80",  /* ◀ */
};

static const struct glyphs glyphs_ascii = {
	.life = "|",
	.life_skip = "|",
	.tee_left = "|",
	.tee_right = "|",
	.shaft = "-",
	.head_right = ">",
	.head_left = "<",
};

static const struct glyphs *glyphs(const struct sf_ladder *l)
{
	return l->cfg.ascii ? &glyphs_ascii : &glyphs_unicode;
}

/* Text of `cols` columns; bytes may be more (UTF-8). */
static void put(struct sf_ladder *l, const char *s, int cols)
{
	size_t n = strlen(s);
	if (l->ln + n >= sizeof(l->line))
		return; /* cannot happen: widths are capped, the line has room for four bytes each */
	memcpy(l->line + l->ln, s, n);
	l->ln += n;
	l->col += cols;
}

static void pad_to(struct sf_ladder *l, int col)
{
	while (l->col < col)
		put(l, " ", 1);
}

/* Right-aligned so that it ends before column `end`. */
static void put_right(struct sf_ladder *l, const char *s, int end)
{
	pad_to(l, end - (int)strlen(s));
	put(l, s, (int)strlen(s));
}

/* Centred on column c, kept inside [lo, hi). */
static void put_centred(struct sf_ladder *l, const char *s, int cols, int c, int lo, int hi)
{
	int at = c - cols / 2;
	if (at + cols > hi)
		at = hi - cols;
	if (at < lo)
		at = lo;
	if (at < l->col)
		at = l->col;
	pad_to(l, at);
	put(l, s, cols);
}

/* Ends the row: trailing spaces go, the row goes to the output. */
static void line_end(struct sf_ladder *l, struct sf_sink_state *st)
{
	while (l->ln > 0 && l->line[l->ln - 1] == ' ')
		l->ln--;
	sf_buf_reserve(st->out);
	sf_buf_mem(st->out, l->line, l->ln);
	sf_buf_ch(st->out, '\n');
	l->ln = 0;
	l->col = 0;
}

static void text_begin(struct sf_ladder *l, struct sf_sink_state *st, const struct stream *s,
		       const struct sf_ladder_layout *lo, const char *title)
{
	char name[80], cut[256];
	int mid = lo->left + 1 + lo->arrow_w / 2;
	int n = 0;

	n = cut_end(cut, sizeof(cut), title, lo->width, l->cfg.ascii);
	put(l, cut, n);
	line_end(l, st);
	/* The endpoints' names over their lifelines, each kept on its half. */
	for (int r = 0; r < 2; r++) {
		ep_name(s, r, name, sizeof(name));
		n = sf_ladder_elide(cut, sizeof(cut), name, r ? lo->width - mid - 1 : mid,
				    l->cfg.ascii);
		put_centred(l, cut, n, r ? lo->right : lo->left, r ? mid + 1 : 0,
			    r ? lo->width : mid);
	}
	line_end(l, st);
	put_right(l, "time", lo->time_w);
	for (int r = 0; r < 2; r++)
		put_centred(l, sf_sink_role_name(r), (int)strlen(sf_sink_role_name(r)),
			    r ? lo->right : lo->left, r ? mid + 1 : 0, r ? lo->width : mid);
	line_end(l, st);
}

static void text_arrow(struct sf_ladder *l, const struct sf_ladder_layout *lo, const struct vrow *v)
{
	const struct glyphs *g = glyphs(l);
	char lab[512];
	int a = lo->arrow_w;
	int n = sf_ladder_label(lab, sizeof(lab), v->seg, sf_ladder_label_room(a), l->cfg.ascii);
	int at = sf_ladder_label_start(a, n);
	bool air = n > 0 && a >= SF_LADDER_ARROW_TIGHT;

	put(l, v->dir == SF_ORIG ? g->tee_left : g->life, 1);
	for (int i = 0; i < a; i++) {
		if (n > 0 && i == at) {
			put(l, lab, n);
			i += n - 1;
		} else if (air && (i == at - 1 || i == at + n)) {
			put(l, " ", 1);
		} else if (v->dir == SF_ORIG && i == a - 1) {
			put(l, g->head_right, 1);
		} else if (v->dir != SF_ORIG && i == 0) {
			put(l, g->head_left, 1);
		} else {
			put(l, g->shaft, 1);
		}
	}
	put(l, v->dir == SF_ORIG ? g->life : g->tee_right, 1);
}

static void text_row(struct sf_ladder *l, struct sf_sink_state *st,
		     const struct sf_ladder_layout *lo, const struct vrow *v)
{
	const struct glyphs *g = glyphs(l);
	const char *life = v->kind == V_SKIP ? g->life_skip : g->life;

	if (v->time)
		put_right(l, v->time, lo->time_w);
	if (v->state[SF_ORIG])
		put_right(l, v->state[SF_ORIG], lo->left - 1);
	pad_to(l, lo->left);
	if (v->kind == V_SEG) {
		text_arrow(l, lo, v);
	} else {
		char t[64], cut[80];
		int n = 0;
		if (v->kind == V_SKIP)
			snprintf(t, sizeof(t), "... %" PRIu64 " segment%s ...", v->skipped,
				 v->skipped == 1 ? "" : "s");
		else if (v->kind == V_TIMEOUT)
			snprintf(t, sizeof(t), "2*MSL: TIME_WAIT ends");
		else
			t[0] = '\0';
		n = cut_end(cut, sizeof(cut), t, sf_ladder_label_room(lo->arrow_w), l->cfg.ascii);
		put(l, life, 1);
		pad_to(l, lo->left + 1 + sf_ladder_label_start(lo->arrow_w, n));
		put(l, cut, n);
		pad_to(l, lo->right);
		put(l, life, 1);
	}
	if (v->state[SF_RESP]) {
		put(l, " ", 1);
		put(l, v->state[SF_RESP], (int)strlen(v->state[SF_RESP]));
	}
	line_end(l, st);
}

static void text_end(struct sf_ladder *l, struct sf_sink_state *st,
		     const struct sf_ladder_layout *lo)
{
	(void)lo;
	line_end(l, st); /* a blank line between diagrams */
}

static const struct drawer text_drawer = {
	.begin = text_begin,
	.row = text_row,
	.end = text_end,
};

/* --- SVG ---------------------------------------------------------------------------- */

/* A grid of character cells, as the text has, so both share one layout.
 * 8 px is the advance of a 13 px monospace font, rounded up. */
#define CW     8.0
#define MX     8.0  /* margin */
#define HEAD_H 60.0 /* title and column heads */
#define ROW_H  24.0
#define GAP_H  24.0 /* between diagrams */

static double cx(int col)
{
	return MX + col * CW;
}

static void svg_fail(struct sf_ladder *l)
{
	if (l->svg_err == 0)
		l->svg_err = errno ? errno : EIO;
}

/* Text content, escaped; bytes outside ASCII (a file name's) become '?'
 * so the document stays valid UTF-8. */
static void svg_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/* <text x y anchor [attrs]>s</text> */
static void svg_label(FILE *f, double x, double y, const char *anchor, const char *attrs,
		      const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y, anchor, attrs);
	svg_text(f, s);
	fputs("</text>\n", f);
}

static void svg_begin(struct sf_ladder *l, struct sf_sink_state *st, const struct stream *s,
		      const struct sf_ladder_layout *lo, const char *title)
{
	FILE *f = l->tmp;
	char name[80], cut[256];
	int mid = lo->left + 1 + lo->arrow_w / 2;
	double y = l->svg_y;

	(void)st;
	if (lo->width > l->svg_cols)
		l->svg_cols = lo->width;
	/* Absolute coordinates throughout: a viewer needs no transforms. */
	fputs("<g>\n", f);
	cut_end(cut, sizeof(cut), title, lo->width, true);
	svg_label(f, MX, y + 16, "start", " font-weight=\"bold\"", cut);
	for (int r = 0; r < 2; r++) {
		ep_name(s, r, name, sizeof(name));
		sf_ladder_elide(cut, sizeof(cut), name, r ? lo->width - mid - 1 : mid, true);
		svg_label(f, cx(r ? lo->right : lo->left) + CW / 2, y + 36, "middle", "", cut);
		svg_label(f, cx(r ? lo->right : lo->left) + CW / 2, y + 52, "middle",
			  " font-style=\"italic\"", sf_sink_role_name(r));
	}
	svg_label(f, cx(lo->time_w), y + 52, "end", " fill=\"#555555\"", "time");
	l->svg_y += HEAD_H;
}

static void svg_row(struct sf_ladder *l, struct sf_sink_state *st,
		    const struct sf_ladder_layout *lo, const struct vrow *v)
{
	FILE *f = l->tmp;
	double top = l->svg_y, ya = top + 16; /* the arrow */
	double xl = cx(lo->left) + CW / 2, xr = cx(lo->right) + CW / 2, xc = (xl + xr) / 2;
	const char *dash = v->kind == V_SKIP ? " stroke-dasharray=\"3,3\"" : "";

	(void)st;
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"%s/>\n"
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333333\"%s/>\n",
		xl, top, xl, top + ROW_H, dash, xr, top, xr, top + ROW_H, dash);
	if (v->time)
		svg_label(f, cx(lo->time_w), ya + 4, "end", " fill=\"#555555\"", v->time);
	if (v->state[SF_ORIG])
		svg_label(f, cx(lo->left - 1), ya + 4, "end",
			  " font-weight=\"bold\" fill=\"#1a5fb4\"", v->state[SF_ORIG]);
	if (v->state[SF_RESP])
		svg_label(f, cx(lo->right + 2), ya + 4, "start",
			  " font-weight=\"bold\" fill=\"#1a5fb4\"", v->state[SF_RESP]);
	if (v->kind == V_SEG) {
		char lab[512];
		double x1 = v->dir == SF_ORIG ? xl : xr, x2 = v->dir == SF_ORIG ? xr : xl;
		double hd = v->dir == SF_ORIG ? -9 : 9; /* the head's length, toward x1 */
		sf_ladder_label(lab, sizeof(lab), v->seg, lo->arrow_w - 2, true);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#000000\"/>\n"
			"<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"#000000\"/>\n",
			x1, ya, x2 + hd, ya, x2, ya, x2 + hd, ya - 4, x2 + hd, ya + 4);
		svg_label(f, xc, ya - 5, "middle", " font-size=\"12\"", lab);
	} else if (v->kind == V_SKIP || v->kind == V_TIMEOUT) {
		char t[64];
		if (v->kind == V_SKIP)
			snprintf(t, sizeof(t), "... %" PRIu64 " segment%s ...", v->skipped,
				 v->skipped == 1 ? "" : "s");
		else
			snprintf(t, sizeof(t), "2*MSL: TIME_WAIT ends");
		svg_label(f, xc, ya + 4, "middle", " font-style=\"italic\" fill=\"#555555\"", t);
	}
	l->svg_y += ROW_H;
}

static void svg_end(struct sf_ladder *l, struct sf_sink_state *st,
		    const struct sf_ladder_layout *lo)
{
	(void)st;
	(void)lo;
	fputs("</g>\n", l->tmp);
	l->svg_y += GAP_H;
	if (ferror(l->tmp))
		svg_fail(l);
}

static const struct drawer svg_drawer = {
	.begin = svg_begin,
	.row = svg_row,
	.end = svg_end,
};

/* The document: its size is known now; the body is copied from tmp. */
static void svg_finish(struct sf_ladder *l)
{
	FILE *f = l->cfg.svg;
	double w = 2 * MX + (l->svg_cols > 0 ? l->svg_cols : l->cfg.width) * CW;
	double h = l->svg_y > 0 ? l->svg_y : GAP_H;
	char blk[8192];
	size_t n = 0;

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n<title>synfin ladder: ",
		w, h, w, h);
	svg_text(f, l->cfg.title ? l->cfg.title : "");
	fprintf(f,
		"</title>\n<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
		"fill=\"#ffffff\"/>\n<g font-family=\"monospace\" font-size=\"13\" "
		"fill=\"#000000\">\n",
		w, h);
	if (fflush(l->tmp) != 0 || fseek(l->tmp, 0, SEEK_SET) != 0)
		svg_fail(l);
	while (l->svg_err == 0 && (n = fread(blk, 1, sizeof(blk), l->tmp)) > 0)
		if (fwrite(blk, 1, n, f) != n)
			svg_fail(l);
	if (ferror(l->tmp))
		svg_fail(l);
	fputs("</g>\n</svg>\n", f);
	if (fflush(f) != 0 || ferror(f))
		svg_fail(l);
	l->svg_done = true;
}

/* --- the sink ------------------------------------------------------------------------- */

static void draw(struct sf_ladder *l, struct sf_sink_state *st, const struct stream *s,
		 const char *why)
{
	if (l->cfg.svg != NULL)
		draw_stream(l, st, &svg_drawer, s, why, l->cfg.width);
	else
		draw_stream(l, st, &text_drawer, s, why, l->cfg.width);
}

static void ladder_frame(struct sf_sink_state *st, const struct sf_pkt *pkt,
			 const struct sf_frame *f, const struct sf_seg_info *si)
{
	struct sf_ladder *l = st->priv;
	struct stream *s = NULL;
	struct row r;
	long sel = -1;

	if (si == NULL || f->kind != SF_FRAME_TCP)
		return; /* not part of a tracked connection: nowhere to draw it */
	if (l->cfg.streams != NULL) {
		sel = selected(l, si->conn->stream);
		if (sel < 0)
			return;
		l->seen[sel] = true;
	}
	s = stream_get(l, si->conn);
	if (s == NULL) {
		l->lost++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.t = pkt_ns(pkt);
	r.dir = si->dir;
	r.seg.flags = f->tcp.flags;
	r.seg.seq = st->opts->absolute ? f->tcp.seq : si->rel_seq;
	r.seg.ack = st->opts->absolute ? f->tcp.ack : si->rel_ack;
	r.seg.len = f->tcp.paylen;
	r.seg.notes = si->an.notes;
	r.seg.dupack = si->an.dupack;
	r.seg.unexpected = si->unexpected;
	r.nchange = si->nchange;
	memcpy(r.change, si->change, sizeof(r.change));
	/* The tracker's states, not the changes replayed: it may correct a
	 * state it assumed without reporting a change. */
	for (int i = 0; i < 2; i++) {
		r.before[i] = s->last_st[i];
		r.after[i] = s->last_st[i] = si->conn->ep[i].st;
	}
	stream_add(l, s, &r);
}

static void ladder_done(struct sf_sink_state *st, const struct sf_conn *c, const char *why)
{
	struct sf_ladder *l = st->priv;
	struct stream *s = *slot(l, c->stream);

	if (s == NULL || strcmp(why, "end") == 0)
		return; /* unselected; or open at the end: drawn in stream order by ladder_end */
	if (strcmp(why, "time_wait") == 0) {
		/* The tracker has moved them to CLOSED already: the ones we last
		 * saw in TIME_WAIT are the ones whose timer ran out. */
		for (int r = 0; r < 2; r++)
			if (s->last_st[r] == SF_ST_TIME_WAIT && c->ep[r].st != SF_ST_TIME_WAIT)
				s->expired |= (uint8_t)(1u << r);
		s->expire_t = ns_add(c->last, ns_add(l->cfg.msl, l->cfg.msl));
	}
	stream_unlink(l, s);
	draw(l, st, s, why);
	stream_free(s);
}

static int cmp_stream(const void *a, const void *b)
{
	const struct stream *x = *(struct stream *const *)a, *y = *(struct stream *const *)b;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Streams still open when the capture ended, in stream order; then the SVG
 * document, if one is asked for. */
static void ladder_end(struct sf_sink_state *st)
{
	struct sf_ladder *l = st->priv;
	struct stream **all = NULL;
	uint32_t n = 0;

	if (l->nstreams > 0)
		all = malloc((size_t)l->nstreams * sizeof(*all));
	for (uint32_t i = 0; i < l->nbucket; i++)
		while (l->bucket[i] != NULL) {
			struct stream *s = l->bucket[i];
			l->bucket[i] = s->next;
			if (all != NULL) {
				all[n++] = s;
			} else { /* out of memory: in table order rather than none */
				draw(l, st, s, "end");
				stream_free(s);
			}
		}
	l->nstreams = 0;
	if (all != NULL) {
		qsort(all, n, sizeof(*all), cmp_stream);
		for (uint32_t i = 0; i < n; i++) {
			draw(l, st, all[i], "end");
			stream_free(all[i]);
		}
	}
	free(all);
	if (l->cfg.svg != NULL)
		svg_finish(l);
}

const struct sf_sink sf_sink_ladder = {
	.name = "ladder",
	.frame = ladder_frame,
	.conn_done = ladder_done,
	.end = ladder_end,
};
