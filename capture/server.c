/* capture/server.c: the chat server's poll() loop: accept, split lines, answer, close in order. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/server.h"

#define ROLE    "server"
#define TICK_MS 250 /* the longest poll(): a stop flag set just before poll() waits no longer */

/* Where a conversation stands. Every state polls for POLLERR/POLLHUP. */
enum conn_st {
	CONN_TALK,     /* answering messages (POLLIN) */
	CONN_WAIT_FIN, /* --close last: "^^^" queued, waiting for the client's FIN (POLLIN) */
	CONN_HOLD,     /* the client's FIN came first: in CLOSE_WAIT until hold_until */
	CONN_FLUSH,    /* last words queued: close once they are sent (POLLOUT) */
	CONN_DEAD,     /* closed; removed at the start of the next turn */
};

struct conn {
	int fd;
	enum conn_st st;
	bool piece;   /* in a long line: its first SF_CHAT_LINE_MAX bytes were answered */
	size_t inlen; /* bytes of the unfinished line in `in` */
	uint8_t *out; /* replies not yet sent: out[outoff..outlen) */
	size_t outoff, outlen, outcap;
	uint64_t hold_until;
	char peer[SF_CHAT_PEER_BUF];
	uint8_t in[SF_CHAT_LINE_MAX];
};

struct sf_server {
	struct sf_server_cfg cfg;
	int lfd;
	int spare; /* a descriptor given up to accept-and-refuse when none are left (EMFILE) */
	uint16_t port;
	struct conn **conns; /* conns[i] is polled in pfds[i + 1]; pfds[0] is the listener */
	size_t nconns;
	struct pollfd *pfds;
	uint64_t ended; /* conversations that ended, for cfg.count */
	char err[256];
};

void sf_server_defaults(struct sf_server_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bind = "127.0.0.1";
	cfg->port = SF_CHAT_PORT_DEFAULT;
	cfg->max_clients = SF_CHAT_MAX_CLIENTS_DEFAULT;
}

uint16_t sf_server_port(const struct sf_server *s)
{
	return s->port;
}

const char *sf_server_error(const struct sf_server *s)
{
	return s->err;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

int sf_server_open(const struct sf_server_cfg *cfg, struct sf_server **out, char *err,
		   size_t errlen)
{
	struct sf_server *s = NULL;
	struct addrinfo hints = { 0 };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = 0;
	const char *addr = cfg->bind != NULL ? cfg->bind : "127.0.0.1";
	char host[SF_CHAT_PEER_BUF] = "";
	uint16_t port = 0;
	int one = 1, gai = 0, rc = -1;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	s->lfd = -1;
	s->spare = -1;
	s->cfg = *cfg;
	if (s->cfg.max_clients == 0)
		s->cfg.max_clients = SF_CHAT_MAX_CLIENTS_DEFAULT;
	s->conns = calloc(s->cfg.max_clients, sizeof(*s->conns));
	s->pfds = calloc((size_t)s->cfg.max_clients + 1, sizeof(*s->pfds));
	if (s->conns == NULL || s->pfds == NULL) {
		snprintf(err, errlen, "out of memory for %u clients", s->cfg.max_clients);
		goto out;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	gai = getaddrinfo(addr, NULL, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "cannot use bind address '%s': %s", addr, gai_strerror(gai));
		goto out;
	}
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	sl = ai->ai_addrlen;
	set_port(&ss, cfg->port);
	sf_chat_host((struct sockaddr *)&ss, host, sizeof(host), &port);
	s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		snprintf(err, errlen, "cannot create a socket for %s: %s", host, strerror(errno));
		goto out;
	}
	/* A restarted server must bind while its last connections sit in TIME_WAIT. */
	if (setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s->lfd, (struct sockaddr *)&ss, sl) < 0) {
		snprintf(err, errlen, "cannot bind %s port %u: %s", host, cfg->port,
			 strerror(errno));
		goto out;
	}
	if (listen(s->lfd, SF_CHAT_BACKLOG) < 0) {
		snprintf(err, errlen, "cannot listen on %s port %u: %s", host, cfg->port,
			 strerror(errno));
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(s->lfd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "getsockname: %s", strerror(errno));
		goto out;
	}
	sf_chat_host((struct sockaddr *)&ss, host, sizeof(host), &s->port);
	s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC); /* -1 only costs the EMFILE trick */
	sf_chat_log(s->cfg.log, ROLE, "listening on %s port %u", host, s->port);
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (ai != NULL)
		freeaddrinfo(ai);
	sf_server_close(s);
	return rc;
}

/* Every end of a conversation comes through here: one count, one log line. */
static void conn_end(struct sf_server *s, struct conn *c, const char *how)
{
	close(c->fd);
	c->fd = -1;
	c->st = CONN_DEAD;
	s->ended++;
	sf_chat_log(s->cfg.log, ROLE, "%s %s", c->peer, how);
}

/* Appends a reply line; false when it would not fit (the client is not reading) or no memory. */
static bool reply(struct conn *c, const void *p, size_t len)
{
	size_t pending = c->outlen - c->outoff;
	size_t need = len + 1;

	if (pending + need > SF_CHAT_OUT_MAX)
		return false;
	if (c->outoff > 0 && c->outlen + need > c->outcap) {
		memmove(c->out, c->out + c->outoff, pending);
		c->outoff = 0;
		c->outlen = pending;
	}
	if (c->outlen + need > c->outcap) {
		size_t cap = c->outcap != 0 ? c->outcap : 256;
		uint8_t *n = NULL;
		while (cap < c->outlen + need)
			cap *= 2;
		if (cap > SF_CHAT_OUT_MAX)
			cap = SF_CHAT_OUT_MAX;
		n = realloc(c->out, cap);
		if (n == NULL)
			return false;
		c->out = n;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, p, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += need;
	return true;
}

/* Sends what is queued until the socket is full: 0, or the errno of send(). */
static int flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return n < 0 ? errno : EPIPE;
	}
	c->outoff = 0;
	c->outlen = 0;
	return 0;
}

/* A recv() or send() failure while talking: a reset, most likely. */
static void conn_failed(struct sf_server *s, struct conn *c, int e)
{
	if (e == ECONNRESET && c->inlen > 0)
		sf_chat_log(s->cfg.log, ROLE,
			    "%s reset the connection (RST) in mid-message, %zu bytes unanswered",
			    c->peer, c->inlen);
	else if (e == ECONNRESET)
		sf_chat_log(s->cfg.log, ROLE, "%s reset the connection (RST)", c->peer);
	else
		sf_chat_log(s->cfg.log, ROLE, "%s: %s", c->peer, strerror(e));
	conn_end(s, c, "dropped");
}

/* A queued reply that did not fit: the client has stopped reading. */
static void conn_overflow(struct sf_server *s, struct conn *c)
{
	sf_chat_log(s->cfg.log, ROLE, "%s does not read its replies (%zu bytes waiting)", c->peer,
		    c->outlen - c->outoff);
	conn_end(s, c, "dropped");
}

/* One message: a whole line, or one piece of a long line. False when the client was dropped. */
static bool on_message(struct sf_server *s, struct conn *c, const uint8_t *p, size_t len,
		       bool piece)
{
	char q[SF_CHAT_QUOTE_BUF];
	const char *what = s->cfg.echo ? (const char *)p : SF_CHAT_THANKS;
	size_t wlen = s->cfg.echo ? len : strlen(SF_CHAT_THANKS);

	if (!piece && sf_chat_is_bye(p, len)) {
		sf_chat_log(s->cfg.log, ROLE, "%s sent bye, answering ^^^ and %s", c->peer,
			    s->cfg.close_last ? "waiting for its FIN (closing last)"
					      : "closing first");
		c->st = s->cfg.close_last ? CONN_WAIT_FIN : CONN_FLUSH;
		what = SF_CHAT_CARETS;
		wlen = strlen(SF_CHAT_CARETS);
	} else if (sf_chat_quote(q, p, len)) {
		sf_chat_log(s->cfg.log, ROLE, "%s says \"%s\" (%zu bytes%s)", c->peer, q, len,
			    piece ? " of a longer line" : "");
	} else {
		sf_chat_log(s->cfg.log, ROLE, "%s says \"%s\"", c->peer, q);
	}
	if (!reply(c, what, wlen)) {
		conn_overflow(s, c);
		return false;
	}
	return true;
}

/* The end of a line: '\n', or the client's FIN after an unfinished one. */
static bool end_line(struct sf_server *s, struct conn *c)
{
	size_t len = c->inlen;
	bool piece = c->piece;

	if (len > 0 && c->in[len - 1] == '\r')
		len--;
	c->inlen = 0;
	c->piece = false;
	if (piece && len == 0)
		return true; /* the line ended right after a full piece: nothing left to answer */
	return on_message(s, c, c->in, len, piece);
}

/* Splits received bytes into messages, stopping at "bye". False when the client was dropped. */
static bool feed(struct sf_server *s, struct conn *c, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && c->st == CONN_TALK; i++) {
		if (p[i] == '\n') {
			if (!end_line(s, c))
				return false;
			continue;
		}
		c->in[c->inlen++] = p[i];
		if (c->inlen == SF_CHAT_LINE_MAX) {
			c->inlen = 0;
			c->piece = true;
			if (!on_message(s, c, c->in, SF_CHAT_LINE_MAX, true))
				return false;
		}
	}
	return true;
}

/* recv() returned 0: the client's FIN. */
static void conn_eof(struct sf_server *s, struct conn *c)
{
	if (c->st == CONN_WAIT_FIN) {
		sf_chat_log(s->cfg.log, ROLE, "%s closed its end (FIN) after ^^^; closing last",
			    c->peer);
		conn_end(s, c, "closed");
		return;
	}
	if ((c->inlen > 0 || c->piece) && !end_line(s, c))
		return;
	if (c->st != CONN_TALK) {
		/* That unfinished line was "bye", and its FIN is already here. */
		if (c->st == CONN_WAIT_FIN)
			sf_chat_log(s->cfg.log, ROLE, "%s had already sent its FIN; closing",
				    c->peer);
		c->st = CONN_FLUSH;
		return;
	}
	if (s->cfg.hold_ms > 0)
		sf_chat_log(s->cfg.log, ROLE,
			    "%s sent FIN first (closed or half-closed); holding CLOSE_WAIT %u ms, "
			    "then ^^^ and close",
			    c->peer, s->cfg.hold_ms);
	else
		sf_chat_log(s->cfg.log, ROLE,
			    "%s sent FIN first (closed or half-closed); answering ^^^ and closing",
			    c->peer);
	c->st = CONN_HOLD;
	c->hold_until = sf_chat_now_ms() + s->cfg.hold_ms;
}

static void conn_read(struct sf_server *s, struct conn *c)
{
	uint8_t buf[SF_CHAT_READ_CHUNK];
	ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_failed(s, c, errno);
		return;
	}
	if (n == 0) {
		conn_eof(s, c);
		return;
	}
	if (c->st == CONN_WAIT_FIN) {
		sf_chat_log(s->cfg.log, ROLE, "%s sent %zd bytes after bye: ignored", c->peer, n);
		return;
	}
	(void)feed(s, c, buf, (size_t)n);
}

/* Sends what is queued; closes a conversation whose last words are out. */
static void conn_push(struct sf_server *s, struct conn *c)
{
	int e = 0;

	if (c->st == CONN_DEAD)
		return;
	e = flush(c);
	if (e != 0 && (c->st == CONN_FLUSH || c->st == CONN_HOLD)) {
		/* The client is leaving anyway (it half-closed, then reset or closed). */
		sf_chat_log(s->cfg.log, ROLE, "%s could not be sent ^^^: %s", c->peer, strerror(e));
		conn_end(s, c, "closed");
	} else if (e != 0) {
		conn_failed(s, c, e);
	} else if (c->st == CONN_FLUSH && c->outoff == c->outlen) {
		conn_end(s, c, "closed");
	}
}

/* POLLERR or POLLHUP without anything to read: the socket's own error says what happened. */
static void conn_error(struct sf_server *s, struct conn *c)
{
	int e = 0;
	socklen_t el = sizeof(e);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e == 0)
		e = EPIPE;
	if (c->st == CONN_HOLD || c->st == CONN_FLUSH) {
		sf_chat_log(s->cfg.log, ROLE, "%s went away before ^^^: %s", c->peer, strerror(e));
		conn_end(s, c, "closed");
		return;
	}
	conn_failed(s, c, e);
}

static void conn_event(struct sf_server *s, struct conn *c, short re)
{
	if ((re & POLLIN) && (c->st == CONN_TALK || c->st == CONN_WAIT_FIN))
		conn_read(s, c);
	else if (re & (POLLERR | POLLHUP | POLLNVAL))
		conn_error(s, c);
	conn_push(s, c);
}

/* Held CLOSE_WAITs whose time has come: "^^^", then close. */
static void timers(struct sf_server *s, uint64_t now)
{
	for (size_t i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];
		if (c->st != CONN_HOLD || now < c->hold_until)
			continue;
		if (!reply(c, SF_CHAT_CARETS, strlen(SF_CHAT_CARETS))) {
			conn_overflow(s, c);
			continue;
		}
		if (s->cfg.hold_ms > 0)
			sf_chat_log(s->cfg.log, ROLE, "%s held %u ms: answering ^^^ and closing",
				    c->peer, s->cfg.hold_ms);
		c->st = CONN_FLUSH;
		conn_push(s, c);
	}
}

/* Removes closed conversations, moving the last one into each gap. */
static void sweep(struct sf_server *s)
{
	size_t i = 0;

	while (i < s->nconns) {
		struct conn *c = s->conns[i];
		if (c->st != CONN_DEAD) {
			i++;
			continue;
		}
		free(c->out);
		free(c);
		s->conns[i] = s->conns[--s->nconns];
		s->conns[s->nconns] = NULL;
	}
}

static void add_conn(struct sf_server *s, int fd, const struct sockaddr *sa)
{
	char peer[SF_CHAT_PEER_BUF];
	struct conn *c = NULL;
	int fl = fcntl(fd, F_GETFL);

	sf_chat_peer(sa, peer);
	if (s->nconns >= s->cfg.max_clients) {
		sf_chat_log(s->cfg.log, ROLE, "%s refused: already serving %u clients", peer,
			    s->cfg.max_clients);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		sf_chat_log(s->cfg.log, ROLE, "%s refused: %s", peer,
			    c == NULL ? "out of memory" : strerror(errno));
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->st = CONN_TALK;
	memcpy(c->peer, peer, sizeof(peer));
	s->conns[s->nconns++] = c;
	sf_chat_log(s->cfg.log, ROLE, "%s connected", peer);
}

/* Accepts until EAGAIN, so a burst of connections costs one turn. */
static void accept_all(struct sf_server *s)
{
	for (;;) {
		struct sockaddr_storage ss = { 0 };
		socklen_t sl = sizeof(ss);
		int fd = accept(s->lfd, (struct sockaddr *)&ss, &sl);

		if (fd >= 0) {
			add_conn(s, fd, (struct sockaddr *)&ss);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if ((errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
			/* Out of descriptors: the pending connection would keep the
			 * listener readable and poll() spinning. Free the spare one,
			 * take the connection and refuse it, then reserve it again. */
			close(s->spare);
			sl = sizeof(ss);
			fd = accept(s->lfd, (struct sockaddr *)&ss, &sl);
			if (fd >= 0) {
				char peer[SF_CHAT_PEER_BUF];
				sf_chat_peer((struct sockaddr *)&ss, peer);
				sf_chat_log(s->cfg.log, ROLE, "%s refused: out of file descriptors",
					    peer);
				close(fd);
			}
			s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
			continue;
		}
		return; /* EAGAIN; anything else is retried next turn */
	}
}

static int poll_timeout(const struct sf_server *s, uint64_t now, uint64_t deadline)
{
	uint64_t t = TICK_MS;

	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i]->st == CONN_HOLD && s->conns[i]->hold_until - now < t)
			t = s->conns[i]->hold_until - now; /* timers() ran: hold_until > now */
	if (deadline != 0 && deadline - now < t)
		t = deadline - now;
	return (int)t;
}

static short conn_events(const struct conn *c)
{
	short ev = c->outoff < c->outlen ? POLLOUT : 0;

	if (c->st == CONN_TALK || c->st == CONN_WAIT_FIN)
		ev |= POLLIN;
	return ev;
}

int sf_server_run(struct sf_server *s, volatile sig_atomic_t *stop)
{
	uint64_t now = sf_chat_now_ms();
	uint64_t deadline = s->cfg.max_seconds ? now + (uint64_t)s->cfg.max_seconds * 1000 : 0;
	char why[300] = "";
	int rc = 0;

	for (;;) {
		int n = 0;

		now = sf_chat_now_ms();
		timers(s, now);
		sweep(s);
		if (stop != NULL && *stop) {
			snprintf(why, sizeof(why), "signal");
			break;
		}
		if (s->cfg.count != 0 && s->ended >= s->cfg.count) {
			snprintf(why, sizeof(why), "%llu conversations ended",
				 (unsigned long long)s->ended);
			break;
		}
		if (deadline != 0 && now >= deadline) {
			snprintf(why, sizeof(why), "%u seconds passed", s->cfg.max_seconds);
			break;
		}
		s->pfds[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
		for (size_t i = 0; i < s->nconns; i++)
			s->pfds[i + 1] = (struct pollfd){ .fd = s->conns[i]->fd,
							  .events = conn_events(s->conns[i]) };
		n = poll(s->pfds, s->nconns + 1, poll_timeout(s, now, deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(s->err, sizeof(s->err), "poll: %s", strerror(errno));
			snprintf(why, sizeof(why), "%s", s->err);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < s->nconns; i++)
			if (s->pfds[i + 1].revents != 0)
				conn_event(s, s->conns[i], s->pfds[i + 1].revents);
		if (s->pfds[0].revents & POLLIN)
			accept_all(s);
	}
	sf_chat_log(s->cfg.log, ROLE, "stopping (%s)", why);
	for (size_t i = 0; i < s->nconns; i++)
		if (s->conns[i]->st != CONN_DEAD)
			conn_end(s, s->conns[i], "closed (the server is stopping)");
	sweep(s);
	return rc;
}

void sf_server_close(struct sf_server *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nconns; i++) {
		close(s->conns[i]->fd);
		free(s->conns[i]->out);
		free(s->conns[i]);
	}
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->spare >= 0)
		close(s->spare);
	free(s->conns);
	free(s->pfds);
	free(s);
}
