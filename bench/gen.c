/* bench/gen.c: a deterministic generator of large synthetic TCP captures for `make bench`.
 *
 * usage: gen -o FILE -n SEGMENTS [-c CONNS] [--open]
 *
 * Every connection is a whole conversation, as Linux would send it:
 *
 *   client                                   server
 *     SYN     MSS,SACKOK,TS,NOP,WS     ->
 *                                      <-    SYN-ACK  MSS,SACKOK,TS,NOP,WS
 *     ACK     NOP,NOP,TS               ->
 *     data or pure ACK, both ways, NOP,NOP,TS, 0..200 bytes of payload
 *     FIN-ACK                          ->
 *                                      <-    ACK
 *                                      <-    FIN-ACK
 *     ACK                              ->
 *
 * Even connections are IPv4, odd ones IPv6. By default a window of up to
 * ACTIVE_MAX connections is open at once and each packet comes from one of
 * them picked at random, so conversations interleave as on a busy link;
 * `--open` instead opens every connection first, then sends all data, then
 * closes them all, so all CONNS are open at once (for connection tracking).
 *
 * The output is a classic little-endian pcap (DLT_EN10MB, microseconds),
 * written with fwrite so the bytes do not depend on the libpcap version or
 * the host's byte order: the same arguments give the same file, bit for bit.
 * The PRNG is a fixed-seed splitmix64, never rand() or the clock.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_SEGMENTS 2000000u
#define DEF_CONNS    20000u
#define SEGS_FIXED   7u    /* 3 for the handshake, 4 for the close */
#define ACTIVE_MAX   2048u /* connections open at once, outside --open */
#define PAYLOAD_MAX  200u
#define START_SEC    1700000000u
#define OUTBUF_SIZE  (1u << 20)
#define FRAME_MAX    (14 + 40 + 40 + PAYLOAD_MAX)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

/* One side of a connection: what it has sent and what it last heard. */
struct side {
	uint32_t nxt;    /* next sequence number to send */
	uint32_t tsoff;  /* added to the clock to give this host's TSval */
	uint32_t ts_rcv; /* the peer's last TSval, echoed as TSecr */
	uint16_t ipid;
};

struct conn {
	struct side cl, sv;
	uint32_t ndata; /* data or pure-ACK segments between handshake and close */
	uint32_t step;  /* segments already written */
	uint32_t limit; /* stop here in the current phase (--open) */
	uint16_t sport, dport;
};

/* The whole output state; passed around, never global. */
struct gen {
	FILE *f;
	uint64_t rng;
	uint64_t usec; /* capture clock, microseconds since START_SEC */
	uint64_t written;
	size_t n;
	uint8_t buf[OUTBUF_SIZE];
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for a benchmark; n > 0. */
static uint32_t rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static bool flush(struct gen *g)
{
	if (g->n > 0 && fwrite(g->buf, 1, g->n, g->f) != g->n)
		return false;
	g->n = 0;
	return true;
}

/* Room for `len` bytes in the output buffer, flushing first if needed. */
static uint8_t *room(struct gen *g, size_t len)
{
	uint8_t *p = NULL;
	if (OUTBUF_SIZE - g->n < len && !flush(g))
		return NULL;
	p = g->buf + g->n;
	g->n += len;
	return p;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The pcap format's own integers are in the writer's order; we pick little. */
static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 1071: the ones-complement sum of big-endian 16-bit words, not yet folded. */
static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t len)
{
	size_t i = 0;
	for (; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		acc += (uint32_t)p[i] << 8; /* odd length: pad with a zero byte */
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Addresses follow from the connection number, so no table is kept; each
 * client address is unique (a bijection of id); IPv6 clients are
 * 2001:db8:0:1::ID. Servers are a handful in 192.0.2.0/24 and
 * 2001:db8:0:80::/64. IPv4 clients are spread over 100 /8s
 * (11-110) as a server's clients come from all over: from a single /16 they
 * would all fall into one chain of tcpdump's address cache, which hashes
 * the first octets, and the reference run would measure that instead. */
static void addr_v4(uint8_t a[4], uint32_t id, bool server)
{
	/* IPv4 connections have even ids: id / 2 numbers them. */
	uint32_t w = (id / 200 * 0x9e3779u) & 0xffffffu; /* odd factor: a bijection mod 2^24 */
	if (server) {
		a[0] = 192;
		a[1] = 0;
		a[2] = 2;
		a[3] = (uint8_t)(1 + id % 16);
	} else {
		a[0] = (uint8_t)(11 + id / 2 % 100);
		a[1] = (uint8_t)(w >> 16);
		a[2] = (uint8_t)(w >> 8);
		a[3] = (uint8_t)w;
	}
}

static void addr_v6(uint8_t a[16], uint32_t id, bool server)
{
	static const uint8_t pfx[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0 };
	memcpy(a, pfx, sizeof(pfx));
	memset(a + 8, 0, 8);
	if (server) {
		a[7] = 0x80;
		a[15] = (uint8_t)(1 + id % 16);
	} else {
		a[7] = 1;
		put_be32(a + 12, id);
	}
}

/* Printable ASCII that depends only on the sequence number: deterministic,
 * and a retransmission would carry the same bytes. */
static void fill_payload(uint8_t *p, size_t len, uint32_t seq)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(0x20 + (seq + i) % 95);
}

/* What one segment carries, decided by the conversation, before any bytes exist. */
struct seg {
	bool from_client;
	uint8_t flags;
	uint32_t paylen;
};

/* Writes one frame of connection `c` (number `id`) and updates both sides. */
static bool emit(struct gen *g, struct conn *c, uint32_t id, const struct seg *s)
{
	uint8_t frame[FRAME_MAX];
	bool v6 = (id & 1) != 0;
	struct side *tx = s->from_client ? &c->cl : &c->sv;
	struct side *rx = s->from_client ? &c->sv : &c->cl;
	size_t iphl = v6 ? 40 : 20;
	bool syn = (s->flags & TH_SYN) != 0;
	size_t optlen = syn ? 20 : 12;
	size_t thl = 20 + optlen;
	size_t seglen = thl + s->paylen;
	size_t flen = 14 + iphl + seglen;
	uint8_t *ip = frame + 14;
	uint8_t *th = ip + iphl;
	uint8_t *o = th + 20;
	uint8_t src[16], dst[16];
	uint32_t tsval = (uint32_t)(g->usec / 1000) + tx->tsoff;
	uint32_t acc = 0;
	uint8_t *rec = NULL;

	/* Ethernet: the client's and the router's MAC, swapped by direction. */
	static const uint8_t mac_cl[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
	static const uint8_t mac_gw[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0xfe };
	memcpy(frame, s->from_client ? mac_gw : mac_cl, 6);
	memcpy(frame + 6, s->from_client ? mac_cl : mac_gw, 6);
	put_be16(frame + 12, v6 ? 0x86dd : 0x0800);

	if (v6) {
		addr_v6(src, id, !s->from_client);
		addr_v6(dst, id, s->from_client);
		put_be32(ip, 0x60000000u | (id * 2654435761u & 0xfffffu)); /* flow label */
		put_be16(ip + 4, (uint16_t)seglen);
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		acc = sum16(acc, src, 16);
		acc = sum16(acc, dst, 16);
	} else {
		addr_v4(src, id, !s->from_client);
		addr_v4(dst, id, s->from_client);
		ip[0] = 0x45;
		ip[1] = 0;
		put_be16(ip + 2, (uint16_t)(iphl + seglen));
		put_be16(ip + 4, tx->ipid++);
		put_be16(ip + 6, 0x4000); /* DF, as Linux sets it */
		ip[8] = 64;
		ip[9] = 6;
		put_be16(ip + 10, 0);
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put_be16(ip + 10, fold(sum16(0, ip, 20)));
		acc = sum16(acc, src, 4);
		acc = sum16(acc, dst, 4);
	}
	acc += 6 + (uint32_t)seglen; /* pseudo-header: protocol and TCP length */

	put_be16(th, s->from_client ? c->sport : c->dport);
	put_be16(th + 2, s->from_client ? c->dport : c->sport);
	put_be32(th + 4, tx->nxt);
	/* A first SYN acknowledges nothing: the field stays zero. */
	put_be32(th + 8, (s->flags & TH_ACK) ? rx->nxt : 0);
	th[12] = (uint8_t)(thl / 4) << 4;
	th[13] = s->flags;
	put_be16(th + 14, syn ? 64240 : (uint16_t)(501 + rnd_below(g, 1500)));
	put_be16(th + 16, 0);
	put_be16(th + 18, 0);
	if (syn) {
		/* Linux's SYN option order: MSS, SACK-permitted, TS, NOP, WS. */
		o[0] = 2;
		o[1] = 4;
		put_be16(o + 2, v6 ? 1440 : 1460);
		o[4] = 4;
		o[5] = 2;
		o[6] = 8;
		o[7] = 10;
		put_be32(o + 8, tsval);
		put_be32(o + 12, (s->flags & TH_ACK) ? tx->ts_rcv : 0);
		o[16] = 1;
		o[17] = 3;
		o[18] = 3;
		o[19] = 7;
	} else {
		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		put_be32(o + 4, tsval);
		put_be32(o + 8, tx->ts_rcv);
	}
	fill_payload(th + thl, s->paylen, tx->nxt);
	put_be16(th + 16, fold(sum16(acc, th, seglen)));

	tx->nxt += s->paylen + (syn ? 1u : 0u) + ((s->flags & TH_FIN) ? 1u : 0u);
	rx->ts_rcv = tsval;

	rec = room(g, 16 + flen);
	if (rec == NULL)
		return false;
	put_le32(rec, START_SEC + (uint32_t)(g->usec / 1000000));
	put_le32(rec + 4, (uint32_t)(g->usec % 1000000));
	put_le32(rec + 8, (uint32_t)flen);
	put_le32(rec + 12, (uint32_t)flen);
	memcpy(rec + 16, frame, flen);
	g->written++;
	/* Strictly increasing time: 1 to 16 microseconds between packets. */
	g->usec += 1 + rnd_below(g, 16);
	return true;
}

/* The conversation's script: what segment number `step` of `c` is. */
static void plan(struct gen *g, const struct conn *c, struct seg *s)
{
	uint32_t k = c->step;
	uint32_t close0 = 3 + c->ndata;

	s->paylen = 0;
	if (k == 0) {
		*s = (struct seg){ .from_client = true, .flags = TH_SYN };
	} else if (k == 1) {
		*s = (struct seg){ .from_client = false, .flags = TH_SYN | TH_ACK };
	} else if (k == 2) {
		*s = (struct seg){ .from_client = true, .flags = TH_ACK };
	} else if (k < close0) {
		/* Servers talk more than clients; one segment in five is a pure ACK. */
		uint32_t r = rnd_below(g, 10);
		s->from_client = r < 4;
		if (rnd_below(g, 5) == 0) {
			s->flags = TH_ACK;
		} else {
			s->flags = TH_ACK | TH_PSH;
			s->paylen = 1 + rnd_below(g, PAYLOAD_MAX);
		}
	} else {
		/* Client closes: FIN-ACK, ACK, FIN-ACK, ACK. */
		static const struct seg fin[4] = {
			{ .from_client = true, .flags = TH_FIN | TH_ACK },
			{ .from_client = false, .flags = TH_ACK },
			{ .from_client = false, .flags = TH_FIN | TH_ACK },
			{ .from_client = true, .flags = TH_ACK },
		};
		*s = fin[k - close0];
	}
}

static void conn_init(struct gen *g, struct conn *c, uint32_t id, uint32_t ndata)
{
	static const uint16_t ports[] = { 443, 80, 443, 22, 443, 8080, 25, 443 };
	memset(c, 0, sizeof(*c));
	c->cl.nxt = (uint32_t)rnd(g);
	c->sv.nxt = (uint32_t)rnd(g);
	c->cl.tsoff = (uint32_t)rnd(g);
	c->sv.tsoff = (uint32_t)rnd(g);
	c->cl.ipid = (uint16_t)rnd(g);
	c->sv.ipid = (uint16_t)rnd(g);
	c->sport = (uint16_t)(32768 + (id * 7919u) % 28232u); /* Linux's ephemeral range */
	c->dport = ports[id % (sizeof(ports) / sizeof(ports[0]))];
	c->ndata = ndata;
	c->limit = SEGS_FIXED + ndata;
}

/* Runs the connections in `act` (indices into `cs`) until each reaches its
 * limit, one random packet at a time; `next`/`nconn` feed new connections
 * into freed slots (pass next == nconn for none). */
static bool run(struct gen *g, struct conn *cs, uint32_t *act, uint32_t nact, uint32_t next,
		uint32_t nconn)
{
	while (nact > 0) {
		uint32_t j = rnd_below(g, nact);
		struct conn *c = &cs[act[j]];
		struct seg s;

		if (c->step < c->limit) {
			plan(g, c, &s);
			if (!emit(g, c, act[j], &s))
				return false;
			c->step++;
		}
		if (c->step >= c->limit) {
			if (next < nconn)
				act[j] = next++;
			else
				act[j] = act[--nact];
		}
	}
	return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end = NULL;
	unsigned long v = 0;
	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gen -o FILE -n SEGMENTS [-c CONNS] [--open]\n"
		"  -n SEGMENTS  packets to write (default %u; at least %u)\n"
		"  -c CONNS     connections (default %u; lowered so each has %u packets)\n"
		"  --open       open every connection before any data, close them all last\n",
		DEF_SEGMENTS, SEGS_FIXED, DEF_CONNS, SEGS_FIXED);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	uint32_t nseg = DEF_SEGMENTS, nconn = DEF_CONNS, ndata = 0, extra = 0, nact = 0;
	bool open_all = false;
	struct conn *cs = NULL;
	uint32_t *act = NULL;
	struct gen *g = NULL;
	uint8_t hdr[24];
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "-o") == 0 && v != NULL) {
			path = v;
			i++;
		} else if (strcmp(argv[i], "-n") == 0 && parse_u32(v, &nseg)) {
			i++;
		} else if (strcmp(argv[i], "-c") == 0 && parse_u32(v, &nconn)) {
			i++;
		} else if (strcmp(argv[i], "--open") == 0) {
			open_all = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "gen: bad argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL || nseg < SEGS_FIXED) {
		usage(stderr);
		return 2;
	}
	/* Every connection needs its handshake and close; fewer, longer ones
	 * beat a file with half-finished conversations. */
	if (nconn > nseg / SEGS_FIXED)
		nconn = nseg / SEGS_FIXED;
	ndata = (nseg - nconn * SEGS_FIXED) / nconn;
	extra = (nseg - nconn * SEGS_FIXED) % nconn;

	cs = calloc(nconn, sizeof(*cs));
	act = calloc(nconn, sizeof(*act));
	g = calloc(1, sizeof(*g));
	if (cs == NULL || act == NULL || g == NULL) {
		fprintf(stderr, "gen: out of memory\n");
		goto out;
	}
	g->rng = 0x73796e66696e2121u; /* "synfin!!": fixed, so files are reproducible */
	for (uint32_t i = 0; i < nconn; i++)
		conn_init(g, &cs[i], i, ndata + (i < extra ? 1 : 0));
	/* Vary lengths in pairs of the same family (i and i+2), so both the
	 * total and the IPv4/IPv6 split stay exact: some chatty connections,
	 * some short ones. */
	for (uint32_t i = 0; i + 2 < nconn; i += (i & 1) ? 3 : 1) {
		bool up = rnd_below(g, 2) != 0;
		struct conn *gain = &cs[up ? i : i + 2], *lose = &cs[up ? i + 2 : i];
		uint32_t d = rnd_below(g, lose->ndata + 1);
		gain->ndata += d;
		gain->limit += d;
		lose->ndata -= d;
		lose->limit -= d;
	}

	g->f = fopen(path, "wb");
	if (g->f == NULL) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		goto out;
	}
	put_le32(hdr, 0xa1b2c3d4u); /* microsecond pcap */
	put_le16(hdr + 4, 2);
	put_le16(hdr + 6, 4);
	put_le32(hdr + 8, 0);  /* thiszone */
	put_le32(hdr + 12, 0); /* sigfigs */
	put_le32(hdr + 16, 65535);
	put_le32(hdr + 20, 1);            /* DLT_EN10MB */
	memcpy(g->buf, hdr, sizeof(hdr)); /* the buffer is still empty */
	g->n = sizeof(hdr);

	if (open_all) {
		/* Three phases over all connections at once: handshakes, data, closes. */
		static const uint32_t upto[3] = { 3, 3, SEGS_FIXED };
		for (int ph = 0; ph < 3; ph++) {
			nact = 0;
			for (uint32_t i = 0; i < nconn; i++) {
				cs[i].limit = upto[ph] + (ph ? cs[i].ndata : 0);
				if (cs[i].step < cs[i].limit)
					act[nact++] = i;
			}
			if (!run(g, cs, act, nact, nconn, nconn))
				goto werr;
		}
	} else {
		nact = nconn < ACTIVE_MAX ? nconn : ACTIVE_MAX;
		for (uint32_t i = 0; i < nact; i++)
			act[i] = i;
		if (!run(g, cs, act, nact, nact, nconn))
			goto werr;
	}
	if (!flush(g) || fclose(g->f) != 0) {
		g->f = NULL;
		goto werr;
	}
	g->f = NULL;
	if (g->written != nseg) {
		fprintf(stderr, "gen: wrote %llu packets, meant %u\n",
			(unsigned long long)g->written, nseg);
		goto out;
	}
	fprintf(stderr, "gen: %s: %u packets, %u connections%s\n", path, nseg, nconn,
		open_all ? ", all open at once" : "");
	rc = 0;
	goto out;
werr:
	fprintf(stderr, "gen: %s: write failed: %s\n", path, strerror(errno));
out:
	if (g != NULL && g->f != NULL)
		fclose(g->f);
	free(g);
	free(act);
	free(cs);
	return rc;
}
