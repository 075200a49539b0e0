#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary takes two mutexes in both orders
# and the kernel log check must catch lockdep's report.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_canary lock-order
expect_kernel_report 'possible circular locking dependency'
