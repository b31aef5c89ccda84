#!/bin/sh
# tests/pair_cli.sh: `synfin server` and `synfin client` as a person runs them, on 127.0.0.1.
# The library is tested in tests/test_pair.c; this checks what only the
# program adds: the first line scripts read the port from, the timestamps,
# standard input as messages, SIGINT, the exit codes and messages.
# Env: SYNFIN (program). Needs no root; every wait is bounded.
set -u
SYNFIN=${SYNFIN:-build/synfin}
tmp=$(mktemp -d)
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
failed=0
checks=0
ts='[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}'

check() { # check WHAT COMMAND...: one named check
	what=$1
	shift
	checks=$((checks + 1))
	if ! "$@"; then
		echo "pair_cli: FAIL: $what" >&2
		failed=$((failed + 1))
	fi
}

has() { grep -q -E -- "$2" "$1"; }
count_is() { [ "$(grep -c -E -- "$2" "$1")" -eq "$3" ]; }
all_lines() { ! grep -v -E -- "$2" "$1" | grep -q .; }

# The server, on a free port, for at most 20 seconds whatever happens.
"$SYNFIN" server -p 0 --max-seconds 20 >"$tmp/server" 2>"$tmp/server.err" &
spid=$!
port=
i=0
while [ $i -lt 50 ]; do
	port=$(sed -n -E "1s/^$ts server: listening on 127\.0\.0\.1 port ([0-9]+)\$/\1/p" "$tmp/server" 2>/dev/null)
	[ -n "$port" ] && break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ]; then
	echo "pair_cli: FAIL: no 'listening on 127.0.0.1 port N' first line from the server" >&2
	cat "$tmp/server" "$tmp/server.err" >&2
	exit 1
fi

timeout 10 "$SYNFIN" client 127.0.0.1 "$port" --send hello --send 'a "quoted" word' \
	</dev/null >"$tmp/c1" 2>&1
check "client --send exits 0" [ $? -eq 0 ]
check "every client line is timestamped" all_lines "$tmp/c1" "^$ts client: "
check "each message is thanked" count_is "$tmp/c1" 'client: got "Thank You!"$' 2
check "bye gets ^^^" has "$tmp/c1" 'client: got "\^\^\^"$'
check "the server closes first by default" has "$tmp/c1" 'the server closed first \(FIN\)'
check "quotes are escaped in the log" has "$tmp/server" 'says "a \\"quoted\\" word"$'

printf 'one\ntwo\nthree\n' | timeout 10 "$SYNFIN" client 127.0.0.1 "$port" >"$tmp/c2" 2>&1
check "client reading a pipe exits 0" [ $? -eq 0 ]
check "each line of standard input is a message" count_is "$tmp/c2" 'client: got "Thank You!"$' 3

timeout 10 "$SYNFIN" client 127.0.0.1 "$port" --send x --rst </dev/null >"$tmp/c3" 2>&1
check "client --rst exits 0" [ $? -eq 0 ]
i=0
while ! has "$tmp/server" 'reset the connection \(RST\)' && [ $i -lt 30 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the server logs the client's reset" has "$tmp/server" 'reset the connection \(RST\)'

timeout 10 "$SYNFIN" client 127.0.0.1 "$port" --send y --half-close </dev/null >"$tmp/c4" 2>&1
check "client --half-close exits 0" [ $? -eq 0 ]
check "a half-closed client still reads ^^^" has "$tmp/c4" 'client: got "\^\^\^"$'

kill -INT "$spid"
wait "$spid"
rc=$?
spid=
check "SIGINT stops the server with exit 0" [ $rc -eq 0 ]
check "the server says it stops" has "$tmp/server" "^$ts server: stopping \(signal\)$"
check "every server line is timestamped" all_lines "$tmp/server" "^$ts server: "

# Nothing listens there now.
timeout 10 "$SYNFIN" client 127.0.0.1 "$port" </dev/null >/dev/null 2>"$tmp/c5"
rc=$?
check "a refused connection exits 1" [ $rc -eq 1 ]
check "a refused connection says so" has "$tmp/c5" \
	"^synfin client: connect to 127\.0\.0\.1 port $port: Connection refused\$"

for args in "server --bogus" "server -p 70000" "server --close sometimes" "client" \
	"client 127.0.0.1" "client 127.0.0.1 9000 --rst --half-close"; do
	# shellcheck disable=SC2086 # args holds the words
	"$SYNFIN" $args </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "synfin $args exits 2" [ $rc -eq 2 ]
	check "synfin $args prints the usage" has "$tmp/err" "^usage: synfin ${args%% *} "
done
"$SYNFIN" server --help >"$tmp/out" 2>&1
check "server --help exits 0" [ $? -eq 0 ]
"$SYNFIN" client --help >"$tmp/out" 2>&1
check "client --help exits 0" [ $? -eq 0 ]
"$SYNFIN" --help >"$tmp/out" 2>&1
check "synfin --help lists server and client" has "$tmp/out" '^  (server|client) '

echo "pair_cli: $((checks - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
