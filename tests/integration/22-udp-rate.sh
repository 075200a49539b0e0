#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 DNS queries at a steady rate (UDP_RATE q/s, default 500) from 16
# source ports through the relay: every one answered.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
rate=${UDP_RATE:-500}
out=$(gexec -t 300 client perl "$GLIB/dnsq.pl" rate "$RELAY_FRONT" 53 www.relay.test 10000 "$rate" 16) || {
	echo "$out"
	fail "$(echo "$out" | tail -n 1)"
}
echo "$out"
note "$(echo "$out" | sed -n 's/.*(\([0-9]* q\/s\)).*/10000 queries at \1/p')"
