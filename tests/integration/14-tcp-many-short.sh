#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 5000 short relayed connections, in four loops at once in the client,
# each making its connections one after another (the loops wait on the
# round trips, not on the CPU): none may be lost, and the relay must not
# keep anything of them.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
# echod.pl, not socat's fork-per-connection echo on port 7: a process pair
# per connection runs the server guest out of memory.
trap 'rule_quiet "del tcp 7007"; stop_echod 7007' EXIT
start_echod 7007
rule "add tcp 7007 $(addr_port "$SERVER_IP" 7007)"

closed0=$(relay_stat tcp_closed)
out=$(gexec -t 550 client perl "$GTOOLS/tcpclient.pl" seq "$RELAY_FRONT" 7007 5000 4) || {
	echo "$out"
	fail "$(echo "$out" | tail -n 1)"
}
echo "$out"
note "$(echo "$out" | sed -n 's/.*lost, \(.*\)$/\1/p' | tail -n 1)"
wait_tcp_idle 60
closed=$(($(relay_stat tcp_closed) - closed0))
((closed >= 5000)) || fail "tcp_closed moved by $closed for 5000 finished connections"
