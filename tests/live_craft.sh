#!/bin/sh
# tests/live_craft.sh: craft connect and craft accept against real kernel sockets on loopback.
#
# Run from the repository root as root:   SYNFIN=build/synfin sh tests/live_craft.sh
# Without root it says so and skips every case (exit 0): crafting needs raw sockets, a live
# capture and a firewall rule (the RST guard).
#
# Each case starts its peer (`synfin server` on a free port, or `synfin client` against
# `synfin craft accept`), an independent capture of the port (`synfin capture -i lo --json -w`),
# and a sampler of the kernel's own socket states (`ss -Htan` every ~10 ms), then the crafter
# with --pause so that short-lived states last long enough to be seen. The checks: the segments
# on the wire (tcpdump's flag letters, in order, and never a RST that the crafter did not mean),
# the states the kernel's socket went through, `synfin report` on the capture, and that the
# crafter's nftables table (synfin-PID) is gone afterwards, also after kill -9. Then the
# refusals: a remote destination (exit 2, nothing sent) and no privilege (exit 5).
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
	echo "live_craft.sh: run from the repository root after make (SYNFIN=$SYNFIN)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "skip craft live (needs root: sudo make live)"
	echo "0 passed, 0 failed"
	exit 0
fi
for t in jq ss nft; do
	command -v "$t" >/dev/null || {
		echo "skip craft live (needs $t: apt-get install jq iproute2 nftables)"
		echo "0 passed, 0 failed"
		exit 0
	}
done

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



PAUSE=150 # ms between crafted segments: long enough to sample, short of Linux's 200 ms RTO

# capture NAME: the independent capture of $port into NAME.pcap, JSON lines into NAME.json.
capture() { capture_to "$tmp/$1.pcap" "$tmp/$1.json" "$tmp/$1.err" --json; }

# flags NAME: the flags of every captured segment of the crafted connection (the first one
# to $port: other tests on lo may touch the port too), in order: "S S. . P. . ".
flags() {
	jq -s -r --argjson p "$port" '[.[] | select(has("frame.number"))] as $f |
		([$f[] | select(.["tcp.dstport"] == $p)][0]["tcp.srcport"]) as $c |
		$f[] | select(.["tcp.srcport"] == $c or .["tcp.dstport"] == $c) | .["tcp.flags.str"]' \
		"$tmp/$1.json" | tr '\n' ' '
}

# steps NAME SIDE: the same segments marked by who sent them, ">" the crafter and "<" the
# kernel (SIDE: which end the crafter is, client or server), without the kernel's pure ACKs:
# ">S <S. >. >P. <P. ". Whether the kernel acknowledges our data on its own or on its
# application's answer is a race between its softirq and that application on another CPU;
# both are right, and what the crafter sends is the same either way.
steps() {
	jq -s -r --argjson p "$port" --arg side "$2" '[.[] | select(has("frame.number"))] as $f |
		([$f[] | select(.["tcp.dstport"] == $p)][0]["tcp.srcport"]) as $c |
		$f[] | select(.["tcp.srcport"] == $c or .["tcp.dstport"] == $c) |
		((.["tcp.srcport"] == $c) == ($side == "client")) as $ours |
		select($ours or .["tcp.flags.str"] != ".") |
		(if $ours then ">" else "<" end) + .["tcp.flags.str"]' \
		"$tmp/$1.json" | tr '\n' ' '
}

# sample NAME FILTER: the kernel's sockets matching the ss FILTER, every ~10 ms, into NAME.ss.
sample() {
	(while :; do
		ss -Htan "$2" 2>/dev/null
		sleep 0.01
	done) >"$tmp/$1.ss" &
	sampid=$!
	pids="$pids $sampid"
}
unsample() {
	kill "$sampid" 2>/dev/null
	wait "$sampid" 2>/dev/null
}
# states NAME: the distinct states sampled, in order of first sight, LISTEN left out.
states() { awk '$1 != "LISTEN" && !seen[$1]++ { printf "%s ", $1 }' "$tmp/$1.ss"; }
# saw NAME STATE...: every STATE was sampled; else the missing ones in $missing.
saw() {
	n=$1
	shift
	missing=""
	for s in "$@"; do
		awk -v s="$s" '$1 == s { f = 1 } END { exit !f }' "$tmp/$n.ss" || missing="$missing $s"
	done
	[ -z "$missing" ]
}

# craft NAME ARGS...: runs the crafter (stdout NAME.out, stderr NAME.craft.err); its exit
# status in $crc and its PID in $crpid (the guard's table is synfin-$crpid).
craft() {
	n=$1
	shift
	"$SYNFIN" craft "$@" -v >"$tmp/$n.out" 2>"$tmp/$n.craft.err" &
	crpid=$!
	pids="$pids $crpid"
	wait "$crpid"
	crc=$?
}
# guard_gone PID: no nftables table synfin-PID is left.
guard_gone() { ! nft list tables 2>/dev/null | grep -q "synfin-$1\$"; }

# report_has NAME ENDPOINT STATE: synfin report's sockets at the end of NAME.pcap.
report_has() {
	"$SYNFIN" report -n --json -r "$tmp/$1.pcap" 2>/dev/null |
		jq -s -e --arg e "$2" --arg s "$3" \
			'any(.[]; .type == "socket" and .endpoint == $e and .state == $s)' >/dev/null
}
report_lacks() { ! report_has "$@"; }

# why NAME: what to show when a case fails.
why() {
	echo "flags: $(flags "$1")| states: $(states "$1")| crafter: $(tail -3 "$tmp/$1.craft.err" |
		tr '\n' ' ')"
}

# --- craft connect --------------------------------------------------------------------------

# We close first. The server holds CLOSE_WAIT 300 ms, answers our FIN with "^^^" and its FIN.
n=connect-active
if server "$n" --hold 300 && capture "$n"; then
	sample "$n" "( sport = :$port )"
	craft "$n" connect "127.0.0.1:$port" --data hello --close active --pause $PAUSE --time-wait 1
	sleep 0.3
	unsample
	stop
	f=$(flags "$n")
	# Its "^^^" and FIN come apart or in one segment; we acknowledge each.
	case "$(steps "$n" client)" in
	">S <S. >. >P. <P. >. >F. <P. <F. >. >. " | ">S <S. >. >P. <P. >. >F. <FP. >. " | \
		">S <S. >. >P. <P. >. >F. <P. >. <F. >. ") fok=1 ;;
	*) fok=0 ;;
	esac
	if [ "$crc" -ne 0 ]; then
		bad "$n" "exit $crc: $(why "$n")"
	elif [ "$fok" -ne 1 ]; then
		bad "$n" "unexpected segments: $f(ours and the kernel's but its pure ACKs: $(steps "$n" client))"
	elif echo "$f" | grep -q R; then
		bad "$n" "a RST on the wire: $f"
	elif ! saw "$n" SYN-RECV ESTAB CLOSE-WAIT LAST-ACK; then
		bad "$n" "the server's socket never showed$missing (saw: $(states "$n"))"
	elif ! report_has "$n" client TIME_WAIT || report_has "$n" server TIME_WAIT; then
		bad "$n" "report: the crafter is not in TIME_WAIT alone: $("$SYNFIN" report -n -r "$tmp/$n.pcap")"
	elif ! guard_gone "$crpid"; then
		bad "$n" "table synfin-$crpid left: $(nft list tables)"
	elif ! grep -q 'says "hello"' "$tmp/$n.server" || ! grep -q "Thank You" "$tmp/$n.out"; then
		bad "$n" "no conversation: $(cat "$tmp/$n.server")"
	else
		ok "$n"
		echo "   kernel: $(states "$n")"
	fi
else
	bad "$n" "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# The server closes first ("bye"): its socket goes FIN_WAIT1, FIN_WAIT2, TIME_WAIT; we LAST_ACK.
n=connect-passive
if server "$n" && capture "$n"; then
	sample "$n" "( sport = :$port )"
	craft "$n" connect "127.0.0.1:$port" --data bye --close passive --pause $PAUSE --time-wait 1
	sleep 0.3
	unsample
	stop
	f=$(flags "$n")
	if [ "$crc" -ne 0 ]; then
		bad "$n" "exit $crc: $(why "$n")"
	elif [ "$(steps "$n" client)" != ">S <S. >. >P. <P. <F. >. >. >F. " ] &&
		[ "$(steps "$n" client)" != ">S <S. >. >P. <FP. >. >F. " ] &&
		[ "$(steps "$n" client)" != ">S <S. >. >P. <P. >. <F. >. >F. " ]; then
		bad "$n" "unexpected segments: $f(ours and the kernel's but its pure ACKs: $(steps "$n" client))"
	elif ! saw "$n" SYN-RECV ESTAB FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT; then
		bad "$n" "the server's socket never showed$missing (saw: $(states "$n"))"
	elif ! report_has "$n" server TIME_WAIT || report_has "$n" client TIME_WAIT; then
		bad "$n" "report: the server is not in TIME_WAIT alone: $("$SYNFIN" report -n -r "$tmp/$n.pcap")"
	elif ! grep -q "LAST_ACK" "$tmp/$n.out" || ! grep -q "CLOSE_WAIT" "$tmp/$n.out"; then
		bad "$n" "the crafter's ladder lacks CLOSE_WAIT or LAST_ACK: $(cat "$tmp/$n.out")"
	elif ! guard_gone "$crpid"; then
		bad "$n" "table synfin-$crpid left"
	else
		ok "$n"
		echo "   kernel: $(states "$n")"
	fi
else
	bad "$n" "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# A crafted RST ends it: the server's socket goes, and the only RST is ours.
n=connect-rst
if server "$n" && capture "$n"; then
	sample "$n" "( sport = :$port )"
	craft "$n" connect "127.0.0.1:$port" --data hello --close rst --pause $PAUSE
	sleep 0.3
	unsample
	stop
	f=$(flags "$n")
	left=$(ss -Htan "( sport = :$port )" | grep -vc LISTEN)
	if [ "$crc" -ne 0 ]; then
		bad "$n" "exit $crc: $(why "$n")"
	elif [ "$(steps "$n" client)" != ">S <S. >. >P. <P. >. >R " ]; then
		bad "$n" "unexpected segments: $f(ours and the kernel's but its pure ACKs: $(steps "$n" client))"
	elif ! saw "$n" SYN-RECV ESTAB; then
		bad "$n" "the server's socket never showed$missing (saw: $(states "$n"))"
	elif [ "$left" -ne 0 ] || ! grep -q "reset" "$tmp/$n.server"; then
		bad "$n" "the server's socket is still there, or it saw no reset: $(ss -tan | grep ":$port")"
	elif ! guard_gone "$crpid"; then
		bad "$n" "table synfin-$crpid left"
	else
		ok "$n"
		echo "   kernel: $(states "$n")"
	fi
else
	bad "$n" "server or capture did not start"
fi
kill "$spid" 2>/dev/null

# IPv6 on ::1, we close first.
n=connect-ipv6
if server "$n" -b ::1 && capture "$n"; then
	sample "$n" "( sport = :$port )"
	craft "$n" connect "[::1]:$port" --data hello --close active --pause $PAUSE --time-wait 1
	sleep 0.3
	unsample
	stop
	f=$(flags "$n")
	if [ "$crc" -ne 0 ]; then
		bad "$n" "exit $crc: $(why "$n")"
	elif ! steps "$n" client | grep -q "^>S <S\. >\. >P\. <P\. >\. >F\. " ||
		echo "$f" | grep -q R; then
		bad "$n" "unexpected segments: $f(ours and the kernel's but its pure ACKs: $(steps "$n" client))"
	elif ! saw "$n" SYN-RECV ESTAB LAST-ACK; then
		bad "$n" "the server's socket never showed$missing (saw: $(states "$n"))"
	elif ! report_has "$n" client TIME_WAIT; then
		bad "$n" "report: no TIME_WAIT for the crafter"
	elif ! guard_gone "$crpid"; then
		bad "$n" "table synfin-$crpid left"
	else
		ok "$n"
		echo "   kernel: $(states "$n")"
	fi
else
	echo "skip $n (::1 unavailable? $(cat "$tmp/$n.server" 2>/dev/null))"
fi
kill "$spid" 2>/dev/null

# --- craft accept ---------------------------------------------------------------------------

# free_port: a port no socket of this host holds now.
free_port() {
	p=$((30000 + $$ % 20000))
	while ss -Htan "( sport = :$p or dport = :$p )" | grep -q .; do p=$((p + 1)); done
	echo $p
}

# accept_case NAME CLOSE STATES...: synfin client against craft accept --close CLOSE; the
# client's kernel socket must show every STATE.
accept_case() {
	n=$1
	how=$2
	shift 2
	port=$(free_port)
	if ! capture "$n"; then
		bad "$n" "capture did not start"
		return
	fi
	sample "$n" "( dport = :$port )"
	"$SYNFIN" craft accept -p "$port" --close "$how" --pause $PAUSE --time-wait 1 -v \
		>"$tmp/$n.out" 2>"$tmp/$n.craft.err" &
	crpid=$!
	pids="$pids $crpid"
	if ! wait_for "$tmp/$n.out" "listening on"; then
		bad "$n" "craft accept did not start: $(cat "$tmp/$n.craft.err")"
		return
	fi
	"$SYNFIN" client 127.0.0.1 "$port" --send hello >"$tmp/$n.client" 2>&1
	clrc=$?
	wait "$crpid"
	crc=$?
	sleep 0.3
	unsample
	stop
	f=$(flags "$n")
	if [ "$crc" -ne 0 ] || [ "$clrc" -ne 0 ]; then
		bad "$n" "exit $crc (client $clrc): $(why "$n") $(cat "$tmp/$n.client")"
	elif ! grep -q 'got "Thank You!"' "$tmp/$n.client" || ! grep -q 'got "^^^"' "$tmp/$n.client"; then
		bad "$n" "the client did not get its answers: $(cat "$tmp/$n.client")"
	elif echo "$f" | grep -q R || ! steps "$n" server | grep -q "^<S >S\. <P\. >\. >P\. "; then
		bad "$n" "unexpected segments: $f(ours and the kernel's but its pure ACKs: $(steps "$n" server))"
	elif ! saw "$n" "$@"; then
		bad "$n" "the client's socket never showed$missing (saw: $(states "$n"))"
	elif ! guard_gone "$crpid"; then
		bad "$n" "table synfin-$crpid left"
	else
		ok "$n"
		echo "   kernel: $(states "$n")"
	fi
}

# We close first after "^^^": the client goes CLOSE_WAIT, LAST_ACK.
accept_case accept-active active SYN-SENT ESTAB LAST-ACK
# The client closes first: it goes FIN_WAIT1, FIN_WAIT2, TIME_WAIT; we CLOSE_WAIT, LAST_ACK.
accept_case accept-passive passive SYN-SENT ESTAB FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT

# --- the guard on every way out -------------------------------------------------------------

# kill -9 in mid-run (during --pause): the watchdog removes the table within a second.
n=guard-kill-9
if server "$n"; then
	"$SYNFIN" craft connect "127.0.0.1:$port" --pause 3000 >"$tmp/$n.out" 2>&1 &
	crpid=$!
	pids="$pids $crpid"
	i=0
	while ! nft list tables 2>/dev/null | grep -q "synfin-$crpid\$" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! nft list tables | grep -q "synfin-$crpid\$"; then
		bad "$n" "no table synfin-$crpid was installed: $(cat "$tmp/$n.out")"
	else
		kill -9 "$crpid"
		wait "$crpid" 2>/dev/null
		sleep 1
		if guard_gone "$crpid"; then ok "$n"; else bad "$n" "table synfin-$crpid left after 1 s"; fi
	fi
else
	bad "$n" "server did not start"
fi
kill "$spid" 2>/dev/null

# SIGINT and SIGTERM in mid-run: exit 1, the table removed, the half-open socket reset.
for sig in INT TERM; do
	n=guard-sig$sig
	if server "$n"; then
		"$SYNFIN" craft connect "127.0.0.1:$port" --data hello --pause 700 >"$tmp/$n.out" 2>&1 &
		crpid=$!
		pids="$pids $crpid"
		sleep 1.2
		kill -$sig "$crpid"
		wait "$crpid"
		rc=$?
		sleep 0.2
		left=$(ss -Htan "( sport = :$port )" | grep -vc LISTEN)
		if [ "$rc" -ne 1 ] || ! grep -q "interrupted" "$tmp/$n.out"; then
			bad "$n" "exit $rc: $(cat "$tmp/$n.out")"
		elif ! guard_gone "$crpid"; then
			bad "$n" "table synfin-$crpid left"
		elif [ "$left" -ne 0 ]; then
			bad "$n" "the server's socket was left: $(ss -tan | grep ":$port")"
		else
			ok "$n"
		fi
	else
		bad "$n" "server did not start"
	fi
	kill "$spid" 2>/dev/null
done

# --- refusals -------------------------------------------------------------------------------

# A remote destination without --allow-remote: exit 2 at once, nothing sent, no table.
n=remote-refused
before=$(nft list tables | grep -c synfin-)
if command -v tcpdump >/dev/null; then
	tcpdump -i any -n -c 1 "host 198.51.100.7" >"$tmp/$n.td" 2>/dev/null &
	tdpid=$!
	pids="$pids $tdpid"
	sleep 1
fi
start=$(date +%s)
"$SYNFIN" craft connect 198.51.100.7:80 >"$tmp/$n.out" 2>"$tmp/$n.err"
rc=$?
took=$(($(date +%s) - start))
sent=0
if [ -n "${tdpid:-}" ]; then
	sleep 0.5
	kill "$tdpid" 2>/dev/null
	wait "$tdpid" 2>/dev/null
	grep -q "198.51.100.7" "$tmp/$n.td" && sent=1
fi
if [ "$rc" -ne 2 ] || ! grep -q "refusing" "$tmp/$n.err" || ! grep -q -- "--allow-remote" "$tmp/$n.err"; then
	bad "$n" "exit $rc: $(cat "$tmp/$n.err")"
elif [ "$took" -gt 1 ] || [ "$sent" -ne 0 ] || [ -s "$tmp/$n.out" ]; then
	bad "$n" "something was sent or tried (${took}s): $(cat "$tmp/$n.td" "$tmp/$n.out" 2>/dev/null)"
elif [ "$(nft list tables | grep -c synfin-)" -ne "$before" ]; then
	bad "$n" "a guard table was installed"
else
	ok "$n"
fi

# Without privilege: exit 5 and a message that names sudo.
n=no-privilege
if command -v setpriv >/dev/null; then
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
		"$SYNFIN" craft connect 127.0.0.1:9 >"$tmp/$n.out" 2>"$tmp/$n.err"
	rc=$?
	if [ "$rc" -eq 5 ] && grep -q "sudo" "$tmp/$n.err"; then ok "$n"; else
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
