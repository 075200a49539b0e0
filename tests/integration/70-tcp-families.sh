#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP relays within and across families: the default rule (PORT alone,
# both families) and a rule to the server's IPv6 address serve IPv4 and
# IPv6 clients, so all four pairs give the page; an upload with half-close
# comes back byte-exact from IPv6 to IPv6 and from IPv6 to IPv4; conns
# shows an IPv6 client as [ADDR]:PORT. An IPv6 address's rule takes no
# IPv4 client, and 0.0.0.0:PORT and [::]:PORT are two rules, each with
# its own clients.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 8080"; rule_quiet "del tcp 9000"; rule_quiet "del tcp [$RELAY_FRONT6]:8081"; rule_quiet "del tcp 8082"' EXIT

# page CLIENT_URL_HOST PORT: the page through the relay, or fail.
page()
{
	local got

	got=$(gexec client curl -sS -g --max-time 10 "http://$1:$2/") ||
		fail "no page from http://$1:$2/"
	[ "$got" = "relaykit server" ] || fail "http://$1:$2/ gave '$got'"
}

# rule_total LISTEN: how many relays the rule on LISTEN has had.
rule_total()
{
	relay_rules | awk -v l="$1" '$1 == "tcp" && $2 == l { sub(/total=/, "", $5); print $5 }'
}

rule "add tcp 8080 [$SERVER_IP6]:80"
for front in "$RELAY_FRONT" "[$RELAY_FRONT6]"; do
	page "$front" 80
	page "$front" 8080
done
[ "$(rule_total '*:80')" -ge 2 ] || fail "the default rule counted $(rule_total '*:80') relays for two clients"
[ "$(rule_total '*:8080')" = 2 ] || fail "the rule to [$SERVER_IP6]:80 counted $(rule_total '*:8080') relays, expected 2"

# Half-close across and within families: the sha256 comes back after EOF.
rule "add tcp 9000 $SERVER_IP:9000"
for backend in "$SERVER_IP" "[$SERVER_IP6]"; do
	rule "del tcp 9000"
	rule "add tcp 9000 $backend:9000"
	out=$(gsh client '
		head -c 1048576 /dev/urandom > /tmp/up6
		sha256sum /tmp/up6 | cut -d" " -f1
		socat -t 60 -T 120 - "TCP6:[$1]:9000" < /tmp/up6 | cut -d" " -f1
		rm -f /tmp/up6' "$RELAY_FRONT6") || fail "upload from IPv6 to $backend failed"
	[ "$(sed -n 2p <<< "$out")" = "$(sed -n 1p <<< "$out")" ] ||
		fail "upload from IPv6 to $backend: sha256 differs: $(tr '\n' ' ' <<< "$out")"
	log "upload from [$CLIENT_IP6] to $backend: byte-exact"
done

# An IPv6 client as conns shows it, while its relay is up.
gexec client sh -c "(sleep 4 | socat -u - 'TCP6:[$RELAY_FRONT6]:9000,bind=[$CLIENT_IP6]' > /dev/null 2>&1 &)" ||
	fail "could not start a held IPv6 connection"
ipv6_client_listed()
{
	local conns

	conns=$(relay_conns)
	grep -q "^tcp \[$CLIENT_IP6\]:[0-9]* " <<< "$conns"
}
retry 10 ipv6_client_listed ||
	fail "conns has no line for the IPv6 client [$CLIENT_IP6]: $(gexec relay cat "$RELAY_PROC/conns" | tr '\n' ';')"

# An IPv6 address's rule: IPv6 clients only.
rule "add tcp [$RELAY_FRONT6]:8081 $SERVER_IP:80"
page "[$RELAY_FRONT6]" 8081
gexec client curl -sS --max-time 5 "http://$RELAY_FRONT:8081/" > /dev/null 2>&1 &&
	fail "an IPv4 client was relayed by the rule on [$RELAY_FRONT6]:8081"

# Each family's wildcard as a rule of its own, to its own backend.
rule "add tcp 0.0.0.0:8082 $SERVER_IP:80"
rule "add tcp [::]:8082 [$SERVER_IP6]:80"
page "$RELAY_FRONT" 8082
page "[$RELAY_FRONT6]" 8082
page "[$RELAY_FRONT6]" 8082
[[ $(rule_total 0.0.0.0:8082) == 1 && $(rule_total '[::]:8082') == 2 ]] ||
	fail "0.0.0.0:8082 and [::]:8082 counted $(rule_total 0.0.0.0:8082) and $(rule_total '[::]:8082') relays, expected 1 and 2"
rule "del tcp 8082"
[ -z "$(rule_total 0.0.0.0:8082)$(rule_total '[::]:8082')" ] ||
	fail "del tcp 8082 left a wildcard rule: $(relay_rules | tr '\n' ';')"
wait_tcp_idle 20
