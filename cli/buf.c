/* cli/buf.c: the output buffer's slow paths and address formatting. */
#include "cli/buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>

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
	for (int i = 0; i < 4; i++) {
		if (i)
			sf_buf_ch(b, '.');
		sf_buf_u64(b, a[i]);
	}
}

void sf_buf_ipv6(struct sf_buf *b, const uint8_t a[16])
{
	char t[INET6_ADDRSTRLEN];
	if (inet_ntop(AF_INET6, a, t, sizeof(t)) == NULL)
		t[0] = '\0';
	sf_buf_str(b, t);
}

void sf_buf_hexbytes(struct sf_buf *b, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		sf_buf_ch(b, hx[p[i] >> 4]);
		sf_buf_ch(b, hx[p[i] & 0xf]);
	}
}
