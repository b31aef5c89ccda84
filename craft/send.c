/* craft/send.c: `synfin craft send`: libnet's segments out on a raw socket, replies in by libpcap. */
#include "craft/send.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture/live.h"
#include "capture/source.h"
#include "cli/sink.h"
#include "craft/safety.h"
#include "decode/link.h"
#include "decode/rd.h"
#include "decode/tcp.h"

#define SPORT_SPAN  (SF_SEND_SPORT_HI - SF_SEND_SPORT_LO + 1)
#define CAP_SNAPLEN 512 /* link, IPv6 with extension headers, a full TCP header */
#define CAP_BUF_KIB 4096
#define FLOOD_CHECK 256 /* segments between looks at the clock and *stop */

__attribute__((format(printf, 3, 4))) static void say(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* --- parsing -------------------------------------------------------------------- */

static bool parse_port(const char *s, uint16_t *port)
{
	char *end = NULL;
	unsigned long v = 0;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* An IPv4-mapped IPv6 address goes out as the IPv4 datagram it stands for. */
static void unmap(struct sf_send_addr *out)
{
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (out->ver == 6 && memcmp(out->a, v4_mapped, 12) == 0) {
		memmove(out->a, out->a + 12, 4);
		memset(out->a + 4, 0, 12);
		out->ver = 4;
	}
}

bool sf_send_parse_addr(const char *s, struct sf_send_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1] = "";
	const char *port = NULL, *colon = NULL;
	size_t hlen = 0;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL)
			return false;
		hlen = (size_t)(close - s - 1);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return false;
		if (hlen == 0 || hlen >= sizeof(host))
			return false;
		memcpy(host, s + 1, hlen);
		if (inet_pton(AF_INET6, host, out->a) != 1)
			return false;
		out->ver = 6;
	} else {
		colon = strchr(s, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			/* Two colons or more: a bare IPv6 address, no port. */
			if (inet_pton(AF_INET6, s, out->a) != 1)
				return false;
			out->ver = 6;
		} else {
			hlen = colon ? (size_t)(colon - s) : strlen(s);
			if (hlen == 0 || hlen >= sizeof(host))
				return false;
			memcpy(host, s, hlen);
			if (inet_pton(AF_INET, host, out->a) != 1)
				return false;
			out->ver = 4;
			if (colon != NULL)
				port = colon + 1;
		}
	}
	if (port != NULL) {
		if (!parse_port(port, &out->port))
			return false;
		out->has_port = true;
	}
	unmap(out);
	return true;
}

static const struct {
	char letter;
	uint16_t bit;
} flag_letters[] = {
	/* hping3's order for the reply lines; E and C are its X and Y. */
	{ 'R', SF_TH_RST }, { 'S', SF_TH_SYN }, { 'A', SF_TH_ACK }, { 'F', SF_TH_FIN },
	{ 'P', SF_TH_PSH }, { 'U', SF_TH_URG }, { 'E', SF_TH_ECE }, { 'C', SF_TH_CWR },
};

#define NLETTERS (sizeof(flag_letters) / sizeof(flag_letters[0]))

bool sf_send_parse_flags(const char *s, uint16_t *flags)
{
	uint16_t f = 0;

	if (strcmp(s, "none") == 0) {
		*flags = 0;
		return true;
	}
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		size_t i = 0;
		while (i < NLETTERS && flag_letters[i].letter != *s)
			i++;
		if (i == NLETTERS || (f & flag_letters[i].bit))
			return false;
		f |= flag_letters[i].bit;
	}
	*flags = f;
	return true;
}

const char *sf_send_flags_str(uint16_t flags, char *buf)
{
	size_t n = 0;

	for (size_t i = 0; i < NLETTERS; i++)
		if (flags & flag_letters[i].bit)
			buf[n++] = flag_letters[i].letter;
	if (n == 0)
		memcpy(buf, "none", 5);
	else
		buf[n] = '\0';
	return buf;
}

void sf_send_defaults(struct sf_send_opts *o)
{
	memset(o, 0, sizeof(*o));
	sf_seg_init(&o->tmpl);
	o->tmpl.win = SF_SEND_WIN_DEFAULT;
	o->count = 1;
	o->interval_ms = SF_SEND_INTERVAL_MS;
	o->duration_s = SF_SEND_DURATION_S;
}

const char *sf_send_rc_name(enum sf_send_rc rc)
{
	static const char *const names[] = {
		[SF_SEND_OK] = "ok",         [SF_SEND_REFUSED] = "refused",
		[SF_SEND_BADARG] = "badarg", [SF_SEND_PERM] = "perm",
		[SF_SEND_IFACE] = "iface",   [SF_SEND_FAIL] = "fail",
		[SF_SEND_OUTPUT] = "output",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == SF_SEND_RC_COUNT, "sf_send_rc names");
	return (unsigned)rc < SF_SEND_RC_COUNT ? names[rc] : "?";
}

/* --- formatting ------------------------------------------------------------------- */

void sf_send_fmt_sent(struct sf_buf *b, const struct sf_frame *f)
{
	const struct sf_tcp *t = &f->tcp;
	char fl[12];

	sf_buf_reserve(b);
	SF_BUF_LIT(b, "sent ");
	sf_buf_ip(b, f->ip.ver, f->ip.src);
	sf_buf_ch(b, '.');
	sf_buf_u64(b, t->sport);
	SF_BUF_LIT(b, " > ");
	sf_buf_ip(b, f->ip.ver, f->ip.dst);
	sf_buf_ch(b, '.');
	sf_buf_u64(b, t->dport);
	SF_BUF_LIT(b, ": Flags [");
	sf_buf_str(b, sf_tcp_flags_str(t->flags, fl));
	sf_buf_ch(b, ']');
	/* tcpdump -S: absolute numbers, the seq where a segment takes sequence space. */
	if (t->paylen > 0 || (t->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST))) {
		SF_BUF_LIT(b, ", seq ");
		sf_buf_u64(b, t->seq);
		if (t->paylen > 0) {
			sf_buf_ch(b, ':');
			sf_buf_u64(b, (uint32_t)(t->seq + t->paylen));
		}
	}
	if (t->flags & SF_TH_ACK) {
		SF_BUF_LIT(b, ", ack ");
		sf_buf_u64(b, t->ack);
	}
	SF_BUF_LIT(b, ", win ");
	sf_buf_u64(b, t->win);
	if (t->flags & SF_TH_URG) {
		SF_BUF_LIT(b, ", urg ");
		sf_buf_u64(b, t->urp);
	}
	if (t->nopt > 0) {
		SF_BUF_LIT(b, ", options [");
		sf_sink_tcp_options(b, t);
		sf_buf_ch(b, ']');
	}
	SF_BUF_LIT(b, ", length ");
	sf_buf_u64(b, t->paylen);
	sf_buf_ch(b, '\n');
}

/* hping3 prints "DF" when the IPv4 flags-and-offset word is not zero. */
static bool ip4_frag_word_set(const struct sf_frame *f, const uint8_t *frame, size_t caplen)
{
	struct sf_rd r = sf_rd_make(frame, caplen);
	uint16_t w = 0;

	return sf_rd_skip(&r, f->link.l3_off + 6) && sf_rd_be16(&r, &w) && w != 0;
}

static void fmt_ms(struct sf_buf *b, double ms)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%.1f", ms);
	if (n > 0)
		sf_buf_mem(b, t, (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);
}

void sf_send_fmt_reply(struct sf_buf *b, const struct sf_frame *f, const uint8_t *frame,
		       size_t caplen, uint32_t probe, double rtt_ms, bool dup)
{
	const struct sf_tcp *t = &f->tcp;
	char fl[12];

	sf_buf_reserve(b);
	if (dup)
		SF_BUF_LIT(b, "DUP! ");
	SF_BUF_LIT(b, "len=");
	sf_buf_u64(b, f->ip.hlen + f->ip.l4len);
	SF_BUF_LIT(b, " ip=");
	sf_buf_ip(b, f->ip.ver, f->ip.src);
	SF_BUF_LIT(b, " ttl=");
	sf_buf_u64(b, f->ip.ttl);
	if (f->ip.ver == 4) {
		if (ip4_frag_word_set(f, frame, caplen))
			SF_BUF_LIT(b, " DF");
		SF_BUF_LIT(b, " id=");
		sf_buf_u64(b, f->ip.id);
	}
	SF_BUF_LIT(b, " sport=");
	sf_buf_u64(b, t->sport);
	SF_BUF_LIT(b, " flags=");
	sf_buf_str(b, sf_send_flags_str(t->flags, fl));
	SF_BUF_LIT(b, " seq=");
	sf_buf_u64(b, probe);
	SF_BUF_LIT(b, " win=");
	sf_buf_u64(b, t->win);
	SF_BUF_LIT(b, " rtt=");
	fmt_ms(b, rtt_ms);
	SF_BUF_LIT(b, " ms\n");
}

void sf_send_fmt_summary(struct sf_buf *b, const char *host, const struct sf_send_stats *st)
{
	/* hping3's integer arithmetic, so the two agree to the percent. */
	uint64_t loss =
		st->received > 0 ? 100 - st->received * 100 / st->sent : (st->sent > 0 ? 100 : 0);
	double avg = st->received > 0 ? st->rtt_sum / (double)st->received : 0.0;

	sf_buf_reserve(b);
	SF_BUF_LIT(b, "\n--- ");
	sf_buf_str(b, host);
	SF_BUF_LIT(b, " hping statistic ---\n");
	sf_buf_u64(b, st->sent);
	SF_BUF_LIT(b, " packets transmitted, ");
	sf_buf_u64(b, st->received);
	SF_BUF_LIT(b, " packets received, ");
	sf_buf_u64(b, loss);
	SF_BUF_LIT(b, "% packet loss\nround-trip min/avg/max = ");
	fmt_ms(b, st->received > 0 ? st->rtt_min : 0.0);
	sf_buf_ch(b, '/');
	fmt_ms(b, avg);
	sf_buf_ch(b, '/');
	fmt_ms(b, st->received > 0 ? st->rtt_max : 0.0);
	SF_BUF_LIT(b, " ms\n");
}

void sf_send_fmt_flood(struct sf_buf *b, const char *host, uint64_t sent, double seconds)
{
	char t[64];
	int n = snprintf(t, sizeof(t), "%.3f", seconds);

	sf_buf_reserve(b);
	SF_BUF_LIT(b, "\n--- ");
	sf_buf_str(b, host);
	SF_BUF_LIT(b, " flood statistic ---\n");
	sf_buf_u64(b, sent);
	SF_BUF_LIT(b, " packets transmitted in ");
	if (n > 0)
		sf_buf_mem(b, t, (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);
	SF_BUF_LIT(b, " s, ");
	sf_buf_u64(b, seconds > 0 ? (uint64_t)((double)sent / seconds + 0.5) : 0);
	SF_BUF_LIT(b, " packets/s\n");
}

/* --- the flood's patch ------------------------------------------------------------ */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for each 16-bit word m -> m'. */
static uint32_t mend(uint32_t sum, uint16_t old, uint16_t new)
{
	return sum + (uint16_t)~old + new;
}

void sf_send_patch(uint8_t *dgram, size_t len, uint16_t sport, uint32_t seq)
{
	size_t t = (dgram[0] >> 4) == 4 ? (size_t)(dgram[0] & 0x0f) * 4 : 40;
	uint8_t *h = dgram + t;
	uint32_t sum = 0;

	if (len < t + SF_TCP_HDR_MIN)
		return;
	sum = (uint16_t)~get16(h + 16);
	sum = mend(sum, get16(h), sport);
	sum = mend(sum, get16(h + 4), (uint16_t)(seq >> 16));
	sum = mend(sum, get16(h + 6), (uint16_t)seq);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	set16(h, sport);
	set16(h + 4, (uint16_t)(seq >> 16));
	set16(h + 6, (uint16_t)seq);
	set16(h + 16, (uint16_t)~sum);
}

/* --- running -------------------------------------------------------------------- */

/* What a source port last carried: a reply names the probe it answers by
 * the port it comes back to, as hping3's do. */
struct slot {
	int64_t sent_ns; /* CLOCK_REALTIME, the clock libpcap stamps replies with */
	uint32_t probe;
	bool used;
	bool answered;
};

struct run {
	const struct sf_send_opts *o;
	struct sf_seg seg;    /* the next segment; addresses and options fixed for the run */
	size_t alen;          /* 4 or 16 */
	struct sf_builder *b; /* bytes mode: what is printed is what is written */
	int fd;               /* the raw IP socket they are written to, or -1 */
	struct sockaddr_storage to;
	socklen_t tolen;
	struct sf_src cap;
	bool cap_open;
	struct slot *slots; /* 65536, one per source port; NULL for a flood */
	struct sf_buf *out;
	struct sf_send_stats st;
	char host[INET6_ADDRSTRLEN];
	const char *iface;
	uint32_t rnd;        /* xorshift32 state: the per-segment sequence numbers */
	uint16_t sport_base; /* the first probe's port, when --from gives none */
};

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	(void)clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool stopped(volatile sig_atomic_t *stop)
{
	return stop != NULL && *stop != 0;
}

/* Marsaglia's xorshift32: sequence numbers need to look random, not be secret. */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static uint32_t seed(void)
{
	uint32_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
		s = (uint32_t)now_ns(CLOCK_REALTIME) ^ (uint32_t)getpid() << 16;
	return s ? s : 0x9e3779b9u; /* xorshift's one fixed point */
}

static uint16_t sport_of(const struct run *r, uint64_t i)
{
	if (r->o->from.has_port)
		return r->o->from.port;
	return (uint16_t)(SF_SEND_SPORT_LO + (r->sport_base - SF_SEND_SPORT_LO + i) % SPORT_SPAN);
}

/* The fields that change from one segment to the next. */
static void next_segment(struct run *r, uint64_t i)
{
	r->seg.sport = sport_of(r, i);
	if (!r->o->fixed_seq)
		r->seg.seq = next_rand(&r->rnd);
}

/* The writer: a raw IP socket that takes the whole datagram (IPPROTO_RAW:
 * IP_HDRINCL, and its IPv6 equivalent). The kernel routes it as if this
 * host had sent it. Writing Ethernet frames on lo instead (libnet's link
 * mode) works for IPv6 only: Linux drops an IPv4 frame coming in on lo with
 * 127/8 addresses as martian unless lo's route_localnet and accept_local
 * are set, which synfin will not change behind anyone's back. Opening it is
 * also the privilege check, so the message names what is missing. */
static enum sf_send_rc open_writer(struct run *r, char *err, size_t errlen)
{
	int af = r->seg.ver == 4 ? AF_INET : AF_INET6;

	r->fd = socket(af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (r->fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES) {
			say(err, errlen,
			    "cannot send crafted segments: no permission (%s); sending and "
			    "capturing them needs CAP_NET_RAW and CAP_NET_ADMIN: run it with sudo, "
			    "or grant them once with 'sudo setcap cap_net_raw,cap_net_admin=eip "
			    "PATH-TO-synfin'",
			    strerror(e));
			return SF_SEND_PERM;
		}
		say(err, errlen, "cannot open a raw IPv%u socket: %s", r->seg.ver, strerror(e));
		return SF_SEND_FAIL;
	}
	/* -i names the interface the segments leave by, as hping3's -I does. */
	if (r->o->iface != NULL && setsockopt(r->fd, SOL_SOCKET, SO_BINDTODEVICE, r->iface,
					      (socklen_t)strlen(r->iface)) != 0) {
		say(err, errlen, "cannot send on '%s': %s", r->iface, strerror(errno));
		return errno == EPERM ? SF_SEND_PERM : SF_SEND_IFACE;
	}
	memset(&r->to, 0, sizeof(r->to));
	if (r->seg.ver == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&r->to;
		a->sin_family = AF_INET;
		memcpy(&a->sin_addr, r->seg.dst, 4);
		r->tolen = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&r->to;
		a->sin6_family = AF_INET6; /* the port must be 0 for IPPROTO_RAW */
		memcpy(&a->sin6_addr, r->seg.dst, 16);
		r->tolen = sizeof(*a);
	}
	return SF_SEND_OK;
}

/* One datagram, one system call (again only when a signal cut it short:
 * the callers look at *stop themselves). */
static enum sf_send_rc write_segment(struct run *r, const uint8_t *pkt, size_t len, char *err,
				     size_t errlen)
{
	ssize_t n = 0;

	do
		n = sendto(r->fd, pkt, len, 0, (const struct sockaddr *)&r->to, r->tolen);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return SF_SEND_OK;
	say(err, errlen, "sending to %s: %s", r->host, n < 0 ? strerror(errno) : "short write");
	return SF_SEND_FAIL;
}

/* The source address the kernel would choose for dst: connect() on a UDP
 * socket sends nothing and needs no privilege. */
static bool kernel_source(uint8_t ver, const uint8_t *dst, uint8_t *src, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	bool ok = false;
	int fd = socket(ver == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ss, 0, sizeof(ss));
	if (ver == 4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(9);
		memcpy(&a->sin_addr, dst, 4);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(9);
		memcpy(&a->sin6_addr, dst, 16);
		sl = sizeof(*a);
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		say(err, errlen, "no source address for the destination: %s (give one with --from)",
		    strerror(errno));
		goto out;
	}
	if (ver == 4)
		memcpy(src, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The reverse direction of exactly the addresses and ports the probes use. */
static void make_filter(const struct run *r, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "", ports[64] = "";
	int af = r->seg.ver == 4 ? AF_INET : AF_INET6;
	uint64_t n = r->o->count;
	unsigned first = sport_of(r, 0), last = sport_of(r, n - 1);

	(void)inet_ntop(af, r->seg.src, src, sizeof(src));
	(void)inet_ntop(af, r->seg.dst, dst, sizeof(dst));
	if (r->o->from.has_port)
		snprintf(ports, sizeof(ports), "dst port %u", first);
	else if (n >= SPORT_SPAN)
		snprintf(ports, sizeof(ports), "dst portrange %u-%u", SF_SEND_SPORT_LO,
			 SF_SEND_SPORT_HI);
	else if (first <= last)
		snprintf(ports, sizeof(ports), "dst portrange %u-%u", first, last);
	else /* wrapped round the ephemeral range */
		snprintf(ports, sizeof(ports), "(dst portrange %u-%u or dst portrange %u-%u)",
			 first, SF_SEND_SPORT_HI, SF_SEND_SPORT_LO, last);
	snprintf(buf, len, "%s and tcp and src host %s and dst host %s and src port %u and %s",
		 r->seg.ver == 4 ? "ip" : "ip6", dst, src, r->seg.dport, ports);
}

static enum sf_send_rc open_capture(struct run *r, char *err, size_t errlen)
{
	struct sf_live_cfg cfg = { .iface = r->iface,
				   .snaplen = CAP_SNAPLEN,
				   .buffer_kib = CAP_BUF_KIB };
	char filter[256] = "";

	switch (sf_src_open_live(&r->cap, &cfg, err, errlen)) {
	case SF_LIVE_OK: break;
	case SF_LIVE_PERM: return SF_SEND_PERM;
	case SF_LIVE_NO_DEVICE: return SF_SEND_IFACE;
	default: return SF_SEND_FAIL;
	}
	r->cap_open = true;
	make_filter(r, filter, sizeof(filter));
	if (!sf_src_set_filter(&r->cap, filter, err, errlen))
		return SF_SEND_FAIL;
	/* Reads never wait: the loop polls the descriptor itself, to the
	 * millisecond the next probe is due. */
	(void)sf_src_live_drain(&r->cap);
	return SF_SEND_OK;
}

/* One captured frame: a reply line when it answers one of our probes. */
static void on_frame(struct run *r, const struct sf_pkt *pkt, const uint8_t *data)
{
	struct sf_frame f;
	struct slot *s = NULL;
	int64_t at = 0;
	double rtt = 0;
	bool dup = false;

	(void)sf_dec_frame(pkt->dlt, data, pkt->caplen, pkt->wirelen, &f);
	if (f.kind != SF_FRAME_TCP || !f.tcp.fixed_ok || f.ip.ver != r->seg.ver)
		return;
	/* The filter chose these already; a frame of a wider filter must not count. */
	if (memcmp(f.ip.src, r->seg.dst, r->alen) != 0 ||
	    memcmp(f.ip.dst, r->seg.src, r->alen) != 0 || f.tcp.sport != r->seg.dport)
		return;
	s = &r->slots[f.tcp.dport];
	if (!s->used)
		return;
	at = pkt->sec * 1000000000 + (int64_t)pkt->frac * (pkt->frac_digits == 9 ? 1 : 1000);
	rtt = (double)(at - s->sent_ns) / 1e6;
	if (rtt < 0)
		rtt = 0;
	dup = s->answered;
	sf_send_fmt_reply(r->out, &f, data, pkt->caplen, s->probe, rtt, dup);
	if (dup)
		return;
	s->answered = true;
	if (r->st.received == 0 || rtt < r->st.rtt_min)
		r->st.rtt_min = rtt;
	if (rtt > r->st.rtt_max)
		r->st.rtt_max = rtt;
	r->st.rtt_sum += rtt;
	r->st.received++;
}

/* Reads replies until the monotonic deadline, *stop, or (all_in) every
 * probe answered. */
static enum sf_send_rc wait_replies(struct run *r, int64_t deadline, bool all_in,
				    volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	for (;;) {
		struct sf_pkt pkt;
		struct pollfd pf = { r->cap.live_fd, POLLIN, 0 };
		const uint8_t *data = NULL;
		int64_t left = 0;
		enum sf_src_rc rc = sf_src_next(&r->cap, &pkt, &data, err, errlen);

		if (rc == SF_SRC_PACKET) {
			on_frame(r, &pkt, data);
			continue;
		}
		if (rc == SF_SRC_ERROR || rc == SF_SRC_FILTER)
			return SF_SEND_FAIL;
		if (!sf_buf_flush(r->out))
			return SF_SEND_OUTPUT;
		left = deadline - now_ns(CLOCK_MONOTONIC);
		if (left <= 0 || stopped(stop) || (all_in && r->st.received >= r->st.sent))
			return SF_SEND_OK;
		/* A signal cuts the poll short (EINTR): *stop is looked at above. */
		(void)poll(&pf, 1, (int)((left + 999999) / 1000000));
	}
}

/* count probes, interval apart, each printed, the replies read in between. */
static enum sf_send_rc probes(struct run *r, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	const struct sf_send_opts *o = r->o;
	int64_t start = now_ns(CLOCK_MONOTONIC);
	enum sf_send_rc rc = SF_SEND_OK;

	for (uint32_t i = 0; i < o->count; i++) {
		const uint8_t *pkt = NULL;
		size_t len = 0;
		struct sf_frame f;
		struct slot *s = NULL;

		if (i > 0) {
			rc = wait_replies(r, start + (int64_t)i * o->interval_ms * 1000000, false,
					  stop, err, errlen);
			if (rc != SF_SEND_OK)
				return rc;
		}
		if (stopped(stop))
			return SF_SEND_OK;
		next_segment(r, i);
		if (r->seg.ts)
			r->seg.tsval = (uint32_t)(now_ns(CLOCK_MONOTONIC) / 1000000);
		if (sf_builder_build(r->b, &r->seg, &pkt, &len, err, errlen) != 0)
			return SF_SEND_FAIL;
		(void)sf_dec_frame(SF_DLT_RAW, pkt, len, len, &f);
		sf_send_fmt_sent(r->out, &f);
		if (!sf_buf_flush(r->out))
			return SF_SEND_OUTPUT;
		s = &r->slots[r->seg.sport];
		s->used = true;
		s->answered = false;
		s->probe = i;
		s->sent_ns = now_ns(CLOCK_REALTIME);
		rc = write_segment(r, pkt, len, err, errlen);
		if (rc != SF_SEND_OK)
			return rc;
		r->st.sent++;
		r->seg.ipid++;
	}
	/* hping3 waits a second after the last probe; every probe answered ends it sooner. */
	return wait_replies(r, now_ns(CLOCK_MONOTONIC) + (int64_t)SF_SEND_LINGER_MS * 1000000, true,
			    stop, err, errlen);
}

/* As fast as the kernel takes them, for duration_s at most. libnet builds
 * the segment once; each one after is that template with its source port,
 * sequence number and checksum patched (sf_send_patch), written with one
 * sendto(): nothing is allocated, built again or printed in the loop. */
static enum sf_send_rc flood(struct run *r, volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	const struct sf_send_opts *o = r->o;
	uint64_t limit = o->count_given ? o->count : UINT64_MAX, i = 0;
	int64_t start = now_ns(CLOCK_MONOTONIC);
	int64_t end = start + (int64_t)o->duration_s * 1000000000;
	enum sf_send_rc rc = SF_SEND_OK;
	const uint8_t *built = NULL;
	uint8_t *pkt = NULL;
	size_t len = 0;

	next_segment(r, 0);
	if (r->seg.ts)
		r->seg.tsval = (uint32_t)(start / 1000000);
	if (sf_builder_build(r->b, &r->seg, &built, &len, err, errlen) != 0)
		return SF_SEND_FAIL;
	pkt = malloc(len);
	if (pkt == NULL) {
		say(err, errlen, "out of memory");
		return SF_SEND_FAIL;
	}
	memcpy(pkt, built, len);
	for (;;) {
		rc = write_segment(r, pkt, len, err, errlen);
		if (rc != SF_SEND_OK)
			break;
		i++;
		if (i >= limit)
			break;
		if (i % FLOOD_CHECK == 0 && (stopped(stop) || now_ns(CLOCK_MONOTONIC) >= end))
			break;
		sf_send_patch(pkt, len, sport_of(r, i),
			      o->fixed_seq ? r->seg.seq : next_rand(&r->rnd));
	}
	free(pkt);
	r->st.sent = i;
	sf_send_fmt_flood(r->out, r->host, i, (double)(now_ns(CLOCK_MONOTONIC) - start) / 1e9);
	return rc;
}

/* The interface replies are captured on: -i, lo for a loopback
 * destination, else "any" (the kernel routes the segments). */
static bool pick_iface(struct run *r, char *err, size_t errlen)
{
	if (r->o->iface != NULL) {
		r->iface = r->o->iface;
	} else if (sf_craft_addr_is_loopback(r->seg.ver, r->seg.dst)) {
		r->iface = "lo";
	} else {
		r->iface = "any";
		return true;
	}
	if (if_nametoindex(r->iface) == 0) {
		say(err, errlen, "cannot send on '%s': no such interface", r->iface);
		return false;
	}
	return true;
}

static enum sf_send_rc setup(struct run *r, char *err, size_t errlen)
{
	const struct sf_send_opts *o = r->o;
	char why[512] = "";
	enum sf_send_rc rc = SF_SEND_OK;

	if (!o->to.has_port) {
		say(err, errlen, "the destination needs a port (ADDR:PORT, [ADDR6]:PORT)");
		return SF_SEND_BADARG;
	}
	if (o->from.ver != 0 && o->from.ver != o->to.ver) {
		say(err, errlen, "--from is IPv%u and --to IPv%u: both must be the same",
		    o->from.ver, o->to.ver);
		return SF_SEND_BADARG;
	}
	/* The safety check comes before anything is opened: a refused
	 * destination sees nothing at all. */
	if (!sf_craft_dest_allowed(o->to.ver, o->to.a, o->allow_remote, why, sizeof(why))) {
		say(err, errlen, "refusing to send: %s", why);
		return SF_SEND_REFUSED;
	}
	r->seg = o->tmpl;
	r->seg.ver = o->to.ver;
	r->alen = o->to.ver == 4 ? 4 : 16;
	memcpy(r->seg.dst, o->to.a, 16);
	r->seg.dport = o->to.port;
	if (o->from.ver != 0)
		memcpy(r->seg.src, o->from.a, 16);
	else if (sf_craft_addr_is_loopback(o->to.ver, o->to.a))
		memcpy(r->seg.src, o->to.a, 16); /* the same loopback address */
	else if (!kernel_source(o->to.ver, o->to.a, r->seg.src, err, errlen))
		return SF_SEND_FAIL;
	(void)inet_ntop(o->to.ver == 4 ? AF_INET : AF_INET6, o->to.a, r->host, sizeof(r->host));
	r->rnd = seed();
	r->sport_base = (uint16_t)(SF_SEND_SPORT_LO + next_rand(&r->rnd) % SPORT_SPAN);
	r->seg.ipid = (uint16_t)next_rand(&r->rnd);
	if (!pick_iface(r, err, errlen))
		return SF_SEND_IFACE;
	rc = open_writer(r, err, errlen);
	if (rc != SF_SEND_OK)
		return rc;
	r->b = sf_builder_new(SF_BUILD_BYTES, NULL, err, errlen);
	if (r->b == NULL)
		return SF_SEND_FAIL;
	if (o->flood)
		return SF_SEND_OK;
	r->slots = calloc(65536, sizeof(*r->slots));
	if (r->slots == NULL) {
		say(err, errlen, "out of memory");
		return SF_SEND_FAIL;
	}
	/* The capture is open before the first probe goes, so no reply is missed. */
	return open_capture(r, err, errlen);
}

enum sf_send_rc sf_send_run(const struct sf_send_opts *o, FILE *out, FILE *note,
			    volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct run r;
	enum sf_send_rc rc = SF_SEND_OK;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.fd = -1;
	r.out = malloc(sizeof(*r.out));
	if (r.out == NULL) {
		say(err, errlen, "out of memory");
		return SF_SEND_FAIL;
	}
	sf_buf_init(r.out, out);
	rc = setup(&r, err, errlen);
	if (rc != SF_SEND_OK)
		goto out;
	if (o->flood) {
		if (note != NULL)
			fprintf(note,
				"synfin craft send: flooding %s port %u on %s for at most %u s; no "
				"replies shown\n",
				r.host, o->to.port, r.iface, o->duration_s);
		rc = flood(&r, stop, err, errlen);
	} else {
		rc = probes(&r, stop, err, errlen);
		/* The statistics come however the probes ended, as hping3's do. */
		sf_send_fmt_summary(r.out, r.host, &r.st);
	}
	if (!sf_buf_flush(r.out) && rc == SF_SEND_OK)
		rc = SF_SEND_OUTPUT;
	if (rc == SF_SEND_OUTPUT)
		say(err, errlen, "writing the output failed");
out:
	if (r.cap_open)
		sf_src_close(&r.cap);
	sf_builder_free(r.b);
	if (r.fd >= 0)
		close(r.fd);
	free(r.slots);
	free(r.out);
	return rc;
}
