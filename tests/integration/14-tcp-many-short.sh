#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 5000 short relayed connections one after another (a loop in the client):
# none may be lost, and the relay must not keep anything of them.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 7"' EXIT
rule "add tcp 7 $SERVER_IP:7"

closed0=$(relay_stat tcp_closed)
out=$(gexec -t 500 client perl "$GLIB/tcpclient.pl" seq "$RELAY_FRONT" 7 5000) || {
	echo "$out"
	fail "$(echo "$out" | tail -n 1)"
}
echo "$out"
note "$(echo "$out" | sed -n 's/.*lost, \(.*\)$/\1/p' | tail -n 1)"
wait_tcp_idle 60
closed=$(($(relay_stat tcp_closed) - closed0))
((closed >= 5000)) || fail "tcp_closed moved by $closed for 5000 finished connections"
