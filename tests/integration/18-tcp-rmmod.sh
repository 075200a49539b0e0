#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod net_relay while relayed connections are live: the module unloads,
# /proc/net/relay goes, every relayed connection is closed; insmod again
# and the relay serves as before.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
relay_is_module || skip "net_relay is built into the relay's kernel: nothing to unload"
need_tcp_services
hold_out=$(mktemp)
trap 'relay_restore; rule_quiet "del tcp 7"; rm -f "$hold_out"' EXIT
rule "add tcp 7 $SERVER_IP:7"

gexec -t 120 client perl "$GLIB/tcpclient.pl" hold "$RELAY_FRONT" 7 20 60 > "$hold_out" 2>&1 &
hold_pid=$!
held() { [ "$(relay_stat tcp_active)" -ge 20 ]; }
retry 20 held || fail "20 held connections did not show up in tcp_active ($(relay_stat tcp_active))"

out=$(gexec -t 60 relay rmmod net_relay 2>&1) || fail "rmmod net_relay with live connections: $out"
gexec relay test -e "$RELAY_PROC" && fail "$RELAY_PROC still exists after rmmod"
wait "$hold_pid" || fail "held connections: client failed: $(cat "$hold_out")"
cat "$hold_out"
summary=$(tail -n 1 "$hold_out")
[[ $summary == *" up=0 "* ]] || fail "relayed connections survived rmmod: $summary"
socks=$(relay_new_sockets)
[ -z "$socks" ] || fail "sockets left in the relay guest after rmmod: $socks"

relay_reload
page=$(retry 5 gexec client curl -sS --max-time 10 "http://$RELAY_FRONT/") ||
	fail "no page through the relay after insmod"
[ "$page" = "relaykit server" ] || fail "page after insmod: '$page'"
wait_tcp_idle 30
