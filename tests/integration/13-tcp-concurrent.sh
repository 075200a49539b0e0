#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 200 concurrent relayed connections to the echo service, each moving
# 256 KiB both ways; every byte must come back unchanged.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 7"' EXIT
rule "add tcp 7 $SERVER_IP:7"

acc0=$(relay_stat tcp_accepted)
out=$(gexec -t 300 client perl "$GLIB/tcpclient.pl" conc "$RELAY_FRONT" 7 200 262144) || {
	echo "$out"
	fail "$(echo "$out" | tail -n 1)"
}
echo "$out"
acc=$(($(relay_stat tcp_accepted) - acc0))
((acc >= 200)) || fail "tcp_accepted moved by $acc for 200 connections"
wait_tcp_idle 30
