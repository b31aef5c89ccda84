#!/bin/sh
# tests/live.sh: the bundled pair on loopback, captured live, against the kernel's own view.
#
# Run from the repository root as root:   SYNFIN=build/synfin sh tests/live.sh   (`make live`)
# Without root it says so and skips every case (exit 0): capturing needs CAP_NET_RAW.
#
# Each scenario starts `synfin server` on a free port, `synfin capture -i lo --json --kernel`
# for that port (waiting for its "listening on" line), runs `synfin client`, and stops the
# capture with SIGINT at the moment to sample. The capture then prints each socket it inferred
# beside the kernel's own (NETLINK_SOCK_DIAG) state. The checks: the decoded handshake and
# close (flags in order), every compared socket agreeing, the state the scenario is about (the
# active closer in TIME_WAIT, FIN_WAIT2 facing CLOSE_WAIT while a half-closed socket is held,
# ESTABLISHED while idle), and zero kernel drops. Then the capture's error cases.
#
# Traffic goes to 127.0.0.1 and ::1 only; every wait is bounded; the trap stops every process
# this script started and removes its directory, also when a case fails or it is interrupted.
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
	echo "live.sh: run from the repository root after make (SYNFIN=$SYNFIN)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "skip live (capturing on lo needs root: run 'sudo make live')"
	echo "0 passed, 0 failed"
	exit 0
fi
command -v jq >/dev/null || {
	echo "live.sh: needs jq (make deps-test installs it)" >&2
	exit 2
}

tmp=$(mktemp -d) || exit 2
chmod 755 "$tmp" # the capture runs as nobody once its handle is open, and writes -w there
pids=""
. tests/pair_lib.sh
cleanup() {
	stop_pids
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"; [ -n "${KEEP:-}" ] && echo "kept $tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM



# capture NAME: JSON lines with the kernel's view at the end, the frames into NAME.pcap.
capture() { capture_to "$tmp/$1.pcap" "$tmp/$1.json" "$tmp/$1.err" --json --kernel; }

# The flags of every decoded segment, in order, one word: "S S. . P. . F. . F. .".
flags() { jq -r 'select(has("frame.number")) | .["tcp.flags.str"]' "$tmp/$1.json" | tr '\n' ' '; }

# compared NAME CAPTURE KERNEL PORT: a compare row with these states whose local port is PORT.
compared() {
	jq -s -e --arg c "$2" --arg k "$3" --arg p ":$4" \
		'any(.[]; .type == "compare" and .capture == $c and .kernel == $k and
		          (.local | endswith($p)))' "$tmp/$1.json" >/dev/null
}

# agreed NAME: the capture's and the kernel's sockets agree, row for row, none dropped.
agreed() {
	jq -s -e 'any(.[]; .type == "compare_summary" and .differ == 0 and .only_capture == 0 and
	                   .rows > 0)' "$tmp/$1.json" >/dev/null || return 1
	grep -q "^0 packets dropped by kernel" "$tmp/$1.err"
}

client_port() { jq -r 'select(has("frame.number")) | .["tcp.srcport"]' "$tmp/$1.json" | head -n 1; }

# --- scenarios ---------------------------------------------------------------------------

# The client closes first (server --close last): the client ends in TIME_WAIT.
n=client-closes-first
if server $n --close last && capture $n; then
	"$SYNFIN" client 127.0.0.1 "$port" --send hello >"$tmp/$n.client" 2>&1
	sleep 0.3
	stop
	f=$(flags $n)
	cp=$(client_port $n)
	case "$f" in
	"S S. . "*F*F*) ;;
	*) f="bad flags: $f" ;;
	esac
	if ! agreed $n; then
		bad $n "capture and kernel disagree: $(grep -h compare "$tmp/$n.json")"
	elif ! compared $n TIME_WAIT TIME_WAIT "$cp"; then
		bad $n "the client's socket is not TIME_WAIT on both sides"
	elif compared $n TIME_WAIT TIME_WAIT "$port"; then
		bad $n "the server's socket is in TIME_WAIT too"
	elif [ "${f#bad}" != "$f" ]; then
		bad $n "$f"
	else
		ok $n
	fi
else
	bad $n "server or capture did not start: $(cat "$tmp/$n.server" "$tmp/$n.err" 2>/dev/null)"
fi
kill "$spid" 2>/dev/null

# Root was dropped once the handle was open (-Z's default, nobody), and the -w file given to
# that user: checked on the capture just made, and on a running one's credentials.
n=drops-root
owner=$(stat -c %U "$tmp/client-closes-first.pcap" 2>/dev/null)
if server $n && capture $n; then
	uid=$(awk '/^Uid:/ { print $3 }' "/proc/$cpid/status" 2>/dev/null)
	stop
	if [ "$owner" != nobody ]; then
		bad $n "the -w file belongs to '$owner', not nobody"
	elif [ "$uid" != "$(id -u nobody)" ]; then
		bad $n "the running capture's effective uid is '$uid', not nobody's"
	else
		ok $n
	fi
else
	bad $n "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# The server closes first (the default): the server ends in TIME_WAIT.
n=server-closes-first
if server $n && capture $n; then
	"$SYNFIN" client 127.0.0.1 "$port" --send hello --send again >"$tmp/$n.client" 2>&1
	sleep 0.3
	stop
	cp=$(client_port $n)
	if ! agreed $n; then
		bad $n "capture and kernel disagree: $(grep -h compare "$tmp/$n.json")"
	elif ! compared $n TIME_WAIT TIME_WAIT "$port"; then
		bad $n "the server's socket is not TIME_WAIT on both sides"
	elif compared $n TIME_WAIT TIME_WAIT "$cp"; then
		bad $n "the client's socket is in TIME_WAIT too"
	elif ! compared $n LISTEN LISTEN "$port"; then
		bad $n "no agreeing LISTEN row"
	else
		ok $n
	fi
else
	bad $n "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# A reset: the client aborts with SO_LINGER 0; no socket is left on either side.
n=reset
if server $n && capture $n; then
	"$SYNFIN" client 127.0.0.1 "$port" --send hello --rst >"$tmp/$n.client" 2>&1
	sleep 0.3
	stop
	f=$(flags $n)
	if ! agreed $n; then
		bad $n "capture and kernel disagree"
	elif ! echo "$f" | grep -q "R"; then
		bad $n "no RST decoded: $f"
	elif jq -s -e 'any(.[]; .type == "compare" and .capture != "LISTEN")' "$tmp/$n.json" >/dev/null; then
		bad $n "a connection socket is left: $(grep -h compare "$tmp/$n.json")"
	else
		ok $n
	fi
else
	bad $n "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# A half-close held open: FIN_WAIT2 facing CLOSE_WAIT while the server holds its end.
n=half-close
if server $n --hold 3000 && capture $n; then
	"$SYNFIN" client 127.0.0.1 "$port" --send hello --half-close >"$tmp/$n.client" 2>&1 &
	clpid=$!
	pids="$pids $clpid"
	sleep 1
	stop
	cp=$(client_port $n)
	if ! agreed $n; then
		bad $n "capture and kernel disagree: $(grep -h compare "$tmp/$n.json")"
	elif ! compared $n FIN_WAIT2 FIN_WAIT2 "$cp"; then
		bad $n "the client's socket is not FIN_WAIT2 on both sides"
	elif ! compared $n CLOSE_WAIT CLOSE_WAIT "$port"; then
		bad $n "the server's socket is not CLOSE_WAIT on both sides"
	else
		ok $n
	fi
	wait "$clpid" 2>/dev/null
else
	bad $n "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# An idle conversation: both ends ESTABLISHED.
n=idle-established
if server $n && capture $n; then
	"$SYNFIN" client 127.0.0.1 "$port" --send one --interval 3000 --send two \
		>"$tmp/$n.client" 2>&1 &
	clpid=$!
	pids="$pids $clpid"
	sleep 1
	stop
	cp=$(client_port $n)
	if ! agreed $n; then
		bad $n "capture and kernel disagree: $(grep -h compare "$tmp/$n.json")"
	elif ! compared $n ESTABLISHED ESTABLISHED "$cp" || ! compared $n ESTABLISHED ESTABLISHED "$port"; then
		bad $n "not ESTABLISHED on both ends and both sides"
	else
		ok $n
	fi
	wait "$clpid" 2>/dev/null
else
	bad $n "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# report -i --kernel --duration: the same comparison through report, stopped by its clock.
n=report-live-kernel
if server $n --hold 3000; then
	start=$(date +%s)
	"$SYNFIN" report -i lo --kernel --duration 1.5 --json "$port" >"$tmp/$n.json" 2>"$tmp/$n.err" &
	rpid=$!
	pids="$pids $rpid"
	wait_for "$tmp/$n.err" "listening on"
	"$SYNFIN" client 127.0.0.1 "$port" --send hello --half-close --timeout 10000 \
		>"$tmp/$n.client" 2>&1 &
	clpid=$!
	pids="$pids $clpid"
	wait "$rpid"
	rc=$?
	took=$(($(date +%s) - start))
	if [ $rc -ne 0 ]; then
		bad $n "exit $rc: $(cat "$tmp/$n.err")"
	elif [ $took -gt 3 ]; then
		bad $n "--duration 1.5 took ${took}s"
	elif ! jq -s -e 'any(.[]; .type == "compare" and .capture == "CLOSE_WAIT" and
	                          .kernel == "CLOSE_WAIT")' "$tmp/$n.json" >/dev/null; then
		bad $n "no agreeing CLOSE_WAIT: $(cat "$tmp/$n.json")"
	else
		ok $n
	fi
	wait "$clpid" 2>/dev/null
else
	bad $n "server did not start"
fi
kill "$spid" 2>/dev/null

# IPv6 on ::1, client closing first.
n=ipv6
if server $n -b ::1 --close last && capture $n; then
	"$SYNFIN" client ::1 "$port" --send hello >"$tmp/$n.client" 2>&1
	sleep 0.3
	stop
	cp=$(client_port $n)
	if ! agreed $n; then
		bad $n "capture and kernel disagree: $(grep -h compare "$tmp/$n.json")"
	elif ! jq -s -e 'any(.[]; .type == "compare" and .proto == "tcp6" and .capture == "TIME_WAIT")' \
		"$tmp/$n.json" >/dev/null || ! compared $n TIME_WAIT TIME_WAIT "$cp"; then
		bad $n "no tcp6 TIME_WAIT row for the client"
	else
		ok $n
	fi
else
	skip="$(cat "$tmp/$n.server" 2>/dev/null)"
	echo "skip $n (::1 unavailable? $skip)"
fi
kill "$spid" 2>/dev/null

# A connection refused: SYN answered by RST, no socket anywhere.
n=refused
if server $n; then
	kill "$spid"
	wait "$spid" 2>/dev/null
	if capture $n; then
		"$SYNFIN" client 127.0.0.1 "$port" --send hello >"$tmp/$n.client" 2>&1
		crc=$?
		sleep 0.3
		stop
		f=$(flags $n)
		if [ "$crc" -eq 0 ]; then
			bad $n "the client did not report the refusal"
		elif [ "$f" != "S R. " ]; then
			bad $n "flags: $f"
		elif ! grep -q "refused" "$tmp/$n.client"; then
			bad $n "the client's message: $(cat "$tmp/$n.client")"
		else
			ok $n
		fi
	else
		bad $n "capture did not start"
	fi
fi

# Many clients at once: every conversation opens and closes completely.
n=many-clients
if server $n && capture $n; then
	i=0
	cl=""
	while [ $i -lt 20 ]; do
		"$SYNFIN" client 127.0.0.1 "$port" --send "client $i" >"$tmp/$n.client.$i" 2>&1 &
		cl="$cl $!"
		i=$((i + 1))
	done
	for p in $cl; do wait "$p"; done
	sleep 0.3
	stop
	"$SYNFIN" report -n --json -r "$tmp/$n.pcap" >"$tmp/$n.report"
	sf=$(jq -r 'select(.type == "connection") | .conn_state' "$tmp/$n.report" | grep -c '^SF$')
	if ! agreed $n; then
		bad $n "capture and kernel disagree"
	elif [ "$sf" -ne 20 ]; then
		bad $n "$sf of 20 connections complete (SF)"
	elif [ "$(jq -s '[.[] | select(.type == "compare" and .capture == "LISTEN")] | length' \
		"$tmp/$n.json")" -ne 1 ]; then
		bad $n "the server's listener is not one row (one per connection?)"
	else
		ok $n
	fi
else
	bad $n "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# -c stops the capture by itself after that many segments.
n=count-stops
if server $n; then
	"$SYNFIN" capture -i lo -n -c 3 "tcp port $port" >"$tmp/$n.out" 2>"$tmp/$n.err" &
	cpid=$!
	pids="$pids $cpid"
	wait_for "$tmp/$n.err" "listening on"
	"$SYNFIN" client 127.0.0.1 "$port" --send hello >/dev/null 2>&1
	i=0
	while kill -0 "$cpid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$cpid" 2>/dev/null; then
		bad $n "still running after 3 segments"
	elif ! wait "$cpid"; then
		bad $n "exit status: $(cat "$tmp/$n.err")"
	elif [ "$(grep -c 'Flags' "$tmp/$n.out")" -ne 3 ]; then
		bad $n "$(grep -c 'Flags' "$tmp/$n.out") segments printed"
	else
		ok $n
	fi
else
	bad $n "server did not start"
fi
kill "$spid" 2>/dev/null

# The demo: its conversation, the comparison, ladder and report; only its file is left.
n=demo
(cd "$tmp" && "$SYNFIN" demo -w demo.pcap >"$tmp/$n.out" 2>"$tmp/$n.err")
rc=$?
if [ $rc -ne 0 ]; then
	bad $n "exit $rc: $(tail -5 "$tmp/$n.err")"
elif ! grep -q "2 sockets: 2 agree, 0 differ" "$tmp/$n.out"; then
	bad $n "the capture and the kernel do not agree: $(grep -A4 'capture beside' "$tmp/$n.out")"
elif ! grep -q "TIME_WAIT   TIME_WAIT" "$tmp/$n.out" || ! grep -q "FIN_WAIT_1" "$tmp/$n.out" ||
	! grep -q "^Connections" "$tmp/$n.out"; then
	bad $n "no TIME_WAIT row, ladder or report in its output"
elif [ ! -s "$tmp/demo.pcap" ] || [ "$("$SYNFIN" decode --count -r "$tmp/demo.pcap")" -lt 10 ]; then
	bad $n "its capture file is missing or short"
elif pgrep -f -- "-w demo.pcap" >/dev/null; then
	bad $n "left a process running: $(pgrep -af -- "-w demo.pcap")"
else
	ok $n
fi

# --- the capture's errors ------------------------------------------------------------------

n=no-such-interface
"$SYNFIN" capture -i synfin-nope0 -c 1 >"$tmp/$n.out" 2>"$tmp/$n.err"
rc=$?
if [ $rc -eq 1 ] && grep -q "synfin-nope0.*no such interface" "$tmp/$n.err"; then ok $n; else
	bad $n "exit $rc: $(cat "$tmp/$n.err")"
fi

n=bad-filter
"$SYNFIN" capture -i lo -c 1 "tcp port nonsense" >"$tmp/$n.out" 2>"$tmp/$n.err"
rc=$?
if [ $rc -eq 2 ] && grep -q "bad filter" "$tmp/$n.err"; then ok $n; else
	bad $n "exit $rc: $(cat "$tmp/$n.err")"
fi

n=write-fails
capture_full() { capture_to /dev/full "$tmp/$n.out" "$tmp/$n.err"; }
if [ ! -w /dev/full ]; then
	echo "skip $n (no /dev/full)"
elif server $n && capture_full; then
	"$SYNFIN" client 127.0.0.1 "$port" --send hello >/dev/null 2>&1
	sleep 0.3
	stop
	rc=$?
	if [ $rc -ne 4 ] || ! grep -q "incomplete" "$tmp/$n.err"; then
		bad $n "exit $rc: $(cat "$tmp/$n.err")"
	elif [ "$(stat -c %U /dev/full)" != root ]; then
		bad $n "/dev/full was given to $(stat -c %U /dev/full) (-Z chowns only a file it made)"
		chown root /dev/full
	else
		ok $n
	fi
else
	bad $n "server or capture did not start: $(cat "$tmp/$n.err" 2>/dev/null)"
fi
kill "$spid" 2>/dev/null

n=no-privilege
if command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$SYNFIN" capture -i lo -c 1 >"$tmp/$n.out" 2>"$tmp/$n.err"
	rc=$?
	if [ $rc -eq 5 ] && grep -q "setcap cap_net_raw,cap_net_admin=eip" "$tmp/$n.err"; then ok $n; else
		bad $n "exit $rc: $(cat "$tmp/$n.err")"
	fi
else
	echo "skip $n (no setpriv)"
fi

# Nothing this script started is still running.
n=nothing-left-running
sleep 0.2
left=""
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
if [ -z "$left" ]; then ok $n; else bad $n "still running:$left"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
