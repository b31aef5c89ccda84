/* decode/tcp.h: the TCP header (RFC 9293 section 3.1) and its options.
 *
 * A segment whose fixed 20 bytes were read has `fixed_ok` set even when the
 * result is TRUNCATED (options cut by the snaplen) or MALFORMED (impossible
 * data offset): the ports, numbers and flags are still facts worth showing.
 */
#ifndef SF_DECODE_TCP_H
#define SF_DECODE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/dec.h"

#define SF_TCP_HDR_MIN    20
#define SF_TCP_HDR_MAX    60
#define SF_TCP_OPT_MAX    40 /* 40 option bytes hold at most 40 options */
#define SF_TCP_SACK_MAX   4
#define SF_TCP_COOKIE_MAX 16

/* The 12 flag bits of bytes 12-13 below the data offset. */
enum {
	SF_TH_FIN = 0x001,
	SF_TH_SYN = 0x002,
	SF_TH_RST = 0x004,
	SF_TH_PSH = 0x008,
	SF_TH_ACK = 0x010,
	SF_TH_URG = 0x020,
	SF_TH_ECE = 0x040,
	SF_TH_CWR = 0x080,
	SF_TH_AE = 0x100, /* AccECN (RFC 9768), formerly NS (RFC 3540) */
	SF_TH_RESERVED = 0xe00,
};

enum {
	SF_TCPOPT_EOL = 0,
	SF_TCPOPT_NOP = 1,
	SF_TCPOPT_MSS = 2,
	SF_TCPOPT_WS = 3,
	SF_TCPOPT_SACKOK = 4,
	SF_TCPOPT_SACK = 5,
	SF_TCPOPT_TS = 8,
	SF_TCPOPT_MD5 = 19,
	SF_TCPOPT_AO = 29,
	SF_TCPOPT_MPTCP = 30,
	SF_TCPOPT_TFO = 34,
	SF_TCPOPT_EXP1 = 253,
	SF_TCPOPT_EXP2 = 254,
};

/* Which parsed option values below are present. */
enum {
	SF_TCP_HAS_MSS = 1u << 0,
	SF_TCP_HAS_WS = 1u << 1,
	SF_TCP_HAS_SACKOK = 1u << 2,
	SF_TCP_HAS_SACK = 1u << 3,
	SF_TCP_HAS_TS = 1u << 4,
	SF_TCP_HAS_MD5 = 1u << 5,
	SF_TCP_HAS_AO = 1u << 6,
	SF_TCP_HAS_MPTCP = 1u << 7,
	SF_TCP_HAS_TFO = 1u << 8, /* kind 34, or kind 254 with ExID 0xF989 */
};

/* Per-option flags. */
enum {
	SF_OPT_CUT = 1u << 0,  /* the capture ended inside this option: no value read */
	SF_OPT_BAD = 1u << 1,  /* its length is < 2 or runs past the header: list ends */
	SF_OPT_SIZE = 1u << 2, /* a known kind of the wrong size: no value read */
	SF_OPT_TFO = 1u << 3,  /* kind 34, or 253/254 carrying TFO's ExID 0xF989 */
};

struct sf_tcp_opt {
	uint8_t kind;
	uint8_t len;   /* on the wire; 1 for EOL and NOP */
	uint8_t off;   /* from the start of the TCP header */
	uint8_t flags; /* SF_OPT_* */
	uint32_t v1;   /* this instance's value: MSS, shift, TSval, MPTCP subtype */
	uint32_t v2;   /* TSecr */
};

struct sf_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags; /* 12 bits: reserved, AE, CWR ... FIN */
	uint16_t win, sum, urp;
	uint8_t hlen;    /* data offset * 4 as written (may be bogus if MALFORMED) */
	bool fixed_ok;   /* the 20-byte fixed header was read */
	uint32_t seglen; /* header + payload on the wire, from the IP layer */
	uint32_t paylen; /* payload bytes on the wire */
	uint32_t paycap; /* payload bytes captured (<= paylen) */
	uint32_t anom;   /* SF_ANOM_* */

	uint8_t nopt;
	struct sf_tcp_opt opt[SF_TCP_OPT_MAX];
	uint16_t has; /* SF_TCP_HAS_* */
	uint16_t mss;
	uint8_t wscale;
	uint8_t nsack;
	uint32_t sack_le[SF_TCP_SACK_MAX], sack_re[SF_TCP_SACK_MAX];
	uint32_t tsval, tsecr;
	uint8_t mptcp_subtype;
	uint8_t tfo_len; /* cookie bytes; 0 with HAS_TFO is a cookie request */
	uint8_t tfo_cookie[SF_TCP_COOKIE_MAX];
};

/* p/caplen: captured bytes from the TCP header on; seglen: the segment's
 * length per the IP layer (header + payload). */
SF_NODISCARD enum sf_dec_rc sf_dec_tcp(const uint8_t *p, size_t caplen, size_t seglen,
				       struct sf_tcp *out, enum sf_why *why);

/* Parses options from bytes 20..optend of a header whose captured part is
 * hdr[0..caplen). Never fails the segment: a bad list sets anomaly bits.
 * Returns false when the options were cut short by the capture. */
SF_NODISCARD bool sf_dec_tcp_opts(const uint8_t *hdr, size_t caplen, size_t optend,
				  struct sf_tcp *out);

/* Flags in tcpdump's letters ("S.", "FP.", "none"); buf holds >= 12 bytes. */
const char *sf_tcp_flags_str(uint16_t flags, char *buf);

#endif
