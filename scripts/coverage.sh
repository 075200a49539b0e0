#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make coverage: line coverage of net/relay by the test suite.
#
#   scripts/coverage.sh [--report-only] [PATTERN...]
#
# Runs tests/run.sh (default patterns: "kunit:" "integration:") on the
# suite's own topology (uml/topology/test.topo: KUnit runs at every insmod,
# the relay on the debug kernel, whose net_relay.ko is built with
# GCOV_PROFILE := y under CONFIG_GCOV_KERNEL), in one lane: the counts of
# one relay guest are the whole suite's (`make test TEST_JOBS=1` collects
# the same; a parallel make test only one lane's).  The suite's last stability
# test, integration:stab-gcov-collect, copies the module's .gcda files out
# of the guest into run/coverage/gcda/; this script pairs them with the
# .gcno files of build/uml-debug/net/relay and makes, with lcov:
#
#   run/coverage/html/index.html   the HTML report
#   run/coverage/net-relay.info    the lcov trace
#   run/coverage/uncovered.txt     every line never run, FILE:LINE
#
# and prints one line: "net/relay line coverage: P% (HIT of LINES lines)".
# Test-only code (*_test.c and nrelay_test.h, the KUnit tests; canary.c,
# the detectors' fault canaries, fired by tests 90-93 after the counts were
# taken) is left out of the figure.  Exit status: 1 when the suite failed
# or the coverage is below COVERAGE_MIN percent (default 90).
#
# --report-only: no test run, only the report from run/coverage/gcda/.

set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
OUT=$KIT/run/coverage
OBJ=$(kernel_dir debug)/net/relay
COVERAGE_MIN=${COVERAGE_MIN:-90}

report_only=0
if [ "${1:-}" = --report-only ]; then
	report_only=1
	shift
fi
(($#)) || set -- kunit: integration:

for tool in lcov genhtml gcov; do
	command -v "$tool" > /dev/null || rk_die "$tool is not installed (make deps)"
done
ls "$OBJ"/*.gcno > /dev/null 2>&1 ||
	rk_die "no .gcno files in $OBJ: build the debug kernel with CONFIG_GCOV_KERNEL (make kernel-debug)"

suite_rc=0
if [ "$report_only" = 0 ]; then
	rm -rf "$OUT/gcda"
	"$KIT/tests/run.sh" -j 1 "$@" || suite_rc=$?
fi
ls "$OUT"/gcda/*.gcda > /dev/null 2>&1 ||
	rk_die "no gcov data in $OUT/gcda: integration:stab-gcov-collect did not run or failed (see run/test-logs/latest/)"

# gcov wants each .gcda next to its .gcno; the .gcno name the sources by
# their absolute path in build/linux-source-6.1.
data=$OUT/data
rm -rf "$data" "$OUT/html"
mkdir -p "$data"
cp "$OBJ"/*.gcno "$OUT"/gcda/*.gcda "$data/"
log=$OUT/lcov.log
if ! lcov --quiet --capture --directory "$data" --output-file "$OUT/all.info" > "$log" 2>&1; then
	grep -q 'stamp mismatch' "$log" &&
		rk_die "the counts come from another build of net_relay.ko than the .gcno files in $OBJ (rebuilt since the test run?): run make coverage again"
	rk_die "lcov --capture failed (see $log)"
fi
lcov --quiet --remove "$OUT/all.info" '*_test.c' '*/nrelay_test.h' '*/canary.c' '*/include/*' '*/arch/*' \
	--output-file "$OUT/net-relay.info" >> "$log" 2>&1 || rk_die "lcov --remove failed (see $log)"
genhtml --quiet --output-directory "$OUT/html" --title "net/relay" "$OUT/net-relay.info" >> "$log" 2>&1 ||
	rk_die "genhtml failed (see $log)"

# Uncovered lines and the total, from the trace: SF:file, DA:line,count.
awk -F'[:,]' '
	$1 == "SF" { file = $2; sub(/.*\/net\/relay\//, "net/relay/", file) }
	$1 == "DA" { lines++; if ($3 > 0) hit++; else print file ":" $2 > "/dev/stderr" }
	END { printf "%d %d\n", hit, lines }' "$OUT/net-relay.info" 2> "$OUT/uncovered.txt" > "$OUT/total"
read -r hit lines < "$OUT/total"
((lines > 0)) || rk_die "no line of net/relay in the trace (see $log)"
pct=$(awk -v h="$hit" -v l="$lines" 'BEGIN { printf "%.1f", 100 * h / l }')

echo "uncovered lines (run/coverage/uncovered.txt), per file:"
awk -F: '{ n[$1]++; l[$1] = l[$1] (l[$1] ? "," : "") $2 } END { for (f in n) printf "  %-24s %3d: %s\n", f, n[f], l[f] }' \
	"$OUT/uncovered.txt" | sort | cut -c1-200
echo "report: run/coverage/html/index.html"
echo "net/relay line coverage: $pct% ($hit of $lines lines)"

[ "$suite_rc" = 0 ] || rk_die "the test suite failed (exit $suite_rc): the coverage covers what ran"
awk -v p="$pct" -v m="$COVERAGE_MIN" 'BEGIN { exit !(p >= m) }' ||
	rk_die "line coverage $pct% is below the target of $COVERAGE_MIN%"
