#!/bin/sh
# bench/run.sh: `make bench`: synfin's decode and connection-tracking speed and peak memory
# against the libpcap floor, with tcpdump and tcptrace beside it.
#
# Environment:
#   SYNFIN            the program to measure (default build/synfin)
#   BENCH_SEGMENTS    packets in the large capture (default 2000000); the small one has a quarter
#   BENCH_RUNS        runs per measurement; the median time is reported (default 5)
#   BENCH_OPEN_SMALL  connections open at once in the small tracking capture (default 100000)
#   BENCH_OPEN_LARGE  the same in the large one (default 1000000; at most 1100000, the
#                     --max-conns every tracking run is given)
#   BENCH_MIX         connections in the `synfin craft synth --scenario mix --open-all`
#                     capture, the crafter's generator at scale (default 100000)
#
# synfin report reads and decodes on a second thread when the machine has two
# CPUs (cli/pipe_split.c); the "one thread" row is the same with
# SYNFIN_THREADS=1, for machines that have one.
#
# Needs build/bench/{gen,floor,peak,rawflood} (the Makefile's bench target builds
# them); the SYN-flood rows need root.
# The decode captures are made by bench/gen and kept in build/bench until gen
# changes. The tracking captures (`gen --open`: every connection opened
# first, then the data, then every close, OPEN_SEGS segments each) are 83 and
# 830 MB; they take seconds to make, so they are made anew on every run and
# removed when the script ends, however it ends.
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
BENCH_OPEN_SMALL=${BENCH_OPEN_SMALL:-100000}
BENCH_OPEN_LARGE=${BENCH_OPEN_LARGE:-1000000}
OPEN_SMALL=$B/open-small.pcap
OPEN_LARGE=$B/open-large.pcap
MIX=$B/mix-open.pcap
BENCH_MIX=${BENCH_MIX:-100000}
EMPTY=$B/empty.pcap
# Handshake, one data segment on average (gen varies it in pairs: 0 to 2),
# and the four of the close.
OPEN_SEGS=8
MAX_CONNS=1100000
TCPTRACE_LIMIT=120
RESULTS=$B/results.txt
TABLE=$B/results.txt.tmp

# Targets, as multiples of the floor's time.
TARGET_COUNT=1.5
TARGET_LINES=6
TARGET_JSON=10
TARGET_REPORT=2.5
# Connection tracking: bytes of peak RSS per connection open at once, above
# the baseline of an empty capture; the large file's whole peak (MiB, as the
# peak_MB columns); its time per packet as a multiple of the small file's.
TARGET_CONN_BYTES=256
TARGET_CONN_PEAK_MB=300
TARGET_CONN_SCALE=1.3

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
is_count "$BENCH_OPEN_SMALL" || die "BENCH_OPEN_SMALL must be a positive integer, not '$BENCH_OPEN_SMALL'"
is_count "$BENCH_OPEN_LARGE" || die "BENCH_OPEN_LARGE must be a positive integer, not '$BENCH_OPEN_LARGE'"
[ "$BENCH_OPEN_LARGE" -le "$MAX_CONNS" ] ||
	die "BENCH_OPEN_LARGE must be at most $MAX_CONNS (the --max-conns of the tracking runs)"
[ "$BENCH_SEGMENTS" -ge 28 ] || die "BENCH_SEGMENTS must be at least 28 (7 per connection, 4 files' worth)"
for t in "$SYNFIN" "$GEN" "$FLOOR" "$PEAK"; do
	[ -x "$t" ] || die "$t is missing: run 'make bench', which builds it"
done

# make_pcap FILE SEGMENTS CONNS [--open]: (re)generates FILE when it is
# missing, older than the generator, or was made with other arguments (kept
# in FILE.args). gen writes a temporary file first, so an interrupted run
# leaves no capture that looks finished.
make_pcap() {
	f=$1
	args="-n $2 -c $3${4:+ $4}"
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

# The tracking captures are large and cheap to make again: never left behind.
cleanup() {
	rm -f "$MIX" "$MIX.tmp"
	rm -f "$OPEN_SMALL" "$OPEN_SMALL.tmp" "$OPEN_SMALL.args" \
		"$OPEN_LARGE" "$OPEN_LARGE.tmp" "$OPEN_LARGE.args" "$EMPTY" "$TABLE"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
	record "$name" "$line"
}

# bounded NAME CMD...: as once, with CMD stopped by timeout(1) after
# TCPTRACE_LIMIT seconds; returns 1, recording nothing, when it ran out.
bounded() {
	name=$1
	shift
	rc=0
	line=$("$PEAK" timeout "$TCPTRACE_LIMIT" "$@" 2>>"$B/$name.err") || rc=$?
	if [ "$rc" = 124 ]; then
		printf ' %s=timeout' "$name" >&2
		return 1
	fi
	[ "$rc" = 0 ] || {
		echo >&2
		cat "$B/$name.err" >&2
		die "$name failed (${line:-peak did not report}): $*"
	}
	record "$name" "$line"
}

# record NAME PEAK_LINE: appends the seconds to NAME.times, keeps the largest
# peak RSS in NAME.kb.
record() {
	name=$1
	line=$2
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
have_tcptrace=0
command -v tcptrace >/dev/null 2>&1 && have_tcptrace=1
names="floor count lines json report report1 small-count small-lines small-json"
[ "$have_tcpdump" = 1 ] && names="$names tcpdump"
[ "$have_tcptrace" = 1 ] && names="$names tcptrace"
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
	once report "$SYNFIN" report -r "$BIG"
	once report1 env SYNFIN_THREADS=1 "$SYNFIN" report -r "$BIG"
	[ "$have_tcpdump" = 1 ] && once tcpdump env TZ=UTC tcpdump -nn -r "$BIG"
	[ "$have_tcptrace" = 1 ] && once tcptrace tcptrace -n "$BIG"
	once small-count "$SYNFIN" decode --count -r "$SMALL"
	once small-lines "$SYNFIN" decode -n -r "$SMALL"
	once small-json "$SYNFIN" decode --json -r "$SMALL"
	echo >&2
done
floor_s=$(median floor) floor_kb=$(cat "$B/floor.kb")
count_s=$(median count) count_kb=$(cat "$B/count.kb")
lines_s=$(median lines) lines_kb=$(cat "$B/lines.kb")
json_s=$(median json) json_kb=$(cat "$B/json.kb")
report_s=$(median report) report_kb=$(cat "$B/report.kb")
report1_s=$(median report1) report1_kb=$(cat "$B/report1.kb")
scount_kb=$(cat "$B/small-count.kb")
slines_kb=$(cat "$B/small-lines.kb")
sjson_kb=$(cat "$B/small-json.kb")
if [ "$have_tcpdump" = 1 ]; then
	tcpdump_s=$(median tcpdump) tcpdump_kb=$(cat "$B/tcpdump.kb")
fi
if [ "$have_tcptrace" = 1 ]; then
	tcptrace_s=$(median tcptrace) tcptrace_kb=$(cat "$B/tcptrace.kb")
fi

# --- connection tracking: every connection open at once ---------------------
#
# synfin report on captures holding BENCH_OPEN_SMALL and BENCH_OPEN_LARGE
# connections open at once, all with the same --max-conns, so both pay the
# same fixed costs; the baseline is the same command on a capture of no
# packets. tcptrace runs on the small capture only (on the large one it would
# need some 8 GB) and only while it finishes within TCPTRACE_LIMIT seconds.
open_small_segs=$((BENCH_OPEN_SMALL * OPEN_SEGS))
open_large_segs=$((BENCH_OPEN_LARGE * OPEN_SEGS))
make_pcap "$OPEN_SMALL" "$open_small_segs" "$BENCH_OPEN_SMALL" --open
make_pcap "$OPEN_LARGE" "$open_large_segs" "$BENCH_OPEN_LARGE" --open
# The pcap file header alone: a valid capture of no packets.
dd if="$OPEN_SMALL" of="$EMPTY" bs=24 count=1 2>/dev/null || die "cannot write $EMPTY"
for f in "$OPEN_SMALL" "$OPEN_LARGE"; do
	want=$open_small_segs
	[ "$f" = "$OPEN_LARGE" ] && want=$open_large_segs
	n=$("$FLOOR" "$f") || die "$FLOOR $f failed"
	n=${n%% *}
	[ "$n" = "$want" ] || die "$f holds $n packets, not $want"
done
cat "$OPEN_SMALL" "$OPEN_LARGE" >/dev/null

cnames="empty open-small open-large"
[ "$have_tcptrace" = 1 ] && cnames="$cnames tcptrace-empty tcptrace-open"
for n in $cnames; do
	: >"$B/$n.err"
	: >"$B/$n.times"
	echo 0 >"$B/$n.kb"
done
tt_open=$have_tcptrace # 1 while tcptrace on the small capture is still run
tt_note=""
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	i=$((i + 1))
	printf 'bench: tracking run %s/%s:' "$i" "$BENCH_RUNS" >&2
	once empty "$SYNFIN" report --max-conns "$MAX_CONNS" -r "$EMPTY"
	once open-small "$SYNFIN" report --max-conns "$MAX_CONNS" -r "$OPEN_SMALL"
	once open-large "$SYNFIN" report --max-conns "$MAX_CONNS" -r "$OPEN_LARGE"
	if [ "$tt_open" = 1 ]; then
		once tcptrace-empty tcptrace -n "$EMPTY"
		if ! bounded tcptrace-open tcptrace -n "$OPEN_SMALL"; then
			tt_open=0
			tt_note="did not finish in $TCPTRACE_LIMIT s"
		elif awk -v w="$wall" 'BEGIN { exit !(w > 20) }'; then
			tt_open=0 # slow: one run is enough to say so
		fi
	fi
	echo >&2
done
# The crafter's generator at scale: `synfin craft synth --scenario mix
# --open-all` (BENCH_MIX connections shaped like its `full` scenario, all open
# at once), the same report on it.
"$SYNFIN" craft synth --scenario mix --conns "$BENCH_MIX" --open-all -o "$MIX.tmp" \
	>/dev/null || die "craft synth --scenario mix failed"
mv "$MIX.tmp" "$MIX"
mix_segs=$("$FLOOR" "$MIX") || die "$FLOOR $MIX failed"
mix_segs=${mix_segs%% *}
: >"$B/mix.err"
: >"$B/mix.times"
echo 0 >"$B/mix.kb"
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	i=$((i + 1))
	once mix "$SYNFIN" report --max-conns "$MAX_CONNS" -r "$MIX"
done
mix_s=$(median mix) mix_kb=$(cat "$B/mix.kb")
empty_s=$(median empty) empty_kb=$(cat "$B/empty.kb")
osmall_s=$(median open-small) osmall_kb=$(cat "$B/open-small.kb")
olarge_s=$(median open-large) olarge_kb=$(cat "$B/open-large.kb")
if [ "$have_tcptrace" = 1 ] && [ -z "$tt_note" ]; then
	ttempty_kb=$(cat "$B/tcptrace-empty.kb")
	ttopen_s=$(median tcptrace-open) ttopen_kb=$(cat "$B/tcptrace-open.kb")
	ttopen_n=$(wc -l <"$B/tcptrace-open.times")
fi

# crow NAME CONNS PACKETS SECONDS RSS_KB BASE_KB BYTES_TARGET PEAK_TARGET: one
# line of the tracking table. B/conn is (RSS - BASE) / CONNS, judged against
# BYTES_TARGET; PEAK_TARGET judges the whole peak in MiB ("-": no target).
crow() {
	awk -v name="$1" -v n="$2" -v pk="$3" -v s="$4" -v kb="$5" -v base="$6" -v btgt="$7" \
		-v ptgt="$8" 'BEGIN {
		us = pk > 0 ? sprintf("%9.3f", s * 1e6 / pk) : sprintf("%9s", "-")
		per = n > 0 ? sprintf("%7.0f", (kb - base) * 1024 / n) : sprintf("%7s", "-")
		verdict = ""
		if (n > 0 && btgt != "-")
			verdict = sprintf("<= %s B/conn %s", btgt,
				(kb - base) * 1024 / n <= btgt + 0 ? "ok" : "MISSED")
		if (ptgt != "-")
			verdict = sprintf("%s, peak <= %s MB %s", verdict, ptgt,
				kb / 1024 <= ptgt + 0 ? "ok" : "MISSED")
		printf "%-28s %8d %9d %9.3f %s %8.1f %s   %s\n", name, n, pk, s, us, kb / 1024, per, verdict
	}'
}

# mem NAME SMALL_KB LARGE_KB: "constant" allows 1 MiB of noise (allocator
# arenas, libc's lazily touched pages), far below what keeping per-packet
# state for 4x the packets would add.
mem() {
	awk -v name="$1" -v s="$2" -v l="$3" 'BEGIN {
		printf "%-28s %9.1f %9.1f   %s\n", name, s / 1024, l / 1024, (l - s <= 1024) ? "ok" : "GREW"
	}'
}

# --- SYN flood: synfin craft send --flood against a raw socket and hping3 ----
#
# A bounded SYN flood to a closed port on 127.0.0.1 (the kernel answers each
# SYN with a RST) for FLOOD_SECONDS, with each of: build/bench/rawflood (one
# prebuilt SYN, sendto() on an IPPROTO_RAW socket in a loop: the floor),
# `synfin craft send --flood --duration FLOOD_SECONDS`, and `hping3 --flood
# -S`, stopped by `timeout FLOOD_SECONDS` and counted from the statistics it
# prints on SIGTERM (its start-up counts against it). SYNs per second are
# each tool's count over its own time, the median of BENCH_RUNS runs, round
# robin. Every run is bounded by timeout -k, so nothing outlives the script.
# Needs root (raw sockets); without it, or without hping3, the rows say so.
FLOOD_SECONDS=3
TARGET_FLOOD_RAW=0.9    # synfin's rate as a fraction of the raw loop's, at least
TARGET_FLOOD_HPING=1.2  # ... and as a multiple of hping3's
RAWFLOOD=$B/rawflood
flood_note=""
have_hping=0
command -v hping3 >/dev/null 2>&1 && have_hping=1
if [ "$(id -u)" -ne 0 ]; then
	flood_note="skipped: a SYN flood needs root (sudo make bench)"
elif [ ! -x "$RAWFLOOD" ]; then
	flood_note="skipped: $RAWFLOOD is missing (make bench builds it)"
fi

# flood_once NAME CMD...: runs CMD bounded by timeout; appends its SYNs per
# second, read from its output by flood_rate, to NAME.times.
flood_once() {
	name=$1
	shift
	timeout -k 2 $((FLOOD_SECONDS + 10)) "$@" >"$B/$name.out" 2>>"$B/$name.err" ||
		die "$name failed: $* ($(tail -n 1 "$B/$name.err"))"
	flood_record "$name" "$(flood_rate <"$B/$name.out")"
}

flood_record() {
	[ -n "$2" ] || die "$1: no count in its output ($(cat "$B/$1.out" "$B/$1.err"))"
	echo "$2" >>"$B/$1.times"
	printf ' %s=%s/s' "$1" "$2" >&2
}

# rawflood's "N packets in S s, ..." and synfin's "N packets transmitted in S s, ...".
flood_rate() {
	sed -n 's/^\([0-9]*\) packets \(transmitted \)\{0,1\}in \([0-9.]*\) s,.*/\1 \3/p' |
		awk '$2 > 0 { printf "%.0f\n", $1 / $2 }'
}

if [ -z "$flood_note" ]; then
	# A port nothing listens on (the kernel's own sockets, as report --kernel lists them).
	flood_port=9
	while "$SYNFIN" report --kernel -n "$flood_port" | grep -q LISTEN; do
		flood_port=$((flood_port + 1))
	done
	fnames="flood-raw flood-synfin"
	[ "$have_hping" = 1 ] && fnames="$fnames flood-hping"
	for n in $fnames; do
		: >"$B/$n.err"
		: >"$B/$n.times"
	done
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		i=$((i + 1))
		printf 'bench: SYN flood run %s/%s:' "$i" "$BENCH_RUNS" >&2
		flood_once flood-raw "$RAWFLOOD" -d "$FLOOD_SECONDS" -p "$flood_port"
		flood_once flood-synfin "$SYNFIN" craft send --to "127.0.0.1:$flood_port" \
			--flood --duration "$FLOOD_SECONDS"
		if [ "$have_hping" = 1 ]; then
			# timeout's 124 is the way hping3 --flood ends; its count is on stderr.
			timeout -k 2 "$FLOOD_SECONDS" hping3 --flood -S -p "$flood_port" 127.0.0.1 \
				>/dev/null 2>"$B/flood-hping.out" || true
			flood_record flood-hping "$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' \
				"$B/flood-hping.out" | awk -v s="$FLOOD_SECONDS" '{ printf "%.0f\n", $1 / s }')"
		fi
		echo >&2
	done
	flood_raw=$(median flood-raw)
	flood_synfin=$(median flood-synfin)
	[ "$have_hping" = 1 ] && flood_hping=$(median flood-hping)
fi

# flood_row NAME RATE TARGETS: one line of the SYN flood table; TARGETS "yes"
# judges synfin against the raw loop and hping3.
flood_row() {
	awk -v name="$1" -v r="$2" -v raw="$flood_raw" -v hp="${flood_hping:-0}" -v judge="$3" \
		-v traw="$TARGET_FLOOD_RAW" -v thp="$TARGET_FLOOD_HPING" 'BEGIN {
		xh = hp > 0 ? sprintf("%9.2f", r / hp) : sprintf("%9s", "-")
		verdict = ""
		if (judge == "yes") {
			verdict = sprintf(">= %sx raw %s", traw, r / raw >= traw ? "ok" : "MISSED")
			if (hp > 0)
				verdict = sprintf("%s, >= %sx hping3 %s", verdict, thp,
					r / hp >= thp ? "ok" : "MISSED")
		}
		printf "%-36s %10.0f %7.2f %s   %s\n", name, r, r / raw, xh, verdict
	}'
}

flood_table() {
	echo
	if [ -n "$flood_note" ]; then
		echo "SYN flood: $flood_note"
		return 0
	fi
	echo "SYN flood: $FLOOD_SECONDS s to closed port 127.0.0.1.$flood_port (RST answers);" \
		"SYNs/s = SYNs sent / seconds, median of $BENCH_RUNS runs"
	printf '%-36s %10s %7s %9s   %s\n' "command" "SYNs/s" "x raw" "x hping3" "target"
	flood_row "raw socket loop (bench/rawflood)" "$flood_raw" no
	flood_row "synfin craft send --flood" "$flood_synfin" yes
	if [ "$have_hping" = 1 ]; then
		flood_row "hping3 --flood -S" "$flood_hping" no
	else
		echo "hping3: not installed, skipped (make deps-bench installs it)"
	fi
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
	row "synfin report" "$report_s" "$report_kb" "$TARGET_REPORT"
	row "synfin report, one thread" "$report1_s" "$report1_kb" -
	if [ "$have_tcpdump" = 1 ]; then
		row "TZ=UTC tcpdump -nn" "$tcpdump_s" "$tcpdump_kb" -
	else
		echo "tcpdump: not installed, skipped (make deps-bench installs it)"
	fi
	if [ "$have_tcptrace" = 1 ]; then
		row "tcptrace -n" "$tcptrace_s" "$tcptrace_kb" -
	else
		echo "tcptrace: not installed, skipped (make deps-bench installs it)"
	fi
	echo
	echo "peak memory of synfin decode: $SMALL ($small_segs segments," \
		"$((small_bytes / 1048576)) MiB) vs $BIG ($packets, $((bytes / 1048576)) MiB)"
	printf '%-28s %9s %9s   %s\n' "command" "small_MB" "large_MB" "constant"
	mem "synfin decode --count" "$scount_kb" "$count_kb"
	mem "synfin decode -n" "$slines_kb" "$lines_kb"
	mem "synfin decode --json" "$sjson_kb" "$json_kb"
	echo
	echo "connection tracking: gen --open captures (every handshake, then the data, then every" \
		"close: all connections open at once, $OPEN_SEGS segments each);" \
		"synfin report --max-conns $MAX_CONNS -r FILE; B/conn = (peak RSS - that of a capture" \
		"of no packets) / connections"
	echo "small: $(basename "$OPEN_SMALL"), large: $(basename "$OPEN_LARGE"); synth mix:" \
		"synfin craft synth --scenario mix --conns $BENCH_MIX --open-all"
	printf '%-28s %8s %9s %9s %9s %8s %7s   %s\n' "command" "conns" "packets" "median_s" \
		"us/packet" "peak_MB" "B/conn" "target"
	crow "synfin report, no packets" 0 0 "$empty_s" "$empty_kb" 0 - -
	crow "synfin report, small" "$BENCH_OPEN_SMALL" "$open_small_segs" \
		"$osmall_s" "$osmall_kb" "$empty_kb" "$TARGET_CONN_BYTES" -
	crow "synfin report, large" "$BENCH_OPEN_LARGE" "$open_large_segs" \
		"$olarge_s" "$olarge_kb" "$empty_kb" "$TARGET_CONN_BYTES" "$TARGET_CONN_PEAK_MB"
	crow "synfin report, synth mix" "$BENCH_MIX" "$mix_segs" \
		"$mix_s" "$mix_kb" "$empty_kb" "$TARGET_CONN_BYTES" -
	awk -v a="$osmall_s" -v pa="$open_small_segs" -v b="$olarge_s" -v pb="$open_large_segs" \
		-v na="$BENCH_OPEN_SMALL" -v nb="$BENCH_OPEN_LARGE" -v tgt="$TARGET_CONN_SCALE" 'BEGIN {
		r = (b / pb) / (a / pa)
		printf "time per packet, %d vs %d connections open: %.2fx   <= %sx  %s\n", nb, na, r, tgt,
			r <= tgt + 0 ? "ok" : "MISSED"
	}'
	if [ "$have_tcptrace" = 0 ]; then
		echo "tcptrace: not installed, skipped (make deps-bench installs it)"
	elif [ -n "$tt_note" ]; then
		echo "tcptrace -n, small: $tt_note"
	else
		crow "tcptrace -n, small" "$BENCH_OPEN_SMALL" "$open_small_segs" \
			"$ttopen_s" "$ttopen_kb" "$ttempty_kb" - -
		awk -v kb="$ttopen_kb" -v base="$ttempty_kb" -v n="$BENCH_OPEN_SMALL" -v runs="$ttopen_n" \
			-v nb="$BENCH_OPEN_LARGE" 'BEGIN {
			printf "tcptrace: B/conn above its own run on no packets, median of %d runs;" \
				" not run on the large capture (that would take some %.1f GB)\n",
				runs, (kb - base) * 1024 / n * nb / 1e9 }'
	fi
	echo "tshark: not run on the tracking captures (its per-packet and per-connection state" \
		"takes gigabytes)"
	flood_table
} >"$TABLE"
mv "$TABLE" "$RESULTS"
echo
cat "$RESULTS"
echo
echo "bench: table written to $RESULTS"
