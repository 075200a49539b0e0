#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary reads past an allocation and the
# kernel log check must catch KASAN's report.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_canary oob
expect_kernel_report 'KASAN: slab-out-of-bounds'
