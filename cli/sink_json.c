/* cli/sink_json.c: one JSON object per segment per line, tshark's field names.
 *
 * The schema is documented in README.md ("JSON lines"); keys are only ever
 * added, never renamed. Numbers are JSON numbers except tcp.flags and
 * tcp.checksum, which are hex strings as tshark prints them.
 */
#include "cli/sink.h"

/* Keys are string literals: their length is known when compiling, so
 * writing one is a memcpy (a strlen per key was 15% of the JSON sink). */
#define KEY(b, k)           sf_buf_mem((b), ",\"" k "\":", sizeof(",\"" k "\":") - 1)
#define KEY_U(b, k, v)      (KEY(b, k), sf_buf_u64((b), (v)))
#define KEY_S(b, k, v)      (KEY(b, k), str((b), (v)))
#define KEY_HEX(b, k, v, d) (KEY(b, k), hex((b), (v), (d)))

static void str(struct sf_buf *b, const char *v)
{
	sf_buf_ch(b, '"');
	sf_buf_str(b, v); /* our own tokens only: nothing to escape */
	sf_buf_ch(b, '"');
}

static void hex(struct sf_buf *b, uint32_t v, unsigned digits)
{
	sf_buf_ch(b, '"');
	sf_buf_hex(b, v, digits);
	sf_buf_ch(b, '"');
}

static void addr(struct sf_buf *b, const struct sf_ip *ip, const uint8_t *a)
{
	sf_buf_ch(b, '"');
	sf_buf_ip(b, ip->ver, a);
	sf_buf_ch(b, '"');
}

static void options(struct sf_buf *b, const struct sf_tcp *t)
{
	KEY(b, "tcp.option_kind");
	sf_buf_ch(b, '[');
	for (unsigned i = 0; i < t->nopt; i++) {
		if (i)
			sf_buf_ch(b, ',');
		sf_buf_u64(b, t->opt[i].kind);
	}
	sf_buf_ch(b, ']');
	if (t->has & SF_TCP_HAS_MSS)
		KEY_U(b, "tcp.options.mss_val", t->mss);
	if (t->has & SF_TCP_HAS_WS)
		KEY_U(b, "tcp.options.wscale.shift", t->wscale);
	if (t->has & SF_TCP_HAS_SACKOK)
		sf_buf_str(b, ",\"tcp.options.sack_perm\":true");
	if (t->has & SF_TCP_HAS_SACK) {
		for (int side = 0; side < 2; side++) {
			if (side)
				KEY(b, "tcp.options.sack_re");
			else
				KEY(b, "tcp.options.sack_le");
			sf_buf_ch(b, '[');
			for (unsigned k = 0; k < t->nsack; k++) {
				if (k)
					sf_buf_ch(b, ',');
				sf_buf_u64(b, side ? t->sack_re[k] : t->sack_le[k]);
			}
			sf_buf_ch(b, ']');
		}
	}
	if (t->has & SF_TCP_HAS_TS) {
		KEY_U(b, "tcp.options.timestamp.tsval", t->tsval);
		KEY_U(b, "tcp.options.timestamp.tsecr", t->tsecr);
	}
	if (t->has & SF_TCP_HAS_MPTCP)
		KEY_U(b, "tcp.options.mptcp.subtype", t->mptcp_subtype);
	if (t->has & SF_TCP_HAS_TFO) {
		KEY(b, "tcp.options.tfo.cookie");
		sf_buf_ch(b, '"');
		sf_buf_hexbytes(b, t->tfo_cookie, t->tfo_len);
		sf_buf_ch(b, '"');
	}
	if (t->has & SF_TCP_HAS_MD5)
		sf_buf_str(b, ",\"tcp.options.md5\":true");
	if (t->has & SF_TCP_HAS_AO)
		sf_buf_str(b, ",\"tcp.options.ao\":true");
}

/* Connection tracking: stream, relative numbers, notes, state changes. */
static void tracking(struct sf_buf *b, const struct sf_frame *f, const struct sf_seg_info *si)
{
	KEY_U(b, "tcp.stream", si->conn->stream);
	KEY_U(b, "tcp.seq", si->rel_seq);
	if (f->tcp.flags & SF_TH_ACK)
		KEY_U(b, "tcp.ack", si->rel_ack);
	KEY_U(b, "tcp.completeness", si->an.completeness);
	if (si->an.notes) {
		bool first = true;
		KEY(b, "tcp.analysis.flags");
		sf_buf_ch(b, '[');
		for (unsigned i = 0; i < SF_NOTE_BITS; i++) {
			if (!(si->an.notes & (1u << i)))
				continue;
			if (!first)
				sf_buf_ch(b, ',');
			first = false;
			str(b, sf_seqan_note_name(1u << i));
		}
		sf_buf_ch(b, ']');
		if (si->an.notes & SF_NOTE_DUPLICATE_ACK)
			KEY_U(b, "tcp.analysis.duplicate_ack_num", si->an.dupack);
	}
	if (si->nchange) {
		KEY(b, "synfin.changes");
		sf_buf_ch(b, '[');
		for (unsigned i = 0; i < si->nchange; i++) {
			if (i)
				sf_buf_ch(b, ',');
			sf_buf_str(b, "{\"endpoint\":");
			str(b, sf_sink_role_name(si->change[i].role));
			sf_buf_str(b, ",\"from\":");
			str(b, sf_st_name(si->change[i].from));
			sf_buf_str(b, ",\"to\":");
			str(b, sf_st_name(si->change[i].to));
			sf_buf_ch(b, '}');
		}
		sf_buf_ch(b, ']');
	}
	if (si->unexpected) {
		KEY(b, "synfin.unexpected");
		sf_buf_str(b, "{\"client\":");
		str(b, sf_st_name(si->unexp_from[SF_ORIG]));
		sf_buf_str(b, ",\"server\":");
		str(b, sf_st_name(si->unexp_from[SF_RESP]));
		sf_buf_ch(b, '}');
	}
}

static void json_frame(struct sf_sink_state *st, const struct sf_pkt *pkt, const struct sf_frame *f,
		       const struct sf_seg_info *si)
{
	struct sf_buf *b = st->out;
	const struct sf_tcp *t = &f->tcp;
	uint32_t anom = f->ip.anom | t->anom;
	char fl[12];

	sf_buf_reserve(b);
	sf_buf_str(b, "{\"frame.number\":");
	sf_buf_u64(b, pkt->num);
	sf_buf_str(b, ",\"frame.time_epoch\":");
	sf_buf_time(b, pkt->sec, pkt->frac, pkt->frac_digits);
	KEY_U(b, "frame.len", pkt->wirelen);
	KEY_U(b, "frame.cap_len", pkt->caplen);
	if (f->link.nvlan > 0) {
		KEY(b, "vlan.id");
		sf_buf_ch(b, '[');
		for (unsigned i = 0; i < f->link.nvlan; i++) {
			if (i)
				sf_buf_ch(b, ',');
			sf_buf_u64(b, f->link.vlan[i]);
		}
		sf_buf_ch(b, ']');
	}
	KEY_S(b, "synfin.status", sf_dec_rc_name(f->rc));
	if (f->rc != SF_DEC_OK) {
		KEY_S(b, "synfin.layer", sf_layer_name(f->layer));
		KEY_S(b, "synfin.reason", sf_dec_why_name(f->why));
	}
	if (f->kind == SF_FRAME_TCP || f->layer == SF_LAYER_TCP) {
		KEY_U(b, "ip.version", f->ip.ver);
		if (f->ip.ver == 4) {
			KEY(b, "ip.src");
			addr(b, &f->ip, f->ip.src);
			KEY(b, "ip.dst");
			addr(b, &f->ip, f->ip.dst);
			KEY_U(b, "ip.ttl", f->ip.ttl);
		} else {
			KEY(b, "ipv6.src");
			addr(b, &f->ip, f->ip.src);
			KEY(b, "ipv6.dst");
			addr(b, &f->ip, f->ip.dst);
			KEY_U(b, "ipv6.hlim", f->ip.ttl);
		}
		if (f->tunnel != SF_TUNNEL_NONE) {
			KEY_S(b, "synfin.tunnel", sf_tunnel_name(f->tunnel));
			KEY(b, "synfin.tunnel.src");
			addr(b, &f->outer, f->outer.src);
			KEY(b, "synfin.tunnel.dst");
			addr(b, &f->outer, f->outer.dst);
		}
	}
	if (f->kind == SF_FRAME_TCP) {
		KEY_U(b, "tcp.srcport", t->sport);
		KEY_U(b, "tcp.dstport", t->dport);
		KEY_U(b, "tcp.seq_raw", t->seq);
		KEY_U(b, "tcp.ack_raw", t->ack);
		KEY_HEX(b, "tcp.flags", t->flags, 4);
		KEY_S(b, "tcp.flags.str", sf_tcp_flags_str(t->flags, fl));
		KEY_U(b, "tcp.window_size_value", t->win);
		KEY_U(b, "tcp.hdr_len", t->hlen);
		/* The payload length is unknown in a first fragment and behind an
		 * impossible data offset: the key is left out. */
		if (f->ip.mf)
			sf_buf_str(b, ",\"synfin.ip_first_fragment\":true");
		else if (!(f->rc == SF_DEC_MALFORMED && f->why == SF_WHY_TCP_DOFF))
			KEY_U(b, "tcp.len", t->paylen);
		KEY_HEX(b, "tcp.checksum", t->sum, 4);
		KEY_S(b, "tcp.checksum.status", sf_csum_name(f->csum));
		if (f->csum == SF_CSUM_BAD || f->csum == SF_CSUM_PARTIAL)
			KEY_HEX(b, "tcp.checksum_calculated", f->csum_calc, 4);
		KEY_U(b, "tcp.urgent_pointer", t->urp);
		options(b, t);
		if (si)
			tracking(b, f, si);
	}
	if (anom != 0) {
		bool first = true;
		KEY(b, "synfin.anomalies");
		sf_buf_ch(b, '[');
		for (unsigned i = 0; i < SF_ANOM_BITS; i++) {
			if (!(anom & (1u << i)))
				continue;
			if (!first)
				sf_buf_ch(b, ',');
			first = false;
			sf_buf_ch(b, '"');
			sf_buf_str(b, sf_anom_name(1u << i));
			sf_buf_ch(b, '"');
		}
		sf_buf_ch(b, ']');
	}
	sf_buf_str(b, "}\n");
}

const struct sf_sink sf_sink_json = {
	.name = "json",
	.frame = json_frame,
};
