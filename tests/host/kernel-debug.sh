#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug kernel (build/uml-debug) is built with net_relay as a module,
# its KUnit tests inside, and the detectors the kernel log check relies on.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

B=$(kernel_dir debug)
[ -x "$(kernel_image debug)" ] || fail "$(kernel_image debug) missing: run make"
[ -f "$B/.config" ] || fail "$B/.config missing"
ko=$(kernel_module debug)
[ -f "$ko" ] || fail "$ko missing"

# need SYMBOL VALUE: .config has CONFIG_SYMBOL=VALUE.
need()
{
	grep -qx "CONFIG_$1=$2" "$B/.config" || fail "CONFIG_$1 is not $2 in $B/.config ($(grep "CONFIG_$1[= ]" "$B/.config" || echo unset))"
}

need NET_RELAY m
# The KUnit tests are part of net_relay.ko whether their symbol is y or m.
grep -Eqx 'CONFIG_NET_RELAY_KUNIT_TEST=(y|m)' "$B/.config" ||
	fail "CONFIG_NET_RELAY_KUNIT_TEST is not set in $B/.config"
need KUNIT y
need KUNIT_DEBUGFS y
need DEBUG_FS y
need DEBUG_KMEMLEAK y
need KASAN y
need PROVE_LOCKING y
need PROVE_RCU y
# DEBUG_ATOMIC_SLEEP depends on !ARCH_NO_PREEMPT, which UML selects: it
# cannot be had here (integration:detect-atomic-sleep skips for that reason).
need DEBUG_INFO y

modinfo=$(modinfo "$ko") || fail "modinfo $ko failed"
echo "$modinfo"
grep -q '^name: *net_relay$' <<< "$modinfo" || fail "$ko is not named net_relay"
grep -q '^license: *GPL' <<< "$modinfo" || fail "$ko has no GPL license"
# The KUnit suites are part of the module.
# grep -c, not grep -q: under pipefail, grep -q leaving early kills nm
# with SIGPIPE and the pipeline fails whatever grep found.
[ "$(nm "$ko" | grep -c 'kunit')" -gt 0 ] || fail "$ko contains no KUnit suite (CONFIG_NET_RELAY_KUNIT_TEST)"
[ "$(nm "$B/vmlinux" | grep -c ' nrelay_')" -eq 0 ] || fail "the debug vmlinux has nrelay_ symbols: net_relay is not a module there"
exit 0
