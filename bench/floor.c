/* bench/floor.c: the libpcap floor: the cheapest possible pass over a capture.
 *
 * usage: floor FILE
 *
 * Opens FILE with pcap_open_offline and calls pcap_next_ex on every record,
 * as synfin's capture source does, and nothing else. No decoder can read a
 * file through libpcap faster than this, so `make bench` states synfin's
 * times as multiples of it. The caplen sum is printed so the compiler cannot
 * drop the loop. Prints "PACKETS packets BYTES bytes" on stdout.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h = NULL;
	const u_char *data = NULL;
	unsigned long long packets = 0, bytes = 0;
	pcap_t *pc = NULL;
	int r = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: floor FILE\n");
		return 2;
	}
	pc = pcap_open_offline(argv[1], err);
	if (pc == NULL) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], err);
		return 1;
	}
	while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	if (r != PCAP_ERROR_BREAK) {
		/* A damaged file must not pass for a fast one. */
		fprintf(stderr, "floor: %s: packet %llu: %s\n", argv[1], packets + 1,
			pcap_geterr(pc));
		pcap_close(pc);
		return 1;
	}
	pcap_close(pc);
	printf("%llu packets %llu bytes\n", packets, bytes);
	return 0;
}
