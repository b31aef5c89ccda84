/* tests/test_dec_link.c: every supported DLT from hand-made headers, and every cut of them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode/link.h"

#define MAC_PAIR 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb

/* The first bytes of an IPv4 and an IPv6 header: what follows every link
 * header below, so a frame is longer than its link header. */
#define IP4_START 0x45, 0x00, 0x00, 0x28
#define IP6_START 0x60, 0x00, 0x00, 0x00

/* Decodes from a heap copy of exactly caplen bytes, so that any read past
 * the capture is an AddressSanitizer report. */
static enum sf_dec_rc dec(int dlt, const uint8_t *p, size_t caplen, size_t wirelen,
			  struct sf_link *l, enum sf_why *why)
{
	uint8_t *copy = test_malloc(caplen ? caplen : 1);
	enum sf_dec_rc rc;

	if (caplen)
		memcpy(copy, p, caplen);
	rc = sf_dec_link(dlt, copy, caplen, wirelen, l, why);
	test_free(copy);
	return rc;
}

/* A whole frame: OK, and the network layer is where we say. */
static void expect_ok(int dlt, const uint8_t *p, size_t len, enum sf_net net, size_t l3_off,
		      uint16_t ethertype)
{
	struct sf_link l;
	enum sf_why why = SF_WHY_COUNT;

	assert_int_equal(dec(dlt, p, len, len, &l, &why), SF_DEC_OK);
	assert_int_equal(why, SF_WHY_NONE);
	assert_int_equal(l.net, net);
	assert_int_equal(l.l3_off, l3_off);
	assert_int_equal(l.ethertype, ethertype);
}

static void en10mb_ipv4_starts_after_14_bytes(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x08, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_EN10MB, f, sizeof f, SF_NET_IPV4, 14, 0x0800);
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.nvlan, 0);
}

static void en10mb_ipv6_ethertype_is_ipv6(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x86, 0xdd, IP6_START };

	(void)state;
	expect_ok(SF_DLT_EN10MB, f, sizeof f, SF_NET_IPV6, 14, 0x86dd);
}

/* The TCI carries priority and DEI above the 12-bit ID; only the ID is kept. */
static void vlan_tag_is_skipped_and_its_id_recorded(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x81, 0x00, 0xb0, 0x64, 0x08, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_EN10MB, f, sizeof f, SF_NET_IPV4, 18, 0x0800);
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.nvlan, 1);
	assert_int_equal(l.vlan[0], 100);
}

static void qinq_tags_are_recorded_outermost_first(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x88, 0xa8, 0x00, 0x0a, 0x81,
				     0x00,     0x0f, 0xff, 0x86, 0xdd, IP6_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_EN10MB, f, sizeof f, SF_NET_IPV6, 22, 0x86dd);
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.nvlan, 2);
	assert_int_equal(l.vlan[0], 10);
	assert_int_equal(l.vlan[1], 4095);
}

/* 0x9100 is the pre-802.1ad QinQ type some switches still send. */
static void pre_standard_qinq_type_9100_is_a_tag_too(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x91, 0x00, 0x00, 0x07, 0x81,
				     0x00,     0x00, 0x08, 0x08, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_IPV4);
	assert_int_equal(l.l3_off, 22);
	assert_int_equal(l.nvlan, 2);
	assert_int_equal(l.vlan[0], 7);
	assert_int_equal(l.vlan[1], 8);
}

static void four_stacked_tags_are_the_most_accepted(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x88, 0xa8, 0x00, 0x01, 0x81,     0x00,
				     0x00,     0x02, 0x81, 0x00, 0x00, 0x03,     0x81,
				     0x00,     0x00, 0x04, 0x08, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.l3_off, 30);
	assert_int_equal(l.nvlan, SF_VLAN_MAX);
	for (int i = 0; i < SF_VLAN_MAX; i++)
		assert_int_equal(l.vlan[i], i + 1);
}

static void a_fifth_tag_is_malformed(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x81, 0x00, 0x00, 0x01, 0x81, 0x00, 0x00,
				     0x02,     0x81, 0x00, 0x00, 0x03, 0x81, 0x00, 0x00,
				     0x04,     0x81, 0x00, 0x00, 0x05, 0x08, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_LINK_VLAN);
}

/* An 802.3 length field (<= 1500) with LLC AA AA 03 and SNAP OUI 0 carries
 * an ethertype 8 bytes further on. */
static void llc_snap_carries_the_ethertype_after_8_bytes(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x00, 0x30, 0xaa, 0xaa, 0x03,
				     0x00,     0x00, 0x00, 0x08, 0x00, IP4_START };
	static const uint8_t f6[] = { MAC_PAIR, 0x00, 0x30, 0xaa, 0xaa, 0x03,
				      0x00,     0x00, 0x00, 0x86, 0xdd, IP6_START };

	(void)state;
	expect_ok(SF_DLT_EN10MB, f, sizeof f, SF_NET_IPV4, 22, 0x0800);
	expect_ok(SF_DLT_EN10MB, f6, sizeof f6, SF_NET_IPV6, 22, 0x86dd);
}

/* Spanning tree rides plain LLC (42 42 03): an 802.3 frame, but not IP. */
static void llc_without_snap_is_not_ip(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x00, 0x26, 0x42, 0x42, 0x03, 0x00,
				     0x00,     0x00, 0x00, 0x00, 0x00, 0x00 };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
}

/* A SNAP header whose OUI is not 0 names an organisation's own protocol. */
static void snap_with_a_vendor_oui_is_not_ip(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, 0x00, 0x30, 0xaa, 0xaa, 0x03,
				     0x00,     0x00, 0x0c, 0x08, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
}

static void non_ip_ethertype_is_other_and_kept(void **state)
{
	static const uint8_t arp[] = { MAC_PAIR, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00 };
	static const uint8_t lldp[] = { MAC_PAIR, 0x88, 0xcc, 0x02, 0x07 };
	static const uint8_t vlan_arp[] = {
		MAC_PAIR, 0x81, 0x00, 0x00, 0x05, 0x08, 0x06, 0x00, 0x01
	};

	(void)state;
	expect_ok(SF_DLT_EN10MB, arp, sizeof arp, SF_NET_OTHER, 14, 0x0806);
	expect_ok(SF_DLT_EN10MB, lldp, sizeof lldp, SF_NET_OTHER, 14, 0x88cc);
	expect_ok(SF_DLT_EN10MB, vlan_arp, sizeof vlan_arp, SF_NET_OTHER, 18, 0x0806);
}

/* DLT_NULL writes the family in the capturing host's byte order. */
static void null_af_inet_in_either_byte_order_is_ipv4(void **state)
{
	static const uint8_t le[] = { 0x02, 0x00, 0x00, 0x00, IP4_START };
	static const uint8_t be[] = { 0x00, 0x00, 0x00, 0x02, IP4_START };

	(void)state;
	expect_ok(SF_DLT_NULL, le, sizeof le, SF_NET_IPV4, 4, 2);
	expect_ok(SF_DLT_NULL, be, sizeof be, SF_NET_IPV4, 4, 2);
}

/* AF_INET6 is 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS, 10 on Linux. */
static void null_ipv6_family_of_every_system_in_either_order_is_ipv6(void **state)
{
	static const uint8_t afs[] = { 24, 28, 30, 10 };

	(void)state;
	for (size_t i = 0; i < sizeof afs; i++) {
		const uint8_t le[] = { afs[i], 0x00, 0x00, 0x00, IP6_START };
		const uint8_t be[] = { 0x00, 0x00, 0x00, afs[i], IP6_START };
		expect_ok(SF_DLT_NULL, le, sizeof le, SF_NET_IPV6, 4, afs[i]);
		expect_ok(SF_DLT_NULL, be, sizeof be, SF_NET_IPV6, 4, afs[i]);
	}
}

/* AF 7 is AF_ISO on the BSDs: a family we do not decode. */
static void null_unknown_family_is_other(void **state)
{
	static const uint8_t f[] = { 0x07, 0x00, 0x00, 0x00, 0x81 };

	(void)state;
	expect_ok(SF_DLT_NULL, f, sizeof f, SF_NET_OTHER, 4, 7);
}

/* DLT_LOOP (OpenBSD) is DLT_NULL with the family always in network order,
 * so the little-endian spelling is some other, unknown, family. */
static void loop_reads_the_family_in_network_order_only(void **state)
{
	static const uint8_t v4[] = { 0x00, 0x00, 0x00, 0x02, IP4_START };
	static const uint8_t v6[] = { 0x00, 0x00, 0x00, 0x18, IP6_START };
	static const uint8_t le[] = { 0x02, 0x00, 0x00, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_LOOP, v4, sizeof v4, SF_NET_IPV4, 4, 2);
	expect_ok(SF_DLT_LOOP, v6, sizeof v6, SF_NET_IPV6, 4, 24);
	assert_int_equal(dec(SF_DLT_LOOP, le, sizeof le, sizeof le, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
	assert_int_equal(l.l3_off, 4);
}

/* Raw IP has no link header: the version nibble is the IP layer's to read. */
static void raw_dlts_leave_the_version_to_the_ip_layer(void **state)
{
	static const uint8_t v4[] = { IP4_START };
	static const int dlts[] = { SF_DLT_RAW, SF_DLT_RAW_OPENBSD, SF_DLT_LINKTYPE_RAW };

	(void)state;
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++)
		expect_ok(dlts[i], v4, sizeof v4, SF_NET_IP, 0, 0);
}

static void ipv4_and_ipv6_dlts_name_the_family(void **state)
{
	static const uint8_t v4[] = { IP4_START };
	static const uint8_t v6[] = { IP6_START };

	(void)state;
	expect_ok(SF_DLT_IPV4, v4, sizeof v4, SF_NET_IPV4, 0, 0);
	expect_ok(SF_DLT_IPV6, v6, sizeof v6, SF_NET_IPV6, 0, 0);
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes,
 * protocol. Here: outgoing (4), Ethernet (1), 6-byte address. */
#define SLL_HDR(proto_hi, proto_lo)                                                         \
	0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00, \
		(proto_hi), (proto_lo)

static void sll_protocol_field_gives_the_family(void **state)
{
	static const uint8_t v4[] = { SLL_HDR(0x08, 0x00), IP4_START };
	static const uint8_t v6[] = { SLL_HDR(0x86, 0xdd), IP6_START };
	static const uint8_t arp[] = { SLL_HDR(0x08, 0x06), 0x00, 0x01 };

	(void)state;
	expect_ok(SF_DLT_LINUX_SLL, v4, sizeof v4, SF_NET_IPV4, 16, 0x0800);
	expect_ok(SF_DLT_LINUX_SLL, v6, sizeof v6, SF_NET_IPV6, 16, 0x86dd);
	expect_ok(SF_DLT_LINUX_SLL, arp, sizeof arp, SF_NET_OTHER, 16, 0x0806);
}

/* Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, packet
 * type, address length and 8 address bytes: 20 in all. */
#define SLL2_HDR(proto_hi, proto_lo)                                                              \
	(proto_hi), (proto_lo), 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06, 0x00, \
		0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x00

static void sll2_protocol_field_gives_the_family(void **state)
{
	static const uint8_t v4[] = { SLL2_HDR(0x08, 0x00), IP4_START };
	static const uint8_t v6[] = { SLL2_HDR(0x86, 0xdd), IP6_START };
	static const uint8_t arp[] = { SLL2_HDR(0x08, 0x06), 0x00, 0x01 };

	(void)state;
	expect_ok(SF_DLT_LINUX_SLL2, v4, sizeof v4, SF_NET_IPV4, 20, 0x0800);
	expect_ok(SF_DLT_LINUX_SLL2, v6, sizeof v6, SF_NET_IPV6, 20, 0x86dd);
	expect_ok(SF_DLT_LINUX_SLL2, arp, sizeof arp, SF_NET_OTHER, 20, 0x0806);
}

/* RFC 1662 framing: address FF and control 03, then the protocol. */
static void ppp_with_address_and_control_bytes(void **state)
{
	static const uint8_t v4[] = { 0xff, 0x03, 0x00, 0x21, IP4_START };
	static const uint8_t v6[] = { 0xff, 0x03, 0x00, 0x57, IP6_START };
	static const int dlts[] = { SF_DLT_PPP, SF_DLT_PPP_SERIAL };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		expect_ok(dlts[i], v4, sizeof v4, SF_NET_IPV4, 4, 0x21);
		expect_ok(dlts[i], v6, sizeof v6, SF_NET_IPV6, 4, 0x57);
	}
}

/* Address-and-control-field compression drops FF 03; protocol-field
 * compression sends an odd first byte alone (RFC 1661 section 6.5-6.6). */
static void ppp_without_address_and_control_and_with_a_one_byte_protocol(void **state)
{
	static const uint8_t v4[] = { 0x00, 0x21, IP4_START };
	static const uint8_t v4c[] = { 0x21, IP4_START };
	static const uint8_t v6c[] = { 0x57, IP6_START };
	static const uint8_t ffv4c[] = { 0xff, 0x03, 0x21, IP4_START };
	static const int dlts[] = { SF_DLT_PPP, SF_DLT_PPP_SERIAL };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		expect_ok(dlts[i], v4, sizeof v4, SF_NET_IPV4, 2, 0x21);
		expect_ok(dlts[i], v4c, sizeof v4c, SF_NET_IPV4, 1, 0x21);
		expect_ok(dlts[i], v6c, sizeof v6c, SF_NET_IPV6, 1, 0x57);
		expect_ok(dlts[i], ffv4c, sizeof ffv4c, SF_NET_IPV4, 3, 0x21);
	}
}

/* LCP (C021) is PPP's own control protocol. */
static void ppp_control_protocol_is_other(void **state)
{
	static const uint8_t lcp[] = { 0xff, 0x03, 0xc0, 0x21, 0x01, 0x01 };

	(void)state;
	expect_ok(SF_DLT_PPP, lcp, sizeof lcp, SF_NET_OTHER, 4, 0xc021);
}

/* 105 is 802.11, 127 radiotap, 147 the first user DLT: no frame of theirs
 * reaches IP through us; -1 and 100000 are no DLT at all. */
static void unsupported_dlts_are_refused_and_named_unknown(void **state)
{
	static const int dlts[] = { -1, 2, 105, 127, 147, 100000 };

	(void)state;
	for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
		assert_false(sf_link_supported(dlts[i]));
		assert_string_equal(sf_link_name(dlts[i]), "unknown");
	}
}

/* Without a header to read the decoder cannot find IP: it reports no
 * network layer rather than guessing one. */
static void an_unsupported_dlt_decodes_to_no_network_layer(void **state)
{
	static const uint8_t f[] = { IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(105, f, sizeof f, sizeof f, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
	assert_int_equal(l.l3_off, 0);
}

static void every_supported_dlt_is_supported_and_named(void **state)
{
	static const struct {
		int dlt;
		const char *name;
	} tab[] = {
		{ SF_DLT_NULL, "NULL" },
		{ SF_DLT_EN10MB, "EN10MB" },
		{ SF_DLT_PPP, "PPP" },
		{ SF_DLT_PPP_SERIAL, "PPP_SERIAL" },
		{ SF_DLT_RAW, "RAW" },
		{ SF_DLT_RAW_OPENBSD, "RAW" },
		{ SF_DLT_LINKTYPE_RAW, "RAW" },
		{ SF_DLT_LOOP, "LOOP" },
		{ SF_DLT_LINUX_SLL, "LINUX_SLL" },
		{ SF_DLT_IPV4, "IPV4" },
		{ SF_DLT_IPV6, "IPV6" },
		{ SF_DLT_LINUX_SLL2, "LINUX_SLL2" },
		{ SF_DLT_FDDI, "FDDI" },
		{ SF_DLT_ARCNET_LINUX, "ARCNET_LINUX" },
		{ SF_DLT_IPOIB, "IPOIB" },
		{ SF_DLT_NFLOG, "NFLOG" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		assert_true(sf_link_supported(tab[i].dlt));
		assert_string_equal(sf_link_name(tab[i].dlt), tab[i].name);
	}
}

/* --- what sits between a link header and IP: MPLS and PPPoE ------------ */

/* RFC 3032: 4 bytes a label, bit 8 (S) set on the last. The payload has no
 * type field, so the IP layer goes by the version nibble. */
#define LABEL(s) 0x00, 0x06, 0x40 | ((s) ? 0x01 : 0x00), 0x40

static void mpls_label_stack_ends_at_the_bottom_of_stack_bit(void **state)
{
	static const uint8_t one[] = { MAC_PAIR, 0x88, 0x47, LABEL(1), IP4_START };
	static const uint8_t two[] = { MAC_PAIR, 0x88, 0x47, LABEL(0), LABEL(1), IP6_START };
	static const uint8_t mc[] = { MAC_PAIR, 0x88, 0x48, LABEL(1), IP4_START };
	static const uint8_t vlan[] = { MAC_PAIR, 0x81, 0x00,     0x00,     0x07,
					0x88,     0x47, LABEL(1), IP4_START };

	(void)state;
	expect_ok(SF_DLT_EN10MB, one, sizeof one, SF_NET_IP, 18, 0x8847);
	expect_ok(SF_DLT_EN10MB, two, sizeof two, SF_NET_IP, 22, 0x8847);
	expect_ok(SF_DLT_EN10MB, mc, sizeof mc, SF_NET_IP, 18, 0x8848);
	expect_ok(SF_DLT_EN10MB, vlan, sizeof vlan, SF_NET_IP, 22, 0x8847);
}

static void mpls_stack_of_eight_is_followed_and_nine_is_malformed(void **state)
{
	static const uint8_t eight[] = {
		MAC_PAIR, 0x88,     0x47,     LABEL(0), LABEL(0), LABEL(0),
		LABEL(0), LABEL(0), LABEL(0), LABEL(0), LABEL(1), IP4_START
	};
	static const uint8_t nine[] = { MAC_PAIR, 0x88,     0x47,     LABEL(0), LABEL(0),
					LABEL(0), LABEL(0), LABEL(0), LABEL(0), LABEL(0),
					LABEL(0), LABEL(1), IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_EN10MB, eight, sizeof eight, SF_NET_IP, 14 + 32, 0x8847);
	assert_int_equal(dec(SF_DLT_EN10MB, nine, sizeof nine, sizeof nine, &l, &why),
			 SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_LINK_VLAN);
}

/* Linux cooked captures and PPP links carry MPLS too. */
static void mpls_follows_sll_and_ppp_headers(void **state)
{
	static const uint8_t sll[] = { SLL_HDR(0x88, 0x47), LABEL(1), IP4_START };
	static const uint8_t sll2[] = { SLL2_HDR(0x88, 0x47), LABEL(0), LABEL(1), IP6_START };
	static const uint8_t ppp[] = { 0xff, 0x03, 0x02, 0x81, LABEL(1), IP4_START };

	(void)state;
	expect_ok(SF_DLT_LINUX_SLL, sll, sizeof sll, SF_NET_IP, 20, 0x8847);
	expect_ok(SF_DLT_LINUX_SLL2, sll2, sizeof sll2, SF_NET_IP, 28, 0x8847);
	expect_ok(SF_DLT_PPP, ppp, sizeof ppp, SF_NET_IP, 8, 0x0281);
}

/* RFC 2516 session stage: ver/type 0x11, code 0, session, length (of the
 * PPP frame: protocol and packet), then the PPP protocol. The length
 * bounds the IP packet, as the wire bounds Ethernet. */
#define PPPOE(len, proto_hi, proto_lo) \
	0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0x00, (len), (proto_hi), (proto_lo)

static void pppoe_session_carries_ip_and_bounds_its_length(void **state)
{
	static const uint8_t v4[] = { MAC_PAIR, PPPOE(42, 0x00, 0x21), IP4_START };
	static const uint8_t v6[] = { MAC_PAIR, PPPOE(62, 0x00, 0x57), IP6_START };
	static const uint8_t lcp[] = { MAC_PAIR, PPPOE(6, 0xc0, 0x21), 0x01, 0x01, 0x00, 0x04 };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, v4, sizeof v4, sizeof v4, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_IPV4);
	assert_int_equal(l.l3_off, 22);
	assert_true(l.l3_bounded);
	assert_int_equal(l.l3_len, 40);
	assert_int_equal(dec(SF_DLT_EN10MB, v6, sizeof v6, sizeof v6, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_IPV6);
	assert_int_equal(l.l3_len, 60);
	assert_int_equal(dec(SF_DLT_EN10MB, lcp, sizeof lcp, sizeof lcp, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
}

static void pppoe_can_carry_mpls(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, PPPOE(26, 0x02, 0x81), LABEL(1), IP4_START };

	(void)state;
	expect_ok(SF_DLT_EN10MB, f, sizeof f, SF_NET_IP, 26, 0x8864);
}

/* The frame held the whole 8-byte PPPoE header (22 bytes on the wire) and
 * the snaplen cut it inside the length field.
 * KNOWN BUG: dec_after_type asks for r->off + 8 after the 4-byte skip has
 * already moved off, so it needs 26 wire bytes and says MALFORMED. */
static void pppoe_header_cut_by_the_snaplen_is_truncated_when_the_wire_held_it(void **state)
{
	static const uint8_t f[] = { MAC_PAIR, PPPOE(2, 0x00, 0x21) };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	for (size_t n = 18; n < 22; n++) {
		assert_int_equal(dec(SF_DLT_EN10MB, f, n, 22, &l, &why), SF_DEC_TRUNCATED);
		assert_int_equal(why, SF_WHY_LINK_HDR);
	}
}

/* --- the other link types -------------------------------------------- */

/* FDDI: frame control, two addresses, then LLC/SNAP. */
#define FDDI_HDR(type_hi, type_lo) \
	0x50, MAC_PAIR, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, (type_hi), (type_lo)

static void fddi_snap_gives_the_family(void **state)
{
	static const uint8_t v4[] = { FDDI_HDR(0x08, 0x00), IP4_START };
	static const uint8_t v6[] = { FDDI_HDR(0x86, 0xdd), IP6_START };
	static const uint8_t stp[] = { 0x50, MAC_PAIR, 0x42, 0x42, 0x03, 0x00,
				       0x00, 0x00,     0x00, 0x00, 0x00 };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_FDDI, v4, sizeof v4, SF_NET_IPV4, 21, 0x0800);
	expect_ok(SF_DLT_FDDI, v6, sizeof v6, SF_NET_IPV6, 21, 0x86dd);
	assert_int_equal(dec(SF_DLT_FDDI, stp, sizeof stp, sizeof stp, &l, &why), SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
}

/* Linux ARCnet: source, destination, 2-byte offset, protocol ID. RFC 1051
 * IP (F0) follows at once; RFC 1201 IP (D4) and IPv6 (C4, RFC 2497) have a
 * split flag and sequence number, and an exception packet (split flag FF)
 * 4 bytes more. */
static void arcnet_protocol_ids_give_the_family_and_header_length(void **state)
{
	static const uint8_t rfc1051[] = { 0x01, 0x02, 0x00, 0x00, 0xf0, IP4_START };
	static const uint8_t rfc1201[] = {
		0x01, 0x02, 0x00, 0x00, 0xd4, 0x00, 0x00, 0x01, IP4_START
	};
	static const uint8_t exc[] = { 0x01, 0x02, 0x00, 0x00, 0xd4, 0xff,     0xff,
				       0xff, 0xd4, 0x00, 0x00, 0x01, IP4_START };
	static const uint8_t v6[] = { 0x01, 0x02, 0x00, 0x00, 0xc4, 0x00, 0x00, 0x01, IP6_START };
	static const uint8_t arp[] = { 0x01, 0x02, 0x00, 0x00, 0xd5, 0x00, 0x00, 0x01 };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	expect_ok(SF_DLT_ARCNET_LINUX, rfc1051, sizeof rfc1051, SF_NET_IPV4, 5, 0xf0);
	expect_ok(SF_DLT_ARCNET_LINUX, rfc1201, sizeof rfc1201, SF_NET_IPV4, 8, 0xd4);
	expect_ok(SF_DLT_ARCNET_LINUX, exc, sizeof exc, SF_NET_IPV4, 12, 0xd4);
	expect_ok(SF_DLT_ARCNET_LINUX, v6, sizeof v6, SF_NET_IPV6, 8, 0xc4);
	assert_int_equal(dec(SF_DLT_ARCNET_LINUX, arp, sizeof arp, sizeof arp, &l, &why),
			 SF_DEC_OK);
	assert_int_equal(l.net, SF_NET_OTHER);
}

/* IP over InfiniBand: libpcap's 40 bytes of addresses, then RFC 4391's
 * type and 2 reserved bytes. */
#define IPOIB_HDR(type_hi, type_lo)                                                               \
	0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0, \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, (type_hi), (type_lo), 0x00, 0x00

static void ipoib_type_gives_the_family(void **state)
{
	static const uint8_t v4[] = { IPOIB_HDR(0x08, 0x00), IP4_START };
	static const uint8_t v6[] = { IPOIB_HDR(0x86, 0xdd), IP6_START };
	static const uint8_t arp[] = { IPOIB_HDR(0x08, 0x06), 0x00, 0x20 };

	(void)state;
	expect_ok(SF_DLT_IPOIB, v4, sizeof v4, SF_NET_IPV4, 44, 0x0800);
	expect_ok(SF_DLT_IPOIB, v6, sizeof v6, SF_NET_IPV6, 44, 0x86dd);
	expect_ok(SF_DLT_IPOIB, arp, sizeof arp, SF_NET_OTHER, 44, 0x0806);
}

/* NFLOG: family, version, resource id, then little-endian TLVs padded to 4;
 * NFULA_PAYLOAD (9) holds the packet. A 5-byte prefix TLV pads to 8. */
static void nflog_payload_tlv_is_found_past_the_others(void **state)
{
	static const uint8_t v4[] = { 0x02, 0x00, 0x00, 0x01, 0x08, 0x00, 0x01, 0x00,     0x08,
				      0x00, 0x03, 0x00, 0x18, 0x00, 0x09, 0x00, IP4_START };
	static const uint8_t v6[] = { 0x0a, 0x00, 0x00, 0x01, 0x05, 0x00, 0x0a, 0x00,     0x61,
				      0x00, 0x00, 0x00, 0x2c, 0x00, 0x09, 0x00, IP6_START };
	static const uint8_t other[] = { 0x07, 0x00, 0x00, 0x01, 0x08, 0x00,
					 0x09, 0x00, 0x00, 0x00, 0x00, 0x00 };

	(void)state;
	expect_ok(SF_DLT_NFLOG, v4, sizeof v4, SF_NET_IPV4, 16, 2);
	expect_ok(SF_DLT_NFLOG, v6, sizeof v6, SF_NET_IPV6, 16, 10);
	expect_ok(SF_DLT_NFLOG, other, sizeof other, SF_NET_OTHER, 8, 7);
}

/* A TLV shorter than its own 4-byte header would never end the walk. */
static void nflog_tlv_shorter_than_its_header_is_malformed(void **state)
{
	static const uint8_t f[] = { 0x02, 0x00, 0x00, 0x01, 0x03, 0x00,     0x01,
				     0x00, 0x18, 0x00, 0x09, 0x00, IP4_START };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_NFLOG, f, sizeof f, sizeof f, &l, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_LINK_HDR);
}

/* A record that ends inside a TLV's padding was captured whole: it has no
 * payload, and nothing was lost to the snaplen.
 * KNOWN BUG: dec_nflog asks for r->off + tlen (unpadded) when the padded
 * skip fails, so it calls this capture TRUNCATED. */
static void nflog_record_ending_in_tlv_padding_is_malformed_not_truncated(void **state)
{
	static const uint8_t f[] = { 0x02, 0x00, 0x00, 0x01, 0x05, 0x00, 0x0a, 0x00, 0x61 };
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_NFLOG, f, sizeof f, sizeof f, &l, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_LINK_HDR);
}

/* Every link header above, with the length of its header. Each is followed
 * by at least one byte of IP, so every prefix shorter than the header is a
 * cut header and every longer one a whole one. */
struct fixture {
	const char *name;
	int dlt;
	const uint8_t *p;
	size_t len;
	size_t hdr;
};

static const uint8_t fx_eth[] = { MAC_PAIR, 0x08, 0x00, IP4_START };
static const uint8_t fx_vlan[] = { MAC_PAIR, 0x81, 0x00, 0x00, 0x64, 0x86, 0xdd, IP6_START };
static const uint8_t fx_qinq[] = { MAC_PAIR, 0x88, 0xa8, 0x00, 0x0a, 0x81,
				   0x00,     0x00, 0x14, 0x08, 0x00, IP4_START };
static const uint8_t fx_snap[] = { MAC_PAIR, 0x00, 0x30, 0xaa, 0xaa, 0x03,
				   0x00,     0x00, 0x00, 0x08, 0x00, IP4_START };
static const uint8_t fx_null[] = { 0x1e, 0x00, 0x00, 0x00, IP6_START };
static const uint8_t fx_loop[] = { 0x00, 0x00, 0x00, 0x02, IP4_START };
static const uint8_t fx_sll[] = { SLL_HDR(0x08, 0x00), IP4_START };
static const uint8_t fx_sll2[] = { SLL2_HDR(0x86, 0xdd), IP6_START };
static const uint8_t fx_ppp[] = { 0xff, 0x03, 0x00, 0x21, IP4_START };
static const uint8_t fx_ppp_nofc[] = { 0x00, 0x57, IP6_START };
static const uint8_t fx_mpls[] = { MAC_PAIR, 0x88, 0x47, LABEL(0), LABEL(1), IP4_START };
/* A whole 20-byte IPv4 header follows: frames under 26 wire bytes meet the
 * bug pppoe_header_cut_by_the_snaplen_is_truncated_when_the_wire_held_it
 * asserts on. */
static const uint8_t fx_pppoe[] = {
	MAC_PAIR, PPPOE(22, 0x00, 0x21), IP4_START, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};
static const uint8_t fx_ppp_mpls[] = { 0xff, 0x03, 0x02, 0x81, LABEL(1), IP6_START };
static const uint8_t fx_fddi[] = { FDDI_HDR(0x08, 0x00), IP4_START };
static const uint8_t fx_arcnet[] = { 0x01, 0x02, 0x00, 0x00, 0xd4, 0xff,     0xff,
				     0xff, 0xd4, 0x00, 0x00, 0x01, IP4_START };
static const uint8_t fx_ipoib[] = { IPOIB_HDR(0x86, 0xdd), IP6_START };
static const uint8_t fx_nflog[] = { 0x02, 0x00, 0x00, 0x01, 0x08, 0x00, 0x01, 0x00,     0x08,
				    0x00, 0x03, 0x00, 0x18, 0x00, 0x09, 0x00, IP4_START };

static const struct fixture fixtures[] = {
	{ "eth", SF_DLT_EN10MB, fx_eth, sizeof fx_eth, 14 },
	{ "vlan", SF_DLT_EN10MB, fx_vlan, sizeof fx_vlan, 18 },
	{ "qinq", SF_DLT_EN10MB, fx_qinq, sizeof fx_qinq, 22 },
	{ "snap", SF_DLT_EN10MB, fx_snap, sizeof fx_snap, 22 },
	{ "null", SF_DLT_NULL, fx_null, sizeof fx_null, 4 },
	{ "loop", SF_DLT_LOOP, fx_loop, sizeof fx_loop, 4 },
	{ "sll", SF_DLT_LINUX_SLL, fx_sll, sizeof fx_sll, 16 },
	{ "sll2", SF_DLT_LINUX_SLL2, fx_sll2, sizeof fx_sll2, 20 },
	{ "ppp", SF_DLT_PPP, fx_ppp, sizeof fx_ppp, 4 },
	{ "ppp_serial", SF_DLT_PPP_SERIAL, fx_ppp, sizeof fx_ppp, 4 },
	{ "ppp_no_ac", SF_DLT_PPP, fx_ppp_nofc, sizeof fx_ppp_nofc, 2 },
	{ "mpls", SF_DLT_EN10MB, fx_mpls, sizeof fx_mpls, 22 },
	{ "pppoe", SF_DLT_EN10MB, fx_pppoe, sizeof fx_pppoe, 22 },
	{ "ppp mpls", SF_DLT_PPP, fx_ppp_mpls, sizeof fx_ppp_mpls, 8 },
	{ "fddi", SF_DLT_FDDI, fx_fddi, sizeof fx_fddi, 21 },
	{ "arcnet exception", SF_DLT_ARCNET_LINUX, fx_arcnet, sizeof fx_arcnet, 12 },
	{ "ipoib", SF_DLT_IPOIB, fx_ipoib, sizeof fx_ipoib, 44 },
	{ "nflog", SF_DLT_NFLOG, fx_nflog, sizeof fx_nflog, 16 },
};

/* The snaplen cut the header, but the frame on the wire was long enough to
 * hold it: the capture is short, not the packet. */
static void header_cut_by_the_snaplen_is_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		for (size_t n = 0; n < fx->hdr; n++) {
			struct sf_link l;
			enum sf_why why = SF_WHY_NONE;
			enum sf_dec_rc rc = dec(fx->dlt, fx->p, n, fx->len, &l, &why);
			if (rc != SF_DEC_TRUNCATED || why != SF_WHY_LINK_HDR)
				fail_msg("%s cut at %zu: %s/%s, want truncated/link_hdr", fx->name,
					 n, sf_dec_rc_name(rc), sf_dec_why_name(why));
		}
	}
}

/* A frame that was shorter on the wire than its own link header cannot
 * exist: the bytes that are there are wrong, not missing. */
static void frame_shorter_than_its_header_on_the_wire_is_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		for (size_t n = 0; n < fx->hdr; n++) {
			struct sf_link l;
			enum sf_why why = SF_WHY_NONE;
			enum sf_dec_rc rc = dec(fx->dlt, fx->p, n, n, &l, &why);
			if (rc != SF_DEC_MALFORMED || why != SF_WHY_LINK_HDR)
				fail_msg("%s of %zu bytes: %s/%s, want malformed/link_hdr",
					 fx->name, n, sf_dec_rc_name(rc), sf_dec_why_name(why));
		}
	}
}

/* Once the header is whole, what follows does not matter to this layer. */
static void every_prefix_holding_the_header_decodes_the_same(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
		const struct fixture *fx = &fixtures[i];
		for (size_t n = fx->hdr; n <= fx->len; n++) {
			struct sf_link l;
			enum sf_why why = SF_WHY_NONE;
			enum sf_dec_rc rc = dec(fx->dlt, fx->p, n, fx->len, &l, &why);
			if (rc != SF_DEC_OK || l.l3_off != fx->hdr || l.net == SF_NET_OTHER)
				fail_msg("%s cut at %zu: %s, l3_off %zu", fx->name, n,
					 sf_dec_rc_name(rc), l.l3_off);
		}
	}
}

/* A capture claiming more bytes than the wire had is read only as far as
 * the wire: here 13 wire bytes cannot hold a 14-byte Ethernet header. */
static void caplen_beyond_wirelen_reads_only_the_wire(void **state)
{
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, fx_eth, sizeof fx_eth, 13, &l, &why), SF_DEC_MALFORMED);
	assert_int_equal(why, SF_WHY_LINK_HDR);
}

/* The frame held a whole tag (18 bytes on the wire); the snaplen cut the
 * inner ethertype after one byte. The capture is short, not the frame.
 * KNOWN BUG: dec_ether asks for off + 4 after the TCI read already moved
 * off, so it needs 20 wire bytes and says MALFORMED for 18 or 19. */
static void vlan_tag_cut_by_the_snaplen_is_truncated_when_the_wire_held_it(void **state)
{
	struct sf_link l;
	enum sf_why why;

	(void)state;
	assert_int_equal(dec(SF_DLT_EN10MB, fx_vlan, 17, 18, &l, &why), SF_DEC_TRUNCATED);
	assert_int_equal(why, SF_WHY_LINK_HDR);
	assert_int_equal(dec(SF_DLT_EN10MB, fx_vlan, 16, 18, &l, &why), SF_DEC_TRUNCATED);
	assert_int_equal(dec(SF_DLT_EN10MB, fx_vlan, 17, 19, &l, &why), SF_DEC_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(en10mb_ipv4_starts_after_14_bytes),
		cmocka_unit_test(en10mb_ipv6_ethertype_is_ipv6),
		cmocka_unit_test(vlan_tag_is_skipped_and_its_id_recorded),
		cmocka_unit_test(qinq_tags_are_recorded_outermost_first),
		cmocka_unit_test(pre_standard_qinq_type_9100_is_a_tag_too),
		cmocka_unit_test(four_stacked_tags_are_the_most_accepted),
		cmocka_unit_test(a_fifth_tag_is_malformed),
		cmocka_unit_test(llc_snap_carries_the_ethertype_after_8_bytes),
		cmocka_unit_test(llc_without_snap_is_not_ip),
		cmocka_unit_test(snap_with_a_vendor_oui_is_not_ip),
		cmocka_unit_test(non_ip_ethertype_is_other_and_kept),
		cmocka_unit_test(null_af_inet_in_either_byte_order_is_ipv4),
		cmocka_unit_test(null_ipv6_family_of_every_system_in_either_order_is_ipv6),
		cmocka_unit_test(null_unknown_family_is_other),
		cmocka_unit_test(loop_reads_the_family_in_network_order_only),
		cmocka_unit_test(raw_dlts_leave_the_version_to_the_ip_layer),
		cmocka_unit_test(ipv4_and_ipv6_dlts_name_the_family),
		cmocka_unit_test(sll_protocol_field_gives_the_family),
		cmocka_unit_test(sll2_protocol_field_gives_the_family),
		cmocka_unit_test(ppp_with_address_and_control_bytes),
		cmocka_unit_test(ppp_without_address_and_control_and_with_a_one_byte_protocol),
		cmocka_unit_test(ppp_control_protocol_is_other),
		cmocka_unit_test(unsupported_dlts_are_refused_and_named_unknown),
		cmocka_unit_test(an_unsupported_dlt_decodes_to_no_network_layer),
		cmocka_unit_test(every_supported_dlt_is_supported_and_named),
		cmocka_unit_test(mpls_label_stack_ends_at_the_bottom_of_stack_bit),
		cmocka_unit_test(mpls_stack_of_eight_is_followed_and_nine_is_malformed),
		cmocka_unit_test(mpls_follows_sll_and_ppp_headers),
		cmocka_unit_test(pppoe_session_carries_ip_and_bounds_its_length),
		cmocka_unit_test(pppoe_can_carry_mpls),
		cmocka_unit_test(
			pppoe_header_cut_by_the_snaplen_is_truncated_when_the_wire_held_it),
		cmocka_unit_test(fddi_snap_gives_the_family),
		cmocka_unit_test(arcnet_protocol_ids_give_the_family_and_header_length),
		cmocka_unit_test(ipoib_type_gives_the_family),
		cmocka_unit_test(nflog_payload_tlv_is_found_past_the_others),
		cmocka_unit_test(nflog_tlv_shorter_than_its_header_is_malformed),
		cmocka_unit_test(nflog_record_ending_in_tlv_padding_is_malformed_not_truncated),
		cmocka_unit_test(header_cut_by_the_snaplen_is_truncated),
		cmocka_unit_test(frame_shorter_than_its_header_on_the_wire_is_malformed),
		cmocka_unit_test(every_prefix_holding_the_header_decodes_the_same),
		cmocka_unit_test(caplen_beyond_wirelen_reads_only_the_wire),
		cmocka_unit_test(vlan_tag_cut_by_the_snaplen_is_truncated_when_the_wire_held_it),
	};
	return cmocka_run_group_tests_name("dec_link", tests, NULL, NULL);
}
