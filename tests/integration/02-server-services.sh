#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The server's services answer the relay guest directly (no relaying):
# nginx, dnsmasq (A and a TXT answer bigger than the MTU) and the TCP
# services (echo 7, sha256 9000, banner 2000).  When these fail, the relay
# tests after them cannot pass.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

page=$(gexec relay curl -sS --max-time 10 "http://$SERVER_IP/") ||
	fail "nginx on $SERVER_IP:80 does not answer the relay guest"
[ "$page" = "relaykit server" ] || fail "unexpected index page from the server: '$page'"

a=$(gexec relay dig +short +tries=1 +timeout=3 "@$SERVER_IP" www.relay.test A)
[ "$a" = "$WWW_A" ] || fail "dnsmasq: www.relay.test A is '$a', expected $WWW_A"

big=$(gexec relay dig +notcp +ignore +bufsize=4096 +tries=1 +timeout=3 "@$SERVER_IP" big.relay.test TXT)
echo "$big"
size=$(echo "$big" | sed -n 's/.*MSG SIZE  rcvd: \([0-9]*\).*/\1/p')
[ "${size:-0}" -gt 1500 ] || fail "dnsmasq: big.relay.test TXT answer is ${size:-no} bytes over UDP, expected > 1500"
grep -q 'flags:.* tc' <<< "$big" && fail "dnsmasq: big.relay.test TXT answer is truncated"

need_tcp_services
out=$(echo relaykit-echo | gexec_in relay socat -t 5 - "TCP:$SERVER_IP:7")
[ "$out" = relaykit-echo ] || fail "echo service on $SERVER_IP:7 returned '$out'"
want=$(printf 'abc' | sha256sum | cut -d' ' -f1)
out=$(printf 'abc' | gexec_in relay socat -t 10 - "TCP:$SERVER_IP:9000" | cut -d' ' -f1)
[ "$out" = "$want" ] || fail "sha256 service on $SERVER_IP:9000 returned '$out'"
# The banner service then echoes: timeout ends the connection.
out=$(gexec relay timeout 3 socat -u "TCP:$SERVER_IP:2000" - | head -n 1) || true
[[ $out == RELAYKIT-BANNER* ]] || fail "banner service on $SERVER_IP:2000 said '$out'"
