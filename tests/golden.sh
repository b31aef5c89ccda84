#!/bin/sh
# tests/golden.sh: `synfin decode` on every capture in pcaps/ against its golden files, then the bad inputs.
#
# Run from the repository root:   SYNFIN=build/synfin sh tests/golden.sh   (what `make golden` does)
# Rewrite the golden files:       UPDATE=1 SYNFIN=build/synfin sh tests/golden.sh
# then read every change (git diff pcaps/) against `tcpdump -nn -S -r FILE` before committing it.
#
# Golden files. For each capture pcaps/NAME.pcap or pcaps/NAME.pcapng (NAME unique across both):
#   pcaps/NAME.out       stdout of   TZ=UTC $SYNFIN decode -n -r pcaps/NAME.pcap
#   pcaps/NAME.json      stdout of   TZ=UTC $SYNFIN decode --json -r pcaps/NAME.pcap
#   pcaps/NAME.err       stderr of the -n run, then one more line "exit N" with its exit status.
#                        The --json run must write the same stderr and end with the same status.
#                        The pair's live captures (pcaps/pair-*, `make fixtures`) are also read
#                        from standard input, through libpcap as a live handle is, against .out.
# Optional variants, run only when their golden file exists (to add one, create it empty and run
# with UPDATE=1):
#   pcaps/NAME.v.out     stdout of   decode -n -v      (checksum verdict on every line)
#   pcaps/NAME.nano.out  stdout of   decode -n --nano  (nanosecond time stamps)
#   pcaps/NAME.S.out     stdout of   decode -n -S      (absolute sequence numbers)
#   pcaps/NAME.report    stdout of   report -n         (the netstat table and the summaries); this
#                        one is run even without NAME.out, and checked against NAME.err when that
#                        exists (else stderr must be empty and the status 0). The same capture's
#                        `report --json` must then parse (jq) and hold the same sockets and
#                        connections as the text.
#   pcaps/NAME.ladder    stdout of   ladder --width 100  (the sequence diagrams, Unicode); run even
#                        without NAME.out, stderr checked as for NAME.report. When NAME.ladder exists:
#   pcaps/NAME.ladder-ascii  stdout of  ladder --ascii --width 100
#   pcaps/NAME.svg       the file    ladder --svg FILE writes (stdout empty), checked by xmllint
#                        --noout when xmllint is installed
# Variants are checked against NAME.err too. A capture without NAME.out is reported as "skip";
# UPDATE=1 creates its .out, .json and .err.
#
# Bad inputs. The damaged captures (pcaps/bad-*) have golden files like any other; this script
# also states, independently of the golden files, what they and the cases that need no file must
# give: the exit status (1 unreadable input, 2 bad command line or filter, 3 damaged part-way,
# 4 output failed), an empty stdout unless said otherwise, and the first stderr line, which must
# name the file (and, for a damaged record, the packet number). The expected first line is a
# prefix of the actual one, so the part that quotes libpcap may differ between libpcap versions.
#
# Output: one line per case, "ok NAME", "skip NAME (why)" or "FAIL NAME" followed by the diff, and
# last the line "N passed, M failed". Exit status 1 when M > 0, 2 when the script cannot run.

set -u
LC_ALL=C
TZ=UTC
export LC_ALL TZ

SYNFIN=${SYNFIN:-build/synfin}
UPDATE=${UPDATE:-0}
if [ ! -x "$SYNFIN" ] || [ ! -d pcaps ]; then
	echo "golden.sh: run from the repository root after make (SYNFIN=$SYNFIN)" >&2
	exit 2
fi

tmp=$(mktemp -d) || exit 2
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

pass=0
fail=0
updated=0

ok() { echo "ok $1"; pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	sed 's/^/    /' "$tmp/diff"
	fail=$((fail + 1))
}

# same EXPECTED ACTUAL: 0 when equal, else appends a diff to $tmp/diff. A missing EXPECTED is
# empty. With UPDATE=1 and a golden EXPECTED (under pcaps/), copies ACTUAL over it instead.
same() {
	if [ -f "$1" ] && cmp -s "$1" "$2"; then
		return 0
	fi
	if [ "$UPDATE" = 1 ] && [ "${1#pcaps/}" != "$1" ]; then
		cp "$2" "$1"
		updated=$((updated + 1))
		echo "    (rewrote $1)" >>"$tmp/note"
		return 0
	fi
	if [ -f "$1" ]; then
		diff -u "$1" "$2" >>"$tmp/diff"
	else
		{ echo "--- $1 (missing)"; sed 's/^/+/' "$2"; } >>"$tmp/diff"
	fi
	return 1
}

# run OUT ERR ARGS...: runs synfin; ERR gets stderr and then "exit N".
run() {
	o=$1 e=$2
	shift 2
	"$SYNFIN" "$@" >"$o" 2>"$e"
	echo "exit $?" >>"$e"
}

# verdict NAME STATUS: ok/FAIL for one case from the status of its comparisons.
verdict() {
	if [ "$2" -eq 0 ]; then
		ok "$1"
		[ -s "$tmp/note" ] && cat "$tmp/note"
	else
		bad "$1"
	fi
	: >"$tmp/diff"
	: >"$tmp/note"
}
: >"$tmp/diff"
: >"$tmp/note"

# --- golden files ------------------------------------------------------------------------------

# sockets FILE / conns FILE: how many socket rows and connection summaries a text report holds (the
# table runs from its third line to the first blank line; the summaries follow their two headers).
sockets() { awk 'NR > 2 && /^$/ { exit } NR > 2 { n++ } END { print n + 0 }' "$1"; }
conns() { awk 'seen > 1 { n++ } /^$/ { seen = 1 } seen == 1 && /^Stream / { seen = 2 } END { print n + 0 }' "$1"; }

# report_golden CAPTURE GOLDEN_STEM NAME: report -n against NAME.report, then report --json.
report_golden() {
	SYNFIN_THREADS=2 "$SYNFIN" report -n -r "$1" >"$tmp/out" 2>"$tmp/err"
	echo "exit $?" >>"$tmp/err"
	st=0
	same "$2.report" "$tmp/out" || st=1
	if [ -f "$2.err" ]; then
		same "$2.err" "$tmp/err" || st=1
	else
		echo "exit 0" >"$tmp/noerr"
		same "$tmp/noerr" "$tmp/err" || st=1
	fi
	verdict "$3 report -n" $st
	# The same on one thread: report reads and decodes on a second thread
	# of its own (cli/pipe_split.c) when it can (SYNFIN_THREADS=2 above
	# makes it, whatever the CPUs), and must say the same.
	SYNFIN_THREADS=1 "$SYNFIN" report -n -r "$1" >"$tmp/out1" 2>"$tmp/err1"
	echo "exit $?" >>"$tmp/err1"
	st=0
	same "$tmp/out" "$tmp/out1" || st=1
	same "$tmp/err" "$tmp/err1" || st=1
	verdict "$3 report -n, one thread the same" $st
	if ! command -v jq >/dev/null 2>&1; then
		echo "skip $3 report --json (no jq: make deps-test installs it)"
		return
	fi
	"$SYNFIN" report --json -r "$1" >"$tmp/json" 2>/dev/null
	st=0
	if ! jq -e -s 'all(.[]; .type == "socket" or .type == "connection")' "$tmp/json" \
		>/dev/null 2>>"$tmp/diff"; then
		echo "report --json: not JSON lines of sockets and connections" >>"$tmp/diff"
		st=1
	else
		js=$(jq -s '[.[] | select(.type == "socket")] | length' "$tmp/json")
		jc=$(jq -s '[.[] | select(.type == "connection")] | length' "$tmp/json")
		ts=$(sockets "$2.report")
		tc=$(conns "$2.report")
		if [ "$js/$jc" != "$ts/$tc" ]; then
			echo "report --json: $js sockets and $jc connections; the text has $ts and $tc" >>"$tmp/diff"
			st=1
		fi
	fi
	verdict "$3 report --json" $st
}

# ladder_golden CAPTURE GOLDEN_STEM NAME: ladder against NAME.ladder, NAME.ladder-ascii, NAME.svg.
ladder_golden() {
	lerr=$2.err
	if [ ! -f "$lerr" ]; then
		echo "exit 0" >"$tmp/noerr"
		lerr=$tmp/noerr
	fi
	run "$tmp/out" "$tmp/err" ladder --width 100 -r "$1"
	st=0
	same "$2.ladder" "$tmp/out" || st=1
	same "$lerr" "$tmp/err" || st=1
	verdict "$3 ladder" $st
	if [ -f "$2.ladder-ascii" ]; then
		run "$tmp/out" "$tmp/err" ladder --ascii --width 100 -r "$1"
		st=0
		same "$2.ladder-ascii" "$tmp/out" || st=1
		same "$lerr" "$tmp/err" || st=1
		if LC_ALL=C grep -q '[^ -~]' "$tmp/out"; then
			echo "ladder --ascii wrote bytes outside printable ASCII" >>"$tmp/diff"
			st=1
		fi
		verdict "$3 ladder --ascii" $st
	fi
	if [ -f "$2.svg" ]; then
		rm -f "$tmp/out.svg"
		run "$tmp/out" "$tmp/err" ladder --svg "$tmp/out.svg" -r "$1"
		st=0
		same "$2.svg" "$tmp/out.svg" || st=1
		same "$lerr" "$tmp/err" || st=1
		: >"$tmp/empty"
		same "$tmp/empty" "$tmp/out" || st=1
		verdict "$3 ladder --svg" $st
		if command -v xmllint >/dev/null 2>&1; then
			if xmllint --noout "$tmp/out.svg" 2>"$tmp/diff"; then ok "$3 ladder --svg: xmllint"; else bad "$3 ladder --svg: xmllint"; fi
			: >"$tmp/diff"
		else
			echo "skip $3 ladder --svg: xmllint (not installed: apt-get install libxml2-utils)"
		fi
	fi
}

for f in pcaps/*.pcap pcaps/*.pcapng; do
	[ -f "$f" ] || continue
	name=${f#pcaps/}
	name=${name%.pcap}
	name=${name%.pcapng}
	g=pcaps/$name
	[ -f "$g.report" ] && report_golden "$f" "$g" "$name"
	[ -f "$g.ladder" ] && ladder_golden "$f" "$g" "$name"
	if [ ! -f "$g.out" ] && [ "$UPDATE" != 1 ]; then
		echo "skip $name (no golden files: UPDATE=1 writes them)"
		continue
	fi

	run "$tmp/out" "$tmp/err" decode -n -r "$f"
	st=0
	same "$g.out" "$tmp/out" || st=1
	same "$g.err" "$tmp/err" || st=1
	verdict "$name" $st

	run "$tmp/out" "$tmp/err" decode --json -r "$f"
	st=0
	same "$g.json" "$tmp/out" || st=1
	same "$g.err" "$tmp/err" || st=1
	verdict "$name --json" $st

	# The pair's captures again through libpcap (standard input): the path a live handle
	# takes, pcap_next_ex, must decode them as our own file reader does.
	case $name in
	pair-*)
		"$SYNFIN" decode -n -r - <"$f" >"$tmp/out" 2>"$tmp/err"
		echo "exit $?" >>"$tmp/err"
		st=0
		same "$g.out" "$tmp/out" || st=1
		same "$g.err" "$tmp/err" || st=1
		verdict "$name through libpcap" $st
		;;
	esac

	for v in v nano S; do
		[ -f "$g.$v.out" ] || continue
		flag=-v
		[ "$v" = nano ] && flag=--nano
		[ "$v" = S ] && flag=-S
		run "$tmp/out" "$tmp/err" decode -n "$flag" -r "$f"
		st=0
		same "$g.$v.out" "$tmp/out" || st=1
		same "$g.err" "$tmp/err" || st=1
		verdict "$name $flag" $st
	done
done

# --- bad inputs and the command line -----------------------------------------------------------

# expect NAME STATUS FIRST ARGS...: synfin ARGS exits with STATUS, prints nothing on stdout, and
# the first line of its stderr begins with FIRST. $stdout_to, when set, replaces the stdout file.
stdout_to=
expect() {
	n=$1 want=$2 first=$3
	shift 3
	if [ -n "$stdout_to" ]; then
		"$SYNFIN" "$@" >"$stdout_to" 2>"$tmp/err"
	else
		"$SYNFIN" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	got=$?
	line=$(sed -n 1p "$tmp/err")
	st=0
	if [ "$got" != "$want" ]; then
		echo "exit status $got, want $want" >>"$tmp/diff"
		st=1
	fi
	case $line in
	"$first"*) ;;
	*)
		{ echo "stderr begins:  $line"; echo "want prefix:    $first"; } >>"$tmp/diff"
		st=1
		;;
	esac
	if [ -z "$stdout_to" ] && [ -s "$tmp/out" ]; then
		{ echo "stdout should be empty, got:"; head -n 5 "$tmp/out"; } >>"$tmp/diff"
		st=1
	fi
	verdict "$n" $st
}

good=pcaps/link-en10mb-ipv4-handshake.pcap

# Captures that cannot be read at all: status 1, nothing on stdout.
expect "missing file" 1 "synfin: pcaps/no-such-file.pcap: cannot open: No such file or directory" \
	decode -r pcaps/no-such-file.pcap
expect "directory" 1 "synfin: pcaps: cannot read: is a directory" decode -r pcaps
if [ "$(id -u)" = 0 ]; then
	# Root reads any file: drop to nobody (setpriv, util-linux) for this case.
	if command -v setpriv >/dev/null 2>&1; then
		cp "$good" "$tmp/unreadable.pcap"
		chmod 000 "$tmp/unreadable.pcap"
		chmod 755 "$tmp"
		SYNFIN_REAL=$SYNFIN
		SYNFIN="setpriv --reuid=65534 --regid=65534 --clear-groups $(cd "$(dirname "$SYNFIN_REAL")" && pwd)/$(basename "$SYNFIN_REAL")"
		out=$(cd / && $SYNFIN decode -r "$tmp/unreadable.pcap" 2>&1)
		got=$?
		SYNFIN=$SYNFIN_REAL
		case $out in
		"synfin: $tmp/unreadable.pcap: cannot open: Permission denied"*)
			[ "$got" = 1 ] && ok "unreadable file (as nobody)" ||
				{ echo "exit status $got, want 1" >"$tmp/diff"; bad "unreadable file (as nobody)"; }
			;;
		*)
			echo "got: $out (exit $got)" >"$tmp/diff"
			bad "unreadable file (as nobody)"
			;;
		esac
		: >"$tmp/diff"
	else
		echo "skip unreadable file (running as root, and no setpriv to drop privileges)"
	fi
else
	cp "$good" "$tmp/unreadable.pcap"
	chmod 000 "$tmp/unreadable.pcap"
	expect "unreadable file" 1 "synfin: $tmp/unreadable.pcap: cannot open: Permission denied" \
		decode -r "$tmp/unreadable.pcap"
fi
expect "bad-empty: status 1, names the file" 1 "synfin: pcaps/bad-empty.pcap: empty file" decode -r pcaps/bad-empty.pcap
expect "bad-not-a-capture: status 1, names the file" 1 "synfin: pcaps/bad-not-a-capture.pcap: not a pcap or pcapng capture" \
	decode -r pcaps/bad-not-a-capture.pcap
expect "bad-header-cut-short: status 1, names the file" 1 "synfin: pcaps/bad-header-cut-short.pcap: capture file header cut short" \
	decode -r pcaps/bad-header-cut-short.pcap

# Damaged part-way: status 3, the packets before the damage printed, the message names the packet.
stdout_to=$tmp/partial
expect "bad-truncated-last-record: status 3, names the file and packet" 3 \
	"synfin: pcaps/bad-truncated-last-record.pcap: packet 4: record cut short, the file ends inside it" \
	decode -n -r pcaps/bad-truncated-last-record.pcap
n=$(wc -l <"$tmp/partial")
if [ "$n" -eq 3 ]; then
	ok "bad-truncated-last-record prints the 3 whole packets"
else
	echo "printed $n lines, want the 3 packets before the damage" >"$tmp/diff"
	bad "bad-truncated-last-record prints the 3 whole packets"
fi
expect "bad-caplen-huge: status 3, names the file and packet" 3 "synfin: pcaps/bad-caplen-huge.pcap: packet 2: cannot read record" \
	decode -n -r pcaps/bad-caplen-huge.pcap
stdout_to=

# Bad filters: status 2, the message names the file and quotes the expression.
expect "bad filter syntax" 2 \
	"synfin: $good: bad filter expression: can't parse filter expression: syntax error ('tcp and and')" \
	decode -r "$good" tcp and and
expect "bad filter port" 2 "synfin: $good: bad filter expression: illegal port number 99999" \
	decode -r "$good" port 99999

# Bad command lines: status 2.
expect "unknown option" 2 "synfin decode: unknown option -x" decode -x -r "$good"
expect "unknown long option" 2 "synfin decode: unknown option '--bogus'" decode --bogus -r "$good"
expect "-c 0" 2 "synfin decode: -c wants a positive count, not '0'" decode -c 0 -r "$good"
expect "-c not a number" 2 "synfin decode: -c wants a positive count, not 'ten'" decode -c ten -r "$good"
expect "-r without a value" 2 "synfin decode: -r needs a value" decode -r
expect "no -r" 2 "synfin decode: no capture file: give one with -r FILE" decode -n
expect "unknown command" 2 "synfin: unknown command 'bogus'" bogus
expect "no command" 2 "usage: synfin COMMAND"

# Output that cannot be written: status 4.
if [ -c /dev/full ]; then
	stdout_to=/dev/full
	expect "write to /dev/full" 4 "synfin: writing the output failed" decode -n -r "$good"
	stdout_to=
else
	echo "skip write to /dev/full (no /dev/full here)"
fi

# --- options that select what is printed -------------------------------------------------------

# each NAME EXPECTED ARGS...: stdout equals the file EXPECTED and the status is 0.
each() {
	n=$1 want=$2
	shift 2
	"$SYNFIN" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	st=0
	same "$want" "$tmp/out" || st=1
	if [ "$got" != 0 ]; then
		{ echo "exit status $got, want 0:"; cat "$tmp/err"; } >>"$tmp/diff"
		st=1
	fi
	verdict "$n" $st
}

# each_cut NAME EXPECTED ARGS...: as each, comparing lines up to " [stream".
each_cut() {
	n=$1 want=$2
	shift 2
	"$SYNFIN" "$@" 2>"$tmp/err" | sed 's/ \[stream .*//' >"$tmp/out"
	st=0
	same "$want" "$tmp/out" || st=1
	verdict "$n" $st
}

if [ -f pcaps/link-en10mb-ipv4-handshake.out ]; then
	head -n 2 pcaps/link-en10mb-ipv4-handshake.out >"$tmp/want"
	each "-c 2 stops after two segments" "$tmp/want" decode -n -c 2 -r "$good"
	# A filter chooses segments; the tracker then sees only those, so the
	# lines are compared up to the tracking suffix, in absolute numbers.
	"$SYNFIN" decode -n -S -r "$good" | grep ' IP 192\.0\.2\.1\.' | sed 's/ \[stream .*//' >"$tmp/want"
	each_cut "filter 'src host 192.0.2.1'" "$tmp/want" decode -n -S -r "$good" src host 192.0.2.1
	cp pcaps/link-en10mb-ipv4-handshake.out "$tmp/want"
	each "-r - reads standard input" "$tmp/want" decode -n -r - <"$good"
	wc -l <pcaps/link-en10mb-ipv4-handshake.out | tr -d ' ' >"$tmp/want"
	each "--count prints the number of segments" "$tmp/want" decode --count -r "$good"
fi

# A filter on files that are not Ethernet: compiled for the file's own link type.
if [ -f pcaps/link-raw-101-ipv4-ipv6.out ]; then
	"$SYNFIN" decode -n -S -r pcaps/link-raw-101-ipv4-ipv6.pcap | grep ' IP6 ' | sed 's/ \[stream .*//' >"$tmp/want"
	each_cut "filter 'ip6' on a RAW pcap" "$tmp/want" decode -n -S -r pcaps/link-raw-101-ipv4-ipv6.pcap ip6
	cp pcaps/regress-pcapng-linktype-raw.out "$tmp/want"
	each "filter 'tcp' on a RAW pcapng" "$tmp/want" decode -n -r pcaps/regress-pcapng-linktype-raw.pcapng tcp
fi
expect "a filter the link type cannot take: status 2" 2 "synfin: pcaps/link-raw-101-ipv4-ipv6.pcap: bad filter expression" \
	decode -r pcaps/link-raw-101-ipv4-ipv6.pcap ether host 1:2:3:4:5:6

# --- report: the moment (--at), ss's state filters, JSON ------------------------------------------

# table NAME EXPECTED ARGS...: the socket table of `synfin ARGS` (up to its first blank line) equals
# the file EXPECTED, and the status is 0; on one thread (SYNFIN_THREADS=1) every word is the same as
# on two. Only the table: the summaries' Zeek and tshark columns are
# the golden files' business.
table() {
	n=$1 want=$2
	shift 2
	SYNFIN_THREADS=2 "$SYNFIN" "$@" >"$tmp/full" 2>"$tmp/err"
	got=$?
	sed '/^$/q' "$tmp/full" | sed '$ { /^$/d; }' >"$tmp/out"
	st=0
	same "$want" "$tmp/out" || st=1
	if [ "$got" != 0 ]; then
		{ echo "exit status $got, want 0:"; cat "$tmp/err"; } >>"$tmp/diff"
		st=1
	fi
	# --at and the state filters on one thread: every word the same.
	SYNFIN_THREADS=1 "$SYNFIN" "$@" >"$tmp/full1" 2>"$tmp/err1"
	same "$tmp/full" "$tmp/full1" || st=1
	same "$tmp/err" "$tmp/err1" || st=1
	verdict "$n" $st
}

# want LINE...: the expected table, its two header lines first.
want() {
	{
		echo "Active Internet connections (servers and established)"
		echo "Proto Local Address           Foreign Address         State"
		for l in "$@"; do echo "$l"; done
	} >"$tmp/want"
}

# The handshake fixture: 8 segments 1 ms apart from 1704067200 (2024-01-01 00:00:00 UTC).
lis="tcp   198.51.100.2:80         0.0.0.0:*               LISTEN"
cli="tcp   192.0.2.1:40000         198.51.100.2:80        "
srv="tcp   198.51.100.2:80         192.0.2.1:40000        "
want
table "report --at before the first packet: nothing yet" "$tmp/want" report -n -r "$good" --at 1704067199
want "$cli SYN_SENT"
table "report --at the first packet's time: it is read" "$tmp/want" report -n -r "$good" --at 1704067200
want "$lis" "$cli ESTABLISHED" "$srv SYN_RECV"
table "report --at +S: after the SYN,ACK" "$tmp/want" report -n -r "$good" --at +0.0015
want "$lis" "$cli FIN_WAIT1" "$srv CLOSE_WAIT"
table "report --at epoch seconds: after the first FIN" "$tmp/want" report -n -r "$good" --at 1704067200.0055
want "$lis" "$cli TIME_WAIT" "$srv LAST_ACK"
table "report --at HH:MM:SS.frac: after the second FIN" "$tmp/want" report -n -r "$good" --at 00:00:00.0065
table "report --at H:MM:SS.frac" "$tmp/want" report -n -r "$good" --at 0:00:00.006
want "$lis" "$cli TIME_WAIT"
table "report: the end of the capture, the server CLOSED" "$tmp/want" report -n -r "$good"
table "report --at just inside 2*MSL: still TIME_WAIT" "$tmp/want" report -n -r "$good" --at +60.0069
want "$lis"
table "report --at 2*MSL after the last segment: TIME_WAIT is over" "$tmp/want" report -n -r "$good" --at +60.007
table "report --msl 1 --at +2.007: a shorter TIME_WAIT" "$tmp/want" report -n -r "$good" --msl 1 --at +2.007
if command -v jq >/dev/null 2>&1; then
	# --at stops reading: the connection has seen only the first three segments.
	"$SYNFIN" report --json -r "$good" --at +0.0025 >"$tmp/json" 2>"$tmp/err"
	got=$(jq -r -s '[.[] | select(.type == "connection")] | map("\(.client_pkts)/\(.server_pkts) \(.why)") | join(",")' "$tmp/json" 2>&1)
	if [ "$got" = "2/1 end" ]; then
		ok "report --at stops reading at the first packet after the moment"
	else
		echo "connections (client/server packets, why): $got, want 2/1 end" >"$tmp/diff"
		bad "report --at stops reading at the first packet after the moment"
	fi
	: >"$tmp/diff"
	"$SYNFIN" report --json -r "$good" >"$tmp/json" 2>"$tmp/err"
	got=$(jq -c -s 'map(select(.type == "socket") | [.proto, .local, .foreign, .state, .["tcp.stream"], .endpoint])' "$tmp/json" 2>&1)
	want_json='[["tcp","198.51.100.2:80","0.0.0.0:*","LISTEN",null,null],["tcp","192.0.2.1:40000","198.51.100.2:80","TIME_WAIT",0,"client"]]'
	if [ "$got" = "$want_json" ]; then
		ok "report --json: socket objects"
	else
		{ echo "got:  $got"; echo "want: $want_json"; } >"$tmp/diff"
		bad "report --json: socket objects"
	fi
	: >"$tmp/diff"
else
	echo "skip report --json checks (no jq: make deps-test installs it)"
fi

# ss's state filters, on the loopback capture that ends mid-close.
lo=pcaps/loopback-partial-csum.pcap
lol="tcp   127.0.0.1:18473         0.0.0.0:*               LISTEN"
loc="tcp   127.0.0.1:53678         127.0.0.1:18473         FIN_WAIT1"
los="tcp   127.0.0.1:18473         127.0.0.1:53678         CLOSE_WAIT"
want "$lol" "$loc" "$los"
table "report: no filter shows every socket" "$tmp/want" report -n -r "$lo"
table "report state all" "$tmp/want" report -n -r "$lo" state all
want "$lol"
table "report state listening" "$tmp/want" report -n -r "$lo" state listening
table "report state listen (the older name)" "$tmp/want" report -n -r "$lo" state listen
want "$loc" "$los"
table "report exclude listening" "$tmp/want" report -n -r "$lo" exclude listening
table "report state connected" "$tmp/want" report -n -r "$lo" state connected
table "report state fin-wait-1 state close-wait (OR)" "$tmp/want" report -n -r "$lo" state fin-wait-1 state close-wait
want "$loc"
table "report state synchronized exclude close-wait" "$tmp/want" report -n -r "$lo" state synchronized exclude close-wait
want "$los"
table "report state CLOSE-WAIT (any case, as ss)" "$tmp/want" report -n -r "$lo" state CLOSE-WAIT
want
table "report state bucket: no SYN_RECV or TIME_WAIT here" "$tmp/want" report -n -r "$lo" state bucket
table "report state closed: a CLOSED endpoint has no socket" "$tmp/want" report -n -r "$lo" state closed

expect "report: an unknown state name: status 2, the names listed" 2 \
	"synfin report: unknown state 'bogus': the names are established, syn-sent, syn-recv," \
	report -n -r "$good" state bogus
expect "report: state without a name: status 2" 2 "synfin report: 'state' needs a state name" \
	report -n -r "$good" state
expect "report: a word that is not a filter: status 2" 2 "synfin report: 'port' is not a state filter" \
	report -n -r "$good" port 80
expect "report: a bad --at: status 2" 2 "synfin report: --at wants epoch seconds, +SECONDS or HH:MM:SS[.frac], not '25:00:00'" \
	report -n -r "$good" --at 25:00:00
expect "report: no -r" 2 "synfin report: no capture file: give one with -r FILE" report -n
expect "report: missing file: status 1" 1 "synfin: pcaps/no-such-file.pcap: cannot open: No such file or directory" \
	report -r pcaps/no-such-file.pcap
if [ -c /dev/full ]; then
	stdout_to=/dev/full
	expect "report: write to /dev/full" 4 "synfin: writing the output failed" report -n -r "$good"
	stdout_to=
fi

# --- ladder: stream selection, widths, bad arguments, the SVG ---------------------------------------

il=pcaps/ladder-interleaved.pcap
# para N FILE: the diagram of stream N in a ladder's text (each diagram is a paragraph).
para() { awk -v want="stream $1:" 'index($0, want) == 1 { on = 1 } on { print } on && /^$/ { exit }' "$2"; }
if [ -f pcaps/ladder-interleaved.ladder ]; then
	para 1 pcaps/ladder-interleaved.ladder >"$tmp/want"
	each "ladder STREAM: that stream's diagram, as in the whole" "$tmp/want" ladder --width 100 -r "$il" 1
	{ para 0 pcaps/ladder-interleaved.ladder; para 2 pcaps/ladder-interleaved.ladder; } >"$tmp/want"
	each "ladder 2 0 0: each once, in the order they finish" "$tmp/want" ladder --width 100 -r "$il" 2 0 0
	para 2 pcaps/ladder-interleaved.ladder >"$tmp/want"
	each "ladder: options may follow the streams" "$tmp/want" ladder -r "$il" 2 --width 100
fi
each "ladder --width 60: labels shortened, states whole" pcaps/ladder-interleaved.ladder-w60 \
	ladder --width 60 -r "$il"
each "ladder --rows 2: the first and last 2 segments, the gap counted" pcaps/ladder-interleaved.ladder-rows2 \
	ladder --width 100 --rows 2 -r "$il"
(COLUMNS=60 && export COLUMNS && "$SYNFIN" ladder -r "$il" >"$tmp/want" 2>&1)
if cmp -s pcaps/ladder-interleaved.ladder-w60 "$tmp/want"; then ok "ladder takes its width from \$COLUMNS"; else
	diff -u pcaps/ladder-interleaved.ladder-w60 "$tmp/want" >"$tmp/diff"; bad "ladder takes its width from \$COLUMNS"; fi
: >"$tmp/diff"
"$SYNFIN" ladder --width 80 -r "$il" >"$tmp/want" 2>&1
(unset COLUMNS; "$SYNFIN" ladder -r "$il" </dev/null >"$tmp/out" 2>&1)
if cmp -s "$tmp/want" "$tmp/out"; then ok "ladder without --width, \$COLUMNS or a terminal: 80 columns"; else
	diff -u "$tmp/want" "$tmp/out" >"$tmp/diff"; bad "ladder without --width, \$COLUMNS or a terminal: 80 columns"; fi
: >"$tmp/diff"
for w in 40 60 100; do
	"$SYNFIN" ladder --ascii --width $w -r "$il" >"$tmp/out" 2>&1
	long=$(awk -v w=$w 'length > w' "$tmp/out" | head -n 3)
	if [ -z "$long" ]; then ok "ladder --ascii --width $w: no line wider"; else
		echo "$long" >"$tmp/diff"; bad "ladder --ascii --width $w: no line wider"; fi
	: >"$tmp/diff"
done
if "$SYNFIN" ladder -S --width 100 -r "$good" | grep -q ' S seq 1000 '; then ok "ladder -S: absolute numbers"; else
	echo "no 'S seq 1000' arrow" >"$tmp/diff"; bad "ladder -S: absolute numbers"; fi
: >"$tmp/diff"
if [ -f pcaps/link-en10mb-ipv4-handshake.svg ]; then
	each "ladder --svg - writes the SVG to standard output" pcaps/link-en10mb-ipv4-handshake.svg \
		ladder --svg - -r "$good"
fi

expect "ladder: a word that is not a stream number: status 2" 2 "synfin ladder: 'x' is not a stream number" \
	ladder -r "$good" x
expect "ladder: a fraction is not a stream number" 2 "synfin ladder: '1.5' is not a stream number" \
	ladder -r "$good" 1.5
expect "ladder: a stream number past 32 bits" 2 "synfin ladder: '4294967296' is not a stream number" \
	ladder -r "$good" 4294967296
expect "ladder: an empty stream number" 2 "synfin ladder: '' is not a stream number" ladder -r "$good" ""
expect "ladder: -1 is no stream" 2 "synfin ladder: unknown option -1" ladder -r "$good" -1
expect "ladder: --width below 40" 2 "synfin ladder: --width wants 40 to 1000 columns, not '39'" \
	ladder --width 39 -r "$good"
expect "ladder: --width not a number" 2 "synfin ladder: --width wants 40 to 1000 columns, not 'wide'" \
	ladder --width wide -r "$good"
expect "ladder: --rows 0" 2 "synfin ladder: --rows wants a count from 1 to 1000000, not '0'" \
	ladder --rows 0 -r "$good"
expect "ladder: no -r" 2 "synfin ladder: no capture file: give one with -r FILE" ladder 0
expect "ladder: a stream the capture lacks is named, status 0" 0 \
	"synfin ladder: $good: no stream 7 in the capture" ladder -r "$good" 7
expect "ladder --svg: a file that cannot be made: status 4" 4 \
	"synfin ladder: $tmp/no/such/dir.svg: cannot write: No such file or directory" \
	ladder --svg "$tmp/no/such/dir.svg" -r "$good"
expect "ladder --svg: missing capture, status 1, no SVG left behind" 1 \
	"synfin: pcaps/no-such-file.pcap: cannot open" ladder --svg "$tmp/gone.svg" -r pcaps/no-such-file.pcap
if [ -e "$tmp/gone.svg" ]; then echo "$tmp/gone.svg was left behind" >"$tmp/diff"; bad "ladder --svg: nothing read, nothing written"; else
	ok "ladder --svg: nothing read, nothing written"; fi
: >"$tmp/diff"
# ...but a file it did not create stays: an existing one, and a device (as root, removing
# /dev/full once deleted the device).
echo "kept" >"$tmp/there.svg"
"$SYNFIN" ladder --svg "$tmp/there.svg" -r pcaps/no-such-file.pcap >/dev/null 2>&1
if [ -e "$tmp/there.svg" ]; then ok "ladder --svg: an existing file is not removed"; else
	echo "$tmp/there.svg was removed" >"$tmp/diff"; bad "ladder --svg: an existing file is not removed"; fi
: >"$tmp/diff"
if [ -c /dev/full ]; then
	"$SYNFIN" ladder --svg /dev/full -r pcaps/no-such-file.pcap >/dev/null 2>&1
	if [ -c /dev/full ]; then ok "ladder --svg /dev/full with nothing read: the device stays"; else
		echo "/dev/full is gone" >"$tmp/diff"; bad "ladder --svg /dev/full with nothing read: the device stays"; fi
	: >"$tmp/diff"
fi
if [ -c /dev/full ]; then
	expect "ladder --svg /dev/full: status 4" 4 "synfin ladder: /dev/full: writing the SVG failed: No space left on device" \
		ladder --svg /dev/full -r "$good"
	stdout_to=/dev/full
	expect "ladder: write to /dev/full" 4 "synfin: writing the output failed" ladder -r "$good"
	stdout_to=
fi

# Every capture: the ladder ends as decode does (no crash under the sanitizers), and its SVG parses.
st=0
for f in pcaps/*.pcap pcaps/*.pcapng; do
	[ -f "$f" ] || continue
	"$SYNFIN" decode -n -r "$f" >/dev/null 2>&1
	want=$?
	for args in "--width 80" "--ascii --width 40 --rows 1 -S --nano"; do
		# shellcheck disable=SC2086 # args holds several words
		"$SYNFIN" ladder $args -r "$f" >/dev/null 2>&1
		got=$?
		[ "$got" = "$want" ] || { echo "$f: ladder $args: status $got, decode's $want" >>"$tmp/diff"; st=1; }
	done
	rm -f "$tmp/all.svg"
	"$SYNFIN" ladder --svg "$tmp/all.svg" -r "$f" >/dev/null 2>&1
	got=$?
	[ "$got" = "$want" ] || { echo "$f: ladder --svg: status $got, decode's $want" >>"$tmp/diff"; st=1; }
	# (A run that failed part-way, 3, still ends its document; 1 leaves none.)
	if { [ "$got" = 0 ] || [ "$got" = 3 ]; } && command -v xmllint >/dev/null 2>&1 &&
		! xmllint --noout "$tmp/all.svg" 2>>"$tmp/diff"; then
		echo "$f: ladder --svg: not well-formed XML" >>"$tmp/diff"
		st=1
	fi
done
verdict "ladder on every capture: decode's status, well-formed SVG" $st

# Tracking options.
# --max-conns: three interleaved connections through a pool of one must
# evict, and say how many.
if "$SYNFIN" decode -n --max-conns 1 -r pcaps/ladder-interleaved.pcap 2>"$tmp/err" >/dev/null &&
	grep -q 'connections evicted at the --max-conns cap of 1$' "$tmp/err"; then
	ok "--max-conns 1 evicts and says so"
else
	{ echo "stderr:"; cat "$tmp/err"; } >"$tmp/diff"
	bad "--max-conns 1 evicts and says so"
fi
: >"$tmp/diff"
# --idle-timeout: SYNs 1 s and 2 s apart become three connections at 0.5 s.
n=$("$SYNFIN" decode -n --idle-timeout 0.5 -r pcaps/state-syn-retransmit.pcap | grep -c 'client CLOSED->SYN_SENT')
if [ "$n" = 3 ]; then ok "--idle-timeout 0.5 splits idle SYN retries"; else
	echo "got $n new connections, want 3" >"$tmp/diff"
	bad "--idle-timeout 0.5 splits idle SYN retries"
fi
: >"$tmp/diff"
# --realtime: a capture spanning 3.04 s, ten times faster, cannot take less
# than 0.304 s (sleeping may run late, never early: a lower bound only).
t0=$(date +%s%N)
"$SYNFIN" decode -n --realtime=10 -r pcaps/state-syn-retransmit.pcap >/dev/null
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
if [ "$ms" -ge 304 ]; then ok "--realtime=10 paces a 3.04 s capture over at least 304 ms"; else
	echo "took $ms ms" >"$tmp/diff"
	bad "--realtime=10 paces a 3.04 s capture over at least 304 ms"
fi
: >"$tmp/diff"
expect "--realtime=0 is refused" 2 "synfin decode: --realtime wants a speed-up factor above 0" \
	decode -r "$good" --realtime=0
expect "--msl x is refused" 2 "synfin decode: --msl wants seconds" decode -r "$good" --msl x

# Help and version: status 0, on standard output.
"$SYNFIN" --version >"$tmp/out" 2>&1
case "$(cat "$tmp/out")" in
"synfin "[0-9]*) ok "--version" ;;
*) echo "got: $(cat "$tmp/out")" >"$tmp/diff"; bad "--version" ;;
esac
: >"$tmp/diff"
for h in "--help" "decode --help" "help decode" "report --help" "help report" "ladder --help" "help ladder"; do
	# shellcheck disable=SC2086 # h holds the words of the command line
	"$SYNFIN" $h >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" = 0 ] && grep -q '^usage: synfin' "$tmp/out" && [ ! -s "$tmp/err" ]; then
		ok "$h"
	else
		echo "exit $got; stdout: $(head -n 1 "$tmp/out")" >"$tmp/diff"
		bad "$h"
	fi
	: >"$tmp/diff"
done

[ "$updated" -gt 0 ] && echo "($updated golden files rewritten: review them with git diff pcaps/)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
