#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Two client addresses using the same source port at the same time get
# separate mappings (distinct relay ports), and both are answered.
# relaykit-test: quick
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=5353
out=$(gsh client '
	dig -b "$1#$3" +short +tries=1 +timeout=3 "@$4" www.relay.test > /tmp/rk-a 2>&1 &
	dig -b "$2#$3" +short +tries=1 +timeout=3 "@$4" www.relay.test > /tmp/rk-b 2>&1 &
	wait
	cat /tmp/rk-a; echo ---; cat /tmp/rk-b; rm -f /tmp/rk-a /tmp/rk-b' \
	"$CLIENT_IP" "$CLIENT_IP2" "$port" "$RELAY_FRONT")
echo "$out"
[ "$out" = "$WWW_A"$'\n---\n'"$WWW_A" ] ||
	fail "not both clients were answered: $(echo "$out" | tr '\n' ' ')"

conns=$(relay_conn_lines udp)
echo "$conns"
m1=$(echo "$conns" | awk -v c="$(addr_port "$CLIENT_IP" "$port")" '$2 == c { print $3 }')
m2=$(echo "$conns" | awk -v c="$(addr_port "$CLIENT_IP2" "$port")" '$2 == c { print $3 }')
[ -n "$m1" ] || fail "conns lacks a mapping for $CLIENT_IP:$port"
[ -n "$m2" ] || fail "conns lacks a mapping for $CLIENT_IP2:$port"
[ "$m1" != "$m2" ] || fail "both clients share the relay port $m1"
