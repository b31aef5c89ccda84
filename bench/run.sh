#!/bin/sh
# bench/run.sh: `make bench`: synfin's decode speed and peak memory against the libpcap floor.
#
# Environment:
#   SYNFIN          the program to measure (default build/synfin)
#   BENCH_SEGMENTS  packets in the large capture (default 2000000); the small one has a quarter
#   BENCH_RUNS      runs per measurement; the median time is reported (default 5)
#
# Needs build/bench/{gen,floor,peak} (the Makefile's bench target builds them).
# The captures are made by bench/gen and kept in build/bench until gen changes.
# Times are wall clock with the capture in the page cache, so the floor is the
# cost of libpcap's read loop alone, not of the disk. Every command's output
# goes to /dev/null; its standard error goes to build/bench/<name>.err, its
# times and peak RSS to <name>.times and <name>.kb.
#
# The script reports; it does not assert: a missed target prints MISSED and
# the exit status is still 0. It exits 1 when a command fails or the
# captures are not what they should be, because then the numbers mean nothing.
set -eu

SYNFIN=${SYNFIN:-build/synfin}
BENCH_SEGMENTS=${BENCH_SEGMENTS:-2000000}
BENCH_RUNS=${BENCH_RUNS:-5}
B=build/bench
GEN=$B/gen
FLOOR=$B/floor
PEAK=$B/peak
BIG=$B/bench.pcap
SMALL=$B/bench-small.pcap
CONNS=20000
RESULTS=$B/results.txt
TABLE=$B/results.txt.tmp

# Targets, as multiples of the floor's time.
TARGET_COUNT=1.5
TARGET_LINES=6
TARGET_JSON=10

die() {
	echo "bench: $*" >&2
	exit 1
}

is_count() {
	case $1 in
	'' | *[!0-9]* | 0) return 1 ;;
	esac
	return 0
}

is_count "$BENCH_SEGMENTS" || die "BENCH_SEGMENTS must be a positive integer, not '$BENCH_SEGMENTS'"
is_count "$BENCH_RUNS" || die "BENCH_RUNS must be a positive integer, not '$BENCH_RUNS'"
[ "$BENCH_SEGMENTS" -ge 28 ] || die "BENCH_SEGMENTS must be at least 28 (7 per connection, 4 files' worth)"
for t in "$SYNFIN" "$GEN" "$FLOOR" "$PEAK"; do
	[ -x "$t" ] || die "$t is missing: run 'make bench', which builds it"
done

# make_pcap FILE SEGMENTS CONNS: (re)generates FILE when it is missing, older
# than the generator, or was made with other arguments (kept in FILE.args).
# gen writes a temporary file first, so an interrupted run leaves no capture
# that looks finished.
make_pcap() {
	f=$1
	args="-n $2 -c $3"
	if [ -f "$f" ] && [ -z "$(find "$GEN" -newer "$f")" ] &&
		[ "$(cat "$f.args" 2>/dev/null || true)" = "$args" ]; then
		return 0
	fi
	rm -f "$f" "$f.args"
	# shellcheck disable=SC2086 # args is a list of words on purpose
	"$GEN" -o "$f.tmp" $args || die "$GEN failed"
	mv "$f.tmp" "$f"
	echo "$args" >"$f.args"
}

mkdir -p "$B"
small_segs=$((BENCH_SEGMENTS / 4))
make_pcap "$BIG" "$BENCH_SEGMENTS" "$CONNS"
make_pcap "$SMALL" "$small_segs" $((CONNS / 4))
# gen gives each connection at least its 7 handshake and close packets.
conns=$CONNS
[ $((BENCH_SEGMENTS / 7)) -lt "$conns" ] && conns=$((BENCH_SEGMENTS / 7))

# Read both files once so every measured run finds them in the page cache.
cat "$BIG" "$SMALL" >/dev/null

# Other work on the machine (a fuzzer, a build) skews every number; say so.
load=unknown
if [ -r /proc/loadavg ]; then
	read -r load _ </proc/loadavg
	awk -v l="$load" 'BEGIN { exit !(l >= 0.5) }' &&
		echo "bench: note: load average is $load; other processes may skew the times" >&2
fi

# The generator's every packet is a TCP segment: the floor, synfin and the
# requested size must agree, or the rates below would be wrong.
packets=$("$FLOOR" "$BIG") || die "$FLOOR $BIG failed"
packets=${packets%% *}
[ "$packets" = "$BENCH_SEGMENTS" ] || die "$BIG holds $packets packets, not $BENCH_SEGMENTS"
segs=$("$SYNFIN" decode --count -r "$BIG") || die "$SYNFIN decode --count -r $BIG failed"
[ "$segs" = "$packets" ] || die "synfin counted $segs segments in $BIG, not $packets"
bytes=$(wc -c <"$BIG")
small_bytes=$(wc -c <"$SMALL")

# once NAME CMD...: runs CMD once under peak; appends its seconds to
# NAME.times and keeps the largest peak RSS (KiB) in NAME.kb.
once() {
	name=$1
	shift
	line=$("$PEAK" "$@" 2>>"$B/$name.err") || {
		echo >&2
		cat "$B/$name.err" >&2
		die "$name failed (${line:-peak did not report}): $*"
	}
	wall=${line#wall_s=}
	wall=${wall%% *}
	kb=${line#*maxrss_kb=}
	kb=${kb%% *}
	echo "$wall" >>"$B/$name.times"
	old=$(cat "$B/$name.kb")
	[ "$kb" -gt "$old" ] && echo "$kb" >"$B/$name.kb"
	printf ' %s=%s' "$name" "$wall" >&2
}

# median NAME: the median of NAME.times.
median() {
	sort -n "$B/$1.times" | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# row NAME SECONDS RSS_KB TARGET: one line of the table (TARGET "-" for none).
row() {
	awk -v name="$1" -v s="$2" -v kb="$3" -v tgt="$4" -v floor="$floor_s" -v pk="$packets" 'BEGIN {
		ratio = s / floor
		verdict = ""
		if (tgt != "-")
			verdict = sprintf("<= %sx  %s", tgt, ratio <= tgt + 0 ? "ok" : "MISSED")
		printf "%-28s %9.3f %12.0f %8.2f %8.1f   %s\n", name, s, pk / s, ratio, kb / 1024, verdict
	}'
}

have_tcpdump=0
command -v tcpdump >/dev/null 2>&1 && have_tcpdump=1
names="floor count lines json small-count small-lines small-json"
[ "$have_tcpdump" = 1 ] && names="$names tcpdump"
for n in $names; do
	: >"$B/$n.err"
	: >"$B/$n.times"
	echo 0 >"$B/$n.kb"
done

# Round robin, not all runs of one command in a row: a burst of load from
# elsewhere then spreads over every command instead of skewing one of them.
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	i=$((i + 1))
	printf 'bench: run %s/%s:' "$i" "$BENCH_RUNS" >&2
	once floor "$FLOOR" "$BIG"
	once count "$SYNFIN" decode --count -r "$BIG"
	once lines "$SYNFIN" decode -n -r "$BIG"
	once json "$SYNFIN" decode --json -r "$BIG"
	[ "$have_tcpdump" = 1 ] && once tcpdump env TZ=UTC tcpdump -nn -r "$BIG"
	once small-count "$SYNFIN" decode --count -r "$SMALL"
	once small-lines "$SYNFIN" decode -n -r "$SMALL"
	once small-json "$SYNFIN" decode --json -r "$SMALL"
	echo >&2
done
floor_s=$(median floor) floor_kb=$(cat "$B/floor.kb")
count_s=$(median count) count_kb=$(cat "$B/count.kb")
lines_s=$(median lines) lines_kb=$(cat "$B/lines.kb")
json_s=$(median json) json_kb=$(cat "$B/json.kb")
scount_kb=$(cat "$B/small-count.kb")
slines_kb=$(cat "$B/small-lines.kb")
sjson_kb=$(cat "$B/small-json.kb")
if [ "$have_tcpdump" = 1 ]; then
	tcpdump_s=$(median tcpdump) tcpdump_kb=$(cat "$B/tcpdump.kb")
fi

# mem NAME SMALL_KB LARGE_KB: "constant" allows 1 MiB of noise (allocator
# arenas, libc's lazily touched pages), far below what keeping per-packet
# state for 4x the packets would add.
mem() {
	awk -v name="$1" -v s="$2" -v l="$3" 'BEGIN {
		printf "%-28s %9.1f %9.1f   %s\n", name, s / 1024, l / 1024, (l - s <= 1024) ? "ok" : "GREW"
	}'
}

{
	echo "synfin bench: $BIG: $packets TCP segments, $((bytes / 1048576)) MiB," \
		"$conns connections, IPv4 and IPv6 half each"
	echo "host: $(uname -sm), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores," \
		"load average at start $load; median of $BENCH_RUNS runs, capture in the page cache," \
		"output to /dev/null"
	echo
	printf '%-28s %9s %12s %8s %8s   %s\n' "command" "median_s" "packets/s" "x floor" "peak_MB" "target"
	row "floor (pcap_next_ex only)" "$floor_s" "$floor_kb" -
	row "synfin decode --count" "$count_s" "$count_kb" "$TARGET_COUNT"
	row "synfin decode -n" "$lines_s" "$lines_kb" "$TARGET_LINES"
	row "synfin decode --json" "$json_s" "$json_kb" "$TARGET_JSON"
	if [ "$have_tcpdump" = 1 ]; then
		row "TZ=UTC tcpdump -nn" "$tcpdump_s" "$tcpdump_kb" -
	else
		echo "tcpdump: not installed, skipped (make deps-bench installs it)"
	fi
	echo
	echo "peak memory of synfin decode: $SMALL ($small_segs segments," \
		"$((small_bytes / 1048576)) MiB) vs $BIG ($packets, $((bytes / 1048576)) MiB)"
	printf '%-28s %9s %9s   %s\n' "command" "small_MB" "large_MB" "constant"
	mem "synfin decode --count" "$scount_kb" "$count_kb"
	mem "synfin decode -n" "$slines_kb" "$lines_kb"
	mem "synfin decode --json" "$sjson_kb" "$json_kb"
} >"$TABLE"
mv "$TABLE" "$RESULTS"
echo
cat "$RESULTS"
echo
echo "bench: table written to $RESULTS"
