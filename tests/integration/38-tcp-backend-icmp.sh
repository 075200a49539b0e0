#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors for TCP: the server answers the relay's SYNs to port 8095
# with an ICMP error instead of a segment (iptables REJECT in the server):
# host unreachable, then port unreachable.  The relay's connect fails at
# once with that error (EHOSTUNREACH, ECONNREFUSED, in its kernel log),
# the client is closed within seconds, not at tcp_connect_timeout (raised
# to 120 s here), and tcp_connect_failed counts each.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=8095
reject=(INPUT -p tcp --dport "$port" -j REJECT)
trap 'gexec server "$IPTABLES" -F INPUT 2>/dev/null || true; rule_quiet "del tcp $port"; relay_sysctl tcp_connect_timeout "$timeout0"' EXIT
timeout0=$(relay_sysctl_get tcp_connect_timeout)
relay_sysctl tcp_connect_timeout 120
rule "add tcp $port $(addr_port "$SERVER_IP" "$port")"

# REJECT's names for them and the errnos they become (EHOSTUNREACH,
# ECONNREFUSED): ICMPv6 says address unreachable for host unreachable.
if [ "$FAMILY" = 6 ]; then
	kinds=(icmp6-addr-unreachable:113 icmp6-port-unreachable:111)
else
	kinds=(icmp-host-unreachable:113 icmp-port-unreachable:111)
fi
for kind in "${kinds[@]}"; do
	icmp=${kind%:*}
	errno=${kind#*:}
	gexec server "$IPTABLES" -F INPUT
	gexec server "$IPTABLES" -A "${reject[@]}" --reject-with "$icmp" ||
		fail "$IPTABLES in the server cannot reject with $icmp"
	failed0=$(relay_stat tcp_connect_failed)
	logged0=$(gsh relay 'dmesg | grep -c "connect failed: -$1$" || :' "$errno")
	out=$(gexec client perl "$GTOOLS/tcpclient.pl" closed "$RELAY_FRONT" "$port" 5000) ||
		fail "$icmp: the client was not closed within 5 s: $out"
	log "$icmp: $out"
	failed=$(($(relay_stat tcp_connect_failed) - failed0))
	((failed == 1)) || fail "$icmp: tcp_connect_failed moved by $failed"
	retry 5 gsh relay '[ "$(dmesg | grep -c "connect failed: -$1$")" -gt "$2" ]' "$errno" "$logged0" ||
		fail "$icmp: no 'connect failed: -$errno' in the relay's kernel log"
done
note "host and port unreachable: the client closed at once, counted"
wait_tcp_idle 20
