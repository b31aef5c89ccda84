/* capture/client.h: the chat client of the socket tutorials, ending each conversation on purpose.
 *
 * It connects (any address family the name resolves to), sends each message
 * as a line, prints each reply, and then ends in one of three ways, so every
 * way a TCP connection closes can be captured:
 *   SF_CLIENT_BYE         "bye", "^^^", then up to wait_ms for the server's
 *                         FIN: if it comes the server closed first and the
 *                         client follows; if not, the client closes first
 *                         (against `server --close last`).
 *   SF_CLIENT_RST         SO_LINGER {1, 0} and close() without "bye": a RST.
 *   SF_CLIENT_HALF_CLOSE  shutdown(SHUT_WR) without "bye", then read until
 *                         the server's "^^^" and FIN, then close.
 * Every wait is bounded (timeout_ms); sends use MSG_NOSIGNAL.
 */
#ifndef SF_CAPTURE_CLIENT_H
#define SF_CAPTURE_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/chat.h"
#include "decode/dec.h"

enum sf_client_mode { SF_CLIENT_BYE = 0, SF_CLIENT_RST, SF_CLIENT_HALF_CLOSE };

struct sf_client_cfg {
	const char *host; /* name or numeric address */
	uint16_t port;
	const char *const *messages; /* each sent as a line; one may hold several lines */
	size_t nmsg;
	FILE *in; /* with nmsg 0: each line read from here is a message (NULL: none) */
	enum sf_client_mode mode;
	unsigned wait_ms;     /* after "^^^": how long to wait for the server's FIN */
	unsigned interval_ms; /* pause between messages */
	unsigned timeout_ms;  /* connect, and each reply; 0: SF_CHAT_TIMEOUT_MS_DEFAULT */
	FILE *log;            /* one timestamped line per step, replies included; NULL: silent */
};

/* The values are the exit codes of `synfin client`. */
enum sf_client_rc {
	SF_CLIENT_OK = 0,      /* the conversation went as planned */
	SF_CLIENT_CONNECT = 1, /* the name did not resolve or the connection failed */
	SF_CLIENT_BROKEN = 3,  /* the server reset, closed early, or did not answer in time */
};

/* The defaults of `synfin client`: end with bye, wait 500 ms for the FIN. */
void sf_client_defaults(struct sf_client_cfg *cfg);

/* Runs one conversation. On SF_CLIENT_CONNECT err holds one line such as
 * "connect to 127.0.0.1 port 9: Connection refused"; on SF_CLIENT_BROKEN it
 * says what went wrong. */
SF_NODISCARD enum sf_client_rc sf_client_run(const struct sf_client_cfg *cfg, char *err,
					     size_t errlen);

#endif
