#!/bin/sh
# tests/tshark.sh: synfin's streams, completeness and sequence analysis against tshark 4.0.
#
# For every capture of $SHARED/corpus (INDEX.tsv), $BUILD/tests/tshark_analysis runs synfin's
# pipeline and compares each frame with tshark's tcp.stream, tcp.completeness and tcp.analysis.*
# fields (differences understood are in tests/tshark_analysis_differences.tsv). The oracle in
# $SHARED/corpus/oracle holds four of the flags; the others come from running tshark here, with
# the oracle's preferences, into a temporary directory. Without tshark 4.0 that part is skipped
# and said so. Env: BUILD (build dir), SHARED.
set -u
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
corpus=$SHARED/corpus
if [ ! -f "$corpus/INDEX.tsv" ]; then
	echo "tshark: $corpus/INDEX.tsv not found: the third-party corpus must sit in \$SHARED/corpus (SHARED=$SHARED)" >&2
	exit 1
fi
files=$(tail -n +2 "$corpus/INDEX.tsv" | cut -f1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT
trap 'rm -rf "$tmp"; exit 143' TERM

# The oracle's reading: tshark 4.0.17, one pass, analysis on, absolute numbers, no IP reassembly.
flags=-
version=$(tshark -v 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9.]*\).*/\1/p')
case $version in
4.0.*)
	FIELDS="frame.number tcp.stream tcp.completeness"
	for f in reused_ports retransmission out_of_order duplicate_ack zero_window_probe zero_window \
		lost_segment keep_alive window_update window_full keep_alive_ack zero_window_probe_ack \
		ack_lost_segment spurious_retransmission fast_retransmission duplicate_ack_num; do
		FIELDS="$FIELDS tcp.analysis.$f"
	done
	E=""
	for f in $FIELDS; do E="$E -e $f"; done
	export corpus tmp E
	# One tshark per file, as many at once as there are processors.
	# shellcheck disable=SC2016
	if ! printf '%s\n' "$files" | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c '
		mkdir -p "$(dirname "$tmp/$1")"
		tshark -n -r "$corpus/$1" -o tcp.analyze_sequence_numbers:TRUE \
			-o tcp.desegment_tcp_streams:TRUE -o tcp.check_checksum:FALSE \
			-o tcp.relative_sequence_numbers:FALSE -o ip.defragment:FALSE \
			-o ipv6.defragment:FALSE -Y tcp -T fields -E header=y -E separator=/t \
			-E occurrence=a -E aggregator=, $E >"$tmp/$1.tsv" 2>"$tmp/$1.err"
		# tshark says 2 when a capture ends in a cut record; the rows before it stand.
		[ -s "$tmp/$1.tsv" ] || { echo "tshark: no output for $1:" >&2; cat "$tmp/$1.err" >&2; exit 1; }
	' sh {}; then
		echo "tshark: FAIL: running tshark on the corpus" >&2
		exit 1
	fi
	flags=$tmp
	;;
"")
	echo "tshark: not installed: comparing only the oracle's fields (tcp.stream, tcp.completeness, retransmission, out_of_order, duplicate_ack, reused_ports); the other 11 flags and the dup-ACK number are skipped (make deps-test installs tshark)"
	;;
*)
	echo "tshark: version $version is not 4.0, whose analysis the oracle and synfin follow: comparing only the oracle's fields; the other 11 flags and the dup-ACK number are skipped"
	;;
esac
# shellcheck disable=SC2086
"$BUILD/tests/tshark_analysis" "$corpus" tests/tshark_analysis_differences.tsv "$flags" $files
