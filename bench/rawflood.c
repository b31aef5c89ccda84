/* bench/rawflood.c: the raw-socket floor: one prebuilt SYN sent in a loop.
 *
 * usage: rawflood [-d SECONDS] [-p PORT]     (root: a raw socket needs CAP_NET_RAW)
 *
 * Builds one 40-byte SYN from 127.0.0.1 port 40000 to 127.0.0.1 PORT
 * (default 9, closed: the kernel answers each with a RST) and sends it with
 * sendto() on socket(AF_INET, SOCK_RAW, IPPROTO_RAW) as fast as it can for
 * SECONDS (default 3), looking at the clock every 256 sends. Nothing is
 * patched, allocated or printed in the loop: no SYN flood can cost user
 * space less than this, so `make bench` states `synfin craft send --flood`
 * and hping3 --flood as fractions of it. Prints "PACKETS packets in SECONDS
 * s, RATE packets/s" on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* RFC 1071 over big-endian 16-bit words, starting from `sum`. */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int count_arg(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v < lo || v > hi)
		return 0;
	*out = v;
	return 1;
}

int main(int argc, char **argv)
{
	/* IPv4: version/IHL, TOS, total length 40, id 0, DF, TTL 64, TCP,
	 * checksum (the kernel fills it in with IP_HDRINCL), 127.0.0.1 twice;
	 * TCP: 40000 -> PORT, seq 1000, ack 0, data offset 5, SYN, window 64240. */
	uint8_t pkt[40] = { 0x45, 0, 0,   40, 0,    0,    0x40, 0,    64, 6, 0, 0, 127,  0,
			    0,    1, 127, 0,  0,    1,    0x9c, 0x40, 0,  9, 0, 0, 0x03, 0xe8,
			    0,    0, 0,   0,  0x50, 0x02, 0xfa, 0xf0, 0,  0, 0, 0 };
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long long sent = 0, failed = 0;
	long secs = 3, port = 9;
	double start = 0, end = 0, t = 0;
	int fd = -1, c = 0;

	while ((c = getopt(argc, argv, "d:p:")) != -1) {
		if ((c == 'd' && count_arg(optarg, 1, 60, &secs)) ||
		    (c == 'p' && count_arg(optarg, 1, 65535, &port)))
			continue;
		fprintf(stderr, "usage: rawflood [-d SECONDS (1-60)] [-p PORT]\n");
		return 2;
	}
	pkt[22] = (uint8_t)(port >> 8);
	pkt[23] = (uint8_t)port;
	/* The pseudo-header (addresses, protocol, TCP length), then the header. */
	uint16_t ck = fold(sum16(pkt + 20, 20, sum16(pkt + 12, 8, 6 + 20)));
	pkt[36] = (uint8_t)(ck >> 8);
	pkt[37] = (uint8_t)ck;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		fprintf(stderr, "rawflood: raw socket: %s (needs root)\n", strerror(errno));
		return 1;
	}
	start = now();
	end = start + (double)secs;
	for (;;) {
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) ==
		    (ssize_t)sizeof(pkt))
			sent++;
		else
			failed++;
		if (((sent + failed) & 255) == 0 && (t = now()) >= end)
			break;
	}
	close(fd);
	if (failed > 0)
		fprintf(stderr, "rawflood: %llu sends failed\n", failed);
	printf("%llu packets in %.3f s, %.0f packets/s\n", sent, t - start,
	       (double)sent / (t - start));
	return sent > 0 ? 0 : 1;
}
