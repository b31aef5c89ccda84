/* decode/tuple.h: a frame's TCP 4-tuple, read ahead in a hurry.
 *
 * The pipeline looks at the next frames before it tracks the current one, so
 * that their connections can be fetched from memory meanwhile. This reader
 * takes only the common shapes (Ethernet with at most one VLAN tag, raw IP,
 * Linux cooked, BSD loopback; IPv4 without fragments, IPv6 with TCP as the
 * first header) and says false to everything else. Its answer is a hint: the
 * frame is decoded properly when its turn comes.
 */
#ifndef SF_DECODE_TUPLE_H
#define SF_DECODE_TUPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sf_tuple {
	uint8_t ver; /* 4 or 6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/* False when the frame is not one of the shapes above, or is cut short. */
bool sf_dec_tuple(int dlt, const uint8_t *p, size_t caplen, struct sf_tuple *t);

#endif
