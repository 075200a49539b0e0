#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors for TCP: the server answers the relay's SYNs to port 8095
# with an ICMP error instead of a segment (iptables REJECT in the server):
# host unreachable, then port unreachable.  The relay's connect fails at
# once with that error (EHOSTUNREACH, ECONNREFUSED, in its kernel log),
# the client is closed within seconds, not at tcp_connect_timeout (raised
# to 120 s here), and tcp_connect_failed counts each.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=8095
reject=(INPUT -p tcp --dport "$port" -j REJECT)
trap 'gexec server iptables -F INPUT 2>/dev/null || true; rule_quiet "del tcp $port"; relay_sysctl tcp_connect_timeout "$timeout0"' EXIT
timeout0=$(relay_sysctl_get tcp_connect_timeout)
relay_sysctl tcp_connect_timeout 120
rule "add tcp $port $SERVER_IP:$port"

for kind in host-unreachable:113 port-unreachable:111; do
	icmp=${kind%:*}
	errno=${kind#*:}
	gexec server iptables -F INPUT
	gexec server iptables -A "${reject[@]}" --reject-with "icmp-$icmp" ||
		fail "iptables in the server cannot reject with icmp-$icmp"
	failed0=$(relay_stat tcp_connect_failed)
	out=$(gexec client perl "$GTOOLS/tcpclient.pl" closed "$RELAY_FRONT" "$port" 5000) ||
		fail "icmp-$icmp: the client was not closed within 5 s: $out"
	log "icmp-$icmp: $out"
	failed=$(($(relay_stat tcp_connect_failed) - failed0))
	((failed == 1)) || fail "icmp-$icmp: tcp_connect_failed moved by $failed"
	retry 5 gsh relay 'dmesg | grep -q "connect failed: -$1$"' "$errno" ||
		fail "icmp-$icmp: no 'connect failed: -$errno' in the relay's kernel log"
done
note "host and port unreachable: the client closed at once, counted"
wait_tcp_idle 20
