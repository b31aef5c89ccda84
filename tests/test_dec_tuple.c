/* tests/test_dec_tuple.c: the read-ahead 4-tuple agrees with the decoder.
 *
 * sf_dec_tuple() only feeds prefetching, so a wrong answer would cost time,
 * not correctness; still, a tuple that disagrees with the real decode would
 * prefetch the wrong connection for ever and nobody would see it. Every frame
 * of every fixture goes through both; where the tuple answers and the decoder
 * finds TCP, they must name the same connection.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/source.h"
#include "decode/frame.h"
#include "decode/link.h"
#include "decode/tuple.h"

struct tally {
	unsigned answered, agreed, declined;
};

static void same_connection(const struct sf_frame *f, const struct sf_tuple *k)
{
	size_t n = f->ip.ver == 4 ? 4 : 16;
	assert_int_equal(k->ver, f->ip.ver);
	assert_memory_equal(k->src, f->ip.src, n);
	assert_memory_equal(k->dst, f->ip.dst, n);
	assert_int_equal(k->sport, f->tcp.sport);
	assert_int_equal(k->dport, f->tcp.dport);
}

static struct tally sweep(const char *path)
{
	char err[SF_SRC_ERRLEN];
	struct sf_src src;
	struct tally t = { 0, 0, 0 };

	assert_true(sf_src_open_file(&src, path, false, err, sizeof(err)));
	for (;;) {
		struct sf_pkt pkt;
		const uint8_t *data = NULL;
		struct sf_frame f;
		struct sf_tuple k;
		bool ok = false;

		if (sf_src_next(&src, &pkt, &data, err, sizeof(err)) != SF_SRC_PACKET)
			break;
		(void)sf_dec_frame(pkt.dlt, data, pkt.caplen, pkt.wirelen, &f);
		ok = sf_dec_tuple(pkt.dlt, data, pkt.caplen, &k);
		t.answered += ok;
		if (ok && f.kind == SF_FRAME_TCP) {
			same_connection(&f, &k);
			t.agreed++;
		} else if (!ok && f.kind == SF_FRAME_TCP) {
			t.declined++;
		}
	}
	sf_src_close(&src);
	return t;
}

static void every_fixture_frame_agrees_with_the_decoder(void **state)
{
	glob_t g;
	unsigned agreed = 0;

	(void)state;
	assert_int_equal(glob("pcaps/*.pcap", 0, NULL, &g), 0);
	assert_int_equal(glob("pcaps/*.pcapng", GLOB_APPEND, NULL, &g), 0);
	assert_true(g.gl_pathc > 50);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char err[SF_SRC_ERRLEN];
		struct sf_src probe;
		if (!sf_src_open_file(&probe, g.gl_pathv[i], false, err, sizeof(err)))
			continue; /* the bad-* fixtures */
		sf_src_close(&probe);
		agreed += sweep(g.gl_pathv[i]).agreed;
	}
	globfree(&g);
	print_message("%u TCP frames agreed\n", agreed);
	assert_true(agreed > 200); /* it answers, not just declines */
}

/* Each common link type is read, so each is compared above. */
static void each_common_link_type_is_answered(void **state)
{
	static const char *const files[] = {
		"pcaps/link-en10mb-ipv4-handshake.pcap",
		"pcaps/link-en10mb-vlan-8021q.pcap",
		"pcaps/link-ipv4-228.pcap",
		"pcaps/link-ipv6-229.pcap",
		"pcaps/link-linux-sll-113.pcap",
		"pcaps/link-linux-sll2-276.pcap",
		"pcaps/link-loop-108-af-network-order.pcap",
		"pcaps/link-null-af-inet-le.pcap",
		"pcaps/link-null-af-inet6-30-macos.pcap",
		"pcaps/link-raw-101-ipv4-ipv6.pcap",
		"pcaps/ip4-options.pcap",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tally t = sweep(files[i]);
		print_message("%s: %u answered, %u declined\n", files[i], t.answered, t.declined);
		assert_true(t.agreed > 0);
		assert_int_equal(t.declined, 0);
	}
}

/* Shapes it leaves to the decoder: they say false, never a wrong tuple. */
static void uncommon_shapes_are_declined(void **state)
{
	static const char *const files[] = {
		"pcaps/link-en10mb-qinq-88a8-8100.pcap", /* 802.1ad outer tag */
		"pcaps/ip6-ext-chain.pcap",              /* extension headers before TCP */
		"pcaps/ip-tunnels-opened-and-counted.pcap",
		"pcaps/link-ppp-9.pcap",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct tally t = sweep(files[i]);
		assert_true(t.declined > 0);
	}
}

static void cut_frames_are_declined_at_every_length(void **state)
{
	/* Ethernet, IPv4, TCP ports: the tuple needs every byte up to dport. */
	uint8_t fr[14 + 20 + 4] = { 0 };
	struct sf_tuple k;

	(void)state;
	fr[12] = 0x08;
	fr[14] = 0x45;
	fr[14 + 9] = 6;
	fr[34] = 0x30, fr[35] = 0x39, fr[36] = 0x00, fr[37] = 0x50;
	for (size_t n = 0; n < sizeof(fr); n++)
		assert_false(sf_dec_tuple(SF_DLT_EN10MB, fr, n, &k));
	assert_true(sf_dec_tuple(SF_DLT_EN10MB, fr, sizeof(fr), &k));
	assert_int_equal(k.sport, 12345);
	assert_int_equal(k.dport, 80);
	fr[14 + 6] = 0x00, fr[14 + 7] = 0x10; /* a later fragment: no TCP header */
	assert_false(sf_dec_tuple(SF_DLT_EN10MB, fr, sizeof(fr), &k));
	fr[14 + 7] = 0, fr[14 + 9] = 17; /* UDP */
	assert_false(sf_dec_tuple(SF_DLT_EN10MB, fr, sizeof(fr), &k));
	assert_false(sf_dec_tuple(SF_DLT_PPP, fr, sizeof(fr), &k));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture_frame_agrees_with_the_decoder),
		cmocka_unit_test(each_common_link_type_is_answered),
		cmocka_unit_test(uncommon_shapes_are_declined),
		cmocka_unit_test(cut_frames_are_declined_at_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
