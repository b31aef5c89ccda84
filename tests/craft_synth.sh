#!/bin/sh
# tests/craft_synth.sh: every `synfin craft synth` scenario judged by tshark and by `synfin report`.
#
# Run from the repository root:   SYNFIN=build/synfin sh tests/craft_synth.sh
#
# For each scenario (and the full one over IPv6, with a small MSS, and a mix with and without
# --open-all), written to a temporary file:
#   - tshark -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -Y EXPR prints nothing, where
#     EXPR = _ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0
#            || _ws.expert.severity >= error
#     (status 0 is "Bad": no malformed frame, no bad checksum, nothing tshark calls an error);
#   - tshark reads as many frames as `synfin decode` prints segments;
#   - tshark's sequence analysis (tcp.analysis.flags) marks exactly the frames expected: none,
#     but the second SYN of syn-retransmit and the two SYN-ACKs of simultaneous-open, which
#     tshark 4.0 takes for retransmissions of their sender's SYN;
#   - `synfin report -n` gives every connection the Zeek conn_state expected (Zeek's words:
#     S1 established, not terminated; SF normal establishment and termination; REJ attempt
#     rejected; RSTO established, originator aborted).
# Then the command line: usage errors exit 2, an unwritable file exits 4, --help exits 0.
# Without tshark its checks are skipped and said so. Output: "ok NAME", "skip NAME (why)" or
# "FAIL NAME" with details; last the line "craft_synth: N passed, M failed". Exit 1 when M > 0.

set -u
LC_ALL=C
TZ=UTC
export LC_ALL TZ

SYNFIN=${SYNFIN:-build/synfin}
if [ ! -x "$SYNFIN" ]; then
	echo "craft_synth.sh: run from the repository root after make (SYNFIN=$SYNFIN)" >&2
	exit 2
fi

tmp=$(mktemp -d) || exit 2
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

pass=0
fail=0
ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	sed 's/^/    /' "$tmp/why"
	fail=$((fail + 1))
}
: >"$tmp/why"
verdict() {
	if [ "$2" -eq 0 ]; then ok "$1"; else bad "$1"; fi
	: >"$tmp/why"
}

have_tshark=0
command -v tshark >/dev/null 2>&1 && have_tshark=1
bad_expr='_ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || _ws.expert.severity >= error'

# check NAME CONN_STATE ANALYSED_FRAMES SYNTH_ARGS...: one capture, every judgement on it.
check() {
	name=$1 want_state=$2 want_flagged=$3
	shift 3
	f=$tmp/$name.pcap
	if ! "$SYNFIN" craft synth -o "$f" "$@" 2>"$tmp/why"; then
		bad "$name: craft synth $*"
		return
	fi
	segs=$("$SYNFIN" decode -n -r "$f" 2>/dev/null | wc -l)

	if [ "$have_tshark" = 1 ]; then
		st=0
		tshark -r "$f" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -Y "$bad_expr" \
			>"$tmp/out" 2>"$tmp/err"
		if [ -s "$tmp/out" ]; then
			{ echo "tshark -Y '$bad_expr' printed:"; head -n 5 "$tmp/out"; } >>"$tmp/why"
			st=1
		fi
		frames=$(tshark -r "$f" 2>/dev/null | wc -l)
		if [ "$frames" != "$segs" ] || [ "$segs" = 0 ]; then
			echo "tshark read $frames frames, synfin decode $segs segments" >>"$tmp/why"
			st=1
		fi
		verdict "$name: tshark finds no malformed frame, bad checksum or error ($frames frames)" $st

		flagged=$(tshark -r "$f" -Y tcp.analysis.flags -T fields -e frame.number 2>/dev/null |
			tr '\n' ' ' | sed 's/ $//')
		if [ "$flagged" = "$want_flagged" ]; then st=0; else
			echo "tcp.analysis.flags on frames '$flagged', want '$want_flagged'" >>"$tmp/why"
			st=1
		fi
		verdict "$name: tshark's sequence analysis flags frames '${want_flagged}'" $st
	else
		echo "skip $name: tshark (not installed: apt-get install tshark)"
	fi

	"$SYNFIN" report -n -r "$f" >"$tmp/report" 2>"$tmp/err"
	rc=$?
	got=$(awk 'on { print $10 } /^Stream / { on = 1 }' "$tmp/report" | sort -u | tr '\n' ' ' | sed 's/ $//')
	if [ "$rc" = 0 ] && [ "$got" = "$want_state" ] && [ ! -s "$tmp/err" ]; then st=0; else
		{ echo "report -n: exit $rc, conn_state '$got', want '$want_state'"; cat "$tmp/err"; } >>"$tmp/why"
		st=1
	fi
	verdict "$name: report -n says conn_state $want_state" $st
}

check handshake S1 "" --scenario handshake
check close SF "" --scenario close
check close3 SF "" --scenario close3
check simultaneous-open S1 "3 4" --scenario simultaneous-open
check simultaneous-close SF "" --scenario simultaneous-close
check refused REJ "" --scenario refused
check half-close SF "" --scenario half-close
check rst-abort RSTO "" --scenario rst-abort
check syn-retransmit S1 "2" --scenario syn-retransmit
check full SF "" --scenario full
check full-ipv6 SF "" --scenario full --from '[2001:db8::1]:40000' --to '[2001:db8::2]:80'
check full-mss-536-isn-wraps SF "" --scenario full --mss 536 --isn 0xffffff00
check full-mss-65495-ipv6 SF "" --scenario full --mss 65495 --to '[2001:db8::2]'
check mix SF "" --scenario mix --conns 40
check mix-open-all SF "" --scenario mix --conns 40 --open-all --from 192.0.2.1:65530

# --- the command line ----------------------------------------------------------------------------

# expect NAME STATUS FIRST ARGS...: synfin ARGS exits STATUS and its stderr begins with FIRST.
expect() {
	n=$1 want=$2 first=$3
	shift 3
	"$SYNFIN" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	line=$(sed -n 1p "$tmp/err")
	st=0
	[ "$got" = "$want" ] || { echo "exit $got, want $want" >>"$tmp/why"; st=1; }
	case $line in
	"$first"*) ;;
	*) { echo "stderr begins: $line"; echo "want prefix:   $first"; } >>"$tmp/why"; st=1 ;;
	esac
	verdict "$n" $st
}

expect "no -o: exit 2" 2 "synfin craft synth: no output file: give one with -o FILE" \
	craft synth --scenario full
expect "no --scenario: exit 2" 2 "synfin craft synth: no scenario: give one with --scenario NAME" \
	craft synth -o "$tmp/x.pcap"
expect "unknown scenario: exit 2" 2 "synfin craft synth: unknown scenario 'nope'" \
	craft synth -o "$tmp/x.pcap" --scenario nope
expect "two families: exit 2" 2 "synfin craft synth: --from and --to are of two families" \
	craft synth -o "$tmp/x.pcap" --scenario full --from 192.0.2.1:1 --to '[2001:db8::2]:80'
expect "bad port: exit 2" 2 "synfin craft synth: --to wants ADDR:PORT" \
	craft synth -o "$tmp/x.pcap" --scenario full --to 198.51.100.2:0
expect "--mss too small: exit 2" 2 "synfin craft synth: --mss wants 536 to 65495, not '100'" \
	craft synth -o "$tmp/x.pcap" --scenario full --mss 100
expect "--conns without mix: exit 2" 2 "synfin craft synth: --conns is for --scenario mix only" \
	craft synth -o "$tmp/x.pcap" --scenario full --conns 3
expect "unknown option: exit 2" 2 "synfin craft synth: unknown option '--bogus'" \
	craft synth -o "$tmp/x.pcap" --scenario full --bogus
expect "a directory that is not there: exit 4" 4 \
	"synfin craft synth: $tmp/no/such.pcap: cannot write: No such file or directory" \
	craft synth -o "$tmp/no/such.pcap" --scenario full
if [ -c /dev/full ]; then
	expect "a full disk: exit 4, the file called incomplete" 4 \
		"synfin craft synth: /dev/full: writing failed: No space left on device; the file is incomplete" \
		craft synth -o /dev/full --scenario full
else
	echo "skip a full disk (no /dev/full here)"
fi

"$SYNFIN" craft synth --help >"$tmp/out" 2>"$tmp/err"
got=$?
st=0
[ "$got" = 0 ] && [ ! -s "$tmp/err" ] && grep -q '^usage: synfin craft synth' "$tmp/out" || st=1
for s in handshake close close3 simultaneous-open simultaneous-close refused half-close rst-abort \
	syn-retransmit full mix; do
	grep -q "^  $s " "$tmp/out" || { echo "--help does not describe $s" >>"$tmp/why"; st=1; }
done
verdict "--help: exit 0, every scenario described" $st

n=$("$SYNFIN" craft synth -o - --scenario close | "$SYNFIN" decode -n -r - 2>/dev/null | wc -l)
if [ "$n" = 7 ]; then st=0; else echo "decoded $n segments from standard output, want 7" >"$tmp/why"; st=1; fi
verdict "-o - writes the capture to standard output" $st

echo "craft_synth: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
