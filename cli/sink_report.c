/* cli/sink_report.c: the netstat view of a capture's hosts, then one summary per connection. */
#include "cli/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define BIT(s) (1u << (s))

/* --- the pure parts: names, filters, times ------------------------------------ */

static const struct {
	const char *name;
	uint32_t bits;
} ss_names[] = {
	/* ss(8)'s scan_state(), aliases included. */
	{ "established", BIT(SF_ST_ESTABLISHED) },
	{ "syn-sent", BIT(SF_ST_SYN_SENT) },
	{ "syn-recv", BIT(SF_ST_SYN_RCVD) },
	{ "syn-rcv", BIT(SF_ST_SYN_RCVD) },
	{ "fin-wait-1", BIT(SF_ST_FIN_WAIT_1) },
	{ "fin-wait-2", BIT(SF_ST_FIN_WAIT_2) },
	{ "time-wait", BIT(SF_ST_TIME_WAIT) },
	{ "closed", BIT(SF_ST_CLOSED) },
	{ "close", BIT(SF_ST_CLOSED) },
	{ "unconnected", BIT(SF_ST_CLOSED) },
	{ "close-wait", BIT(SF_ST_CLOSE_WAIT) },
	{ "last-ack", BIT(SF_ST_LAST_ACK) },
	{ "listening", BIT(SF_ST_LISTEN) },
	{ "listen", BIT(SF_ST_LISTEN) }, /* older ss help printed it; ss wants "listening" */
	{ "closing", BIT(SF_ST_CLOSING) },
	{ "all", SF_REPORT_ALL },
	{ "connected", SF_REPORT_ALL & ~(BIT(SF_ST_CLOSED) | BIT(SF_ST_LISTEN)) },
	{ "synchronized",
	  SF_REPORT_ALL & ~(BIT(SF_ST_CLOSED) | BIT(SF_ST_LISTEN) | BIT(SF_ST_SYN_SENT)) },
	{ "bucket", BIT(SF_ST_SYN_RCVD) | BIT(SF_ST_TIME_WAIT) },
	{ "big", SF_REPORT_ALL & ~(BIT(SF_ST_SYN_RCVD) | BIT(SF_ST_TIME_WAIT)) },
};

const char sf_report_state_names[] =
	"established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, "
	"close-wait, last-ack, listening (or listen), closing, "
	"and the groups all, connected, synchronized, bucket, big";

uint32_t sf_report_state_bits(const char *name)
{
	for (size_t i = 0; i < sizeof(ss_names) / sizeof(ss_names[0]); i++)
		if (strcasecmp(name, ss_names[i].name) == 0) /* ss ignores case too */
			return ss_names[i].bits;
	return 0;
}

int sf_report_parse_filter(int n, char *const *words, uint32_t *bits)
{
	uint32_t set = SF_REPORT_ALL;
	bool saw = false;

	for (int i = 0; i < n; i += 2) {
		bool excl = false;
		uint32_t b = 0;
		if (strcmp(words[i], "exclude") == 0 || strcmp(words[i], "excl") == 0)
			excl = true;
		else if (strcmp(words[i], "state") != 0)
			return i;
		if (i + 1 >= n)
			return n;
		b = sf_report_state_bits(words[i + 1]);
		if (b == 0)
			return i + 1;
		/* As ss: the first word decides where the set starts. */
		if (!saw)
			set = excl ? SF_REPORT_ALL : 0;
		saw = true;
		set = excl ? set & ~b : set | b;
	}
	*bits = set;
	return -1;
}

/* Decimal seconds, at most max_sec whole and 9 decimals, into nanoseconds
 * without going through a double: 1700000000.000000001 must stay exact. */
static bool parse_ns(const char *s, int64_t max_sec, int64_t *ns)
{
	int64_t sec = 0, frac = 0;
	int digits = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		sec = sec * 10 + (*s - '0');
		if (sec > max_sec)
			return false;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (++digits > 9)
				return false;
			frac = frac * 10 + (*s - '0');
		}
	}
	if (*s != '\0')
		return false;
	for (; digits < 9; digits++)
		frac *= 10;
	*ns = sec * 1000000000 + frac;
	return true;
}

/* Exactly two digits, at most max. */
static bool two_digits(const char *s, int max, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return *v <= max;
}

bool sf_report_parse_at(const char *s, int64_t *ns, enum sf_pipe_stop *base)
{
	const char *colon = strchr(s, ':');
	int h = 0, m = 0, sv = 0;
	int64_t sec = 0;

	if (s[0] == '+') {
		*base = SF_STOP_FIRST;
		return parse_ns(s + 1, 1000000000, ns);
	}
	if (colon == NULL) {
		*base = SF_STOP_EPOCH;
		/* 9e9 s (year 2255) keeps the nanoseconds inside an int64_t. */
		return parse_ns(s, 9000000000, ns);
	}
	/* H:MM:SS or HH:MM:SS, then an optional fraction. */
	if (colon - s == 1 && s[0] >= '0' && s[0] <= '9')
		h = s[0] - '0';
	else if (colon - s != 2 || !two_digits(s, 23, &h))
		return false;
	if (!two_digits(colon + 1, 59, &m) || colon[3] != ':' || !two_digits(colon + 4, 59, &sv))
		return false;
	if (!parse_ns(colon + 4, 59, &sec)) /* the seconds again, with their fraction */
		return false;
	*base = SF_STOP_DAY;
	*ns = ((int64_t)h * 3600 + (int64_t)m * 60) * 1000000000 + sec;
	return true;
}

static const char *const netstat_words[] = {
	/* net-tools' tcp_state[]: what `netstat -tan` prints on Linux. */
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
_Static_assert(sizeof(netstat_words) / sizeof(netstat_words[0]) == SF_ST_COUNT, "netstat_words");

const char *sf_report_netstat_state(enum sf_st st)
{
	return (unsigned)st < SF_ST_COUNT ? netstat_words[st] : "UNKNOWN";
}

/* tshark's tcp.completeness bits. */
enum { C_SYN = 1, C_SYNACK = 2, C_ACK = 4, C_DATA = 8, C_FIN = 16, C_RST = 32 };

const char *sf_report_completeness_text(unsigned bits)
{
	/* Wireshark 4.0's conversation_completeness_fill(). */
	switch (bits) {
	case C_SYN: return "Incomplete, SYN_SENT";
	case C_SYN | C_SYNACK: return "Incomplete, CLIENT_ESTABLISHED";
	case C_SYN | C_SYNACK | C_ACK: return "Incomplete, ESTABLISHED";
	case C_SYN | C_SYNACK | C_ACK | C_DATA: return "Incomplete, DATA";
	case C_SYN | C_SYNACK | C_ACK | C_DATA | C_FIN:
	case C_SYN | C_SYNACK | C_ACK | C_DATA | C_RST:
	case C_SYN | C_SYNACK | C_ACK | C_DATA | C_FIN | C_RST: return "Complete, WITH_DATA";
	case C_SYN | C_SYNACK | C_ACK | C_FIN:
	case C_SYN | C_SYNACK | C_ACK | C_RST:
	case C_SYN | C_SYNACK | C_ACK | C_FIN | C_RST: return "Complete, NO_DATA";
	default: return "Incomplete";
	}
}

const char *sf_report_completeness_str(unsigned bits, char buf[SF_REPORT_COMPL_STR_MAX])
{
	static const char letters[] = "RFDASS";
	size_t k = 0;

	if ((bits & 63) == 0) {
		memcpy(buf, "[ Null ]", sizeof("[ Null ]"));
		return buf;
	}
	for (int i = 0; i < 6; i++) {
		if (bits & (32u >> i)) {
			buf[k++] = letters[i];
		} else {
			buf[k++] = (char)0xc2; /* U+00B7 MIDDLE DOT in UTF-8 */
			buf[k++] = (char)0xb7;
		}
	}
	buf[k] = '\0';
	return buf;
}

/* --- summaries on disk ------------------------------------------------------ */

/* One finished connection, at offset stream * sizeof(struct rec) of the
 * temporary file. Stream numbers are dense, so the file has no big holes,
 * and a hole reads as zeros: valid 0. The socket table is read from the same
 * records: those still open at its moment carry in_table and their states,
 * so the table costs no memory per connection. */
struct rec {
	uint8_t valid;
	uint8_t ver;
	uint8_t closed_first; /* role + 1, or 0 */
	uint8_t completeness;
	uint8_t rtt_known;
	uint8_t in_table; /* tracked at the table's moment: st[] are its sockets */
	uint8_t st[2];    /* each endpoint's enum sf_st when it finished */
	uint32_t stream;
	uint16_t port[2];
	uint8_t addr[2][16];
	int64_t first, last, rtt;
	uint32_t pkts[2];
	uint64_t bytes[2];
	char conn_state[8];
	char history[SF_ZEEK_HIST_MAX + 1];
	char why[15];
};

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t k = strnlen(src, n - 1);
	memcpy(dst, src, k);
	dst[k] = '\0';
}

static bool write_all(int fd, const void *p, size_t n, off_t off)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = pwrite(fd, c, n, off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = ENOSPC; /* no progress and no error: call it full */
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
		off += w;
	}
	return true;
}

static void save(struct sf_report *r, const struct sf_conn *c, const char *why)
{
	struct rec rc;

	memset(&rc, 0, sizeof(rc));
	rc.valid = 1;
	rc.ver = c->ver;
	rc.closed_first = c->closed_first;
	rc.completeness = c->seqan.completeness;
	/* A capture whose clock steps back can put the ACK before the SYN. */
	rc.rtt_known = c->rtt_state == SF_RTT_KNOWN && c->rtt >= 0;
	rc.in_table = r->finished;
	rc.st[SF_ORIG] = c->ep[SF_ORIG].st;
	rc.st[SF_RESP] = c->ep[SF_RESP].st;
	rc.stream = c->stream;
	memcpy(rc.port, c->port, sizeof(rc.port));
	memcpy(rc.addr, c->addr, sizeof(rc.addr));
	rc.first = c->first;
	rc.last = c->last;
	rc.rtt = c->rtt;
	for (int i = 0; i < 2; i++) {
		rc.pkts[i] = c->ep[i].pkts;
		rc.bytes[i] = c->ep[i].bytes;
	}
	copy_str(rc.conn_state, sizeof(rc.conn_state), sf_zeek_conn_state(&c->zeek));
	(void)sf_zeek_history(&c->zeek, rc.history, sizeof(rc.history));
	copy_str(rc.why, sizeof(rc.why), why);
	if (r->io_errno == 0 &&
	    !write_all(fileno(r->tmp), &rc, sizeof(rc), (off_t)c->stream * (off_t)sizeof(rc)))
		r->io_errno = errno;
	if ((uint64_t)c->stream + 1 > r->nrec)
		r->nrec = (uint64_t)c->stream + 1;
}

bool sf_report_open(struct sf_report *r)
{
	r->tmp = tmpfile(); /* unlinked already: nothing to clean up after a crash */
	return r->tmp != NULL;
}

void sf_report_close(struct sf_report *r)
{
	if (r->tmp != NULL)
		fclose(r->tmp);
	r->tmp = NULL;
	free(r->lis);
	r->lis = NULL;
	r->nlis = r->caplis = 0;
}

/* --- the socket table ----------------------------------------------------- */

/* Listening sockets inferred so far: one per server address and port. */
struct sf_report_listener {
	uint8_t ver; /* 0: an empty slot */
	uint8_t addr[16];
	uint16_t port;
};

struct sf_report_row {
	uint8_t ver, state, role; /* role: SF_ORIG, SF_RESP or ROLE_LISTENER */
	uint32_t stream;
	uint8_t local[16], foreign[16];
	uint16_t lport, fport;
};

enum { ROLE_LISTENER = 2 };

static uint32_t lis_hash(uint8_t ver, const uint8_t *a, uint16_t port)
{
	uint32_t h = 2166136261u ^ ver;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h;
}

/* Into an open-addressed set kept at most half full. It grows with the
 * listening sockets (servers, not connections) a capture shows. */
static void lis_add(struct sf_report *r, uint8_t ver, const uint8_t addr[16], uint16_t port)
{
	size_t i = 0;

	if ((r->nlis + 1) * 2 > r->caplis) {
		size_t cap = r->caplis ? r->caplis * 2 : 64;
		struct sf_report_listener *nv = calloc(cap, sizeof(*nv));
		if (nv == NULL) {
			r->oom = true;
			return;
		}
		for (size_t k = 0; k < r->caplis; k++) {
			const struct sf_report_listener *l = &r->lis[k];
			if (l->ver == 0)
				continue;
			i = lis_hash(l->ver, l->addr, l->port) & (cap - 1);
			while (nv[i].ver != 0)
				i = (i + 1) & (cap - 1);
			nv[i] = *l;
		}
		free(r->lis);
		r->lis = nv;
		r->caplis = cap;
	}
	i = lis_hash(ver, addr, port) & (r->caplis - 1);
	for (; r->lis[i].ver != 0; i = (i + 1) & (r->caplis - 1))
		if (r->lis[i].ver == ver && r->lis[i].port == port &&
		    memcmp(r->lis[i].addr, addr, 16) == 0)
			return;
	r->lis[i].ver = ver;
	r->lis[i].port = port;
	memcpy(r->lis[i].addr, addr, 16);
	r->nlis++;
}

/* A server seen accepting: it sent a SYN,ACK, so a socket was listening on
 * that address and port, and netstat would show it as long as the server
 * runs. (A responder's SYN is a SYN,ACK except in a simultaneous open, where
 * both ends connected and neither listened: rare enough to ignore.) */
static void note_listener(struct sf_report *r, const struct sf_conn *c)
{
	if (c->ep[SF_RESP].flags & SF_EPF_SYN)
		lis_add(r, c->ver, c->addr[SF_RESP], c->port[SF_RESP]);
}

/* netstat's order: IPv4 (/proc/net/tcp) before IPv6 (tcp6), listeners
 * before connections. Listeners are sorted by address and port here;
 * connections come in stream order from the records. */
static int listener_cmp(const void *pa, const void *pb)
{
	const struct sf_report_row *a = pa, *b = pb;
	int d = 0;

	if (a->ver != b->ver)
		return a->ver < b->ver ? -1 : 1;
	d = memcmp(a->local, b->local, 16);
	if (d != 0)
		return d;
	return (a->lport > b->lport) - (a->lport < b->lport);
}

/* --- formatting -------------------------------------------------------------- */

/* Spaces after a field that began at `start`, to `width` and one more;
 * at least one. Lines are reserved whole, so `start` is still in the buffer. */
static void pad(struct sf_buf *b, size_t start, size_t width)
{
	size_t used = b->n - start;
	size_t k = used < width ? width - used + 1 : 1;
	while (k-- > 0)
		sf_buf_ch(b, ' ');
}

static void endpoint(struct sf_sink_state *st, uint8_t ver, const uint8_t *a, uint16_t port,
		     bool names)
{
	struct sf_buf *b = st->out;
	sf_buf_ip(b, ver, a);
	sf_buf_ch(b, ':');
	if (names && st->opts->port_names && st->opts->port_names[port])
		sf_buf_str(b, st->opts->port_names[port]);
	else
		sf_buf_u64(b, port);
}

static void local_foreign(struct sf_sink_state *st, const struct sf_report_row *w, bool names,
			  size_t width)
{
	struct sf_buf *b = st->out;
	size_t start = b->n;

	endpoint(st, w->ver, w->local, w->lport, names);
	if (width)
		pad(b, start, width);
	else
		sf_buf_str(b, "\",\"foreign\":\"");
	start = b->n;
	if (w->role == ROLE_LISTENER)
		sf_buf_str(b, w->ver == 4 ? "0.0.0.0:*" : ":::*");
	else
		endpoint(st, w->ver, w->foreign, w->fport, names);
	if (width)
		pad(b, start, width);
}

static void socket_line(struct sf_sink_state *st, const struct sf_report *r,
			const struct sf_report_row *w)
{
	struct sf_buf *b = st->out;

	sf_buf_reserve(b);
	if (r->json) {
		sf_buf_str(b, "{\"type\":\"socket\",\"proto\":\"");
		sf_buf_str(b, w->ver == 4 ? "tcp" : "tcp6");
		sf_buf_str(b, "\",\"local\":\"");
		local_foreign(st, w, false, 0);
		sf_buf_str(b, "\",\"state\":\"");
		sf_buf_str(b, sf_report_netstat_state((enum sf_st)w->state));
		sf_buf_ch(b, '"');
		if (w->role != ROLE_LISTENER) {
			sf_buf_str(b, ",\"tcp.stream\":");
			sf_buf_u64(b, w->stream);
			sf_buf_str(b, ",\"endpoint\":\"");
			sf_buf_str(b, sf_sink_role_name(w->role));
			sf_buf_ch(b, '"');
		}
		sf_buf_str(b, "}\n");
		return;
	}
	/* netstat's "%-4s  %-23s %-23s %-11s", without the queue columns a
	 * capture cannot know, and without trailing blanks. */
	sf_buf_str(b, w->ver == 4 ? "tcp   " : "tcp6  ");
	local_foreign(st, w, true, 23);
	sf_buf_str(b, sf_report_netstat_state((enum sf_st)w->state));
	sf_buf_ch(b, '\n');
}

/* The table's moment: the connections the tracker finishes from now on
 * (its final flush) are the ones still open, and their records say so. */
static void report_finish(struct sf_sink_state *st)
{
	struct sf_report *r = st->priv;
	r->finished = true;
}

/* Seconds as a decimal: 6 places, or 9 with --nano. */
static void seconds(struct sf_buf *b, int64_t ns, bool nano)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;
	if (rem < 0) {
		rem += 1000000000;
		sec -= 1;
	}
	sf_buf_time(b, sec, nano ? (uint32_t)rem : (uint32_t)(rem / 1000), nano ? 9 : 6);
}

static void two(struct sf_buf *b, int v)
{
	sf_buf_ch(b, (char)('0' + v / 10 % 10));
	sf_buf_ch(b, (char)('0' + v % 10));
}

/* HH:MM:SS.ffffff in local time, as decode's lines print times. */
static void time_of_day(struct sf_buf *b, int64_t ns, bool nano)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;
	time_t t = 0;
	struct tm tm;

	if (rem < 0) {
		rem += 1000000000;
		sec -= 1;
	}
	t = (time_t)sec;
	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	two(b, tm.tm_hour);
	sf_buf_ch(b, ':');
	two(b, tm.tm_min);
	sf_buf_ch(b, ':');
	two(b, tm.tm_sec);
	sf_buf_ch(b, '.');
	if (nano)
		sf_buf_u32_pad(b, (uint32_t)rem, 9);
	else
		sf_buf_u32_pad(b, (uint32_t)(rem / 1000), 6);
}

static const char *closer(const struct rec *rc)
{
	return rc->closed_first ? sf_sink_role_name(rc->closed_first - 1) : NULL;
}

#define KEY(b, k) sf_buf_mem((b), ",\"" k "\":", sizeof(",\"" k "\":") - 1)

static void json_str(struct sf_buf *b, const char *s)
{
	sf_buf_ch(b, '"');
	sf_buf_str(b, s); /* our own tokens and Zeek's letters: nothing to escape */
	sf_buf_ch(b, '"');
}

static void summary_json(struct sf_sink_state *st, const struct sf_report *r, const struct rec *rc)
{
	struct sf_buf *b = st->out;
	char cs[SF_REPORT_COMPL_STR_MAX];
	int64_t dur = rc->last > rc->first ? rc->last - rc->first : 0;

	sf_buf_str(b, "{\"type\":\"connection\",\"tcp.stream\":");
	sf_buf_u64(b, rc->stream);
	KEY(b, "ip.version");
	sf_buf_u64(b, rc->ver);
	for (int role = SF_ORIG; role <= SF_RESP; role++) {
		if (role == SF_ORIG)
			KEY(b, "client");
		else
			KEY(b, "server");
		sf_buf_ch(b, '"');
		sf_buf_ip(b, rc->ver, rc->addr[role]);
		sf_buf_ch(b, '"');
		if (role == SF_ORIG)
			KEY(b, "client_port");
		else
			KEY(b, "server_port");
		sf_buf_u64(b, rc->port[role]);
	}
	KEY(b, "first");
	seconds(b, rc->first, r->nano);
	KEY(b, "duration");
	seconds(b, dur, r->nano);
	KEY(b, "client_pkts");
	sf_buf_u64(b, rc->pkts[SF_ORIG]);
	KEY(b, "client_bytes");
	sf_buf_u64(b, rc->bytes[SF_ORIG]);
	KEY(b, "server_pkts");
	sf_buf_u64(b, rc->pkts[SF_RESP]);
	KEY(b, "server_bytes");
	sf_buf_u64(b, rc->bytes[SF_RESP]);
	if (rc->rtt_known) {
		KEY(b, "handshake_rtt");
		seconds(b, rc->rtt, r->nano);
	}
	if (closer(rc)) {
		KEY(b, "closed_first");
		json_str(b, closer(rc));
	}
	KEY(b, "conn_state");
	json_str(b, rc->conn_state);
	if (rc->history[0] != '\0') {
		KEY(b, "history");
		json_str(b, rc->history);
	}
	KEY(b, "tcp.completeness");
	sf_buf_u64(b, rc->completeness);
	KEY(b, "tcp.completeness.str");
	json_str(b, sf_report_completeness_str(rc->completeness, cs));
	KEY(b, "completeness_text");
	json_str(b, sf_report_completeness_text(rc->completeness));
	KEY(b, "why");
	json_str(b, rc->why);
	sf_buf_str(b, "}\n");
}

/* Column widths of the summary table; a wider value pushes the rest right. */
enum { W_STREAM = 6, W_ADDR = 23, W_NUM = 10, W_WAY = 14, W_WHO = 6, W_STATE = 10, W_HIST = 12 };

/* Seconds take three more digits with --nano. */
static size_t num_width(const struct sf_report *r)
{
	return r->nano ? W_NUM + 3 : W_NUM;
}

static void summary_header(struct sf_sink_state *st, const struct sf_report *r)
{
	static const char *const cols[] = {
		"Stream",  "Client",  "Server", "First",      "Duration", "RTT",
		"Client>", "Server>", "Closer", "conn_state", "history",  "Why",
	};
	const size_t widths[] = {
		W_STREAM, W_ADDR, W_ADDR, r->nano ? 18 : 15, W_NUM,  W_NUM,
		W_WAY,    W_WAY,  W_WHO,  W_STATE,           W_HIST, 9,
	};
	struct sf_buf *b = st->out;

	sf_buf_str(b, "\nConnections (one per stream; Client> and Server> are packets/payload "
		      "bytes sent)\n");
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		size_t start = b->n;
		sf_buf_str(b, cols[i]);
		pad(b, start, widths[i]);
	}
	sf_buf_str(b, "Completeness\n");
}

static void summary_text(struct sf_sink_state *st, const struct sf_report *r, const struct rec *rc)
{
	struct sf_buf *b = st->out;
	char cs[SF_REPORT_COMPL_STR_MAX];
	int64_t dur = rc->last > rc->first ? rc->last - rc->first : 0;
	size_t s = b->n;

	sf_buf_u64(b, rc->stream);
	pad(b, s, W_STREAM);
	for (int role = SF_ORIG; role <= SF_RESP; role++) {
		s = b->n;
		endpoint(st, rc->ver, rc->addr[role], rc->port[role], true);
		pad(b, s, W_ADDR);
	}
	time_of_day(b, rc->first, r->nano);
	sf_buf_ch(b, ' ');
	s = b->n;
	seconds(b, dur, r->nano);
	pad(b, s, num_width(r));
	s = b->n;
	if (rc->rtt_known)
		seconds(b, rc->rtt, r->nano);
	else
		sf_buf_ch(b, '-');
	pad(b, s, num_width(r));
	for (int role = SF_ORIG; role <= SF_RESP; role++) {
		s = b->n;
		sf_buf_u64(b, rc->pkts[role]);
		sf_buf_ch(b, '/');
		sf_buf_u64(b, rc->bytes[role]);
		pad(b, s, W_WAY);
	}
	s = b->n;
	sf_buf_str(b, closer(rc) ? closer(rc) : "-");
	pad(b, s, W_WHO);
	s = b->n;
	sf_buf_str(b, rc->conn_state);
	pad(b, s, W_STATE);
	s = b->n;
	sf_buf_str(b, rc->history[0] ? rc->history : "-");
	pad(b, s, W_HIST);
	s = b->n;
	sf_buf_str(b, rc->why);
	pad(b, s, 9);
	/* Last, because tshark's words hold a space: 31 ·FDASS Complete, WITH_DATA */
	sf_buf_u64(b, rc->completeness);
	sf_buf_ch(b, ' ');
	sf_buf_str(b, sf_report_completeness_str(rc->completeness, cs));
	sf_buf_ch(b, ' ');
	sf_buf_str(b, sf_report_completeness_text(rc->completeness));
	sf_buf_ch(b, '\n');
}

typedef void (*rec_fn)(struct sf_sink_state *st, const struct sf_report *r, const struct rec *rc,
		       int ver);

/* Reads the records back in stream order, a block at a time, and gives fn
 * the valid ones. */
static void each_rec(struct sf_sink_state *st, struct sf_report *r, struct rec *blk, rec_fn fn,
		     int ver)
{
	enum { BLOCK = 256 };

	for (uint64_t i = 0; i < r->nrec && !st->out->failed; i += BLOCK) {
		size_t want = (size_t)(r->nrec - i < BLOCK ? r->nrec - i : BLOCK) * sizeof(*blk);
		size_t got = 0;
		while (got < want) {
			ssize_t n = pread(fileno(r->tmp), (char *)blk + got, want - got,
					  (off_t)(i * sizeof(*blk) + got));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		/* A short read is the file's end: later streams were never
		 * written (none should be); zeros read as not valid. */
		memset((char *)blk + got, 0, want - got);
		for (size_t k = 0; k < want / sizeof(*blk); k++)
			if (blk[k].valid)
				fn(st, r, &blk[k], ver);
	}
}

/* Each endpoint of a connection open at the table's moment is a socket on
 * its own host, except in CLOSED (no socket at all) and LISTEN (counted
 * among the listeners). */
static void table_rows(struct sf_sink_state *st, const struct sf_report *r, const struct rec *rc,
		       int ver)
{
	if (!rc->in_table || rc->ver != ver)
		return;
	for (int role = SF_ORIG; role <= SF_RESP; role++) {
		struct sf_report_row w;
		if (rc->st[role] == SF_ST_CLOSED || rc->st[role] == SF_ST_LISTEN ||
		    !(r->filter & BIT(rc->st[role])))
			continue;
		w.ver = rc->ver;
		w.state = rc->st[role];
		w.role = (uint8_t)role;
		w.stream = rc->stream;
		memcpy(w.local, rc->addr[role], 16);
		memcpy(w.foreign, rc->addr[!role], 16);
		w.lport = rc->port[role];
		w.fport = rc->port[!role];
		socket_line(st, r, &w);
	}
}

static void summary(struct sf_sink_state *st, const struct sf_report *r, const struct rec *rc,
		    int ver)
{
	(void)ver;
	sf_buf_reserve(st->out);
	if (r->json)
		summary_json(st, r, rc);
	else
		summary_text(st, r, rc);
}

/* The listeners, sorted; NULL when there are none or memory ran out. */
static struct sf_report_row *listener_rows(struct sf_report *r, size_t *n)
{
	struct sf_report_row *v = NULL;

	*n = 0;
	if (r->nlis == 0)
		return NULL;
	v = calloc(r->nlis, sizeof(*v));
	if (v == NULL) {
		r->oom = true;
		return NULL;
	}
	for (size_t i = 0; i < r->caplis; i++) {
		const struct sf_report_listener *l = &r->lis[i];
		if (l->ver == 0)
			continue;
		v[*n].ver = l->ver;
		v[*n].state = SF_ST_LISTEN;
		v[*n].role = ROLE_LISTENER;
		memcpy(v[*n].local, l->addr, 16);
		v[*n].lport = l->port;
		(*n)++;
	}
	qsort(v, *n, sizeof(*v), listener_cmp);
	return v;
}

/* The socket table, then the summaries: both read back from the records. */
static void report_end(struct sf_sink_state *st)
{
	struct sf_report *r = st->priv;
	struct rec *blk = NULL;
	struct sf_report_row *lis = NULL;
	size_t nlis = 0, k = 0;
	bool recs = r->io_errno == 0 && r->nrec > 0;

	if (recs && (blk = malloc(256 * sizeof(*blk))) == NULL) {
		r->oom = true;
		recs = false;
	}
	lis = listener_rows(r, &nlis);
	if (!r->json)
		sf_buf_str(st->out,
			   "Active Internet connections (servers and established)\n"
			   "Proto Local Address           Foreign Address         State\n");
	for (int ver = 4; ver <= 6; ver += 2) {
		for (; k < nlis && lis[k].ver == ver; k++)
			if (r->filter & BIT(SF_ST_LISTEN))
				socket_line(st, r, &lis[k]);
		if (recs)
			each_rec(st, r, blk, table_rows, ver);
	}
	free(lis);
	if (!r->json)
		summary_header(st, r);
	if (recs)
		each_rec(st, r, blk, summary, 0);
	free(blk);
}

static void report_conn_done(struct sf_sink_state *st, const struct sf_conn *c, const char *why)
{
	struct sf_report *r = st->priv;

	/* Listening at the table's moment: it served this connection, or
	 * it is open and in LISTEN itself. */
	note_listener(r, c);
	if (r->finished)
		for (int role = SF_ORIG; role <= SF_RESP; role++)
			if (c->ep[role].st == SF_ST_LISTEN)
				lis_add(r, c->ver, c->addr[role], c->port[role]);
	save(r, c, why);
}

const struct sf_sink sf_sink_report = {
	.name = "report",
	.zeek = true,
	.no_notes = true,
	.any_order = true, /* records go to stream offsets, listeners to a set */
	.frame = NULL,     /* everything it needs is in the connections */
	.conn_done = report_conn_done,
	.finish = report_finish,
	.end = report_end,
};
