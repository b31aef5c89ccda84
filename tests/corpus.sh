#!/bin/sh
# tests/corpus.sh: the third-party corpus and our fixtures.
#  1. tests/corpus_diff compares synfin's decoder with tshark's oracle field
#     by field on every file of $SHARED/corpus (see tests/tshark_differences.tsv).
#  2. synfin decodes every corpus file and every pcaps/ fixture, as lines and
#     as JSON; a crash or a sanitizer finding (in a SAN= build) fails the run.
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
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
bad=0
for f in $(for x in $files; do echo "$corpus/$x"; done) pcaps/*.pcap pcaps/*.pcapng; do
	[ -f "$f" ] || continue
	for mode in -n --json; do
		n=$((n + 1))
		"$SYNFIN" decode $mode -r "$f" >/dev/null 2>"$tmp/err"
		rc=$?
		# 0 done, 1 unreadable (bad-input fixtures), 3 damaged part-way.
		case $rc in
		0 | 1 | 3) ;;
		*)
			echo "corpus: FAIL: synfin decode $mode -r $f exited $rc" >&2
			head -20 "$tmp/err" >&2
			bad=$((bad + 1))
			continue
			;;
		esac
		if grep -q -E 'runtime error|AddressSanitizer|LeakSanitizer' "$tmp/err"; then
			echo "corpus: FAIL: sanitizer finding on $f" >&2
			head -20 "$tmp/err" >&2
			bad=$((bad + 1))
		fi
	done
done
echo "corpus: $n decodes of $(echo "$files" | wc -l) corpus files and the pcaps/ fixtures, $bad failed"
if [ "$bad" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "corpus: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
