#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary leaks an object on purpose and the
# kernel log check (kmemleak) must report it as a net/relay leak.  The
# detector tests run last: lockdep and KASAN report only once per boot.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_canary leak
expect_kernel_report 'net/relay leaked memory|nrelay_canary_leak'
# kmemleak reports objects older than 5 s.
sleep 6
