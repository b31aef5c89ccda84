/* craft/synth.h: textbook TCP conversations, built with craft/build.h, written to a pcap.
 *
 * Each scenario is a script of segments between a client and a server, as
 * Linux would send them: MSS, SACK-permitted, timestamps and window scale
 * on the SYNs, timestamps on every later segment (tsval ticking once a
 * millisecond), windows as Linux sizes them, the acknowledgement numbers
 * worked out from what each side has received by then. The capture point is
 * the client's host: the client's segments are seen as they leave, the
 * server's a round trip (a few hundred microseconds) after what they answer,
 * so two segments can cross (simultaneous open and close) because neither
 * side has yet received the other's.
 *
 * Nothing is sent anywhere: the segments go to a callback or a pcap file
 * (LINKTYPE_RAW, microsecond time stamps from 2023-11-14 22:13:20 UTC).
 * Everything is deterministic: the same options give the same bytes.
 */
#ifndef SF_CRAFT_SYNTH_H
#define SF_CRAFT_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/dec.h"

enum sf_synth_scn {
	SF_SYNTH_HANDSHAKE = 0,
	SF_SYNTH_CLOSE,
	SF_SYNTH_CLOSE3,
	SF_SYNTH_SIMULTANEOUS_OPEN,
	SF_SYNTH_SIMULTANEOUS_CLOSE,
	SF_SYNTH_REFUSED,
	SF_SYNTH_HALF_CLOSE,
	SF_SYNTH_RST_ABORT,
	SF_SYNTH_SYN_RETRANSMIT,
	SF_SYNTH_FULL,
	SF_SYNTH_MIX,
	SF_SYNTH_COUNT
};

#define SF_SYNTH_MSS_MIN   536        /* RFC 879's default */
#define SF_SYNTH_MSS_MAX   65495      /* Linux's loopback: a full segment fills a 64 KiB datagram */
#define SF_SYNTH_CONNS_MAX 1048576    /* the tracker's default pool; each takes ~190 bytes here */
#define SF_SYNTH_EPOCH     1700000000 /* the first segment's time, in seconds */

struct sf_synth_opts {
	uint8_t ver;       /* 4 or 6: the family of both addresses */
	uint8_t caddr[16]; /* client, network order (IPv4 in the first 4 bytes) */
	uint8_t saddr[16]; /* server */
	uint16_t cport, sport;
	uint32_t isn;   /* the client's ISN (mix: the seed of every ISN) */
	uint16_t mss;   /* both sides' MSS; 0: 1460 for IPv4, 1440 for IPv6 */
	uint32_t conns; /* mix: how many connections (1..SF_SYNTH_CONNS_MAX) */
	bool open_all;  /* mix: every connection opens before any closes */
};

/* IPv4 192.0.2.1:40000 -> 198.51.100.2:80 (RFC 5737), ISN 3141592653, the
 * default MSS, 10 connections for mix. */
void sf_synth_defaults(struct sf_synth_opts *o);

/* "handshake", "simultaneous-open"... as `craft synth --scenario` takes them. */
const char *sf_synth_name(enum sf_synth_scn scn);
/* One line on what the scenario's capture holds, for --help. */
const char *sf_synth_summary(enum sf_synth_scn scn);
/* The scenario named `name`; false when there is none. */
bool sf_synth_lookup(const char *name, enum sf_synth_scn *out);

/* Takes one segment: the IP datagram and its capture time in nanoseconds
 * since the Unix epoch. Returns false to stop (e.g. a failed write). */
typedef bool (*sf_synth_emit_fn)(void *arg, int64_t ns, const uint8_t *ip, size_t len);

enum sf_synth_rc {
	SF_SYNTH_OK = 0,
	SF_SYNTH_EINVAL, /* bad options: err says which */
	SF_SYNTH_EBUILD, /* the builder failed (out of memory, libnet) */
	SF_SYNTH_EWRITE, /* the callback or the file refused a segment */
};

/* Runs the scenario, handing each segment to `emit` in capture order. */
SF_NODISCARD enum sf_synth_rc sf_synth_run(enum sf_synth_scn scn, const struct sf_synth_opts *o,
					   sf_synth_emit_fn emit, void *arg, char *err,
					   size_t errlen);

/* Runs the scenario into a pcap file at `path` ("-": standard output). The
 * file is flushed and checked at the end: SF_SYNTH_EWRITE (err says why,
 * and that the file is incomplete) whenever a byte may be missing. */
SF_NODISCARD enum sf_synth_rc sf_synth_write(const char *path, enum sf_synth_scn scn,
					     const struct sf_synth_opts *o, char *err,
					     size_t errlen);

#endif
