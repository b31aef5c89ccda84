/* decode/link.h: from link-layer frame to the start of the IP header.
 *
 * Supported DLTs: EN10MB (802.1Q/802.1ad tags, LLC/SNAP, PPPoE sessions,
 * MPLS stacks), NULL and LOOP (BSD loopback, every BSD's and macOS's AF
 * values), RAW, IPV4, IPV6, LINUX_SLL, LINUX_SLL2, PPP, FDDI, ARCNET_LINUX,
 * IPOIB and NFLOG. sf_link_supported() says which.
 */
#ifndef SF_DECODE_LINK_H
#define SF_DECODE_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode/dec.h"

/* DLT values as libpcap's pcap_datalink() returns them on Linux; the link
 * decoder also accepts the on-disk LINKTYPE_ numbers where they differ. */
enum {
	SF_DLT_NULL = 0,
	SF_DLT_EN10MB = 1,
	SF_DLT_PPP = 9,
	SF_DLT_RAW = 12, /* Linux, and most systems */
	SF_DLT_RAW_OPENBSD = 14,
	SF_DLT_PPP_SERIAL = 50,
	SF_DLT_LINKTYPE_RAW = 101,
	SF_DLT_LOOP = 108,
	SF_DLT_LINUX_SLL = 113,
	SF_DLT_IPV4 = 228,
	SF_DLT_IPV6 = 229,
	SF_DLT_LINUX_SLL2 = 276,
	SF_DLT_FDDI = 10,
	SF_DLT_ARCNET_LINUX = 129,
	SF_DLT_NFLOG = 239,
	SF_DLT_IPOIB = 242,
};

enum sf_net {
	SF_NET_OTHER = 0, /* not IP: ARP, LLDP, an unknown AF... */
	SF_NET_IPV4,
	SF_NET_IPV6,
	SF_NET_IP, /* raw IP: the version nibble decides */
};

struct sf_link {
	enum sf_net net;
	size_t l3_off;      /* where the network header starts */
	bool l3_bounded;    /* the link layer gives the network packet's length */
	size_t l3_len;      /* that length, when l3_bounded (PPPoE) */
	uint16_t ethertype; /* last ethertype (or AF / SLL protocol) seen */
	uint8_t nvlan;
	uint16_t vlan[SF_VLAN_MAX]; /* VLAN IDs, outermost first */
};

bool sf_link_supported(int dlt);
/* A name for a DLT, e.g. "EN10MB"; "unknown" for others. */
const char *sf_link_name(int dlt);

/* caplen: bytes captured; wirelen: bytes on the wire. */
SF_NODISCARD enum sf_dec_rc sf_dec_link(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
					struct sf_link *out, enum sf_why *why);

#endif
