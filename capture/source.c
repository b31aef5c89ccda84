/* capture/source.c: opening capture files, choosing a reader, filtering. */
#include "capture/source.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/pcapfile.h"
#include "capture/pcapng.h"
#include "config.h"

#define SF_DLT_CHECK 1 /* DLT_EN10MB */

/* A BPF program for the pcapng reader, compiled per link type on first use. */
struct sf_bpf {
	int dlt;
	struct bpf_program prog;
};

static void say(char *err, size_t errlen, const char *what, const char *detail)
{
	snprintf(err, errlen, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
}

bool sf_src_open_file(struct sf_src *s, const char *path, bool nano, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	FILE *fp = NULL;
	struct stat st;
	bool ok = false, regular = false;

	memset(s, 0, sizeof(*s));
	s->name = path;
	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (fp == NULL) {
		say(err, errlen, "cannot open", strerror(errno));
		goto out;
	}
	if (fstat(fileno(fp), &st) == 0) {
		regular = S_ISREG(st.st_mode);
		if (S_ISDIR(st.st_mode)) {
			say(err, errlen, "cannot read", "is a directory");
			goto out;
		}
		if (regular && st.st_size == 0) {
			say(err, errlen, "empty file", "not a pcap or pcapng capture");
			goto out;
		}
	}
	if (regular) {
		uint8_t magic[4] = { 0 };
		size_t got = fread(magic, 1, sizeof(magic), fp);
		if (fseek(fp, 0, SEEK_SET) != 0) {
			say(err, errlen, "cannot read", strerror(errno));
			goto out;
		}
		if (got == sizeof(magic) && sf_pcapng_magic(magic)) {
			s->ng = sf_pcapng_open(fp, nano, err, errlen);
			fp = NULL; /* the reader owns it, even on failure */
			ok = s->ng != NULL;
			s->dlt = -1; /* known at the first packet */
			goto out;
		}
		if (got == sizeof(magic) && sf_pcapfile_magic(magic)) {
			s->pf = sf_pcapfile_open(fp, nano, err, errlen);
			fp = NULL;
			ok = s->pf != NULL;
			s->dlt = ok ? sf_pcapfile_dlt(s->pf) : -1;
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

/* Compiles `expr` for one link type; false with libpcap's words in err. */
static bool compile_for(int dlt, const char *expr, struct bpf_program *prog, char *err,
			size_t errlen)
{
	pcap_t *dead = pcap_open_dead(dlt, 262144);
	bool ok = false;

	if (dead == NULL) {
		say(err, errlen, "cannot compile filter", "out of memory");
		return false;
	}
	if (pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
		say(err, errlen, "bad filter expression", pcap_geterr(dead));
	else
		ok = true;
	pcap_close(dead);
	return ok;
}

/* Our readers' filter for a packet's link type, compiled once per type. */
static const struct bpf_program *prog_for(struct sf_src *s, int dlt, char *err, size_t errlen)
{
	struct sf_bpf *np = NULL;

	for (size_t i = 0; i < s->nprogs; i++)
		if (s->progs[i].dlt == dlt)
			return &s->progs[i].prog;
	np = realloc(s->progs, (s->nprogs + 1) * sizeof(*np));
	if (np == NULL) {
		say(err, errlen, "cannot compile filter", "out of memory");
		return NULL;
	}
	s->progs = np;
	if (!compile_for(dlt, s->filter, &np[s->nprogs].prog, err, errlen))
		return NULL;
	np[s->nprogs].dlt = dlt;
	return &np[s->nprogs++].prog;
}

bool sf_src_set_filter(struct sf_src *s, const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	bool ok = false;

	if (s->pc == NULL) {
		/* Check the expression now, for the file's link type when the file
		 * has one (pcap), else as Ethernet; a pcapng interface of another
		 * type gets its program at its first packet. */
		s->filter = strdup(expr);
		if (s->filter == NULL) {
			say(err, errlen, "cannot install filter", "out of memory");
			return false;
		}
		if (s->pf != NULL)
			return prog_for(s, s->dlt, err, errlen) != NULL;
		if (!compile_for(SF_DLT_CHECK, expr, &prog, err, errlen))
			return false;
		pcap_freecode(&prog);
		return true;
	}

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

/* A packet from our own readers, through the filter. */
static enum sf_src_rc next_own(struct sf_src *s, struct sf_pkt *pkt, const uint8_t **data,
			       char *err, size_t errlen)
{
	for (;;) {
		enum sf_src_rc rc = s->pf != NULL ? sf_pcapfile_next(s->pf, pkt, data, err, errlen)
						  : sf_pcapng_next(s->ng, pkt, data, err, errlen);
		const struct bpf_program *prog = NULL;
		struct pcap_pkthdr h;

		if (rc != SF_SRC_PACKET)
			return rc;
		s->num = pkt->num;
		if (s->dlt < 0)
			s->dlt = pkt->dlt;
		if (s->filter == NULL)
			return rc;
		prog = prog_for(s, pkt->dlt, err, errlen);
		if (prog == NULL)
			return SF_SRC_FILTER;
		h.caplen = pkt->caplen;
		h.len = pkt->wirelen;
		h.ts.tv_sec = (time_t)pkt->sec;
		h.ts.tv_usec = 0;
		if (pcap_offline_filter(prog, &h, *data) != 0)
			return rc;
	}
}

bool sf_src_peek(const struct sf_src *s, unsigned k, const uint8_t **data, uint32_t *caplen,
		 int *dlt)
{
	if (s->pf == NULL)
		return false;
	*dlt = s->dlt;
	return sf_pcapfile_peek(s->pf, k, data, caplen);
}

enum sf_src_rc sf_src_next(struct sf_src *s, struct sf_pkt *pkt, const uint8_t **data, char *err,
			   size_t errlen)
{
	struct pcap_pkthdr *h = NULL;
	int rc = 0;

	if (s->pc == NULL)
		return next_own(s, pkt, data, err, errlen);
	rc = pcap_next_ex(s->pc, &h, data);
	if (rc == 0 && s->live && !s->draining) {
		/* Immediate mode on Linux ignores the handle's timeout and would
		 * block until a frame comes: wait here, bounded, instead. */
		struct pollfd pf = { s->live_fd, POLLIN, 0 };
		(void)poll(&pf, 1, SF_LIVE_TIMEOUT_MS);
		rc = pcap_next_ex(s->pc, &h, data);
	}

	if (rc == PCAP_ERROR_BREAK)
		return SF_SRC_EOF;
	if (rc == 0 && s->live)
		return SF_SRC_AGAIN;
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
	pkt->dlt = s->dlt;
	return SF_SRC_PACKET;
}

void sf_src_close(struct sf_src *s)
{
	if (s->dump != NULL)
		pcap_dump_close(s->dump);
	s->dump = NULL;
	if (s->pc != NULL)
		pcap_close(s->pc);
	s->pc = NULL;
	sf_pcapng_close(s->ng);
	s->ng = NULL;
	sf_pcapfile_close(s->pf);
	s->pf = NULL;
	for (size_t i = 0; i < s->nprogs; i++)
		pcap_freecode(&s->progs[i].prog);
	free(s->progs);
	s->progs = NULL;
	s->nprogs = 0;
	free(s->filter);
	s->filter = NULL;
}
