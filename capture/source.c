/* capture/source.c: reading capture files through libpcap. */
#include "capture/source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void say(char *err, size_t errlen, const char *what, const char *detail)
{
	snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

bool sf_src_open_file(struct sf_src *s, const char *path, bool nano, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	FILE *fp = NULL;
	struct stat st;
	bool ok = false;

	memset(s, 0, sizeof(*s));
	s->name = path;
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		say(err, errlen, "cannot open", strerror(errno));
		goto out;
	}
	if (fstat(fileno(fp), &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			say(err, errlen, "cannot read", "is a directory");
			goto out;
		}
		if (S_ISREG(st.st_mode) && st.st_size == 0) {
			say(err, errlen, "empty file", "not a pcap or pcapng capture");
			goto out;
		}
	}
	s->pc = pcap_fopen_offline_with_tstamp_precision(
		fp, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, perr);
	if (s->pc == NULL) {
		if (strstr(perr, "unknown file format") != NULL)
			say(err, errlen, "not a pcap or pcapng capture", "unknown magic number");
		else if (strstr(perr, "truncated") != NULL)
			say(err, errlen, "capture file header cut short", perr);
		else
			say(err, errlen, "cannot read capture", perr);
		goto out;
	}
	fp = NULL; /* pcap_close() closes it now */
	s->dlt = pcap_datalink(s->pc);
	s->frac_digits = nano ? 9 : 6;
	ok = true;
out:
	if (fp != NULL && fp != stdin)
		fclose(fp);
	return ok;
}

bool sf_src_set_filter(struct sf_src *s, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	bool ok = false;

	if (pcap_compile(s->pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		say(err, errlen, "bad filter expression", pcap_geterr(s->pc));
		return false;
	}
	if (pcap_setfilter(s->pc, &prog) != 0)
		say(err, errlen, "cannot install filter", pcap_geterr(s->pc));
	else
		ok = true;
	pcap_freecode(&prog);
	return ok;
}

enum sf_src_rc sf_src_next(struct sf_src *s, struct sf_pkt *pkt, const uint8_t **data,
			   char *err, size_t errlen)
{
	struct pcap_pkthdr *h = NULL;
	int rc = pcap_next_ex(s->pc, &h, data);

	if (rc == PCAP_ERROR_BREAK)
		return SF_SRC_EOF;
	if (rc != 1) {
		const char *m = pcap_geterr(s->pc);
		if (strstr(m, "truncated") != NULL)
			say(err, errlen, "record cut short, the file ends inside it", m);
		else
			say(err, errlen, "cannot read record", m);
		s->num++; /* the failed record is the next frame number */
		pkt->num = s->num;
		return SF_SRC_ERROR;
	}
	s->num++;
	pkt->num = s->num;
	pkt->sec = (int64_t)h->ts.tv_sec;
	pkt->frac = (uint32_t)h->ts.tv_usec;
	pkt->frac_digits = s->frac_digits;
	pkt->caplen = h->caplen;
	pkt->wirelen = h->len;
	return SF_SRC_PACKET;
}

void sf_src_close(struct sf_src *s)
{
	if (s->pc != NULL)
		pcap_close(s->pc);
	s->pc = NULL;
}
