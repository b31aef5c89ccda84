/* capture/pcapfile.h: a classic pcap reader that hands out records in place.
 *
 * libpcap copies every record twice (stdio, then its own buffer) and that
 * costs as much as our whole decode; this reader reads the file in large
 * blocks and returns pointers into them. It follows libpcap's rules for
 * damaged records (sf-pcap.c) so both read the same packets: a capture length
 * beyond the link type's sane maximum is an error, one beyond the file's
 * snapshot length is cut to it, and versions before 2.3 swap the lengths.
 */
#ifndef SF_CAPTURE_PCAPFILE_H
#define SF_CAPTURE_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/source.h"

struct sf_pcapfile;

/* True for the magic numbers of pcap (micro, nano, Kuznetsov), either order. */
bool sf_pcapfile_magic(const uint8_t b[4]);

/* Takes `f` at the start of the file; closes it on failure and at close. */
SF_NODISCARD struct sf_pcapfile *sf_pcapfile_open(FILE *f, bool nano, char *err, size_t errlen);
SF_NODISCARD enum sf_src_rc sf_pcapfile_next(struct sf_pcapfile *pf, struct sf_pkt *pkt,
					     const uint8_t **data, char *err, size_t errlen);
/* The k-th record after the next one's start (k = 0: the next) when it is
 * already in the buffer whole; false otherwise. Reads nothing, moves nothing:
 * the data stays valid until the next sf_pcapfile_next(). */
bool sf_pcapfile_peek(const struct sf_pcapfile *pf, unsigned k, const uint8_t **data,
		      uint32_t *caplen);
int sf_pcapfile_dlt(const struct sf_pcapfile *pf);
void sf_pcapfile_close(struct sf_pcapfile *pf);

#endif
