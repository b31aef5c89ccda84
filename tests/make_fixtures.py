#!/usr/bin/env python3
"""tests/make_fixtures.py: writes the hand-made capture fixtures in pcaps/.

The committed pcaps are the truth; this script documents how each was built
and rebuilds them byte for byte (no clock, no randomness). Run it from the
repository root:  python3 tests/make_fixtures.py [OUTDIR]   (default pcaps)

It does not touch pcaps/loopback-partial-csum.pcap, which is a real capture
(see the comment at the bottom), nor any golden file. After changing a
fixture, rewrite its golden files with  UPDATE=1 sh tests/golden.sh  and
check them by eye against  tcpdump -nn -S -r FILE.

Addresses are documentation ranges (RFC 5737, RFC 3849); time stamps start at
2024-01-01 00:00:00 UTC.
"""
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
T0 = 1704067200  # 2024-01-01T00:00:00Z

A4 = bytes([192, 0, 2, 1])        # client
B4 = bytes([198, 51, 100, 2])     # server
A6 = bytes.fromhex("20010db8000000000000000000000001")
B6 = bytes.fromhex("20010db8000000000000000000000002")
R6 = bytes.fromhex("20010db8000000000000000000000099")  # a router on the way
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


# --- checksums and headers -------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def tcp(src, dst, sport, dport, seq, ack, flags, win=64240, opts=b"", data=b"",
        urp=0, doff=None, sum_=None, sum_dst=None):
    """A TCP segment with a correct checksum unless sum_ is given.
    sum_dst: the destination for the pseudo-header when it differs from the
    IP header's (IPv6 routing header: the final destination)."""
    assert len(opts) % 4 == 0, "pad the options yourself"
    hl = 20 + len(opts)
    off = (hl // 4) if doff is None else doff
    hdr = struct.pack("!HHIIHHHH", sport, dport, seq, ack, (off << 12) | flags, win, 0, urp)
    seg = hdr + opts + data
    if sum_ is None:
        sum_ = csum(pseudo(src, sum_dst or dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", sum_) + seg[18:]


def ip4(src, dst, payload, proto=6, ttl=64, ident=1, df=True, mf=False, frag=0,
        opts=b"", totlen=None):
    hl = 20 + len(opts)
    assert hl % 4 == 0
    ff = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag // 8)
    tl = hl + len(payload) if totlen is None else totlen
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0, tl, ident, ff, ttl, proto, 0, src, dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, payload, nh=6, hlim=64, plen=None):
    pl = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, pl, nh, hlim, src, dst) + payload


def eth(payload, etype=0x0800, tags=(), dst=MAC_B, src=MAC_A):
    h = dst + src
    for tpid, vid in tags:
        h += struct.pack("!HH", tpid, vid)
    return h + struct.pack("!H", etype) + payload


# Common segments ---------------------------------------------------------------

SYN_OPTS = bytes.fromhex("020405b4" "0402" "080a000003e800000000" "01" "030307")  # mss,sackOK,TS,nop,wscale


def seg4(flags, seq, ack, data=b"", opts=b"", sport=40000, dport=80, rev=False, **kw):
    s, d = (B4, A4) if rev else (A4, B4)
    sp, dp = (dport, sport) if rev else (sport, dport)
    return ip4(s, d, tcp(s, d, sp, dp, seq, ack, flags, opts=opts, data=data, **kw))


def seg6(flags, seq, ack, data=b"", opts=b"", sport=40000, dport=80, rev=False, **kw):
    s, d = (B6, A6) if rev else (A6, B6)
    sp, dp = (dport, sport) if rev else (sport, dport)
    return ip6(s, d, tcp(s, d, sp, dp, seq, ack, flags, opts=opts, data=data, **kw))


def handshake(seg, n=3):
    """SYN, SYN-ACK, ACK (and data + FIN close when n > 3) as IP packets."""
    pk = [
        seg(SYN, 1000, 0, opts=SYN_OPTS),
        seg(SYN | ACK, 5000, 1001, rev=True, opts=bytes.fromhex("020405b4" "01010402")),
        seg(ACK, 1001, 5001),
    ]
    if n > 3:
        pk += [
            seg(PSH | ACK, 1001, 5001, data=b"GET / HTTP/1.0\r\n\r\n"),
            seg(ACK, 5001, 1019, rev=True),
            seg(FIN | ACK, 1019, 5001),
            seg(FIN | ACK, 5001, 1020, rev=True),
            seg(ACK, 1020, 5002),
        ]
    return pk[:n] if n <= 3 else pk


# --- file writers ----------------------------------------------------------

def rec(data, t=0, frac=0, caplen=None, wirelen=None):
    return (T0 + t, frac, data, caplen, wirelen)


def pcap_bytes(linktype, records, snaplen=262144, nano=False):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for sec, frac, data, caplen, wirelen in records:
        wl = len(data) if wirelen is None else wirelen
        cl = len(data) if caplen is None else caplen
        out += struct.pack("<IIII", sec, frac, cl, wl) + data[:cl]
    return out


def write(name, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(blob)


def pcap(name, linktype, records, **kw):
    write(name, pcap_bytes(linktype, records, **kw))


def stamp(pkts, step=1):
    """Records one step of 1 ms apart, within the first seconds of T0."""
    return [rec(p, t=(i * step * 1000) // 1000000, frac=(i * step * 1000) % 1000000)
            for i, p in enumerate(pkts)]


# --- link types ------------------------------------------------------------

def link_fixtures():
    # EN10MB, plain Ethernet II: a whole IPv4 connection (open, data, close).
    pcap("link-en10mb-ipv4-handshake.pcap", 1,
         stamp([eth(p) for p in handshake(seg4, 8)]))
    # EN10MB with one 802.1Q tag (VLAN 100, PCP 3).
    pcap("link-en10mb-vlan-8021q.pcap", 1,
         stamp([eth(p, tags=[(0x8100, 0x6064)]) for p in handshake(seg4)]))
    # EN10MB QinQ: 802.1ad service tag 200 outside, 802.1Q customer tag 100 inside.
    pcap("link-en10mb-qinq-88a8-8100.pcap", 1,
         stamp([eth(p, tags=[(0x88A8, 200), (0x8100, 100)]) for p in handshake(seg4)]))
    # NULL (DLT 0): the AF in the writer's byte order. Little-endian AF_INET.
    pcap("link-null-af-inet-le.pcap", 0,
         stamp([struct.pack("<I", 2) + p for p in handshake(seg4)]))
    # NULL written by a big-endian host: AF_INET as 00 00 00 02.
    pcap("link-null-af-inet-be.pcap", 0,
         stamp([struct.pack(">I", 2) + p for p in handshake(seg4)]))
    # NULL from macOS: AF_INET6 is 30, little-endian.
    pcap("link-null-af-inet6-30-macos.pcap", 0,
         stamp([struct.pack("<I", 30) + p for p in handshake(seg6)]))
    # LOOP (DLT 108, OpenBSD): AF always in network order; AF_INET 2, AF_INET6 24.
    pcap("link-loop-108-af-network-order.pcap", 108,
         stamp([struct.pack(">I", 2) + p for p in handshake(seg4, 2)] +
               [struct.pack(">I", 24) + p for p in handshake(seg6, 2)]))
    # RAW (LINKTYPE_RAW 101 in the file header): the version nibble decides.
    pcap("link-raw-101-ipv4-ipv6.pcap", 101,
         stamp(handshake(seg4, 2) + handshake(seg6, 2)))
    # LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229).
    pcap("link-ipv4-228.pcap", 228, stamp(handshake(seg4)))
    pcap("link-ipv6-229.pcap", 229, stamp(handshake(seg6)))
    # LINUX_SLL (113): packet type, ARPHRD_ETHER, address length 6, address
    # padded to 8, protocol. Outgoing (4) and incoming (0) packets, v4 and v6.
    def sll(pkttype, proto, p, mac):
        return struct.pack("!HHH", pkttype, 1, 6) + mac + b"\0\0" + struct.pack("!H", proto) + p
    v4, v6 = handshake(seg4, 2), handshake(seg6, 2)
    pcap("link-linux-sll-113.pcap", 113,
         stamp([sll(4, 0x0800, v4[0], MAC_A), sll(0, 0x0800, v4[1], MAC_B),
                sll(4, 0x86DD, v6[0], MAC_A), sll(0, 0x86DD, v6[1], MAC_B)]))
    # LINUX_SLL2 (276): protocol, reserved, ifindex, ARPHRD, packet type,
    # address length, address padded to 8.
    def sll2(pkttype, proto, p, mac):
        return struct.pack("!HHIHBB", proto, 0, 2, 1, pkttype, 6) + mac + b"\0\0" + p
    pcap("link-linux-sll2-276.pcap", 276,
         stamp([sll2(4, 0x0800, v4[0], MAC_A), sll2(0, 0x0800, v4[1], MAC_B),
                sll2(4, 0x86DD, v6[0], MAC_A), sll2(0, 0x86DD, v6[1], MAC_B)]))
    # PPP (DLT 9): FF 03 + protocol 0x0021 (IPv4), FF 03 + 0x0057 (IPv6), and
    # a frame with address/control and protocol field compression (21).
    pcap("link-ppp-9.pcap", 9,
         stamp([b"\xff\x03\x00\x21" + v4[0], b"\xff\x03\x00\x57" + v6[0],
                b"\x21" + v4[1]]))
    # An unsupported link type: IEEE 802.11 (DLT 105) data frames carrying
    # LLC/SNAP IPv4 TCP. Nothing is printed; one note for the file.
    def wlan(p):
        hdr = struct.pack("<HH", 0x0208, 0) + MAC_B + MAC_A + MAC_A + struct.pack("<H", 0)
        return hdr + bytes.fromhex("aaaa03000000") + b"\x08\x00" + p
    pcap("link-unsupported-ieee802-11-105.pcap", 105,
         stamp([wlan(p) for p in handshake(seg4)]))


# --- IP layer --------------------------------------------------------------

def ip_fixtures():
    # IPv4 options: IHL 6 with Router Alert (94 04 0000), and IHL 10 with a
    # Record Route option (07 13 08: one of its 4 slots filled) and an EOL.
    syn = tcp(A4, B4, 40000, 80, 1000, 0, SYN, opts=SYN_OPTS)
    synack = tcp(B4, A4, 80, 40000, 5000, 1001, SYN | ACK, opts=bytes.fromhex("020405b4" "01010402"))
    rr = bytes.fromhex("071308") + bytes([192, 0, 2, 254]) + bytes(12) + b"\0"
    pcap("ip4-options.pcap", 1, stamp([
        eth(ip4(A4, B4, syn, opts=bytes.fromhex("94040000"))),
        eth(ip4(B4, A4, synack, opts=rr)),
    ]))
    # Ethernet padding: frames padded to the 60-byte minimum with non-zero
    # junk. TCP must see only the IP total length: the ACK has length 0, the
    # 2-byte segment length 2, and both checksums are correct.
    ack = seg4(ACK, 1001, 5001)
    dat = seg4(PSH | ACK, 1001, 5001, data=b"hi")
    pcap("ip4-ether-padding.pcap", 1, stamp([
        eth(ack) + b"\xde\xad\xbe\xef\xde\xad",
        eth(dat) + b"\xde\xad\xbe\xef",
    ]))
    # IPv4 fragments: one 60-byte TCP segment (20 header + 40 data) split in
    # two. The first fragment (offset 0, MF) holds the TCP header and 20 data
    # bytes: printed, checksum unverified. The second (offset 40) is counted.
    data = bytes(range(0x41, 0x41 + 40))
    seg = tcp(A4, B4, 40000, 80, 1001, 5001, PSH | ACK, data=data)
    pcap("ip4-fragments.pcap", 1, stamp([
        eth(ip4(A4, B4, seg[:40], ident=0x1234, df=False, mf=True, frag=0)),
        eth(ip4(A4, B4, seg[40:], ident=0x1234, df=False, mf=False, frag=40)),
    ]))
    # IPv6 extension chain. Packet 1: hop-by-hop (PadN), destination options
    # (PadN), routing type 0 with segments left 0 (its one address is the
    # destination itself), fragment header (offset 0, M 0: atomic) then TCP.
    # Packet 2: hop-by-hop and a routing header that still has a segment to
    # visit: the IPv6 destination is the router R6 and the final destination
    # B6, which the TCP checksum's pseudo-header must use (RFC 8200 8.1); the
    # checksum is correct. (No fragment header, so tcpdump -v verifies it.)
    # Packet 3: a later fragment (offset 1448) after hop-by-hop: counted.
    def hbh(nh):
        return struct.pack("!BB", nh, 0) + bytes.fromhex("0104" "00000000")
    def dst(nh):
        return struct.pack("!BB", nh, 0) + bytes.fromhex("0104" "00000000")
    def rt0(nh, segleft, addr):
        return struct.pack("!BBBBI", nh, 2, 0, segleft, 0) + addr
    def frag(nh, off, m, ident):
        return struct.pack("!BBHI", nh, 0, off | m, ident)
    syn6 = tcp(A6, B6, 40000, 80, 1000, 0, SYN, opts=SYN_OPTS)
    chain1 = hbh(60) + dst(43) + rt0(44, 0, B6) + frag(6, 0, 0, 0xabcd) + syn6
    syn6r = tcp(A6, R6, 40001, 80, 2000, 0, SYN, opts=SYN_OPTS, sum_dst=B6)
    chain2 = hbh(43) + rt0(6, 1, B6) + syn6r
    chain3 = hbh(44) + frag(6, 1448, 0, 0xabcf) + bytes(64)
    pcap("ip6-ext-chain.pcap", 1, stamp([
        eth(ip6(A6, B6, chain1, nh=0), etype=0x86DD),
        eth(ip6(A6, R6, chain2, nh=0), etype=0x86DD),
        eth(ip6(A6, B6, chain3, nh=0), etype=0x86DD),
    ]))
    # Tunnels. A plain TCP segment; then tunnels synfin opens, each carrying
    # a SYN whose line ends with [tunnel KIND OUTER_SRC > OUTER_DST]: GRE
    # (47), IPv4 in IPv4 (4), IPv6 in IPv4 (41), VXLAN (UDP 4789, inner
    # Ethernet); then tunnels it recognises but does not open, counted in one
    # note: PPTP's enhanced GRE (version 1, PPP inside) and L2TPv3 (115).
    inner = seg4(SYN, 1000, 0, opts=SYN_OPTS)
    inner6 = seg6(SYN, 1000, 0, opts=SYN_OPTS)
    oa, ob = bytes([203, 0, 113, 1]), bytes([203, 0, 113, 2])
    gre = struct.pack("!HH", 0, 0x0800) + inner
    vx = bytes.fromhex("0800000000006400") + eth(inner)
    udp = struct.pack("!HHHH", 54321, 4789, 8 + len(vx), 0) + vx
    ppp = b"\xff\x03\x00\x21" + inner
    pptp = struct.pack("!HHHHI", 0x3001, 0x880B, len(ppp), 7, 1) + ppp
    l2tpv3 = struct.pack("!I", 0x00001234) + eth(inner)
    pcap("ip-tunnels-opened-and-counted.pcap", 1, stamp([
        eth(seg4(SYN, 1000, 0, opts=SYN_OPTS)),
        eth(ip4(oa, ob, gre, proto=47)),
        eth(ip4(oa, ob, inner, proto=4)),
        eth(ip4(oa, ob, inner6, proto=41)),
        eth(ip4(oa, ob, udp, proto=17)),
        eth(ip4(oa, ob, pptp, proto=47)),
        eth(ip4(oa, ob, l2tpv3, proto=115)),
    ]))


# --- TCP layer -------------------------------------------------------------

def opts_seg(flags, opts, seq=1000, ack=0, data=b""):
    return eth(seg4(flags, seq, ack, opts=opts, data=data))


def tcp_fixtures():
    O = bytes.fromhex
    pk = [
        # 1 Linux SYN: MSS 1460, SACK permitted, TS, NOP, window scale 7.
        opts_seg(SYN, SYN_OPTS),
        # 2 ACK with two SACK blocks and a timestamp.
        opts_seg(ACK, O("0101" "0512" "000007d0000009c4" "00000bb800000fa0" "0101" "080a000003e9000003e8"),
                 seq=1001, ack=5001),
        # 3 ACK with four SACK blocks (the most that fit).
        opts_seg(ACK, O("0101" "0522" "0000000a00000014" "0000001e00000028"
                        "0000003200000046" "0000005000000064"), seq=1001, ack=5001),
        # 4 TCP MD5 signature (kind 19, RFC 2385), 16 digest bytes.
        opts_seg(ACK, O("1312" "00112233445566778899aabbccddeeff" "0101"), seq=1001, ack=5001),
        # 5 MPTCP MP_CAPABLE v1 (kind 30, subtype 0) with the sender's key.
        opts_seg(SYN, O("020405b4" "1e0c" "0181" "0102030405060708")),
        # 6 MPTCP DSS (subtype 2) on an ACK, with a 4-byte data ACK.
        opts_seg(ACK, O("1e08" "2001" "0000abcd"), seq=1001, ack=5001),
        # 7 TCP Fast Open (kind 34, RFC 7413): a cookie request (length 2).
        opts_seg(SYN, O("020405b4" "2202" "0101")),
        # 8 TCP Fast Open: an 8-byte cookie and 3 bytes of data on the SYN.
        opts_seg(SYN, O("020405b4" "220a" "0011223344556677" "0101"), data=b"abc"),
        # 9 Experimental kind 254 with ExID 0xF989: TFO's pre-RFC form.
        opts_seg(SYN, O("020405b4" "fe0c" "f989" "8899aabbccddeeff")),
        # 10 Experimental kind 254 with ExID 0xF989 and no cookie: request.
        opts_seg(SYN, O("020405b4" "fe04" "f989" "01010101")),
        # 11 An unknown kind (77, length 4).
        opts_seg(ACK, O("4d04" "abcd" "01010101"), seq=1001, ack=5001),
        # 12 TCP-AO (kind 29, RFC 5925): key ids and a 12-byte MAC.
        opts_seg(ACK, O("1d10" "0102" "000102030405060708090a0b"), seq=1001, ack=5001),
        # 13 MSS then End of Option List, then zero padding.
        opts_seg(SYN, O("020405b4" "00000000")),
        # 14 NOP, WS, End of Option List, then non-zero bytes after it.
        opts_seg(SYN, O("01030307" "00" "414243")),
        # 15 Experimental kind 253 with another ExID (0x4e4f) next to a real
        #    TFO cookie request: only kind 34 is TFO here.
        opts_seg(SYN, O("2202" "fd06" "4e4f" "0102" "01010101")),
        # 16 Wrong sizes: MSS of length 3, and MSS twice (duplicate).
        opts_seg(SYN, O("020305" "01" "020405b4" "020405b4")),
    ]
    pcap("tcp-options-every-kind.pcap", 1, stamp(pk))

    # Malformed list: MSS, then window scale with length 1 (a length below 2
    # ends the list); then an unknown kind with length 0.
    pcap("tcp-options-len1-malformed.pcap", 1, stamp([
        opts_seg(SYN, O("020405b4" "0301" "0000")),
        opts_seg(SYN, O("01010101" "4d00" "0000")),
        # An option whose length runs past the header (length 12, 8 left).
        opts_seg(SYN, O("020405b4" "080c" "000003e8" "0000")),
    ]))

    # Options cut by the snaplen: the file's snaplen is 64, so a SYN with 20
    # option bytes (74 on the wire) is captured up to 10 option bytes, in
    # the middle of the timestamp. A second frame ends exactly after the
    # 20-byte fixed header (caplen 54 of 74).
    syn = opts_seg(SYN, SYN_OPTS)
    pcap("tcp-options-cut-by-snaplen.pcap", 1, [
        rec(syn, caplen=64, wirelen=len(syn)),
        rec(syn, t=1, caplen=54, wirelen=len(syn)),
    ], snaplen=64)

    # Bad data offsets: 3 (below 5), and 15 (60 bytes) in a 24-byte segment.
    pcap("tcp-bad-data-offset.pcap", 1, stamp([
        eth(seg4(SYN, 1000, 0, doff=3)),
        eth(seg4(ACK, 1001, 5001, data=b"abcd", doff=15)),
    ]))

    # A wrong TCP checksum (0x1234) on a data segment, then a correct one.
    pcap("tcp-bad-checksum.pcap", 1, stamp([
        eth(seg4(PSH | ACK, 1001, 5001, data=b"hello\n", sum_=0x1234)),
        eth(seg4(ACK, 5001, 1007, rev=True)),
    ]))


# --- file formats ----------------------------------------------------------

def pcapng_bytes(linktype, records):
    def block(btype, body):
        total = 12 + len(body)
        return struct.pack("<II", btype, total) + body + struct.pack("<I", total)
    def pad4(b):
        return b + bytes(-len(b) % 4)
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    # IDB with if_name "eth0" and if_tsresol 6 (microseconds), then opt_endofopt.
    opts = struct.pack("<HH", 2, 4) + b"eth0" + struct.pack("<HHB", 9, 1, 6) + bytes(3) + bytes(4)
    idb = block(0x00000001, struct.pack("<HHI", linktype, 0, 262144) + opts)
    out = shb + idb
    for sec, frac, data, caplen, wirelen in records:
        ts = sec * 1000000 + frac
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
        out += block(0x00000006, body + pad4(data))
    return out


def pcapng_two_interfaces():
    """A big-endian section with two interfaces that libpcap 1.10 refuses to
    read together: EN10MB (snaplen 262144, microseconds) and RAW (snaplen 96,
    nanoseconds); Enhanced Packet Blocks on both, a Simple Packet Block on
    interface 0, and an Interface Statistics Block to skip."""
    E = ">"
    def block(btype, body):
        total = 12 + len(body)
        return struct.pack(E + "II", btype, total) + body + struct.pack(E + "I", total)
    def pad4(b):
        return b + bytes(-len(b) % 4)
    def idb(linktype, snaplen, res):
        opts = struct.pack(E + "HHB", 9, 1, res) + bytes(3) + bytes(4)
        return block(1, struct.pack(E + "HHI", linktype, 0, snaplen) + opts)
    def epb(ifid, ts, data):
        body = struct.pack(E + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
        return block(6, body + pad4(data))
    shb = block(0x0A0D0D0A, struct.pack(E + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    pk = handshake(seg4)
    out = shb + idb(1, 262144, 6) + idb(101, 96, 9)
    out += epb(0, T0 * 1000000 + 1, eth(pk[0]))
    out += epb(1, T0 * 1000000000 + 2000123, pk[1])
    out += block(5, struct.pack(E + "III", 0, 0, 0) + bytes(4))  # statistics: skipped
    spb = eth(pk[2])
    out += block(3, struct.pack(E + "I", len(spb)) + pad4(spb))
    return out


def file_fixtures():
    write("file-pcapng-two-linktypes.pcapng", pcapng_two_interfaces())
    # pcapng: SHB + IDB (EN10MB) + one EPB per packet.
    write("file-pcapng-en10mb.pcapng", pcapng_bytes(1, stamp([eth(p) for p in handshake(seg4)])))
    # Nanosecond pcap (magic a1b23c4d); fractions that microseconds cannot hold.
    pk = [eth(p) for p in handshake(seg4)]
    pcap("file-pcap-nanosecond.pcap", 1, [
        rec(pk[0], frac=123456789), rec(pk[1], frac=123456999), rec(pk[2], t=1, frac=999999999)
    ], nano=True)
    # A record whose caplen (100) exceeds the file's snaplen (64) but is sane:
    # libpcap reads it, keeps 64 bytes and goes on to the next record.
    data = opts_seg(PSH | ACK, O_NONE, seq=1001, ack=5001, data=bytes(46))
    ok = eth(seg4(ACK, 5001, 1047, rev=True))
    write("file-caplen-over-snaplen.pcap",
          pcap_bytes(1, [rec(data, caplen=len(data))], snaplen=64) +
          pcap_bytes(1, [rec(ok, t=1)])[24:])


O_NONE = b""


# --- bad input -------------------------------------------------------------

def bad_fixtures():
    write("bad-empty.pcap", b"")
    write("bad-not-a-capture.pcap", b"This is a text file, not a packet capture.\n")
    # The global header cut short: 12 of its 24 bytes.
    write("bad-header-cut-short.pcap", pcap_bytes(1, [])[:12])
    # Three good records, the file ends 20 bytes into the fourth record's data.
    pk = [eth(p) for p in handshake(seg4, 8)][:4]
    whole = pcap_bytes(1, stamp(pk))
    write("bad-truncated-last-record.pcap", whole[:len(whole) - len(pk[3]) + 20])
    # The second record header claims a caplen of 0x7fffffff bytes.
    good = pcap_bytes(1, stamp(pk[:1]))
    huge = struct.pack("<IIII", T0 + 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + pk[1]
    write("bad-caplen-huge.pcap", good + huge)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    link_fixtures()
    ip_fixtures()
    tcp_fixtures()
    file_fixtures()
    bad_fixtures()

# pcaps/loopback-partial-csum.pcap is a real capture on Linux loopback, where
# the kernel leaves TCP checksums as CHECKSUM_PARTIAL (pseudo-header sum only).
# It was made with (P a free port):
#   tcpdump -i lo -w pcaps/loopback-partial-csum.pcap -c 10 port P &
#   python3 -m http.server P --bind 127.0.0.1 &
#   python3 -c 'import urllib.request as u; u.urlopen("http://127.0.0.1:P/").read()'
# and then both background processes were stopped.
