/* decode/frame.h: one captured frame, from link layer to TCP, in one call.
 *
 * This is the pipeline's normalised view of a packet (p0f's packet_data):
 * everything after it reads `struct sf_frame`, never bytes. It points into
 * nothing and allocates nothing; the caller owns the storage.
 */
#ifndef SF_DECODE_FRAME_H
#define SF_DECODE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode/dec.h"
#include "decode/ip.h"
#include "decode/link.h"
#include "decode/tcp.h"

enum sf_frame_kind {
	SF_FRAME_TCP = 0,  /* tcp.fixed_ok: a TCP header to show (rc may still be bad) */
	SF_FRAME_NOT_IP,   /* ARP, LLDP, an unknown family... */
	SF_FRAME_NOT_TCP,  /* IP carrying UDP, ICMP... */
	SF_FRAME_FRAGMENT, /* a later IP fragment: no TCP header in it */
	SF_FRAME_TUNNEL,   /* a tunnel we do not open (L2TP, Teredo...) or without TCP */
	SF_FRAME_LINK_UNSUPPORTED,
	SF_FRAME_BROKEN, /* a layer failed before a TCP header was read */
	SF_FRAME_KIND_COUNT
};

enum sf_csum {
	SF_CSUM_UNVERIFIED = 0, /* payload not fully captured, or a fragment */
	SF_CSUM_GOOD,
	SF_CSUM_BAD,
	SF_CSUM_PARTIAL, /* transmit offload: only the pseudo-header sum */
	SF_CSUM_COUNT
};

/* The outermost tunnel a segment arrived in. */
enum sf_tunnel {
	SF_TUNNEL_NONE = 0,
	SF_TUNNEL_IPIP, /* IPv4/IPv6 in IPv4/IPv6 (protocols 4, 41) */
	SF_TUNNEL_GRE,
	SF_TUNNEL_ERSPAN,
	SF_TUNNEL_VXLAN,
	SF_TUNNEL_GENEVE,
	SF_TUNNEL_GTP,
	SF_TUNNEL_OTHER, /* recognised (L2TP, AYIYA, Teredo...), not opened */
	SF_TUNNEL_COUNT
};

enum sf_layer { SF_LAYER_LINK = 0, SF_LAYER_IP, SF_LAYER_TCP, SF_LAYER_COUNT };

struct sf_frame {
	enum sf_frame_kind kind;
	enum sf_dec_rc rc; /* of the deepest layer decoded */
	enum sf_why why;
	enum sf_layer layer; /* where rc was decided */
	struct sf_link link;
	struct sf_ip ip;       /* the IP header carrying the TCP segment */
	enum sf_tunnel tunnel; /* SF_TUNNEL_NONE unless the segment was tunnelled */
	struct sf_ip outer;    /* the outermost IP header, when tunnelled */
	struct sf_tcp tcp;
	size_t l4_off; /* where the TCP header starts in the frame */
	enum sf_csum csum;
	uint16_t csum_calc; /* the correct checksum, when csum is BAD or PARTIAL */
};

/* Decodes one frame captured on link type `dlt`. Returns out->rc. */
enum sf_dec_rc sf_dec_frame(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			    struct sf_frame *out);

/* The same, leaving csum UNVERIFIED: for callers that never look at it
 * (counting), since summing every byte is a third of a decode. */
enum sf_dec_rc sf_dec_frame_nocsum(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
				   struct sf_frame *out);

const char *sf_frame_kind_name(enum sf_frame_kind k);
const char *sf_csum_name(enum sf_csum c);
const char *sf_tunnel_name(enum sf_tunnel t);
const char *sf_layer_name(enum sf_layer l);

/* Internet checksum of an IPv4/IPv6 pseudo-header plus `seg`, as verified by
 * the receiver. Exposed for the crafter and the tests. */
uint16_t sf_tcp_checksum(const struct sf_ip *ip, const uint8_t *seg, size_t seglen);

#endif
