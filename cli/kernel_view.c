/* cli/kernel_view.c: the kernel's socket table, and the capture's sockets matched against it. */
#include "cli/kernel_view.h"

#include <stdlib.h>
#include <string.h>

#include "cli/report.h"

#define W_ADDR  23             /* netstat's %-23s */
#define W_STATE 11             /* netstat's %-11s */
#define NE_UTF8 "\xe2\x89\xa0" /* U+2260 NOT EQUAL TO */

/* --- formatting ---------------------------------------------------------------- */

/* Spaces after a field that began at `start`, to `width` and one more;
 * at least one (sink_report.c's rule). Rows are reserved whole. */
static void pad(struct sf_buf *b, size_t start, size_t width)
{
	size_t used = b->n - start;
	size_t k = used < width ? width - used + 1 : 1;
	while (k-- > 0)
		sf_buf_ch(b, ' ');
}

/* address:port as netstat prints it: port 0 is "*". */
static void endpoint(struct sf_buf *b, uint8_t ver, const uint8_t *a, uint16_t port,
		     const char *const *names)
{
	sf_buf_ip(b, ver, a);
	sf_buf_ch(b, ':');
	if (port == 0)
		sf_buf_ch(b, '*');
	else if (names != NULL && names[port] != NULL)
		sf_buf_str(b, names[port]);
	else
		sf_buf_u64(b, port);
}

static const char *proto(uint8_t ver)
{
	return ver == 4 ? "tcp" : "tcp6";
}

static const char *state_word(uint8_t st)
{
	return sf_report_netstat_state((enum sf_st)st);
}

/* "tcp   LOCAL  FOREIGN  " in netstat's columns, the cursor after the
 * foreign column's padding. */
static void text_addrs(struct sf_buf *b, const struct sf_sock *s, const char *const *names)
{
	size_t start = 0;

	sf_buf_str(b, s->ver == 4 ? "tcp   " : "tcp6  ");
	start = b->n;
	endpoint(b, s->ver, s->local, s->lport, names);
	pad(b, start, W_ADDR);
	start = b->n;
	endpoint(b, s->ver, s->remote, s->rport, names);
	pad(b, start, W_ADDR);
}

/* "proto":"tcp","local":"...","foreign":"..." (ports as numbers, as the
 * report's JSON has them). */
static void json_addrs(struct sf_buf *b, const struct sf_sock *s)
{
	SF_BUF_LIT(b, "\"proto\":\"");
	sf_buf_str(b, proto(s->ver));
	SF_BUF_LIT(b, "\",\"local\":\"");
	endpoint(b, s->ver, s->local, s->lport, NULL);
	SF_BUF_LIT(b, "\",\"foreign\":\"");
	endpoint(b, s->ver, s->remote, s->rport, NULL);
	sf_buf_ch(b, '"');
}

static void header(struct sf_buf *b, const char *title, const char *cols)
{
	sf_buf_str(b, title);
	SF_BUF_LIT(b, "Proto Local Address           Foreign Address         ");
	sf_buf_str(b, cols);
}

/* --- the kernel table ------------------------------------------------------------ */

void sf_kernel_view_table(struct sf_buf *b, const struct sf_sock *s, size_t n,
			  const struct sf_kernel_view_opts *o)
{
	if (!o->json)
		header(b, "Active Internet connections (servers and established)\n", "State\n");
	for (size_t i = 0; i < n; i++) {
		sf_buf_reserve(b);
		if (o->json) {
			SF_BUF_LIT(b, "{\"type\":\"");
			sf_buf_str(b, o->json_type ? o->json_type : "kernel_socket");
			SF_BUF_LIT(b, "\",");
			json_addrs(b, &s[i]);
			SF_BUF_LIT(b, ",\"state\":\"");
			sf_buf_str(b, state_word(s[i].state));
			if (o->json_type != NULL) {
				SF_BUF_LIT(b, "\"}\n");
				continue;
			}
			SF_BUF_LIT(b, "\",\"uid\":");
			sf_buf_u64(b, s[i].uid);
			SF_BUF_LIT(b, ",\"inode\":");
			sf_buf_u64(b, s[i].inode);
			SF_BUF_LIT(b, "}\n");
			continue;
		}
		text_addrs(b, &s[i], o->port_names);
		sf_buf_str(b, state_word(s[i].state));
		sf_buf_ch(b, '\n');
	}
}

/* --- matching -------------------------------------------------------------------- */

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 0)
			return false;
	return true;
}

/* ::ffff:a.b.c.d */
static bool v4_mapped(const uint8_t a[16])
{
	return all_zero(a, 10) && a[10] == 0xff && a[11] == 0xff;
}

/* The socket as the wire shows it: an IPv6 socket with an IPv4-mapped
 * local address talks IPv4 (its remote is mapped too, or zero). */
static struct sf_sock wire_view(const struct sf_sock *s)
{
	struct sf_sock k = *s;

	if (s->ver != 6 || !v4_mapped(s->local) ||
	    !(v4_mapped(s->remote) || all_zero(s->remote, 16)))
		return k;
	k.ver = 4;
	memset(k.local, 0, 16);
	memcpy(k.local, s->local + 12, 4);
	memset(k.remote, 0, 16);
	if (!all_zero(s->remote, 16))
		memcpy(k.remote, s->remote + 12, 4);
	return k;
}

/* A connected kernel socket, as the wire shows it, with its index. */
struct keyed {
	struct sf_sock k;
	size_t idx;
};

static int tuple_cmp(const struct sf_sock *a, const struct sf_sock *b)
{
	int d = (a->ver > b->ver) - (a->ver < b->ver);
	if (d == 0)
		d = memcmp(a->local, b->local, 16);
	if (d == 0)
		d = (a->lport > b->lport) - (a->lport < b->lport);
	if (d == 0)
		d = memcmp(a->remote, b->remote, 16);
	if (d == 0)
		d = (a->rport > b->rport) - (a->rport < b->rport);
	return d;
}

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;
	int d = tuple_cmp(&a->k, &b->k);
	return d != 0 ? d : (a->idx > b->idx) - (a->idx < b->idx);
}

/* How well a kernel listener serves a capture listener: 0 the same
 * address, 1 its family's wildcard, 2 a dual-stack :: for an IPv4 one,
 * -1 not at all. */
static int listener_fit(const struct sf_sock *cap, const struct sf_sock *kern)
{
	struct sf_sock c = wire_view(cap), k = wire_view(kern);

	if (k.state != SF_ST_LISTEN || k.lport != c.lport)
		return -1;
	if (k.ver == c.ver && memcmp(k.local, c.local, 16) == 0)
		return 0;
	if (k.ver == c.ver && all_zero(k.local, 16))
		return 1;
	if (c.ver == 4 && kern->ver == 6 && all_zero(kern->local, 16) && !kern->v6only)
		return 2;
	return -1;
}

struct row {
	const struct sf_sock *cap, *kern; /* either may be NULL, not both */
};

static const struct sf_sock *shown(const struct row *r)
{
	return r->cap != NULL ? r->cap : r->kern;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	int d = sf_kernel_sock_cmp(shown(a), shown(b));
	if (d != 0)
		return d;
	return (a->cap == NULL) - (b->cap == NULL); /* matched and capture rows first */
}

/* The kernel socket the capture's socket is, or NULL. conn: the
 * kernel's connected sockets, sorted by keyed_cmp. */
static const struct sf_sock *match(const struct sf_sock *cap, const struct sf_sock *kernel,
				   size_t nkernel, const struct keyed *conn, size_t nconn)
{
	if (cap->state == SF_ST_LISTEN) {
		const struct sf_sock *best = NULL;
		int bestfit = 3;
		for (size_t i = 0; i < nkernel; i++) {
			int fit = listener_fit(cap, &kernel[i]);
			if (fit >= 0 && fit < bestfit) {
				best = &kernel[i];
				bestfit = fit;
			}
		}
		return best;
	}
	{
		struct sf_sock c = wire_view(cap);
		size_t lo = 0, hi = nconn;
		/* The first key not below c's tuple. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (tuple_cmp(&conn[mid].k, &c) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < nconn && tuple_cmp(&conn[lo].k, &c) == 0)
			return &kernel[conn[lo].idx];
	}
	return NULL;
}

/* --- the comparison --------------------------------------------------------------- */

enum mark { M_AGREE, M_DIFFER, M_ONLY_CAPTURE, M_ONLY_KERNEL, M_COUNT };

static enum mark mark_of(const struct row *r)
{
	if (r->kern == NULL)
		return M_ONLY_CAPTURE;
	if (r->cap == NULL)
		return M_ONLY_KERNEL;
	return r->cap->state == r->kern->state ? M_AGREE : M_DIFFER;
}

static const char *const match_names[] = {
	[M_AGREE] = "agree",
	[M_DIFFER] = "differ",
	[M_ONLY_CAPTURE] = "only_capture",
	[M_ONLY_KERNEL] = "only_kernel",
};
_Static_assert(sizeof(match_names) / sizeof(match_names[0]) == M_COUNT, "match_names");

static void compare_row(struct sf_buf *b, const struct row *r, enum mark m,
			const struct sf_kernel_view_opts *o)
{
	size_t start = 0;

	sf_buf_reserve(b);
	if (o->json) {
		SF_BUF_LIT(b, "{\"type\":\"compare\",");
		json_addrs(b, shown(r));
		if (r->cap != NULL) {
			SF_BUF_LIT(b, ",\"capture\":\"");
			sf_buf_str(b, state_word(r->cap->state));
			sf_buf_ch(b, '"');
		}
		if (r->kern != NULL) {
			SF_BUF_LIT(b, ",\"kernel\":\"");
			sf_buf_str(b, state_word(r->kern->state));
			sf_buf_ch(b, '"');
		}
		SF_BUF_LIT(b, ",\"match\":\"");
		sf_buf_str(b, match_names[m]);
		SF_BUF_LIT(b, "\"}\n");
		return;
	}
	text_addrs(b, shown(r), o->port_names);
	start = b->n;
	sf_buf_str(b, r->cap != NULL ? state_word(r->cap->state) : "-");
	pad(b, start, W_STATE);
	start = b->n;
	sf_buf_str(b, r->kern != NULL ? state_word(r->kern->state) : "-");
	pad(b, start, W_STATE);
	if (m == M_AGREE)
		sf_buf_ch(b, '=');
	else if (m == M_DIFFER)
		sf_buf_str(b, o->ascii ? "!=" : NE_UTF8);
	else
		sf_buf_ch(b, '-');
	sf_buf_ch(b, '\n');
}

bool sf_kernel_view_compare(struct sf_buf *b, const struct sf_sock *capture, size_t ncapture,
			    const struct sf_sock *kernel, size_t nkernel,
			    const struct sf_kernel_view_opts *o, struct sf_kernel_view_counts *c)
{
	struct row *rows = NULL;
	struct keyed *conn = NULL;
	bool *used = NULL;
	size_t nrows = 0, nconn = 0;
	bool ok = false;

	memset(c, 0, sizeof(*c));
	if (ncapture > SIZE_MAX / sizeof(*rows) - nkernel)
		goto out;
	rows = malloc((ncapture + nkernel + 1) * sizeof(*rows));
	conn = malloc((nkernel + 1) * sizeof(*conn));
	used = calloc(nkernel + 1, sizeof(*used));
	if (rows == NULL || conn == NULL || used == NULL)
		goto out;
	for (size_t i = 0; i < nkernel; i++)
		if (kernel[i].state != SF_ST_LISTEN) {
			conn[nconn].k = wire_view(&kernel[i]);
			conn[nconn].idx = i;
			nconn++;
		}
	qsort(conn, nconn, sizeof(*conn), keyed_cmp);
	for (size_t i = 0; i < ncapture; i++) {
		const struct sf_sock *k = NULL;
		if (capture[i].state == SF_ST_CLOSED)
			continue; /* no socket on its host, so none to compare */
		k = match(&capture[i], kernel, nkernel, conn, nconn);
		if (k != NULL)
			used[k - kernel] = true;
		rows[nrows].cap = &capture[i];
		rows[nrows].kern = k;
		nrows++;
	}
	for (size_t i = 0; i < nkernel; i++)
		if (!used[i]) {
			rows[nrows].cap = NULL;
			rows[nrows].kern = &kernel[i];
			nrows++;
		}
	qsort(rows, nrows, sizeof(*rows), row_cmp);
	if (!o->json)
		header(b, "Active Internet connections: the capture beside the kernel\n",
		       "Capture     Kernel\n");
	for (size_t i = 0; i < nrows; i++) {
		enum mark m = mark_of(&rows[i]);
		compare_row(b, &rows[i], m, o);
		c->agree += m == M_AGREE;
		c->differ += m == M_DIFFER;
		c->only_capture += m == M_ONLY_CAPTURE;
		c->only_kernel += m == M_ONLY_KERNEL;
	}
	c->rows = nrows;
	ok = true;
out:
	free(rows);
	free(conn);
	free(used);
	return ok;
}

void sf_kernel_view_summary(struct sf_buf *b, const struct sf_kernel_view_counts *c,
			    const struct sf_kernel_view_opts *o)
{
	sf_buf_reserve(b);
	if (o->json) {
		SF_BUF_LIT(b, "{\"type\":\"compare_summary\",\"rows\":");
		sf_buf_u64(b, c->rows);
		SF_BUF_LIT(b, ",\"agree\":");
		sf_buf_u64(b, c->agree);
		SF_BUF_LIT(b, ",\"differ\":");
		sf_buf_u64(b, c->differ);
		SF_BUF_LIT(b, ",\"only_capture\":");
		sf_buf_u64(b, c->only_capture);
		SF_BUF_LIT(b, ",\"only_kernel\":");
		sf_buf_u64(b, c->only_kernel);
		SF_BUF_LIT(b, "}\n");
		return;
	}
	sf_buf_u64(b, c->rows);
	sf_buf_str(b, c->rows == 1 ? " socket: " : " sockets: ");
	sf_buf_u64(b, c->agree);
	SF_BUF_LIT(b, " agree, ");
	sf_buf_u64(b, c->differ);
	SF_BUF_LIT(b, " differ, ");
	sf_buf_u64(b, c->only_capture);
	SF_BUF_LIT(b, " only in the capture, ");
	sf_buf_u64(b, c->only_kernel);
	SF_BUF_LIT(b, " only in the kernel\n");
}
