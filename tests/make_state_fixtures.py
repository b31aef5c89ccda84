#!/usr/bin/env python3
"""tests/make_state_fixtures.py: one capture per TCP state case, with the
states both endpoints must be in after every segment.

For each case it writes pcaps/state-NAME.pcap and pcaps/state-NAME.states.
A .states file has one line per TCP segment, in capture order:
    STREAM CLIENT_STATE SERVER_STATE [unexpected]
then one line per connection the tracker finishes, in order:
    done STREAM WHY
tests/test_fixture_states.c replays each capture through the real pipeline
and compares. Run from the repository root: python3 tests/make_state_fixtures.py
Bytes are deterministic; addresses from RFC 5737; time from 2024-01-01 UTC.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402  (its helpers; it does nothing on import)

OUT = sys.argv[1] if len(sys.argv) > 1 else "pcaps"
ISN_C, ISN_S = 1000, 5000
S, A, F, R, P = mf.SYN, mf.ACK, mf.FIN, mf.RST, mf.PSH
C, V = "C", "S"  # who sends: client, server

# Segments as (who, flags, rel_seq, rel_ack, payload_len, ms); each case also
# lists (stream, client, server[, "unexpected"]) per segment and the done lines.
OPEN = [(C, S, 0, 0, 0, 0), (V, S | A, 0, 1, 0, 20), (C, A, 1, 1, 0, 40)]
OPEN_ST = [(0, "SYN_SENT", "CLOSED"), (0, "ESTABLISHED", "SYN_RCVD"),
           (0, "ESTABLISHED", "ESTABLISHED")]


def case(name, segs, states, done, sport=40000):
    recs = []
    for who, flags, rs, ra, ln, ms in segs:
        rev = who == V
        seq = rs + (ISN_S if rev else ISN_C)
        ack = (ra + (ISN_C if rev else ISN_S)) if flags & A else 0
        data = bytes((i * 7) & 0xFF for i in range(ln))
        opts = mf.SYN_OPTS if flags & S else b""
        ip = mf.seg4(flags, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, data=data, opts=opts,
                     sport=sport, rev=rev)
        recs.append(mf.rec(mf.eth(ip), t=ms // 1000, frac=(ms % 1000) * 1000))
    assert len(states) == len(segs), name
    mf.pcap("state-%s.pcap" % name, 1, recs)
    with open(os.path.join(OUT, "state-%s.states" % name), "w") as f:
        for st in states:
            f.write(" ".join(str(x) for x in st) + "\n")
        for stream, why in done:
            f.write("done %d %s\n" % (stream, why))


def close_by_client(t0=100):
    return ([(C, F | A, 1, 1, 0, t0), (V, A, 1, 2, 0, t0 + 20), (V, F | A, 1, 2, 0, t0 + 30),
             (C, A, 2, 2, 0, t0 + 50)],
            [(0, "FIN_WAIT_1", "CLOSE_WAIT"), (0, "FIN_WAIT_2", "CLOSE_WAIT"),
             (0, "TIME_WAIT", "LAST_ACK"), (0, "TIME_WAIT", "CLOSED")])


def main():
    mf.OUT = OUT
    cs, cst = close_by_client()
    case("handshake", OPEN, OPEN_ST, [(0, "end")])
    case("simultaneous-open",
         [(C, S, 0, 0, 0, 0), (V, S, 0, 0, 0, 1), (C, S | A, 0, 1, 0, 20), (V, S | A, 0, 1, 0, 21)],
         [(0, "SYN_SENT", "CLOSED"), (0, "SYN_RCVD", "SYN_RCVD"),
          (0, "SYN_RCVD", "ESTABLISHED"), (0, "ESTABLISHED", "ESTABLISHED")], [(0, "end")])
    case("syn-retransmit",
         [(C, S, 0, 0, 0, 0), (C, S, 0, 0, 0, 1000), (C, S, 0, 0, 0, 3000),
          (V, S | A, 0, 1, 0, 3020), (C, A, 1, 1, 0, 3040)],
         [(0, "SYN_SENT", "CLOSED")] * 3 + [(0, "ESTABLISHED", "SYN_RCVD"),
                                            (0, "ESTABLISHED", "ESTABLISHED")], [(0, "end")])
    case("synack-retransmit",
         [(C, S, 0, 0, 0, 0), (V, S | A, 0, 1, 0, 20), (V, S | A, 0, 1, 0, 1020),
          (C, A, 1, 1, 0, 1040)],
         [(0, "SYN_SENT", "CLOSED"), (0, "ESTABLISHED", "SYN_RCVD"),
          (0, "ESTABLISHED", "SYN_RCVD"), (0, "ESTABLISHED", "ESTABLISHED")], [(0, "end")])
    case("refused", [(C, S, 0, 0, 0, 0), (V, R | A, 0, 1, 0, 1)],
         [(0, "SYN_SENT", "CLOSED"), (0, "CLOSED", "CLOSED")], [(0, "closed")])
    case("close-by-client", OPEN + cs, OPEN_ST + cst, [(0, "end")])
    case("close-by-server", OPEN + [(V, F | A, 1, 1, 0, 100), (C, A, 1, 2, 0, 120),
                                    (C, F | A, 1, 2, 0, 130), (V, A, 2, 2, 0, 150)],
         OPEN_ST + [(0, "CLOSE_WAIT", "FIN_WAIT_1"), (0, "CLOSE_WAIT", "FIN_WAIT_2"),
                    (0, "LAST_ACK", "TIME_WAIT"), (0, "CLOSED", "TIME_WAIT")], [(0, "end")])
    case("close-three-segment", OPEN + [(C, F | A, 1, 1, 0, 100), (V, F | A, 1, 2, 0, 120),
                                        (C, A, 2, 2, 0, 140)],
         OPEN_ST + [(0, "FIN_WAIT_1", "CLOSE_WAIT"), (0, "TIME_WAIT", "LAST_ACK"),
                    (0, "TIME_WAIT", "CLOSED")], [(0, "end")])
    case("simultaneous-close", OPEN + [(C, F | A, 1, 1, 0, 100), (V, F | A, 1, 1, 0, 101),
                                       (C, A, 2, 2, 0, 120), (V, A, 2, 2, 0, 121)],
         OPEN_ST + [(0, "FIN_WAIT_1", "CLOSE_WAIT"), (0, "CLOSING", "CLOSING"),
                    (0, "CLOSING", "TIME_WAIT"), (0, "TIME_WAIT", "TIME_WAIT")], [(0, "end")])
    case("half-close", OPEN + [(C, F | A, 1, 1, 0, 100), (V, A, 1, 2, 0, 120),
                               (V, P | A, 1, 2, 100, 130), (C, A, 2, 101, 0, 150),
                               (V, P | A, 101, 2, 100, 160), (C, A, 2, 201, 0, 180),
                               (V, F | A, 201, 2, 0, 190), (C, A, 2, 202, 0, 210)],
         OPEN_ST + [(0, "FIN_WAIT_1", "CLOSE_WAIT")] + [(0, "FIN_WAIT_2", "CLOSE_WAIT")] * 5 +
         [(0, "TIME_WAIT", "LAST_ACK"), (0, "TIME_WAIT", "CLOSED")], [(0, "end")])
    # RST in every state: one capture, one connection per state, ports 40001...
    rst_cases = [
        ("syn-rcvd", [(C, S, 0, 0, 0, 0), (V, S | A, 0, 1, 0, 20), (C, R, 1, 0, 0, 40)],
         [(None, "SYN_SENT", "CLOSED"), (None, "ESTABLISHED", "SYN_RCVD"), (None, "CLOSED", "CLOSED")]),
        ("established-by-client", OPEN + [(C, R | A, 1, 1, 0, 100)],
         OPEN_ST + [(None, "CLOSED", "CLOSED")]),
        ("established-by-server", OPEN + [(V, R | A, 1, 1, 0, 100)],
         OPEN_ST + [(None, "CLOSED", "CLOSED")]),
        ("fin-wait-1", OPEN + [(C, F | A, 1, 1, 0, 100), (V, R | A, 1, 2, 0, 120)],
         OPEN_ST + [(None, "FIN_WAIT_1", "CLOSE_WAIT"), (None, "CLOSED", "CLOSED")]),
        ("fin-wait-2", OPEN + [(C, F | A, 1, 1, 0, 100), (V, A, 1, 2, 0, 120), (C, R, 2, 0, 0, 130)],
         OPEN_ST + [(None, "FIN_WAIT_1", "CLOSE_WAIT"), (None, "FIN_WAIT_2", "CLOSE_WAIT"),
                    (None, "CLOSED", "CLOSED")]),
        ("last-ack", OPEN + [(C, F | A, 1, 1, 0, 100), (V, F | A, 1, 2, 0, 120), (C, R, 2, 0, 0, 130)],
         OPEN_ST + [(None, "FIN_WAIT_1", "CLOSE_WAIT"), (None, "TIME_WAIT", "LAST_ACK"),
                    (None, "CLOSED", "CLOSED")]),
        ("closing", OPEN + [(C, F | A, 1, 1, 0, 100), (V, F | A, 1, 1, 0, 101), (V, R, 2, 0, 0, 130)],
         OPEN_ST + [(None, "FIN_WAIT_1", "CLOSE_WAIT"), (None, "CLOSING", "CLOSING"),
                    (None, "CLOSED", "CLOSED")]),
    ]
    for nm, segs, sts in rst_cases:
        case("rst-in-" + nm, segs, [(0,) + tuple(s[1:]) for s in sts], [(0, "closed")])
    case("mid-stream",
         [(V, P | A, 100, 50, 10, 0), (C, A, 50, 110, 0, 20), (C, F | A, 50, 110, 0, 30)],
         [(0, "ESTABLISHED", "ESTABLISHED"), (0, "ESTABLISHED", "ESTABLISHED"),
          (0, "FIN_WAIT_1", "CLOSE_WAIT")], [(0, "end")])
    case("ends-mid-close", OPEN + [(C, F | A, 1, 1, 0, 100), (V, A, 1, 2, 0, 120)],
         OPEN_ST + [(0, "FIN_WAIT_1", "CLOSE_WAIT"), (0, "FIN_WAIT_2", "CLOSE_WAIT")], [(0, "end")])
    # TIME_WAIT expiry: the client's TIME_WAIT ends 60 s (2*MSL) after the
    # last segment; a second connection 61 s later lets capture time pass.
    late = [(w, fl, s_, a_, l_, ms + 61150) for (w, fl, s_, a_, l_, ms) in OPEN]
    case_two_ports("time-wait-expiry", OPEN + cs, late, OPEN_ST + cst,
                   [(1,) + s[1:] for s in OPEN_ST], [(0, "time_wait"), (1, "end")])


def case_two_ports(name, segs1, segs2, st1, st2, done):
    """Two connections from client ports 40000 and 40001, written in order."""
    recs = []
    for sport, segs in ((40000, segs1), (40001, segs2)):
        for who, flags, rs, ra, ln, ms in segs:
            rev = who == V
            seq = rs + (ISN_S if rev else ISN_C)
            ack = (ra + (ISN_C if rev else ISN_S)) if flags & A else 0
            opts = mf.SYN_OPTS if flags & S else b""
            ip = mf.seg4(flags, seq, ack, opts=opts, sport=sport, rev=rev)
            recs.append((ms, mf.rec(mf.eth(ip), t=ms // 1000, frac=(ms % 1000) * 1000)))
    recs.sort(key=lambda r: r[0])
    mf.pcap("state-%s.pcap" % name, 1, [r for _, r in recs])
    with open(os.path.join(OUT, "state-%s.states" % name), "w") as f:
        for st in st1 + st2:
            f.write(" ".join(str(x) for x in st) + "\n")
        for stream, why in done:
            f.write("done %d %s\n" % (stream, why))


if __name__ == "__main__":
    main()
