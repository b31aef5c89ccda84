/* capture/kernel.c: the kernel's TCP sockets over NETLINK_SOCK_DIAG: the request, the parse, the order. */
#include "capture/kernel.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "decode/rd.h"

/* --- the wire format -------------------------------------------------------
 *
 * A datagram from the kernel is a run of netlink messages, each padded to
 * 4 bytes (NLMSG_ALIGN). All numbers but the ports are in host order.
 *
 *   struct nlmsghdr (16)      struct inet_diag_msg (72), after the header
 *   +0  u32 len (incl. hdr)   +0  u8 family  +1 u8 state  +2 timer  +3 retrans
 *   +4  u16 type              +4  be16 sport  +6 be16 dport
 *   +6  u16 flags             +8  src[16]  +24 dst[16]  (IPv4: the first 4)
 *   +8  u32 seq               +40 u32 if  +44 u32 cookie[2]
 *   +12 u32 pid               +52 expires  +56 rqueue  +60 wqueue
 *                             +64 u32 uid  +68 u32 inode
 *   then attributes: u16 len (incl. its 4-byte header), u16 type, payload,
 *   each padded to 4 (RTA_ALIGN).
 *
 * The offsets are ours, read through decode/rd.h; the asserts hold them to
 * the kernel's header, so the parser never casts bytes to a struct. */
enum {
	NLH_LEN = 16,
	IDM_LEN = 72,
	IDM_SOCKID = 4,
	IDM_ADDR_END = 40, /* past id.idiag_dst */
	IDM_UID = 64,
	RTA_HDR = 4,
};
_Static_assert(sizeof(struct nlmsghdr) == NLH_LEN, "nlmsghdr");
_Static_assert(sizeof(struct inet_diag_msg) == IDM_LEN, "inet_diag_msg");
_Static_assert(offsetof(struct inet_diag_msg, id) == IDM_SOCKID, "inet_diag_msg.id");
_Static_assert(offsetof(struct inet_diag_msg, id.idiag_dst) + 16 == IDM_ADDR_END,
	       "inet_diag_msg.dst");
_Static_assert(offsetof(struct inet_diag_msg, idiag_uid) == IDM_UID, "inet_diag_msg.uid");
_Static_assert(offsetof(struct inet_diag_msg, idiag_inode) == IDM_UID + 4, "inet_diag_msg.inode");
_Static_assert(sizeof(struct inet_diag_sockid) == 48, "inet_diag_sockid");

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* --- states and order --------------------------------------------------------- */

static const uint8_t kstates[] = {
	/* include/net/tcp_states.h; 0 is no state. */
	[1] = SF_ST_ESTABLISHED,
	[2] = SF_ST_SYN_SENT,
	[3] = SF_ST_SYN_RCVD,
	[4] = SF_ST_FIN_WAIT_1,
	[5] = SF_ST_FIN_WAIT_2,
	[6] = SF_ST_TIME_WAIT,
	[7] = SF_ST_CLOSED,
	[8] = SF_ST_CLOSE_WAIT,
	[9] = SF_ST_LAST_ACK,
	[10] = SF_ST_LISTEN,
	[11] = SF_ST_CLOSING,
	[12] = SF_ST_SYN_RCVD, /* TCP_NEW_SYN_RECV: a request socket, SYN_RECV to ss */
	[13] = SF_ST_CLOSED,   /* TCP_BOUND_INACTIVE: bound, never listened or connected */
};
_Static_assert(sizeof(kstates) == 14, "kstates: TCP_ESTABLISHED (1) to TCP_BOUND_INACTIVE (13)");

bool sf_kernel_state(unsigned kstate, enum sf_st *st)
{
	if (kstate == 0 || kstate >= sizeof(kstates))
		return false;
	*st = (enum sf_st)kstates[kstate];
	return true;
}

static int cmp_u(unsigned a, unsigned b)
{
	return (a > b) - (a < b);
}

int sf_kernel_sock_cmp(const struct sf_sock *a, const struct sf_sock *b)
{
	bool la = a->state == SF_ST_LISTEN, lb = b->state == SF_ST_LISTEN;
	int d = cmp_u(a->ver, b->ver);

	if (d != 0)
		return d;
	if (la != lb)
		return la ? -1 : 1;
	/* Network order: memcmp orders addresses as numbers. */
	if ((d = memcmp(a->local, b->local, 16)) != 0)
		return d;
	if ((d = cmp_u(a->lport, b->lport)) != 0)
		return d;
	if ((d = memcmp(a->remote, b->remote, 16)) != 0)
		return d;
	return cmp_u(a->rport, b->rport);
}

static int sock_qcmp(const void *a, const void *b)
{
	return sf_kernel_sock_cmp(a, b);
}

/* --- the parse ---------------------------------------------------------------- */

static const char *const rc_names[] = {
	[SF_KERNEL_OK] = "ok",
	[SF_KERNEL_TRUNCATED] = "truncated",
	[SF_KERNEL_MALFORMED] = "malformed",
	[SF_KERNEL_REFUSED] = "refused",
	[SF_KERNEL_STOPPED] = "stopped",
};
_Static_assert(sizeof(rc_names) / sizeof(rc_names[0]) == SF_KERNEL_RC_COUNT, "rc_names");

const char *sf_kernel_rc_name(enum sf_kernel_rc rc)
{
	return (unsigned)rc < SF_KERNEL_RC_COUNT ? rc_names[rc] : "unknown";
}

__attribute__((format(printf, 3, 4))) static void say(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Host-order numbers: netlink speaks the machine's byte order. */
static bool rd_h16(struct sf_rd *r, uint16_t *v)
{
	return sf_rd_copy(r, (uint8_t *)v, sizeof(*v));
}

static bool rd_h32(struct sf_rd *r, uint32_t *v)
{
	return sf_rd_copy(r, (uint8_t *)v, sizeof(*v));
}

/* Where a message sits, for every message below. */
struct where {
	unsigned num; /* 1-based */
	size_t off;
	char *err;
	size_t errlen;
};

/* The attributes after an inet_diag_msg. Only INET_DIAG_SKV6ONLY matters
 * here; an attribute that runs past its message is malformed. */
static enum sf_kernel_rc attrs(struct sf_rd *a, struct sf_sock *s, const struct where *w)
{
	while (sf_rd_left(a) > 0) {
		uint16_t alen = 0, type = 0;
		struct sf_rd pay;
		if (sf_rd_left(a) < RTA_HDR) {
			say(w->err, w->errlen,
			    "netlink message %u at byte %zu: %zu stray bytes after its attributes",
			    w->num, w->off, sf_rd_left(a));
			return SF_KERNEL_MALFORMED;
		}
		(void)rd_h16(a, &alen);
		(void)rd_h16(a, &type);
		if (alen < RTA_HDR || !sf_rd_sub(a, alen - RTA_HDR, &pay)) {
			say(w->err, w->errlen,
			    "netlink message %u at byte %zu: attribute %u says %u bytes, %zu are "
			    "left in the message",
			    w->num, w->off, type & NLA_TYPE_MASK, alen, sf_rd_left(a) + RTA_HDR);
			return SF_KERNEL_MALFORMED;
		}
		/* The last attribute's padding may be left off. */
		(void)sf_rd_skip(a, ALIGN4(alen) - alen <= sf_rd_left(a) ? ALIGN4(alen) - alen
									 : sf_rd_left(a));
		if ((type & NLA_TYPE_MASK) == INET_DIAG_SKV6ONLY) {
			uint8_t v = 0;
			if (sf_rd_u8(&pay, &v))
				s->v6only = v != 0;
		}
	}
	return SF_KERNEL_OK;
}

/* One SOCK_DIAG_BY_FAMILY message's payload: an inet_diag_msg, then its
 * attributes. *have is false when the socket is in a state no kernel has
 * (the caller skips it). */
static enum sf_kernel_rc diag_msg(struct sf_rd *m, struct sf_sock *s, bool *have,
				  const struct where *w)
{
	uint8_t family = 0, kstate = 0;
	uint8_t src[16], dst[16];
	enum sf_st st = SF_ST_CLOSED;
	struct sf_rd d;

	memset(s, 0, sizeof(*s));
	*have = false;
	if (!sf_rd_sub(m, IDM_LEN, &d)) {
		say(w->err, w->errlen,
		    "netlink message %u at byte %zu: %zu bytes, too short for an inet_diag_msg "
		    "(%d)",
		    w->num, w->off, sf_rd_left(m), IDM_LEN);
		return SF_KERNEL_MALFORMED;
	}
	/* d holds all 72 bytes: none of these reads can fail. */
	(void)sf_rd_u8(&d, &family);
	(void)sf_rd_u8(&d, &kstate);
	(void)sf_rd_skip(&d, 2); /* timer, retransmits */
	(void)sf_rd_be16(&d, &s->lport);
	(void)sf_rd_be16(&d, &s->rport);
	(void)sf_rd_copy(&d, src, 16);
	(void)sf_rd_copy(&d, dst, 16);
	(void)sf_rd_skip(&d, IDM_UID - IDM_ADDR_END); /* if, cookie, expires, queues */
	(void)rd_h32(&d, &s->uid);
	(void)rd_h32(&d, &s->inode);
	if (family == AF_INET) {
		s->ver = 4;
		memcpy(s->local, src, 4);
		memcpy(s->remote, dst, 4);
	} else if (family == AF_INET6) {
		s->ver = 6;
		memcpy(s->local, src, 16);
		memcpy(s->remote, dst, 16);
	} else {
		say(w->err, w->errlen,
		    "netlink message %u at byte %zu: address family %u is neither AF_INET nor "
		    "AF_INET6",
		    w->num, w->off, family);
		return SF_KERNEL_MALFORMED;
	}
	/* The attributes begin at NLMSG_ALIGN of the payload: 72 is aligned. */
	{
		enum sf_kernel_rc rc = attrs(m, s, w);
		if (rc != SF_KERNEL_OK)
			return rc;
	}
	if (sf_kernel_state(kstate, &st)) {
		s->state = (uint8_t)st;
		*have = true;
	}
	return SF_KERNEL_OK;
}

/* NLMSG_ERROR and NLMSG_DONE carry an int: 0, or a negative errno. */
static enum sf_kernel_rc errno_payload(struct sf_rd *m, bool need, int *kerrno, const char *what,
				       const struct where *w)
{
	uint32_t u = 0;
	int e = 0;

	if (!rd_h32(m, &u)) {
		if (!need)
			return SF_KERNEL_OK;
		say(w->err, w->errlen, "netlink message %u at byte %zu: %s without its error code",
		    w->num, w->off, what);
		return SF_KERNEL_MALFORMED;
	}
	memcpy(&e, &u, sizeof(e));
	if (e == 0)
		return SF_KERNEL_OK;
	if (e > 0 || e == INT_MIN) { /* -INT_MIN does not exist */
		say(w->err, w->errlen, "netlink message %u at byte %zu: %s with error code %d",
		    w->num, w->off, what, e);
		return SF_KERNEL_MALFORMED;
	}
	*kerrno = -e;
	say(w->err, w->errlen, "the kernel refused the socket dump: %s", strerror(-e));
	return SF_KERNEL_REFUSED;
}

enum sf_kernel_rc sf_kernel_parse(const uint8_t *buf, size_t len, sf_kernel_sock_fn fn, void *ctx,
				  bool *done, int *kerrno, char *err, size_t errlen)
{
	struct sf_rd r = sf_rd_make(buf, len);
	struct where w = { .num = 0, .err = err, .errlen = errlen };

	*kerrno = 0;
	say(err, errlen, "%s", "");
	while (sf_rd_left(&r) > 0) {
		uint32_t mlen = 0, seq = 0, pid = 0;
		uint16_t type = 0, flags = 0;
		const uint8_t *p = NULL;
		struct sf_rd m;
		enum sf_kernel_rc rc = SF_KERNEL_OK;

		w.num++;
		w.off = r.off;
		p = sf_rd_peek(&r, NLH_LEN);
		if (p == NULL) {
			say(err, errlen,
			    "netlink message %u at byte %zu: %zu bytes left, a header needs %d",
			    w.num, w.off, sf_rd_left(&r), NLH_LEN);
			return SF_KERNEL_TRUNCATED;
		}
		memcpy(&mlen, p, sizeof(mlen));
		if (mlen < NLH_LEN) {
			say(err, errlen,
			    "netlink message %u at byte %zu: length %u is shorter than its header",
			    w.num, w.off, mlen);
			return SF_KERNEL_MALFORMED;
		}
		if (!sf_rd_sub(&r, mlen, &m)) {
			say(err, errlen,
			    "netlink message %u at byte %zu: says %u bytes, %zu were received",
			    w.num, w.off, mlen, sf_rd_left(&r));
			return SF_KERNEL_TRUNCATED;
		}
		/* The padding to the next message; the last one's may be left off. */
		(void)sf_rd_skip(&r, ALIGN4(mlen) - mlen <= sf_rd_left(&r) ? ALIGN4(mlen) - mlen
									   : sf_rd_left(&r));
		(void)sf_rd_skip(&m, 4); /* the length, read above */
		(void)rd_h16(&m, &type);
		(void)rd_h16(&m, &flags);
		(void)rd_h32(&m, &seq);
		(void)rd_h32(&m, &pid);
		/* NLM_F_DUMP_INTR in flags means the tables changed during the
		 * dump: a socket may be missing or listed twice. ss lists what it
		 * got, and so do we; a second dump could race as well. */
		(void)flags;
		(void)seq;
		(void)pid;
		switch (type) {
		case NLMSG_NOOP: break;
		case NLMSG_DONE:
			rc = errno_payload(&m, false, kerrno, "NLMSG_DONE", &w);
			if (rc == SF_KERNEL_OK)
				*done = true;
			return rc;
		case NLMSG_ERROR:
			/* error 0 is an acknowledgement: nothing wrong. */
			rc = errno_payload(&m, true, kerrno, "NLMSG_ERROR", &w);
			if (rc != SF_KERNEL_OK)
				return rc;
			break;
		case NLMSG_OVERRUN:
			*kerrno = ENOBUFS;
			say(err, errlen, "the kernel's netlink buffer overran: sockets were lost");
			return SF_KERNEL_REFUSED;
		case SOCK_DIAG_BY_FAMILY: {
			struct sf_sock s;
			bool have = false;
			rc = diag_msg(&m, &s, &have, &w);
			if (rc != SF_KERNEL_OK)
				return rc;
			if (have && !fn(ctx, &s)) {
				say(err, errlen,
				    "netlink message %u at byte %zu: the caller stopped", w.num,
				    w.off);
				return SF_KERNEL_STOPPED;
			}
			break;
		}
		default:
			say(err, errlen, "netlink message %u at byte %zu: unexpected type %u",
			    w.num, w.off, type);
			return SF_KERNEL_MALFORMED;
		}
	}
	return SF_KERNEL_OK;
}

/* --- the socket I/O ----------------------------------------------------------- */

/* Enough for any one datagram of a dump: the kernel sizes them to the
 * reader's buffer, at most 32 KiB (netlink_recvmsg's max_recvmsg_len). A
 * larger one arrives with MSG_TRUNC, and that is an error, not a loss. */
#define RECV_BUF       (64 * 1024)
#define RECV_TIMEOUT_S 5

struct collect {
	struct sf_sock *v;
	size_t n, cap;
	bool all;                /* no ports given: every socket */
	uint8_t port[65536 / 8]; /* the ports given, one bit each: a capture may give thousands */
};

static bool has_port(const struct collect *c, uint16_t p)
{
	return (c->port[p >> 3] >> (p & 7)) & 1u;
}

static bool wanted(const struct collect *c, const struct sf_sock *s)
{
	return c->all || has_port(c, s->lport) || has_port(c, s->rport);
}

static bool collect_one(void *ctx, const struct sf_sock *s)
{
	struct collect *c = ctx;

	if (!wanted(c, s))
		return true;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct sf_sock *nv = NULL;
		if (cap > SIZE_MAX / sizeof(*nv))
			return false;
		nv = realloc(c->v, cap * sizeof(*nv));
		if (nv == NULL)
			return false;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = *s;
	return true;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* One dump request: every TCP socket of one family, in every state. */
static int send_request(int fd, int family, uint32_t seq, char *err, size_t errlen)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl to;
	ssize_t n = 0;

	memset(&msg, 0, sizeof(msg));
	memset(&to, 0, sizeof(to));
	to.nl_family = AF_NETLINK; /* nl_pid 0: the kernel */
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.nlh.nlmsg_seq = seq;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	/* Every state, as `ss -a`: TIME_WAIT and request sockets included; not
	 * TCP_BOUND_INACTIVE (13), bound and never used, which ss and netstat
	 * leave out too. */
	msg.req.idiag_states = ~0u & ~(1u << 13);
	do
		n = sendto(fd, &msg, sizeof(msg), 0, (const struct sockaddr *)&to, sizeof(to));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(msg)) {
		say(err, errlen, "cannot ask the kernel for its %s sockets: %s",
		    family_name(family), n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

/* Reads datagrams until NLMSG_DONE, handing each to the parser. */
static int read_dump(int fd, int family, uint8_t *buf, struct collect *c, char *err, size_t errlen)
{
	bool done = false;

	while (!done) {
		struct sockaddr_nl from;
		struct iovec iov = { .iov_base = buf, .iov_len = RECV_BUF };
		struct msghdr mh;
		ssize_t n = 0;
		int kerrno = 0;
		char why[256];
		enum sf_kernel_rc rc = SF_KERNEL_OK;

		memset(&mh, 0, sizeof(mh));
		memset(&from, 0, sizeof(from));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		do
			n = recvmsg(fd, &mh, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			say(err, errlen, "reading the kernel's %s sockets: %s", family_name(family),
			    errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within 5 s"
								    : strerror(errno));
			return -1;
		}
		if (n == 0) {
			say(err, errlen, "reading the kernel's %s sockets: the dump ended early",
			    family_name(family));
			return -1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			say(err, errlen,
			    "reading the kernel's %s sockets: a message larger than %d bytes was "
			    "cut",
			    family_name(family), RECV_BUF);
			return -1;
		}
		if (from.nl_pid != 0) /* only the kernel speaks here; ignore anyone else */
			continue;
		rc = sf_kernel_parse(buf, (size_t)n, collect_one, c, &done, &kerrno, why,
				     sizeof(why));
		if (rc == SF_KERNEL_REFUSED && kerrno == ENOENT && family == AF_INET6) {
			/* A kernel without IPv6 has no inet_diag handler for it: no
			 * IPv6 sockets, which is an answer, not a failure. */
			return 0;
		}
		if (rc == SF_KERNEL_STOPPED) {
			say(err, errlen, "reading the kernel's %s sockets: out of memory",
			    family_name(family));
			return -1;
		}
		if (rc != SF_KERNEL_OK) {
			say(err, errlen, "reading the kernel's %s sockets: %s", family_name(family),
			    why);
			return -1;
		}
	}
	return 0;
}

int sf_kernel_sockets(struct sf_sock **out, size_t *n, const uint16_t *ports, size_t nports,
		      char *err, size_t errlen)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct collect c;
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	uint8_t *buf = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	*n = 0;
	memset(&c, 0, sizeof(c));
	c.all = nports == 0;
	for (size_t i = 0; i < nports; i++)
		c.port[ports[i] >> 3] |= (uint8_t)(1u << (ports[i] & 7));
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		say(err, errlen, "cannot open a NETLINK_SOCK_DIAG socket: %s", strerror(errno));
		goto out;
	}
	/* A dump always ends; the timeout is only against a kernel that
	 * never answers (a seccomp filter, say), so that we do not hang. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	buf = malloc(RECV_BUF);
	if (buf == NULL) {
		say(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (send_request(fd, families[i], (uint32_t)i + 1, err, errlen) != 0 ||
		    read_dump(fd, families[i], buf, &c, err, errlen) != 0)
			goto out;
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), sock_qcmp);
	*out = c.v;
	*n = c.n;
	c.v = NULL;
	rc = 0;
out:
	free(c.v);
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}
