/* tests/test_kernel.c: the kernel's sockets over NETLINK_SOCK_DIAG: the parser, live sockets, the comparison, report --kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>

#include "capture/kernel.h"
#include "cli/cmd.h"
#include "cli/kernel_view.h"
#include "config.h"

/* --- building datagrams as the kernel writes them -------------------------------- */

/* A datagram under construction; its bytes are copied to an exactly-sized
 * heap block before parsing, so that ASan sees any read past the end. */
struct dgram {
	uint8_t d[4096];
	size_t n;
};

static size_t put_nlh(struct dgram *g, uint32_t len, uint16_t type)
{
	struct nlmsghdr h;
	size_t at = g->n;

	memset(&h, 0, sizeof(h));
	h.nlmsg_len = len;
	h.nlmsg_type = type;
	h.nlmsg_flags = NLM_F_MULTI;
	h.nlmsg_seq = 1;
	memcpy(g->d + g->n, &h, sizeof(h));
	g->n += sizeof(h);
	return at;
}

static void put_bytes(struct dgram *g, const void *p, size_t n)
{
	memcpy(g->d + g->n, p, n);
	g->n += n;
}

/* One SOCK_DIAG_BY_FAMILY message; v6only < 0 adds no attribute. */
static void put_sock(struct dgram *g, int family, uint8_t kstate, const char *src, uint16_t sport,
		     const char *dst, uint16_t dport, uint32_t uid, uint32_t inode, int v6only)
{
	struct inet_diag_msg m;
	size_t len = NLMSG_LENGTH(sizeof(m)) + (v6only >= 0 ? RTA_SPACE(1) : 0);

	memset(&m, 0, sizeof(m));
	m.idiag_family = (uint8_t)family;
	m.idiag_state = kstate;
	m.id.idiag_sport = htons(sport);
	m.id.idiag_dport = htons(dport);
	assert_int_equal(inet_pton(family, src, m.id.idiag_src), 1);
	assert_int_equal(inet_pton(family, dst, m.id.idiag_dst), 1);
	m.idiag_uid = uid;
	m.idiag_inode = inode;
	put_nlh(g, (uint32_t)len, SOCK_DIAG_BY_FAMILY);
	put_bytes(g, &m, sizeof(m));
	if (v6only >= 0) {
		uint16_t rl = RTA_LENGTH(1), rt = INET_DIAG_SKV6ONLY;
		uint8_t pay[4] = { (uint8_t)v6only, 0, 0, 0 };
		put_bytes(g, &rl, 2);
		put_bytes(g, &rt, 2);
		put_bytes(g, pay, 4); /* one byte and its padding */
	}
}

/* NLMSG_ERROR or NLMSG_DONE with an error code. */
static void put_code(struct dgram *g, uint16_t type, int code)
{
	struct nlmsgerr e;
	size_t body = type == NLMSG_ERROR ? sizeof(e) : sizeof(int);

	memset(&e, 0, sizeof(e));
	e.error = code;
	put_nlh(g, (uint32_t)NLMSG_LENGTH(body), type);
	put_bytes(g, &e, body);
}

struct got {
	struct sf_sock s[64];
	size_t n;
	size_t stop_after; /* 0: never */
};

static bool take(void *ctx, const struct sf_sock *s)
{
	struct got *g = ctx;
	if (g->n < 64)
		g->s[g->n] = *s;
	g->n++;
	return g->stop_after == 0 || g->n < g->stop_after;
}

struct parsed {
	enum sf_kernel_rc rc;
	bool done;
	int kerrno;
	char err[256];
};

/* Parses g->d[0, len) from an exactly-sized copy. */
static struct parsed parse_n(const struct dgram *g, size_t len, struct got *out)
{
	struct parsed p = { .rc = SF_KERNEL_OK };
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, g->d, len);
	p.rc = sf_kernel_parse(len ? copy : copy + 1, len, take, out, &p.done, &p.kerrno, p.err,
			       sizeof(p.err));
	free(copy);
	return p;
}

static struct parsed parse(const struct dgram *g, struct got *out)
{
	return parse_n(g, g->n, out);
}

static void addr_is(const uint8_t *a, int family, const char *want)
{
	uint8_t w[16] = { 0 };
	assert_int_equal(inet_pton(family, want, w), 1);
	assert_memory_equal(a, w, 16);
}

/* --- the parser -------------------------------------------------------------- */

static void ipv4_and_ipv6_messages_give_their_sockets(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_sock(&g, AF_INET, 1, "127.0.0.1", 9000, "127.0.0.2", 40312, 1000, 4242, -1);
	put_sock(&g, AF_INET6, 10, "::1", 8080, "::", 0, 0, 77, 1);
	put_code(&g, NLMSG_DONE, 0);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_OK);
	assert_true(p.done);
	assert_string_equal(p.err, "");
	assert_int_equal(got.n, 2);

	assert_int_equal(got.s[0].ver, 4);
	assert_int_equal(got.s[0].state, SF_ST_ESTABLISHED);
	addr_is(got.s[0].local, AF_INET, "127.0.0.1"); /* the rest of the 16 bytes zero */
	addr_is(got.s[0].remote, AF_INET, "127.0.0.2");
	assert_int_equal(got.s[0].lport, 9000);
	assert_int_equal(got.s[0].rport, 40312);
	assert_int_equal(got.s[0].uid, 1000);
	assert_int_equal(got.s[0].inode, 4242);
	assert_int_equal(got.s[0].v6only, 0);

	assert_int_equal(got.s[1].ver, 6);
	assert_int_equal(got.s[1].state, SF_ST_LISTEN);
	addr_is(got.s[1].local, AF_INET6, "::1");
	addr_is(got.s[1].remote, AF_INET6, "::");
	assert_int_equal(got.s[1].lport, 8080);
	assert_int_equal(got.s[1].rport, 0);
	assert_int_equal(got.s[1].v6only, 1);
}

static void done_ends_the_parse_and_nothing_after_is_read(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_sock(&g, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	put_code(&g, NLMSG_DONE, 0);
	memset(g.d + g.n, 0xff, 10); /* junk a second read must never see */
	g.n += 10;
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_OK);
	assert_true(p.done);
	assert_int_equal(got.n, 1);
}

static void without_done_the_dump_goes_on(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_sock(&g, AF_INET, 6, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_OK);
	assert_false(p.done);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.s[0].state, SF_ST_TIME_WAIT);
}

static void nlmsg_error_gives_the_kernels_errno(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_code(&g, NLMSG_ERROR, 0); /* an acknowledgement: nothing wrong */
	put_code(&g, NLMSG_ERROR, -EPERM);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_REFUSED);
	assert_int_equal(p.kerrno, EPERM);
	assert_false(p.done);
	assert_non_null(strstr(p.err, strerror(EPERM)));
}

static void a_failed_done_is_refused(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_code(&g, NLMSG_DONE, -EINTR);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_REFUSED);
	assert_int_equal(p.kerrno, EINTR);
	assert_false(p.done);
}

static void impossible_error_codes_are_malformed(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_code(&g, NLMSG_ERROR, -2147483647 - 1); /* INT_MIN: no errno to negate */
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	g.n = 0;
	put_code(&g, NLMSG_ERROR, 5);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	g.n = 0;
	put_nlh(&g, NLMSG_HDRLEN, NLMSG_ERROR); /* no room for the code */
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	assert_int_equal(p.kerrno, 0);
}

static void a_length_past_the_buffer_is_truncated(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_sock(&g, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	put_nlh(&g, 200, SOCK_DIAG_BY_FAMILY); /* says 200, 16 follow */
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_TRUNCATED);
	assert_int_equal(got.n, 1); /* the whole message before it was read */
	assert_non_null(strstr(p.err, "message 2 at byte 88"));
	g.n = 0;
	put_nlh(&g, UINT32_MAX, SOCK_DIAG_BY_FAMILY); /* no overflow on the way */
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_TRUNCATED);
}

static void a_message_too_short_for_inet_diag_msg_is_malformed(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	uint8_t half[40] = { AF_INET, 1 };
	struct parsed p;
	(void)state;

	put_nlh(&g, (uint32_t)NLMSG_LENGTH(sizeof(half)), SOCK_DIAG_BY_FAMILY);
	put_bytes(&g, half, sizeof(half));
	put_code(&g, NLMSG_DONE, 0);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	assert_int_equal(got.n, 0);
	assert_non_null(strstr(p.err, "too short for an inet_diag_msg"));
}

static void zero_lengths_are_clean(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	p = parse(&g, &got); /* an empty datagram: nothing, and not done */
	assert_int_equal(p.rc, SF_KERNEL_OK);
	assert_false(p.done);
	assert_int_equal(got.n, 0);

	put_nlh(&g, 0, SOCK_DIAG_BY_FAMILY); /* nlmsg_len 0 would loop for ever */
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	assert_non_null(strstr(p.err, "shorter than its header"));
}

static void attributes_are_held_inside_their_message(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	size_t at = 0;
	uint16_t big = 200, tiny = 2;
	(void)state;

	put_sock(&g, AF_INET6, 10, "::", 80, "::", 0, 0, 0, 0);
	at = g.n - 8; /* the attribute's length field */
	memcpy(g.d + at, &big, 2);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	memcpy(g.d + at, &tiny, 2); /* shorter than its own header */
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	assert_int_equal(got.n, 0);
}

static void strange_families_types_and_states(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0 };
	struct parsed p;
	(void)state;

	put_sock(&g, AF_INET, 1, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	g.d[NLMSG_HDRLEN] = AF_UNIX;
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	assert_non_null(strstr(p.err, "address family"));

	g.n = 0;
	put_nlh(&g, NLMSG_HDRLEN, 99);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_MALFORMED);
	assert_non_null(strstr(p.err, "unexpected type 99"));

	/* A state no kernel has is skipped, not fatal; NOOP is nothing. */
	g.n = 0;
	put_sock(&g, AF_INET, 0, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	put_sock(&g, AF_INET, 14, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	put_nlh(&g, NLMSG_HDRLEN, NLMSG_NOOP);
	put_sock(&g, AF_INET, 12, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, -1);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_OK);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.s[0].state, SF_ST_SYN_RCVD); /* TCP_NEW_SYN_RECV */

	g.n = 0;
	put_nlh(&g, NLMSG_HDRLEN, NLMSG_OVERRUN);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_REFUSED);
	assert_int_equal(p.kerrno, ENOBUFS);
}

static void the_callback_can_stop_the_parse(void **state)
{
	struct dgram g = { .n = 0 };
	struct got got = { .n = 0, .stop_after = 2 };
	struct parsed p;
	(void)state;

	for (int i = 0; i < 4; i++)
		put_sock(&g, AF_INET, 1, "10.0.0.1", (uint16_t)(i + 1), "10.0.0.2", 2, 0, 0, -1);
	p = parse(&g, &got);
	assert_int_equal(p.rc, SF_KERNEL_STOPPED);
	assert_int_equal(got.n, 2);
}

/* Every prefix of a good datagram (STYLE habit 18) parses to OK at a
 * message boundary and TRUNCATED elsewhere, from an exactly-sized copy. */
static void every_prefix_is_ok_or_truncated(void **state)
{
	struct dgram g = { .n = 0 };
	size_t bounds[4], nb = 0;
	(void)state;

	put_sock(&g, AF_INET, 1, "127.0.0.1", 9000, "127.0.0.1", 40312, 0, 1, -1);
	bounds[nb++] = g.n;
	put_sock(&g, AF_INET6, 10, "::1", 8080, "::", 0, 0, 2, 0);
	bounds[nb++] = g.n;
	put_code(&g, NLMSG_DONE, 0);
	bounds[nb++] = g.n;
	for (size_t len = 0; len <= g.n; len++) {
		struct got got = { .n = 0 };
		struct parsed p = parse_n(&g, len, &got);
		bool boundary = len == 0;
		for (size_t i = 0; i < nb; i++)
			boundary = boundary || len == bounds[i];
		assert_int_equal(p.rc, boundary ? SF_KERNEL_OK : SF_KERNEL_TRUNCATED);
		assert_true(p.done == (len == g.n));
		assert_true(got.n <= 2);
	}
}

static void kernel_states_map_to_netstat_states(void **state)
{
	static const enum sf_st want[14] = {
		[1] = SF_ST_ESTABLISHED, [2] = SF_ST_SYN_SENT,   [3] = SF_ST_SYN_RCVD,
		[4] = SF_ST_FIN_WAIT_1,  [5] = SF_ST_FIN_WAIT_2, [6] = SF_ST_TIME_WAIT,
		[7] = SF_ST_CLOSED,      [8] = SF_ST_CLOSE_WAIT, [9] = SF_ST_LAST_ACK,
		[10] = SF_ST_LISTEN,     [11] = SF_ST_CLOSING,   [12] = SF_ST_SYN_RCVD,
		[13] = SF_ST_CLOSED,
	};
	enum sf_st st = SF_ST_COUNT;
	(void)state;

	for (unsigned k = 1; k < 14; k++) {
		assert_true(sf_kernel_state(k, &st));
		assert_int_equal(st, want[k]);
	}
	assert_false(sf_kernel_state(0, &st));
	assert_false(sf_kernel_state(14, &st));
	assert_false(sf_kernel_state(255, &st));
}

static struct sf_sock sock(uint8_t ver, uint8_t st, const char *l, uint16_t lp, const char *r,
			   uint16_t rp)
{
	struct sf_sock s;
	memset(&s, 0, sizeof(s));
	s.ver = ver;
	s.state = st;
	assert_int_equal(inet_pton(ver == 4 ? AF_INET : AF_INET6, l, s.local), 1);
	assert_int_equal(inet_pton(ver == 4 ? AF_INET : AF_INET6, r, s.remote), 1);
	s.lport = lp;
	s.rport = rp;
	return s;
}

static void the_order_is_netstats(void **state)
{
	struct sf_sock v[] = {
		sock(6, SF_ST_LISTEN, "::1", 22, "::", 0),
		sock(4, SF_ST_ESTABLISHED, "127.0.0.1", 40000, "127.0.0.1", 9000),
		sock(4, SF_ST_ESTABLISHED, "10.0.0.1", 5000, "10.0.0.2", 80),
		sock(4, SF_ST_LISTEN, "127.0.0.1", 9000, "0.0.0.0", 0),
		sock(4, SF_ST_TIME_WAIT, "127.0.0.1", 9000, "127.0.0.1", 40001),
		sock(4, SF_ST_ESTABLISHED, "127.0.0.1", 9000, "127.0.0.1", 40000),
	};
	(void)state;

	/* IPv4 before IPv6, listeners first, then local, remote. */
	assert_true(sf_kernel_sock_cmp(&v[3], &v[2]) < 0);
	assert_true(sf_kernel_sock_cmp(&v[2], &v[5]) < 0);
	assert_true(sf_kernel_sock_cmp(&v[5], &v[4]) < 0);
	assert_true(sf_kernel_sock_cmp(&v[4], &v[1]) < 0);
	assert_true(sf_kernel_sock_cmp(&v[1], &v[0]) < 0);
	assert_int_equal(sf_kernel_sock_cmp(&v[0], &v[0]), 0);
}

/* --- live: the test's own sockets, as the kernel lists them ------------------------- */

struct live {
	int family;
	const char *addr; /* the loopback address */
	int lfd, cfd, afd;
	uint16_t lport, cport;
	int why; /* errno when the listener could not be made */
};

/* Waits up to ~2 s for the kernel to list the socket local -> remote in
 * state st (remote port 0: a listener). Filters by the listener's port, as
 * report --kernel PORT does. */
static bool kernel_has(const struct live *t, uint16_t lport, uint16_t rport, enum sf_st st)
{
	const uint8_t ver = t->family == AF_INET ? 4 : 6;
	uint8_t lo[16] = { 0 }, any[16] = { 0 };
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };

	assert_int_equal(inet_pton(t->family, t->addr, lo), 1);
	for (int tries = 0; tries < 200; tries++) {
		struct sf_sock *v = NULL;
		size_t n = 0;
		char err[256];
		bool found = false;
		assert_int_equal(sf_kernel_sockets(&v, &n, &t->lport, 1, err, sizeof(err)), 0);
		for (size_t i = 0; i < n && !found; i++)
			found = v[i].ver == ver && v[i].state == st && v[i].lport == lport &&
				v[i].rport == rport && memcmp(v[i].local, lo, 16) == 0 &&
				memcmp(v[i].remote, rport ? lo : any, 16) == 0;
		free(v);
		if (found)
			return true;
		nanosleep(&nap, NULL);
	}
	return false;
}

/* Gone from the kernel's list in every state, within ~2 s. */
static bool kernel_lacks(const struct live *t, uint16_t lport, uint16_t rport)
{
	struct timespec nap = { .tv_sec = 0, .tv_nsec = 10 * 1000 * 1000 };

	for (int tries = 0; tries < 200; tries++) {
		struct sf_sock *v = NULL;
		size_t n = 0;
		char err[256];
		bool found = false;
		assert_int_equal(sf_kernel_sockets(&v, &n, &t->lport, 1, err, sizeof(err)), 0);
		for (size_t i = 0; i < n; i++)
			found = found || (v[i].lport == lport && v[i].rport == rport);
		free(v);
		if (!found)
			return true;
		nanosleep(&nap, NULL);
	}
	return false;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A listener on the loopback address, port 0, and one connection to it,
 * accepted. False when the family or address is not there. */
static bool live_open(struct live *t)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	memset(&ss, 0, sizeof(ss));
	if (t->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, t->addr, &a->sin_addr), 1);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, t->addr, &a->sin6_addr), 1);
		len = sizeof(*a);
	}
	t->lfd = socket(t->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->lfd < 0) {
		t->why = errno;
		return false;
	}
	if (bind(t->lfd, (struct sockaddr *)&ss, len) != 0) {
		t->why = errno;
		close(t->lfd);
		return false;
	}
	assert_int_equal(listen(t->lfd, 4), 0);
	t->lport = port_of(t->lfd);
	if (t->family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(t->lport);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(t->lport);
	t->cfd = socket(t->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(t->cfd >= 0);
	assert_int_equal(connect(t->cfd, (struct sockaddr *)&ss, len), 0);
	t->afd = accept(t->lfd, NULL, NULL);
	assert_true(t->afd >= 0);
	t->cport = port_of(t->cfd);
	return true;
}

/* The client closes first: it is the active closer and ends in TIME_WAIT. */
static void live_states(struct live *t)
{
	assert_true(kernel_has(t, t->lport, 0, SF_ST_LISTEN));
	assert_true(kernel_has(t, t->lport, t->cport, SF_ST_ESTABLISHED)); /* the server's end */
	assert_true(kernel_has(t, t->cport, t->lport, SF_ST_ESTABLISHED)); /* the client's end */

	assert_int_equal(shutdown(t->cfd, SHUT_WR), 0); /* FIN; the server ACKs it */
	assert_true(kernel_has(t, t->cport, t->lport, SF_ST_FIN_WAIT_2));
	assert_true(kernel_has(t, t->lport, t->cport, SF_ST_CLOSE_WAIT));

	assert_int_equal(close(t->afd), 0); /* the server's FIN: LAST_ACK, then gone */
	assert_int_equal(close(t->cfd), 0);
	assert_true(kernel_has(t, t->cport, t->lport, SF_ST_TIME_WAIT));
	assert_true(kernel_lacks(t, t->lport, t->cport));
	assert_int_equal(close(t->lfd), 0);
	assert_true(kernel_lacks(t, t->lport, 0));
}

static void live_ipv4_sockets_as_the_kernel_lists_them(void **state)
{
	struct live t = { .family = AF_INET, .addr = "127.0.0.1" };
	(void)state;
	assert_true(live_open(&t));
	live_states(&t);
}

static void live_ipv6_sockets_as_the_kernel_lists_them(void **state)
{
	struct live t = { .family = AF_INET6, .addr = "::1" };
	(void)state;
	if (!live_open(&t)) {
		print_message("::1 is not available here (%s): skipped\n", strerror(t.why));
		skip();
	}
	live_states(&t);
}

static void ports_keep_only_their_sockets(void **state)
{
	struct live t = { .family = AF_INET, .addr = "127.0.0.1" };
	struct sf_sock *v = NULL;
	size_t n = 0;
	char err[256];
	(void)state;

	assert_true(live_open(&t));
	assert_int_equal(sf_kernel_sockets(&v, &n, &t.cport, 1, err, sizeof(err)), 0);
	/* The two ends of the connection, not the listener. Other sockets may
	 * share the ephemeral port number (TIME_WAIT left by earlier tests with
	 * other peers): each must still carry the port. */
	{
		size_t ends = 0, first_end = n;
		for (size_t i = 0; i < n; i++) {
			assert_true(v[i].lport == t.cport || v[i].rport == t.cport);
			assert_false(v[i].state == SF_ST_LISTEN && v[i].lport == t.lport);
			if ((v[i].lport == t.cport && v[i].rport == t.lport) ||
			    (v[i].lport == t.lport && v[i].rport == t.cport)) {
				ends++;
				if (first_end == n)
					first_end = i;
			}
		}
		assert_int_equal(ends, 2);
		/* sorted: the end whose local port is the listener's comes first
		 * when the listener's port is the lower */
		if (t.lport < t.cport)
			assert_int_equal(v[first_end].lport, t.lport);
	}
	free(v);
	assert_int_equal(sf_kernel_sockets(&v, &n, NULL, 0, err, sizeof(err)), 0);
	assert_true(n >= 3);
	for (size_t i = 1; i < n; i++)
		assert_true(sf_kernel_sock_cmp(&v[i - 1], &v[i]) <= 0);
	free(v);
	close(t.cfd);
	close(t.afd);
	close(t.lfd);
}

/* --- the comparison -------------------------------------------------------------- */

static int buf_setup(void **state)
{
	struct sf_buf *b = malloc(sizeof(*b));
	if (b == NULL)
		return -1;
	sf_buf_init(b, stdout);
	*state = b;
	return 0;
}

static int buf_teardown(void **state)
{
	free(*state);
	return 0;
}

static void text_is(struct sf_buf *b, const char *want)
{
	if (b->n != strlen(want) || memcmp(b->d, want, b->n) != 0)
		print_message("got:\n%.*s\nwant:\n%s", (int)b->n, b->d, want);
	assert_int_equal(b->n, strlen(want));
	assert_memory_equal(b->d, want, b->n);
	b->n = 0;
}

static void kernel_table_in_the_reports_columns(void **state)
{
	struct sf_buf *b = *state;
	struct sf_kernel_view_opts o = { .json = false };
	struct sf_sock v[] = {
		sock(4, SF_ST_LISTEN, "0.0.0.0", 9000, "0.0.0.0", 0),
		sock(4, SF_ST_ESTABLISHED, "127.0.0.1", 9000, "127.0.0.1", 40312),
		sock(6, SF_ST_SYN_RCVD, "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", 443, "2001:db8::2",
		     51000),
	};
	v[1].uid = 1000;
	v[1].inode = 555;

	sf_kernel_view_table(b, v, 3, &o);
	text_is(b,
		"Active Internet connections (servers and established)\n"
		"Proto Local Address           Foreign Address         State\n"
		"tcp   0.0.0.0:9000            0.0.0.0:*               LISTEN\n"
		"tcp   127.0.0.1:9000          127.0.0.1:40312         ESTABLISHED\n"
		"tcp6  2001:db8:aaaa:bbbb:cccc:dddd:eeee:1:443 2001:db8::2:51000       SYN_RECV\n");
	o.json = true;
	sf_kernel_view_table(b, v, 2, &o);
	text_is(b, "{\"type\":\"kernel_socket\",\"proto\":\"tcp\",\"local\":\"0.0.0.0:9000\","
		   "\"foreign\":\"0.0.0.0:*\",\"state\":\"LISTEN\",\"uid\":0,\"inode\":0}\n"
		   "{\"type\":\"kernel_socket\",\"proto\":\"tcp\",\"local\":\"127.0.0.1:9000\","
		   "\"foreign\":\"127.0.0.1:40312\",\"state\":\"ESTABLISHED\",\"uid\":1000,"
		   "\"inode\":555}\n");
}

static void kernel_table_names_ports_unless_numeric(void **state)
{
	struct sf_buf *b = *state;
	static const char *names[65536];
	struct sf_kernel_view_opts o = { .port_names = names };
	struct sf_sock v = sock(6, SF_ST_LISTEN, "::", 22, "::", 0);

	names[22] = "ssh";
	sf_kernel_view_table(b, &v, 1, &o);
	text_is(b, "Active Internet connections (servers and established)\n"
		   "Proto Local Address           Foreign Address         State\n"
		   "tcp6  :::ssh                  :::*                    LISTEN\n");
}

/* Agreeing, differing, capture-only and kernel-only sockets; a capture
 * listener matched to a kernel wildcard listener by its port; a CLOSED
 * capture socket left out. */
static void comparison_marks_and_counts(void **state)
{
	struct sf_buf *b = *state;
	struct sf_kernel_view_opts o = { .json = false };
	struct sf_kernel_view_counts c;
	const struct sf_sock cap[] = {
		sock(4, SF_ST_FIN_WAIT_1, "127.0.0.1", 40000, "127.0.0.1", 9000),
		sock(4, SF_ST_ESTABLISHED, "127.0.0.1", 9000, "127.0.0.1", 40000),
		sock(4, SF_ST_LISTEN, "127.0.0.1", 9000, "0.0.0.0", 0),
		sock(4, SF_ST_ESTABLISHED, "10.0.0.1", 5000, "10.0.0.2", 80),
		sock(4, SF_ST_CLOSED, "10.0.0.2", 80, "10.0.0.1", 5000),
	};
	const struct sf_sock kern[] = {
		sock(4, SF_ST_LISTEN, "0.0.0.0", 9000, "0.0.0.0", 0),
		sock(4, SF_ST_ESTABLISHED, "127.0.0.1", 9000, "127.0.0.1", 40000),
		sock(4, SF_ST_FIN_WAIT_2, "127.0.0.1", 40000, "127.0.0.1", 9000),
		sock(6, SF_ST_LISTEN, "::1", 22, "::", 0),
	};

	assert_true(sf_kernel_view_compare(b, cap, 5, kern, 4, &o, &c));
	text_is(b,
		"Active Internet connections: the capture beside the kernel\n"
		"Proto Local Address           Foreign Address         Capture     Kernel\n"
		"tcp   127.0.0.1:9000          0.0.0.0:*               LISTEN      LISTEN      =\n"
		"tcp   10.0.0.1:5000           10.0.0.2:80             ESTABLISHED -           -\n"
		"tcp   127.0.0.1:9000          127.0.0.1:40000         ESTABLISHED ESTABLISHED =\n"
		"tcp   127.0.0.1:40000         127.0.0.1:9000          FIN_WAIT1   FIN_WAIT2   "
		"\xe2\x89\xa0\n"
		"tcp6  ::1:22                  :::*                    -           LISTEN      "
		"-\n");
	assert_int_equal(c.rows, 5);
	assert_int_equal(c.agree, 2);
	assert_int_equal(c.differ, 1);
	assert_int_equal(c.only_capture, 1);
	assert_int_equal(c.only_kernel, 1);
	sf_kernel_view_summary(b, &c, &o);
	text_is(b, "5 sockets: 2 agree, 1 differ, 1 only in the capture, 1 only in the kernel\n");

	o.ascii = true;
	assert_true(sf_kernel_view_compare(b, cap, 1, kern + 2, 1, &o, &c));
	text_is(b, "Active Internet connections: the capture beside the kernel\n"
		   "Proto Local Address           Foreign Address         Capture     Kernel\n"
		   "tcp   127.0.0.1:40000         127.0.0.1:9000          FIN_WAIT1   FIN_WAIT2   "
		   "!=\n");

	o.json = true;
	assert_true(sf_kernel_view_compare(b, cap, 5, kern, 4, &o, &c));
	text_is(b, "{\"type\":\"compare\",\"proto\":\"tcp\",\"local\":\"127.0.0.1:9000\","
		   "\"foreign\":\"0.0.0.0:*\",\"capture\":\"LISTEN\",\"kernel\":\"LISTEN\","
		   "\"match\":\"agree\"}\n"
		   "{\"type\":\"compare\",\"proto\":\"tcp\",\"local\":\"10.0.0.1:5000\","
		   "\"foreign\":\"10.0.0.2:80\",\"capture\":\"ESTABLISHED\","
		   "\"match\":\"only_capture\"}\n"
		   "{\"type\":\"compare\",\"proto\":\"tcp\",\"local\":\"127.0.0.1:9000\","
		   "\"foreign\":\"127.0.0.1:40000\",\"capture\":\"ESTABLISHED\","
		   "\"kernel\":\"ESTABLISHED\",\"match\":\"agree\"}\n"
		   "{\"type\":\"compare\",\"proto\":\"tcp\",\"local\":\"127.0.0.1:40000\","
		   "\"foreign\":\"127.0.0.1:9000\",\"capture\":\"FIN_WAIT1\","
		   "\"kernel\":\"FIN_WAIT2\",\"match\":\"differ\"}\n"
		   "{\"type\":\"compare\",\"proto\":\"tcp6\",\"local\":\"::1:22\","
		   "\"foreign\":\":::*\",\"kernel\":\"LISTEN\",\"match\":\"only_kernel\"}\n");
	sf_kernel_view_summary(b, &c, &o);
	text_is(b, "{\"type\":\"compare_summary\",\"rows\":5,\"agree\":2,\"differ\":1,"
		   "\"only_capture\":1,\"only_kernel\":1}\n");
}

static void listeners_match_by_port_and_the_best_address(void **state)
{
	struct sf_buf *b = *state;
	struct sf_kernel_view_opts o = { .json = true };
	struct sf_kernel_view_counts c;
	const struct sf_sock cap[] = {
		sock(4, SF_ST_LISTEN, "192.0.2.1", 80, "0.0.0.0", 0),
		sock(4, SF_ST_LISTEN, "192.0.2.2", 80, "0.0.0.0", 0),
		sock(4, SF_ST_LISTEN, "192.0.2.1", 443, "0.0.0.0", 0),
		sock(4, SF_ST_LISTEN, "192.0.2.1", 8443, "0.0.0.0", 0),
	};
	struct sf_sock kern[] = {
		sock(4, SF_ST_LISTEN, "0.0.0.0", 80, "0.0.0.0", 0),    /* serves both on 80 */
		sock(4, SF_ST_LISTEN, "192.0.2.1", 443, "0.0.0.0", 0), /* the exact one */
		sock(4, SF_ST_LISTEN, "0.0.0.0", 443, "0.0.0.0", 0),   /* so this is unused */
		sock(6, SF_ST_LISTEN, "::", 8443, "::", 0),            /* IPV6_V6ONLY: not IPv4 */
		sock(4, SF_ST_ESTABLISHED, "192.0.2.1", 80, "0.0.0.0", 0), /* never a listener */
	};
	kern[3].v6only = 1;

	assert_true(sf_kernel_view_compare(b, cap, 4, kern, 5, &o, &c));
	assert_int_equal(c.rows, 7);
	assert_int_equal(c.agree, 3);
	assert_int_equal(c.only_capture, 1); /* 8443 */
	assert_int_equal(c.only_kernel, 3);  /* 0.0.0.0:443, :::8443, the odd ESTABLISHED */
	b->n = 0;

	kern[3].v6only = 0; /* a dual-stack :: listener takes IPv4 too */
	assert_true(sf_kernel_view_compare(b, cap + 3, 1, kern + 3, 1, &o, &c));
	assert_int_equal(c.agree, 1);
	assert_int_equal(c.rows, 1);
	b->n = 0;
}

static void ipv4_mapped_kernel_sockets_match_ipv4_capture_sockets(void **state)
{
	struct sf_buf *b = *state;
	struct sf_kernel_view_opts o = { .json = false };
	struct sf_kernel_view_counts c;
	const struct sf_sock cap[] = {
		sock(4, SF_ST_ESTABLISHED, "127.0.0.1", 9001, "127.0.0.1", 42692),
		sock(4, SF_ST_LISTEN, "127.0.0.1", 9001, "0.0.0.0", 0),
	};
	const struct sf_sock kern[] = {
		sock(6, SF_ST_ESTABLISHED, "::ffff:127.0.0.1", 9001, "::ffff:127.0.0.1", 42692),
		sock(6, SF_ST_LISTEN, "::ffff:127.0.0.1", 9001, "::", 0),
		sock(6, SF_ST_ESTABLISHED, "::1", 9001, "::1", 42692), /* not the same socket */
	};

	assert_true(sf_kernel_view_compare(b, cap, 2, kern, 3, &o, &c));
	text_is(b,
		"Active Internet connections: the capture beside the kernel\n"
		"Proto Local Address           Foreign Address         Capture     Kernel\n"
		"tcp   127.0.0.1:9001          0.0.0.0:*               LISTEN      LISTEN      =\n"
		"tcp   127.0.0.1:9001          127.0.0.1:42692         ESTABLISHED ESTABLISHED =\n"
		"tcp6  ::1:9001                ::1:42692               -           ESTABLISHED "
		"-\n");
	assert_int_equal(c.agree, 2);
	assert_int_equal(c.only_kernel, 1);
}

static void empty_sets_compare_to_nothing(void **state)
{
	struct sf_buf *b = *state;
	struct sf_kernel_view_opts o = { .json = true };
	struct sf_kernel_view_counts c = { .rows = 99 };
	const struct sf_sock closed = sock(4, SF_ST_CLOSED, "10.0.0.1", 1, "10.0.0.2", 2);

	assert_true(sf_kernel_view_compare(b, &closed, 1, NULL, 0, &o, &c));
	assert_int_equal(b->n, 0);
	assert_int_equal(c.rows, 0);
	assert_int_equal(c.only_capture, 0);
}

/* --- the command line ------------------------------------------------------------ */

/* Runs `synfin report ARGS...` with stdout and stderr in a temporary
 * file; returns its status and the first line of its stderr. */
static int run_report(char *first, size_t n, const char *a1, const char *a2, const char *a3)
{
	char *argv[] = { (char *)"report", (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = a3 ? 4 : a2 ? 3 : 2;
	FILE *tmp = tmpfile();
	int out = dup(STDOUT_FILENO), err = dup(STDERR_FILENO);
	int rc = 0;

	assert_non_null(tmp);
	assert_true(out >= 0 && err >= 0);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	rc = sf_cmd_report(argc, argv);
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(out, STDOUT_FILENO) >= 0);
	assert_true(dup2(err, STDERR_FILENO) >= 0);
	close(out);
	close(err);
	rewind(tmp);
	if (fgets(first, (int)n, tmp) == NULL)
		first[0] = '\0';
	fclose(tmp);
	return rc;
}

static void kernel_ports_must_be_1_to_65535(void **state)
{
	char line[512];
	(void)state;

	assert_int_equal(run_report(line, sizeof(line), "--kernel", "0", NULL), SF_EXIT_USAGE);
	assert_non_null(strstr(line, "'0' is not a port"));
	assert_int_equal(run_report(line, sizeof(line), "--kernel", "70000", NULL), SF_EXIT_USAGE);
	assert_non_null(strstr(line, "'70000' is not a port"));
	assert_int_equal(run_report(line, sizeof(line), "--kernel", "80x", NULL), SF_EXIT_USAGE);
	assert_int_equal(run_report(line, sizeof(line), "--kernel", "", NULL), SF_EXIT_USAGE);
	assert_int_equal(run_report(line, sizeof(line), "--kernel", "22", "state"), SF_EXIT_USAGE);
}

static void kernel_with_a_file_is_a_usage_error(void **state)
{
	char line[512];
	(void)state;

	assert_int_equal(run_report(line, sizeof(line), "--kernel", "-r", "x"), SF_EXIT_USAGE);
	assert_string_equal(line, "synfin report: --kernel reads the running kernel; with a file "
				  "there is no kernel to ask\n");
	assert_int_equal(run_report(line, sizeof(line), "-r", "x", "--kernel"), SF_EXIT_USAGE);
}

static void kernel_prints_the_table(void **state)
{
	char line[512];
	(void)state;

	assert_int_equal(run_report(line, sizeof(line), "--kernel", "-n", "65535"), SF_EXIT_OK);
	assert_string_equal(line, "Active Internet connections (servers and established)\n");
	assert_int_equal(run_report(line, sizeof(line), "--kernel", "--json", "1"), SF_EXIT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_and_ipv6_messages_give_their_sockets),
		cmocka_unit_test(done_ends_the_parse_and_nothing_after_is_read),
		cmocka_unit_test(without_done_the_dump_goes_on),
		cmocka_unit_test(nlmsg_error_gives_the_kernels_errno),
		cmocka_unit_test(a_failed_done_is_refused),
		cmocka_unit_test(impossible_error_codes_are_malformed),
		cmocka_unit_test(a_length_past_the_buffer_is_truncated),
		cmocka_unit_test(a_message_too_short_for_inet_diag_msg_is_malformed),
		cmocka_unit_test(zero_lengths_are_clean),
		cmocka_unit_test(attributes_are_held_inside_their_message),
		cmocka_unit_test(strange_families_types_and_states),
		cmocka_unit_test(the_callback_can_stop_the_parse),
		cmocka_unit_test(every_prefix_is_ok_or_truncated),
		cmocka_unit_test(kernel_states_map_to_netstat_states),
		cmocka_unit_test(the_order_is_netstats),
		cmocka_unit_test(live_ipv4_sockets_as_the_kernel_lists_them),
		cmocka_unit_test(live_ipv6_sockets_as_the_kernel_lists_them),
		cmocka_unit_test(ports_keep_only_their_sockets),
		cmocka_unit_test_setup_teardown(kernel_table_in_the_reports_columns, buf_setup,
						buf_teardown),
		cmocka_unit_test_setup_teardown(kernel_table_names_ports_unless_numeric, buf_setup,
						buf_teardown),
		cmocka_unit_test_setup_teardown(comparison_marks_and_counts, buf_setup,
						buf_teardown),
		cmocka_unit_test_setup_teardown(listeners_match_by_port_and_the_best_address,
						buf_setup, buf_teardown),
		cmocka_unit_test_setup_teardown(
			ipv4_mapped_kernel_sockets_match_ipv4_capture_sockets, buf_setup,
			buf_teardown),
		cmocka_unit_test_setup_teardown(empty_sets_compare_to_nothing, buf_setup,
						buf_teardown),
		cmocka_unit_test(kernel_ports_must_be_1_to_65535),
		cmocka_unit_test(kernel_with_a_file_is_a_usage_error),
		cmocka_unit_test(kernel_prints_the_table),
	};
	return cmocka_run_group_tests_name("kernel", tests, NULL, NULL);
}
