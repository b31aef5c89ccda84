/* cli/buf.c: the output buffer's slow paths and address formatting. */
#include "cli/buf.h"

void sf_buf_init(struct sf_buf *b, FILE *f)
{
	b->f = f;
	b->n = 0;
	b->failed = false;
}

bool sf_buf_flush(struct sf_buf *b)
{
	if (b->n > 0 && !b->failed && fwrite(b->d, 1, b->n, b->f) != b->n)
		b->failed = true;
	b->n = 0;
	if (!b->failed && fflush(b->f) != 0)
		b->failed = true;
	return !b->failed;
}

void sf_buf_ipv4(struct sf_buf *b, const uint8_t a[4])
{
	/* Built in place and copied once: a per-character call costs more. */
	char t[16];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];
		if (i)
			t[n++] = '.';
		if (v >= 100)
			t[n++] = (char)('0' + v / 100);
		if (v >= 10)
			t[n++] = (char)('0' + v / 10 % 10);
		t[n++] = (char)('0' + v % 10);
	}
	sf_buf_mem(b, t, n);
}

/* RFC 5952 text, exactly as glibc's inet_ntop writes it: lowercase hex
 * without leading zeros, the longest run (the first of equals) of two or
 * more zero groups as "::", and a dotted quad for IPv4-compatible
 * (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses. inet_ntop itself
 * costs half the time of a decode line, through sprintf. */
/* One group in hex without leading zeros: from the byte pairs, so a group
 * costs a few table loads instead of a loop over its digits. */
static size_t hex_group(char *t, uint8_t hi, uint8_t lo)
{
	static const char hx[] = "0123456789abcdef";
	size_t n = 0;

	if (hi >= 0x10)
		t[n++] = hx[hi >> 4];
	if (hi != 0)
		t[n++] = hx[hi & 0xf];
	if (hi != 0 || lo >= 0x10)
		t[n++] = hx[lo >> 4];
	t[n++] = hx[lo & 0xf];
	return n;
}

/* RFC 5952 text, as inet_ntop writes it (tests/test_buf.c compares the two
 * on special forms and random addresses). */
void sf_buf_ipv6(struct sf_buf *b, const uint8_t a[16])
{
	char t[48];
	size_t n = 0;
	unsigned zero = 0; /* bit i: group i is zero */
	int best = -1, bestlen = 0;

	for (int i = 0; i < 8; i++)
		zero |= (unsigned)((a[2 * i] | a[2 * i + 1]) == 0) << i;
	/* The longest run of zero groups, the first of equal ones; at least 2. */
	for (int i = 0; zero >> i; i++) {
		int len = 0;
		while (i + len < 8 && (zero >> (i + len) & 1u))
			len++;
		if (len > bestlen) {
			best = i;
			bestlen = len;
		}
		i += len;
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			t[n++] = ':';
			i += bestlen - 1;
			if (i == 7)
				t[n++] = ':';
			continue;
		}
		if (i)
			t[n++] = ':';
		if (i == 6 && best == 0 &&
		    (bestlen == 6 || (bestlen == 5 && a[10] == 0xff && a[11] == 0xff))) {
			sf_buf_mem(b, t, n);
			sf_buf_ipv4(b, a + 12);
			return;
		}
		n += hex_group(t + n, a[2 * i], a[2 * i + 1]);
	}
	sf_buf_mem(b, t, n);
}

void sf_buf_ip(struct sf_buf *b, uint8_t ver, const uint8_t *a)
{
	if (ver == 4)
		sf_buf_ipv4(b, a);
	else
		sf_buf_ipv6(b, a);
}

void sf_buf_time(struct sf_buf *b, int64_t sec, uint32_t frac, unsigned digits)
{
	uint32_t one = digits == 9 ? 1000000000u : 1000000u;

	if (sec >= 0) {
		sf_buf_u64(b, (uint64_t)sec);
	} else {
		/* -1 s + 0.5 s is -0.5 s: borrow a second for the fraction. */
		uint64_t mag = (uint64_t)0 - (uint64_t)sec;
		sf_buf_ch(b, '-');
		if (frac != 0) {
			mag -= 1;
			frac = one - frac;
		}
		sf_buf_u64(b, mag);
	}
	sf_buf_ch(b, '.');
	sf_buf_u32_pad(b, frac, digits);
}

void sf_buf_hexbytes(struct sf_buf *b, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		sf_buf_ch(b, hx[p[i] >> 4]);
		sf_buf_ch(b, hx[p[i] & 0xf]);
	}
}
