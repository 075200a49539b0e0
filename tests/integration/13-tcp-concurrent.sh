#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 200 concurrent relayed connections to an echo service, each moving
# 256 KiB both ways; every byte must come back unchanged. Liveness under
# load: the background kernel builds stop while it runs.
# relaykit-test: exclusive
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
# echod.pl, not socat's fork-per-connection echo on port 7: a process pair
# per connection runs the server guest out of memory.
# The client writes its stalled lines to its state dir (a name of its own:
# hostfs caches names deleted behind its back) before it holds them.
held=tcp-concurrent-$$.stalled
out_file=$(mktemp)
trap 'rm -f "$out_file" "$STATE/client/$held"; rule_quiet "del tcp 7007"; stop_echod 7007' EXIT
start_echod 7007
rule "add tcp 7007 $(addr_port "$SERVER_IP" 7007)"

# A connection that stalls is held open for a while (TCPCLIENT_HOLD) so
# that both ends' socket state goes into the log before the test fails.
show_stalled()
{
	echo "--- stalled: the client's sockets"
	gexec client ss -tnmio "( dport = :7007 )" || true
	# The backend's end: whether the echo still has bytes to send back.
	echo "--- stalled: the server's sockets"
	gexec server ss -tnmio "( sport = :7007 )" || true
	# The relay last: a log cut short keeps its tail.
	echo "--- stalled: the relay's connections on 7007, sockets, links and drops"
	gsh relay 'grep -E ":7007 " /proc/net/relay/conns
		ss -tnmio "( sport = :7007 or dport = :7007 )"
		ip -s link show
		grep -E "^(Tcp|TcpExt):" /proc/net/netstat /proc/net/snmp
		cat /proc/net/softnet_stat /proc/net/sockstat /proc/sys/net/ipv4/tcp_mem' || true
}

acc0=$(relay_stat tcp_accepted)
gexec -t 300 client env TCPCLIENT_HOLD=20 "TCPCLIENT_HOLD_FILE=/relaykit/run/$held" \
	perl "$GTOOLS/tcpclient.pl" conc "$RELAY_FRONT" 7007 200 262144 > "$out_file" 2>&1 &
client=$!
while kill -0 "$client" 2> /dev/null; do
	if [ -s "$STATE/client/$held" ]; then
		show_stalled
		break
	fi
	sleep 1
done
rc=0
wait "$client" || rc=$?
out=$(cat "$out_file")
echo "$out"
((rc == 0)) || fail "$(echo "$out" | tail -n 1)"
acc=$(($(relay_stat tcp_accepted) - acc0))
((acc >= 200)) || fail "tcp_accepted moved by $acc for 200 connections"
wait_tcp_idle 30
