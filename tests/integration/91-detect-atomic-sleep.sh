#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite can fail: net/relay's canary makes a sleeping allocation under a
# spinlock and the kernel log check must catch DEBUG_ATOMIC_SLEEP's report.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

# UML selects ARCH_NO_PREEMPT, and DEBUG_ATOMIC_SLEEP depends on its absence:
# the x86 group proves this detector on the x86_64 relay.
grep -qx 'CONFIG_DEBUG_ATOMIC_SLEEP=y' "$(relay_kernel_config)" ||
	skip "CONFIG_DEBUG_ATOMIC_SLEEP cannot be set on UML (ARCH_NO_PREEMPT): proved in the x86 group"
need_canary atomic-sleep
expect_kernel_report 'sleeping function called from invalid context|scheduling while atomic'
