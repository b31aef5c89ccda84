#!/bin/sh
# tests/live_send.sh: `synfin craft send` on loopback: segments out, the kernel's replies back.
#
# Run from the repository root as root:   SYNFIN=build/synfin sh tests/live_send.sh
# Without root it says so and skips every case (exit 0): sending crafted segments needs
# CAP_NET_RAW.
#
# The cases: a SYN to a closed port gets one RST,ACK reply line (IPv4 and IPv6); a SYN to a
# listening `synfin server` gets a SYN,ACK (the kernel then resets the half-open connection,
# which is expected here); three probes get three replies numbered 0, 1, 2; a destination the
# safety check refuses (8.8.8.8) exits 2 with nothing sent, checked by a capture on every
# interface; inside a pair of network namespaces joined by a veth pair, the peer's address is
# allowed (directly connected) and answers, while one behind a gateway and the namespace's own
# address are refused; --flood --duration 1 prints a rate and ends by itself; without
# privilege the message names sudo and the exit is 5.
#
# Traffic goes to 127.0.0.1, ::1 and the two throwaway namespaces only; every wait is
# bounded; the trap stops every process this script started, deletes the namespaces and
# removes its directory, also when a case fails or it is interrupted.
# Output: "ok NAME" / "FAIL NAME: why" / "skip NAME (why)", then "N passed, M failed".

set -u
LC_ALL=C
export LC_ALL

SYNFIN=${SYNFIN:-build/synfin}
case $SYNFIN in
/*) ;;
*) SYNFIN=$(pwd)/$SYNFIN ;;
esac
if [ ! -x "$SYNFIN" ]; then
	echo "live_send.sh: run from the repository root after make (SYNFIN=$SYNFIN)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "skip craft send live (needs root)"
	echo "0 passed, 0 failed"
	exit 0
fi

tmp=$(mktemp -d) || exit 2
pids=""
. tests/pair_lib.sh
ns_a=sfsend-a-$$
ns_b=sfsend-b-$$
netns=0
cleanup() {
	if [ "$netns" = 1 ]; then
		ip netns del "$ns_a" 2>/dev/null
		ip netns del "$ns_b" 2>/dev/null
	fi
	stop_pids
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"; [ -n "${KEEP:-}" ] && echo "kept $tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM



# closed_port: a port nothing listens on, over IPv4 or IPv6 (the kernel's own sockets, as
# synfin report --kernel lists them).
closed_port() {
	p=$((20000 + $$ % 10000))
	while "$SYNFIN" report --kernel -n "$p" 2>/dev/null | grep -q LISTEN; do
		p=$((p + 1))
	done
	echo "$p"
}

# send NAME ARGS...: craft send, bounded by timeout; its output in NAME.out and NAME.err, its
# exit status in $rc.
send() {
	n=$1
	shift
	timeout 20 "$SYNFIN" craft send "$@" >"$tmp/$n.out" 2>"$tmp/$n.err"
	rc=$?
}

# replies NAME: the reply lines of NAME's output.
replies() { grep -c '^len=' "$tmp/$1.out"; }

closed=$(closed_port)

n="closed-port-rst-ipv4"
send "$n" --to "127.0.0.1:$closed" --flags S
if [ $rc -ne 0 ]; then
	bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
elif [ "$(replies "$n")" != 1 ]; then
	bad "$n" "not one reply line: $(cat "$tmp/$n.out")"
elif ! grep -q "^sent 127\.0\.0\.1\.[0-9]* > 127\.0\.0\.1\.$closed: Flags \[S\], seq [0-9]*, win 64240, length 0\$" "$tmp/$n.out"; then
	bad "$n" "no sent line: $(cat "$tmp/$n.out")"
elif ! grep -q "^len=40 ip=127\.0\.0\.1 ttl=64 DF id=0 sport=$closed flags=RA seq=0 win=0 rtt=[0-9.]* ms\$" "$tmp/$n.out"; then
	bad "$n" "reply not an RA as hping3 prints it: $(grep '^len=' "$tmp/$n.out")"
elif ! grep -q "^1 packets transmitted, 1 packets received, 0% packet loss\$" "$tmp/$n.out"; then
	bad "$n" "statistics: $(tail -n 3 "$tmp/$n.out")"
else
	ok "$n"
fi

n="closed-port-rst-ipv6"
send "$n" --to "[::1]:$closed" --flags S
if [ $rc -ne 0 ]; then
	bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
elif [ "$(replies "$n")" != 1 ] ||
	! grep -q "^len=60 ip=::1 ttl=64 sport=$closed flags=RA seq=0 win=0 rtt=" "$tmp/$n.out"; then
	bad "$n" "not one RA reply from ::1: $(cat "$tmp/$n.out")"
else
	ok "$n"
fi

n=three-probes-three-replies
send "$n" --to "127.0.0.1:$closed" --flags S --count 3 --interval 100
seqs=$(sed -n 's/^len=.* seq=\([0-9]*\) .*/\1/p' "$tmp/$n.out" | tr '\n' ' ')
if [ $rc -ne 0 ]; then
	bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
elif [ "$(grep -c '^sent ' "$tmp/$n.out")" != 3 ] || [ "$seqs" != "0 1 2 " ]; then
	bad "$n" "sent $(grep -c '^sent ' "$tmp/$n.out"), replies numbered '$seqs'"
elif ! grep -q "^3 packets transmitted, 3 packets received, 0% packet loss\$" "$tmp/$n.out"; then
	bad "$n" "statistics: $(tail -n 3 "$tmp/$n.out")"
else
	ok "$n"
fi

# A listener answers SYN,ACK; our kernel has no socket for the crafted source port, so it
# resets the half-open connection at once: expected, and not shown (it goes the other way).
n="listener-syn-ack-ipv4"
if server "$n"; then
	send "$n" --to "127.0.0.1:$port" --flags S --mss 1460 --sackok --ts --wscale 7
	if [ $rc -ne 0 ]; then
		bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
	elif [ "$(replies "$n")" != 1 ] ||
		! grep -q "^len=[0-9]* ip=127\.0\.0\.1 ttl=64 DF id=0 sport=$port flags=SA seq=0 win=[0-9]* rtt=" "$tmp/$n.out"; then
		bad "$n" "not one SA reply: $(cat "$tmp/$n.out")"
	elif ! grep -q "options \[mss 1460,sackOK,TS val [0-9]* ecr 0,nop,wscale 7\]" "$tmp/$n.out"; then
		bad "$n" "the sent line lacks the options: $(grep '^sent' "$tmp/$n.out")"
	else
		ok "$n"
	fi
else
	bad "$n" "server did not start: $(cat "$tmp/$n.server")"
fi
kill "$spid" 2>/dev/null

n="listener-syn-ack-ipv6"
if server "$n" -b ::1; then
	send "$n" --to "[::1]:$port" --flags S
	if [ $rc -ne 0 ]; then
		bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
	elif [ "$(replies "$n")" != 1 ] ||
		! grep -q "^len=[0-9]* ip=::1 ttl=64 sport=$port flags=SA seq=0 " "$tmp/$n.out"; then
		bad "$n" "not one SA reply from ::1: $(cat "$tmp/$n.out")"
	else
		ok "$n"
	fi
else
	bad "$n" "server did not start: $(cat "$tmp/$n.server")"
fi
kill "$spid" 2>/dev/null

# Refused: exit 2 before anything is opened, and a capture on every interface sees nothing
# go to the address.
n=remote-refused-nothing-sent
"$SYNFIN" capture -i any -q --duration 2 'host 8.8.8.8' >"$tmp/$n.cap" 2>"$tmp/$n.caperr" &
cpid=$!
pids="$pids $cpid"
if wait_for "$tmp/$n.caperr" "listening on"; then
	send "$n" --to 8.8.8.8:80 --flags S
	wait "$cpid"
	if [ $rc -ne 2 ]; then
		bad "$n" "exit $rc, not 2: $(cat "$tmp/$n.err")"
	elif ! grep -q "needs --allow-remote" "$tmp/$n.err"; then
		bad "$n" "the message does not name --allow-remote: $(cat "$tmp/$n.err")"
	elif [ -s "$tmp/$n.out" ]; then
		bad "$n" "it printed: $(cat "$tmp/$n.out")"
	elif ! grep -q "^0 packets captured" "$tmp/$n.caperr"; then
		bad "$n" "the capture saw: $(cat "$tmp/$n.caperr")"
	else
		ok "$n"
	fi
else
	bad "$n" "the capture did not start: $(cat "$tmp/$n.caperr")"
fi

# Rule 2 of craft/safety.h: a directly connected address inside a network namespace. The
# namespace is told apart from the initial one by PID 1's, so the command runs under a PID
# namespace whose PID 1 (the sh) stays in the initial network namespace.
n="netns-on-link-allowed"
# (Not exec: PID 1 must stay behind in the initial network namespace.)
in_ns() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare --pid --fork --mount-proc sh -c 'ns=$1; shift; ip netns exec "$ns" "$@"' \
		sh "$ns_a" timeout 20 "$SYNFIN" craft send "$@"
}
if ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
	echo "skip $n (needs ip and unshare)"
elif ! { ip netns add "$ns_a" && netns=1 && ip netns add "$ns_b" &&
	ip -n "$ns_a" link add sfv0 type veth peer name sfv1 netns "$ns_b" &&
	ip -n "$ns_a" addr add 10.213.0.1/24 dev sfv0 &&
	ip -n "$ns_b" addr add 10.213.0.2/24 dev sfv1 &&
	ip -n "$ns_a" link set sfv0 up && ip -n "$ns_b" link set sfv1 up &&
	ip -n "$ns_a" route add 192.0.2.0/24 via 10.213.0.2; } 2>"$tmp/$n.setup"; then
	echo "skip $n (no network namespaces here: $(head -n 1 "$tmp/$n.setup"))"
else
	in_ns --to 10.213.0.2:9 --flags S -i sfv0 >"$tmp/$n.out" 2>"$tmp/$n.err"
	rc=$?
	in_ns --to 192.0.2.7:9 --flags S >"$tmp/$n.gw" 2>"$tmp/$n.gwerr"
	rc_gw=$?
	in_ns --to 10.213.0.1:9 --flags S >"$tmp/$n.local" 2>"$tmp/$n.localerr"
	rc_local=$?
	if [ $rc -ne 0 ]; then
		bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
	elif ! grep -q "^len=40 ip=10\.213\.0\.2 ttl=64 DF id=0 sport=9 flags=RA seq=0 " "$tmp/$n.out"; then
		bad "$n" "no RA from the peer namespace: $(cat "$tmp/$n.out")"
	elif [ $rc_gw -ne 2 ] || ! grep -q "reached through 10.213.0.2" "$tmp/$n.gwerr"; then
		bad "$n" "behind a gateway: exit $rc_gw: $(cat "$tmp/$n.gwerr")"
	elif [ $rc_local -ne 2 ] || ! grep -q "routed as local" "$tmp/$n.localerr"; then
		bad "$n" "own address: exit $rc_local: $(cat "$tmp/$n.localerr")"
	else
		ok "$n"
	fi
fi

# A flood ends by itself after --duration and prints its rate; timeout is only the backstop.
n=flood-ends-by-itself
start=$(date +%s)
send "$n" --to "127.0.0.1:$closed" --flood --duration 1
took=$(($(date +%s) - start))
if [ $rc -ne 0 ]; then
	bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
elif ! grep -q "^[1-9][0-9]* packets transmitted in [0-9.]* s, [1-9][0-9]* packets/s\$" "$tmp/$n.out"; then
	bad "$n" "no rate: $(cat "$tmp/$n.out")"
elif [ "$took" -gt 4 ]; then
	bad "$n" "took $took s"
elif grep -q '^len=' "$tmp/$n.out"; then
	bad "$n" "a flood showed replies"
else
	ok "$n"
fi

n=no-privilege
if command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$SYNFIN" craft send --to "127.0.0.1:$closed" >"$tmp/$n.out" 2>"$tmp/$n.err"
	rc=$?
	if [ $rc -eq 5 ] && grep -q "sudo" "$tmp/$n.err" && [ ! -s "$tmp/$n.out" ]; then ok "$n"; else
		bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
	fi
else
	echo "skip $n (no setpriv)"
fi

# Nothing this script started is still running.
n=nothing-left-running
sleep 0.2
left=""
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
if [ -z "$left" ]; then ok "$n"; else bad "$n" "still running:$left"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
