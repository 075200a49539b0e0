#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# UDP relay: nslookup and dig in the client ask the relay and get the
# server's dnsmasq answers: an A record, and a TXT answer bigger than the
# MTU (fragmented both ways), identical to what the server says directly.
# relaykit-test: quick
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'rule_quiet "del tcp 53"' EXIT
up0=$(relay_stat udp_packets_up)
down0=$(relay_stat udp_packets_down)

a=$(gexec client dig +short +tries=1 +timeout=3 "@$RELAY_FRONT" www.relay.test A) || true
[ "$a" = "$WWW_A" ] || fail "dig @$RELAY_FRONT www.relay.test A: '$a', expected $WWW_A"

out=$(gexec client nslookup -timeout=3 www.relay.test "$RELAY_FRONT") || true
echo "$out"
grep -q "^Address: $WWW_A\$" <<< "$out" || fail "nslookup www.relay.test $RELAY_FRONT did not answer $WWW_A"

big=$(gexec client dig +notcp +ignore +bufsize=4096 +tries=1 +timeout=3 "@$RELAY_FRONT" big.relay.test TXT) || true
echo "$big"
size=$(echo "$big" | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p')
[ "${size:-0}" -gt 1500 ] || fail "big.relay.test TXT through the relay: ${size:-no} bytes, expected > 1500"
grep -q 'flags:.* tc' <<< "$big" && fail "big.relay.test TXT through the relay is truncated"
via=$(gexec client dig +short +notcp +bufsize=4096 +tries=1 +timeout=3 "@$RELAY_FRONT" big.relay.test TXT) || true
direct=$(gexec relay dig +short +notcp +bufsize=4096 +tries=1 +timeout=3 "@$SERVER_IP" big.relay.test TXT) || true
[ -n "$direct" ] || fail "no TXT answer from the server itself"
[ "$via" = "$direct" ] || fail "TXT through the relay differs from the server's own answer"

# nslookup asks without EDNS: the answer is truncated and it retries over
# TCP, which a tcp rule for port 53 relays.
rule "add tcp 53 $(addr_port "$SERVER_IP" 53)"
out=$(gexec client nslookup -timeout=3 -type=TXT big.relay.test "$RELAY_FRONT") || true
echo "$out"
grep -q 'relaykit-big-txt-part-8' <<< "$out" || fail "nslookup -type=TXT big.relay.test (UDP then TCP) got no full answer"

up=$(($(relay_stat udp_packets_up) - up0))
down=$(($(relay_stat udp_packets_down) - down0))
((up >= 4 && down >= 4)) || fail "udp_packets_up/down moved by $up/$down for at least 4 relayed queries"
