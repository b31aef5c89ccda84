/* tests/test_dec_ip.c: IPv4 and IPv6 headers, lengths, fragments and extension chains. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode/ip.h"

#define SRC4 0xc0, 0x00, 0x02, 0x01                                        /* 192.0.2.1 */
#define DST4 0xc6, 0x33, 0x64, 0x02                                        /* 198.51.100.2 */
#define SRC6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 /* 2001:db8::1 */
#define DST6 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 /* 2001:db8::2 */

/* A bare SYN: what the IP layer carries. Its content does not matter here. */
#define TCP20 0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0

/* IPv6 fixed header: version 6, traffic class 0, flow 0, hop limit 64. */
#define IP6(plen, nh) 0x60, 0x00, 0x00, 0x00, (plen) >> 8, (plen)&0xff, (nh), 0x40, SRC6, DST6

static const uint8_t src4[4] = { SRC4 }, dst4[4] = { DST4 };
static const uint8_t src6[16] = { SRC6 }, dst6[16] = { DST6 };

/* Version 4, IHL 5, TOS 0xb8 (DSCP EF), total 60, id 0x1c46, DF, TTL 64,
 * TCP, header checksum 0x3187, then 40 bytes of TCP. */
static const uint8_t v4_base[60] = {
	0x45, 0xb8, 0x00,  0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x31, 0x87,
	SRC4, DST4, TCP20, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c,  0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
};

/* IHL 6: one 4-byte option word (NOP NOP NOP EOL) before TCP; total 44. */
static const uint8_t v4_opts[44] = {
	0x46, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x00, 0x00, 0x40,  0x06,
	0x00, 0x00, SRC4, DST4, 0x01, 0x01, 0x01, 0x00, TCP20,
};

/* MF set, offset 0: the first fragment, which holds the TCP header. */
static const uint8_t v4_first_frag[28] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x20, 0x00, 0x40, 0x06, 0x00,
	0x00, SRC4, DST4, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
};

/* Offset 185 units (1480 bytes), MF clear: the last of a two-piece datagram. */
static const uint8_t v4_later_frag[28] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x00, 0xb9, 0x40, 0x06, 0x00,
	0x00, SRC4, DST4, 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
};

/* Traffic class 0xb8 and flow label 0x12345 spread over the first word. */
static const uint8_t v6_base[60] = {
	0x6b, 0x81, 0x23, 0x45, 0x00, 0x14, 0x06, 0x39, SRC6, DST6, TCP20,
};

/* Hop-by-hop (next: TCP), length 0 (8 bytes), PadN of 4. */
static const uint8_t v6_hbh[68] = {
	IP6(28, 0), 0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, TCP20,
};

/* Routing type 2 (RFC 6275), segments left 0: 8 + a 16-byte address. */
static const uint8_t v6_rh[84] = {
	IP6(44, 43), 0x06, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, DST6, TCP20,
};

/* Destination options: PadN of 4. */
static const uint8_t v6_dst[68] = {
	IP6(28, 60), 0x06, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, TCP20,
};

/* Fragment header, offset 0, M=1, identification 0xdeadbeef. */
static const uint8_t v6_first_frag[68] = {
	IP6(28, 44), 0x06, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef, TCP20,
};

/* Fragment header, offset 185 units (0x5c8 bytes), M=0. */
static const uint8_t v6_later_frag[56] = {
	IP6(16, 44), 0x06, 0x00, 0x05, 0xc8, 0x00, 0x00, 0x00, 0x07,
	0xde,        0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef,
};

/* AH (RFC 4302) counts its length in 4-byte words minus 2: SPI, sequence
 * and a 96-bit ICV make 24 bytes, so the length byte is 4. In 8-byte units
 * that would be 40 bytes and land inside TCP. */
static const uint8_t v6_ah[84] = {
	IP6(44, 51), 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01,
	0xaa,        0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, TCP20,
};

/* Payload length 0 with a Jumbo Payload option (RFC 2675) of 28: the
 * hop-by-hop header plus TCP. */
static const uint8_t v6_jumbo[68] = {
	IP6(0, 0), 0x06, 0x00, 0xc2, 0x04, 0x00, 0x00, 0x00, 0x1c, TCP20,
};

/* Eight destination-options headers: the most the decoder follows. */
#define DSTOPT(nh) (nh), 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00
static const uint8_t v6_chain8[124] = {
	IP6(84, 60), DSTOPT(60), DSTOPT(60), DSTOPT(60), DSTOPT(60),
	DSTOPT(60),  DSTOPT(60), DSTOPT(60), DSTOPT(6),  TCP20,
};
static const uint8_t v6_chain9[132] = {
	IP6(92, 60), DSTOPT(60), DSTOPT(60), DSTOPT(60), DSTOPT(60), DSTOPT(60),
	DSTOPT(60),  DSTOPT(60), DSTOPT(60), DSTOPT(6),  TCP20,
};

/* Decodes from a heap copy of exactly caplen bytes, so that any read past
 * the capture is an AddressSanitizer report. */
static enum sf_dec_rc dec(int ver, const uint8_t *p, size_t caplen, size_t wirelen,
			  struct sf_ip *ip, enum sf_why *why)
{
	uint8_t *copy = test_malloc(caplen ? caplen : 1);
	enum sf_dec_rc rc;

	if (caplen)
		memcpy(copy, p, caplen);
	rc = ver == 4 ? sf_dec_ipv4(copy, caplen, wirelen, ip, why)
		      : sf_dec_ipv6(copy, caplen, wirelen, ip, why);
	test_free(copy);
	return rc;
}

/* A patched copy of a fixture, for one-field variations. */
static void put16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void ipv4_fixed_fields_are_decoded(void **state)
{
	struct sf_ip ip;
	enum sf_why why = SF_WHY_COUNT;

	(void)state;
	assert_int_equal(dec(4, v4_base, sizeof v4_base, sizeof v4_base, &ip, &why), SF_DEC_OK);
	assert_int_equal(why, SF_WHY_NONE);
	assert_int_equal(ip.ver, 4);
	assert_int_equal(ip.tos, 0xb8);
	assert_int_equal(ip.id, 0x1c46);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.proto, SF_IPPROTO_TCP);
	assert_memory_equal(ip.src, src4, 4);
	assert_memory_equal(ip.dst, dst4, 4);
	assert_int_equal(ip.hlen, 20);
	assert_int_equal(ip.l4len, 40);
	assert_int_equal(ip.frag_off, 0);
	assert_false(ip.mf);
	assert_false(ip.later_frag);
	assert_int_equal(ip.anom, 0);
}

static void ipv4_ihl_below_5_is_malformed(void **state)
{
	uint8_t b[sizeof v4_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		memcpy(b, v4_base, sizeof b);
		b[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_IP4_IHL);
	}
}

static void ipv4_total_length_below_header_length_is_malformed(void **state)
{
	uint8_t b[sizeof v4_opts];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v4_base, sizeof b);
	put16(b, 2, 19);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP4_TOTLEN);

	/* With options the bar is the IHL, not 20. */
	memcpy(b, v4_opts, sizeof b);
	put16(b, 2, 22);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP4_TOTLEN);

	/* Exactly the header: legal, and no transport bytes. */
	put16(b, 2, 24);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.l4len, 0);
}

static void ipv4_options_are_skipped_to_the_transport_header(void **state)
{
	uint8_t b[80];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(4, v4_opts, sizeof v4_opts, sizeof v4_opts, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.hlen, 24);
	assert_int_equal(ip.l4len, 20);
	assert_memory_equal(ip.dst, dst4, 4);

	/* IHL 15: the 40-byte maximum of options. */
	memset(b, 0x01, sizeof b);
	memcpy(b, v4_base, 20);
	b[0] = 0x4f;
	put16(b, 2, 80);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.hlen, 60);
	assert_int_equal(ip.l4len, 20);
}

/* A 40-byte datagram in a minimum Ethernet frame arrives with 6 bytes of
 * padding; the total length is the truth and the padding is not TCP. */
static void ipv4_ethernet_padding_is_clamped_off(void **state)
{
	uint8_t b[46];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memset(b, 0, sizeof b);
	memcpy(b, v4_base, 40);
	put16(b, 2, 40);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.l4len, 20);
	assert_int_equal(ip.anom, 0);
}

static void ipv4_total_length_past_the_wire_is_clamped_and_flagged(void **state)
{
	uint8_t b[sizeof v4_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v4_base, sizeof b);
	put16(b, 2, 1500);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.l4len, 40);
	assert_true(ip.anom & SF_ANOM_IP_PAST_WIRE);
	assert_false(ip.anom & SF_ANOM_IP_TSO);
}

/* Segmentation offload captures a 64 KB super-frame with total length 0:
 * the wire length is all there is, and it is not "past the wire". */
static void ipv4_total_length_zero_is_offload_and_the_wire_decides(void **state)
{
	uint8_t b[sizeof v4_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v4_base, sizeof b);
	put16(b, 2, 0);
	assert_int_equal(dec(4, b, sizeof b, 30000, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.anom, SF_ANOM_IP_TSO);
	assert_int_equal(ip.l4len, 30000 - 20);
}

static void ipv4_first_fragment_keeps_its_transport_header(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(
		dec(4, v4_first_frag, sizeof v4_first_frag, sizeof v4_first_frag, &ip, &why),
		SF_DEC_OK);
	assert_true(ip.mf);
	assert_int_equal(ip.frag_off, 0);
	assert_false(ip.later_frag);
	assert_int_equal(ip.id, 0x1234);
	assert_int_equal(ip.l4len, 8);
}

static void ipv4_later_fragment_has_its_offset_in_bytes(void **state)
{
	uint8_t b[sizeof v4_later_frag];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(4, v4_later_frag, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_true(ip.later_frag);
	assert_false(ip.mf);
	assert_int_equal(ip.frag_off, 1480);

	/* A middle fragment: MF and an offset. The largest offset, 8191 units. */
	memcpy(b, v4_later_frag, sizeof b);
	put16(b, 6, 0x3fff);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_true(ip.later_frag);
	assert_true(ip.mf);
	assert_int_equal(ip.frag_off, 8191 * 8);
}

/* DF (0x4000) and the evil bit (0x8000) are not part of the offset. */
static void ipv4_flag_bits_are_not_a_fragment_offset(void **state)
{
	uint8_t b[sizeof v4_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v4_base, sizeof b);
	put16(b, 6, 0xc000);
	assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_false(ip.mf);
	assert_false(ip.later_frag);
	assert_int_equal(ip.frag_off, 0);
}

static void ipv4_decoder_refuses_other_versions(void **state)
{
	uint8_t b[sizeof v4_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	for (unsigned v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		memcpy(b, v4_base, sizeof b);
		b[0] = (uint8_t)(v << 4 | 5);
		assert_int_equal(dec(4, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_IP_VERSION);
		/* One byte is enough to know: impossible beats cut short. */
		assert_int_equal(dec(4, b, 1, sizeof b, &ip, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_IP_VERSION);
	}
}

static void ipv4_options_cut_by_the_snaplen_are_truncated(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(4, v4_opts, 22, sizeof v4_opts, &ip, &why), SF_DEC_TRUNCATED);
	assert_int_equal(why, SF_WHY_IP4_HDR);
	/* Shorter than its own IHL on the wire: impossible. */
	assert_int_equal(dec(4, v4_opts, 22, 22, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP4_HDR);
}

static void ipv6_fixed_fields_are_decoded(void **state)
{
	struct sf_ip ip;
	enum sf_why why = SF_WHY_COUNT;

	(void)state;
	assert_int_equal(dec(6, v6_base, 60, 60, &ip, &why), SF_DEC_OK);
	assert_int_equal(why, SF_WHY_NONE);
	assert_int_equal(ip.ver, 6);
	assert_int_equal(ip.tos, 0xb8);
	assert_int_equal(ip.ttl, 0x39);
	assert_int_equal(ip.proto, SF_IPPROTO_TCP);
	assert_memory_equal(ip.src, src6, 16);
	assert_memory_equal(ip.dst, dst6, 16);
	assert_int_equal(ip.hlen, 40);
	assert_int_equal(ip.l4len, 20);
	assert_false(ip.mf);
	assert_false(ip.later_frag);
	assert_int_equal(ip.frag_off, 0);
	assert_int_equal(ip.anom, 0);
}

static void ipv6_padding_after_the_payload_is_clamped_off(void **state)
{
	uint8_t b[80];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memset(b, 0, sizeof b);
	memcpy(b, v6_base, sizeof v6_base);
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.l4len, 20);
	assert_int_equal(ip.anom, 0);
}

static void ipv6_payload_length_past_the_wire_is_clamped_and_flagged(void **state)
{
	uint8_t b[sizeof v6_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v6_base, sizeof b);
	put16(b, 4, 1000);
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.l4len, 20);
	assert_int_equal(ip.anom, SF_ANOM_IP_PAST_WIRE);
}

/* Each extension header: the transport protocol and offset after it. */
static void expect_chain(const uint8_t *p, size_t len, size_t hlen)
{
	struct sf_ip ip;
	enum sf_why why;

	assert_int_equal(dec(6, p, len, len, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.proto, SF_IPPROTO_TCP);
	assert_int_equal(ip.hlen, hlen);
	assert_int_equal(ip.l4len, len - hlen);
	assert_false(ip.later_frag);
}

static void ipv6_hop_by_hop_header_is_followed(void **state)
{
	(void)state;
	expect_chain(v6_hbh, sizeof v6_hbh, 48);
}

static void ipv6_routing_header_is_followed(void **state)
{
	(void)state;
	expect_chain(v6_rh, sizeof v6_rh, 64);
}

static void ipv6_destination_options_header_is_followed(void **state)
{
	(void)state;
	expect_chain(v6_dst, sizeof v6_dst, 48);
}

/* Mobility (135), HIP (139) and Shim6 (140) use the common 8-byte format. */
/* RFC 8200 section 8.1: in transit, the final destination of a packet with
 * a routing header is in that header, and the TCP pseudo-header needs it:
 * the last address of type 0, the home address of type 2 (RFC 6275),
 * Segment List[0] of an SRH (type 4, RFC 8754). */
static void ipv6_routing_header_in_transit_names_the_final_destination(void **state)
{
	static const uint8_t last[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0,    0,    0,    0,    0, 0, 0, 0x99 };
	/* Type 0, two addresses, one segment left: ::98 then ::99. */
	static const uint8_t rh0[] = {
		IP6(60, 43), 0x06, 0x04, 0x00, 0x01, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8, 0,
		0,           0,    0,    0,    0,    0, 0, 0, 0, 0,    0x98, 0x20, 0x01, 0x0d,
		0xb8,        0,    0,    0,    0,    0, 0, 0, 0, 0,    0,    0,    0x99, TCP20,
	};
	/* Type 2: the home address, one segment left. */
	static const uint8_t rh2[] = {
		IP6(44, 43), 0x06, 0x02, 0x02, 0x01, 0, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8,
		0,           0,    0,    0,    0,    0, 0, 0, 0, 0,    0,    0x99, TCP20,
	};
	/* SRH, last entry 1, one segment left: List[0] = ::99, List[1] = ::2. */
	static const uint8_t srh[] = {
		IP6(60, 43), 0x06, 0x04, 0x04, 0x01, 0x01, 0x00, 0x00, 0x00,  0x20, 0x01,
		0x0d,        0xb8, 0,    0,    0,    0,    0,    0,    0,     0,    0,
		0,           0,    0x99, 0x20, 0x01, 0x0d, 0xb8, 0,    0,     0,    0,
		0,           0,    0,    0,    0,    0,    0,    0x02, TCP20,
	};
	static const struct {
		const uint8_t *p;
		size_t len;
	} tab[] = { { rh0, sizeof rh0 }, { rh2, sizeof rh2 }, { srh, sizeof srh } };
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		assert_int_equal(dec(6, tab[i].p, tab[i].len, tab[i].len, &ip, &why), SF_DEC_OK);
		assert_int_equal(ip.proto, SF_IPPROTO_TCP);
		assert_int_equal(ip.hlen, tab[i].len - 20);
		assert_true(ip.has_final_dst);
		assert_memory_equal(ip.final_dst, last, 16);
		assert_memory_equal(ip.dst, dst6, 16);
	}
}

/* Segments left 0: the destination is already the final one. RPL (type 3)
 * compresses its addresses and is not followed. Neither names another. */
static void ipv6_routing_header_with_nothing_left_names_no_other_destination(void **state)
{
	uint8_t b[sizeof v6_rh];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(6, v6_rh, sizeof v6_rh, sizeof v6_rh, &ip, &why), SF_DEC_OK);
	assert_false(ip.has_final_dst);
	memcpy(b, v6_rh, sizeof b);
	b[42] = 3; /* RPL */
	b[43] = 1;
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_false(ip.has_final_dst);
	assert_int_equal(ip.hlen, 64);
	assert_int_equal(dec(6, v6_base, sizeof v6_base, sizeof v6_base, &ip, &why), SF_DEC_OK);
	assert_false(ip.has_final_dst);
}

static void ipv6_mobility_hip_and_shim6_headers_are_followed(void **state)
{
	static const uint8_t types[] = { 135, 139, 140 };
	uint8_t b[sizeof v6_dst];

	(void)state;
	for (size_t i = 0; i < sizeof types; i++) {
		memcpy(b, v6_dst, sizeof b);
		b[6] = types[i];
		expect_chain(b, sizeof b, 48);
	}
}

static void ipv6_ah_length_counts_4_byte_words(void **state)
{
	(void)state;
	expect_chain(v6_ah, sizeof v6_ah, 64);
}

static void ipv6_first_fragment_is_followed_to_tcp(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	expect_chain(v6_first_frag, sizeof v6_first_frag, 48);
	assert_int_equal(dec(6, v6_first_frag, 68, 68, &ip, &why), SF_DEC_OK);
	assert_true(ip.mf);
	assert_int_equal(ip.frag_off, 0);
	assert_int_equal(ip.id, 0xbeef);
}

static void ipv6_later_fragment_stops_the_chain_at_the_fragment_header(void **state)
{
	uint8_t b[sizeof v6_later_frag];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(6, v6_later_frag, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_true(ip.later_frag);
	assert_false(ip.mf);
	assert_int_equal(ip.frag_off, 1480);
	assert_int_equal(ip.id, 0x0007);
	assert_int_equal(ip.proto, SF_IPPROTO_TCP);
	assert_int_equal(ip.hlen, 48);
	assert_int_equal(ip.l4len, 8);

	/* What follows a later fragment is the middle of a datagram, even when
	 * the next-header says another extension: it is not parsed. */
	memcpy(b, v6_later_frag, sizeof b);
	b[40] = 60;
	b[49] = 0xff; /* a "length" that would run past the packet */
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.proto, 60);
	assert_int_equal(ip.hlen, 48);
}

static void ipv6_eight_extension_headers_are_followed(void **state)
{
	(void)state;
	expect_chain(v6_chain8, sizeof v6_chain8, 40 + 8 * 8);
}

static void ipv6_a_ninth_extension_header_is_malformed(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(6, v6_chain9, sizeof v6_chain9, sizeof v6_chain9, &ip, &why),
			 SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP6_CHAIN);
}

static void ipv6_extension_header_longer_than_the_payload_is_malformed(void **state)
{
	uint8_t b[sizeof v6_hbh];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	/* Length 1 says 16 bytes, but the payload length leaves only 8. */
	memcpy(b, v6_hbh, sizeof b);
	put16(b, 4, 8);
	b[41] = 1;
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP6_EXT_LEN);

	/* Not even room for next-header and length. */
	put16(b, 4, 1);
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP6_EXT_LEN);

	/* The largest length byte, 2048 bytes, in a 68-byte packet. */
	memcpy(b, v6_hbh, sizeof b);
	b[41] = 0xff;
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP6_EXT_LEN);
}

/* The payload length is right, but the snaplen cut the extension header. */
static void ipv6_extension_header_cut_by_the_snaplen_is_truncated(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	for (size_t n = 40; n < 48; n++) {
		assert_int_equal(dec(6, v6_hbh, n, sizeof v6_hbh, &ip, &why), SF_DEC_TRUNCATED);
		assert_int_equal(why, SF_WHY_IP6_EXT);
	}
	for (size_t n = 40; n < 64; n++) {
		assert_int_equal(dec(6, v6_ah, n, sizeof v6_ah, &ip, &why), SF_DEC_TRUNCATED);
		assert_int_equal(why, SF_WHY_IP6_EXT);
	}
}

static void ipv6_jumbo_option_gives_the_payload_length(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(6, v6_jumbo, sizeof v6_jumbo, sizeof v6_jumbo, &ip, &why), SF_DEC_OK);
	assert_true(ip.anom & SF_ANOM_IP6_JUMBO);
	assert_false(ip.anom & SF_ANOM_IP_TSO);
	assert_int_equal(ip.proto, SF_IPPROTO_TCP);
	assert_int_equal(ip.hlen, 48);
	assert_int_equal(ip.l4len, 20);
}

/* A real jumbogram (> 65535) cut by the snaplen: the option, not the capture,
 * says how long the TCP segment is. A Pad1 and a PadN come before the
 * option, as a sender aligning it to 4n+2 would put them. */
static void ipv6_jumbogram_cut_by_the_snaplen_keeps_its_length(void **state)
{
	static const uint8_t b[] = {
		IP6(0, 0), 0x06, 0x01, 0x00, 0x01, 0x01, 0x00, 0xc2, 0x04,
		0x00,      0x01, 0x11, 0x80, 0x01, 0x02, 0x00, 0x00, TCP20,
	};
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(6, b, sizeof b, 40 + 70016, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.anom, SF_ANOM_IP6_JUMBO);
	assert_int_equal(ip.hlen, 56);
	assert_int_equal(ip.l4len, 70016 - 16);
}

/* Big TCP / GSO on Linux: payload length 0 and no jumbo option. */
static void ipv6_payload_length_zero_without_jumbo_is_offload(void **state)
{
	uint8_t b[sizeof v6_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v6_base, sizeof b);
	put16(b, 4, 0);
	assert_int_equal(dec(6, b, sizeof b, 9000, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.anom, SF_ANOM_IP_TSO);
	assert_int_equal(ip.l4len, 9000 - 40);
}

/* ESP hides what follows and No Next Header (59) has nothing: both end the
 * chain as the transport protocol. */
static void ipv6_esp_and_no_next_header_end_the_chain(void **state)
{
	uint8_t b[sizeof v6_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	memcpy(b, v6_base, sizeof b);
	b[6] = 50;
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.proto, 50);
	assert_int_equal(ip.hlen, 40);
	b[6] = 59;
	assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_OK);
	assert_int_equal(ip.proto, 59);
}

static void ipv6_decoder_refuses_other_versions(void **state)
{
	uint8_t b[sizeof v6_base];
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	for (unsigned v = 0; v < 16; v++) {
		if (v == 6)
			continue;
		memcpy(b, v6_base, sizeof b);
		b[0] = (uint8_t)(v << 4 | (b[0] & 0x0f));
		assert_int_equal(dec(6, b, sizeof b, sizeof b, &ip, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_IP_VERSION);
		assert_int_equal(dec(6, b, 4, sizeof b, &ip, &why), SF_DEC_MALFORMED);
		assert_int_equal(why, SF_WHY_IP_VERSION);
	}
	/* An IPv4 header handed to the IPv6 decoder, and the reverse. */
	assert_int_equal(dec(6, v4_base, sizeof v4_base, sizeof v4_base, &ip, &why),
			 SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP_VERSION);
	assert_int_equal(dec(4, v6_base, sizeof v6_base, sizeof v6_base, &ip, &why),
			 SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP_VERSION);
}

static void ipv6_header_cut_short(void **state)
{
	struct sf_ip ip;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(6, v6_base, 30, 60, &ip, &why), SF_DEC_TRUNCATED);
	assert_int_equal(why, SF_WHY_IP6_HDR);
	assert_int_equal(dec(6, v6_base, 30, 30, &ip, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_IP6_HDR);
	assert_int_equal(dec(6, v6_base, 39, 39, &ip, &why), SF_DEC_MALFORMED);
}

/* Every fixture with the offset where its transport header starts. */
struct fixture {
	const char *name;
	int ver;
	const uint8_t *p;
	size_t len;
	size_t hlen;
	enum sf_why cut_why; /* the reason given once the fixed header is whole */
};

static const struct fixture fixtures[] = {
	{ "v4", 4, v4_base, sizeof v4_base, 20, SF_WHY_IP4_HDR },
	{ "v4 options", 4, v4_opts, sizeof v4_opts, 24, SF_WHY_IP4_HDR },
	{ "v4 first fragment", 4, v4_first_frag, sizeof v4_first_frag, 20, SF_WHY_IP4_HDR },
	{ "v4 later fragment", 4, v4_later_frag, sizeof v4_later_frag, 20, SF_WHY_IP4_HDR },
	{ "v6", 6, v6_base, sizeof v6_base, 40, SF_WHY_IP6_HDR },
	{ "v6 hop-by-hop", 6, v6_hbh, sizeof v6_hbh, 48, SF_WHY_IP6_EXT },
	{ "v6 routing", 6, v6_rh, sizeof v6_rh, 64, SF_WHY_IP6_EXT },
	{ "v6 dstopts", 6, v6_dst, sizeof v6_dst, 48, SF_WHY_IP6_EXT },
	{ "v6 first fragment", 6, v6_first_frag, sizeof v6_first_frag, 48, SF_WHY_IP6_EXT },
	{ "v6 later fragment", 6, v6_later_frag, sizeof v6_later_frag, 48, SF_WHY_IP6_EXT },
	{ "v6 ah", 6, v6_ah, sizeof v6_ah, 64, SF_WHY_IP6_EXT },
	{ "v6 jumbo", 6, v6_jumbo, sizeof v6_jumbo, 48, SF_WHY_IP6_EXT },
	{ "v6 chain of 8", 6, v6_chain8, sizeof v6_chain8, 104, SF_WHY_IP6_EXT },
};

/* The truncation sweep: a capture cut anywhere in the IP headers of a
 * frame that was whole on the wire is TRUNCATED, for the fixed header's
 * reason or the options'/extensions' reason. */
static void every_prefix_cut_in_the_headers_is_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		size_t fixed = fx->ver == 4 ? 20 : 40;
		for (size_t n = 0; n < fx->hlen; n++) {
			struct sf_ip ip;
			enum sf_why why = SF_WHY_NONE;
			enum sf_dec_rc rc = dec(fx->ver, fx->p, n, fx->len, &ip, &why);
			enum sf_why want =
				n < fixed ? (fx->ver == 4 ? SF_WHY_IP4_HDR : SF_WHY_IP6_HDR)
					  : fx->cut_why;
			if (rc != SF_DEC_TRUNCATED || why != want)
				fail_msg("%s cut at %zu: %s/%s, want truncated/%s", fx->name, n,
					 sf_dec_rc_name(rc), sf_dec_why_name(why),
					 sf_dec_why_name(want));
		}
	}
}

/* The same prefixes as whole packets on the wire: headers that do not fit
 * in their own packet are impossible. */
static void every_packet_shorter_than_its_headers_is_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		for (size_t n = 0; n < fx->hlen; n++) {
			struct sf_ip ip;
			enum sf_why why = SF_WHY_NONE;
			enum sf_dec_rc rc = dec(fx->ver, fx->p, n, n, &ip, &why);
			if (rc != SF_DEC_MALFORMED)
				fail_msg("%s of %zu bytes: %s/%s, want malformed", fx->name, n,
					 sf_dec_rc_name(rc), sf_dec_why_name(why));
		}
	}
}

/* Once the headers are captured, a shorter capture changes nothing at
 * this layer: lengths come from the header and the wire, not the snaplen. */
static void every_prefix_holding_the_headers_decodes_the_same(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		for (size_t n = fx->hlen; n <= fx->len; n++) {
			struct sf_ip ip;
			enum sf_why why = SF_WHY_NONE;
			enum sf_dec_rc rc = dec(fx->ver, fx->p, n, fx->len, &ip, &why);
			if (rc != SF_DEC_OK || ip.hlen != fx->hlen ||
			    ip.l4len != fx->len - fx->hlen)
				fail_msg("%s cut at %zu: %s, hlen %zu l4len %zu", fx->name, n,
					 sf_dec_rc_name(rc), ip.hlen, ip.l4len);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_fixed_fields_are_decoded),
		cmocka_unit_test(ipv4_ihl_below_5_is_malformed),
		cmocka_unit_test(ipv4_total_length_below_header_length_is_malformed),
		cmocka_unit_test(ipv4_options_are_skipped_to_the_transport_header),
		cmocka_unit_test(ipv4_ethernet_padding_is_clamped_off),
		cmocka_unit_test(ipv4_total_length_past_the_wire_is_clamped_and_flagged),
		cmocka_unit_test(ipv4_total_length_zero_is_offload_and_the_wire_decides),
		cmocka_unit_test(ipv4_first_fragment_keeps_its_transport_header),
		cmocka_unit_test(ipv4_later_fragment_has_its_offset_in_bytes),
		cmocka_unit_test(ipv4_flag_bits_are_not_a_fragment_offset),
		cmocka_unit_test(ipv4_decoder_refuses_other_versions),
		cmocka_unit_test(ipv4_options_cut_by_the_snaplen_are_truncated),
		cmocka_unit_test(ipv6_fixed_fields_are_decoded),
		cmocka_unit_test(ipv6_padding_after_the_payload_is_clamped_off),
		cmocka_unit_test(ipv6_payload_length_past_the_wire_is_clamped_and_flagged),
		cmocka_unit_test(ipv6_hop_by_hop_header_is_followed),
		cmocka_unit_test(ipv6_routing_header_is_followed),
		cmocka_unit_test(ipv6_routing_header_in_transit_names_the_final_destination),
		cmocka_unit_test(ipv6_routing_header_with_nothing_left_names_no_other_destination),
		cmocka_unit_test(ipv6_destination_options_header_is_followed),
		cmocka_unit_test(ipv6_mobility_hip_and_shim6_headers_are_followed),
		cmocka_unit_test(ipv6_ah_length_counts_4_byte_words),
		cmocka_unit_test(ipv6_first_fragment_is_followed_to_tcp),
		cmocka_unit_test(ipv6_later_fragment_stops_the_chain_at_the_fragment_header),
		cmocka_unit_test(ipv6_eight_extension_headers_are_followed),
		cmocka_unit_test(ipv6_a_ninth_extension_header_is_malformed),
		cmocka_unit_test(ipv6_extension_header_longer_than_the_payload_is_malformed),
		cmocka_unit_test(ipv6_extension_header_cut_by_the_snaplen_is_truncated),
		cmocka_unit_test(ipv6_jumbo_option_gives_the_payload_length),
		cmocka_unit_test(ipv6_jumbogram_cut_by_the_snaplen_keeps_its_length),
		cmocka_unit_test(ipv6_payload_length_zero_without_jumbo_is_offload),
		cmocka_unit_test(ipv6_esp_and_no_next_header_end_the_chain),
		cmocka_unit_test(ipv6_decoder_refuses_other_versions),
		cmocka_unit_test(ipv6_header_cut_short),
		cmocka_unit_test(every_prefix_cut_in_the_headers_is_truncated),
		cmocka_unit_test(every_packet_shorter_than_its_headers_is_malformed),
		cmocka_unit_test(every_prefix_holding_the_headers_decodes_the_same),
	};
	return cmocka_run_group_tests_name("dec_ip", tests, NULL, NULL);
}
