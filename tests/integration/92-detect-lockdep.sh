#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary takes two mutexes in both orders
# and the kernel log check must catch lockdep's report.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

# lockdep switches itself off at its first report (or a spinlock BUG).
stats=$(gexec relay cat /proc/lockdep_stats) || fail "no /proc/lockdep_stats in the relay guest (lockdep off?)"
grep -Eq 'debug_locks: +1' <<< "$stats" ||
	fail "lockdep is already off in the relay guest (an earlier kernel report switched it off): nothing to prove"
need_canary lock-order
expect_kernel_report 'possible circular locking dependency'
