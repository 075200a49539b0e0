#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 200 concurrent relayed connections to an echo service, each moving
# 256 KiB both ways; every byte must come back unchanged.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
# echod.pl, not socat's fork-per-connection echo on port 7: a process pair
# per connection runs the server guest out of memory.
trap 'rule_quiet "del tcp 7007"; stop_echod 7007' EXIT
start_echod 7007
rule "add tcp 7007 $SERVER_IP:7007"

acc0=$(relay_stat tcp_accepted)
out=$(gexec -t 300 client perl "$GLIB/tcpclient.pl" conc "$RELAY_FRONT" 7007 200 262144) || {
	echo "$out"
	fail "$(echo "$out" | tail -n 1)"
}
echo "$out"
acc=$(($(relay_stat tcp_accepted) - acc0))
((acc >= 200)) || fail "tcp_accepted moved by $acc for 200 connections"
wait_tcp_idle 30
