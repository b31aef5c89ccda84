/* capture/live.c: live capture with libpcap, the -w file, dropping root. */
#include "capture/live.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static enum sf_live_fail fail_of(int rc)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
	case PCAP_ERROR_IFACE_NOT_UP: return SF_LIVE_NO_DEVICE;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED: return SF_LIVE_PERM;
	default: return SF_LIVE_OTHER;
	}
}

static void explain(enum sf_live_fail why, const struct sf_live_cfg *cfg, const char *pcap_msg,
		    char *err, size_t errlen)
{
	switch (why) {
	case SF_LIVE_NO_DEVICE:
		snprintf(err, errlen,
			 "cannot capture on '%s': no such interface, or it is down (%s)",
			 cfg->iface, pcap_msg);
		break;
	case SF_LIVE_PERM:
		snprintf(err, errlen,
			 "cannot capture on '%s': no permission (%s); capturing needs CAP_NET_RAW "
			 "and CAP_NET_ADMIN: run it with sudo, or grant them once with "
			 "'sudo setcap cap_net_raw,cap_net_admin=eip PATH-TO-synfin'",
			 cfg->iface, pcap_msg);
		break;
	default: snprintf(err, errlen, "cannot capture on '%s': %s", cfg->iface, pcap_msg); break;
	}
}

enum sf_live_fail sf_src_open_live(struct sf_src *s, const struct sf_live_cfg *cfg, char *err,
				   size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	enum sf_live_fail why = SF_LIVE_OTHER;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	s->name = cfg->iface;
	s->live = true;
	s->frac_digits = 6;
	s->pc = pcap_create(cfg->iface, perr);
	if (s->pc == NULL) {
		explain(SF_LIVE_OTHER, cfg, perr, err, errlen);
		return SF_LIVE_OTHER;
	}
	/* Immediate mode: each frame as it comes, not when a block fills. */
	if (pcap_set_snaplen(s->pc, cfg->snaplen ? cfg->snaplen : SF_LIVE_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(s->pc, 1) != 0 ||
	    pcap_set_buffer_size(s->pc, (cfg->buffer_kib ? cfg->buffer_kib : SF_LIVE_BUFFER_KIB) *
						1024) != 0 ||
	    pcap_set_timeout(s->pc, SF_LIVE_TIMEOUT_MS) != 0) {
		explain(SF_LIVE_OTHER, cfg, "cannot configure the handle", err, errlen);
		goto fail;
	}
	rc = pcap_activate(s->pc);
	if (rc < 0) {
		why = fail_of(rc);
		explain(why, cfg, rc == PCAP_ERROR ? pcap_geterr(s->pc) : pcap_statustostr(rc), err,
			errlen);
		goto fail;
	}
	s->dlt = pcap_datalink(s->pc);
	s->live_fd = pcap_get_selectable_fd(s->pc);
	if (s->live_fd < 0 || pcap_setnonblock(s->pc, 1, perr) != 0) {
		explain(SF_LIVE_OTHER, cfg, "cannot wait on the handle", err, errlen);
		goto fail;
	}
	if (cfg->wfile != NULL) {
		s->dump = pcap_dump_open(s->pc, cfg->wfile);
		if (s->dump == NULL) {
			snprintf(err, errlen, "cannot create '%s': %s", cfg->wfile,
				 pcap_geterr(s->pc));
			why = SF_LIVE_WFILE;
			goto fail;
		}
		s->dump_name = cfg->wfile;
	}
	return SF_LIVE_OK;
fail:
	pcap_close(s->pc);
	s->pc = NULL;
	return why;
}

void sf_src_live_break(struct sf_src *s)
{
	if (s->pc != NULL && s->live)
		pcap_breakloop(s->pc);
}

bool sf_src_live_drain(struct sf_src *s)
{
	s->draining = true; /* the handle is non-blocking already */
	return s->pc != NULL;
}

bool sf_src_live_stats(struct sf_src *s, struct sf_live_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (s->pc == NULL || !s->live || pcap_stats(s->pc, &ps) != 0)
		return false;
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->ifdropped = ps.ps_ifdrop;
	return true;
}

int sf_src_wfile_fd(const struct sf_src *s)
{
	return s->dump != NULL ? fileno(pcap_dump_file(s->dump)) : -1;
}

void sf_src_dump(struct sf_src *s, const struct sf_pkt *pkt, const uint8_t *data)
{
	struct pcap_pkthdr h;

	if (s->dump == NULL)
		return;
	h.ts.tv_sec = (time_t)pkt->sec;
	h.ts.tv_usec = (suseconds_t)pkt->frac;
	h.caplen = pkt->caplen;
	h.len = pkt->wirelen;
	pcap_dump((u_char *)s->dump, &h, data);
}

bool sf_src_dump_close(struct sf_src *s, char *err, size_t errlen)
{
	FILE *f = NULL;
	bool ok = true;

	if (s->dump == NULL)
		return true;
	f = pcap_dump_file(s->dump);
	/* pcap_dump() cannot report a failed fwrite; the stream remembers it. */
	errno = 0;
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "writing '%s' failed: %s; the file is incomplete",
			 s->dump_name, strerror(errno ? errno : EIO));
		ok = false;
	}
	pcap_dump_close(s->dump);
	s->dump = NULL;
	return ok;
}

bool sf_drop_privileges(const char *user, int keep_fd, char *err, size_t errlen)
{
	const struct passwd *pw = NULL;
	struct stat sb;

	if (geteuid() != 0)
		return true;
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "cannot drop privileges to '%s': %s", user,
			 errno ? strerror(errno) : "no such user");
		return false;
	}
	/* The -w file was made as root: give it to the user it is written as.
	 * Only a regular file: -w /dev/full or a FIFO is not ours to give. */
	if (keep_fd >= 0 && fstat(keep_fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    fchown(keep_fd, pw->pw_uid, pw->pw_gid) != 0) {
		snprintf(err, errlen, "cannot give the -w file to '%s': %s", user, strerror(errno));
		return false;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot drop privileges to '%s': %s", user, strerror(errno));
		return false;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) { /* must not be able to come back */
		snprintf(err, errlen, "dropping privileges to '%s' did not hold", user);
		return false;
	}
	return true;
}
