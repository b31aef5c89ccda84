#!/bin/sh
# fuzz/run.sh TARGET...: seeds fuzz/corpus/<target>/ from the pcaps, runs each libFuzzer target.
#
#   FUZZ_TIME=secs sh fuzz/run.sh build/fuzz/fuzz_frame build/fuzz/fuzz_tcp_opts
#
# Builds build/fuzz/seed when it is missing or older than its sources, seeds
# fuzz/corpus/fuzz_frame and fuzz/corpus/fuzz_tcp_opts from pcaps/*.pcap* and
# ../shared/corpus/**/*.pcap* (idempotent: seeds are named by content hash),
# then gives each target FUZZ_TIME seconds on fuzz/corpus/<target>/. Each
# target's log is build/fuzz/<target>.log; the number of runs and its last
# status line (cov, ft, corp, exec/s) are printed. Exits 1 if any target crashed, timed out or ran
# out of memory, after printing where libFuzzer saved the input.
set -u

FUZZ_TIME=${FUZZ_TIME:-60}
if [ $# -eq 0 ]; then
	echo "usage: FUZZ_TIME=secs sh fuzz/run.sh build/fuzz/TARGET..." >&2
	exit 2
fi

# Targets may be named relative to the caller; everything below runs from
# the repository root.
n=$#
for t; do
	case $t in
	/*) ;;
	*) t=$PWD/$t ;;
	esac
	set -- "$@" "$t"
done
shift "$n"
cd "$(dirname "$0")/.." || exit 1

seed=build/fuzz/seed
arts=build/fuzz/artifacts
mkdir -p build/fuzz "$arts" fuzz/corpus || exit 1

if [ ! -x "$seed" ] ||
	[ -n "$(find fuzz/seed.c fuzz/dlts.h decode -newer "$seed" 2>/dev/null | head -n 1)" ]; then
	echo "fuzz: building $seed"
	# shellcheck disable=SC2046 # pkg-config output is a list of words
	${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -O2 -g -I. \
		$(pkg-config --cflags libpcap 2>/dev/null) -o "$seed" fuzz/seed.c decode/*.c \
		$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap) || exit 1
fi

roots=""
for d in pcaps "${SHARED:-../shared}/corpus"; do
	[ -d "$d" ] && roots="$roots $d"
done
if [ -n "$roots" ]; then
	# The oracle's text files are named x.pcap.tsv and x.pcap.conv.txt.
	# shellcheck disable=SC2086 # roots holds plain directory names
	find $roots -type f -name '*.pcap*' ! -name '*.txt' ! -name '*.tsv' \
		-exec "$seed" fuzz/corpus/fuzz_frame fuzz/corpus/fuzz_tcp_opts {} + || exit 1
	# fuzz_capfile takes whole files: the small captures, named by content.
	mkdir -p fuzz/corpus/fuzz_capfile || exit 1
	# shellcheck disable=SC2086
	find $roots -type f -name '*.pcap*' ! -name '*.txt' ! -name '*.tsv' -size -65k |
		while read -r f; do
			h=$(cksum <"$f" | cut -d' ' -f1)
			[ -f "fuzz/corpus/fuzz_capfile/$h" ] || cp "$f" "fuzz/corpus/fuzz_capfile/$h"
		done
fi

fail=0
for t; do
	name=$(basename "$t")
	corpus=fuzz/corpus/$name
	log=build/fuzz/$name.log
	mkdir -p "$corpus" || exit 1
	echo "fuzz: $name: $(find "$corpus" -type f | wc -l | tr -d ' ') inputs in $corpus, ${FUZZ_TIME}s"
	maxlen=4096
	[ "$name" = fuzz_capfile ] && maxlen=65536
	"$t" -max_total_time="$FUZZ_TIME" -max_len="$maxlen" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$arts/$name-" "$corpus" >"$log" 2>&1
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	echo "fuzz: $name: ${runs:-?} runs; last status: ${last:-none (see $log)}"
	if [ "$rc" -ne 0 ]; then
		fail=1
		echo "fuzz: $name: FAILED (exit $rc), log $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz/)' "$log" | sed "s/^/fuzz: $name: /"
		# The target's own frames; libFuzzer's and libc's say nothing.
		grep -E '^ +#[0-9]+ 0x' "$log" |
			grep -vE 'fuzzer::|__sanitizer|libc\.so|libc_start|_start | in main ' | head -n 12
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")
		echo "fuzz: $name: artifact ${art:-none written (see $log)}"
	fi
done
exit "$fail"
