/* decode/dec.h: what every parser returns, and why it failed.
 *
 * A parser says OK, TRUNCATED (the capture ended early: snaplen, a cut
 * record) or MALFORMED (the bytes that are present are impossible), and names
 * the reason. Oddities that do not stop decoding are anomaly bits instead.
 */
#ifndef SF_DECODE_DEC_H
#define SF_DECODE_DEC_H

#include <stdint.h>

#if defined(__GNUC__)
#define SF_NODISCARD __attribute__((warn_unused_result))
#else
#define SF_NODISCARD
#endif

enum sf_dec_rc { SF_DEC_OK = 0, SF_DEC_TRUNCATED, SF_DEC_MALFORMED, SF_DEC_RC_COUNT };

enum sf_why {
	SF_WHY_NONE = 0,
	SF_WHY_LINK_HDR,    /* link-layer header cut short */
	SF_WHY_LINK_VLAN,   /* more VLAN tags or MPLS labels than real networks stack */
	SF_WHY_IP_VERSION,  /* version nibble disagrees with the link's type */
	SF_WHY_IP4_HDR,     /* fewer than IHL*4 bytes */
	SF_WHY_IP4_IHL,     /* IHL below 5 */
	SF_WHY_IP4_TOTLEN,  /* total length below the header length */
	SF_WHY_IP6_HDR,     /* fewer than 40 bytes */
	SF_WHY_IP6_EXT,     /* an extension header cut short */
	SF_WHY_IP6_EXT_LEN, /* an extension header longer than the payload */
	SF_WHY_IP6_CHAIN,   /* more extension headers than we follow */
	SF_WHY_TCP_HDR,     /* fewer than 20 bytes of TCP captured */
	SF_WHY_TCP_SHORT,   /* the segment itself is under 20 bytes */
	SF_WHY_TCP_DOFF,    /* data offset below 5 or past the segment */
	SF_WHY_TCP_OPTS,    /* options cut short by the snaplen */
	SF_WHY_TCP_FRAG,    /* the header continues in the next IP fragment */
	SF_WHY_COUNT
};

const char *sf_dec_rc_name(enum sf_dec_rc rc);
/* One human line, e.g. "TCP data offset below 5 or past the segment". */
const char *sf_dec_strerror(enum sf_why why);
/* A short stable token for machines, e.g. "tcp_doff". */
const char *sf_dec_why_name(enum sf_why why);

/* Anomalies: decoding went on, but something is odd. One bit each. */
enum sf_anom {
	SF_ANOM_ACK_NO_FLAG = 1u << 0,   /* ack field non-zero, ACK flag clear */
	SF_ANOM_URP_NO_FLAG = 1u << 1,   /* urgent pointer non-zero, URG clear */
	SF_ANOM_RESERVED = 1u << 2,      /* reserved header bits set */
	SF_ANOM_SYN_FIN = 1u << 3,       /* SYN and FIN together */
	SF_ANOM_SYN_RST = 1u << 4,       /* SYN and RST together */
	SF_ANOM_NO_FLAGS = 1u << 5,      /* no flag at all ("null" scan) */
	SF_ANOM_OPT_LEN = 1u << 6,       /* option length < 2 or past the header: list cut */
	SF_ANOM_OPT_SIZE = 1u << 7,      /* MSS/WS/SACKOK/TS/SACK of the wrong size */
	SF_ANOM_OPT_AFTER_EOL = 1u << 8, /* non-zero bytes after End of Option List */
	SF_ANOM_OPT_DUP = 1u << 9,       /* the same option twice */
	SF_ANOM_IP_PAST_WIRE = 1u << 10, /* IP length says more than the frame holds */
	SF_ANOM_IP_TSO = 1u << 11,       /* IPv4 total length 0: segmentation offload */
	SF_ANOM_IP6_JUMBO = 1u << 12,    /* IPv6 jumbogram (payload length 0 + option) */
	SF_ANOM_WS_BIG = 1u << 13,       /* window scale shift above 14 (RFC 7323) */
};
#define SF_ANOM_BITS 14

/* Name of one anomaly bit, e.g. "opt_len"; "?" for an unknown bit. */
const char *sf_anom_name(uint32_t bit);

#endif
