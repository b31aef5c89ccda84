/* capture/live.h: a live libpcap handle as a source, and the file -w writes.
 *
 * The handle is made with pcap_create() in immediate mode, so each segment
 * reaches the pipeline as it happens, with a kernel buffer sized for that:
 * in immediate mode Linux gives every frame a slot of the snaplen, and
 * libpcap's default 2 MiB then holds a handful of frames. The handle is
 * non-blocking and a read waits at most SF_LIVE_TIMEOUT_MS (poll on its
 * descriptor: in immediate mode Linux's libpcap ignores the handle's own
 * timeout), so the caller can look at its clock and signals.
 */
#ifndef SF_CAPTURE_LIVE_H
#define SF_CAPTURE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/source.h"

struct sf_live_cfg {
	const char *iface;
	int snaplen;       /* 0: SF_LIVE_SNAPLEN */
	int buffer_kib;    /* 0: SF_LIVE_BUFFER_KIB */
	const char *wfile; /* -w: every captured frame into this pcap, or NULL */
};

/* Why a live source could not be opened: the command line turns these into
 * its exit codes. */
enum sf_live_fail {
	SF_LIVE_OK = 0,
	SF_LIVE_NO_DEVICE, /* no such interface, or it is down */
	SF_LIVE_PERM,      /* no privilege to capture: err says how to get it */
	SF_LIVE_WFILE,     /* -w FILE cannot be created */
	SF_LIVE_OTHER,
};

/* Opens and activates the handle (and the -w file). On failure err is one
 * line saying what is missing, e.g. how to grant the capabilities. */
enum sf_live_fail sf_src_open_live(struct sf_src *s, const struct sf_live_cfg *cfg, char *err,
				   size_t errlen);

/* Makes a blocked read return (SF_SRC_EOF) at once; safe in a signal handler. */
void sf_src_live_break(struct sf_src *s);

/* After a break: reads no longer wait, so the frames the kernel already
 * holds are drained (SF_SRC_AGAIN once there are none). */
bool sf_src_live_drain(struct sf_src *s);

struct sf_live_stats {
	unsigned received; /* by the filter */
	unsigned dropped;  /* by the kernel: no room in the buffer */
	unsigned ifdropped;
};
bool sf_src_live_stats(struct sf_src *s, struct sf_live_stats *st);

/* The file descriptor of the -w file, or -1 (to give it to the user that
 * privileges are dropped to). */
int sf_src_wfile_fd(const struct sf_src *s);

/* Writes the frame just read to -w's file, if any. */
void sf_src_dump(struct sf_src *s, const struct sf_pkt *pkt, const uint8_t *data);

/* Flushes and closes -w's file; false with err ("No space left on device")
 * when any write failed: the file is then incomplete and must be said so. */
bool sf_src_dump_close(struct sf_src *s, char *err, size_t errlen);

/* Drops root for `user` (tcpdump's -Z), once the handle is active. Does
 * nothing when not root. False with err when the user is unknown or the
 * switch fails (then the caller must not go on as root). */
bool sf_drop_privileges(const char *user, int keep_fd, char *err, size_t errlen);

#endif
