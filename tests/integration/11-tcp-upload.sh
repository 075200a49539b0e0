#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP relay, upload with half-close: the client sends 5 MiB to the server's
# sha256 service (port 9000) through the relay and shuts down its sending
# side; the server answers with the sha256 only after that EOF, so the relay
# must pass the half-close on and still carry the answer back.
# relaykit-test: quick
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 9000"' EXIT
rule "add tcp 9000 $(addr_port "$SERVER_IP" 9000)"

out=$(gsh client '
	head -c 5242880 /dev/urandom > /tmp/up
	sha256sum /tmp/up | cut -d" " -f1
	socat -t 60 -T 120 - "TCP:$1" < /tmp/up | cut -d" " -f1
	rm -f /tmp/up' "$(addr_port "$RELAY_FRONT" 9000)") || fail "upload through $(addr_port "$RELAY_FRONT" 9000) failed"
want=$(echo "$out" | sed -n 1p)
got=$(echo "$out" | sed -n 2p)
[ -n "$got" ] || fail "no sha256 came back after the half-close (relay lost the reply or the EOF)"
[ "$got" = "$want" ] || fail "server's sha256 $got differs from the client's $want"

# nc -N: the same with netcat's shutdown-on-EOF.
out=$(gsh client '
	head -c 1048576 /dev/urandom > /tmp/up
	sha256sum /tmp/up | cut -d" " -f1
	timeout 60 nc -N "$1" 9000 < /tmp/up | cut -d" " -f1
	rm -f /tmp/up' "$RELAY_FRONT") || fail "nc -N upload through $(addr_port "$RELAY_FRONT" 9000) failed"
[ "$(echo "$out" | sed -n 2p)" = "$(echo "$out" | sed -n 1p)" ] ||
	fail "nc -N upload: sha256 differs: $(echo "$out" | tr '\n' ' ')"
wait_tcp_idle 20
