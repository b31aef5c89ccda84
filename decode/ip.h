/* decode/ip.h: IPv4 (RFC 791) and IPv6 (RFC 8200) down to the transport header.
 *
 * Lengths are clamped at this layer: the transport gets min(what the IP
 * header says, what the wire carried), so Ethernet padding never reaches TCP.
 * Only a first fragment (offset 0) carries a transport header; later ones
 * are flagged and not parsed further.
 */
#ifndef SF_DECODE_IP_H
#define SF_DECODE_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "decode/dec.h"

#define SF_IPPROTO_TCP 6

struct sf_ip {
	uint8_t ver;     /* 4 or 6 */
	uint8_t proto;   /* transport protocol (IPv6: after the extension chain) */
	uint8_t ttl;     /* TTL or hop limit */
	uint8_t tos;     /* TOS or traffic class */
	uint16_t id;     /* IPv4 identification (IPv6: fragment id low bits) */
	uint8_t src[16]; /* IPv4 uses the first 4 bytes */
	uint8_t dst[16];
	uint8_t final_dst[16]; /* IPv6 routing header's final destination... */
	bool has_final_dst;    /* ...when segments are left to visit */
	size_t hlen;           /* from the IP header to the transport header */
	size_t l4len;          /* transport bytes on the wire, after clamping */
	uint32_t frag_off;     /* fragment offset in bytes */
	bool mf;               /* more fragments follow */
	bool later_frag;       /* offset != 0: no transport header here */
	uint32_t anom;         /* SF_ANOM_IP_* */
};

/* p/caplen: captured bytes from the IP header on; wirelen: bytes on the wire
 * from the IP header on. */
SF_NODISCARD enum sf_dec_rc sf_dec_ipv4(const uint8_t *p, size_t caplen, size_t wirelen,
					struct sf_ip *out, enum sf_why *why);
SF_NODISCARD enum sf_dec_rc sf_dec_ipv6(const uint8_t *p, size_t caplen, size_t wirelen,
					struct sf_ip *out, enum sf_why *why);

#endif
