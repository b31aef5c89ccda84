#!/bin/sh
# tests/corpus.sh: the third-party corpus and our fixtures.
#  1. tests/corpus_diff compares synfin's decoder with tshark's oracle field
#     by field on every file of $SHARED/corpus (see tests/tshark_differences.tsv).
#  2. synfin decodes every corpus file and every pcaps/ fixture, as lines and
#     as JSON, and reports on each (report -n, report --json, on two threads
#     and again on one, SYNFIN_THREADS=2 and 1, which must say the same); a crash or a sanitizer finding (in a SAN= build) fails the run,
#     and so does JSON output that jq cannot parse, or a status other than 0,
#     3 (damaged part-way) or, for the unreadable bad-* fixtures, 1.
#  3. tests/tshark.sh compares synfin's streams, tcp.completeness and every
#     tcp.analysis flag with tshark's, frame by frame (see
#     tests/tshark_analysis_differences.tsv).
#  4. tests/zeek.sh compares synfin's Zeek conn_state and history with the
#     conn.log files of Zeek's test suite (see tests/zeek_differences.tsv).
# Env: SYNFIN (program), BUILD (build dir holding tests/corpus_diff), SHARED.
set -u
SYNFIN=${SYNFIN:-build/synfin}
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
corpus=$SHARED/corpus
if [ ! -f "$corpus/INDEX.tsv" ]; then
	echo "corpus: $corpus/INDEX.tsv not found: the third-party corpus must sit in \$SHARED/corpus (SHARED=$SHARED)" >&2
	exit 1
fi
passed=0
failed=0
files=$(tail -n +2 "$corpus/INDEX.tsv" | cut -f1)

# shellcheck disable=SC2086
if "$BUILD/tests/corpus_diff" "$corpus" tests/tshark_differences.tsv $files; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi

# Sanitizers report through these exit codes; anything else is synfin's own.
ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=86:detect_leaks=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:exitcode=86}
export ASAN_OPTIONS UBSAN_OPTIONS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT
trap 'rm -rf "$tmp"; exit 143' TERM
if ! command -v jq >/dev/null 2>&1; then
	echo "corpus: jq is needed to check the JSON output (make deps-test installs it)" >&2
	exit 1
fi
n=0
bad=0
# Corpus names hold no spaces (INDEX.tsv); the list is split on newlines.
for f in $(for x in $files; do echo "$corpus/$x"; done) pcaps/*.pcap pcaps/*.pcapng; do
	[ -f "$f" ] || continue
	for mode in "decode -n" "decode --json" "report -n" "report --json"; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # mode holds the command and its flag
		SYNFIN_THREADS=2 "$SYNFIN" $mode -r "$f" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		# 0 done, 3 damaged part-way; 1 (unreadable) only where meant.
		case $rc/$f in
		0/* | 3/* | 1/pcaps/bad-* | 1/pcaps/regress-pcapng-*) ;;
		*)
			echo "corpus: FAIL: synfin $mode -r $f exited $rc" >&2
			head -20 "$tmp/err" >&2
			bad=$((bad + 1))
			continue
			;;
		esac
		if [ "${mode#* }" = --json ] && ! jq . "$tmp/out" >/dev/null 2>"$tmp/jq"; then
			echo "corpus: FAIL: invalid JSON from $f: $(head -n 1 "$tmp/jq")" >&2
			bad=$((bad + 1))
		fi
		if grep -q -E 'runtime error|AddressSanitizer|LeakSanitizer' "$tmp/err"; then
			echo "corpus: FAIL: sanitizer finding on $f" >&2
			head -20 "$tmp/err" >&2
			bad=$((bad + 1))
		fi
		# report reads and decodes on a thread of its own when it can
		# (cli/pipe_split.c; SYNFIN_THREADS=2 above makes it, whatever
		# the CPUs): on one thread it must say the same.
		[ "${mode%% *}" = report ] || continue
		n=$((n + 1))
		# shellcheck disable=SC2086
		SYNFIN_THREADS=1 "$SYNFIN" $mode -r "$f" >"$tmp/out1" 2>"$tmp/err1"
		if [ $? != "$rc" ] || ! cmp -s "$tmp/out" "$tmp/out1" || ! cmp -s "$tmp/err" "$tmp/err1"; then
			echo "corpus: FAIL: synfin $mode -r $f says otherwise on one thread" >&2
			diff "$tmp/out" "$tmp/out1" | head -10 >&2
			bad=$((bad + 1))
		fi
	done
done
echo "corpus: $n runs (decode and report) over $(echo "$files" | wc -l) corpus files and the pcaps/ fixtures, $bad failed"
if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
# 3. Streams, completeness and every tcp.analysis flag against tshark (tests/tshark.sh).
if BUILD=$BUILD SHARED=$SHARED sh tests/tshark.sh; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
# 4. Zeek's conn_state and history against Zeek's own conn.log files (tests/zeek.sh).
if BUILD=$BUILD SHARED=$SHARED sh tests/zeek.sh; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
echo "corpus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
