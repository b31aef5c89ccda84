/* capture/pcapng.h: a pcapng reader for what libpcap 1.10 refuses.
 *
 * libpcap reads pcapng only when every interface shares the first one's
 * link type and snapshot length; Wireshark writes files that do not (one
 * interface per capture point, per-packet link types). This reader takes
 * any file of the format (draft-ietf-opsawg-pcapng): sections in either byte
 * order, interfaces of any link type, snaplen and time resolution, Enhanced,
 * Simple and obsolete Packet Blocks; other blocks are skipped.
 */
#ifndef SF_CAPTURE_PCAPNG_H
#define SF_CAPTURE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/source.h"

struct sf_pcapng;

/* True when the four bytes are the Section Header Block's type. */
bool sf_pcapng_magic(const uint8_t b[4]);

/* Takes `f` positioned at the start of the file; closes it on failure and
 * in sf_pcapng_close(). */
SF_NODISCARD struct sf_pcapng *sf_pcapng_open(FILE *f, bool nano, char *err, size_t errlen);
/* The next packet; pkt->dlt is its interface's link type. */
SF_NODISCARD enum sf_src_rc sf_pcapng_next(struct sf_pcapng *ng, struct sf_pkt *pkt,
					   const uint8_t **data, char *err, size_t errlen);
void sf_pcapng_close(struct sf_pcapng *ng);

#endif
