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
# Optional variants, run only when their golden file exists (to add one, create it empty and run
# with UPDATE=1):
#   pcaps/NAME.v.out     stdout of   decode -n -v      (checksum verdict on every line)
#   pcaps/NAME.nano.out  stdout of   decode -n --nano  (nanosecond time stamps)
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

for f in pcaps/*.pcap pcaps/*.pcapng; do
	[ -f "$f" ] || continue
	name=${f#pcaps/}
	name=${name%.pcap}
	name=${name%.pcapng}
	g=pcaps/$name
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

	for v in v nano; do
		[ -f "$g.$v.out" ] || continue
		flag=-v
		[ "$v" = nano ] && flag=--nano
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

if [ -f pcaps/link-en10mb-ipv4-handshake.out ]; then
	head -n 2 pcaps/link-en10mb-ipv4-handshake.out >"$tmp/want"
	each "-c 2 stops after two segments" "$tmp/want" decode -n -c 2 -r "$good"
	grep ' IP 192\.0\.2\.1\.' pcaps/link-en10mb-ipv4-handshake.out >"$tmp/want"
	each "filter 'src host 192.0.2.1'" "$tmp/want" decode -n -r "$good" src host 192.0.2.1
	cp pcaps/link-en10mb-ipv4-handshake.out "$tmp/want"
	each "-r - reads standard input" "$tmp/want" decode -n -r - <"$good"
	# -S: absolute numbers are what decode prints until tracking lands.
	each "-S prints the same absolute numbers" "$tmp/want" decode -n -S -r "$good"
	wc -l <pcaps/link-en10mb-ipv4-handshake.out | tr -d ' ' >"$tmp/want"
	each "--count prints the number of segments" "$tmp/want" decode --count -r "$good"
fi

# A filter on files that are not Ethernet: compiled for the file's own link type.
if [ -f pcaps/link-raw-101-ipv4-ipv6.out ]; then
	grep ' IP6 ' pcaps/link-raw-101-ipv4-ipv6.out >"$tmp/want"
	each "filter 'ip6' on a RAW pcap" "$tmp/want" decode -n -r pcaps/link-raw-101-ipv4-ipv6.pcap ip6
	cp pcaps/regress-pcapng-linktype-raw.out "$tmp/want"
	each "filter 'tcp' on a RAW pcapng" "$tmp/want" decode -n -r pcaps/regress-pcapng-linktype-raw.pcapng tcp
fi
expect "a filter the link type cannot take: status 2" 2 "synfin: pcaps/link-raw-101-ipv4-ipv6.pcap: bad filter expression" \
	decode -r pcaps/link-raw-101-ipv4-ipv6.pcap ether host 1:2:3:4:5:6

# Help and version: status 0, on standard output.
"$SYNFIN" --version >"$tmp/out" 2>&1
case "$(cat "$tmp/out")" in
"synfin "[0-9]*) ok "--version" ;;
*) echo "got: $(cat "$tmp/out")" >"$tmp/diff"; bad "--version" ;;
esac
: >"$tmp/diff"
for h in "--help" "decode --help" "help decode"; do
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
