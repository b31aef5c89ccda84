# tests/pair_lib.sh: starting the pair and a capture on lo, for tests/live.sh and
# tests/make_pair_fixtures.sh (sourced; they set SYNFIN, tmp and pids, and stop what is in
# $pids on every way out, stop_pids below).

# stop_pids: every process in $pids: TERM, then KILL after 5 s.
stop_pids() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
}

# ok NAME / bad NAME WHY: one case's verdict, counted.
pass=0
fail=0
ok() {
	echo "ok $1"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $1: $2"
	fail=$((fail + 1))
}

# wait_for FILE PATTERN: up to 10 s for a line matching PATTERN.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		[ $i -ge 100 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# server NAME ARGS...: starts a server on a free port; sets $port and $spid.
server() {
	n=$1
	shift
	"$SYNFIN" server -p 0 --max-seconds 60 "$@" >"$tmp/$n.server" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_for "$tmp/$n.server" "listening on" || return 1
	port=$(sed -n 's/.*listening on .* port \([0-9]*\).*/\1/p' "$tmp/$n.server" | head -n 1)
	[ -n "$port" ]
}

# capture_to FILE OUT ERR ARGS...: captures on lo for $port into FILE, its stdout and stderr
# into OUT and ERR, until its "listening on" line; sets $cpid.
capture_to() {
	w=$1
	o=$2
	e=$3
	shift 3
	"$SYNFIN" capture -i lo "$@" -w "$w" "tcp port $port" >"$o" 2>"$e" &
	cpid=$!
	pids="$pids $cpid"
	wait_for "$e" "listening on"
}

# stop: SIGINT to the capture, then its exit status (10 s at most).
stop() {
	kill -INT "$cpid"
	i=0
	while kill -0 "$cpid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$cpid"
}
