#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own KUnit runner on net/relay's suites: kunit.py config
# checks that net/relay's .kunitconfig resolves, then kunit.py exec boots
# the release kernel, which has the suites linked in and off until
# kunit.enable=1, and parses their KTAP (scripts/kunit-py.sh). The release
# kernel is built in the background while the other tests run
# (tests/lib/prebuild.sh); RELAYKIT_KUNIT_PY=0 leaves this test out.
# relaykit-test: no-guests
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

out=$("$KIT/scripts/kunit-py.sh" 2>&1) || {
	echo "$out"
	fail "kunit.py failed (KTAP above)"
}
echo "$out"
summary=$(echo "$out" | grep -o 'Ran [0-9]* tests: passed: [0-9]*.*' | tail -n 1)
[ -n "$summary" ] || fail "kunit.py printed no 'Ran N tests' summary"
note "kunit.py: $summary"
