/* craft/build.h: TCP segments built with libnet, for IPv4 and IPv6.
 *
 * A builder owns one libnet context and the ptags of its headers: the first
 * segment builds the TCP options, TCP and IP headers, every later one
 * patches them in place (libnet's ptag reuse), so a flood or a conversation
 * costs no allocation per segment. Checksums are libnet's, over the real
 * pseudo-header; the tests verify them with their own RFC 1071 code.
 * (Two cases are mended in craft/build.c: the AE and reserved flag bits,
 * which libnet's one-byte flags cannot carry, and IPv6 segments over 65529
 * bytes, where libnet 1.1.6's pseudo-header sum wraps.)
 *
 * Two modes. SF_BUILD_BYTES needs no privilege: libnet runs with
 * LIBNET_NONE and the finished bytes (IP header onward) are read back with
 * libnet_pblock_coalesce, which libnet marks internal; craft/build.c is the
 * one place that calls it. SF_BUILD_INJECT opens libnet on a link-layer
 * device (LIBNET_LINK: an Ethernet header with the device's addresses, on lo
 * all zero, is added) and writes each segment there; on lo the kernel then
 * receives it as if it had come in, for IPv4 and IPv6 alike.
 * (As if from outside, IPv4 included: Linux drops as martian an IPv4
 * datagram arriving on lo for 127/8 unless net.ipv4.conf.lo.route_localnet
 * is 1, or from one of the host's own addresses unless
 * net.ipv4.conf.lo.accept_local is 1; /proc/net/stat/rt_cache counts them
 * as in_martian_dst and in_martian_src. IPv6 to ::1 is delivered.)
 */
#ifndef SF_CRAFT_BUILD_H
#define SF_CRAFT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/dec.h"

#define SF_SEG_SACK_MAX 4

/* One segment: every field a TCP header has, the options synfin crafts, and
 * the IP fields that matter. Addresses in network order, IPv4 in the first
 * 4 bytes. Flags are decode/tcp.h's SF_TH_* bits (any combination). */
struct sf_seg {
	uint8_t ver; /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags;
	uint16_t win;
	uint16_t urp;
	uint8_t ttl;   /* 0: 64 (IPv6 hop limit too) */
	uint16_t ipid; /* IPv4 identification */
	/* Options, in the order Linux writes them in a SYN: MSS, SACK-permitted,
	 * timestamps, NOP, window scale; on other segments NOP, NOP, timestamps
	 * then SACK blocks. Absent unless set. */
	uint16_t mss;  /* 0: none */
	int8_t wscale; /* -1: none, else 0..14 */
	bool sack_ok;  /* SACK-permitted */
	bool ts;       /* timestamps: tsval, tsecr */
	uint32_t tsval, tsecr;
	uint8_t nsack; /* SACK blocks (left, right edges) */
	uint32_t sack[SF_SEG_SACK_MAX][2];
	const uint8_t *data;
	size_t len;
};

/* A segment with nothing set: IPv4, no options (wscale -1), ttl 64. */
void sf_seg_init(struct sf_seg *s);

enum sf_build_mode { SF_BUILD_BYTES = 0, SF_BUILD_INJECT };

struct sf_builder;

/* A builder; `device` is the interface for SF_BUILD_INJECT ("lo"), unused
 * for bytes. NULL with err set on failure (e.g. no privilege to inject). */
SF_NODISCARD struct sf_builder *sf_builder_new(enum sf_build_mode mode, const char *device,
					       char *err, size_t errlen);
void sf_builder_free(struct sf_builder *b);

/* SF_BUILD_INJECT: the Ethernet addresses of the frames (NULL keeps one).
 * By default the source is the device's own address and the destination
 * all zero, which is right for lo; on another link the peer's address must
 * be given, or its kernel drops the frame as not addressed to it. */
void sf_builder_set_link(struct sf_builder *b, const uint8_t src[6], const uint8_t dst[6]);

/* Builds (or patches) the segment. In SF_BUILD_BYTES mode *pkt and *len are the
 * IP datagram, valid until the next call; in SF_BUILD_INJECT mode pkt may be
 * NULL and the frame is not returned. 0, or -1 with err (bad field, option
 * space over 40 bytes, libnet's complaint).
 * (Given a pkt in SF_BUILD_INJECT mode, it is pointed at the IP datagram of
 * the frame that sf_builder_send() would write, e.g. to show it.) */
SF_NODISCARD int sf_builder_build(struct sf_builder *b, const struct sf_seg *s, const uint8_t **pkt,
				  size_t *len, char *err, size_t errlen);

/* Builds and, in SF_BUILD_INJECT mode, writes it to the device. */
SF_NODISCARD int sf_builder_send(struct sf_builder *b, const struct sf_seg *s, char *err,
				 size_t errlen);

#endif
