/* fuzz/fuzz_route.c: libFuzzer target for the crafter's parser of rtnetlink route replies.
 *
 * Input: byte 0 picks the family (even AF_INET, odd AF_INET6); the rest is
 * one datagram, the tail of libFuzzer's exactly-sized buffer, so a byte read
 * past it is an ASan report. A failed invariant is a __builtin_trap().
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "craft/safety.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_craft_route rt;
	volatile uint32_t sink = 0;

	if (size < 1)
		return 0;
	memset(&rt, 0, sizeof(rt));
	if (sf_craft_route_parse(data + 1, size - 1, data[0] & 1 ? AF_INET6 : AF_INET, &rt)) {
		if (rt.kerrno < 0)
			__builtin_trap(); /* an errno is never negative */
		sink += rt.type + rt.gateway + rt.oif + rt.gw[0] + rt.gw[15];
	}
	(void)sink;
	return 0;
}
