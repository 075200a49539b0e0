#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own KUnit runner on net/relay's .kunitconfig, in a build
# directory of its own (build/kunit): a UML kernel with just the tests,
# booted and parsed by kunit.py.  Slow (a kernel build): tests/run.sh runs
# it only with RELAYKIT_KUNIT_PY=1.
# relaykit-test: no-guests
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

TREE=$KIT/build/linux-source-6.1
"$KIT/scripts/kernel-tree.sh" || fail "scripts/kernel-tree.sh could not prepare $TREE"
[ -e "$TREE/net/relay/.kunitconfig" ] ||
	fail "net/relay/.kunitconfig missing (net-relay/.kunitconfig in the kit)"
cd "$TREE"
./tools/testing/kunit/kunit.py run --kunitconfig=net/relay --build_dir="$KIT/build/kunit" \
	--arch=um --jobs="$(nproc)" --timeout=300 || fail "kunit.py run failed (KTAP above)"
