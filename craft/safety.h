/* craft/safety.h: where crafted segments may go without --allow-remote.
 *
 * Every crafter mode (send, connect, accept) asks this before it opens
 * anything, so a typo in an address cannot put forged segments on a real
 * network. The rule, exactly:
 *
 *   1. Loopback is always allowed: 127.0.0.0/8, ::1, and IPv4-mapped
 *      loopback ::ffff:127.0.0.0/104.
 *   2. A directly connected address inside a network namespace is allowed:
 *      this process is not in the initial network namespace (the link
 *      /proc/self/ns/net differs from /proc/1/ns/net, both readable), and
 *      the kernel's route to the address (RTM_GETROUTE over rtnetlink, the
 *      question `ip route get ADDR` asks) is a unicast route with no gateway
 *      (no RTA_GATEWAY, no RTA_VIA) out of an interface that is not a
 *      loopback one. Such an address sits on a link that exists only inside
 *      the namespace (a veth pair, a test bridge), not behind a router.
 *   3. Anything else needs allow_remote.
 *
 * Consequences worth knowing: in the initial namespace only loopback passes,
 * even for hosts on the local LAN; a container whose PID 1 shares its network
 * namespace counts as initial (it cannot tell itself apart from a host), and
 * without the privilege to read /proc/1/ns/net (CAP_SYS_PTRACE) the same
 * holds. The host's own non-loopback addresses are not loopback and need
 * --allow-remote. Nothing is sent to find this out: the route lookup is a
 * question to the local kernel, and it is asked only in case 2.
 */
#ifndef SF_CRAFT_SAFETY_H
#define SF_CRAFT_SAFETY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/dec.h"

/* ver 4 (addr's first 4 bytes) or 6 (16 bytes), network order. True when
 * segments may go to addr; `why` (may be NULL) gets one sentence either
 * way, naming the address and the rule that decided, e.g. "8.8.8.8 is not a
 * loopback address and this is the initial network namespace: sending to it
 * needs --allow-remote". With allow_remote every address is allowed and why
 * says whether the flag was needed. */
SF_NODISCARD bool sf_craft_dest_allowed(uint8_t ver, const uint8_t addr[16], bool allow_remote,
					char *why, size_t whylen);

/* Rule 1 alone: no system call, no privilege. */
bool sf_craft_addr_is_loopback(uint8_t ver, const uint8_t addr[16]);

/* The kernel's answer to RTM_GETROUTE, as far as the rule above needs it. */
struct sf_craft_route {
	int kerrno;     /* the kernel refused the lookup: no route (ENETUNREACH...) */
	uint8_t type;   /* RTN_UNICAST, RTN_LOCAL, RTN_BLACKHOLE... */
	bool gateway;   /* RTA_GATEWAY or RTA_VIA present */
	uint8_t gw[16]; /* the gateway, when RTA_GATEWAY gave one */
	uint32_t oif;   /* RTA_OIF, 0 when absent */
};

/* Parses one reply datagram (an RTM_NEWROUTE, or NLMSG_ERROR into kerrno)
 * into *rt (zeroed by the caller). Reads nothing outside buf[0, len): the
 * bytes come from the kernel but are parsed as if hostile
 * (fuzz/fuzz_route.c). False when the reply is not one of the two. */
bool sf_craft_route_parse(const uint8_t *buf, size_t len, int family, struct sf_craft_route *rt);

#endif
