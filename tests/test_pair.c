/* tests/test_pair.c: the bundled chat server and client on loopback: protocol, close order, abuse.
 *
 * Each test starts its own server in a forked child (PR_SET_PDEATHSIG, so a
 * failed test leaves no process behind) on a free port of 127.0.0.1 or ::1,
 * and the teardown kills and reaps it. Every wait is bounded. Which side
 * closed first is read from the kernel: the active closer's socket ends in
 * TIME_WAIT, the passive one sits in CLOSE_WAIT (/proc/net/tcp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/client.h"
#include "capture/server.h"
#include "cli/cmd.h"

#define STEP_MS 3000 /* the longest any one step may take before the test fails */

/* /proc/net/tcp's st column (include/net/tcp_states.h). */
enum { ST_ESTABLISHED = 1, ST_FIN_WAIT2 = 5, ST_TIME_WAIT = 6, ST_CLOSE_WAIT = 8 };

/* Set by SIGTERM in the server child: a handler can reach nothing else. */
static volatile sig_atomic_t child_stop;

struct fx {
	pid_t pid;
	uint16_t port;
	bool v6;
	bool echo;     /* the server echoes, rather than thanks */
	char slog[64]; /* the server's log */
	char clog[64]; /* the in-process client's log */
};

/* A raw client socket: blocking, with SO_RCVTIMEO/SO_SNDTIMEO of STEP_MS. */
struct peer {
	int fd;
	uint16_t lport;
	size_t len;
	char buf[8192];
};

static uint64_t now_ms(void)
{
	return sf_chat_now_ms();
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int a = -1, b = -1;

	if (f == NULL)
		return -1;
	snprintf(f->slog, sizeof(f->slog), "/tmp/synfin-pair-srv-XXXXXX");
	snprintf(f->clog, sizeof(f->clog), "/tmp/synfin-pair-cli-XXXXXX");
	a = mkstemp(f->slog);
	b = mkstemp(f->clog);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	*state = f;
	return a >= 0 && b >= 0 ? 0 : -1;
}

/* SIGTERM, then SIGKILL if it does not stop in time. The wait status, or -1. */
static int stop_server(struct fx *f)
{
	int status = -1;
	uint64_t deadline = now_ms() + STEP_MS;

	if (f->pid <= 0)
		return -1;
	kill(f->pid, SIGTERM);
	while (waitpid(f->pid, &status, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(f->pid, SIGKILL);
			waitpid(f->pid, &status, 0);
			status = -1;
			break;
		}
		nap_ms(5);
	}
	f->pid = 0;
	return status;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	(void)stop_server(f);
	unlink(f->slog);
	unlink(f->clog);
	free(f);
	return 0;
}

static void on_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* Opens the server here (so the port is known), serves in a child. */
static void start_server(struct fx *f, struct sf_server_cfg *cfg)
{
	struct sf_server *s = NULL;
	char err[256] = "";
	FILE *log = fopen(f->slog, "a");
	pid_t parent = getpid();

	assert_non_null(log);
	cfg->log = log;
	if (cfg->max_seconds == 0)
		cfg->max_seconds = 60; /* no server outlives a test that hangs */
	if (sf_server_open(cfg, &s, err, sizeof(err)) != 0) {
		fclose(log);
		fail_msg("sf_server_open: %s", err);
	}
	f->port = sf_server_port(s);
	f->v6 = cfg->bind != NULL && strchr(cfg->bind, ':') != NULL;
	f->echo = cfg->echo;
	fflush(NULL); /* nothing buffered here may be written twice */
	f->pid = fork();
	if (f->pid == 0) {
		struct sigaction sa = { 0 };
		int rc = 0;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(3);
		sa.sa_handler = on_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		rc = sf_server_run(s, &child_stop);
		sf_server_close(s);
		fclose(log);
		_exit(rc == 0 ? 0 : 1);
	}
	sf_server_close(s); /* the parent's copies; the child serves */
	fclose(log);
	assert_true(f->pid > 0);
}

static void start_default(struct fx *f)
{
	struct sf_server_cfg cfg;

	sf_server_defaults(&cfg);
	cfg.port = 0;
	start_server(f, &cfg);
}

/* The whole file, NUL-terminated (binary bytes and all). */
static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	char *s = NULL;
	long len = 0;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	s = malloc((size_t)len + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)len, fp), (size_t)len);
	s[len] = '\0';
	fclose(fp);
	if (n != NULL)
		*n = (size_t)len;
	return s;
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Every line of the file matches the extended regular expression. */
static void every_line_matches(const char *path, const char *re)
{
	regex_t rx;
	char *s = slurp(path, NULL);
	char *save = NULL;
	size_t lines = 0;

	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	for (char *l = strtok_r(s, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		if (regexec(&rx, l, 0, NULL, 0) != 0)
			fail_msg("'%s' does not match '%s'", l, re);
		lines++;
	}
	assert_true(lines > 0);
	regfree(&rx);
	free(s);
}

/* Waits until the log holds `needle` at least `times` times. */
static bool log_has_n(const char *path, const char *needle, size_t times, unsigned ms)
{
	uint64_t deadline = now_ms() + ms;

	for (;;) {
		char *s = slurp(path, NULL);
		size_t n = count_of(s, needle);
		free(s);
		if (n >= times)
			return true;
		if (now_ms() > deadline)
			return false;
		nap_ms(5);
	}
}

static bool log_has(const char *path, const char *needle)
{
	return log_has_n(path, needle, 1, STEP_MS);
}

static void peer_open(struct peer *p, const struct fx *f)
{
	struct timeval tv = { .tv_sec = STEP_MS / 1000, .tv_usec = 0 };
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t sl = 0;

	memset(p, 0, sizeof(*p));
	if (f->v6) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(f->port);
		s6->sin6_addr = in6addr_loopback;
		sl = sizeof(*s6);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(f->port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*s4);
	}
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->fd >= 0);
	assert_int_equal(setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(connect(p->fd, (struct sockaddr *)&ss, sl), 0);
	sl = sizeof(ss);
	assert_int_equal(getsockname(p->fd, (struct sockaddr *)&ss, &sl), 0);
	p->lport = ntohs(ss.ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port);
}

static void peer_close(struct peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

/* close() with SO_LINGER {1, 0}: a RST instead of a FIN. */
static void peer_reset(struct peer *p)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	assert_int_equal(setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	peer_close(p);
}

static void peer_send(struct peer *p, const void *data, size_t len)
{
	const char *b = data;

	while (len > 0) {
		ssize_t n = send(p->fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		b += n;
		len -= (size_t)n;
	}
}

static void peer_say(struct peer *p, const char *s)
{
	peer_send(p, s, strlen(s));
}

/* 1: a line (without '\n') in line; 0: EOF before any; -1: error or timeout. */
static int peer_line(struct peer *p, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(p->buf, '\n', p->len);
		ssize_t n = 0;
		if (nl != NULL) {
			size_t ll = (size_t)(nl - p->buf);
			assert_true(ll < cap);
			memcpy(line, p->buf, ll);
			line[ll] = '\0';
			memmove(p->buf, nl + 1, p->len - ll - 1);
			p->len -= ll + 1;
			return 1;
		}
		assert_true(p->len < sizeof(p->buf));
		n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 && p->len == 0 ? 0 : -1;
		p->len += (size_t)n;
	}
}

static void expect_line(struct peer *p, const char *want)
{
	char line[8192];

	assert_int_equal(peer_line(p, line, sizeof(line)), 1);
	assert_string_equal(line, want);
}

static void expect_eof(struct peer *p)
{
	char line[8192];

	assert_int_equal(peer_line(p, line, sizeof(line)), 0);
}

/* A whole conversation on a new connection: proof that the server still serves. */
static void converse(const struct fx *f)
{
	struct peer p;

	peer_open(&p, f);
	peer_say(&p, "still there?\n");
	expect_line(&p, f->echo ? "still there?" : SF_CHAT_THANKS);
	peer_say(&p, "bye\n");
	expect_line(&p, SF_CHAT_CARETS);
	expect_eof(&p);
	peer_close(&p);
}

/* The st column of the socket with these local and remote ports (tcp or
 * tcp6), or -1 when there is none. */
static int tcp_state(uint16_t lport, uint16_t rport)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	int st = -1;

	for (size_t i = 0; i < 2 && st < 0; i++) {
		char line[512];
		FILE *fp = fopen(files[i], "r");
		if (fp == NULL)
			continue;
		while (st < 0 && fgets(line, sizeof(line), fp) != NULL) {
			unsigned lp = 0, rp = 0, s = 0;
			if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x", &lp, &rp,
				   &s) == 3 &&
			    lp == lport && rp == rport)
				st = (int)s;
		}
		fclose(fp);
	}
	return st;
}

static bool tcp_state_becomes(uint16_t lport, uint16_t rport, int want)
{
	uint64_t deadline = now_ms() + STEP_MS;

	while (tcp_state(lport, rport) != want)
		if (now_ms() > deadline)
			return false;
		else
			nap_ms(2);
	return true;
}

static enum sf_client_rc run_client(const struct fx *f, struct sf_client_cfg *cfg, char *err,
				    size_t errlen)
{
	FILE *log = fopen(f->clog, "a");
	enum sf_client_rc rc = SF_CLIENT_OK;

	assert_non_null(log);
	cfg->host = f->v6 ? "::1" : "127.0.0.1";
	cfg->port = f->port;
	cfg->log = log;
	rc = sf_client_run(cfg, err, errlen);
	fclose(log);
	return rc;
}

/* --- the protocol ----------------------------------------------------------- */

static void every_message_is_thanked_and_bye_gets_carets(void **state)
{
	struct fx *f = *state;
	struct sf_client_cfg cfg;
	const char *msgs[] = { "hello", "how are you?", "" };
	char err[256] = "", want[96];
	char *log = NULL;
	struct peer p;

	start_default(f);
	sf_client_defaults(&cfg);
	cfg.messages = msgs;
	cfg.nmsg = 3;
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_OK);
	log = slurp(f->clog, NULL);
	assert_int_equal(count_of(log, "client: got \"Thank You!\"\n"), 3);
	assert_int_equal(count_of(log, "client: got \"^^^\"\n"), 1);
	assert_non_null(strstr(log, "client: sending \"how are you?\""));
	free(log);
	assert_true(log_has(f->slog, "says \"hello\""));
	assert_true(log_has(f->slog, "says \"how are you?\""));
	assert_true(log_has(f->slog, "says \"\""));
	assert_true(log_has(f->slog, "sent bye, answering ^^^ and closing first"));
	assert_true(log_has(f->slog, "127.0.0.1:"));
	/* Local time to the microsecond, the role, then the step. */
	every_line_matches(f->clog, "^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{6} client: ");
	every_line_matches(f->slog, "^[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{6} server: ");
	log = slurp(f->slog, NULL);
	snprintf(want, sizeof(want), " server: listening on 127.0.0.1 port %u\n", f->port);
	assert_memory_equal(log + 15, want, strlen(want)); /* the first line */
	free(log);

	/* A trailing '\r' is not part of the message, so "bye\r\n" is bye too. */
	peer_open(&p, f);
	peer_say(&p, "crlf\r\n");
	expect_line(&p, SF_CHAT_THANKS);
	peer_say(&p, "bye\r\n");
	expect_line(&p, SF_CHAT_CARETS);
	expect_eof(&p);
	peer_close(&p);
	assert_true(log_has(f->slog, "says \"crlf\""));
}

static void echo_mode_echoes(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	struct peer p;

	sf_server_defaults(&cfg);
	cfg.port = 0;
	cfg.echo = true;
	start_server(f, &cfg);
	peer_open(&p, f);
	peer_say(&p, "ping\n");
	expect_line(&p, "ping");
	peer_say(&p, "two words\r\nthree\n");
	expect_line(&p, "two words");
	expect_line(&p, "three");
	peer_say(&p, "bye\n");
	expect_line(&p, SF_CHAT_CARETS);
	expect_eof(&p);
	peer_close(&p);
}

static void a_long_line_is_answered_once_per_4096_bytes(void **state)
{
	struct fx *f = *state;
	struct sf_client_cfg cfg;
	char *big = malloc(10001), *exact = malloc(4097);
	const char *msgs[2];
	char err[256] = "";
	char *log = NULL;

	assert_non_null(big);
	assert_non_null(exact);
	memset(big, 'a', 10000);
	big[10000] = '\0';
	memset(exact, 'b', 4096);
	exact[4096] = '\0';
	msgs[0] = big;   /* 4096 + 4096 + 1808: three replies */
	msgs[1] = exact; /* exactly one piece: one reply, none for the empty rest */
	start_default(f);
	sf_client_defaults(&cfg);
	cfg.messages = msgs;
	cfg.nmsg = 2;
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_OK);
	log = slurp(f->clog, NULL);
	assert_int_equal(count_of(log, "client: got \"Thank You!\"\n"), 4);
	assert_int_equal(count_of(log, "client: got \"^^^\"\n"), 1);
	free(log);
	assert_true(log_has_n(f->slog, "(4096 bytes of a longer line)", 3, STEP_MS));
	assert_true(log_has(f->slog, "...\" (1808 bytes of a longer line)"));
	free(big);
	free(exact);
}

/* --- close order ------------------------------------------------------------ */

static void server_closes_first_by_default(void **state)
{
	struct fx *f = *state;
	struct peer p;
	char line[64];
	uint64_t t0 = 0;

	start_default(f);
	peer_open(&p, f);
	peer_say(&p, "bye\n");
	expect_line(&p, SF_CHAT_CARETS);
	/* The client has not closed, yet its read ends: the server's FIN came first. */
	t0 = now_ms();
	assert_int_equal(peer_line(&p, line, sizeof(line)), 0);
	assert_true(now_ms() - t0 < SF_CHAT_WAIT_MS_DEFAULT);
	assert_int_equal(tcp_state(p.lport, f->port), ST_CLOSE_WAIT);
	peer_close(&p);
	/* The active closer holds TIME_WAIT: the server's end. */
	assert_true(tcp_state_becomes(f->port, p.lport, ST_TIME_WAIT));
	assert_true(log_has(f->slog, "closing first"));
}

static void with_close_last_the_client_closes_first(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	struct peer p;
	struct pollfd pf = { 0 };
	char want[128];

	sf_server_defaults(&cfg);
	cfg.port = 0;
	cfg.close_last = true;
	start_server(f, &cfg);
	peer_open(&p, f);
	peer_say(&p, "bye\n");
	expect_line(&p, SF_CHAT_CARETS);
	pf.fd = p.fd;
	pf.events = POLLIN;
	assert_int_equal(poll(&pf, 1, 300), 0); /* no FIN: the server waits for ours */
	assert_int_equal(tcp_state(f->port, p.lport), ST_ESTABLISHED);
	peer_close(&p);
	assert_true(tcp_state_becomes(p.lport, f->port, ST_TIME_WAIT));
	snprintf(want, sizeof(want), "127.0.0.1:%u closed its end (FIN) after ^^^; closing last",
		 p.lport);
	assert_true(log_has(f->slog, want));
}

static void the_client_closes_first_when_the_server_waits(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg scfg;
	struct sf_client_cfg cfg;
	char err[256] = "";

	sf_server_defaults(&scfg);
	scfg.port = 0;
	scfg.close_last = true;
	start_server(f, &scfg);
	sf_client_defaults(&cfg);
	cfg.wait_ms = 200;
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_OK);
	assert_true(log_has(f->clog, "no FIN from the server within 200 ms; closing first"));
	assert_true(log_has(f->slog, "closing last"));

	/* And against a server that closes first, the client follows. */
	assert_int_equal(stop_server(f), 0);
	sf_server_defaults(&scfg);
	scfg.port = 0;
	start_server(f, &scfg);
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_OK);
	assert_true(log_has(f->clog, "the server closed first (FIN); closing"));
}

static void half_close_gets_the_carets_after_the_fin(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	struct peer p;

	sf_server_defaults(&cfg);
	cfg.port = 0;
	cfg.hold_ms = 1000; /* room to sample both states before it ends */
	start_server(f, &cfg);
	peer_open(&p, f);
	peer_say(&p, "hello\n");
	expect_line(&p, SF_CHAT_THANKS);
	assert_int_equal(shutdown(p.fd, SHUT_WR), 0);
	/* While the server holds: our FIN is acknowledged, its socket waits to close. */
	assert_true(tcp_state_becomes(p.lport, f->port, ST_FIN_WAIT2));
	assert_true(tcp_state_becomes(f->port, p.lport, ST_CLOSE_WAIT));
	expect_line(&p, SF_CHAT_CARETS); /* data still flows the other way */
	expect_eof(&p);
	peer_close(&p);
	assert_true(tcp_state_becomes(p.lport, f->port, ST_TIME_WAIT));
	assert_true(log_has(f->slog, "sent FIN first (closed or half-closed); holding CLOSE_WAIT"));
}

static void the_half_closing_client_reads_the_carets_and_the_fin(void **state)
{
	struct fx *f = *state;
	struct sf_client_cfg cfg;
	const char *msgs[] = { "one" };
	char err[256] = "";

	start_default(f);
	sf_client_defaults(&cfg);
	cfg.messages = msgs;
	cfg.nmsg = 1;
	cfg.mode = SF_CLIENT_HALF_CLOSE;
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_OK);
	assert_true(log_has(f->clog, "half-close: shutdown(SHUT_WR)"));
	assert_true(log_has(f->clog, "got \"^^^\""));
	assert_true(log_has(f->clog, "the server closed (FIN); closing"));
}

/* --- resets ------------------------------------------------------------------- */

static void the_rst_client_makes_the_server_log_a_reset(void **state)
{
	struct fx *f = *state;
	struct sf_client_cfg cfg;
	const char *msgs[] = { "abort after this" };
	char err[256] = "";

	start_default(f);
	sf_client_defaults(&cfg);
	cfg.messages = msgs;
	cfg.nmsg = 1;
	cfg.mode = SF_CLIENT_RST;
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_OK);
	assert_true(log_has(f->clog, "aborting: SO_LINGER 0"));
	assert_true(log_has(f->slog, "reset the connection (RST)"));
	converse(f);
}

static void a_reset_client_is_logged_and_others_still_served(void **state)
{
	struct fx *f = *state;
	struct peer a, b;

	start_default(f);
	peer_open(&b, f);
	peer_say(&b, "first\n");
	expect_line(&b, SF_CHAT_THANKS);
	peer_open(&a, f);
	peer_say(&a, "x\n");
	expect_line(&a, SF_CHAT_THANKS);
	peer_reset(&a);
	assert_true(log_has(f->slog, "reset the connection (RST)"));
	peer_say(&b, "second\n");
	expect_line(&b, SF_CHAT_THANKS);
	peer_say(&b, "bye\n");
	expect_line(&b, SF_CHAT_CARETS);
	expect_eof(&b);
	peer_close(&b);
}

static void a_reset_in_mid_message_is_survived(void **state)
{
	struct fx *f = *state;
	struct peer a;
	char buf[SF_CHAT_LINE_MAX + 11];

	start_default(f);
	peer_open(&a, f);
	/* One send, one loopback segment, one recv: the reply to the first
	 * 4096 bytes shows the server also holds the 11 that follow. */
	memset(buf, 'm', sizeof(buf));
	peer_send(&a, buf, sizeof(buf));
	expect_line(&a, SF_CHAT_THANKS);
	peer_reset(&a);
	assert_true(
		log_has(f->slog, "reset the connection (RST) in mid-message, 11 bytes unanswered"));
	converse(f);
}

/* --- abuse -------------------------------------------------------------------- */

static void one_megabyte_without_newline_does_not_stall_others(void **state)
{
	struct fx *f = *state;
	struct peer a, b;
	static char chunk[65536];
	const size_t total = 1u << 20;
	size_t sent = 0, thanks = 0;
	uint64_t deadline = 0;
	char line[64] = "";
	int fl = 0;

	start_default(f);
	peer_open(&a, f);
	peer_open(&b, f);
	memset(chunk, 'z', sizeof(chunk));
	fl = fcntl(a.fd, F_GETFL);
	assert_int_equal(fcntl(a.fd, F_SETFL, fl | O_NONBLOCK), 0);
	deadline = now_ms() + 4 * STEP_MS;
	while (sent < total) {
		size_t want = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
		ssize_t n = send(a.fd, chunk, want, MSG_NOSIGNAL);
		uint64_t t0 = now_ms();
		if (n > 0)
			sent += (size_t)n;
		else
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
		/* Between A's chunks, B is answered, and quickly. */
		peer_say(&b, "and me?\n");
		expect_line(&b, SF_CHAT_THANKS);
		assert_true(now_ms() - t0 < 1000);
		assert_true(now_ms() < deadline);
	}
	assert_int_equal(fcntl(a.fd, F_SETFL, fl), 0);
	/* 256 full pieces; the '\n' right after the last one adds no message. */
	peer_say(&a, "\nbye\n");
	while (peer_line(&a, line, sizeof(line)) == 1 && strcmp(line, SF_CHAT_THANKS) == 0)
		thanks++;
	assert_string_equal(line, SF_CHAT_CARETS);
	assert_int_equal(thanks, total / SF_CHAT_LINE_MAX);
	expect_eof(&a);
	peer_close(&a);
	peer_say(&b, "bye\n");
	expect_line(&b, SF_CHAT_CARETS);
	peer_close(&b);
	assert_true(log_has(f->slog, "says \"zzzzzzzzzz"));
	assert_true(log_has(f->slog, "...\" (4096 bytes of a longer line)"));
}

/* The server's rule, as a model: how many replies a byte stream earns. */
static size_t model_replies(const uint8_t *p, size_t n, bool *has_bye)
{
	size_t replies = 0, len = 0;
	bool piece = false;
	uint8_t line[SF_CHAT_LINE_MAX];

	*has_bye = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			line[len++] = p[i];
			if (len == SF_CHAT_LINE_MAX) {
				replies++;
				len = 0;
				piece = true;
			}
			continue;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (!piece && len == 3 && memcmp(line, "bye", 3) == 0)
			*has_bye = true;
		if (!piece || len > 0)
			replies++;
		len = 0;
		piece = false;
	}
	return replies;
}

static void binary_garbage_is_answered_and_others_served(void **state)
{
	struct fx *f = *state;
	static uint8_t junk[65536 + 1];
	uint32_t x = 2463534242u; /* xorshift32: the same garbage every run */
	size_t want = 0, got = 0, loglen = 0;
	bool has_bye = false;
	struct peer a;
	char line[64] = "";
	char *log = NULL;

	for (size_t i = 0; i < sizeof(junk) - 1; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		junk[i] = (uint8_t)(x >> 24);
	}
	junk[sizeof(junk) - 1] = '\n';
	want = model_replies(junk, sizeof(junk), &has_bye);
	assert_false(has_bye);
	assert_true(want > 100);
	start_default(f);
	peer_open(&a, f);
	peer_send(&a, junk, sizeof(junk));
	converse(f); /* served while A's garbage is being answered */
	peer_say(&a, "bye\n");
	while (peer_line(&a, line, sizeof(line)) == 1 && strcmp(line, SF_CHAT_THANKS) == 0)
		got++;
	assert_string_equal(line, SF_CHAT_CARETS);
	assert_int_equal(got, want);
	expect_eof(&a);
	peer_close(&a);
	/* The log stays text: every unprintable byte was escaped. */
	assert_true(log_has(f->slog, "\\x"));
	log = slurp(f->slog, &loglen);
	for (size_t i = 0; i < loglen; i++)
		if (log[i] != '\n' && ((uint8_t)log[i] < 0x20 || (uint8_t)log[i] >= 0x7f))
			fail_msg("raw byte 0x%02x in the server log at offset %zu", (uint8_t)log[i],
				 i);
	free(log);
}

/* Descriptors the process holds (/proc/PID/fd). */
static int fd_count(pid_t pid)
{
	char path[64];
	DIR *d = NULL;
	struct dirent *e = NULL;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void a_thousand_connections_opened_and_dropped_leave_the_server_serving(void **state)
{
	struct fx *f = *state;
	enum { BATCH = 100, BATCHES = 10 }; /* a batch fits the backlog of 128 */
	static struct peer ps[BATCH];
	int base = 0;
	uint64_t deadline = 0;

	start_default(f);
	converse(f); /* the child is up and serving: count its descriptors */
	base = fd_count(f->pid);
	for (int b = 0; b < BATCHES; b++) {
		for (int i = 0; i < BATCH; i++)
			peer_open(&ps[i], f);
		for (int i = 0; i < BATCH; i++) {
			if (i % 3 == 0) {
				peer_say(&ps[i], "a message cut short");
				peer_close(&ps[i]);
			} else if (i % 3 == 1) {
				peer_reset(&ps[i]);
			} else {
				peer_close(&ps[i]);
			}
		}
		/* Accepted in order: once this is answered, so was the batch. */
		converse(f);
	}
	converse(f);
	assert_true(log_has_n(f->slog, " connected\n", BATCH * BATCHES + BATCHES + 2, STEP_MS));
	/* Every one of them was closed again: the server holds what it held before. */
	if (base > 0) {
		deadline = now_ms() + STEP_MS;
		while (fd_count(f->pid) != base && now_ms() < deadline)
			nap_ms(5);
		assert_int_equal(fd_count(f->pid), base);
	}
}

static void extra_clients_beyond_max_clients_are_closed_at_once(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	struct peer a, b, c;

	sf_server_defaults(&cfg);
	cfg.port = 0;
	cfg.max_clients = 2;
	start_server(f, &cfg);
	peer_open(&a, f);
	peer_open(&b, f);
	peer_say(&a, "a\n");
	expect_line(&a, SF_CHAT_THANKS);
	peer_say(&b, "b\n");
	expect_line(&b, SF_CHAT_THANKS);
	peer_open(&c, f);
	expect_eof(&c);
	peer_close(&c);
	assert_true(log_has(f->slog, "refused: already serving 2 clients"));
	peer_say(&a, "bye\n");
	expect_line(&a, SF_CHAT_CARETS);
	peer_say(&b, "bye\n");
	expect_line(&b, SF_CHAT_CARETS);
	peer_close(&a);
	peer_close(&b);
}

static void a_client_that_does_not_read_is_dropped(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	static char line[4096];
	struct peer a;
	uint64_t deadline = 0;
	size_t sent = 0;

	sf_server_defaults(&cfg);
	cfg.port = 0;
	cfg.echo = true; /* every byte sent comes back: the replies pile up */
	start_server(f, &cfg);
	peer_open(&a, f);
	memset(line, 'r', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	deadline = now_ms() + 4 * STEP_MS;
	for (;;) {
		ssize_t n = send(a.fd, line, sizeof(line), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent += (size_t)n;
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			break; /* the server dropped us: a RST */
		else
			nap_ms(1);
		if (sent % (64 * sizeof(line)) == 0 || n <= 0) {
			char *log = slurp(f->slog, NULL);
			bool dropped = strstr(log, "does not read its replies") != NULL;
			free(log);
			if (dropped)
				break;
		}
		assert_true(now_ms() < deadline);
		assert_true(sent < (256u << 20));
	}
	peer_close(&a);
	assert_true(log_has(f->slog, "does not read its replies"));
	converse(f);
}

/* --- lifecycle and addresses -------------------------------------------------- */

static void the_server_stops_cleanly_on_sigterm(void **state)
{
	struct fx *f = *state;
	struct peer idle;
	int status = 0;

	start_default(f);
	converse(f);
	peer_open(&idle, f);
	peer_say(&idle, "hi\n");
	expect_line(&idle, SF_CHAT_THANKS);
	status = stop_server(f);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	expect_eof(&idle);
	peer_close(&idle);
	assert_true(log_has(f->slog, "server: stopping (signal)"));
	assert_true(log_has(f->slog, "closed (the server is stopping)"));
}

static void the_server_stops_after_count_conversations(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	uint64_t deadline = 0;
	int status = 0;
	pid_t r = 0;

	sf_server_defaults(&cfg);
	cfg.port = 0;
	cfg.count = 2;
	start_server(f, &cfg);
	converse(f);
	converse(f);
	deadline = now_ms() + STEP_MS;
	while ((r = waitpid(f->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
		nap_ms(5);
	assert_int_equal(r, f->pid);
	f->pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(log_has(f->slog, "server: stopping (2 conversations ended)"));
}

static void ipv6_on_loopback_works(void **state)
{
	struct fx *f = *state;
	struct sf_server_cfg cfg;
	struct sf_client_cfg ccfg;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	char err[256] = "";
	int probe = socket(AF_INET6, SOCK_STREAM, 0);
	bool have = probe >= 0 && bind(probe, (struct sockaddr *)&s6, sizeof(s6)) == 0;

	if (probe >= 0)
		close(probe);
	if (!have) {
		print_message("::1 is not available here (no IPv6 on lo): skipped\n");
		skip();
	}
	sf_server_defaults(&cfg);
	cfg.bind = "::1";
	cfg.port = 0;
	start_server(f, &cfg);
	assert_true(log_has(f->slog, "server: listening on ::1 port "));
	sf_client_defaults(&ccfg);
	assert_int_equal(run_client(f, &ccfg, err, sizeof(err)), SF_CLIENT_OK);
	assert_true(log_has(f->clog, "client: connected [::1]:"));
	assert_true(log_has(f->slog, "[::1]:"));
	converse(f);
}

/* --- the command line ---------------------------------------------------------- */

struct cmd_out {
	int rc;
	char *out, *err;
};

/* Runs a subcommand in this process with stdout and stderr caught in files. */
static struct cmd_out run_cmd(int (*fn)(int, char **), const char *const *words)
{
	char opath[] = "/tmp/synfin-pair-out-XXXXXX", epath[] = "/tmp/synfin-pair-err-XXXXXX";
	int ofd = mkstemp(opath), efd = mkstemp(epath);
	int save_out = dup(STDOUT_FILENO), save_err = dup(STDERR_FILENO);
	struct cmd_out r = { 0 };
	char *argv[16] = { 0 };
	int argc = 0;

	assert_true(ofd >= 0 && efd >= 0 && save_out >= 0 && save_err >= 0);
	for (; words[argc] != NULL; argc++) {
		assert_true(argc < 15);
		argv[argc] = strdup(words[argc]);
	}
	fflush(stdout);
	fflush(stderr);
	dup2(ofd, STDOUT_FILENO);
	dup2(efd, STDERR_FILENO);
	r.rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save_out, STDOUT_FILENO);
	dup2(save_err, STDERR_FILENO);
	close(save_out);
	close(save_err);
	close(ofd);
	close(efd);
	r.out = slurp(opath, NULL);
	r.err = slurp(epath, NULL);
	unlink(opath);
	unlink(epath);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return r;
}

static void client_reports_a_refused_connection(void **state)
{
	struct fx *f = *state;
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	socklen_t sl = sizeof(s4);
	struct sf_client_cfg cfg;
	char err[256] = "", want[128], port[8];
	int hold = socket(AF_INET, SOCK_STREAM, 0);
	struct cmd_out r;

	/* A port bound but not listening: nobody else takes it, and it refuses. */
	s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(hold >= 0);
	assert_int_equal(bind(hold, (struct sockaddr *)&s4, sizeof(s4)), 0);
	assert_int_equal(getsockname(hold, (struct sockaddr *)&s4, &sl), 0);
	f->port = ntohs(s4.sin_port);
	snprintf(want, sizeof(want), "connect to 127.0.0.1 port %u: Connection refused", f->port);
	sf_client_defaults(&cfg);
	assert_int_equal(run_client(f, &cfg, err, sizeof(err)), SF_CLIENT_CONNECT);
	assert_string_equal(err, want);

	snprintf(port, sizeof(port), "%u", f->port);
	r = run_cmd(sf_cmd_client, (const char *const[]){ "client", "127.0.0.1", port, NULL });
	assert_int_equal(r.rc, 1);
	snprintf(want, sizeof(want),
		 "synfin client: connect to 127.0.0.1 port %u: Connection refused\n", f->port);
	assert_string_equal(r.err, want);
	free(r.out);
	free(r.err);
	close(hold);
}

static void bad_command_lines_give_usage_and_exit_2(void **state)
{
	static const char *const server_bad[][5] = {
		{ "server", "--bogus" },
		{ "server", "-p" },
		{ "server", "-p", "65536" },
		{ "server", "-p", "-1" },
		{ "server", "--close", "never" },
		{ "server", "--max-clients", "0" },
		{ "server", "stray" },
		{ "server", "--hold", "1s" },
	};
	static const char *const client_bad[][6] = {
		{ "client" },
		{ "client", "127.0.0.1" },
		{ "client", "127.0.0.1", "0" },
		{ "client", "127.0.0.1", "65536" },
		{ "client", "127.0.0.1", "9000", "extra" },
		{ "client", "127.0.0.1", "9000", "--rst", "--half-close" },
		{ "client", "127.0.0.1", "9000", "--wait", "soon" },
		{ "client", "--bogus", "127.0.0.1", "9000" },
		{ "client", "127.0.0.1", "9000", "--send" },
	};
	struct cmd_out r;

	(void)state;
	for (size_t i = 0; i < sizeof(server_bad) / sizeof(server_bad[0]); i++) {
		r = run_cmd(sf_cmd_server, server_bad[i]);
		if (r.rc != 2 || strstr(r.err, "usage: synfin server") == NULL || r.out[0] != '\0')
			fail_msg("synfin server %s: exit %d, stderr '%s'", server_bad[i][1], r.rc,
				 r.err);
		assert_non_null(
			strstr(r.err, "synfin server: ")); /* the problem, before the usage */
		free(r.out);
		free(r.err);
	}
	for (size_t i = 0; i < sizeof(client_bad) / sizeof(client_bad[0]); i++) {
		r = run_cmd(sf_cmd_client, client_bad[i]);
		if (r.rc != 2 || strstr(r.err, "usage: synfin client") == NULL || r.out[0] != '\0')
			fail_msg("synfin client case %zu: exit %d, stderr '%s'", i, r.rc, r.err);
		assert_non_null(strstr(r.err, "synfin client: "));
		free(r.out);
		free(r.err);
	}
	r = run_cmd(sf_cmd_server, (const char *const[]){ "server", "--help", NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: synfin server"));
	assert_string_equal(r.err, "");
	free(r.out);
	free(r.err);
	r = run_cmd(sf_cmd_client, (const char *const[]){ "client", "--help", NULL });
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "usage: synfin client"));
	assert_string_equal(r.err, "");
	free(r.out);
	free(r.err);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(every_message_is_thanked_and_bye_gets_carets),
		T(echo_mode_echoes),
		T(a_long_line_is_answered_once_per_4096_bytes),
		T(server_closes_first_by_default),
		T(with_close_last_the_client_closes_first),
		T(the_client_closes_first_when_the_server_waits),
		T(half_close_gets_the_carets_after_the_fin),
		T(the_half_closing_client_reads_the_carets_and_the_fin),
		T(the_rst_client_makes_the_server_log_a_reset),
		T(a_reset_client_is_logged_and_others_still_served),
		T(a_reset_in_mid_message_is_survived),
		T(one_megabyte_without_newline_does_not_stall_others),
		T(binary_garbage_is_answered_and_others_served),
		T(a_thousand_connections_opened_and_dropped_leave_the_server_serving),
		T(extra_clients_beyond_max_clients_are_closed_at_once),
		T(a_client_that_does_not_read_is_dropped),
		T(the_server_stops_cleanly_on_sigterm),
		T(the_server_stops_after_count_conversations),
		T(ipv6_on_loopback_works),
		T(client_reports_a_refused_connection),
		T(bad_command_lines_give_usage_and_exit_2),
	};
#undef T
	signal(SIGPIPE, SIG_IGN); /* every send says MSG_NOSIGNAL; this is a second belt */
	return cmocka_run_group_tests_name("pair", tests, NULL, NULL);
}
