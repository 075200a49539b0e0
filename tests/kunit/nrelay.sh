#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# net/relay's KUnit suites (CONFIG_NET_RELAY_KUNIT_TEST=m, built into
# net_relay.ko) ran when the module was loaded in the relay guest: every
# suite net-relay/*_test.c declares must have results in
# /sys/kernel/debug/kunit/SUITE/results, read by kunit.py parse
# (tests/lib/ktap.sh); each test case is reported as a line of its own,
# kunit:SUITE:CASE.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/ktap.sh
source "$(dirname "$0")/../lib/ktap.sh"

KUNIT_DIR=/sys/kernel/debug/kunit

need_relay
suites=$(ktap_declared_suites)
[ -n "$suites" ] || fail "no KUnit suite declared in net-relay/*_test.c"
ktap=$(mktemp)
trap 'rm -f "$ktap"' EXIT

bad=0
for suite in $suites; do
	if ! gexec relay cat "$KUNIT_DIR/$suite/results" > "$ktap"; then
		result fail "kunit:$suite" "no $KUNIT_DIR/$suite/results in the relay guest: the suite did not run (CONFIG_NET_RELAY_KUNIT_TEST=m and CONFIG_KUNIT_DEBUGFS=y in the debug kernel?)"
		bad=1
		continue
	fi
	echo "# $KUNIT_DIR/$suite/results:"
	cat "$ktap"
	rc=0
	# kunit.py's report goes to this test's log (stderr).
	cases=$(ktap_cases "$ktap") || rc=$?
	any_fail=0
	n=0
	while IFS=$'\t' read -r st name; do
		[ -n "$st" ] || continue
		n=$((n + 1))
		case $st in
		ok) result ok "kunit:$name" ;;
		skip) result skip "kunit:$name" "skipped by the test" ;;
		*) result fail "kunit:$name" "not ok (kunit.py parse above)"; any_fail=1 ;;
		esac
	done <<< "$cases"
	if ((n == 0)); then
		result fail "kunit:$suite" "no test case results in its KTAP"
		any_fail=1
	elif ((rc != 0 && any_fail == 0)); then
		result fail "kunit:$suite" "kunit.py parse found the KTAP incomplete or failing (above)"
		any_fail=1
	fi
	((any_fail == 0)) || bad=1
done
exit "$bad"
