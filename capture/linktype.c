/* capture/linktype.c: link-type numbers as files write them and libpcap reports them. */
#include "capture/source.h"

/* LINKTYPE_ (on disk) to DLT_ (what pcap_datalink() says): the same
 * number but for the few that differ by platform, of which RAW matters. */
int sf_linktype_to_dlt(uint32_t linktype)
{
	linktype &= 0xffff; /* the upper bits carry FCS information */
	return linktype == 101 ? 12 : (int)linktype;
}
