#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One client address cannot hold all of the relay (docs/usage.md,
# udp_max_per_source and tcp_max_per_source): with caps of 3, a client
# address gets 3 UDP mappings for queries from 6 ports, and 3 TCP relays of
# 6 connections held open, each refusal counted; the client's other
# address is still served meanwhile.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
hold_out=$(mktemp)
trap 'relay_restore; rule_quiet "del tcp 7"; rm -f "$hold_out"' EXIT
relay_sysctl udp_max_per_source 3
relay_sysctl tcp_max_per_source 3
rule "add tcp 7 $(addr_port "$SERVER_IP" 7)"
wait_udp_empty 30
udp0=$(relay_stat udp_source_limit)
tcp0=$(relay_stat tcp_source_limit)

# other_address_served: a query and a page from the client's second address.
other_address_served()
{
	local out

	out=$(gexec client dig -b "$CLIENT_IP2" +short +tries=1 +timeout=3 "@$RELAY_FRONT" www.relay.test) ||
		fail "$1: a query from $CLIENT_IP2 failed: '$out'"
	[ "$out" = "$WWW_A" ] || fail "$1: a query from $CLIENT_IP2 got '$out'"
	gexec client curl -s --interface "$CLIENT_IP2" --max-time 5 -o /dev/null "$RELAY_HTTP/" ||
		fail "$1: no page for $CLIENT_IP2"
}

out=$(gexec client perl "$GTOOLS/dnsq.pl" multi "$RELAY_FRONT" 53 www.relay.test 6 3)
[ "$out" = "multi: 3 of 6 answered" ] || fail "with udp_max_per_source=3, from $CLIENT_IP: $out"
other_address_served "UDP cap reached"
udp=$(($(relay_stat udp_source_limit) - udp0))
((udp >= 3)) || fail "udp_source_limit moved by $udp for 3 refused mappings"

gexec -t 60 client perl "$GTOOLS/tcpclient.pl" hold "$RELAY_FRONT" 7 6 8 > "$hold_out" 2>&1 &
hold_pid=$!
sleep 3
other_address_served "TCP cap reached"
rc=0
wait "$hold_pid" || rc=$?
out=$(cat "$hold_out")
((rc == 0)) || fail "hold client: $out"
log "$out"
summary=$(tail -n 1 <<< "$out")
up=$(sed -n 's/.* up=\([0-9]*\) .*/\1/p' <<< "$summary")
[ "$up" = 3 ] || fail "with tcp_max_per_source=3, $up of 6 held connections stayed up: $summary"
tcp=$(($(relay_stat tcp_source_limit) - tcp0))
((tcp == 3)) || fail "tcp_source_limit moved by $tcp for 3 connections over the cap"
note "per source: 3 of 6 UDP flows and 3 of 6 TCP relays, the other address served"
wait_tcp_idle 20
