/* capture/kernel.h: the running kernel's own TCP sockets, read over NETLINK_SOCK_DIAG as ss does.
 *
 * One inet_diag dump per family (AF_INET, then AF_INET6), every state
 * asked for, so TIME_WAIT and SYN_RECV request sockets come too, as
 * `ss -tan` lists them. Nothing parses ss's or /proc's text. The parser of
 * the kernel's answer is separate from the socket I/O and takes hostile
 * bytes: every length is checked against what was received before it is
 * believed (tests/test_kernel.c, fuzz/fuzz_kernel.c).
 */
#ifndef SF_CAPTURE_KERNEL_H
#define SF_CAPTURE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/dec.h"
#include "decode/fsm.h"

/* One socket, as the kernel or the capture sees it. Addresses are in
 * network order, as decode/ keeps them: IPv4 in the first 4 bytes, the rest
 * zero. A listener's remote address and port are zero. */
struct sf_sock {
	uint8_t ver;   /* 4 or 6 */
	uint8_t state; /* enum sf_st */
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
	uint32_t inode; /* 0 for TIME_WAIT and request sockets, and from a capture */
	uint32_t uid;
	uint8_t v6only; /* an IPv6 socket with IPV6_V6ONLY: a :: listener takes no IPv4 */
};

/* The kernel's TCP_* state (include/net/tcp_states.h) as enum sf_st:
 * TCP_NEW_SYN_RECV (12, a request socket) is SYN_RECV, TCP_BOUND_INACTIVE
 * (13, bound and never listened or connected) CLOSED. False for a number
 * the kernel does not use (0, or above 13). */
bool sf_kernel_state(unsigned kstate, enum sf_st *st);

/* netstat's order: IPv4 before IPv6, LISTEN before the rest, then local
 * address, local port, remote address, remote port. <0, 0 or >0. */
int sf_kernel_sock_cmp(const struct sf_sock *a, const struct sf_sock *b);

enum sf_kernel_rc {
	SF_KERNEL_OK = 0,    /* every message read; *done says whether NLMSG_DONE was one */
	SF_KERNEL_TRUNCATED, /* a message runs past the bytes received */
	SF_KERNEL_MALFORMED, /* a length or a field no kernel would send */
	SF_KERNEL_REFUSED,   /* the kernel answered NLMSG_ERROR (or a failed DONE): its errno */
	SF_KERNEL_STOPPED,   /* the callback returned false */
	SF_KERNEL_RC_COUNT
};

const char *sf_kernel_rc_name(enum sf_kernel_rc rc);

/* Called once per socket parsed, in the order of the messages. False stops
 * the parse (out of memory, say): sf_kernel_parse returns STOPPED. */
typedef bool (*sf_kernel_sock_fn)(void *ctx, const struct sf_sock *s);

/* Parses one datagram received from NETLINK_SOCK_DIAG: a run of netlink
 * messages, each SOCK_DIAG_BY_FAMILY with a struct inet_diag_msg and its
 * attributes (INET_DIAG_SKV6ONLY is read; others are skipped), NLMSG_NOOP,
 * NLMSG_ERROR or NLMSG_DONE. Reads nothing outside buf[0, len). Stops at
 * NLMSG_DONE and sets *done (left alone otherwise); messages after it are
 * not read. A socket in a state sf_kernel_state() does not know is skipped.
 * On anything but OK, err holds one line saying what and where (message
 * number and offset), and *kerrno the kernel's errno for REFUSED (else 0).
 * len 0 is OK with nothing done. */
SF_NODISCARD enum sf_kernel_rc sf_kernel_parse(const uint8_t *buf, size_t len, sf_kernel_sock_fn fn,
					       void *ctx, bool *done, int *kerrno, char *err,
					       size_t errlen);

/* The kernel's TCP sockets now, IPv4 then IPv6, sorted by
 * sf_kernel_sock_cmp. ports[0, nports) (nports 0: all) keeps those whose
 * local or remote port is one of them. *out is malloc'd (free() it; NULL
 * when *n is 0). Returns 0, or -1 with err saying why in a user's words,
 * e.g. "cannot open a NETLINK_SOCK_DIAG socket: Protocol not supported". */
SF_NODISCARD int sf_kernel_sockets(struct sf_sock **out, size_t *n, const uint16_t *ports,
				   size_t nports, char *err, size_t errlen);

#endif
