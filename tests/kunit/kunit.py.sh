#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own KUnit runner on net/relay's .kunitconfig, in a build
# directory of its own (build/kunit): a UML kernel with just the tests,
# booted and parsed by kunit.py.  A kernel build of its own (8.5 minutes
# cold on 2 cores, seconds after that); RELAYKIT_KUNIT_PY=0 leaves it out.
# relaykit-test: no-guests
# relaykit-test: timeout=1500
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

TREE=$KIT/build/linux-source-6.1
"$KIT/scripts/kernel-tree.sh" || fail "scripts/kernel-tree.sh could not prepare $TREE"
[ -e "$TREE/net/relay/.kunitconfig" ] ||
	fail "net/relay/.kunitconfig missing (net-relay/.kunitconfig in the kit)"
# kunit.py runs make itself: hand it the kit's compiler (ccache, with the
# settings that let a clone elsewhere share the cache).
# shellcheck source=../../scripts/ccache.sh
source "$KIT/scripts/ccache.sh"
cd "$TREE"
out=$(./tools/testing/kunit/kunit.py run --kunitconfig=net/relay --build_dir="$KIT/build/kunit" \
	--arch=um --jobs="$(nproc)" --timeout=300 --make_options "CC=$KCC" 2>&1) || {
	echo "$out"
	fail "kunit.py run failed (KTAP above)"
}
echo "$out"
summary=$(echo "$out" | grep -o 'Ran [0-9]* tests: passed: [0-9]*.*' | tail -n 1)
[ -n "$summary" ] || fail "kunit.py printed no 'Ran N tests' summary"
note "kunit.py: $summary"
