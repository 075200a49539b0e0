#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The UDP relay over IPv6 (udp_ipv6.c): the topology's rule to the
# server's IPv6 address (udp [::]:53) answers dig and nslookup asked at
# the relay's IPv6 address, the same answers the server gives; a TXT answer bigger than the MTU comes
# back whole (fragmented by the server, reassembled and fragmented again
# by the relay); conns shows the mapping with [ADDR]:PORT; the relay's
# IPv4 rule on the same port keeps serving IPv4; a closed backend port's
# ICMPv6 port unreachable reaches the client translated; a query to the
# relay's link-local address is not relayed.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'rule_quiet "del udp [::]:5300"' EXIT
up0=$(relay_stat udp_packets_up)

for type in A AAAA; do
	via=$(gexec client dig -b "$CLIENT_IP6" +short +tries=1 +timeout=3 "@$RELAY_FRONT6" www.relay.test "$type") || true
	direct=$(gexec relay dig +short +tries=1 +timeout=3 "@$SERVER_IP6" www.relay.test "$type") || true
	[ -n "$direct" ] || fail "no $type answer from the server itself over IPv6"
	[ "$via" = "$direct" ] || fail "dig @$RELAY_FRONT6 www.relay.test $type: '$via', the server says '$direct'"
done
out=$(gexec client nslookup -timeout=3 www.relay.test "$RELAY_FRONT6") || true
grep -q "^Address: $SERVER_IP6\$" <<< "$out" || fail "nslookup www.relay.test $RELAY_FRONT6 did not answer $SERVER_IP6: $out"

big=$(gexec client dig +notcp +ignore +bufsize=4096 +tries=1 +timeout=3 "@$RELAY_FRONT6" big.relay.test TXT) || true
size=$(sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p' <<< "$big")
[ "${size:-0}" -gt 1500 ] || fail "big.relay.test TXT over IPv6: ${size:-no} bytes, expected > 1500"
grep -q 'flags:.* tc' <<< "$big" && fail "big.relay.test TXT over IPv6 is truncated"

conns=$(relay_conns)
grep -q "^udp \\[$CLIENT_IP6\\]:[0-9]* \\[$RELAY_BACK6\\]:[0-9]* \\[$SERVER_IP6\\]:53 replied " <<< "$conns" ||
	fail "conns shows no replied IPv6 mapping: $(tr '\n' ';' <<< "$conns")"
up=$(($(relay_stat udp_packets_up) - up0))
((up >= 5)) || fail "udp_packets_up moved by $up for at least 5 relayed IPv6 queries"

# The IPv4 rule on the port is another rule, still serving IPv4.
a=$(gexec client dig +short +tries=1 +timeout=3 "@$RELAY_FRONT" www.relay.test A) || true
[ "$a" = "$SERVER_IP" ] || fail "IPv4 dig beside the IPv6 rule: '$a'"

# The relay's link-local address is not a service address: a client using
# it has a link-local source, which the relay could not forward.
ll=$(gexec relay ip -6 -o addr show dev eth0 scope link | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$ll" ] || fail "the relay's eth0 has no link-local address"
made0=$(relay_stat udp_mappings_created)
out=$(gexec client dig +tries=1 +timeout=3 "@$ll%eth0" www.relay.test A) || true
made=$(($(relay_stat udp_mappings_created) - made0))
((made == 0)) || fail "a query to the relay's link-local $ll made $made mapping(s): $out"

# A closed backend port: its ICMPv6 error reaches the client translated.
rule "add udp 5300 [$SERVER_IP6]:5399"
icmp0=$(relay_stat udp_icmp_translated)
out=$(gexec client dig -p 5300 +tries=1 +timeout=20 "@$RELAY_FRONT6" www.relay.test) || true
grep -qi 'connection refused' <<< "$out" || fail "dig over IPv6 to a closed backend port: no 'connection refused': $out"
icmp=$(($(relay_stat udp_icmp_translated) - icmp0))
((icmp >= 1)) || fail "udp_icmp_translated did not move for the ICMPv6 error"
