/* capture/chat.h: the protocol of the bundled chat pair, and the log both ends write.
 *
 * The protocol is the one of the classic socket tutorials: a message is a
 * line ending in '\n' (a trailing '\r' is dropped); the server answers each
 * one with "Thank You!" (or the line itself, in echo mode); "bye" is answered
 * with "^^^" and ends the conversation. A line longer than SF_CHAT_LINE_MAX is
 * answered in pieces of that size, each one a message, so an endless line
 * costs the server no memory. The limits live here rather than in config.h
 * because the server, the client and their tests must agree on them.
 */
#ifndef SF_CAPTURE_CHAT_H
#define SF_CAPTURE_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define SF_CHAT_LINE_MAX    4096        /* a longer line is answered in pieces of this size */
#define SF_CHAT_OUT_MAX     (64 * 1024) /* replies a client may leave unread before it is dropped */
#define SF_CHAT_READ_CHUNK  16384       /* bytes read from one client per turn: fairness */
#define SF_CHAT_BACKLOG     128         /* listen(2) backlog, as the tutorials have it */
#define SF_CHAT_QUOTE_CHARS 80          /* a logged message is cut after this many characters */
#define SF_CHAT_QUOTE_BUF   (SF_CHAT_QUOTE_CHARS + 8) /* room for the cut text, "..." and NUL */
#define SF_CHAT_PEER_BUF    64                        /* "[ffff:...:ffff]:65535" and NUL */

#define SF_CHAT_PORT_DEFAULT        9000
#define SF_CHAT_MAX_CLIENTS_DEFAULT 1024
#define SF_CHAT_WAIT_MS_DEFAULT     500  /* client: how long to wait for the server's FIN */
#define SF_CHAT_TIMEOUT_MS_DEFAULT  5000 /* client: connect and each reply */

#define SF_CHAT_THANKS "Thank You!"
#define SF_CHAT_BYE    "bye"
#define SF_CHAT_CARETS "^^^"

#if defined(__GNUC__)
#define SF_CHAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SF_CHAT_PRINTF(f, a)
#endif

/* Writes "HH:MM:SS.ffffff ROLE: TEXT\n" (local time) to f and flushes it, so
 * a person can line the step up with a capture and a script can read it at
 * once. f NULL writes nothing. */
void sf_chat_log(FILE *f, const char *role, const char *fmt, ...) SF_CHAT_PRINTF(3, 4);

/* Escapes len bytes for a log line: printable ASCII as is, '"' and '\\'
 * backslashed, anything else as \xNN. Stops at SF_CHAT_QUOTE_CHARS output
 * characters (never inside an escape) and then appends "...". dst must hold
 * SF_CHAT_QUOTE_BUF bytes. True when the text was cut. */
bool sf_chat_quote(char *dst, const void *p, size_t len);

/* "127.0.0.1:40312" or "[::1]:40312"; "?" for another family. dst holds
 * SF_CHAT_PEER_BUF bytes. */
void sf_chat_peer(const struct sockaddr *sa, char *dst);

/* The numeric address alone ("127.0.0.1", "::1") and the port. */
void sf_chat_host(const struct sockaddr *sa, char *dst, size_t dstlen, uint16_t *port);

/* Whether a message (its '\n' and a trailing '\r' already taken off) is
 * the goodbye, "bye": the server and the crafter's listener ask alike. */
bool sf_chat_is_bye(const void *p, size_t len);

/* Milliseconds of CLOCK_MONOTONIC: deadlines that no clock step moves. */
uint64_t sf_chat_now_ms(void);

/* A decimal number 0..max, digits only (no sign, space or suffix). */
bool sf_chat_parse_num(const char *s, uint64_t max, uint64_t *out);

#endif
