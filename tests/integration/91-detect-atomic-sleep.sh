#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary sleeps under a spinlock and the
# kernel log check must catch DEBUG_ATOMIC_SLEEP's report.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_canary atomic-sleep
expect_kernel_report 'sleeping function called from invalid context|scheduling while atomic'
