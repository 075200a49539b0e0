#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# dns.sh: answer for relay.test with dnsmasq on port 53 (UDP and TCP) of
# every IPv4 and global IPv6 address:
#   www.relay.test  A    198.51.100.2, AAAA 2001:db8:2::2
#   big.relay.test  TXT  4 records of 2 strings of 250 bytes: a reply of
#                        about 2.1 kB, so UDP replies exceed the 1500-byte MTU
# No upstream servers, no DHCP.  Queries are logged to /relaykit/run/dns.log.

set -euo pipefail

SERVICE=dns
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

CONF=/run/relaykit-dns.conf
PIDFILE=/run/relaykit-dns.pid

if [ -s "$PIDFILE" ]; then
	kill "$(cat "$PIDFILE")" 2> /dev/null || true
	sleep 0.2
fi

# Deterministic content, so tests can compare what arrives: string N is
# "relaykit-big-txt-part-N-" repeated and cut to 250 bytes.  dnsmasq limits
# a config line to about 1 kB, so the 8 strings are spread over 4 TXT
# records of 2 strings each.
txt_string()
{
	local unit="relaykit-big-txt-part-$1-"

	REPLY=
	while ((${#REPLY} < 250)); do
		REPLY+=$unit
	done
	REPLY="\"${REPLY:0:250}\""
}

txt_records()
{
	local i first

	for i in 1 3 5 7; do
		txt_string "$i"
		first=$REPLY
		txt_string $((i + 1))
		echo "txt-record=big.relay.test,$first,$REPLY"
	done
}

# Naming the listen addresses turns off dnsmasq's local-service default,
# which would refuse queries from a relay on another subnet.
# Every IPv4 address and every global IPv6 one (a link-local address
# would need its interface).
mapfile -t addrs < <(ip -o addr show | awk '$3 == "inet" || ($3 == "inet6" && / scope global /) { sub(/\/.*/, "", $4); print $4 }')
[ "${#addrs[@]}" -gt 0 ] || die "no address to listen on"
listen=$(printf 'listen-address=%s\n' "${addrs[@]}")

cat > "$CONF" <<CONF
# written by uml/guest/services/dns.sh
port=53
user=root
pid-file=$PIDFILE
bind-interfaces
$listen
no-resolv
no-hosts
no-poll
local=/relay.test/
domain-needed
host-record=www.relay.test,198.51.100.2,2001:db8:2::2
$(txt_records)
# Let big answers go out unfragmented by EDNS limits: the relay must carry them.
edns-packet-max=4096
log-queries
log-facility=$SERVICE_LOG
CONF

# dnsmasq's sockets get a 4 MiB receive buffer, not the default 212 kB: the
# rate tests send 500 queries a second, and a guest the loaded host leaves
# without CPU for a moment then dropped queries in the server, not in the
# relay under test (CI: 53 of 10,000; dnsmasq stopped for 1 s here: 512
# lost with 212 kB, none with 4 MiB).  rmem_default counts when a socket is
# made, so it is put back once dnsmasq has made its own.
RMEM_DEFAULT=/proc/sys/net/core/rmem_default
read -r rmem_default < "$RMEM_DEFAULT"
echo $((4 << 20)) > "$RMEM_DEFAULT"
started=0
dnsmasq --conf-file="$CONF" 2>> "$SERVICE_LOG" && started=1
echo "$rmem_default" > "$RMEM_DEFAULT"
((started)) || die "dnsmasq failed to start; config $CONF (see $SERVICE_LOG)"
wait_listening udp 53 || die "dnsmasq is not listening on port 53 (see $SERVICE_LOG)"
log "dnsmasq answering relay.test on ${addrs[*]}"
