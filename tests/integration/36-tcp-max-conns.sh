#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tcp_max_conns: with the limit at 5, ten clients that hold their
# connections get 5 relays; the other 5 are reset at once and counted in
# tcp_rejected.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 7"; relay_sysctl tcp_max_conns "$max0"' EXIT
max0=$(relay_sysctl_get tcp_max_conns)
relay_sysctl tcp_max_conns 5
rule "add tcp 7 $(addr_port "$SERVER_IP" 7)"

rejected0=$(relay_stat tcp_rejected)
# 10 connections held 8 s; those refused fail or are closed at once.
out=$(gexec -t 60 client perl "$GTOOLS/tcpclient.pl" hold "$RELAY_FRONT" 7 10 8) ||
	fail "hold client: $out"
summary=$(echo "$out" | tail -n 1)
log "$out"
up=$(echo "$summary" | sed -n 's/.* up=\([0-9]*\) .*/\1/p')
[ "$up" = 5 ] || fail "with tcp_max_conns=5, $up of 10 held connections stayed up: $summary"
rejected=$(($(relay_stat tcp_rejected) - rejected0))
((rejected == 5)) || fail "tcp_rejected moved by $rejected for 5 clients over the limit"
note "5 of 10 relayed, 5 rejected"
wait_tcp_idle 20
