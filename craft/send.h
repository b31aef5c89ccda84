/* craft/send.h: `synfin craft send`: one-off segments out, the replies back, as hping3 does.
 *
 * A run sends `count` segments `interval_ms` apart (or, with `flood`, as
 * fast as it can for `duration_s`), each printed as tcpdump would print it
 * ("sent 127.0.0.1.40000 > 127.0.0.1.9000: Flags [S], seq 1000, ..."), and
 * captures the replies with libpcap (on -i, lo for a loopback destination,
 * else "any"), filtered for the reverse direction of exactly the addresses
 * and ports used, printing each in hping3's words ("len=40 ip=127.0.0.1
 * ttl=64 DF id=0 sport=9000 flags=RA seq=0 win=0 rtt=0.1 ms", seq being the
 * probe's number) and hping3's statistics at the end. A flood captures
 * nothing and prints only its counts. Destinations pass craft/safety.h
 * first; nothing is opened or sent for one it refuses.
 *
 * libnet builds every segment (craft/build.h, bytes mode, its blocks
 * patched in place from one segment to the next) and the datagram is
 * written with one sendto() on a raw IP socket (IPPROTO_RAW: the header is
 * ours), so what is printed is byte for byte what is sent. Not libnet's
 * link-layer injection: Linux drops an IPv4 frame that comes in on lo with
 * 127/8 addresses as martian unless lo's route_localnet and accept_local
 * are set; a raw socket's datagram is routed as this host's own. A flood
 * goes further: libnet builds the first SYN and each later one is that
 * template with its port, sequence number and checksum patched
 * (sf_send_patch).
 *
 * The source port: the one --from gives, for every segment; otherwise a
 * random port of Linux's ephemeral range (32768-60999) that goes up by one
 * per segment and wraps within that range, so every reply names the probe
 * it answers, as hping3's do. The sequence number: --seq, or a random
 * number per segment.
 *
 * The parsers and formatters below are pure, for the tests; sf_send_run is
 * the only part that needs the network (and CAP_NET_RAW).
 */
#ifndef SF_CRAFT_SEND_H
#define SF_CRAFT_SEND_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/buf.h"
#include "craft/build.h"
#include "decode/dec.h"
#include "decode/frame.h"

#define SF_SEND_COUNT_MAX      1000000u
#define SF_SEND_INTERVAL_MS    1000u
#define SF_SEND_INTERVAL_MAX   3600000u /* an hour */
#define SF_SEND_DURATION_S     3u
#define SF_SEND_DURATION_MAX_S 60u
#define SF_SEND_WIN_DEFAULT    64240u /* Linux's SYN window for a 1460-byte MSS */
#define SF_SEND_SPORT_LO       32768u /* Linux's default ip_local_port_range */
#define SF_SEND_SPORT_HI       60999u
#define SF_SEND_LINGER_MS      1000u /* after the last probe, wait this long for replies */

/* An address with an optional port. IPv4 in the first 4 bytes; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is taken as the IPv4 address. */
struct sf_send_addr {
	uint8_t ver; /* 4 or 6 */
	uint8_t a[16];
	uint16_t port;
	bool has_port;
};

/* "127.0.0.1:9000", "127.0.0.1", "[::1]:9000", "[::1]", "::1" (an IPv6
 * address without brackets has no port). Ports 0-65535. Numeric only: no
 * names are looked up. False on anything else. */
SF_NODISCARD bool sf_send_parse_addr(const char *s, struct sf_send_addr *out);

/* Flag letters, in any order, each at most once: S SYN, A ACK, F FIN,
 * R RST, P PSH, U URG, E ECE, C CWR; "none" for no flag at all. Sets
 * decode/tcp.h's SF_TH_* bits. False on an unknown or repeated letter. */
SF_NODISCARD bool sf_send_parse_flags(const char *s, uint16_t *flags);

/* A reply's flags as hping3 writes them: R S A F P U, then E (ECE) and C
 * (CWR), which hping3 calls X and Y; "none" for none. buf holds >= 12. */
const char *sf_send_flags_str(uint16_t flags, char *buf);

struct sf_send_opts {
	struct sf_send_addr to;   /* has_port is required */
	struct sf_send_addr from; /* ver 0: the destination itself when it is loopback,
				     else the source the kernel would choose */
	struct sf_seg tmpl;       /* flags, ack, win, urp, options and data; the
				     addresses, ports and seq are filled per segment */
	bool fixed_seq;           /* --seq: tmpl.seq on every segment */
	uint32_t count;           /* 1..SF_SEND_COUNT_MAX; a flood's is a bound too */
	bool count_given;         /* a flood stops at count only when it was asked for */
	uint32_t interval_ms;
	bool flood;
	uint32_t duration_s; /* flood only: 1..SF_SEND_DURATION_MAX_S */
	bool allow_remote;
	const char *iface; /* NULL: "lo" for a loopback destination */
};

/* The defaults of `synfin craft send`: one segment, a second apart, no
 * flags set yet, window SF_SEND_WIN_DEFAULT. */
void sf_send_defaults(struct sf_send_opts *o);

struct sf_send_stats {
	uint64_t sent;
	uint64_t received;                /* first replies; duplicates are printed, not counted */
	double rtt_min, rtt_max, rtt_sum; /* ms, over the counted replies */
};

/* "sent " and the segment as tcpdump -nn -S prints it, from the decoded
 * bytes that were built: "sent 127.0.0.1.40000 > 127.0.0.1.9000: Flags
 * [S], seq 1000, win 64240, options [mss 1460], length 0\n". */
void sf_send_fmt_sent(struct sf_buf *b, const struct sf_frame *f);

/* One reply in hping3's words, from its decoded frame and the captured
 * bytes (hping3 prints DF, which struct sf_ip does not keep):
 * "len=40 ip=127.0.0.1 ttl=64 DF id=0 sport=9000 flags=RA seq=0 win=0
 * rtt=0.1 ms\n". len is the IP datagram's length; IPv6 lines show the hop
 * limit as ttl and have no DF or id; a duplicate starts with "DUP! ". */
void sf_send_fmt_reply(struct sf_buf *b, const struct sf_frame *f, const uint8_t *frame,
		       size_t caplen, uint32_t probe, double rtt_ms, bool dup);

/* hping3's statistics, on the caller's stream:
 * "\n--- HOST hping statistic ---\nN packets transmitted, M packets
 * received, L% packet loss\nround-trip min/avg/max = A/B/C ms\n". */
void sf_send_fmt_summary(struct sf_buf *b, const char *host, const struct sf_send_stats *st);

/* A flood's counts: "\n--- HOST flood statistic ---\nN packets transmitted
 * in S.SSS s, R packets/s\n". */
void sf_send_fmt_flood(struct sf_buf *b, const char *host, uint64_t sent, double seconds);

/* The flood's one piece of per-segment work: sets the source port and
 * sequence number of a datagram the builder made (IPv4 with its IHL, or
 * IPv6 without extension headers) and mends the TCP checksum incrementally
 * (RFC 1624 eqn. 3), so the result is what the builder would have made. */
void sf_send_patch(uint8_t *dgram, size_t len, uint16_t sport, uint32_t seq);

enum sf_send_rc {
	SF_SEND_OK = 0,
	SF_SEND_REFUSED, /* the safety check said no: nothing was sent */
	SF_SEND_BADARG,  /* the options contradict each other (err says how) */
	SF_SEND_PERM,    /* no privilege to inject or capture: err names sudo */
	SF_SEND_IFACE,   /* no such interface, or it is down */
	SF_SEND_FAIL,    /* building, sending or capturing failed */
	SF_SEND_OUTPUT,  /* writing the output failed */
	SF_SEND_RC_COUNT
};

const char *sf_send_rc_name(enum sf_send_rc rc);

/* Runs it: lines and statistics on `out`, notes (the flood's start) on
 * `note`. Stops early, still printing the statistics, when *stop becomes
 * non-zero (a signal handler sets it; stop may be NULL). */
SF_NODISCARD enum sf_send_rc sf_send_run(const struct sf_send_opts *o, FILE *out, FILE *note,
					 volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif
