/* decode/dec.c: names for result codes, reasons and anomaly bits. */
#include "decode/dec.h"

#include <stddef.h>

static const char *const rc_names[] = {
	[SF_DEC_OK] = "ok",
	[SF_DEC_TRUNCATED] = "truncated",
	[SF_DEC_MALFORMED] = "malformed",
};
_Static_assert(sizeof(rc_names) / sizeof(rc_names[0]) == SF_DEC_RC_COUNT, "rc_names");

struct why_text {
	const char *name;
	const char *text;
};

static const struct why_text why_tab[] = {
	[SF_WHY_NONE] = { "none", "no problem" },
	[SF_WHY_LINK_HDR] = { "link_hdr", "link-layer header cut short" },
	[SF_WHY_LINK_VLAN] = { "link_vlan", "too many stacked VLAN tags or MPLS labels" },
	[SF_WHY_IP_VERSION] = { "ip_version", "IP version field disagrees with the link type" },
	[SF_WHY_IP4_HDR] = { "ip4_hdr", "IPv4 header cut short" },
	[SF_WHY_IP4_IHL] = { "ip4_ihl", "IPv4 header length below 20 bytes" },
	[SF_WHY_IP4_TOTLEN] = { "ip4_totlen", "IPv4 total length below the header length" },
	[SF_WHY_IP6_HDR] = { "ip6_hdr", "IPv6 header cut short" },
	[SF_WHY_IP6_EXT] = { "ip6_ext", "IPv6 extension header cut short" },
	[SF_WHY_IP6_EXT_LEN] = { "ip6_ext_len", "IPv6 extension header runs past the payload" },
	[SF_WHY_IP6_CHAIN] = { "ip6_chain", "IPv6 extension header chain too long" },
	[SF_WHY_TCP_HDR] = { "tcp_hdr", "TCP header cut short by the capture" },
	[SF_WHY_TCP_SHORT] = { "tcp_short", "TCP segment shorter than 20 bytes" },
	[SF_WHY_TCP_DOFF] = { "tcp_doff", "TCP data offset below 5 or past the segment" },
	[SF_WHY_TCP_OPTS] = { "tcp_opts", "TCP options cut short by the capture" },
	[SF_WHY_TCP_FRAG] = { "tcp_frag", "TCP header continues in the next IP fragment" },
};
_Static_assert(sizeof(why_tab) / sizeof(why_tab[0]) == SF_WHY_COUNT, "why_tab");

static const char *const anom_names[] = {
	"ack_no_flag",  "urp_no_flag", "reserved_bits", "syn_fin",       "syn_rst",
	"no_flags",     "opt_len",     "opt_size",      "opt_after_eol", "opt_dup",
	"ip_past_wire", "ip_tso",      "ip6_jumbo",     "wscale_big",
};
_Static_assert(sizeof(anom_names) / sizeof(anom_names[0]) == SF_ANOM_BITS, "anom_names");

const char *sf_dec_rc_name(enum sf_dec_rc rc)
{
	return (unsigned)rc < SF_DEC_RC_COUNT ? rc_names[rc] : "?";
}

const char *sf_dec_strerror(enum sf_why why)
{
	return (unsigned)why < SF_WHY_COUNT ? why_tab[why].text : "unknown reason";
}

const char *sf_dec_why_name(enum sf_why why)
{
	return (unsigned)why < SF_WHY_COUNT ? why_tab[why].name : "unknown";
}

const char *sf_anom_name(uint32_t bit)
{
	for (unsigned i = 0; i < SF_ANOM_BITS; i++)
		if (bit == 1u << i)
			return anom_names[i];
	return "?";
}
