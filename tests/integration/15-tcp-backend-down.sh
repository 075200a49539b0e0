#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A rule to a closed backend port: the backend's refusal closes the
# client's connection (not tcp_connect_timeout, raised to 120 s here so that
# only the refusal can close it within the test's bound) and
# tcp_connect_failed counts it.
# relaykit-test: quick
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=8099
gexec server ss -tlnH | awk -v p=":$port" '$4 ~ p "$" { exit 1 }' ||
	fail "port $port is open on the server; the test needs it closed"
trap 'rule_quiet "del tcp $port"; relay_sysctl tcp_connect_timeout "$timeout0"' EXIT
timeout0=$(relay_sysctl_get tcp_connect_timeout)
relay_sysctl tcp_connect_timeout 120
rule "add tcp $port $(addr_port "$SERVER_IP" "$port")"

failed0=$(relay_stat tcp_connect_failed)
for i in 1 2 3; do
	out=$(gexec client perl "$GTOOLS/tcpclient.pl" closed "$RELAY_FRONT" "$port" 30000) || fail "attempt $i: $out"
	log "attempt $i: $out"
done
failed=$(($(relay_stat tcp_connect_failed) - failed0))
((failed >= 3)) || fail "tcp_connect_failed moved by $failed for 3 refused backend connections"
wait_tcp_idle 20
