#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The relay's user interface exists in the relay guest: /proc/net/relay/
# files, the counters, the sysctls with their defaults, the topology's rules.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

gexec relay test -d "$RELAY_PROC" || fail "$RELAY_PROC missing in the relay guest"
need_relay
for f in rules control conns stats; do
	gexec relay test -r "$RELAY_PROC/$f" || fail "$RELAY_PROC/$f missing"
done

state=$(gexec relay cat "$RELAY_PROC/control")
[ "$state" = running ] || fail "control reads '$state', expected running"

stats=$(gexec relay cat "$RELAY_PROC/stats")
echo "$stats"
for c in tcp_accepted tcp_active tcp_closed tcp_connect_failed tcp_resets tcp_timeouts \
	tcp_rejected tcp_bytes_up tcp_bytes_down udp_mappings udp_mappings_created \
	udp_mappings_expired udp_table_full udp_packets_up udp_packets_down udp_bytes_up \
	udp_bytes_down udp_icmp_translated udp_dropped; do
	grep -Eq "^$c [0-9]+\$" <<< "$stats" || fail "stats has no counter '$c'"
done

conns=$(gexec relay cat "$RELAY_PROC/conns")
[[ $conns == proto* ]] || fail "conns does not start with a 'proto' header: '$(echo "$conns" | head -n 1)'"

rules=$(relay_rules)
echo "$rules"
grep -Eq "^tcp 0\.0\.0\.0:80 $SERVER_IP:80 active=[0-9]+ total=[0-9]+ up=[0-9]+ down=[0-9]+\$" <<< "$rules" ||
	fail "rules has no 'tcp 0.0.0.0:80 $SERVER_IP:80 active=...' line"
grep -Eq "^udp 0\.0\.0\.0:53 $SERVER_IP:53 active=[0-9]+ total=[0-9]+ up=[0-9]+ down=[0-9]+\$" <<< "$rules" ||
	fail "rules has no 'udp 0.0.0.0:53 $SERVER_IP:53 active=...' line"

declare -A defaults=([tcp_idle_timeout]=300 [tcp_connect_timeout]=15 [tcp_fin_timeout]=60
	[tcp_max_conns]=16384 [tcp_max_per_source]=4096 [udp_timeout]=30 [udp_unreplied_timeout]=5
	[udp_max_mappings]=65536 [udp_max_per_source]=16384)
for s in "${!defaults[@]}"; do
	v=$(relay_sysctl_get "$s") || fail "sysctl net.relay.$s missing"
	[ "$v" = "${defaults[$s]}" ] || fail "net.relay.$s is $v, expected ${defaults[$s]}"
done
