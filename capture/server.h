/* capture/server.h: the chat server of the socket tutorials, many clients in one poll() loop.
 *
 * socket, SO_REUSEADDR, bind, listen(128), accept, recv/send, close: every
 * step the tutorials show, made robust. All sockets are non-blocking; each
 * turn reads at most SF_CHAT_READ_CHUNK bytes from each client, so no client
 * can stall the others; replies wait in a buffer of at most SF_CHAT_OUT_MAX
 * bytes per client, and a client that lets it fill is dropped.
 *
 * How a conversation ends decides which side goes through TIME_WAIT:
 *   - "bye", close_last false: "^^^", then close() at once. The server is
 *     the active closer: its FIN goes first and its socket ends in TIME_WAIT.
 *   - "bye", close_last true: "^^^", then wait for the client's FIN (recv
 *     returns 0) and close. The client is the active closer.
 *   - the client's FIN first (it closed or half-closed): logged, held in
 *     CLOSE_WAIT for hold_ms, then "^^^" (a half-closed client still reads
 *     it) and close.
 *   - a RST: logged, the client dropped.
 * Every ending counts as one finished conversation (cfg.count).
 *
 * Nothing here installs signal handlers or exits; sends use MSG_NOSIGNAL so
 * a vanished client cannot raise SIGPIPE.
 */
#ifndef SF_CAPTURE_SERVER_H
#define SF_CAPTURE_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/chat.h"
#include "decode/dec.h"

struct sf_server_cfg {
	const char *bind;     /* numeric address or host name; NULL: 127.0.0.1 */
	uint16_t port;        /* 0: the kernel picks a free one (sf_server_port) */
	bool close_last;      /* after "^^^", wait for the client's FIN */
	bool echo;            /* answer each message with itself */
	unsigned max_clients; /* at once; more are accepted and closed at once. 0: 1024 */
	unsigned hold_ms;     /* after the client's FIN, stay in CLOSE_WAIT this long */
	uint64_t count;       /* stop after this many conversations ended (0: never) */
	unsigned max_seconds; /* stop after this long (0: never) */
	FILE *log;            /* one timestamped line per step; NULL: silent */
};

struct sf_server;

/* The defaults of `synfin server`: 127.0.0.1 port 9000, close first. */
void sf_server_defaults(struct sf_server_cfg *cfg);

/* Creates the listening socket (bound, listen(128)) and logs, as the first
 * line, "server: listening on ADDR port PORT". cfg is copied, but the
 * strings and FILE it points to must outlive the server. On failure *out is
 * NULL and err says what went wrong ("cannot bind 127.0.0.1 port 9000:
 * Address already in use"). */
SF_NODISCARD int sf_server_open(const struct sf_server_cfg *cfg, struct sf_server **out, char *err,
				size_t errlen);

uint16_t sf_server_port(const struct sf_server *s);

/* Serves until *stop is set (stop may be NULL; it is checked at least every
 * 250 ms, and a signal that sets it also cuts poll() short), cfg.count
 * conversations have ended, or cfg.max_seconds have passed. Then it closes
 * every client socket and logs "server: stopping (WHY)". 0 on such a stop;
 * -1 when poll() itself failed (sf_server_error says why). Runs once. */
SF_NODISCARD int sf_server_run(struct sf_server *s, volatile sig_atomic_t *stop);

/* Why sf_server_run returned -1; "" otherwise. */
const char *sf_server_error(const struct sf_server *s);

/* Closes the listening socket (and any client left) and frees. NULL is fine. */
void sf_server_close(struct sf_server *s);

#endif
