#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A relay port never equals a UDP rule's port or the port of a local socket
# (docs/design.md, "Relay ports"). NAT tries the client's own port first:
#  - a SIP client on 5060 to a rule on 5060 would get relay port 5060, and
#    the backend's reply to it would match the rule, as a new flow back to
#    the backend, instead of its mapping: the client must get its answer;
#  - a client on the port of a socket bound in the relay guest would share
#    that port towards the backend with the socket: its mapping must take
#    another port;
#  - likewise for the port of a conntrack entry of the relay guest's towards
#    the backend (here a query of its own, tracked once an iptables rule
#    uses conntrack): our hook, before conntrack, would steal its replies.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
sip=5060
bound=5061
tracked=5062
holder_pid=/tmp/udp-relay-ports.pid
ct_rule=(OUTPUT -p udp -m conntrack --ctstate NEW -j ACCEPT)
trap 'rule_quiet "del udp $sip"; gsh relay "kill \$(cat $holder_pid) 2>/dev/null; rm -f $holder_pid" || true
	gexec relay "$IPTABLES" -D "${ct_rule[@]}" 2>/dev/null || true' EXIT
rule "add udp $sip $(addr_port "$SERVER_IP" 53)"

# relay_port CLIENT_PORT: the relay port of the client's mapping.
relay_port()
{
	local m

	m=$(relay_conn_lines udp | awk -v c="$(addr_port "$CLIENT_IP" "$1")" '$2 == c { print $3 }')
	[ -n "$m" ] || fail "no mapping for $CLIENT_IP:$1 in conns: $(relay_conns)"
	echo "${m##*:}"
}


query_from "$sip" "$RELAY_FRONT" "$sip"
port=$(relay_port "$sip")
[ "$port" != "$sip" ] || fail "the mapping of $CLIENT_IP:$sip took relay port $sip, the rule's port"
log "client port $sip to rule port $sip: answered, relay port $port"

gsh relay 'setsid perl -MIO::Socket::IP -e "my \$s = IO::Socket::IP->new(LocalHost => q(::), V6Only => 0, LocalPort => \$ARGV[0], Proto => q(udp)) or die qq(bind: \$!\n); sleep 120" "$1" > /dev/null 2>&1 < /dev/null & echo $! > "$2"' \
	"$bound" "$holder_pid" || fail "cannot bind UDP port $bound in the relay guest"
bound_now() { gexec relay ss -ulnH | awk -v p=":$bound" '$4 ~ p "$" { f = 1 } END { exit !f }'; }
retry 10 bound_now || fail "nothing bound to UDP port $bound in the relay guest"
query_from "$bound" "$RELAY_FRONT" 53
port=$(relay_port "$bound")
[ "$port" != "$bound" ] || fail "the mapping of $CLIENT_IP:$bound took relay port $bound, bound by a local socket"
log "client port $bound, bound in the relay guest: answered, relay port $port"

gexec relay "$IPTABLES" -A "${ct_rule[@]}" || fail "cannot add an iptables rule in the relay guest"
out=$(gexec relay dig -b "$RELAY_BACK#$tracked" +short +tries=1 +timeout=3 "@$SERVER_IP" www.relay.test) ||
	fail "the relay guest's own query from port $tracked failed: '$out'"
ct_entry() { gexec relay grep -E "udp .* sport=$tracked dport=53 " /proc/net/nf_conntrack; }
ct_entry > /dev/null || fail "no conntrack entry for the relay guest's query from port $tracked"
query_from "$tracked" "$RELAY_FRONT" 53
port=$(relay_port "$tracked")
[ "$port" != "$tracked" ] ||
	fail "the mapping of $CLIENT_IP:$tracked took relay port $tracked, a conntrack entry's towards the backend"
note "relay ports: $sip (a rule's), $bound (a local socket's), $tracked (a conntrack entry's) avoided"
