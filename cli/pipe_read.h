/* cli/pipe_read.h: the pipeline's first half: the next frame, its time, decoded and counted.
 *
 * Private to the pipeline (cli/pipe.c, cli/pipe_split.c). A reader owns its
 * counts and its failure, so it can run on a thread of its own while the
 * tracker runs on another: nothing here touches the sink or its output.
 */
#ifndef SF_CLI_PIPE_READ_H
#define SF_CLI_PIPE_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/source.h"
#include "cli/pipe.h"
#include "decode/frame.h"

/* What the run skipped or could not decode, told once at the end. */
struct sf_pipe_stats {
	uint64_t kinds[SF_FRAME_KIND_COUNT];
	uint64_t problems;      /* frames whose decode was not OK */
	uint64_t first_problem; /* frame number of the first */
	enum sf_why first_why;
	int bad_dlt;    /* the first unsupported link type seen */
	uint64_t lines; /* TCP segments and frames that failed to decode */
};

struct sf_reader {
	struct sf_src *src;
	const struct sf_pipe_opts *o;
	bool no_csum; /* the sink never shows a checksum verdict */
	struct sf_pipe_stats stats;
	struct sf_pkt pkt; /* the frame read last */
	sf_ns stop;        /* --at in capture time, once stop_known */
	bool stop_known;
	enum sf_src_rc failed; /* SF_SRC_ERROR or SF_SRC_FILTER once reading failed, else 0 */
	char err[SF_SRC_ERRLEN];
};

enum sf_read_rc {
	SF_READ_FRAME, /* rd->pkt, *data and *now are the next frame's */
	SF_READ_AGAIN, /* live: nothing arrived before the read timed out */
	SF_READ_EOF,
	SF_READ_STOP,   /* the frame is later than --at: not to be used */
	SF_READ_FAILED, /* see rd->failed and rd->err; sf_reader_failure() tells it */
};

void sf_reader_init(struct sf_reader *rd, struct sf_src *src, const struct sf_pipe_opts *o,
		    bool no_csum);

/* Reads the next frame and its capture time (nanoseconds, saturated). */
enum sf_read_rc sf_reader_next(struct sf_reader *rd, const uint8_t **data, sf_ns *now);

/* Decodes the frame read last into f and counts what it was. */
void sf_reader_decode(struct sf_reader *rd, const uint8_t *data, struct sf_frame *f);

/* Prints why reading failed, naming the file and the packet; the exit code. */
int sf_reader_failure(const struct sf_reader *rd);

#endif
