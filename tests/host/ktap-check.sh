#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit result reader (tests/lib/ktap.sh, used by kunit:nrelay) on
# synthetic KTAP: a complete passing suite passes; a suite whose plan
# promises more cases than reported (a crash, a case that never ran), a
# failing case, and an empty file all fail, the first two naming the case.
# (The reader kunit:nrelay had before counted the "ok" lines, so a suite cut
# short showed fewer passes and stayed green.) And the suites declared in
# net-relay/ are found.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/ktap.sh
source "$KIT/tests/lib/ktap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# suite PLAN LINE...: the KTAP of /sys/kernel/debug/kunit/demo/results.
suite()
{
	local plan=$1

	shift
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: demo\n    1..%s\n' "$plan"
	printf '    %s\n' "$@"
	printf '%s 1 demo\n' "$([[ " $* " == *"not ok"* ]] && echo "not ok" || echo ok)"
}

# check CASE WANT-RC WANT-LINE: ktap_cases on $work/ktap must exit WANT-RC
# (0 or "fail") and print WANT-LINE among its case lines.
check()
{
	local out rc=0

	out=$(ktap_cases "$work/ktap" 2> "$work/kunit.py.out") || rc=$?
	if [ "$2" = 0 ] && [ "$rc" != 0 ]; then
		cat "$work/kunit.py.out"
		fail "$1: ktap_cases exited $rc"
	fi
	[ "$2" = 0 ] || [ "$rc" != 0 ] || fail "$1: ktap_cases exited 0"
	[ -z "$3" ] || grep -qxF -- "$3" <<< "$out" ||
		fail "$1: no line '$3' in: $(printf '%s' "$out" | tr '\t\n' ' ;')"
}

suite 3 'ok 1 a' 'ok 2 b' 'ok 3 c # SKIP no device' > "$work/ktap"
check "a complete suite" 0 $'skip\tdemo:c'
suite 3 'ok 1 a' 'ok 2 b' > "$work/ktap"
check "a case that never reported" fail $'fail\tdemo:(case 3 missing)'
suite 3 'ok 1 a' 'not ok 2 b' 'ok 3 c' > "$work/ktap"
check "a failing case" fail $'fail\tdemo:b'
: > "$work/ktap"
check "no KTAP at all" fail ""

declared=$(ktap_declared_suites | sort | tr '\n' ' ')
want=$(grep -ho '&[a-z0-9_]*_suite' "$KIT"/net-relay/*_test.c | sort -u | wc -l)
n=$(echo "$declared" | wc -w)
((n > 0 && n == want)) || fail "ktap_declared_suites found '$declared', net-relay declares $want suites"
note "a short plan, a failing case and no KTAP fail; suites: $declared"
