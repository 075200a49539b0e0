#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod net_relay while relayed connections are live: the module unloads,
# /proc/net/relay goes, every relayed connection is closed; insmod again
# and the relay serves as before.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
relay_is_module || skip "net_relay is built into the relay's kernel: nothing to unload"
trap 'relay_restore; hold_relays_cleanup' EXIT
hold_relays 20

out=$(gexec -t 60 relay rmmod net_relay 2>&1) || fail "rmmod net_relay with live connections: $out"
gexec relay test -e "$RELAY_PROC" && fail "$RELAY_PROC still exists after rmmod"
held_relays_ended rmmod
socks=$(relay_new_sockets)
[ -z "$socks" ] || fail "sockets left in the relay guest after rmmod: $socks"

relay_reload
page=$(retry 5 gexec client curl -sS --max-time 10 "$RELAY_HTTP/") ||
	fail "no page through the relay after insmod"
[ "$page" = "relaykit server" ] || fail "page after insmod: '$page'"
wait_tcp_idle 30
