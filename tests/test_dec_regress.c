/* tests/test_dec_regress.c: decoder bugs found in review, each pinned by bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "decode/frame.h"

/* A frame under construction: bytes appended in wire order. */
struct pkt {
	uint8_t b[512];
	size_t n;
};

static void put(struct pkt *p, const void *src, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, src, n);
	p->n += n;
}

static void put16(struct pkt *p, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(p, b, 2);
}

static void ether(struct pkt *p, uint16_t vlan, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	put(p, macs, sizeof(macs));
	if (vlan != 0) {
		put16(p, 0x8100);
		put16(p, vlan);
	}
	put16(p, type);
}

/* IPv4 header for `payload` bytes of protocol `proto` (checksum left 0). */
static void ipv4(struct pkt *p, uint8_t proto, uint16_t payload)
{
	uint8_t h[20] = { 0x45, 0, 0,   0, 0, 1, 0x40, 0,  64,  proto,
			  0,    0, 192, 0, 2, 1, 198,  51, 100, 2 };
	h[2] = (uint8_t)((20 + payload) >> 8);
	h[3] = (uint8_t)(20 + payload);
	put(p, h, sizeof(h));
}

/* A TCP header with `opts` (length a multiple of 4) and the given flags. */
static void tcp(struct pkt *p, uint8_t flags, uint32_t ack, const uint8_t *opts, size_t olen)
{
	uint8_t h[20] = { 0x9c, 0x40, 0, 80, 0, 0, 0x03, 0xe8 };
	h[8] = (uint8_t)(ack >> 24);
	h[9] = (uint8_t)(ack >> 16);
	h[10] = (uint8_t)(ack >> 8);
	h[11] = (uint8_t)ack;
	h[12] = (uint8_t)(((20 + olen) / 4) << 4);
	h[13] = flags;
	h[14] = 0xff;
	put(p, h, sizeof(h));
	if (olen)
		put(p, opts, olen);
}

static struct sf_frame dec(const struct pkt *p, int dlt)
{
	struct sf_frame f;
	memset(&f, 0xa5, sizeof(f)); /* whatever a previous frame left */
	(void)sf_dec_frame(dlt, p->b, p->n, p->n, &f);
	return f;
}

/* Review B1: a frame that fails early showed the previous frame's anomalies. */
static void a_broken_frame_carries_no_anomalies_of_the_one_before(void **state)
{
	struct pkt odd = { .n = 0 }, cut = { .n = 0 };
	struct sf_frame f;
	(void)state;
	ether(&odd, 0, 0x0800);
	ipv4(&odd, 6, 20);
	tcp(&odd, 0x03 /* SYN+FIN */, 77 /* ack without ACK */, NULL, 0);
	(void)sf_dec_frame(SF_DLT_EN10MB, odd.b, odd.n, odd.n, &f);
	assert_true(f.tcp.anom & SF_ANOM_SYN_FIN);
	ether(&cut, 0, 0x0800);
	(void)sf_dec_frame(SF_DLT_EN10MB, cut.b, 10, cut.n, &f);
	assert_int_equal(f.rc, SF_DEC_TRUNCATED);
	assert_int_equal(f.ip.anom, 0);
	assert_int_equal(f.tcp.anom, 0);
	assert_int_equal(f.tcp.nopt, 0);
}

/* Review B10: ERSPAN type I (GRE 0x88be without a sequence number) has no
 * ERSPAN header; the mirrored Ethernet frame follows GRE at once. */
static void erspan_type_one_carries_the_frame_right_after_gre(void **state)
{
	struct pkt p = { .n = 0 };
	struct sf_frame f;
	(void)state;
	ether(&p, 0, 0x0800);
	ipv4(&p, 47, 4 + 14 + 20 + 20);
	put16(&p, 0x0000);
	put16(&p, 0x88be);
	ether(&p, 0, 0x0800);
	ipv4(&p, 6, 20);
	tcp(&p, 0x02, 0, NULL, 0);
	f = dec(&p, SF_DLT_EN10MB);
	assert_int_equal(f.kind, SF_FRAME_TCP);
	assert_int_equal(f.tunnel, SF_TUNNEL_ERSPAN);
	assert_int_equal(f.tcp.dport, 80);
}

/* Review B10: RFC 1701's routing bit brings the checksum/offset word too. */
static void gre_routing_bit_brings_the_offset_word(void **state)
{
	struct pkt p = { .n = 0 };
	struct sf_frame f;
	(void)state;
	ether(&p, 0, 0x0800);
	ipv4(&p, 47, 8 + 20 + 20);
	put16(&p, 0x4000);
	put16(&p, 0x0800);
	put16(&p, 0); /* checksum */
	put16(&p, 0); /* offset */
	ipv4(&p, 6, 20);
	tcp(&p, 0x02, 0, NULL, 0);
	f = dec(&p, SF_DLT_EN10MB);
	assert_int_equal(f.kind, SF_FRAME_TCP);
	assert_int_equal(f.tunnel, SF_TUNNEL_GRE);
	assert_int_equal(f.tcp.sport, 40000);
}

/* Review B11: the inner Ethernet header of a VXLAN packet overwrote the
 * outer one, VLAN tags included. */
static void a_tunnel_keeps_the_outer_vlan_tags(void **state)
{
	struct pkt p = { .n = 0 };
	static const uint8_t vxlan[8] = { 0x08, 0, 0, 0, 0, 0, 0x2a, 0 };
	struct sf_frame f;
	(void)state;
	ether(&p, 100, 0x0800);
	ipv4(&p, 17, 8 + 8 + 18 + 20 + 20);
	put16(&p, 50000);
	put16(&p, 4789);
	put16(&p, 8 + 8 + 18 + 20 + 20);
	put16(&p, 0);
	put(&p, vxlan, sizeof(vxlan));
	ether(&p, 7, 0x0800);
	ipv4(&p, 6, 20);
	tcp(&p, 0x12, 1001, NULL, 0);
	f = dec(&p, SF_DLT_EN10MB);
	assert_int_equal(f.kind, SF_FRAME_TCP);
	assert_int_equal(f.tunnel, SF_TUNNEL_VXLAN);
	assert_int_equal(f.link.nvlan, 1);
	assert_int_equal(f.link.vlan[0], 100);
}

/* Review B14: NFLOG TLV types carry netlink flag bits, and the payload
 * TLV's length bounds the IP packet. */
static void nflog_payload_type_ignores_flag_bits_and_bounds_the_packet(void **state)
{
	struct pkt p = { .n = 0 };
	static const uint8_t hdr[4] = { 2, 0, 0, 0 };
	static const uint8_t prefix[8] = { 8, 0, 0x0a, 0, 'a', 'b', 'c', 0 }; /* TLV 10, 8 bytes */
	uint8_t tlv[4] = { 4 + 44, 0, 0x09, 0x40 }; /* length 48, type 9 | NLA_F_NET_BYTEORDER */
	struct sf_frame f;
	(void)state;
	put(&p, hdr, sizeof(hdr));
	put(&p, prefix, sizeof(prefix));
	put(&p, tlv, sizeof(tlv));
	ipv4(&p, 6, 40); /* says 60 bytes; the TLV holds 44 */
	tcp(&p, 0x10, 1, NULL, 0);
	put16(&p, 0x4142); /* bytes after the TLV: not the packet's */
	put16(&p, 0x4344);
	f = dec(&p, SF_DLT_NFLOG);
	assert_int_equal(f.kind, SF_FRAME_TCP);
	assert_true(f.ip.anom & SF_ANOM_IP_PAST_WIRE);
	assert_int_equal(f.ip.l4len, 24);
	assert_int_equal(f.tcp.paylen, 4);
}

/* Review B5: each instance of a repeated option keeps its own value. */
static void repeated_options_keep_their_own_values(void **state)
{
	struct pkt p = { .n = 0 };
	static const uint8_t opts[8] = { 2, 4, 0x03, 0xe8, 2, 4, 0x05, 0xb4 };
	struct sf_frame f;
	(void)state;
	ether(&p, 0, 0x0800);
	ipv4(&p, 6, 28);
	tcp(&p, 0x02, 0, opts, sizeof(opts));
	f = dec(&p, SF_DLT_EN10MB);
	assert_int_equal(f.rc, SF_DEC_OK);
	assert_int_equal(f.tcp.nopt, 2);
	assert_int_equal(f.tcp.opt[0].v1, 1000);
	assert_int_equal(f.tcp.opt[1].v1, 1460);
	assert_true(f.tcp.anom & SF_ANOM_OPT_DUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_broken_frame_carries_no_anomalies_of_the_one_before),
		cmocka_unit_test(erspan_type_one_carries_the_frame_right_after_gre),
		cmocka_unit_test(gre_routing_bit_brings_the_offset_word),
		cmocka_unit_test(a_tunnel_keeps_the_outer_vlan_tags),
		cmocka_unit_test(nflog_payload_type_ignores_flag_bits_and_bounds_the_packet),
		cmocka_unit_test(repeated_options_keep_their_own_values),
	};
	return cmocka_run_group_tests_name("dec_regress", tests, NULL, NULL);
}
