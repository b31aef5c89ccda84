#!/bin/sh
# tests/make_pair_fixtures.sh: pcaps/pair-*.pcap from the real pair on lo (`make fixtures`, root).
#
# Each scenario runs `synfin server` and `synfin client` on loopback while `synfin capture`
# writes the fixture, then the golden files are made for the new captures (decode, JSON, report
# and ladder: see tests/golden.sh). The captures differ on every run (ports, sequence numbers,
# times), so after regenerating, read `git diff pcaps/` before committing. The golden test
# replays each one through libpcap, the path a live handle takes.
#
#   pair-client-closes-first   server --close last: the client's FIN goes first (TIME_WAIT there)
#   pair-server-closes-first   the default: the server's FIN first
#   pair-reset                 the client aborts with SO_LINGER 0: RST
#   pair-half-close            the client shuts down writing, then reads the server's ^^^ and FIN
#   pair-refused               a SYN to a closed port, answered by RST
#   pair-ipv6                  the conversation on ::1
#   pair-many-clients          five clients at once
#   pair-ends-mid-close        the capture stops while the half-closed client waits: it ends with
#                              FIN_WAIT_2 facing CLOSE_WAIT

set -u
LC_ALL=C
export LC_ALL

SYNFIN=${SYNFIN:-build/synfin}
if [ ! -x "$SYNFIN" ] || [ ! -d pcaps ]; then
	echo "make_pair_fixtures.sh: run from the repository root after make" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "make_pair_fixtures.sh: capturing on lo needs root: sudo make fixtures" >&2
	exit 5
fi

tmp=$(mktemp -d) || exit 2
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

. tests/pair_lib.sh

made=""
# fixture NAME: the capture of one scenario into pcaps/NAME.pcap, kept by root's user (-Z).
fixture() {
	capture_to "$tmp/$1.pcap" /dev/null "$tmp/$1.err" -q -Z "${SUDO_USER:-root}"
}
keep() {
	if ! stop; then
		echo "make_pair_fixtures.sh: the capture of $1 failed: $(cat "$tmp/$1.err")" >&2
		exit 1
	fi
	cp "$tmp/$1.pcap" "pcaps/$1.pcap"
	made="$made $1"
	echo "made pcaps/$1.pcap ($("$SYNFIN" decode --count -r "pcaps/$1.pcap") segments)"
}
die() {
	echo "make_pair_fixtures.sh: $*" >&2
	exit 1
}

n=pair-client-closes-first
server $n --close last && fixture $n || die "$n did not start"
"$SYNFIN" client 127.0.0.1 "$port" --send hello --send "how are you?" >/dev/null
sleep 0.3
keep $n
kill "$spid"

n=pair-server-closes-first
server $n && fixture $n || die "$n did not start"
"$SYNFIN" client 127.0.0.1 "$port" --send hello --send "how are you?" >/dev/null
sleep 0.3
keep $n
kill "$spid"

n=pair-reset
server $n && fixture $n || die "$n did not start"
"$SYNFIN" client 127.0.0.1 "$port" --send hello --rst >/dev/null
sleep 0.3
keep $n
kill "$spid"

n=pair-half-close
server $n --hold 200 && fixture $n || die "$n did not start"
"$SYNFIN" client 127.0.0.1 "$port" --send hello --half-close >/dev/null
sleep 0.3
keep $n
kill "$spid"

n=pair-refused
server $n || die "$n did not start"
kill "$spid"
wait "$spid" 2>/dev/null
fixture $n || die "$n did not start"
"$SYNFIN" client 127.0.0.1 "$port" --send hello >/dev/null 2>&1
sleep 0.3
keep $n

n=pair-ipv6
server $n -b ::1 && fixture $n || die "$n did not start (no ::1?)"
"$SYNFIN" client ::1 "$port" --send hello >/dev/null
sleep 0.3
keep $n
kill "$spid"

n=pair-many-clients
server $n && fixture $n || die "$n did not start"
cl=""
for i in 1 2 3 4 5; do
	"$SYNFIN" client 127.0.0.1 "$port" --send "client $i" >/dev/null &
	cl="$cl $!"
done
for p in $cl; do wait "$p"; done
sleep 0.3
keep $n
kill "$spid"

n=pair-ends-mid-close
server $n --hold 3000 && fixture $n || die "$n did not start"
"$SYNFIN" client 127.0.0.1 "$port" --send hello --half-close >/dev/null &
clpid=$!
pids="$pids $clpid"
sleep 1
keep $n
wait "$clpid"
kill "$spid"

# Golden files for the new captures only: an empty variant file asks golden.sh for it.
for n in $made; do
	rm -f "pcaps/$n.out" "pcaps/$n.json" "pcaps/$n.err"
	: >"pcaps/$n.report"
	: >"pcaps/$n.ladder"
done
UPDATE=1 SYNFIN="$SYNFIN" sh tests/golden.sh >/dev/null
echo "golden files written; read 'git diff pcaps/' before committing"
