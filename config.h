/* config.h: version and tunables, in one place. */
#ifndef SF_CONFIG_H
#define SF_CONFIG_H

#define SF_VERSION "0.1.0"

/* Exit codes of the synfin program (documented in synfin.1 and README.md). */
enum {
	SF_EXIT_OK = 0,
	SF_EXIT_INPUT = 1,   /* nothing could be read: missing, unreadable, not a capture */
	SF_EXIT_USAGE = 2,   /* bad command line or bad filter expression */
	SF_EXIT_DAMAGED = 3, /* the file is damaged part-way; what came before was decoded */
	SF_EXIT_OUTPUT = 4,  /* writing the output failed */
	SF_EXIT_PERM = 5,    /* no privilege to capture live (sudo, or setcap) */
};

/* Capture files: the first read block (grown to hold any one record). */
#ifndef SF_PCAP_BLOCK
#define SF_PCAP_BLOCK (1u << 18)
#endif
#define SF_PCAPNG_BLOCK_MAX (64u * 1024 * 1024) /* a larger block is damage */
#define SF_PCAPNG_IF_MAX    65536               /* interfaces in one section */

/* Output: bytes buffered before a write. */
#define SF_OUT_BUF_SIZE (64 * 1024)

/* Live capture. A slot of the kernel ring holds one frame of up to the
 * snaplen in immediate mode: 32 MiB holds some 500 frames of loopback's
 * 65,536-byte MTU, thousands of the pair's small segments. */
#define SF_LIVE_SNAPLEN    262144
#define SF_LIVE_BUFFER_KIB (32 * 1024)
#define SF_LIVE_TIMEOUT_MS 100
#define SF_LIVE_USER       "nobody" /* -Z's default when run as root */

/* Connection tracking. Linux holds TIME_WAIT 60 s (TCP_TIMEWAIT_LEN), i.e.
 * 2*MSL with an MSL of 30 s. */
#define SF_MSL_DEFAULT_NS    (30LL * 1000000000)
#define SF_IDLE_DEFAULT_NS   (300LL * 1000000000)
#define SF_MAX_CONNS_DEFAULT (1u << 20)

/* Decoder limits on what real networks stack. */
#define SF_VLAN_MAX         4 /* 802.1Q/802.1ad tags */
#define SF_MPLS_MAX         8 /* MPLS labels */
#define SF_IP6_EXT_MAX      8 /* IPv6 extension headers followed */
#define SF_TUNNEL_DEPTH_MAX 4 /* IP headers followed, the outermost included */

#endif
