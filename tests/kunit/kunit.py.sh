#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own KUnit runner on net/relay's .kunitconfig, in a build
# directory of its own (build/kunit): a UML kernel with just the tests,
# booted and parsed by kunit.py (scripts/kunit-py.sh run). Its kernel (8.5
# minutes cold on 2 cores) is built in the background while the other tests
# run (tests/lib/prebuild.sh); RELAYKIT_KUNIT_PY=0 leaves it out.
# relaykit-test: no-guests
# relaykit-test: needs=kunit
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

out=$("$KIT/scripts/kunit-py.sh" run 2>&1) || {
	echo "$out"
	fail "kunit.py run failed (KTAP above)"
}
echo "$out"
summary=$(echo "$out" | grep -o 'Ran [0-9]* tests: passed: [0-9]*.*' | tail -n 1)
[ -n "$summary" ] || fail "kunit.py printed no 'Ran N tests' summary"
note "kunit.py: $summary"
