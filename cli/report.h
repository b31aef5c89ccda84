/* cli/report.h: `synfin report`: the report sink and the pure parts of its command line.
 *
 * The sink prints the sockets of the hosts in a capture as `netstat -tan`
 * would have shown them at one moment (the end of the input), then one
 * summary per connection in stream order. Both are kept on disk, not in
 * memory: a fixed-size record per stream in a temporary file, written when
 * the connection finishes, read back in order at the end.
 */
#ifndef SF_CLI_REPORT_H
#define SF_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/pipe.h"
#include "cli/sink.h"
#include "decode/fsm.h"

/* A set of states, one bit per enum sf_st: what ss's state filter selects. */
#define SF_REPORT_ALL ((1u << SF_ST_COUNT) - 1)

/* The bits ss gives a state or group name (case-insensitive, ss's aliases
 * included), or 0 for a name ss does not know. */
uint32_t sf_report_state_bits(const char *name);

/* ss's names, comma-separated, for messages. */
extern const char sf_report_state_names[];

/* The filter words after the options, as ss reads them: `state NAME` adds to
 * the set (the first one starts from nothing), `exclude NAME` takes away
 * (the first one starts from everything); no words select everything.
 * Returns -1 when all were read, else the index of the word at fault (an
 * unknown word, a name ss does not know, or a missing name at n). */
int sf_report_parse_filter(int n, char *const *words, uint32_t *bits);

/* --at TIME: epoch seconds ("1700000000.25"), "+S" seconds after the first
 * packet, or "HH:MM:SS[.frac]" on the first packet's day in local time.
 * Up to 9 decimals, read exactly. False on anything else. */
bool sf_report_parse_at(const char *s, int64_t *ns, enum sf_pipe_stop *base);

/* netstat's word for a state: "SYN_RECV", "FIN_WAIT1", "TIME_WAIT"... */
const char *sf_report_netstat_state(enum sf_st st);

/* tshark 4.0's words for tcp.completeness: "Complete, WITH_DATA"... */
const char *sf_report_completeness_text(unsigned bits);
/* tshark's tcp.completeness.str (4.2 and later): one letter per bit, RST
 * first, "·" (U+00B7) for a bit not set: "·FDASS"; "[ Null ]" for 0. */
#define SF_REPORT_COMPL_STR_MAX 16
const char *sf_report_completeness_str(unsigned bits, char buf[SF_REPORT_COMPL_STR_MAX]);

struct sf_report_listener; /* a server address and port seen accepting */

/* The sink's state (st->priv). */
struct sf_report {
	bool json;
	bool nano;       /* 9 decimals in times, else 6 */
	uint32_t filter; /* SF_REPORT_ALL unless state filters say otherwise */
	FILE *tmp;       /* the summaries, one record per stream */
	uint64_t nrec;   /* one past the highest stream written */
	bool finished;   /* the table's moment has come: later finishes are its sockets */
	bool oom;        /* memory ran out: the table may lack rows */
	int io_errno;    /* the temporary file failed: errno, else 0 */
	struct sf_report_listener *lis;
	size_t nlis, caplis; /* caplis: a power of two, or 0 */
};

/* Sets up r (filter and flags as given) with its temporary file; false with
 * errno set when the file cannot be made. */
bool sf_report_open(struct sf_report *r);
void sf_report_close(struct sf_report *r);

extern const struct sf_sink sf_sink_report;

#endif
