#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The relay's user interface exists in the relay guest: /proc/net/relay/
# files, the counters, the sysctls with their defaults, the topology's rules.
# relaykit-test: quick
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
grep -Eq "^tcp \*:80 $SERVER_IP:80 active=[0-9]+ total=[0-9]+ up=[0-9]+ down=[0-9]+\$" <<< "$rules" ||
	fail "rules has no 'tcp *:80 $SERVER_IP:80 active=...' line"
grep -Eq "^udp 0\.0\.0\.0:53 $SERVER_IP:53 active=[0-9]+ total=[0-9]+ up=[0-9]+ down=[0-9]+\$" <<< "$rules" ||
	fail "rules has no 'udp 0.0.0.0:53 $SERVER_IP:53 active=...' line"
grep -Eq "^udp \[::\]:53 \[$SERVER_IP6\]:53 active=[0-9]+ total=[0-9]+ up=[0-9]+ down=[0-9]+\$" <<< "$rules" ||
	fail "rules has no 'udp [::]:53 [$SERVER_IP6]:53 active=...' line"

for s in "${!RELAY_SYSCTL_DEFAULTS[@]}"; do
	v=$(relay_sysctl_get "$s") || fail "sysctl net.relay.$s missing"
	[ "$v" = "${RELAY_SYSCTL_DEFAULTS[$s]}" ] || fail "net.relay.$s is $v, expected ${RELAY_SYSCTL_DEFAULTS[$s]}"
done
n=$(gexec relay ls /proc/sys/net/relay | wc -l)
((n == ${#RELAY_SYSCTL_DEFAULTS[@]})) ||
	fail "net.relay has $n sysctls, RELAY_SYSCTL_DEFAULTS (tests/lib/guest.sh) knows ${#RELAY_SYSCTL_DEFAULTS[@]}"
