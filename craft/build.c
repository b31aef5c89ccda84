/* craft/build.c: TCP segments over libnet, built once and patched in place (craft/build.h). */
#include "craft/build.h"

#include <libnet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/frame.h"
#include "decode/tcp.h"

/* libnet assembles its protocol blocks into one buffer with this, and only
 * declares it in its internal headers. It is the one way to read back what
 * LIBNET_NONE built; this is synfin's one prototype of it (craft/build.h). */
int libnet_pblock_coalesce(libnet_t *l, uint8_t **packet, uint32_t *size);

#define ETH_HLEN  14
#define IP4_HLEN  20
#define IP6_HLEN  40
#define IP4_DF    0x4000 /* Linux sets Don't Fragment on TCP (path MTU discovery) */
#define TTL_LINUX 64     /* net.ipv4.ip_default_ttl and IPv6's hop limit */

struct sf_builder {
	libnet_t *l;
	enum sf_build_mode mode;
	libnet_ptag_t opt, tcp, ip, eth; /* 0 until built: libnet then makes the block */
	uint8_t ver;                     /* of the IP block built; 0 before the first */
	size_t optlen;                   /* of the options block built */
	uint8_t *frame;                  /* the last coalesced frame, freed by libnet */
	uint32_t framelen;
	uint8_t mac_src[6], mac_dst[6];
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void sf_seg_init(struct sf_seg *s)
{
	memset(s, 0, sizeof(*s));
	s->ver = 4;
	s->wscale = -1;
	s->ttl = TTL_LINUX;
}

struct sf_builder *sf_builder_new(enum sf_build_mode mode, const char *device, char *err,
				  size_t errlen)
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";
	struct sf_builder *b = NULL;
	struct libnet_ether_addr *hw = NULL;

	if (mode != SF_BUILD_BYTES && mode != SF_BUILD_INJECT) {
		say(err, errlen, "unknown builder mode %d", (int)mode);
		return NULL;
	}
	if (mode == SF_BUILD_INJECT && (device == NULL || device[0] == '\0')) {
		say(err, errlen, "injecting needs a device (e.g. lo)");
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	b->mode = mode;
	/* INJECT uses the advanced link mode rather than plain LIBNET_LINK:
	 * libnet_write() assembles and sends in one step and gives us no chance
	 * to set what libnet cannot (the AE and reserved flag bits, below), so
	 * we assemble the frame ourselves and write it with
	 * libnet_adv_write_link(), which only LIBNET_LINK_ADV allows. The frame
	 * on the wire is the one libnet_write() would have sent. */
	b->l = libnet_init(mode == SF_BUILD_BYTES ? LIBNET_NONE : LIBNET_LINK_ADV,
			   mode == SF_BUILD_BYTES ? NULL : device, lerr);
	if (b->l == NULL) {
		say(err, errlen, "libnet cannot open %s: %s",
		    mode == SF_BUILD_BYTES ? "a context" : device, lerr);
		free(b);
		return NULL;
	}
	if (mode == SF_BUILD_INJECT) {
		/* The device's own address as the source; on lo that is all
		 * zero, and lo takes any destination. */
		hw = libnet_get_hwaddr(b->l);
		if (hw != NULL)
			memcpy(b->mac_src, hw->ether_addr_octet, 6);
	}
	return b;
}

void sf_builder_set_link(struct sf_builder *b, const uint8_t src[6], const uint8_t dst[6])
{
	if (src != NULL)
		memcpy(b->mac_src, src, 6);
	if (dst != NULL)
		memcpy(b->mac_dst, dst, 6);
}

static void drop_frame(struct sf_builder *b)
{
	if (b->frame != NULL)
		libnet_adv_free_packet(b->l, b->frame);
	b->frame = NULL;
	b->framelen = 0;
}

void sf_builder_free(struct sf_builder *b)
{
	if (b == NULL)
		return;
	drop_frame(b);
	if (b->l != NULL)
		libnet_destroy(b->l);
	free(b);
}

/* Bytes the options take, laid out as below; may exceed 40. */
static size_t opt_space(const struct sf_seg *s)
{
	size_t n = 0;
	if (s->mss)
		n += 4;
	if (s->ts)
		n += 12; /* SACK-permitted, when set, takes the place of its two NOPs */
	else if (s->sack_ok)
		n += 4;
	if (s->wscale >= 0)
		n += 4;
	if (s->nsack)
		n += 4 + 8 * (size_t)s->nsack;
	return n;
}

static uint8_t *put16(uint8_t *o, uint16_t v)
{
	o[0] = (uint8_t)(v >> 8);
	o[1] = (uint8_t)v;
	return o + 2;
}

static uint8_t *put32(uint8_t *o, uint32_t v)
{
	return put16(put16(o, (uint16_t)(v >> 16)), (uint16_t)v);
}

/* The options as Linux's tcp_options_write() lays them out, so a crafted
 * SYN looks like a kernel's: MSS; then timestamps, preceded by
 * SACK-permitted when both are set and by NOP, NOP otherwise (or
 * SACK-permitted alone as NOP, NOP, SACKOK); then NOP, window scale; then
 * NOP, NOP and the SACK blocks. Every item is 4-byte aligned, so no
 * padding is ever needed. `o` holds opt_space(s) <= 40 bytes. */
static void put_opts(const struct sf_seg *s, uint8_t *o)
{
	if (s->mss) {
		*o++ = SF_TCPOPT_MSS;
		*o++ = 4;
		o = put16(o, s->mss);
	}
	if (s->ts) {
		*o++ = s->sack_ok ? SF_TCPOPT_SACKOK : SF_TCPOPT_NOP;
		*o++ = s->sack_ok ? 2 : SF_TCPOPT_NOP;
		*o++ = SF_TCPOPT_TS;
		*o++ = 10;
		o = put32(put32(o, s->tsval), s->tsecr);
	} else if (s->sack_ok) {
		*o++ = SF_TCPOPT_NOP;
		*o++ = SF_TCPOPT_NOP;
		*o++ = SF_TCPOPT_SACKOK;
		*o++ = 2;
	}
	if (s->wscale >= 0) {
		*o++ = SF_TCPOPT_NOP;
		*o++ = SF_TCPOPT_WS;
		*o++ = 3;
		*o++ = (uint8_t)s->wscale;
	}
	if (s->nsack) {
		*o++ = SF_TCPOPT_NOP;
		*o++ = SF_TCPOPT_NOP;
		*o++ = SF_TCPOPT_SACK;
		*o++ = (uint8_t)(2 + 8 * s->nsack);
		for (unsigned i = 0; i < s->nsack; i++)
			o = put32(put32(o, s->sack[i][0]), s->sack[i][1]);
	}
}

static bool check_seg(const struct sf_seg *s, size_t optlen, char *err, size_t errlen)
{
	size_t max = s->ver == 4 ? 65535 - IP4_HLEN : 65535;

	if (s->ver != 4 && s->ver != 6) {
		say(err, errlen, "IP version %u: only 4 and 6 exist", s->ver);
		return false;
	}
	if (s->flags & ~0x0fffu) {
		say(err, errlen, "flags 0x%x: TCP has 12 flag bits (0xfff)", s->flags);
		return false;
	}
	if (s->wscale < -1 || s->wscale > 14) {
		say(err, errlen, "window scale %d: 0 to 14, or -1 for none", s->wscale);
		return false;
	}
	if (s->nsack > SF_SEG_SACK_MAX) {
		say(err, errlen, "%u SACK blocks: at most %d", s->nsack, SF_SEG_SACK_MAX);
		return false;
	}
	if (optlen > SF_TCP_OPT_MAX) {
		say(err, errlen, "the options need %zu bytes, over the %d a TCP header holds",
		    optlen, SF_TCP_OPT_MAX);
		return false;
	}
	if (s->len > 0 && s->data == NULL) {
		say(err, errlen, "%zu payload bytes but no data", s->len);
		return false;
	}
	if (s->len > max - SF_TCP_HDR_MIN - optlen) {
		say(err, errlen, "%zu payload bytes do not fit one IPv%u datagram", s->len, s->ver);
		return false;
	}
	return true;
}

/* libnet_build_tcp() takes the flags as one byte; the AE bit (RFC 9768,
 * formerly NS) and the three reserved bits live in the low nibble of byte
 * 12 beside the data offset, so they are set here in the assembled header
 * and the checksum is mended incrementally (RFC 1624, eqn. 3). */
static void patch_high_flags(uint8_t *tcp, uint16_t flags)
{
	uint16_t old = (uint16_t)(tcp[12] << 8 | tcp[13]);
	uint16_t new = (uint16_t)((old & 0xf0ffu) | (flags & 0x0f00u));
	uint32_t sum = (uint16_t) ~(tcp[16] << 8 | tcp[17]);

	sum += (uint16_t)~old;
	sum += new;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	tcp[12] = (uint8_t)(new >> 8);
	(void)put16(tcp + 16, (uint16_t)~sum);
}

/* libnet 1.1.6 adds the pseudo-header's protocol and length as one 16-bit
 * value, ntohs(IPPROTO_TCP + len): past 65529 bytes of TCP, possible only
 * in IPv6, the sum wraps and the checksum is wrong. Those few sizes are
 * summed here instead (with the decoder's sf_tcp_checksum(), which sums
 * the protocol and the 32-bit length apart, as RFC 8200 8.1 has them).
 * libnet's IPv4 sums and its IPv6 ones below that size are right, and
 * tests/test_craft_build.c checks every one with its own RFC 1071 code. */
static void ipv6_checksum(const struct sf_seg *s, uint8_t *tcp, size_t tcplen)
{
	struct sf_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.ver = 6;
	memcpy(ip.src, s->src, 16);
	memcpy(ip.dst, s->dst, 16);
	tcp[16] = tcp[17] = 0;
	(void)put16(tcp + 16, sf_tcp_checksum(&ip, tcp, tcplen));
}

/* Rebuilds from scratch: the next calls make every block anew, innermost
 * first, as libnet requires. */
static void reset_blocks(struct sf_builder *b)
{
	libnet_clear_packet(b->l);
	b->opt = b->tcp = b->ip = b->eth = 0;
}

int sf_builder_build(struct sf_builder *b, const struct sf_seg *s, const uint8_t **pkt, size_t *len,
		     char *err, size_t errlen)
{
	uint8_t opts[SF_TCP_OPT_MAX];
	size_t optlen = opt_space(s), tcplen = 0, link = b->mode == SF_BUILD_INJECT ? ETH_HLEN : 0;
	uint8_t ttl = s->ttl ? s->ttl : TTL_LINUX;
	uint8_t *tcp = NULL;
	const char *what = NULL;

	if (!check_seg(s, optlen, err, errlen))
		return -1;
	tcplen = SF_TCP_HDR_MIN + optlen + s->len;
	put_opts(s, opts);
	drop_frame(b);

	/* Patching in place keeps every block where it is, which libnet 1.1.6
	 * cannot do for the options block. One first made when the TCP block
	 * exists already (a segment without options, then one with) is
	 * appended behind the IP header: the frame starts with the options, the data offset and the
	 * checksum stale. A resized one comes out right in Debian's 1.1.6, but
	 * only because the TCP and IP blocks are rebuilt after it:
	 * libnet_build_tcp_options() itself adds to an IPv4 length in network
	 * order with host arithmetic (a carry out of the low byte is lost) and
	 * leaves an IPv6 one alone. So whenever the options' size changes, or
	 * the IP version (the IP block's type), the context is cleared and
	 * every block rebuilt in order: rare within a conversation (SYN to
	 * ACK, SACK blocks coming and going), and cheap. */
	if (b->ver != s->ver || b->optlen != optlen)
		reset_blocks(b);
	b->ver = s->ver;
	b->optlen = optlen;

	if (optlen > 0) {
		b->opt = libnet_build_tcp_options(opts, (uint32_t)optlen, b->l, b->opt);
		if (b->opt == -1) {
			what = "libnet_build_tcp_options";
			goto fail;
		}
	}
	/* sum 0: libnet computes the checksum over the real pseudo-header. */
	b->tcp = libnet_build_tcp(s->sport, s->dport, s->seq, s->ack, (uint8_t)(s->flags & 0xff),
				  s->win, 0, s->urp, (uint16_t)tcplen, s->len ? s->data : NULL,
				  (uint32_t)s->len, b->l, b->tcp);
	if (b->tcp == -1) {
		what = "libnet_build_tcp";
		goto fail;
	}
	if (s->ver == 4) {
		uint32_t src = 0, dst = 0;
		memcpy(&src, s->src, 4); /* both already in network order */
		memcpy(&dst, s->dst, 4);
		b->ip = libnet_build_ipv4((uint16_t)(IP4_HLEN + tcplen), 0, s->ipid, IP4_DF, ttl,
					  IPPROTO_TCP, 0, src, dst, NULL, 0, b->l, b->ip);
	} else {
		struct libnet_in6_addr src, dst;
		memcpy(&src, s->src, 16);
		memcpy(&dst, s->dst, 16);
		b->ip = libnet_build_ipv6(0, 0, (uint16_t)tcplen, IPPROTO_TCP, ttl, src, dst, NULL,
					  0, b->l, b->ip);
	}
	if (b->ip == -1) {
		what = s->ver == 4 ? "libnet_build_ipv4" : "libnet_build_ipv6";
		goto fail;
	}
	if (b->mode == SF_BUILD_INJECT) {
		b->eth = libnet_build_ethernet(b->mac_dst, b->mac_src,
					       s->ver == 4 ? ETHERTYPE_IP : ETHERTYPE_IPV6, NULL, 0,
					       b->l, b->eth);
		if (b->eth == -1) {
			what = "libnet_build_ethernet";
			goto fail;
		}
	}
	if (libnet_pblock_coalesce(b->l, &b->frame, &b->framelen) == -1) {
		b->frame = NULL;
		what = "assembling the segment";
		goto fail;
	}
	if (b->framelen != link + (s->ver == 4 ? IP4_HLEN : IP6_HLEN) + tcplen) {
		say(err, errlen, "libnet assembled %u bytes, %zu expected", b->framelen,
		    link + (s->ver == 4 ? IP4_HLEN : IP6_HLEN) + tcplen);
		drop_frame(b);
		reset_blocks(b);
		b->ver = 0;
		return -1;
	}
	tcp = b->frame + link + (s->ver == 4 ? IP4_HLEN : IP6_HLEN);
	if (s->flags & 0x0f00u)
		patch_high_flags(tcp, s->flags);
	if (s->ver == 6 && tcplen > 0xffff - IPPROTO_TCP)
		ipv6_checksum(s, tcp, tcplen);
	if (pkt != NULL)
		*pkt = b->frame + link;
	if (len != NULL)
		*len = b->framelen - link;
	return 0;
fail:
	say(err, errlen, "%s: %s", what, libnet_geterror(b->l));
	/* A failed build may leave half a chain; start clean next time. */
	reset_blocks(b);
	b->ver = 0;
	return -1;
}

int sf_builder_send(struct sf_builder *b, const struct sf_seg *s, char *err, size_t errlen)
{
	int n = 0;

	if (sf_builder_build(b, s, NULL, NULL, err, errlen) != 0)
		return -1;
	if (b->mode != SF_BUILD_INJECT)
		return 0;
	n = libnet_adv_write_link(b->l, b->frame, b->framelen);
	if (n < 0 || (uint32_t)n != b->framelen) {
		say(err, errlen, "writing to %s: %s", libnet_getdevice(b->l),
		    n < 0 ? libnet_geterror(b->l) : "short write");
		return -1;
	}
	return 0;
}
