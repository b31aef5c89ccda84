/* cli/sink_json.c: one JSON object per segment per line, tshark's field names.
 *
 * The schema is documented in README.md ("JSON lines"); keys are only ever
 * added, never renamed. Numbers are JSON numbers except tcp.flags and
 * tcp.checksum, which are hex strings as tshark prints them.
 */
#include "cli/sink.h"

static void key(struct sf_buf *b, const char *k)
{
	sf_buf_str(b, ",\"");
	sf_buf_str(b, k);
	sf_buf_str(b, "\":");
}

static void key_u(struct sf_buf *b, const char *k, uint64_t v)
{
	key(b, k);
	sf_buf_u64(b, v);
}

static void key_s(struct sf_buf *b, const char *k, const char *v)
{
	key(b, k);
	sf_buf_ch(b, '"');
	sf_buf_str(b, v); /* our own tokens only: nothing to escape */
	sf_buf_ch(b, '"');
}

static void key_hex(struct sf_buf *b, const char *k, uint32_t v, unsigned digits)
{
	key(b, k);
	sf_buf_ch(b, '"');
	sf_buf_hex(b, v, digits);
	sf_buf_ch(b, '"');
}

static void addr(struct sf_buf *b, const struct sf_ip *ip, const char *k, const uint8_t *a)
{
	key(b, k);
	sf_buf_ch(b, '"');
	if (ip->ver == 4)
		sf_buf_ipv4(b, a);
	else
		sf_buf_ipv6(b, a);
	sf_buf_ch(b, '"');
}

static void options(struct sf_buf *b, const struct sf_tcp *t)
{
	key(b, "tcp.option_kind");
	sf_buf_ch(b, '[');
	for (unsigned i = 0; i < t->nopt; i++) {
		if (i)
			sf_buf_ch(b, ',');
		sf_buf_u64(b, t->opt[i].kind);
	}
	sf_buf_ch(b, ']');
	if (t->has & SF_TCP_HAS_MSS)
		key_u(b, "tcp.options.mss_val", t->mss);
	if (t->has & SF_TCP_HAS_WS)
		key_u(b, "tcp.options.wscale.shift", t->wscale);
	if (t->has & SF_TCP_HAS_SACKOK)
		sf_buf_str(b, ",\"tcp.options.sack_perm\":true");
	if (t->has & SF_TCP_HAS_SACK) {
		for (int side = 0; side < 2; side++) {
			key(b, side ? "tcp.options.sack_re" : "tcp.options.sack_le");
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
		key_u(b, "tcp.options.timestamp.tsval", t->tsval);
		key_u(b, "tcp.options.timestamp.tsecr", t->tsecr);
	}
	if (t->has & SF_TCP_HAS_MPTCP)
		key_u(b, "tcp.options.mptcp.subtype", t->mptcp_subtype);
	if (t->has & SF_TCP_HAS_TFO) {
		key(b, "tcp.options.tfo.cookie");
		sf_buf_ch(b, '"');
		sf_buf_hexbytes(b, t->tfo_cookie, t->tfo_len);
		sf_buf_ch(b, '"');
	}
	if (t->has & SF_TCP_HAS_MD5)
		sf_buf_str(b, ",\"tcp.options.md5\":true");
	if (t->has & SF_TCP_HAS_AO)
		sf_buf_str(b, ",\"tcp.options.ao\":true");
}

static void json_frame(struct sf_sink_state *st, const struct sf_pkt *pkt,
		       const struct sf_frame *f)
{
	struct sf_buf *b = st->out;
	const struct sf_tcp *t = &f->tcp;
	uint32_t anom = f->ip.anom | t->anom;
	char fl[12];

	sf_buf_reserve(b);
	sf_buf_str(b, "{\"frame.number\":");
	sf_buf_u64(b, pkt->num);
	sf_buf_str(b, ",\"frame.time_epoch\":");
	if (pkt->sec < 0) {
		sf_buf_ch(b, '-');
		sf_buf_u64(b, (uint64_t)-pkt->sec);
	} else {
		sf_buf_u64(b, (uint64_t)pkt->sec);
	}
	sf_buf_ch(b, '.');
	sf_buf_u32_pad(b, pkt->frac, pkt->frac_digits);
	key_u(b, "frame.len", pkt->wirelen);
	key_u(b, "frame.cap_len", pkt->caplen);
	if (f->link.nvlan > 0) {
		key(b, "vlan.id");
		sf_buf_ch(b, '[');
		for (unsigned i = 0; i < f->link.nvlan; i++) {
			if (i)
				sf_buf_ch(b, ',');
			sf_buf_u64(b, f->link.vlan[i]);
		}
		sf_buf_ch(b, ']');
	}
	key_s(b, "synfin.status", sf_dec_rc_name(f->rc));
	if (f->rc != SF_DEC_OK) {
		key_s(b, "synfin.layer", f->layer == SF_LAYER_LINK ? "link"
					 : f->layer == SF_LAYER_IP ? "ip" : "tcp");
		key_s(b, "synfin.reason", sf_dec_why_name(f->why));
	}
	if (f->kind == SF_FRAME_TCP || f->layer == SF_LAYER_TCP) {
		key_u(b, "ip.version", f->ip.ver);
		addr(b, &f->ip, f->ip.ver == 4 ? "ip.src" : "ipv6.src", f->ip.src);
		addr(b, &f->ip, f->ip.ver == 4 ? "ip.dst" : "ipv6.dst", f->ip.dst);
		key_u(b, f->ip.ver == 4 ? "ip.ttl" : "ipv6.hlim", f->ip.ttl);
		if (f->tunnel != SF_TUNNEL_NONE) {
			key_s(b, "synfin.tunnel", sf_tunnel_name(f->tunnel));
			addr(b, &f->outer, "synfin.tunnel.src", f->outer.src);
			addr(b, &f->outer, "synfin.tunnel.dst", f->outer.dst);
		}
	}
	if (f->kind == SF_FRAME_TCP) {
		key_u(b, "tcp.srcport", t->sport);
		key_u(b, "tcp.dstport", t->dport);
		key_u(b, "tcp.seq_raw", t->seq);
		key_u(b, "tcp.ack_raw", t->ack);
		key_hex(b, "tcp.flags", t->flags, 4);
		key_s(b, "tcp.flags.str", sf_tcp_flags_str(t->flags, fl));
		key_u(b, "tcp.window_size_value", t->win);
		key_u(b, "tcp.hdr_len", t->hlen);
		/* The payload length is unknown in a first fragment and behind an
		 * impossible data offset: the key is left out. */
		if (f->ip.mf)
			sf_buf_str(b, ",\"synfin.ip_first_fragment\":true");
		else if (!(f->rc == SF_DEC_MALFORMED && f->why == SF_WHY_TCP_DOFF))
			key_u(b, "tcp.len", t->paylen);
		key_hex(b, "tcp.checksum", t->sum, 4);
		key_s(b, "tcp.checksum.status", sf_csum_name(f->csum));
		if (f->csum == SF_CSUM_BAD || f->csum == SF_CSUM_PARTIAL)
			key_hex(b, "tcp.checksum_calculated", f->csum_calc, 4);
		key_u(b, "tcp.urgent_pointer", t->urp);
		options(b, t);
	}
	if (anom != 0) {
		bool first = true;
		key(b, "synfin.anomalies");
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
