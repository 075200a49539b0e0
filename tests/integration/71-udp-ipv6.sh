#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What the UDP relay does over IPv6 beyond the IPv6 twins of the UDP
# tests (udp-dns/ipv6 and the others): the answers to A and AAAA queries
# are the server's own; conns shows the mapping as [ADDR]:PORT, with the
# relay's IPv6 address towards the server; the IPv4 rule on the same port
# keeps serving IPv4; a query to the relay's link-local address is not
# relayed.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
up0=$(relay_stat udp_packets_up)

for type in A AAAA; do
	via=$(gexec client dig -b "$CLIENT_IP6" +short +tries=1 +timeout=3 "@$RELAY_FRONT6" www.relay.test "$type") || true
	direct=$(gexec relay dig +short +tries=1 +timeout=3 "@$SERVER_IP6" www.relay.test "$type") || true
	[ -n "$direct" ] || fail "no $type answer from the server itself over IPv6"
	[ "$via" = "$direct" ] || fail "dig @$RELAY_FRONT6 www.relay.test $type: '$via', the server says '$direct'"
done

conns=$(relay_conns)
grep -q "^udp \\[$CLIENT_IP6\\]:[0-9]* \\[$RELAY_BACK6\\]:[0-9]* \\[$SERVER_IP6\\]:53 replied " <<< "$conns" ||
	fail "conns shows no replied IPv6 mapping: $(tr '\n' ';' <<< "$conns")"
up=$(($(relay_stat udp_packets_up) - up0))
((up >= 2)) || fail "udp_packets_up moved by $up for 2 relayed IPv6 queries"

# The IPv4 rule on the port is another rule, still serving IPv4.
a=$(gexec client dig +short +tries=1 +timeout=3 "@$RELAY_FRONT" www.relay.test A) || true
[ "$a" = "$WWW_A" ] || fail "IPv4 dig beside the IPv6 rule: '$a'"

# The relay's link-local address is not a service address: a client using
# it has a link-local source, which the relay could not forward.
ll=$(gexec relay ip -6 -o addr show dev eth0 scope link | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$ll" ] || fail "the relay's eth0 has no link-local address"
made0=$(relay_stat udp_mappings_created)
out=$(gexec client dig +tries=1 +timeout=3 "@$ll%eth0" www.relay.test A) || true
made=$(($(relay_stat udp_mappings_created) - made0))
((made == 0)) || fail "a query to the relay's link-local $ll made $made mapping(s): $out"
