#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# net/relay's KUnit suites (CONFIG_NET_RELAY_KUNIT_TEST=m, built into
# net_relay.ko) ran when the module was loaded in the relay guest; read the
# KTAP of every nrelay suite from /sys/kernel/debug/kunit/SUITE/results and
# report each test case as a line of its own: kunit:SUITE:CASE.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

KUNIT_DIR=/sys/kernel/debug/kunit

need_relay
suites=$(gexec relay sh -c "cd $KUNIT_DIR 2>/dev/null && ls -d nrelay* net_relay* 2>/dev/null" || true)
[ -n "$suites" ] ||
	fail "no nrelay KUnit suite in $KUNIT_DIR of the relay guest (CONFIG_NET_RELAY_KUNIT_TEST=m and CONFIG_KUNIT_DEBUGFS=y in the debug kernel?)"

# ktap_cases: KTAP on stdin -> "STATUS<TAB>CASE<TAB>REASON" for each test
# case (the least indented ok/not ok lines below the suite's own line;
# parameterised cases report once, their parameters are deeper), plus
# "SUITE<TAB>STATUS" for the suite line.
ktap_cases()
{
	awk '
		function indent(s) { match(s, /^[ \t]*/); return RLENGTH }
		{ lines[NR] = $0 }
		/^[ \t]*(not )?ok [0-9]+ / {
			d = indent($0)
			if (d == 0) { suite = $0; next }
			if (min == 0 || d < min) min = d
		}
		END {
			diag = ""
			for (i = 1; i <= NR; i++) {
				l = lines[i]
				if (l !~ /^[ \t]*(not )?ok [0-9]+ /) {
					if (l ~ /EXPECTATION FAILED|ASSERTION FAILED|Expected|# [A-Za-z0-9_]+: / && l !~ /# Subtest:/ && diag == "") {
						diag = l; sub(/^[ \t#]*/, "", diag)
					}
					continue
				}
				d = indent(l)
				if (d != min || d == 0) { if (d > min) continue; diag = ""; continue }
				s = l; sub(/^[ \t]*/, "", s)
				st = (s ~ /^not ok/) ? "fail" : "ok"
				sub(/^(not )?ok [0-9]+ (- )?/, "", s)
				name = s; sub(/[ \t]*#.*$/, "", name)
				if (s ~ /#[ \t]*SKIP/) { st = "skip"; diag = s; sub(/^.*#[ \t]*SKIP[ \t]*/, "", diag) }
				printf "%s\t%s\t%s\n", st, name, diag
				diag = ""
			}
			if (suite != "")
				printf "SUITE\t%s\n", (suite ~ /^not ok/) ? "fail" : "ok"
		}'
}

bad=0
for suite in $suites; do
	ktap=$(gexec relay cat "$KUNIT_DIR/$suite/results") || fail "cannot read $KUNIT_DIR/$suite/results"
	echo "# $KUNIT_DIR/$suite/results:"
	echo "$ktap"
	cases=$(echo "$ktap" | ktap_cases)
	n=0
	while IFS=$'\t' read -r st name reason; do
		[ -n "$st" ] || continue
		if [ "$st" = SUITE ]; then
			if [ "$name" = fail ] && ! echo "$cases" | grep -q '^fail'; then
				result fail "kunit:$suite" "suite reported not ok"
				bad=1
			fi
			continue
		fi
		n=$((n + 1))
		case $st in
		ok) result ok "kunit:$suite:$name" ;;
		skip) result skip "kunit:$suite:$name" "${reason:-skipped by the test}" ;;
		*) result fail "kunit:$suite:$name" "${reason:-not ok}"; bad=1 ;;
		esac
	done <<< "$cases"
	if [ "$n" = 0 ]; then
		result fail "kunit:$suite" "no test case results in its KTAP"
		bad=1
	fi
done
exit "$bad"
