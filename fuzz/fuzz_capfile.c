/* fuzz/fuzz_capfile.c: libFuzzer target for the capture-file readers.
 *
 * The input is a whole capture file, pcap or pcapng, read from memory with
 * fmemopen through capture/pcapfile.c or capture/pcapng.c, record after
 * record, and each record through the frame decoder. Invariants: a record
 * never claims more bytes than the file holds, caplen <= wirelen for pcapng
 * (the reader raises wirelen) and record numbers count up from 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/pcapfile.h"
#include "capture/pcapng.h"
#include "decode/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[SF_SRC_ERRLEN];
	struct sf_pcapfile *pf = NULL;
	struct sf_pcapng *ng = NULL;
	struct sf_frame f;
	FILE *fp = NULL;
	bool is_ng = false;

	if (size < 4)
		return 0;
	is_ng = sf_pcapng_magic(data);
	if (!is_ng && !sf_pcapfile_magic(data))
		return 0;
	fp = fmemopen((void *)data, size, "rb");
	if (fp == NULL)
		return 0;
	if (is_ng)
		ng = sf_pcapng_open(fp, size & 1, err, sizeof(err));
	else
		pf = sf_pcapfile_open(fp, size & 1, err, sizeof(err));
	if (ng == NULL && pf == NULL)
		return 0; /* the reader closed fp */
	for (uint64_t n = 1; n < 100000; n++) {
		struct sf_pkt pkt;
		const uint8_t *p = NULL;
		enum sf_src_rc rc = is_ng ? sf_pcapng_next(ng, &pkt, &p, err, sizeof(err))
					  : sf_pcapfile_next(pf, &pkt, &p, err, sizeof(err));
		if (rc != SF_SRC_PACKET)
			break;
		if (pkt.num != n || pkt.caplen > size || (is_ng && pkt.caplen > pkt.wirelen))
			__builtin_trap();
		if (pkt.caplen > 0 && p == NULL)
			__builtin_trap();
		/* Every byte the reader hands out must be readable. */
		volatile uint8_t sink = 0;
		for (uint32_t i = 0; i < pkt.caplen; i++)
			sink ^= p[i];
		(void)sink;
		(void)sf_dec_frame(pkt.dlt, p, pkt.caplen, pkt.wirelen, &f);
	}
	sf_pcapng_close(ng);
	sf_pcapfile_close(pf);
	return 0;
}
