#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The release kernel (build/uml-release) has net_relay built in (its
# nrelay_ symbols are in vmlinux, there is no module) and none of the debug
# detectors, which would slow it down. Its KUnit suites (for kunit.py) are
# off unless the command line turns them on.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

B=$(kernel_dir release)
[ -x "$(kernel_image release)" ] || fail "$(kernel_image release) missing: run make"
grep -qx 'CONFIG_NET_RELAY=y' "$B/.config" || fail "CONFIG_NET_RELAY is not y in $B/.config"
img=$B/vmlinux
[ -f "$img" ] || img=$B/linux
n=$(nm "$img" | grep -c ' nrelay_' || true)
((n > 0)) || fail "no nrelay_ symbol in $img: net_relay is not built in"
log "$n nrelay_ symbols in $img"
[ ! -e "$B/net/relay/net_relay.ko" ] || fail "$B/net/relay/net_relay.ko exists: net_relay should be built in"
for sym in KASAN DEBUG_KMEMLEAK PROVE_LOCKING KUNIT_DEFAULT_ENABLED; do
	grep -qx "CONFIG_$sym=y" "$B/.config" && fail "CONFIG_$sym=y in the release kernel"
done
exit 0
