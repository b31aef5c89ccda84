#!/bin/sh
# tests/zeek.sh: synfin's Zeek conn_state and history against the conn.log
# files Zeek's own test suite wrote ($SHARED/corpus/zeek/baselines), with the
# differences tests/zeek_differences.tsv explains. Extra arguments name
# baselines to run alone (e.g. core.tcp.missing-syn).
# Env: BUILD (build dir holding tests/zeek_conformance), SHARED.
set -u
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
index=$SHARED/corpus/zeek/baselines/INDEX.tsv
if [ ! -f "$index" ]; then
	echo "zeek: $index not found: Zeek's baselines must sit in \$SHARED/corpus/zeek (SHARED=$SHARED)" >&2
	exit 1
fi
SHARED=$SHARED exec "$BUILD/tests/zeek_conformance" -d tests/zeek_differences.tsv "$@"
