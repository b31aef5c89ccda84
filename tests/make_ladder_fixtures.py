#!/usr/bin/env python3
"""tests/make_ladder_fixtures.py: writes pcaps/ladder-interleaved.pcap.

Three connections whose segments interleave, for `synfin ladder`: each
diagram must come out in one piece, in the order the connections finish.
  stream 0  IPv4 192.0.2.1:40000 > 198.51.100.2:80: open, a request, the
            client closes first and sits in TIME_WAIT; 2*MSL (60 s) later a
            segment of stream 2 lets the timer run out: a final CLOSED row.
  stream 1  IPv6 [2001:db8::1]:40001 > [2001:db8::2]:443: open, ten data
            segments each answered, then the server resets: finished first.
  stream 2  IPv4 192.0.2.1:40002 > 198.51.100.2:80: open, a request, and one
            more request 61 s later; still open when the capture ends.
Bytes are deterministic (no clock, no randomness). Run from the repository
root: python3 tests/make_ladder_fixtures.py [OUTDIR]; then rewrite the golden
files with UPDATE=1 sh tests/golden.sh and read them by eye.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its helpers; it does nothing on import)

OUT = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
S, A, F, R, P = mf.SYN, mf.ACK, mf.FIN, mf.RST, mf.PSH
ISN_C, ISN_S = 1000, 5000


def conn(seg, sport, dport, script):
    """script: (ms, from_server, flags, rel_seq, rel_ack, payload_len) tuples."""
    out = []
    for ms, rev, flags, rs, ra, ln in script:
        seq = rs + (ISN_S if rev else ISN_C)
        ack = (ra + (ISN_C if rev else ISN_S)) if flags & A else 0
        opts = mf.SYN_OPTS if flags & S and not rev else (
            bytes.fromhex("020405b4" "01010402") if flags & S else b"")
        data = bytes((i * 13 + 7) & 0xFF for i in range(ln))
        out.append((ms, seg(flags, seq, ack, data=data, opts=opts, sport=sport, dport=dport,
                            rev=rev)))
    return out


OPEN = [(0, False, S, 0, 0, 0), (1, True, S | A, 0, 1, 0), (2, False, A, 1, 1, 0)]


def shift(script, ms):
    return [(t + ms,) + tuple(rest) for t, *rest in script]


def main():
    s0 = shift(OPEN, 0) + [
        (10, False, P | A, 1, 1, 40), (12, True, P | A, 1, 41, 300), (14, False, A, 41, 301, 0),
        (120, False, F | A, 41, 301, 0), (121, True, F | A, 301, 42, 0),
        (200, False, A, 42, 302, 0),
    ]
    s1 = shift(OPEN, 5)
    seq_c, seq_s = 1, 1
    for i in range(10):
        t = 30 + i * 20
        s1 += [(t, False, P | A, seq_c, seq_s, 100), (t + 1, True, P | A, seq_s, seq_c + 100, 500)]
        seq_c += 100
        seq_s += 500
    s1 += [(260, True, R | A, seq_s, seq_c, 0)]
    s2 = shift(OPEN, 50) + [
        (60, False, P | A, 1, 1, 20), (61, True, A, 1, 21, 0),
        (61000, False, P | A, 21, 1, 20), (61001, True, A, 1, 41, 0),
    ]
    segs = (conn(mf.seg4, 40000, 80, s0) + conn(mf.seg6, 40001, 443, s1) +
            conn(mf.seg4, 40002, 80, s2))
    segs.sort(key=lambda x: x[0])  # stable: equal times keep their order
    recs = [mf.rec(mf.eth(p, etype=0x86DD if p[0] >> 4 == 6 else 0x0800),
                   t=ms // 1000, frac=(ms % 1000) * 1000) for ms, p in segs]
    mf.OUT = OUT
    mf.pcap("ladder-interleaved.pcap", 1, recs)


if __name__ == "__main__":
    main()
