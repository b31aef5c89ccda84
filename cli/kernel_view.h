/* cli/kernel_view.h: the kernel's sockets as `synfin report` prints sockets, and beside the capture's.
 *
 * Both print into a struct sf_buf (cli/buf.h), as the report sink does, in
 * the report's netstat columns: "%-4s  %-23s %-23s %-11s" (Proto, Local
 * Address, Foreign Address, State), a long address widening its column as
 * `netstat -W` does, no trailing blanks. A port 0 prints as "*", as netstat
 * prints it: a listener's foreign address is "0.0.0.0:*" or ":::*". Or, with
 * json, one object per line (README.md): "kernel_socket" rows, "compare"
 * rows and one "compare_summary".
 *
 * The comparison puts the sockets the capture inferred beside the kernel's,
 * one row per socket in either set, in netstat's order
 * (sf_kernel_sock_cmp). Agreement rules:
 *  - Sockets are the same socket when their local and remote addresses
 *    and ports are equal. An IPv4-mapped IPv6 address (::ffff:a.b.c.d, a
 *    dual-stack socket's view of an IPv4 peer) equals its IPv4 address:
 *    the capture saw IPv4 on the wire.
 *  - A LISTEN socket compares by its local address and port only: the
 *    kernel's listener may be bound to 0.0.0.0 or ::, the capture infers
 *    the address it saw answering. So a capture listener matches a kernel
 *    LISTEN socket on the same port bound to the same address, else to its
 *    family's wildcard, else (IPv4) to a :: listener without IPV6_V6ONLY,
 *    in that order of preference. Several capture listeners may match one
 *    kernel listener (a host seen on two addresses); each is a row.
 *  - A socket the capture infers as CLOSED is not a row at all: the kernel
 *    has none either (it lists no closed connection). A kernel socket in
 *    CLOSE (bound, never listened or connected) is a kernel-only row.
 *  - Matched sockets agree ("=") when their states are equal and differ
 *    ("≠", or "!=" with ascii) otherwise. A socket only one side has is a
 *    row with "-" in the other side's column and "-" as its mark.
 *  - A matched row shows the capture's addresses; a kernel-only row the
 *    kernel's, mapped addresses and tcp6 as it reports them.
 */
#ifndef SF_CLI_KERNEL_VIEW_H
#define SF_CLI_KERNEL_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "capture/kernel.h"
#include "cli/buf.h"

struct sf_kernel_view_opts {
	bool json;
	bool ascii;                    /* "!=" for a difference, not "≠" */
	const char *const *port_names; /* 65536 service names (cli/ports.h), or NULL: numbers */
	const char *json_type;         /* the table's JSON "type"; NULL: "kernel_socket". Another
				* (a capture's own "socket") leaves out uid and inode */
};

/* The kernel table: netstat's two header lines, then a row per socket in
 * the order given (sf_kernel_sockets already sorts). JSON: one
 * {"type":"kernel_socket","proto","local","foreign","state","uid","inode"}
 * per socket, no header. */
void sf_kernel_view_table(struct sf_buf *b, const struct sf_sock *s, size_t n,
			  const struct sf_kernel_view_opts *o);

struct sf_kernel_view_counts {
	size_t rows;
	size_t agree, differ;
	size_t only_capture, only_kernel;
};

/* The side-by-side table (header rules above): columns Proto, Local
 * Address, Foreign Address, Capture, Kernel, then the mark. JSON: one
 * {"type":"compare","proto","local","foreign","capture","kernel","match"}
 * per row, "capture" or "kernel" left out where that side has no socket,
 * match one of "agree", "differ", "only_capture", "only_kernel". Counts
 * the rows into *c. False, with nothing printed, when memory runs out. */
SF_NODISCARD bool sf_kernel_view_compare(struct sf_buf *b, const struct sf_sock *capture,
					 size_t ncapture, const struct sf_sock *kernel,
					 size_t nkernel, const struct sf_kernel_view_opts *o,
					 struct sf_kernel_view_counts *c);

/* One line for the counts: "5 sockets: 3 agree, 1 differ, 1 only in the
 * capture, 0 only in the kernel", or with json
 * {"type":"compare_summary","rows","agree","differ","only_capture","only_kernel"}. */
void sf_kernel_view_summary(struct sf_buf *b, const struct sf_kernel_view_counts *c,
			    const struct sf_kernel_view_opts *o);

#endif
