/* fuzz/fuzz_kernel.c: libFuzzer target for sf_kernel_parse, the reader of NETLINK_SOCK_DIAG answers.
 *
 * Input:  +------+-------------------------------------------+
 *         | stop | one datagram as the kernel would send it  |
 *         | 1    | rest: nlmsghdr, inet_diag_msg, rtattrs... |
 *         +------+-------------------------------------------+
 * The callback asks to stop after `stop` sockets (0: never). The datagram is
 * the tail of libFuzzer's exactly-sized buffer, at an odd address: a read
 * past it is an ASan report, and a read through a cast pointer a UBSan
 * alignment report. Each invariant below that fails is a __builtin_trap().
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "capture/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#define KEEP 16

struct seen {
	size_t n;
	unsigned stop;
	struct sf_sock keep[KEEP];
};

static bool all_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != 0)
			return false;
	return true;
}

static bool take(void *ctx, const struct sf_sock *s)
{
	struct seen *v = ctx;

	/* Each socket handed out is whole and in range. */
	CHECK(s->ver == 4 || s->ver == 6);
	CHECK(s->state < SF_ST_COUNT);
	CHECK(s->v6only <= 1);
	if (s->ver == 4)
		CHECK(all_zero(s->local + 4, 12) && all_zero(s->remote + 4, 12));
	if (v->n < KEEP)
		v->keep[v->n] = *s;
	v->n++;
	return v->stop == 0 || v->n < v->stop;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen v;
	bool done = false;
	int kerrno = -1;
	char err[256];
	enum sf_kernel_rc rc = SF_KERNEL_OK;
	size_t k = 0;

	if (size < 1)
		return 0;
	memset(&v, 0, sizeof(v));
	v.stop = data[0];
	memset(err, 'x', sizeof(err));
	rc = sf_kernel_parse(data + 1, size - 1, take, &v, &done, &kerrno, err, sizeof(err));

	/* The result is well-formed. */
	CHECK((unsigned)rc < SF_KERNEL_RC_COUNT);
	CHECK(sf_kernel_rc_name(rc) != NULL);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL); /* err is always a string */
	CHECK((rc == SF_KERNEL_OK) == (err[0] == '\0'));
	CHECK((rc == SF_KERNEL_REFUSED) == (kerrno > 0));
	CHECK(kerrno >= 0);
	CHECK(!done || rc == SF_KERNEL_OK);
	CHECK(rc != SF_KERNEL_STOPPED || (v.stop != 0 && v.n == v.stop));
	/* A socket takes a 16-byte header and a 72-byte inet_diag_msg. */
	CHECK(v.n <= (size - 1) / (16 + 72));

	/* The order is a total order on what was parsed. */
	k = v.n < KEEP ? v.n : KEEP;
	for (size_t i = 0; i < k; i++) {
		CHECK(sf_kernel_sock_cmp(&v.keep[i], &v.keep[i]) == 0);
		for (size_t j = 0; j < k; j++)
			CHECK(sign(sf_kernel_sock_cmp(&v.keep[i], &v.keep[j])) ==
			      -sign(sf_kernel_sock_cmp(&v.keep[j], &v.keep[i])));
	}
	return 0;
}
