/* capture/source.h: frames from a pcap or pcapng file, or standard input.
 *
 * The source picks a reader (our own for files, libpcap for streams), runs
 * the BPF filter, and classifies failures so the command line can name the
 * file, the packet and the problem. Everything below it is pure.
 */
#ifndef SF_CAPTURE_SOURCE_H
#define SF_CAPTURE_SOURCE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/dec.h"

struct sf_pkt {
	uint64_t num; /* 1-based frame number in the file */
	int64_t sec;
	uint32_t frac;       /* fraction of a second in 10^-frac_digits units */
	uint8_t frac_digits; /* 6 (microseconds) or 9 (nanoseconds) */
	uint32_t caplen, wirelen;
	int dlt; /* link type of this packet's interface */
};

struct sf_pcapng;
struct sf_pcapfile;

/* Regular files are read by our own readers (capture/pcapfile.c, pcapng.c):
 * faster than libpcap, and able to take pcapng files libpcap refuses.
 * Streams (standard input) go through libpcap. */
struct sf_src {
	pcap_t *pc;             /* standard input */
	struct sf_pcapfile *pf; /* a classic pcap file */
	struct sf_pcapng *ng;   /* a pcapng file */
	const char *name;       /* as the user gave it, for messages */
	char *filter;           /* BPF expression, for our readers */
	struct sf_bpf *progs;   /* one compiled program per link type */
	size_t nprogs;
	int dlt; /* the file's (first interface's) link type */
	uint8_t frac_digits;
	uint64_t num;          /* frames read so far */
	bool live;             /* a live handle (capture/live.c), non-blocking */
	bool draining;         /* live, stopping: read what is queued, wait for nothing */
	int live_fd;           /* its selectable descriptor, polled between reads */
	pcap_dumper_t *dump;   /* -w's file, live only */
	const char *dump_name; /* for messages */
};

enum sf_src_rc {
	SF_SRC_PACKET = 0,
	SF_SRC_EOF,
	SF_SRC_ERROR,  /* err holds why; the file is damaged past this point */
	SF_SRC_FILTER, /* the filter does not compile for this packet's link type */
	SF_SRC_AGAIN,  /* live: nothing arrived before the read timed out */
};

#define SF_SRC_ERRLEN 512

/* Opens `path` ("-" is standard input). On failure, err says what is wrong
 * with the file in words a user understands (missing, unreadable, empty, not
 * a capture). `nano` asks for nanosecond time stamps. */
SF_NODISCARD bool sf_src_open_file(struct sf_src *s, const char *path, bool nano, char *err,
				   size_t errlen);
/* Compiles and installs a BPF filter; on failure err holds libpcap's words. */
SF_NODISCARD bool sf_src_set_filter(struct sf_src *s, const char *expr, char *err, size_t errlen);
SF_NODISCARD enum sf_src_rc sf_src_next(struct sf_src *s, struct sf_pkt *pkt, const uint8_t **data,
					char *err, size_t errlen);
/* A look at the k-th frame after the current one (k = 0: the next) when the
 * reader has it at hand, for prefetching; false when it has not (pcapng and
 * streams never do). The frame is not consumed and not filtered. */
bool sf_src_peek(const struct sf_src *s, unsigned k, const uint8_t **data, uint32_t *caplen,
		 int *dlt);
void sf_src_close(struct sf_src *s);

/* A file's LINKTYPE_ value as the DLT_ value libpcap would report. */
int sf_linktype_to_dlt(uint32_t linktype);

#endif
