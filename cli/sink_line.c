/* cli/sink_line.c: one line per segment, in tcpdump's words. */
#include "cli/sink.h"

#include <time.h>

static const char *const mptcp_names[] = {
	"capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "tcprst",
};

void sf_sink_time(struct sf_sink_state *st, const struct sf_pkt *pkt)
{
	struct sf_buf *b = st->out;
	if (pkt->sec != st->tcache_sec) {
		struct tm tm;
		time_t t = (time_t)pkt->sec;
		if (localtime_r(&t, &tm) == NULL)
			memset(&tm, 0, sizeof(tm));
		st->tcache[0] = (char)('0' + tm.tm_hour / 10);
		st->tcache[1] = (char)('0' + tm.tm_hour % 10);
		st->tcache[2] = ':';
		st->tcache[3] = (char)('0' + tm.tm_min / 10);
		st->tcache[4] = (char)('0' + tm.tm_min % 10);
		st->tcache[5] = ':';
		st->tcache[6] = (char)('0' + tm.tm_sec / 10);
		st->tcache[7] = (char)('0' + tm.tm_sec % 10);
		st->tcache[8] = '.';
		st->tcache_sec = pkt->sec;
	}
	sf_buf_mem(b, st->tcache, 9);
	sf_buf_u32_pad(b, pkt->frac, pkt->frac_digits);
}

/* The bare name of an option kind, for options whose value we cannot show. */
static void opt_name(struct sf_buf *b, const struct sf_tcp_opt *o)
{
	switch (o->kind) {
	case SF_TCPOPT_EOL: SF_BUF_LIT(b, "eol"); return;
	case SF_TCPOPT_NOP: SF_BUF_LIT(b, "nop"); return;
	case SF_TCPOPT_MSS: SF_BUF_LIT(b, "mss"); return;
	case SF_TCPOPT_WS: SF_BUF_LIT(b, "wscale"); return;
	case SF_TCPOPT_SACKOK: SF_BUF_LIT(b, "sackOK"); return;
	case SF_TCPOPT_SACK: SF_BUF_LIT(b, "sack"); return;
	case SF_TCPOPT_TS: SF_BUF_LIT(b, "TS"); return;
	case SF_TCPOPT_MD5: SF_BUF_LIT(b, "md5"); return;
	case SF_TCPOPT_AO: SF_BUF_LIT(b, "tcp-ao"); return;
	case SF_TCPOPT_MPTCP: SF_BUF_LIT(b, "mptcp"); return;
	case SF_TCPOPT_TFO: SF_BUF_LIT(b, "tfo"); return;
	default:
		SF_BUF_LIT(b, "unknown-");
		sf_buf_u64(b, o->kind);
		return;
	}
}

static void opt_tfo(struct sf_buf *b, const struct sf_tcp *t, const struct sf_tcp_opt *o)
{
	sf_buf_str(b, o->kind == SF_TCPOPT_TFO ? "tfo" : "exp-tfo");
	if (t->tfo_len == 0) {
		SF_BUF_LIT(b, " cookiereq");
	} else {
		SF_BUF_LIT(b, " cookie ");
		sf_buf_hexbytes(b, t->tfo_cookie, t->tfo_len);
	}
}

/* One option with its own value (a duplicate shows each of its values, as
 * tcpdump does). SACK blocks and TFO cookies are kept once per segment. */
static void opt_value(struct sf_buf *b, const struct sf_tcp *t, const struct sf_tcp_opt *o)
{
	switch (o->kind) {
	case SF_TCPOPT_MSS:
		SF_BUF_LIT(b, "mss ");
		sf_buf_u64(b, o->v1);
		return;
	case SF_TCPOPT_WS:
		SF_BUF_LIT(b, "wscale ");
		sf_buf_u64(b, o->v1);
		return;
	case SF_TCPOPT_SACK:
		SF_BUF_LIT(b, "sack ");
		sf_buf_u64(b, t->nsack);
		sf_buf_ch(b, ' ');
		for (unsigned k = 0; k < t->nsack; k++) {
			sf_buf_ch(b, '{');
			sf_buf_u64(b, t->sack_le[k]);
			sf_buf_ch(b, ':');
			sf_buf_u64(b, t->sack_re[k]);
			sf_buf_ch(b, '}');
		}
		return;
	case SF_TCPOPT_TS:
		SF_BUF_LIT(b, "TS val ");
		sf_buf_u64(b, o->v1);
		SF_BUF_LIT(b, " ecr ");
		sf_buf_u64(b, o->v2);
		return;
	case SF_TCPOPT_MPTCP:
		SF_BUF_LIT(b, "mptcp ");
		sf_buf_u64(b, o->len);
		sf_buf_ch(b, ' ');
		if (o->v1 < sizeof(mptcp_names) / sizeof(mptcp_names[0]))
			sf_buf_str(b, mptcp_names[o->v1]);
		else
			sf_buf_u64(b, o->v1);
		return;
	case SF_TCPOPT_EOL:
	case SF_TCPOPT_NOP:
	case SF_TCPOPT_SACKOK:
	case SF_TCPOPT_MD5:
	case SF_TCPOPT_AO: opt_name(b, o); return;
	default:
		if (o->flags & SF_OPT_TFO) {
			opt_tfo(b, t, o);
			return;
		}
		opt_name(b, o);
		SF_BUF_LIT(b, " len ");
		sf_buf_u64(b, o->len);
		return;
	}
}

void sf_sink_tcp_options(struct sf_buf *b, const struct sf_tcp *t)
{
	for (unsigned i = 0; i < t->nopt; i++) {
		const struct sf_tcp_opt *o = &t->opt[i];
		if (i)
			sf_buf_ch(b, ',');
		if (o->flags & SF_OPT_BAD) {
			SF_BUF_LIT(b, "[bad opt]");
		} else if (o->flags & SF_OPT_CUT) {
			opt_name(b, o); /* the capture ended inside it */
		} else if (o->flags & SF_OPT_SIZE) {
			SF_BUF_LIT(b, "[bad opt kind ");
			sf_buf_u64(b, o->kind);
			SF_BUF_LIT(b, " len ");
			sf_buf_u64(b, o->len);
			sf_buf_ch(b, ']');
		} else {
			opt_value(b, t, o);
		}
	}
}

static void endpoint(struct sf_sink_state *st, const struct sf_ip *ip, const uint8_t *a,
		     uint16_t port)
{
	struct sf_buf *b = st->out;
	sf_buf_ip(b, ip->ver, a);
	sf_buf_ch(b, '.');
	if (st->opts->port_names && st->opts->port_names[port])
		sf_buf_str(b, st->opts->port_names[port]);
	else
		sf_buf_u64(b, port);
}

static void note(struct sf_buf *b, const struct sf_frame *f)
{
	SF_BUF_LIT(b, " [|");
	sf_buf_str(b, sf_layer_name(f->layer));
	SF_BUF_LIT(b, ": ");
	sf_buf_str(b, sf_dec_rc_name(f->rc));
	SF_BUF_LIT(b, ", ");
	sf_buf_str(b, sf_dec_strerror(f->why));
	sf_buf_ch(b, ']');
}

const char *sf_sink_role_name(int role)
{
	return role == SF_ORIG ? "client" : "server";
}

/* " [stream 3] [TCP Dup ACK #2] client ESTABLISHED->FIN_WAIT_1, server ..." */
static void tracking(struct sf_buf *b, const struct sf_seg_info *si)
{
	SF_BUF_LIT(b, " [stream ");
	sf_buf_u64(b, si->conn->stream);
	sf_buf_ch(b, ']');
	for (unsigned i = 0; i < SF_NOTE_BITS; i++) {
		uint32_t bit = 1u << i;
		if (!(si->an.notes & bit))
			continue;
		SF_BUF_LIT(b, " [");
		sf_buf_str(b, sf_seqan_note_text(bit));
		if (bit == SF_NOTE_DUPLICATE_ACK) {
			SF_BUF_LIT(b, " #");
			sf_buf_u64(b, si->an.dupack);
		}
		sf_buf_ch(b, ']');
	}
	if (si->unexpected) {
		SF_BUF_LIT(b, " [unexpected segment: client ");
		sf_buf_str(b, sf_st_name(si->unexp_from[SF_ORIG]));
		SF_BUF_LIT(b, ", server ");
		sf_buf_str(b, sf_st_name(si->unexp_from[SF_RESP]));
		sf_buf_ch(b, ']');
	}
	for (unsigned i = 0; i < si->nchange; i++) {
		const struct sf_change *ch = &si->change[i];
		/* One endpoint's steps in a row read as a path: A->B->C. */
		if (i > 0 && si->change[i - 1].role == ch->role) {
			SF_BUF_LIT(b, "->");
			sf_buf_str(b, sf_st_name(ch->to));
			continue;
		}
		sf_buf_str(b, i ? ", " : " ");
		sf_buf_str(b, sf_sink_role_name(ch->role));
		sf_buf_ch(b, ' ');
		sf_buf_str(b, sf_st_name(ch->from));
		SF_BUF_LIT(b, "->");
		sf_buf_str(b, sf_st_name(ch->to));
	}
}

static void line_frame(struct sf_sink_state *st, const struct sf_pkt *pkt, const struct sf_frame *f,
		       const struct sf_seg_info *si)
{
	struct sf_buf *b = st->out;
	const struct sf_tcp *t = &f->tcp;
	char fl[12];

	sf_buf_reserve(b);
	sf_sink_time(st, pkt);
	if (f->kind != SF_FRAME_TCP) {
		SF_BUF_LIT(b, " packet ");
		sf_buf_u64(b, pkt->num);
		note(b, f);
		sf_buf_ch(b, '\n');
		return;
	}
	sf_buf_str(b, f->ip.ver == 4 ? " IP " : " IP6 ");
	endpoint(st, &f->ip, f->ip.src, t->sport);
	SF_BUF_LIT(b, " > ");
	endpoint(st, &f->ip, f->ip.dst, t->dport);
	SF_BUF_LIT(b, ": Flags [");
	sf_buf_str(b, sf_tcp_flags_str(t->flags, fl));
	sf_buf_ch(b, ']');
	if (st->opts->verbose || f->csum == SF_CSUM_BAD) {
		SF_BUF_LIT(b, ", cksum ");
		sf_buf_hex(b, t->sum, 4);
		switch (f->csum) {
		case SF_CSUM_GOOD: SF_BUF_LIT(b, " (correct)"); break;
		case SF_CSUM_BAD:
			SF_BUF_LIT(b, " (incorrect -> ");
			sf_buf_hex(b, f->csum_calc, 4);
			sf_buf_ch(b, ')');
			break;
		case SF_CSUM_PARTIAL:
			SF_BUF_LIT(b, " (partial: offloaded, pseudo-header only)");
			break;
		default: SF_BUF_LIT(b, " (unverified)"); break;
		}
	}
	/* Relative numbers (ISN = 0) once the tracker knows the ISNs, as
	 * tcpdump and tshark print them; absolute with -S. */
	uint32_t seq = si && !st->opts->absolute ? si->rel_seq : t->seq;
	uint32_t ack = si && !st->opts->absolute ? si->rel_ack : t->ack;
	if (t->paylen > 0 || (t->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST))) {
		SF_BUF_LIT(b, ", seq ");
		sf_buf_u64(b, seq);
		if (t->paylen > 0) {
			sf_buf_ch(b, ':');
			sf_buf_u64(b, (uint32_t)(seq + t->paylen));
		}
	}
	if (t->flags & SF_TH_ACK) {
		SF_BUF_LIT(b, ", ack ");
		sf_buf_u64(b, ack);
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
	if (!(f->rc == SF_DEC_MALFORMED && f->why == SF_WHY_TCP_DOFF)) {
		SF_BUF_LIT(b, ", length "); /* unknown when the data offset is impossible */
		sf_buf_u64(b, t->paylen);
	}
	if (f->ip.mf)
		SF_BUF_LIT(b, " [first IP fragment: the segment continues]");
	if (f->tunnel != SF_TUNNEL_NONE) {
		SF_BUF_LIT(b, " [tunnel ");
		sf_buf_str(b, sf_tunnel_name(f->tunnel));
		sf_buf_ch(b, ' ');
		sf_buf_ip(b, f->outer.ver, f->outer.src);
		SF_BUF_LIT(b, " > ");
		sf_buf_ip(b, f->outer.ver, f->outer.dst);
		sf_buf_ch(b, ']');
	}
	if (f->rc != SF_DEC_OK)
		note(b, f);
	if (si)
		tracking(b, si);
	sf_buf_ch(b, '\n');
}

const struct sf_sink sf_sink_line = {
	.name = "line",
	.frame = line_frame,
};

/* --count: the number of TCP segments, and nothing else. */
static void count_frame(struct sf_sink_state *st, const struct sf_pkt *pkt,
			const struct sf_frame *f, const struct sf_seg_info *si)
{
	(void)pkt;
	(void)si;
	if (f->kind == SF_FRAME_TCP)
		st->count++;
}

static void count_end(struct sf_sink_state *st)
{
	sf_buf_u64(st->out, st->count);
	sf_buf_ch(st->out, '\n');
}

const struct sf_sink sf_sink_count = {
	.name = "count",
	.untracked = true,
	.no_csum = true,
	.frame = count_frame,
	.end = count_end,
};
