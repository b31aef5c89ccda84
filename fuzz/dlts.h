/* fuzz/dlts.h: the DLT table that fuzz_frame's first byte indexes and seed writes.
 *
 * Both sides must agree, so the table lives here once. The order is part of
 * the seed format: appending is fine, reordering invalidates old corpora
 * (they still run, as a different link type). fuzz_frame refuses to start
 * unless this is exactly the set sf_link_supported() accepts, so a link type
 * added to decode/link.c must be appended here to be fuzzed at all.
 */
#ifndef SF_FUZZ_DLTS_H
#define SF_FUZZ_DLTS_H

#include <stddef.h>

#include "decode/link.h"

static const int sf_fuzz_dlts[] = {
	SF_DLT_NULL,        SF_DLT_EN10MB,       SF_DLT_PPP,          SF_DLT_RAW,
	SF_DLT_RAW_OPENBSD, SF_DLT_PPP_SERIAL,   SF_DLT_LINKTYPE_RAW, SF_DLT_LOOP,
	SF_DLT_LINUX_SLL,   SF_DLT_IPV4,         SF_DLT_IPV6,         SF_DLT_LINUX_SLL2,
	SF_DLT_FDDI,        SF_DLT_ARCNET_LINUX, SF_DLT_NFLOG,        SF_DLT_IPOIB,
};
#define SF_FUZZ_NDLT (sizeof(sf_fuzz_dlts) / sizeof(sf_fuzz_dlts[0]))

/* Index of `dlt` in the table, or -1 when the decoder does not take it. */
static inline int sf_fuzz_dlt_index(int dlt)
{
	for (size_t i = 0; i < SF_FUZZ_NDLT; i++)
		if (sf_fuzz_dlts[i] == dlt)
			return (int)i;
	return -1;
}

/* Seeds and fuzz inputs never exceed this (run.sh passes -max_len=4096). */
#define SF_FUZZ_MAX_LEN 4096

#endif
