/* cli/pipe_split.h: the pipeline on two threads, for a sink that needs only connections.
 *
 * A sink without a frame() callback (report) sees nothing of a frame but
 * what the tracker makes of it. Then reading and decoding, about half the
 * work, run on a thread of their own, ahead of the tracker on the caller's
 * thread; the halves meet in a ring of small records that carry only the
 * fields the tracker reads of a frame (see sf_track_seg_hashed), not the
 * decoded frame, whose 850 bytes a frame cost more to pass than to decode.
 * The outcome is the same connection for connection: tests/golden.sh runs
 * every report golden both ways, SYNFIN_THREADS=2 and 1.
 */
#ifndef SF_CLI_PIPE_SPLIT_H
#define SF_CLI_PIPE_SPLIT_H

#include <stdbool.h>

#include "cli/pipe_read.h"
#include "cli/sink.h"
#include "decode/track.h"

/* Whether this run can be split: a file (not live), neither --realtime nor
 * -c, a sink without frame() and without tshark's notes; and at least two
 * CPUs to run on. SYNFIN_THREADS=1 in the environment says no, =2 says yes
 * whatever the CPUs. */
bool sf_pipe_split_fits(const struct sf_pipe_opts *o, const struct sf_sink *sink,
			const struct sf_src *src);

/* Reads rd's source to its end (or --at, or a failure, as rd then says) on
 * a second thread and tracks every segment here, into trk. False, having
 * read nothing, when the thread or its ring cannot be had. */
bool sf_pipe_split_run(struct sf_reader *rd, struct sf_track *trk);

#endif
