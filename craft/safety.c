/* craft/safety.c: the destination check every crafter mode makes first (rule in safety.h). */
#include "craft/safety.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "decode/rd.h"

/* --- the kernel's answer -----------------------------------------------------
 *
 * One netlink message in host byte order: struct nlmsghdr (16 bytes: u32
 * len, u16 type, u16 flags, u32 seq, u32 pid), then for RTM_NEWROUTE a
 * struct rtmsg (12 bytes: family, dst_len, src_len, tos, table, protocol,
 * scope, type, u32 flags) and its attributes (u16 len incl. the 4-byte
 * header, u16 type, payload, padded to 4); for NLMSG_ERROR an int, 0 or a
 * negative errno. Read through decode/rd.h like every other byte we did not
 * write ourselves. */
enum {
	NLH_LEN = 16,
	RTM_LEN = 12,
	RTA_HDR = 4,
	RTM_TYPE_OFF = 7, /* rtm_type within struct rtmsg */
	REPLY_MAX = 4096, /* one route and its few attributes */
};
_Static_assert(sizeof(struct nlmsghdr) == NLH_LEN, "nlmsghdr");
_Static_assert(sizeof(struct rtmsg) == RTM_LEN, "rtmsg");
_Static_assert(offsetof(struct rtmsg, rtm_type) == RTM_TYPE_OFF, "rtmsg.rtm_type");

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

/* What the route lookup found. */

__attribute__((format(printf, 3, 4))) static void say(char *why, size_t whylen, const char *fmt,
						      ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* Netlink speaks the machine's byte order. */
static bool rd_h16(struct sf_rd *r, uint16_t *v)
{
	return sf_rd_copy(r, (uint8_t *)v, sizeof(*v));
}

static bool rd_h32(struct sf_rd *r, uint32_t *v)
{
	return sf_rd_copy(r, (uint8_t *)v, sizeof(*v));
}

bool sf_craft_addr_is_loopback(uint8_t ver, const uint8_t addr[16])
{
	static const uint8_t v6_loop[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (ver == 4)
		return addr[0] == 127;
	if (ver != 6)
		return false;
	if (memcmp(addr, v6_loop, 16) == 0)
		return true;
	return memcmp(addr, v4_mapped, 12) == 0 && addr[12] == 127;
}

/* The route message's attributes: the gateway (RTA_GATEWAY, or RTA_VIA for
 * a route through a gateway of the other family) and the interface. */
static bool route_attrs(struct sf_rd *a, int family, struct sf_craft_route *rt)
{
	while (sf_rd_left(a) >= RTA_HDR) {
		uint16_t alen = 0, type = 0;
		struct sf_rd pay;
		(void)rd_h16(a, &alen);
		(void)rd_h16(a, &type);
		if (alen < RTA_HDR || !sf_rd_sub(a, alen - RTA_HDR, &pay))
			return false;
		(void)sf_rd_skip(a, ALIGN4(alen) - alen <= sf_rd_left(a) ? ALIGN4(alen) - alen
									 : sf_rd_left(a));
		switch (type & NLA_TYPE_MASK) {
		case RTA_GATEWAY:
			rt->gateway = true;
			(void)sf_rd_copy(&pay, rt->gw, family == AF_INET ? 4 : 16);
			break;
		case RTA_VIA: rt->gateway = true; break;
		case RTA_OIF: (void)rd_h32(&pay, &rt->oif); break;
		default: break;
		}
	}
	return true;
}

bool sf_craft_route_parse(const uint8_t *buf, size_t len, int family, struct sf_craft_route *rt)
{
	struct sf_rd r = sf_rd_make(buf, len), m;
	uint32_t mlen = 0;
	uint16_t type = 0;
	uint8_t rtm_type = 0;

	if (!rd_h32(&r, &mlen) || !rd_h16(&r, &type) || mlen < NLH_LEN || mlen > len)
		return false;
	r.off = NLH_LEN;
	if (!sf_rd_sub(&r, mlen - NLH_LEN, &m))
		return false;
	if (type == NLMSG_ERROR) {
		int32_t e = 0;
		if (!sf_rd_copy(&m, (uint8_t *)&e, sizeof(e)))
			return false;
		/* -4095..-1 is an errno; anything else (INT32_MIN too) is not. */
		rt->kerrno = e < 0 && e > -4096 ? -e : EPROTO;
		return true;
	}
	if (type != RTM_NEWROUTE || !sf_rd_skip(&m, RTM_TYPE_OFF) || !sf_rd_u8(&m, &rtm_type) ||
	    !sf_rd_skip(&m, RTM_LEN - RTM_TYPE_OFF - 1))
		return false;
	rt->type = rtm_type;
	return route_attrs(&m, family, rt);
}

/* Asks the kernel for its route to addr, as `ip route get` does. False with
 * why set when the question itself could not be asked. */
static bool route_get(int family, const uint8_t *addr, struct sf_craft_route *rt, char *why,
		      size_t whylen)
{
	struct {
		struct nlmsghdr n;
		struct rtmsg r;
		struct rtattr a;
		uint8_t dst[16];
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t buf[REPLY_MAX];
	size_t alen = family == AF_INET ? 4 : 16;
	ssize_t n = 0;
	bool ok = false;
	int fd = -1;

	memset(rt, 0, sizeof(*rt));
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(req.r)) + RTA_LENGTH(alen));
	req.n.nlmsg_type = RTM_GETROUTE;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = 1;
	req.r.rtm_family = (uint8_t)family;
	req.r.rtm_dst_len = (uint8_t)(alen * 8);
	req.a.rta_len = (uint16_t)RTA_LENGTH(alen);
	req.a.rta_type = RTA_DST;
	memcpy(req.dst, addr, alen);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		say(why, whylen, "cannot open an rtnetlink socket: %s", strerror(errno));
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		say(why, whylen, "cannot ask the kernel for a route: %s", strerror(errno));
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		say(why, whylen, "no answer from the kernel to a route lookup: %s",
		    strerror(errno));
		goto out;
	}
	if (!sf_craft_route_parse(buf, (size_t)n, family, rt)) {
		say(why, whylen, "the kernel's answer to a route lookup is malformed");
		goto out;
	}
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Whether this process runs in a network namespace other than PID 1's. *known
 * is false when that cannot be read (no privilege), which counts as "no". */
static bool in_child_netns(bool *known, char *why, size_t whylen)
{
	char self[64] = "", init[64] = "";
	ssize_t a = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
	ssize_t b = readlink("/proc/1/ns/net", init, sizeof(init) - 1);

	*known = a > 0 && b > 0;
	if (!*known) {
		say(why, whylen, "%s", strerror(errno));
		return false;
	}
	self[a] = '\0';
	init[b] = '\0';
	return strcmp(self, init) != 0;
}

static bool iface_is_loopback(uint32_t oif, char name[IF_NAMESIZE])
{
	struct ifreq ifr;
	bool loop = false;
	int fd = -1;

	if (if_indextoname(oif, name) == NULL) {
		snprintf(name, IF_NAMESIZE, "#%u", (unsigned)oif);
		return false;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strnlen(name, IF_NAMESIZE - 1));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		loop = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
	if (fd >= 0)
		close(fd);
	return loop;
}

static const char *route_type_name(uint8_t t)
{
	switch (t) {
	case RTN_LOCAL: return "local (an address of this host)";
	case RTN_BROADCAST: return "broadcast";
	case RTN_ANYCAST: return "anycast";
	case RTN_MULTICAST: return "multicast";
	case RTN_BLACKHOLE: return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	case RTN_PROHIBIT: return "prohibit";
	default: return "not unicast";
	}
}

/* Rule 2 for a non-loopback address: true when it passes; otherwise why
 * says which part failed, in a clause that follows the address. */
static bool netns_onlink(uint8_t ver, const uint8_t addr[16], char *why, size_t whylen)
{
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };
	char detail[128] = "", ifname[IF_NAMESIZE] = "", gw[INET6_ADDRSTRLEN] = "";
	int family = ver == 4 ? AF_INET : AF_INET6;
	const uint8_t *a = addr;
	struct sf_craft_route rt;
	bool known = false;

	if (!in_child_netns(&known, detail, sizeof(detail))) {
		if (known)
			say(why, whylen,
			    "is not a loopback address and this is the initial network "
			    "namespace");
		else
			say(why, whylen,
			    "is not a loopback address and whether this is a network namespace of "
			    "its "
			    "own cannot be told (/proc/1/ns/net: %s)",
			    detail);
		return false;
	}
	if (ver == 6 && memcmp(addr, v4_mapped, 12) == 0) { /* the kernel routes it as IPv4 */
		family = AF_INET;
		a = addr + 12;
	}
	if (!route_get(family, a, &rt, detail, sizeof(detail))) {
		say(why, whylen, "could not be looked up in the routing table (%s)", detail);
		return false;
	}
	if (rt.kerrno != 0) {
		say(why, whylen, "has no route in this network namespace (%s)",
		    strerror(rt.kerrno));
		return false;
	}
	if (rt.type != RTN_UNICAST) {
		say(why, whylen, "is routed as %s, not to a directly connected host",
		    route_type_name(rt.type));
		return false;
	}
	if (rt.gateway) {
		if (inet_ntop(family, rt.gw, gw, sizeof(gw)) == NULL || rt.gw[0] == 0)
			snprintf(gw, sizeof(gw), "a gateway");
		say(why, whylen, "is reached through %s, not directly connected", gw);
		return false;
	}
	if (rt.oif == 0 || iface_is_loopback(rt.oif, ifname)) {
		say(why, whylen,
		    "is routed to a loopback interface (%s) but is not a loopback "
		    "address",
		    rt.oif ? ifname : "none named");
		return false;
	}
	say(why, whylen, "is directly connected (on %s, no gateway) inside a network namespace",
	    ifname);
	return true;
}

bool sf_craft_dest_allowed(uint8_t ver, const uint8_t addr[16], bool allow_remote, char *why,
			   size_t whylen)
{
	char name[INET6_ADDRSTRLEN] = "?", clause[256] = "";

	if (ver != 4 && ver != 6) {
		say(why, whylen, "IP version %u is neither 4 nor 6", (unsigned)ver);
		return false;
	}
	if (inet_ntop(ver == 4 ? AF_INET : AF_INET6, addr, name, sizeof(name)) == NULL)
		snprintf(name, sizeof(name), "?");
	if (sf_craft_addr_is_loopback(ver, addr)) {
		say(why, whylen, "%s is a loopback address", name);
		return true;
	}
	if (netns_onlink(ver, addr, clause, sizeof(clause))) {
		say(why, whylen, "%s %s", name, clause);
		return true;
	}
	if (allow_remote) {
		say(why, whylen, "%s %s; allowed by --allow-remote", name, clause);
		return true;
	}
	say(why, whylen, "%s %s: sending to it needs --allow-remote", name, clause);
	return false;
}
