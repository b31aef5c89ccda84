/* decode/tcp.c: TCP fixed header and option list. */
#include "decode/tcp.h"

#include <string.h>

#include "decode/rd.h"

/* RFC 9293 section 3.1.
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |     |A|C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrv|E|W|C|R|C|S|S|Y|I|            Window             |
 *   |       |     | |R|E|G|K|H|T|N|N|                               |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
enum sf_dec_rc sf_dec_tcp(const uint8_t *p, size_t caplen, size_t seglen, struct sf_tcp *out,
			  enum sf_why *why)
{
	struct sf_rd r = sf_rd_make(p, caplen < seglen ? caplen : seglen);
	uint16_t offflags = 0;
	size_t cap = r.len;

	/* Only the scalar head is cleared: the option array is filled as read. */
	memset(out, 0, offsetof(struct sf_tcp, opt));
	out->has = 0;
	out->nsack = 0;
	out->tfo_len = 0;
	*why = SF_WHY_NONE;
	out->seglen = seglen > UINT32_MAX ? UINT32_MAX : (uint32_t)seglen;
	if (!sf_rd_be16(&r, &out->sport) || !sf_rd_be16(&r, &out->dport) ||
	    !sf_rd_be32(&r, &out->seq) || !sf_rd_be32(&r, &out->ack) ||
	    !sf_rd_be16(&r, &offflags) || !sf_rd_be16(&r, &out->win) ||
	    !sf_rd_be16(&r, &out->sum) || !sf_rd_be16(&r, &out->urp)) {
		*why = seglen < SF_TCP_HDR_MIN ? SF_WHY_TCP_SHORT : SF_WHY_TCP_HDR;
		return seglen < SF_TCP_HDR_MIN ? SF_DEC_MALFORMED : SF_DEC_TRUNCATED;
	}
	out->fixed_ok = true;
	out->hlen = (uint8_t)((offflags >> 12) * 4);
	out->flags = offflags & 0x0fff;

	if ((out->flags & SF_TH_ACK) == 0 && out->ack != 0)
		out->anom |= SF_ANOM_ACK_NO_FLAG;
	if ((out->flags & SF_TH_URG) == 0 && out->urp != 0)
		out->anom |= SF_ANOM_URP_NO_FLAG;
	if (out->flags & SF_TH_RESERVED)
		out->anom |= SF_ANOM_RESERVED;
	if ((out->flags & (SF_TH_SYN | SF_TH_FIN)) == (SF_TH_SYN | SF_TH_FIN))
		out->anom |= SF_ANOM_SYN_FIN;
	if ((out->flags & (SF_TH_SYN | SF_TH_RST)) == (SF_TH_SYN | SF_TH_RST))
		out->anom |= SF_ANOM_SYN_RST;
	if ((out->flags & 0x1ff) == 0)
		out->anom |= SF_ANOM_NO_FLAGS;

	if (out->hlen < SF_TCP_HDR_MIN || out->hlen > seglen) {
		*why = SF_WHY_TCP_DOFF;
		return SF_DEC_MALFORMED;
	}
	out->paylen = (uint32_t)(seglen - out->hlen);
	out->paycap = cap > out->hlen ? (uint32_t)(cap - out->hlen) : 0;
	if (!sf_dec_tcp_opts(p, cap, out->hlen, out)) {
		*why = SF_WHY_TCP_OPTS;
		return SF_DEC_TRUNCATED;
	}
	return SF_DEC_OK;
}

static bool record(struct sf_tcp *t, uint8_t kind, uint8_t len, size_t off, uint8_t flags)
{
	if (t->nopt == SF_TCP_OPT_MAX) /* cannot be: 40 bytes hold 40 options */
		return false;
	t->opt[t->nopt].kind = kind;
	t->opt[t->nopt].len = len;
	t->opt[t->nopt].off = (uint8_t)off;
	t->opt[t->nopt].flags = flags;
	t->opt[t->nopt].v1 = 0;
	t->opt[t->nopt].v2 = 0;
	t->nopt++;
	return true;
}

/* A TFO cookie fills the rest of `r`: none (a request) or 4..16 bytes
 * (RFC 7413 section 4.1.1). */
static bool read_tfo(struct sf_tcp *t, struct sf_rd *r)
{
	size_t n = sf_rd_left(r);
	if (n > SF_TCP_COOKIE_MAX || (n != 0 && n < 4))
		return false;
	t->tfo_len = (uint8_t)n;
	return sf_rd_copy(r, t->tfo_cookie, n);
}

/* Reads one option's value into `t` and sets the flags of `o`; `r` stands
 * after the kind and length bytes and holds exactly the value bytes. */
static void read_value(struct sf_tcp *t, struct sf_tcp_opt *o, struct sf_rd *r)
{
	uint8_t kind = o->kind;
	size_t vlen = sf_rd_left(r);
	uint16_t exid = 0;
	uint8_t b = 0;
	(void)vlen;
	uint16_t bit = 0;

	switch (kind) {
	case SF_TCPOPT_MSS:
		bit = SF_TCP_HAS_MSS;
		if (vlen != 2 || !sf_rd_be16(r, &t->mss))
			goto bad_size;
		o->v1 = t->mss;
		break;
	case SF_TCPOPT_WS:
		bit = SF_TCP_HAS_WS;
		if (vlen != 1 || !sf_rd_u8(r, &t->wscale))
			goto bad_size;
		if (t->wscale > 14)
			t->anom |= SF_ANOM_WS_BIG;
		o->v1 = t->wscale;
		break;
	case SF_TCPOPT_SACKOK:
		bit = SF_TCP_HAS_SACKOK;
		if (vlen != 0)
			goto bad_size;
		break;
	case SF_TCPOPT_SACK:
		bit = SF_TCP_HAS_SACK;
		if (vlen == 0 || vlen % 8 != 0 || vlen / 8 > SF_TCP_SACK_MAX)
			goto bad_size;
		t->nsack = 0;
		while (t->nsack < vlen / 8 && sf_rd_be32(r, &t->sack_le[t->nsack]) &&
		       sf_rd_be32(r, &t->sack_re[t->nsack]))
			t->nsack++;
		break;
	case SF_TCPOPT_TS:
		bit = SF_TCP_HAS_TS;
		if (vlen != 8 || !sf_rd_be32(r, &t->tsval) || !sf_rd_be32(r, &t->tsecr))
			goto bad_size;
		o->v1 = t->tsval;
		o->v2 = t->tsecr;
		break;
	case SF_TCPOPT_MD5:
		bit = SF_TCP_HAS_MD5;
		if (vlen != 16)
			goto bad_size;
		break;
	case SF_TCPOPT_AO:
		bit = SF_TCP_HAS_AO;
		if (vlen < 2)
			goto bad_size;
		break;
	case SF_TCPOPT_MPTCP:
		bit = SF_TCP_HAS_MPTCP;
		if (!sf_rd_u8(r, &b))
			goto bad_size;
		t->mptcp_subtype = b >> 4;
		o->v1 = t->mptcp_subtype;
		break;
	case SF_TCPOPT_TFO:
		bit = SF_TCP_HAS_TFO;
		o->flags |= SF_OPT_TFO;
		if (!read_tfo(t, r))
			goto bad_size;
		break;
	case SF_TCPOPT_EXP1:
	case SF_TCPOPT_EXP2:
		/* RFC 6994 shared experimental options; 0xF989 is TFO's draft form. */
		if (!sf_rd_be16(r, &exid) || exid != 0xf989)
			return;
		bit = SF_TCP_HAS_TFO;
		o->flags |= SF_OPT_TFO;
		if (!read_tfo(t, r))
			goto bad_size;
		break;
	default: return;
	}
	if ((t->has & bit) && bit != SF_TCP_HAS_MPTCP)
		t->anom |= SF_ANOM_OPT_DUP;
	t->has |= bit;
	return;
bad_size:
	o->flags |= SF_OPT_SIZE;
	t->anom |= SF_ANOM_OPT_SIZE;
}

/* The layout nearly every Linux segment after the SYN carries, as RFC 7323
 * appendix A recommends: NOP, NOP, TS (kind 8, length 10), 12 bytes and
 * nothing else. Linux's tcp_parse_aligned_timestamp() takes the same short
 * cut. Records exactly what the general loop would. */
static bool aligned_timestamps(const struct sf_rd *r, size_t optend, struct sf_tcp *out)
{
	struct sf_rd t = *r;
	uint32_t head = 0, val = 0, ecr = 0;

	if (optend != SF_TCP_HDR_MIN + 12 || !sf_rd_be32(&t, &head) || head != 0x0101080au ||
	    !sf_rd_be32(&t, &val) || !sf_rd_be32(&t, &ecr))
		return false;
	out->opt[0] = (struct sf_tcp_opt){ .kind = SF_TCPOPT_NOP, .len = 1, .off = 20 };
	out->opt[1] = (struct sf_tcp_opt){ .kind = SF_TCPOPT_NOP, .len = 1, .off = 21 };
	out->opt[2] = (struct sf_tcp_opt){
		.kind = SF_TCPOPT_TS, .len = 10, .off = 22, .v1 = val, .v2 = ecr
	};
	out->nopt = 3;
	out->tsval = val;
	out->tsecr = ecr;
	out->has |= SF_TCP_HAS_TS;
	return true;
}

/* RFC 9293 section 3.2: EOL ends the list, NOP is one byte, every other
 * kind carries a length byte that counts itself and the kind. */
bool sf_dec_tcp_opts(const uint8_t *hdr, size_t caplen, size_t optend, struct sf_tcp *out)
{
	struct sf_rd r = sf_rd_make(hdr, optend < caplen ? optend : caplen);
	bool complete = caplen >= optend;

	out->nopt = 0;
	if (!sf_rd_skip(&r, SF_TCP_HDR_MIN))
		return complete;
	if (aligned_timestamps(&r, optend, out))
		return true;
	while (sf_rd_left(&r) > 0) {
		size_t off = r.off;
		uint8_t kind = 0, olen = 0;

		(void)sf_rd_u8(&r, &kind);
		if (kind == SF_TCPOPT_NOP) {
			if (!record(out, kind, 1, off, 0))
				break;
			continue;
		}
		if (kind == SF_TCPOPT_EOL) {
			uint8_t pad = 0;
			(void)record(out, kind, 1, off, 0);
			while (sf_rd_u8(&r, &pad))
				if (pad != 0)
					out->anom |= SF_ANOM_OPT_AFTER_EOL;
			break;
		}
		if (!sf_rd_u8(&r, &olen)) {
			if (optend - off >= 2) { /* the capture ended at the length byte */
				(void)record(out, kind, 1, off, SF_OPT_CUT);
				return false;
			}
			out->anom |= SF_ANOM_OPT_LEN;
			(void)record(out, kind, 1, off, SF_OPT_BAD);
			break;
		}
		if (olen < 2 || olen > optend - off) {
			/* Record only the bytes the header holds: off + len never
			 * passes the header, whatever the length byte claims. */
			out->anom |= SF_ANOM_OPT_LEN;
			(void)record(out, kind, olen < 2 ? olen : (uint8_t)(optend - off), off,
				     SF_OPT_BAD);
			break;
		}
		if (olen > r.len - off) {
			/* The option fits the header but the capture ended inside it. */
			(void)record(out, kind, olen, off, SF_OPT_CUT);
			return false;
		}
		struct sf_rd v = { 0 };
		(void)sf_rd_sub(&r, (size_t)olen - 2, &v); /* fits: checked above */
		if (!record(out, kind, olen, off, 0))
			break;
		read_value(out, &out->opt[out->nopt - 1], &v);
	}
	return complete;
}

const char *sf_tcp_flags_str(uint16_t flags, char *buf)
{
	/* tcpdump's order and letters (print-tcp.c tcp_flag_values). */
	static const struct {
		uint16_t bit;
		char c;
	} tab[] = {
		{ SF_TH_FIN, 'F' }, { SF_TH_SYN, 'S' }, { SF_TH_RST, 'R' },
		{ SF_TH_PSH, 'P' }, { SF_TH_ACK, '.' }, { SF_TH_URG, 'U' },
		{ SF_TH_ECE, 'E' }, { SF_TH_CWR, 'W' }, { SF_TH_AE, 'e' },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (flags & tab[i].bit)
			buf[n++] = tab[i].c;
	if (n == 0) {
		memcpy(buf, "none", 5);
		return buf;
	}
	buf[n] = '\0';
	return buf;
}
