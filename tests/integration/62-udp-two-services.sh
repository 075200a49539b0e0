#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A mapping belongs to the service the client addressed, not only to the
# backend (docs/design.md, "Mappings"). From one client port:
#  - queries to two addresses of the relay under one wildcard rule;
#  - queries to two rules with the same backend;
# each must be answered from the address and port it went to (dig drops a
# reply from elsewhere), and each has its own mapping and relay port.
# Deleting one of the rules leaves the other's mapping alone.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
if [ "$FAMILY" = 6 ]; then front2_net=2001:db8:1::2/64; else front2_net=192.0.2.2/24; fi
front2=${front2_net%/*}
other=5062
trap 'rule_quiet "del udp $other"; gexec relay ip addr del "$front2_net" dev eth0 2>/dev/null || true' EXIT
gexec relay ip addr add "$front2_net" dev eth0 nodad || fail "cannot add $front2 to the relay"
rule "add udp $other $(addr_port "$SERVER_IP" 53)"


# relay_ports CLIENT_PORT: the relay ports of the client's mappings, one a line.
relay_ports()
{
	relay_conn_lines udp | awk -v c="$(addr_port "$CLIENT_IP" "$1")" '$2 == c { n = split($3, a, ":"); print a[n] }' | sort -u
}

# two_mappings CLIENT_PORT WHAT: the client port has two mappings, on two relay ports.
two_mappings()
{
	local ports

	ports=$(relay_ports "$1")
	[ "$(wc -l <<< "$ports")" = 2 ] ||
		fail "$2: $CLIENT_IP:$1 should have two mappings on two relay ports: $(relay_conns)"
}

port=5510
query_from "$port" "$RELAY_FRONT" 53
query_from "$port" "$front2" 53
two_mappings "$port" "one rule, two relay addresses"
log "client port $port: answered by $RELAY_FRONT:53 and $front2:53"

port=5511
query_from "$port" "$RELAY_FRONT" 53
query_from "$port" "$RELAY_FRONT" "$other"
two_mappings "$port" "two rules, one backend"
log "client port $port: answered by $RELAY_FRONT:53 and $RELAY_FRONT:$other"

rule "del udp $other"
[ "$(relay_ports "$port" | wc -l)" = 1 ] ||
	fail "after del udp $other, $CLIENT_IP:$port should keep the mapping of port 53 alone: $(relay_conns)"
query_from "$port" "$RELAY_FRONT" 53
note "two services from one client port: two mappings, each answered from where it was asked"
