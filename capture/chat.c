/* capture/chat.c: the timestamped log and the small helpers both ends of the chat pair share. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/chat.h"

void sf_chat_log(FILE *f, const char *role, const char *fmt, ...)
{
	struct timespec ts = { 0 };
	struct tm tm = { 0 };
	va_list ap;

	if (f == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(f, "%02d:%02d:%02d.%06ld %s: ", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000,
		role);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

bool sf_chat_quote(char *dst, const void *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = p;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = b[i];
		size_t need = (c == '"' || c == '\\') ? 2 : (c >= 0x20 && c < 0x7f) ? 1 : 4;
		if (o + need > SF_CHAT_QUOTE_CHARS) {
			memcpy(dst + o, "...", 4);
			return true;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else if (need == 2) {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return false;
}

void sf_chat_host(const struct sockaddr *sa, char *dst, size_t dstlen, uint16_t *port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

	*port = 0;
	if (sa->sa_family == AF_INET && inet_ntop(AF_INET, &s4->sin_addr, dst, (socklen_t)dstlen)) {
		*port = ntohs(s4->sin_port);
		return;
	}
	if (sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &s6->sin6_addr, dst, (socklen_t)dstlen)) {
		*port = ntohs(s6->sin6_port);
		return;
	}
	snprintf(dst, dstlen, "?");
}

void sf_chat_peer(const struct sockaddr *sa, char *dst)
{
	char host[INET6_ADDRSTRLEN] = "";
	uint16_t port = 0;

	sf_chat_host(sa, host, sizeof(host), &port);
	if (sa->sa_family == AF_INET6)
		snprintf(dst, SF_CHAT_PEER_BUF, "[%s]:%u", host, port);
	else if (sa->sa_family == AF_INET)
		snprintf(dst, SF_CHAT_PEER_BUF, "%s:%u", host, port);
	else
		snprintf(dst, SF_CHAT_PEER_BUF, "?");
}

uint64_t sf_chat_now_ms(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* strtoull alone accepts spaces and signs, and wraps. */
bool sf_chat_parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v = 0;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v > max)
		return false;
	*out = v;
	return true;
}

bool sf_chat_is_bye(const void *p, size_t len)
{
	return len == sizeof(SF_CHAT_BYE) - 1 && memcmp(p, SF_CHAT_BYE, len) == 0;
}
