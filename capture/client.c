/* capture/client.c: one conversation with the chat server, from connect to the chosen close. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/client.h"

#define ROLE    "client"
#define RBUF_SZ (2 * SF_CHAT_LINE_MAX) /* an echoed piece and its '\n' fit with room to spare */

struct conv {
	const struct sf_client_cfg *cfg;
	int fd;
	unsigned timeout_ms;
	bool eof;    /* the server's FIN has been read */
	size_t len;  /* bytes in buf */
	size_t used; /* bytes of buf the last line handed out; dropped at the next read */
	uint8_t buf[RBUF_SZ];
	char *err;
	size_t errlen;
};

enum rd { RD_LINE, RD_EOF, RD_TIMEOUT, RD_ERROR };

void sf_client_defaults(struct sf_client_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->port = SF_CHAT_PORT_DEFAULT;
	cfg->wait_ms = SF_CHAT_WAIT_MS_DEFAULT;
	cfg->timeout_ms = SF_CHAT_TIMEOUT_MS_DEFAULT;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits for `ev` until the deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = ev };
		uint64_t now = sf_chat_now_ms();
		int n = 0;
		if (now >= deadline)
			return 0;
		n = poll(&p, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -1 : n > 0;
	}
}

/* The next line (without '\n' or a trailing '\r') as a pointer into buf, valid
 * until the next call; a full buffer without '\n' counts as a line, and so do
 * the bytes before the FIN. *e holds errno on RD_ERROR. */
static enum rd read_line(struct conv *c, unsigned timeout_ms, const uint8_t **line, size_t *n,
			 int *e)
{
	uint64_t deadline = sf_chat_now_ms() + timeout_ms;

	memmove(c->buf, c->buf + c->used, c->len - c->used);
	c->len -= c->used;
	c->used = 0;
	for (;;) {
		const uint8_t *nl = memchr(c->buf, '\n', c->len);
		ssize_t r = 0;
		int w = 0;

		if (nl != NULL || c->len == sizeof(c->buf) || (c->eof && c->len > 0)) {
			*n = nl != NULL ? (size_t)(nl - c->buf) : c->len;
			c->used = *n + (nl != NULL);
			if (*n > 0 && c->buf[*n - 1] == '\r')
				(*n)--;
			*line = c->buf;
			return RD_LINE;
		}
		if (c->eof)
			return RD_EOF;
		w = wait_fd(c->fd, POLLIN, deadline);
		if (w == 0)
			return RD_TIMEOUT;
		if (w < 0) {
			*e = errno;
			return RD_ERROR;
		}
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r > 0)
			c->len += (size_t)r;
		else if (r == 0)
			c->eof = true;
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			*e = errno;
			return RD_ERROR;
		}
	}
}

/* Sends every byte, waiting (bounded) while the socket is full: 0 or an errno. */
static int send_all(struct conv *c, const char *p, size_t len)
{
	uint64_t deadline = sf_chat_now_ms() + c->timeout_ms;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			deadline = sf_chat_now_ms() + c->timeout_ms; /* progress: a fresh wait */
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		if (wait_fd(c->fd, POLLOUT, deadline) <= 0)
			return ETIMEDOUT;
	}
	return 0;
}

/* How many replies the server gives a message: one per line, and one per
 * full SF_CHAT_LINE_MAX bytes of a long line (whose empty rest is none). */
static size_t replies_for(const char *m, size_t len)
{
	size_t total = 0, i = 0;

	for (;;) {
		const char *nl = memchr(m + i, '\n', len - i);
		size_t ll = nl != NULL ? (size_t)(nl - (m + i)) : len - i;
		size_t pieces = ll / SF_CHAT_LINE_MAX, rest = ll % SF_CHAT_LINE_MAX;
		if (rest > 0 && m[i + ll - 1] == '\r')
			rest--;
		total += pieces + (pieces == 0 || rest > 0);
		if (nl == NULL)
			return total;
		i += ll + 1;
	}
}

/* Ends the conversation as SF_CLIENT_BROKEN, saying why in err and the log. */
SF_CHAT_PRINTF(2, 3) static enum sf_client_rc broken(struct conv *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	sf_chat_log(c->cfg->log, ROLE, "%s", c->err);
	return SF_CLIENT_BROKEN;
}

static enum sf_client_rc read_failed(struct conv *c, int e)
{
	if (e == ECONNRESET)
		return broken(c, "the server reset the connection (RST)");
	return broken(c, "recv: %s", strerror(e));
}

static void log_line(struct conv *c, const uint8_t *line, size_t n, const char *after)
{
	char q[SF_CHAT_QUOTE_BUF];

	if (sf_chat_quote(q, line, n))
		sf_chat_log(c->cfg->log, ROLE, "got \"%s\" (%zu bytes)%s", q, n, after);
	else
		sf_chat_log(c->cfg->log, ROLE, "got \"%s\"%s", q, after);
}

/* Reads one reply and logs it; *carets when it is "^^^". */
static enum sf_client_rc get_reply(struct conv *c, bool *carets)
{
	const uint8_t *line = NULL;
	size_t n = 0;
	int e = 0;

	switch (read_line(c, c->timeout_ms, &line, &n, &e)) {
	case RD_LINE:
		log_line(c, line, n, "");
		*carets = n == strlen(SF_CHAT_CARETS) && memcmp(line, SF_CHAT_CARETS, n) == 0;
		return SF_CLIENT_OK;
	case RD_EOF: return broken(c, "the server closed the connection (FIN) before answering");
	case RD_TIMEOUT: return broken(c, "no reply within %u ms", c->timeout_ms);
	case RD_ERROR:
	default: return read_failed(c, e);
	}
}

/* Sends one message and reads its replies; *over when the server said "^^^". */
static enum sf_client_rc say(struct conv *c, const char *m, size_t len, bool *over)
{
	char q[SF_CHAT_QUOTE_BUF];
	char *wire = malloc(len + 1);
	size_t want = replies_for(m, len);
	enum sf_client_rc rc = SF_CLIENT_OK;
	int e = 0;

	if (wire == NULL)
		return broken(c, "out of memory for a message of %zu bytes", len);
	memcpy(wire, m, len);
	wire[len] = '\n'; /* one send: the line is one segment, not a line and a Nagle-held '\n' */
	if (sf_chat_quote(q, m, len))
		sf_chat_log(c->cfg->log, ROLE, "sending \"%s\" (%zu bytes)", q, len);
	else
		sf_chat_log(c->cfg->log, ROLE, "sending \"%s\"", q);
	e = send_all(c, wire, len + 1);
	free(wire);
	if (e == ECONNRESET || e == EPIPE)
		return broken(c, "the server reset the connection (RST)");
	if (e != 0)
		return broken(c, "send: %s", strerror(e));
	for (size_t i = 0; i < want && !*over && rc == SF_CLIENT_OK; i++)
		rc = get_reply(c, over);
	return rc;
}

/* Reads (and logs) whatever comes until the server's FIN. After "^^^"
 * (timeout_ok) a FIN within wait_ms means the server closed first, and none
 * means the client closes first; after a half-close the FIN must come. */
static enum sf_client_rc read_to_fin(struct conv *c, unsigned ms, bool timeout_ok)
{
	uint64_t deadline = sf_chat_now_ms() + ms;

	for (;;) {
		const uint8_t *line = NULL;
		uint64_t now = sf_chat_now_ms();
		size_t n = 0;
		int e = 0;

		switch (read_line(c, now < deadline ? (unsigned)(deadline - now) : 0, &line, &n,
				  &e)) {
		case RD_LINE: log_line(c, line, n, timeout_ok ? " after ^^^" : ""); continue;
		case RD_EOF:
			sf_chat_log(c->cfg->log, ROLE, "the server closed %s(FIN); closing",
				    timeout_ok ? "first " : "");
			return SF_CLIENT_OK;
		case RD_TIMEOUT:
			if (!timeout_ok)
				return broken(c, "no FIN from the server within %u ms", ms);
			sf_chat_log(c->cfg->log, ROLE,
				    "no FIN from the server within %u ms; closing first", ms);
			return SF_CLIENT_OK;
		case RD_ERROR:
		default: return read_failed(c, e);
		}
	}
}

/* Tries each address the name resolves to; c->fd is connected on success. */
static enum sf_client_rc open_conn(struct conv *c)
{
	struct addrinfo hints = { 0 };
	struct addrinfo *ai = NULL;
	char port[8], host[SF_CHAT_PEER_BUF], local[SF_CHAT_PEER_BUF], peer[SF_CHAT_PEER_BUF];
	struct sockaddr_storage ls = { 0 }, ps = { 0 };
	socklen_t ll = sizeof(ls), pl = sizeof(ps);
	uint16_t p = 0;
	int gai = 0;

	snprintf(port, sizeof(port), "%u", c->cfg->port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	gai = getaddrinfo(c->cfg->host, port, &hints, &ai);
	if (gai != 0) {
		snprintf(c->err, c->errlen, "cannot resolve %s: %s", c->cfg->host,
			 gai_strerror(gai));
		return SF_CLIENT_CONNECT;
	}
	for (struct addrinfo *a = ai; a != NULL && c->fd < 0; a = a->ai_next) {
		int e = 0;
		socklen_t el = sizeof(e);

		sf_chat_host(a->ai_addr, host, sizeof(host), &p);
		sf_chat_log(c->cfg->log, ROLE, "connecting to %s port %u", host, p);
		c->fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			e = errno;
		} else if (connect(c->fd, a->ai_addr, a->ai_addrlen) < 0) {
			e = errno;
			if (e == EINPROGRESS) {
				int w = wait_fd(c->fd, POLLOUT, sf_chat_now_ms() + c->timeout_ms);
				e = w == 0 ? ETIMEDOUT : w < 0 ? errno : 0;
				if (e == 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
					e = errno;
			}
		}
		if (e == 0)
			break;
		snprintf(c->err, c->errlen, "connect to %s port %u: %s", host, p, strerror(e));
		sf_chat_log(c->cfg->log, ROLE, "connect failed: %s", strerror(e));
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(ai);
	if (c->fd < 0)
		return SF_CLIENT_CONNECT;
	if (c->errlen > 0)
		c->err[0] = '\0'; /* an address that failed before the one that worked */
	if (getsockname(c->fd, (struct sockaddr *)&ls, &ll) == 0 &&
	    getpeername(c->fd, (struct sockaddr *)&ps, &pl) == 0) {
		sf_chat_peer((struct sockaddr *)&ls, local);
		sf_chat_peer((struct sockaddr *)&ps, peer);
		sf_chat_log(c->cfg->log, ROLE, "connected %s -> %s", local, peer);
	}
	return SF_CLIENT_OK;
}

/* The messages: the configured ones, else each line of cfg->in. */
static enum sf_client_rc talk(struct conv *c, bool *over)
{
	enum sf_client_rc rc = SF_CLIENT_OK;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = 0;

	for (size_t i = 0; i < c->cfg->nmsg && rc == SF_CLIENT_OK && !*over; i++) {
		if (i > 0 && c->cfg->interval_ms > 0)
			pause_ms(c->cfg->interval_ms);
		rc = say(c, c->cfg->messages[i], strlen(c->cfg->messages[i]), over);
	}
	for (size_t i = 0; c->cfg->nmsg == 0 && c->cfg->in != NULL && rc == SF_CLIENT_OK && !*over;
	     i++) {
		n = getline(&line, &cap, c->cfg->in);
		if (n < 0)
			break;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (i > 0 && c->cfg->interval_ms > 0)
			pause_ms(c->cfg->interval_ms);
		rc = say(c, line, (size_t)n, over);
	}
	free(line);
	return rc;
}

enum sf_client_rc sf_client_run(const struct sf_client_cfg *cfg, char *err, size_t errlen)
{
	struct conv *c = calloc(1, sizeof(*c));
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	enum sf_client_rc rc = SF_CLIENT_OK;
	bool over = false;

	if (errlen > 0)
		err[0] = '\0';
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return SF_CLIENT_BROKEN;
	}
	c->cfg = cfg;
	c->fd = -1;
	c->timeout_ms = cfg->timeout_ms != 0 ? cfg->timeout_ms : SF_CHAT_TIMEOUT_MS_DEFAULT;
	c->err = err;
	c->errlen = errlen;
	rc = open_conn(c);
	if (rc != SF_CLIENT_OK)
		goto out;
	rc = talk(c, &over);
	if (rc != SF_CLIENT_OK)
		goto out;
	if (over) {
		/* A message was "bye": the conversation is over already. */
		rc = read_to_fin(c, cfg->wait_ms, true);
		goto out;
	}
	switch (cfg->mode) {
	case SF_CLIENT_RST:
		/* A zero linger time makes close() drop the connection with a RST. */
		sf_chat_log(cfg->log, ROLE, "aborting: SO_LINGER 0, then close() sends RST");
		if (setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
			rc = broken(c, "SO_LINGER: %s", strerror(errno));
		break;
	case SF_CLIENT_HALF_CLOSE:
		sf_chat_log(cfg->log, ROLE,
			    "half-close: shutdown(SHUT_WR) sends FIN; still reading");
		if (shutdown(c->fd, SHUT_WR) < 0)
			rc = broken(c, "shutdown: %s", strerror(errno));
		else
			rc = read_to_fin(c, c->timeout_ms, false);
		break;
	case SF_CLIENT_BYE:
	default:
		rc = say(c, SF_CHAT_BYE, strlen(SF_CHAT_BYE), &over);
		if (rc == SF_CLIENT_OK && !over)
			rc = broken(c, "the server did not answer bye with %s", SF_CHAT_CARETS);
		if (rc == SF_CLIENT_OK)
			rc = read_to_fin(c, cfg->wait_ms, true);
		break;
	}
out:
	if (c->fd >= 0) {
		close(c->fd);
		sf_chat_log(cfg->log, ROLE, "closed");
	}
	free(c);
	return rc;
}
