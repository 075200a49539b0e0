#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary leaks an object on purpose and the
# kernel log check (kmemleak) must report it as a net/relay leak.  The
# detector tests run last: lockdep and KASAN report only once per boot.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

# A stale copy of a pointer (an unused part of some task's stack) hides a
# leak from kmemleak now and then: leak a few, one report is enough.
for _ in 1 2 3 4 5; do
	need_canary leak
done
expect_kernel_report 'net/relay leaked memory|nrelay_canary_leak'
# kmemleak reports objects older than 5 s.
sleep 6
