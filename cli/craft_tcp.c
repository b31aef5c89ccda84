/* cli/craft_tcp.c: `synfin craft connect` and `synfin craft accept`: a crafted TCP conversation with a real kernel.
 *
 * Both run the same way: pick the device and our address (loopback, or the
 * route's interface when the safety check allows it), reserve our port,
 * open the capture and the injector (craft/utcp.h), put up the RST guard
 * (craft/guard.h), then drive the endpoint step by step: every step is a
 * ladder line on standard output. Whatever happens, one exit path closes
 * the capture and removes the guard; a connection still open when things
 * go wrong is ended with a RST, so no half-open socket is left at the peer.
 */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "capture/chat.h"
#include "config.h"
#include "craft/craft.h"
#include "craft/guard.h"
#include "craft/safety.h"
#include "craft/utcp.h"

/* The one mutable file-scope variable: a signal handler can reach nothing else. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

#define REPLY_FIRST_MS 1000 /* after our data: how long the first reply may take */
#define REPLY_QUIET_MS 300  /* ...and how long a quiet peer has said all it will */
#define INBOX_MAX      (64 * 1024)
#define SPORT_LO       32768 /* Linux's default ip_local_port_range */
#define SPORT_HI       60999
#define SPORT_TRIES    8

enum close_how { CLOSE_ACTIVE = 0, CLOSE_PASSIVE, CLOSE_RST };

struct opts {
	const char *me; /* "synfin craft connect" */
	bool accept;
	struct sf_utcp_addr peer;  /* connect: the destination */
	struct sf_utcp_addr local; /* accept: -b and -p */
	const char **data;         /* connect: --data, in order */
	size_t ndata;
	enum close_how close;
	long sport; /* -1: random */
	bool isn_set;
	uint32_t isn;
	uint16_t mss;
	bool ts;
	unsigned pause_ms;
	uint32_t time_wait_ms;
	uint64_t timeout_ms;
	uint64_t max_ms;
	bool allow_remote;
	bool ascii;
	bool verbose;
	char err_buf[256];
};

/* Everything one run holds; cleaned up at one place. */
struct run {
	const struct opts *o;
	struct sf_utcp u;
	struct sf_utcp_io *io;
	struct sf_guard guard;
	char device[16];
	uint64_t deadline; /* the whole run */
	bool lines;        /* accept: keep what arrives for the chat */
	char inbox[INBOX_MAX];
	size_t inbox_len;
	uint64_t seen; /* connect: rx_total when the wait for answers last looked */
	char err[512];
};

/* --- usage and options ------------------------------------------------------ */

static const char common_help[] =
	"  --isn N          our initial sequence number (default: random)\n"
	"  --mss N          the MSS option on our SYN (default 1460)\n"
	"  --ts             offer timestamps (RFC 7323) on our SYN\n"
	"  --pause MS       wait MS ms before each new crafted segment, so the peer's\n"
	"                   states can be watched (ss -tan); keep it under 200 ms past\n"
	"                   the handshake, or the peer's kernel starts retransmitting\n"
	"  --time-wait S    stay S seconds in TIME_WAIT (default 2; a demo, not 60 s)\n"
	"  --timeout S      how long to wait for the peer at each step (default 5)\n"
	"  --max-seconds S  bound on the whole run (default 30)\n"
	"  --allow-remote   let crafted segments go to any address (see below)\n"
	"  --ascii          draw the ladder with - > < only\n"
	"  -v, --verbose    say what is set up and torn down (the RST guard)\n"
	"\n"
	"Each step is a ladder line on standard output: time, our state, the segment\n"
	"(tcpdump's flag letters, numbers relative to each side's ISN).\n"
	"\n"
	"Needs root: it captures on the interface, writes its segments through a raw\n"
	"IP socket, and installs a firewall rule (an nftables table 'synfin-PID', or\n"
	"an iptables chain without nft) that drops the local kernel's RSTs for exactly\n"
	"this connection: the kernel has no socket for it and would reset it. The rule\n"
	"goes on every way out; a watchdog process removes it if the crafter is killed\n"
	"(kill -9); leftovers of crafters that are gone are removed at the next start.\n"
	"\n"
	"Safety (craft/safety.h, as for craft send): segments go only to loopback\n"
	"(127.0.0.0/8, ::1) and, when synfin runs in a network namespace of its own\n"
	"(ip netns exec), to directly connected addresses (no gateway on the route).\n"
	"Anything else, this host's other addresses included, is refused with exit 2\n"
	"before anything is sent, unless --allow-remote is given: crafted segments to a\n"
	"machine you do not own are your responsibility.\n"
	"\n"
	"Exit: 0 the conversation went as planned; 1 the peer did not answer (after 3\n"
	"      tries: 1 s, 2 s, 4 s), refused, reset or was too slow, the run was\n"
	"      interrupted, or sending failed; 2 bad command line or a destination\n"
	"      refused by the safety check; 5 no privilege (run it with sudo).\n";

void sf_craft_connect_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin craft connect ADDR:PORT [--data TEXT]... "
		"[--close active|passive|rst]\n"
		"                            [--sport N] [--isn N] [--mss N] [--ts] [--pause MS]\n"
		"                            [--time-wait S] [--timeout S] [--max-seconds S]\n"
		"                            [--allow-remote] [--ascii] [-v]\n"
		"\n"
		"A user-space TCP client: a crafted SYN (with MSS) to ADDR:PORT, the peer\n"
		"kernel's SYN-ACK captured and checked (ack = our ISN+1), a crafted ACK; each\n"
		"--data line and its ACK, the peer's answers acknowledged; then the close.\n"
		"ADDR is numeric: 127.0.0.1:9000, [::1]:9000. Our address is the same\n"
		"loopback address (or the route's source address); our port is random.\n"
		"\n"
		"  --data TEXT      send TEXT and a newline (a line of the chat server's\n"
		"                   protocol); repeatable; each waits for its ACK, then\n"
		"                   for the peer's answer\n"
		"  --close active   we close first: FIN, the peer's ACK and FIN, our ACK,\n"
		"                   TIME_WAIT (default)\n"
		"  --close passive  wait for the peer's FIN (send 'bye' to synfin server),\n"
		"                   ACK it, then our FIN and the peer's ACK (LAST_ACK)\n"
		"  --close rst      end with a crafted RST\n"
		"  --sport N        our port (default: random, 32768-60999)\n"
		"%s",
		common_help);
}

void sf_craft_accept_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin craft accept [-b ADDR] -p PORT [--close active|passive]\n"
		"                           [--isn N] [--mss N] [--ts] [--pause MS]\n"
		"                           [--time-wait S] [--timeout S] [--max-seconds S]\n"
		"                           [--allow-remote] [--ascii] [-v]\n"
		"\n"
		"A user-space TCP listener for one real client (synfin client, nc): waits for\n"
		"its SYN, answers with a crafted SYN-ACK, acknowledges its data and answers as\n"
		"synfin server does ('Thank You!' for each line, '^^^' for 'bye'), then closes.\n"
		"Prints '(listening on ADDR port PORT)' when ready.\n"
		"\n"
		"  -b ADDR          our address (default 127.0.0.1; ::1 too)\n"
		"  -p PORT          our port (required; nothing of this host may hold it)\n"
		"  --close active   after '^^^' we close first (default): FIN_WAIT_1,\n"
		"                   FIN_WAIT_2, TIME_WAIT; the client goes CLOSE_WAIT\n"
		"  --close passive  after '^^^' wait for the client's FIN: CLOSE_WAIT,\n"
		"                   LAST_ACK; the client goes FIN_WAIT_2 and TIME_WAIT\n"
		"                   (a client that closes first gets '^^^' and our FIN,\n"
		"                   as from synfin server, whichever is asked)\n"
		"%s",
		common_help);
}

static void bad_option(const char *me, int c, const char *word)
{
	if (c == ':')
		fprintf(stderr, "%s: '%s' needs a value\n\n", me, word);
	else
		fprintf(stderr, "%s: unknown option '%s'\n\n", me, word);
}

static bool num(const char *me, const char *opt, const char *arg, uint64_t min, uint64_t max,
		uint64_t *out)
{
	if (sf_chat_parse_num(arg, max, out) && *out >= min)
		return true;
	fprintf(stderr, "%s: %s needs a number from %llu to %llu, not '%s'\n\n", me, opt,
		(unsigned long long)min, (unsigned long long)max, arg);
	return false;
}

/* Seconds with up to three decimals ("2", "0.5") as milliseconds. */
static bool secs(const char *me, const char *opt, const char *arg, uint64_t max_s, uint64_t *ms)
{
	const char *dot = strchr(arg, '.');
	char ip[24];
	uint64_t whole = 0, frac = 0;
	size_t n = dot != NULL ? (size_t)(dot - arg) : strlen(arg), fd = 0;

	if (n > 0 && n < sizeof ip) {
		memcpy(ip, arg, n);
		ip[n] = '\0';
		if (sf_chat_parse_num(ip, max_s, &whole)) {
			if (dot == NULL) {
				*ms = whole * 1000;
				return true;
			}
			for (fd = 1; dot[fd] >= '0' && dot[fd] <= '9' && fd <= 3; fd++)
				frac = frac * 10 + (uint64_t)(dot[fd] - '0');
			if (fd > 1 && dot[fd] == '\0') {
				for (; fd <= 3; fd++)
					frac *= 10;
				*ms = whole * 1000 + frac;
				if (*ms <= max_s * 1000)
					return true;
			}
		}
	}
	fprintf(stderr, "%s: %s needs seconds from 0 to %llu (0.5 is fine), not '%s'\n\n", me, opt,
		(unsigned long long)max_s, arg);
	return false;
}

/* SF_EXIT_OK when parsed (*done after --help); otherwise SF_EXIT_USAGE, message printed. */
static int parse_args(int argc, char **argv, struct opts *o, bool *done)
{
	enum {
		OPT_DATA = 256,
		OPT_CLOSE,
		OPT_SPORT,
		OPT_ISN,
		OPT_MSS,
		OPT_TS,
		OPT_PAUSE,
		OPT_TIME_WAIT,
		OPT_TIMEOUT,
		OPT_MAX_SECONDS,
		OPT_ALLOW_REMOTE,
		OPT_ASCII,
	};
	static const struct option longs[] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "close", required_argument, NULL, OPT_CLOSE },
		{ "sport", required_argument, NULL, OPT_SPORT },
		{ "isn", required_argument, NULL, OPT_ISN },
		{ "mss", required_argument, NULL, OPT_MSS },
		{ "ts", no_argument, NULL, OPT_TS },
		{ "pause", required_argument, NULL, OPT_PAUSE },
		{ "time-wait", required_argument, NULL, OPT_TIME_WAIT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
		{ "allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	void (*usage)(FILE *) = o->accept ? sf_craft_accept_usage : sf_craft_connect_usage;
	const char *bind = "127.0.0.1";
	bool have_port = false;
	uint64_t v = 0;
	int c = 0;

	*done = false;
	opterr = 0;
	optind = 1;
	o->data = calloc((size_t)argc + 1, sizeof(*o->data));
	if (o->data == NULL) {
		fprintf(stderr, "%s: out of memory\n", o->me);
		return SF_EXIT_USAGE;
	}
	while ((c = getopt_long(argc, argv, o->accept ? ":b:p:vh" : ":vh", longs, NULL)) != -1) {
		switch (c) {
		case OPT_DATA:
			if (o->accept)
				goto unknown;
			o->data[o->ndata++] = optarg;
			break;
		case OPT_CLOSE:
			if (strcmp(optarg, "active") == 0)
				o->close = CLOSE_ACTIVE;
			else if (strcmp(optarg, "passive") == 0)
				o->close = CLOSE_PASSIVE;
			else if (strcmp(optarg, "rst") == 0 && !o->accept)
				o->close = CLOSE_RST;
			else {
				fprintf(stderr,
					"%s: --close takes active or passive%s, not '%s'\n\n",
					o->me, o->accept ? "" : " or rst", optarg);
				goto bad;
			}
			break;
		case OPT_SPORT:
			if (o->accept || !num(o->me, "--sport", optarg, 1, 65535, &v))
				goto bad;
			o->sport = (long)v;
			break;
		case OPT_ISN:
			if (!num(o->me, "--isn", optarg, 0, UINT32_MAX, &v))
				goto bad;
			o->isn = (uint32_t)v;
			o->isn_set = true;
			break;
		case OPT_MSS:
			if (!num(o->me, "--mss", optarg, 64, 65535, &v))
				goto bad;
			o->mss = (uint16_t)v;
			break;
		case OPT_TS: o->ts = true; break;
		case OPT_PAUSE:
			if (!num(o->me, "--pause", optarg, 0, 10000, &v))
				goto bad;
			o->pause_ms = (unsigned)v;
			break;
		case OPT_TIME_WAIT:
			if (!secs(o->me, "--time-wait", optarg, 60, &v))
				goto bad;
			o->time_wait_ms = v == 0 ? 1 : (uint32_t)v;
			break;
		case OPT_TIMEOUT:
			if (!secs(o->me, "--timeout", optarg, 300, &v) || v == 0)
				goto bad;
			o->timeout_ms = v;
			break;
		case OPT_MAX_SECONDS:
			if (!secs(o->me, "--max-seconds", optarg, 3600, &v) || v == 0)
				goto bad;
			o->max_ms = v;
			break;
		case OPT_ALLOW_REMOTE: o->allow_remote = true; break;
		case OPT_ASCII: o->ascii = true; break;
		case 'v': o->verbose = true; break;
		case 'b': bind = optarg; break;
		case 'p':
			if (!num(o->me, "-p", optarg, 1, 65535, &v))
				goto bad;
			o->local.port = (uint16_t)v;
			have_port = true;
			break;
		case 'h':
			usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		case ':':
		case '?':
		default:
		unknown:
			bad_option(o->me, c, argv[optind - 1]);
			goto bad;
		}
	}
	if (o->accept) {
		uint16_t port = o->local.port;
		if (optind != argc) {
			fprintf(stderr, "%s: unexpected '%s'\n\n", o->me, argv[optind]);
			goto bad;
		}
		if (!have_port) {
			fprintf(stderr, "%s: -p PORT is required\n\n", o->me);
			goto bad;
		}
		if (!sf_utcp_addr_parse(bind, false, &o->local, o->err_buf, sizeof o->err_buf)) {
			fprintf(stderr, "%s: -b %s\n\n", o->me, o->err_buf);
			goto bad;
		}
		o->local.port = port;
		return SF_EXIT_OK;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s: %s\n\n", o->me,
			optind >= argc ? "ADDR:PORT is required" : "one ADDR:PORT only");
		goto bad;
	}
	if (!sf_utcp_addr_parse(argv[optind], true, &o->peer, o->err_buf, sizeof o->err_buf)) {
		fprintf(stderr, "%s: %s\n\n", o->me, o->err_buf);
		goto bad;
	}
	return SF_EXIT_OK;
bad:
	usage(stderr);
	return SF_EXIT_USAGE;
}

/* --- waiting ---------------------------------------------------------------- */

typedef bool (*pred_fn)(const struct sf_utcp *u, const struct run *r);

struct await_ctx {
	pred_fn fn;
	const struct run *r;
};

/* Data that arrives is taken out at once, whatever the wait is for. */
static bool until_or_data(const struct sf_utcp *u, void *ctx)
{
	const struct await_ctx *c = ctx;
	return u->rx_len > 0 || c->fn(u, c->r);
}

static bool left_syn_sent(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return u->st != SF_ST_SYN_SENT;
}

static bool left_listen(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return u->st != SF_ST_LISTEN;
}

static bool synchronized_or_gone(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return u->st != SF_ST_SYN_SENT && u->st != SF_ST_SYN_RCVD;
}

static bool idle(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return sf_utcp_idle(u) || u->st == SF_ST_CLOSED;
}

static bool fin_or_gone(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return u->fin_rcvd || u->st == SF_ST_CLOSED;
}

static bool closing_done(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return u->st == SF_ST_TIME_WAIT || u->st == SF_ST_CLOSED;
}

static bool closed(const struct sf_utcp *u, const struct run *r)
{
	(void)r;
	return u->st == SF_ST_CLOSED;
}

/* accept: a whole line (or a line's worth) to answer, or the client's FIN. */
static bool chat_ready(const struct sf_utcp *u, const struct run *r)
{
	return memchr(r->inbox, '\n', r->inbox_len) != NULL || r->inbox_len >= SF_CHAT_LINE_MAX ||
	       u->fin_rcvd || u->st != SF_ST_ESTABLISHED;
}

/* Moves what arrived out of the endpoint, shows it, keeps it for the chat. */
static void take_data(struct run *r)
{
	uint8_t buf[SF_UTCP_RX_MAX];
	char q[SF_CHAT_QUOTE_BUF];
	size_t n = sf_utcp_read(&r->u, buf, sizeof buf);

	if (n == 0)
		return;
	(void)sf_chat_quote(q, buf, n);
	sf_utcp_io_note(r->io, &r->u, "read %zu byte%s: \"%s\"", n, n == 1 ? "" : "s", q);
	if (!r->lines)
		return;
	if (n > INBOX_MAX - r->inbox_len) {
		sf_utcp_io_note(r->io, &r->u, "%zu bytes not kept: more than %d unanswered",
				n - (INBOX_MAX - r->inbox_len), INBOX_MAX);
		n = INBOX_MAX - r->inbox_len;
	}
	memcpy(r->inbox + r->inbox_len, buf, n);
	r->inbox_len += n;
}

/* Runs the endpoint until fn says so, for at most ms (and never past the
 * run's deadline). */
static enum sf_utcp_wait await(struct run *r, pred_fn fn, uint64_t ms)
{
	struct await_ctx c = { fn, r };
	uint64_t now = sf_utcp_now_ms();
	uint64_t dl = ms < r->deadline - now ? now + ms : r->deadline;

	if (now >= r->deadline)
		dl = now;
	for (;;) {
		enum sf_utcp_wait w =
			sf_utcp_io_wait(r->io, &r->u, until_or_data, &c, dl, r->err, sizeof r->err);
		if (r->u.rx_len > 0)
			take_data(r);
		if (w == SF_UTCP_WAIT_DONE && stop_requested)
			return SF_UTCP_WAIT_STOPPED; /* no next step after a signal */
		if (w != SF_UTCP_WAIT_DONE || fn(&r->u, r))
			return w;
	}
}

/* Says why a wait ended badly; the exit code. */
static int failed(struct run *r, enum sf_utcp_wait w, const char *what)
{
	const char *me = r->o->me;

	switch (w) {
	case SF_UTCP_WAIT_TIMEOUT:
		if (sf_utcp_now_ms() >= r->deadline)
			fprintf(stderr, "%s: %s: the run's limit (--max-seconds %.1f) passed\n", me,
				what, (double)r->o->max_ms / 1000);
		else
			fprintf(stderr, "%s: %s: nothing within --timeout %.1f s\n", me, what,
				(double)r->o->timeout_ms / 1000);
		break;
	case SF_UTCP_WAIT_STOPPED: fprintf(stderr, "%s: interrupted %s\n", me, what); break;
	case SF_UTCP_WAIT_GAVE_UP:
		fprintf(stderr, "%s: %s: no answer after %d tries (waiting 1 s, 2 s, 4 s)\n", me,
			what, SF_UTCP_SENDS);
		break;
	case SF_UTCP_WAIT_RESET:
		fprintf(stderr, "%s: %s: the peer reset the connection\n", me, what);
		break;
	case SF_UTCP_WAIT_ERROR: fprintf(stderr, "%s: %s: %s\n", me, what, r->err); break;
	case SF_UTCP_WAIT_DONE: return SF_EXIT_OK;
	}
	return SF_EXIT_INPUT;
}

/* Does what act says (a line and a segment); false with the message printed. */
static bool act(struct run *r, const struct sf_utcp_act *a)
{
	if (sf_utcp_io_act(r->io, &r->u, a, r->err, sizeof r->err))
		return true;
	fprintf(stderr, "%s: cannot send: %s\n", r->o->me, r->err);
	return false;
}

/* Sends data in segments, each waiting for its ACK. */
static enum sf_utcp_wait send_all(struct run *r, const uint8_t *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct sf_utcp_act a;
		enum sf_utcp_wait w;
		size_t n = sf_utcp_write(&r->u, data + off, len - off, sf_utcp_now_ms(), &a);
		if (n == 0) {
			snprintf(r->err, sizeof r->err, "cannot send data in %s",
				 sf_st_name(r->u.st));
			return SF_UTCP_WAIT_ERROR;
		}
		if (!sf_utcp_io_act(r->io, &r->u, &a, r->err, sizeof r->err))
			return SF_UTCP_WAIT_ERROR;
		off += n;
		w = await(r, idle, UINT64_MAX);
		if (w != SF_UTCP_WAIT_DONE)
			return w;
		if (r->u.st == SF_ST_CLOSED) {
			snprintf(r->err, sizeof r->err, "the connection closed under our data");
			return SF_UTCP_WAIT_ERROR;
		}
	}
	return SF_UTCP_WAIT_DONE;
}

/* Closes with a FIN and waits for the close to finish: TIME_WAIT (then its
 * end) or CLOSED. */
static int close_and_wait(struct run *r)
{
	struct sf_utcp_act a;
	enum sf_utcp_wait w;

	if (!sf_utcp_close(&r->u, sf_utcp_now_ms(), &a)) {
		fprintf(stderr, "%s: cannot close in %s\n", r->o->me, sf_st_name(r->u.st));
		return SF_EXIT_INPUT;
	}
	if (!act(r, &a))
		return SF_EXIT_INPUT;
	w = await(r, closing_done, r->o->timeout_ms + 7000);
	if (w != SF_UTCP_WAIT_DONE)
		return failed(r, w, "closing");
	if (r->u.st == SF_ST_TIME_WAIT) {
		w = await(r, closed, r->u.cfg.time_wait + 1000);
		if (w != SF_UTCP_WAIT_DONE)
			return failed(r, w, "in TIME_WAIT");
	}
	return SF_EXIT_OK;
}

/* --- setting up ------------------------------------------------------------- */

static void on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns and the flag is seen */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static uint32_t random32(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (uint32_t)getpid() * 2654435761u ^ (uint32_t)sf_utcp_now_ms();
	return v;
}

/* craft/safety.h's rule, the same for every crafter mode; the exit code. */
static int check_dest(struct run *r, const struct sf_utcp_addr *a)
{
	char why[256];

	if (!sf_craft_dest_allowed(a->ver, a->a, r->o->allow_remote, why, sizeof why)) {
		fprintf(stderr, "%s: refusing to craft segments: %s. Nothing was sent.\n", r->o->me,
			why);
		return SF_EXIT_USAGE;
	}
	if (r->o->verbose)
		fprintf(stderr, "%s: %s\n", r->o->me, why);
	return SF_EXIT_OK;
}

/* connect: the device and our address for the destination. */
static int route_connect(struct run *r, struct sf_utcp_addr *local)
{
	const struct sf_utcp_addr *peer = &r->o->peer;
	int rc = check_dest(r, peer);

	if (rc != SF_EXIT_OK)
		return rc;
	*local = *peer;
	local->port = 0;
	if (sf_craft_addr_is_loopback(peer->ver, peer->a)) {
		/* The same loopback address: the conversation stays on one. */
		snprintf(r->device, sizeof r->device, "lo");
		return SF_EXIT_OK;
	}
	if (!sf_utcp_source_for(peer->ver, peer->a, local->a, r->err, sizeof r->err)) {
		fprintf(stderr, "%s: %s\n", r->o->me, r->err);
		return SF_EXIT_INPUT;
	}
	/* To one of our own addresses the kernel goes over lo, whatever
	 * interface holds it. */
	if (memcmp(local->a, peer->a, 16) == 0)
		snprintf(r->device, sizeof r->device, "lo");
	else if (!sf_utcp_dev_of(local->ver, local->a, r->device, sizeof r->device)) {
		fprintf(stderr, "%s: no interface holds our address for the destination\n",
			r->o->me);
		return SF_EXIT_INPUT;
	}
	return SF_EXIT_OK;
}

/* accept: each client's SYN is checked as a destination before it is answered. */
static bool peer_ok(uint8_t ver, const uint8_t a[16], void *ctx)
{
	const struct run *r = ctx;
	return sf_craft_dest_allowed(ver, a, r->o->allow_remote, NULL, 0);
}

/* accept: the device that holds the address we listen on. */
static int route_accept(struct run *r)
{
	const struct sf_utcp_addr *l = &r->o->local;

	if (sf_craft_addr_is_loopback(l->ver, l->a)) {
		snprintf(r->device, sizeof r->device, "lo");
		return SF_EXIT_OK;
	}
	if (!sf_utcp_dev_of(l->ver, l->a, r->device, sizeof r->device)) {
		char s[64];
		fprintf(stderr, "%s: -b %s is not an address of this host\n", r->o->me,
			sf_utcp_addr_str(l, s, sizeof s));
		return SF_EXIT_USAGE;
	}
	return SF_EXIT_OK;
}

/* Opens capture and injection (for connect with a random port, trying
 * another port when one is taken), then the guard. The exit code. */
static int setup(struct run *r, struct sf_utcp_cfg *cfg)
{
	const struct opts *o = r->o;
	struct sf_utcp_io_cfg ioc = { .device = r->device,
				      .out = stdout,
				      .ascii = o->ascii,
				      .pause_ms = o->pause_ms,
				      .stop = &stop_requested,
				      .peer_ok = o->accept ? peer_ok : NULL,
				      .peer_ctx = r };
	struct sf_guard_flow gf;
	enum sf_utcp_io_rc io_rc = SF_UTCP_IO_FAIL;
	enum sf_guard_rc g_rc;
	FILE *log = o->verbose ? stderr : NULL;

	(void)sf_guard_sweep(log);
	for (int i = 0; i < SPORT_TRIES; i++) {
		if (!o->accept)
			cfg->local.port =
				o->sport >= 0 ? (uint16_t)o->sport
					      : (uint16_t)(SPORT_LO +
							   random32() % (SPORT_HI - SPORT_LO + 1));
		sf_utcp_init(&r->u, cfg);
		io_rc = sf_utcp_io_open(&r->io, &r->u, &ioc, r->err, sizeof r->err);
		if (io_rc != SF_UTCP_IO_FAIL || o->accept || o->sport >= 0 ||
		    strstr(r->err, "is taken") == NULL)
			break;
	}
	if (io_rc == SF_UTCP_IO_PERM) {
		fprintf(stderr,
			"%s: %s\n%s: crafting needs root: capturing and injecting on %s "
			"(CAP_NET_RAW) and the RST guard's firewall rule (CAP_NET_ADMIN): run it "
			"with sudo\n",
			o->me, r->err, o->me, r->device);
		return SF_EXIT_PERM;
	}
	if (io_rc != SF_UTCP_IO_OK) {
		fprintf(stderr, "%s: %s\n", o->me, r->err);
		return SF_EXIT_INPUT;
	}
	memset(&gf, 0, sizeof gf);
	gf.ver = cfg->local.ver;
	memcpy(gf.saddr, cfg->local.a, 16);
	memcpy(gf.daddr, cfg->remote.a, 16);
	gf.sport = cfg->local.port;
	gf.dport = cfg->remote.port;
	gf.any_peer = o->accept;
	g_rc = sf_guard_install(&r->guard, &gf, log, r->err, sizeof r->err);
	if (g_rc != SF_GUARD_OK) {
		fprintf(stderr, "%s: %s\n", o->me, r->err);
		return g_rc == SF_GUARD_PERM ? SF_EXIT_PERM : SF_EXIT_INPUT;
	}
	if (o->verbose) {
		char l[64], p[64];
		fprintf(stderr, "%s: %s, device %s, %s > %s\n", o->me,
			o->accept ? "listening" : "connecting", r->device,
			sf_utcp_addr_str(&cfg->local, l, sizeof l),
			o->accept ? "any" : sf_utcp_addr_str(&cfg->remote, p, sizeof p));
	}
	return SF_EXIT_OK;
}

/* The one way out: a RST for a connection still open (so the peer keeps
 * no half-open socket), then the capture, then the guard. */
static int teardown(struct run *r, int rc)
{
	enum sf_st st = r->u.st;
	struct sf_utcp_act a;

	if (r->io != NULL && st != SF_ST_CLOSED && st != SF_ST_LISTEN && st != SF_ST_SYN_SENT &&
	    st != SF_ST_TIME_WAIT && sf_utcp_abort(&r->u, &a)) {
		sf_utcp_io_note(r->io, &r->u,
				"ending with a RST: the peer keeps no half-open socket");
		if (!sf_utcp_io_act(r->io, &r->u, &a, r->err, sizeof r->err))
			fprintf(stderr, "%s: cannot send the RST: %s\n", r->o->me, r->err);
	}
	sf_utcp_io_close(r->io);
	r->io = NULL;
	if (!sf_guard_remove(&r->guard, r->err, sizeof r->err))
		fprintf(stderr,
			"%s: cannot remove the RST guard %s: %s (its watchdog tries again)\n",
			r->o->me, r->guard.name, r->err);
	fflush(stdout);
	return rc;
}

static void defaults(struct opts *o, const char *me, bool accept)
{
	memset(o, 0, sizeof(*o));
	o->me = me;
	o->accept = accept;
	o->sport = -1;
	o->close = CLOSE_ACTIVE;
	o->timeout_ms = 5000;
	o->max_ms = (uint64_t)SF_UTCP_RUN_MAX_S * 1000;
}

static struct sf_utcp_cfg endpoint_cfg(const struct opts *o)
{
	struct sf_utcp_cfg c;

	memset(&c, 0, sizeof c);
	c.isn = o->isn_set ? o->isn : random32();
	c.mss = o->mss;
	c.ts = o->ts;
	c.time_wait = o->time_wait_ms;
	return c;
}

/* --- connect -------------------------------------------------------------------- */

/* Something new came (data beyond r->seen), or the peer closed. */
static bool news(const struct sf_utcp *u, const struct run *r)
{
	return u->rx_total != r->seen || u->fin_rcvd || u->st == SF_ST_CLOSED;
}

/* After our data: the peer's answers, until it has been quiet a while
 * (REPLY_FIRST_MS for the first, REPLY_QUIET_MS after each), --timeout at
 * most. */
static enum sf_utcp_wait await_replies(struct run *r)
{
	uint64_t end = sf_utcp_now_ms() + r->o->timeout_ms, quiet = REPLY_FIRST_MS;

	r->seen = r->u.rx_total;
	for (;;) {
		uint64_t now = sf_utcp_now_ms();
		enum sf_utcp_wait w;

		if (now >= end || r->u.fin_rcvd || r->u.st == SF_ST_CLOSED)
			return SF_UTCP_WAIT_DONE;
		w = await(r, news, quiet < end - now ? quiet : end - now);
		if (w == SF_UTCP_WAIT_TIMEOUT && sf_utcp_now_ms() < r->deadline)
			return SF_UTCP_WAIT_DONE; /* quiet: it has said what it had to say */
		if (w != SF_UTCP_WAIT_DONE)
			return w;
		r->seen = r->u.rx_total;
		quiet = REPLY_QUIET_MS;
	}
}

static int connect_run(struct run *r)
{
	const struct opts *o = r->o;
	struct sf_utcp_act a;
	enum sf_utcp_wait w;

	if (!sf_utcp_connect(&r->u, sf_utcp_now_ms(), &a) || !act(r, &a))
		return SF_EXIT_INPUT;
	w = await(r, left_syn_sent, UINT64_MAX);
	if (w == SF_UTCP_WAIT_RESET || (w == SF_UTCP_WAIT_DONE && r->u.st == SF_ST_CLOSED)) {
		char s[64];
		fprintf(stderr, "%s: connection refused: %s answered our SYN with a RST\n", o->me,
			sf_utcp_addr_str(&o->peer, s, sizeof s));
		return SF_EXIT_INPUT;
	}
	if (w == SF_UTCP_WAIT_DONE)
		w = await(r, synchronized_or_gone, UINT64_MAX); /* simultaneous open */
	if (w != SF_UTCP_WAIT_DONE || r->u.st != SF_ST_ESTABLISHED)
		return failed(r, w, "the handshake");

	for (size_t i = 0; i < o->ndata; i++) {
		size_t len = strlen(o->data[i]);
		char *line = malloc(len + 2);
		if (line == NULL) {
			fprintf(stderr, "%s: out of memory\n", o->me);
			return SF_EXIT_INPUT;
		}
		memcpy(line, o->data[i], len);
		line[len] = '\n';
		w = send_all(r, (const uint8_t *)line, len + 1);
		free(line);
		if (w == SF_UTCP_WAIT_DONE)
			w = await_replies(r);
		if (w != SF_UTCP_WAIT_DONE)
			return failed(r, w, "sending data");
	}

	switch (o->close) {
	case CLOSE_RST:
		if (!sf_utcp_abort(&r->u, &a) || !act(r, &a))
			return SF_EXIT_INPUT;
		return SF_EXIT_OK;
	case CLOSE_PASSIVE:
		w = await(r, fin_or_gone, o->timeout_ms);
		if (w != SF_UTCP_WAIT_DONE || r->u.st != SF_ST_CLOSE_WAIT)
			return failed(r, w, "waiting for the peer's FIN (--close passive)");
		return close_and_wait(r);
	case CLOSE_ACTIVE:
		if (r->u.st == SF_ST_CLOSE_WAIT)
			sf_utcp_io_note(r->io, &r->u, "the peer closed first: our FIN answers its");
		return close_and_wait(r);
	}
	return SF_EXIT_OK;
}

/* --- accept ---------------------------------------------------------------------- */

/* Answers every whole line in the inbox as synfin server does; *bye once
 * "bye" was answered. */
static enum sf_utcp_wait answer_lines(struct run *r, bool *bye)
{
	while (!*bye) {
		char *nl = memchr(r->inbox, '\n', r->inbox_len);
		size_t len = nl != NULL ? (size_t)(nl - r->inbox) : r->inbox_len;
		size_t used = nl != NULL ? len + 1 : len;
		const char *reply = SF_CHAT_THANKS "\n";
		enum sf_utcp_wait w;

		if (nl == NULL && r->inbox_len < SF_CHAT_LINE_MAX)
			break;
		if (len > SF_CHAT_LINE_MAX) {
			len = used = SF_CHAT_LINE_MAX; /* a long line is answered per piece */
		}
		if (len > 0 && r->inbox[len - 1] == '\r')
			len--;
		if (sf_chat_is_bye(r->inbox, len)) {
			reply = SF_CHAT_CARETS "\n";
			*bye = true;
		}
		memmove(r->inbox, r->inbox + used, r->inbox_len - used);
		r->inbox_len -= used;
		w = send_all(r, (const uint8_t *)reply, strlen(reply));
		if (w != SF_UTCP_WAIT_DONE)
			return w;
	}
	return SF_UTCP_WAIT_DONE;
}

static int accept_run(struct run *r)
{
	const struct opts *o = r->o;
	struct sf_utcp_act a;
	enum sf_utcp_wait w;
	bool bye = false;
	char s[64];

	if (!sf_utcp_listen(&r->u, &a))
		return SF_EXIT_INPUT;
	{
		struct sf_utcp_addr l = o->local;
		l.port = 0;
		sf_utcp_io_note(r->io, &r->u, "listening on %s port %u",
				sf_utcp_addr_str(&l, s, sizeof s), o->local.port);
	}
	w = await(r, left_listen, UINT64_MAX);
	if (w != SF_UTCP_WAIT_DONE)
		return failed(r, w, "waiting for a client's SYN");
	w = await(r, synchronized_or_gone, UINT64_MAX);
	if (w != SF_UTCP_WAIT_DONE || r->u.st != SF_ST_ESTABLISHED)
		return failed(r, w, "the handshake");
	sf_utcp_io_note(r->io, &r->u, "client %s", sf_utcp_addr_str(&r->u.cfg.remote, s, sizeof s));

	r->lines = true;
	while (!bye) {
		w = await(r, chat_ready, UINT64_MAX);
		if (w == SF_UTCP_WAIT_RESET) {
			sf_utcp_io_note(r->io, &r->u, "the client reset the connection");
			return SF_EXIT_OK;
		}
		if (w != SF_UTCP_WAIT_DONE)
			return failed(r, w, "waiting for the client");
		w = answer_lines(r, &bye);
		if (w != SF_UTCP_WAIT_DONE)
			return failed(r, w, "answering");
		if (!bye && r->u.fin_rcvd) {
			/* The client closed first: "^^^" and our FIN, as synfin server does. */
			w = send_all(r, (const uint8_t *)SF_CHAT_CARETS "\n", 4);
			if (w != SF_UTCP_WAIT_DONE)
				return failed(r, w, "answering the client's FIN");
			return close_and_wait(r);
		}
		if (!bye && r->u.st != SF_ST_ESTABLISHED)
			return failed(r, SF_UTCP_WAIT_RESET, "waiting for the client");
	}
	if (o->close == CLOSE_PASSIVE || r->u.fin_rcvd) {
		w = await(r, fin_or_gone, o->timeout_ms);
		if (w != SF_UTCP_WAIT_DONE || r->u.st != SF_ST_CLOSE_WAIT)
			return failed(r, w, "waiting for the client's FIN (--close passive)");
	}
	return close_and_wait(r);
}

/* Both modes: options, the run's state, the route, the guard and the
 * capture (setup), the conversation, and everything undone (teardown). */
static int run_mode(int argc, char **argv, bool accept)
{
	struct opts o;
	struct sf_utcp_cfg cfg;
	struct run *r = NULL;
	bool done = false;
	int rc = SF_EXIT_OK;

	defaults(&o, accept ? "synfin craft accept" : "synfin craft connect", accept);
	rc = parse_args(argc, argv, &o, &done);
	if (rc != SF_EXIT_OK || done)
		goto out;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		fprintf(stderr, "%s: out of memory\n", o.me);
		rc = SF_EXIT_INPUT;
		goto out;
	}
	r->o = &o;
	r->guard.wd_fd = -1;
	r->deadline = sf_utcp_now_ms() + o.max_ms;
	cfg = endpoint_cfg(&o);
	if (accept) {
		cfg.local = o.local;
		rc = route_accept(r);
	} else {
		cfg.remote = o.peer;
		rc = route_connect(r, &cfg.local);
	}
	if (rc != SF_EXIT_OK)
		goto out;
	on_signals();
	rc = setup(r, &cfg);
	if (rc == SF_EXIT_OK)
		rc = accept ? accept_run(r) : connect_run(r);
	rc = teardown(r, rc);
out:
	free(r);
	free(o.data);
	return rc;
}

int sf_craft_connect_main(int argc, char **argv)
{
	return run_mode(argc, argv, false);
}

int sf_craft_accept_main(int argc, char **argv)
{
	return run_mode(argc, argv, true);
}
