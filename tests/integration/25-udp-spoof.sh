#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Only the backend (its address, port 53) may answer through a mapping:
# datagrams to the mapping's relay port from another port or another
# address of the back network are not translated to the client.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
# Another address of the back network, and the counter of datagrams the
# relay guest's stack found no socket for (where a spoof that is not
# translated ends).
if [ "$FAMILY" = 6 ]; then
	spoof_net=2001:db8:2::3/64 noports_at=(snmp6 Udp6NoPorts)
else
	spoof_net=198.51.100.3/24 noports_at=(snmp Udp:NoPorts)
fi
spoof_ip=${spoof_net%/*}
watch_out=$(mktemp)
done_file=/tmp/udp-spoof-done
trap 'gexec server ip addr del "$spoof_net" dev eth0 2>/dev/null || true; rm -f "$watch_out"' EXIT
port=5501

udp_noports() { net_counter relay "${noports_at[@]}"; }

gexec client rm -f "$done_file"
gexec -t 90 client perl "$GTOOLS/dnsq.pl" watch "$RELAY_FRONT" 53 www.relay.test "$port" "$done_file" > "$watch_out" 2>&1 &
watch_pid=$!
mapping() { relay_conn_lines udp | awk -v c="$(addr_port "$CLIENT_IP" "$port")" '$2 == c { print $3 }' | grep .; }
retry 5 mapping > /dev/null || fail "no mapping for $CLIENT_IP:$port in conns"
relay_port=$(mapping)
relay_port=${relay_port##*:}
log "mapping $(addr_port "$CLIENT_IP" "$port") -> $(addr_port "$RELAY_BACK" "$relay_port")"

gexec server ip addr add "$spoof_net" dev eth0 nodad
noports0=$(udp_noports)
# Fake answers (any payload will do: the client counts every datagram): from
# the backend's address but another port, from another address but port 53,
# and to a relay port next to the mapping's.  (dnsmasq holds the backend's
# port 53, so that exact source cannot be faked from here.)
spoof()
{
	gsh server 'echo spoof | socat -u - "UDP-SENDTO:$1,$2"' "$(addr_port "$RELAY_BACK" "$1")" "$2" ||
		fail "could not send the spoofed datagram to port $1 ($2) from the server"
}
spoof "$relay_port" sourceport=5555
spoof "$relay_port" "bind=$(addr_port "$spoof_ip" 53)"
spoof "$((relay_port + 1))" "bind=$(addr_port "$spoof_ip" 53)"
# The watch ends with a query answered over the same links, so the spoofs
# are behind it: none can arrive after the watch.
gexec client touch "$done_file"

rc=0
wait "$watch_pid" || rc=$?
cat "$watch_out"
grep -q '^watch: 0 unexpected datagrams' "$watch_out" || fail "$(tail -n 1 "$watch_out")"
((rc == 0)) || fail "the client's watch failed: exit status $rc"
# Each spoof reached the relay and went to its own stack, untranslated.
noports=$(($(udp_noports) - noports0))
((noports >= 3)) || fail "the relay counted $noports datagrams to closed ports: the spoofs did not all reach it"
note "3 spoofs reached the relay (${noports_at[1]} +$noports), none reached the client"
