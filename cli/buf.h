/* cli/buf.h: an output buffer with fast number formatting.
 *
 * printf costs more than the whole decode of a segment; the line and JSON
 * sinks build their text here and write it in large blocks. Errors from the
 * stream surface at sf_buf_flush().
 */
#ifndef SF_CLI_BUF_H
#define SF_CLI_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

#define SF_BUF_SIZE SF_OUT_BUF_SIZE
#define SF_BUF_ROOM 1024 /* one record never needs more than this */

struct sf_buf {
	FILE *f;
	size_t n;
	bool failed;
	char d[SF_BUF_SIZE + SF_BUF_ROOM];
};

void sf_buf_init(struct sf_buf *b, FILE *f);
/* Writes what is buffered; false when the stream failed (now or before). */
bool sf_buf_flush(struct sf_buf *b);

/* Call once per record: flushes when less than SF_BUF_ROOM is left. */
static inline void sf_buf_reserve(struct sf_buf *b)
{
	if (b->n >= SF_BUF_SIZE)
		(void)sf_buf_flush(b);
}

static inline void sf_buf_mem(struct sf_buf *b, const char *s, size_t n)
{
	if (b->n + n > sizeof(b->d)) {
		(void)sf_buf_flush(b);
		if (n > sizeof(b->d))
			n = sizeof(b->d);
	}
	memcpy(b->d + b->n, s, n);
	b->n += n;
}

/* A string literal: its length is known when compiling. */
#define SF_BUF_LIT(b, lit) sf_buf_mem((b), (lit), sizeof(lit) - 1)

static inline void sf_buf_str(struct sf_buf *b, const char *s)
{
	sf_buf_mem(b, s, strlen(s));
}

static inline void sf_buf_ch(struct sf_buf *b, char c)
{
	if (b->n + 1 > sizeof(b->d))
		(void)sf_buf_flush(b);
	b->d[b->n++] = c;
}

/* Two digits per division: every line prints a dozen numbers. */
static inline void sf_buf_u64(struct sf_buf *b, uint64_t v)
{
	static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
				       "25262728293031323334353637383940414243444546474849"
				       "50515253545556575859606162636465666768697071727374"
				       "75767778798081828384858687888990919293949596979899";
	char t[20];
	size_t i = sizeof(t);
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100) * 2;
		v /= 100;
		t[--i] = pairs[r + 1];
		t[--i] = pairs[r];
	}
	if (v >= 10) {
		t[--i] = pairs[v * 2 + 1];
		t[--i] = pairs[v * 2];
	} else {
		t[--i] = (char)('0' + v);
	}
	sf_buf_mem(b, t + i, sizeof(t) - i);
}

/* Exactly `width` digits, zero-padded (for fractions of a second). */
static inline void sf_buf_u32_pad(struct sf_buf *b, uint32_t v, unsigned width)
{
	char t[10];
	if (width > sizeof(t))
		width = sizeof(t);
	for (unsigned i = width; i > 0; i--) {
		t[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	sf_buf_mem(b, t, width);
}

/* "0x" and exactly `digits` lowercase hex digits. */
static inline void sf_buf_hex(struct sf_buf *b, uint32_t v, unsigned digits)
{
	static const char hx[] = "0123456789abcdef";
	char t[10] = { '0', 'x' };
	if (digits > 8)
		digits = 8;
	for (unsigned i = 0; i < digits; i++)
		t[2 + digits - 1 - i] = hx[(v >> (4 * i)) & 0xf];
	sf_buf_mem(b, t, 2 + digits);
}

void sf_buf_ipv4(struct sf_buf *b, const uint8_t a[4]);
/* IPv4 when ver is 4, else IPv6. */
void sf_buf_ip(struct sf_buf *b, uint8_t ver, const uint8_t *a);
/* sec + frac/10^digits as a decimal number: -0.5 for (-1, 500000, 6).
 * frac must be below 10^digits (the readers normalise it). */
void sf_buf_time(struct sf_buf *b, int64_t sec, uint32_t frac, unsigned digits);
/* RFC 5952 text, as inet_ntop writes it. */
void sf_buf_ipv6(struct sf_buf *b, const uint8_t a[16]);
/* Bytes as lowercase hex with no separator. */
void sf_buf_hexbytes(struct sf_buf *b, const uint8_t *p, size_t n);

#endif
