/* decode/seq.h: TCP sequence-number arithmetic, modulo 2^32 (RFC 9293 3.4). */
#ifndef SF_DECODE_SEQ_H
#define SF_DECODE_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/* a < b in sequence space: b is ahead of a by less than half the space. */
static inline bool sf_seq_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

static inline bool sf_seq_gt(uint32_t a, uint32_t b)
{
	return sf_seq_lt(b, a);
}

static inline bool sf_seq_leq(uint32_t a, uint32_t b)
{
	return a == b || sf_seq_lt(a, b);
}

static inline bool sf_seq_geq(uint32_t a, uint32_t b)
{
	return a == b || sf_seq_lt(b, a);
}

#endif
