/* craft/guard.h: keeps the local kernel from resetting the crafter's own connection.
 *
 * A user-space TCP endpoint has no socket in the kernel, so the host's stack
 * answers every segment of the crafter's flow that reaches it (the peer's
 * SYN-ACK, the client's SYN) with a RST, and the handshake dies. The guard
 * drops exactly those RSTs: in the firewall's output path, RST segments
 * from our address and port to the peer's (for a listener, to anyone), for
 * IPv4 and IPv6. Nothing else is touched.
 *
 * Backend: an nftables table "inet synfin-PID" fed to `nft -f -` in one
 * transaction; without nft, an iptables/ip6tables chain "synfin-PID" jumped
 * to from OUTPUT (SYNFIN_GUARD=iptables in the environment forces that one,
 * to test it where nft is installed). PID is the crafter's, so a leftover
 * names its owner.
 *
 * Removal on every way out:
 *   - normal end, error, SIGINT, SIGTERM: the caller's one exit path calls
 *     sf_guard_remove();
 *   - kill -9: install forks a watchdog first, which blocks on a pipe from
 *     the crafter and ignores SIGINT, SIGTERM and SIGHUP; the crafter's death
 *     closes the pipe, the watchdog sees EOF, deletes the table and exits.
 *     A normal removal writes one byte instead, and the watchdog just exits;
 *   - anything that beat the watchdog (it was killed too, the machine
 *     rebooted mid-run is moot: tables do not survive): sf_guard_sweep() at
 *     the next crafter's start removes tables whose PID no longer exists.
 *
 * Everything here runs external programs; the rule text and the parsing of
 * their listings are pure and exposed for tests/test_utcp.c.
 */
#ifndef SF_CRAFT_GUARD_H
#define SF_CRAFT_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "decode/dec.h"

/* The crafter's own segments leave through the same output path (a raw IP
 * socket) and carry this firewall mark (SO_MARK), so the guard lets the
 * crafter's own RST (craft connect --close rst) through. The kernel's RSTs
 * carry none (0; fwmark_reflect copies the incoming segment's, also 0). */
#define SF_GUARD_MARK 0x5f1e0001u

/* The segments to protect: RSTs from saddr:sport to daddr:dport. With
 * any_peer (a listener that knows no client yet) daddr and dport are not
 * matched. Addresses in network order, IPv4 in the first 4 bytes. */
struct sf_guard_flow {
	uint8_t ver; /* 4 or 6 */
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	bool any_peer;
};

enum sf_guard_backend { SF_GUARD_NONE = 0, SF_GUARD_NFT, SF_GUARD_IPTABLES };

enum sf_guard_rc {
	SF_GUARD_OK = 0,
	SF_GUARD_PERM,    /* no privilege to change the firewall: err says sudo */
	SF_GUARD_NO_TOOL, /* neither nft nor iptables: err says what to install */
	SF_GUARD_FAIL,    /* the tool refused: err holds its words */
};

struct sf_guard {
	enum sf_guard_backend backend;
	char name[32];   /* "synfin-PID" */
	char tool[256];  /* the nft (or iptables) binary's path */
	char tool6[256]; /* ip6tables, for that backend */
	struct sf_guard_flow flow;
	bool installed;
	pid_t wd_pid; /* the watchdog, or 0 */
	int wd_fd;    /* our end of its pipe, or -1 */
	FILE *log;    /* verbose: what is installed and removed; NULL: quiet */
};

/* Installs the guard for `flow` (and its watchdog). log NULL is quiet.
 * On failure nothing is left installed or running. */
SF_NODISCARD enum sf_guard_rc sf_guard_install(struct sf_guard *g, const struct sf_guard_flow *flow,
					       FILE *log, char *err, size_t errlen);

/* Removes it and ends the watchdog. Safe to call twice, and on a guard that
 * was never installed. False with err when the tool refused (the watchdog is
 * then left to try once more, as the crafter exits). */
SF_NODISCARD bool sf_guard_remove(struct sf_guard *g, char *err, size_t errlen);

/* Deletes every synfin-PID table (or chain) whose PID is not running. The
 * number deleted; log says which. Quiet when there is no tool or no
 * privilege: install says that better. */
unsigned sf_guard_sweep(FILE *log);

/* --- pure, for the tests ------------------------------------------------ */

/* The nft script that creates table `name`; the length written (without
 * the NUL), or 0 when buf is too small. */
size_t sf_guard_nft_script(const struct sf_guard_flow *flow, const char *name, char *buf,
			   size_t len);

/* The PID in a line of `nft list tables` ("table inet synfin-1234") or of
 * `iptables -S` ("-N synfin-1234"); false for any other line. */
bool sf_guard_line_pid(const char *line, long *pid);

/* "127.0.0.1:40000 > 127.0.0.1:9000" or "[::1]:9000 > any"; buf >= 120. */
const char *sf_guard_flow_str(const struct sf_guard_flow *flow, char *buf, size_t len);

#endif
