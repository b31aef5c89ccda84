/* decode/rd.h: the one bounds-checked reader; nothing else indexes packet memory.
 *
 * Invariant: off <= len. Every read checks `len - off < n` first (which cannot
 * overflow, unlike `off + n > len`) and leaves `off` unchanged when it fails.
 */
#ifndef SF_DECODE_RD_H
#define SF_DECODE_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sf_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline struct sf_rd sf_rd_make(const uint8_t *p, size_t len)
{
	struct sf_rd r = { .p = p, .len = len, .off = 0 };
	return r;
}

static inline size_t sf_rd_left(const struct sf_rd *r)
{
	return r->len - r->off;
}

static inline bool sf_rd_u8(struct sf_rd *r, uint8_t *out)
{
	if (r->len - r->off < 1)
		return false;
	*out = r->p[r->off];
	r->off += 1;
	return true;
}

static inline bool sf_rd_be16(struct sf_rd *r, uint16_t *out)
{
	if (r->len - r->off < 2)
		return false;
	*out = (uint16_t)((unsigned)r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return true;
}

static inline bool sf_rd_be32(struct sf_rd *r, uint32_t *out)
{
	if (r->len - r->off < 4)
		return false;
	*out = (uint32_t)r->p[r->off] << 24 | (uint32_t)r->p[r->off + 1] << 16 |
	       (uint32_t)r->p[r->off + 2] << 8 | (uint32_t)r->p[r->off + 3];
	r->off += 4;
	return true;
}

/* Little-endian 32 bits: DLT_NULL stores the address family in the byte
 * order of the machine that wrote the file. */
static inline bool sf_rd_le32(struct sf_rd *r, uint32_t *out)
{
	if (r->len - r->off < 4)
		return false;
	*out = (uint32_t)r->p[r->off + 3] << 24 | (uint32_t)r->p[r->off + 2] << 16 |
	       (uint32_t)r->p[r->off + 1] << 8 | (uint32_t)r->p[r->off];
	r->off += 4;
	return true;
}

/* Little-endian 16 bits: NFLOG's TLV headers, in the writer's byte order. */
static inline bool sf_rd_le16(struct sf_rd *r, uint16_t *out)
{
	if (r->len - r->off < 2)
		return false;
	*out = (uint16_t)((unsigned)r->p[r->off + 1] << 8 | r->p[r->off]);
	r->off += 2;
	return true;
}

/* The byte `at` places ahead, without consuming anything. */
static inline bool sf_rd_at_u8(const struct sf_rd *r, size_t at, uint8_t *out)
{
	if (r->len - r->off <= at)
		return false;
	*out = r->p[r->off + at];
	return true;
}

/* A reader over the next n bytes, which this one then skips. */
static inline bool sf_rd_sub(struct sf_rd *r, size_t n, struct sf_rd *sub)
{
	if (r->len - r->off < n)
		return false;
	sub->p = r->p + r->off;
	sub->len = n;
	sub->off = 0;
	r->off += n;
	return true;
}

/* A reader over everything left, without consuming it. */
static inline struct sf_rd sf_rd_rest(const struct sf_rd *r)
{
	struct sf_rd sub = { .p = r->p + r->off, .len = r->len - r->off, .off = 0 };
	return sub;
}

static inline bool sf_rd_skip(struct sf_rd *r, size_t n)
{
	if (r->len - r->off < n)
		return false;
	r->off += n;
	return true;
}

/* Copies n bytes out; used for addresses, which the caller keeps. */
static inline bool sf_rd_copy(struct sf_rd *r, uint8_t *dst, size_t n)
{
	if (r->len - r->off < n)
		return false;
		/* memcpy of a constant 4 or 16 is two moves; a byte loop is not. GCC's
	 * stringop-overflow and restrict checks, fed a test's huge constant n, warn about
	 * this line in the branch the bounds check above has made unreachable. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
	if (n > 0)
		memcpy(dst, r->p + r->off, n);
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
	r->off += n;
	return true;
}

/* Adds the next n bytes to a ones-complement sum as big-endian 16-bit words
 * (an odd last byte is padded with zero), for Internet checksums.
 *
 * The sum is order-independent (RFC 1071 section 2): we add native 32-bit
 * words eight bytes at a time and swap the folded result once on a
 * little-endian host, which is several times faster than byte pairs. */
static inline bool sf_rd_sum16(struct sf_rd *r, size_t n, uint32_t *sum)
{
	const uint8_t *p = NULL;
	uint64_t s = 0;
	size_t i = 0;

	if (r->len - r->off < n)
		return false;
	p = r->p + r->off;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		s += (w & 0xffffffffu) + (w >> 32);
	}
	for (; i + 2 <= n; i += 2) {
		uint16_t w;
		memcpy(&w, p + i, 2);
		s += w;
	}
	if (i < n) {
		uint16_t w = 0;
		memcpy(&w, p + i, 1); /* the lower address: the high byte on the wire */
		s += w;
	}
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	s = ((s & 0xff) << 8) | (s >> 8);
#endif
	s += *sum;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	*sum = (uint32_t)s;
	r->off += n;
	return true;
}

/* A pointer to the next n bytes without consuming them, or NULL. */
static inline const uint8_t *sf_rd_peek(const struct sf_rd *r, size_t n)
{
	if (r->len - r->off < n)
		return NULL;
	return r->p + r->off;
}

#endif
