#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 DNS queries at a steady rate from 16 source ports through the
# relay: none lost, at a rate the direct path also sustains. The direct
# path is the client asking the server itself, routed through the relay
# guest (forwarding): the same links and guests without the UDP relay. The
# rate starts at UDP_RATE (default 500 q/s) and is halved, down to 125 q/s,
# while the direct path loses queries (a loaded host drops bursts on the
# virtual links); the relay must then lose none at that rate. Both runs need
# the same CPU, so the background builds stop meanwhile.
# relaykit-test: exclusive
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay

if [ "$FAMILY" = 6 ]; then
	front_net=2001:db8:1::/64 back_net=2001:db8:2::/64 forwarding=net.ipv6.conf.all.forwarding
else
	front_net=192.0.2.0/24 back_net=198.51.100.0/24 forwarding=net.ipv4.ip_forward
fi

direct_routes() # add|del
{
	gexec client ip route "$1" "$back_net" via "$RELAY_FRONT" 2> /dev/null || true
	gexec server ip route "$1" "$front_net" via "$RELAY_BACK" 2> /dev/null || true
}

queries() # TARGET RATE COUNT
{
	gexec -t 300 client perl "$GTOOLS/dnsq.pl" rate "$1" 53 www.relay.test "$3" "$2" 16
}

forward0=$(gexec relay sysctl -n "$forwarding")
trap 'direct_routes del; gexec relay sysctl -qw "$forwarding=$forward0"' EXIT
direct_routes add
must "enable forwarding on the relay" gexec relay sysctl -qw "$forwarding=1"

rate=${UDP_RATE:-500}
while :; do
	if out=$(queries "$SERVER_IP" "$rate" 2000); then
		echo "direct path at $rate q/s: $out"
		break
	fi
	echo "direct path at $rate q/s loses queries: $out"
	((rate > 125)) || fail "the direct path loses queries even at $rate q/s: $(echo "$out" | tail -n 1)"
	rate=$((rate / 2))
done
direct_routes del

before=$(link_counters)
up0=$(relay_stat udp_packets_up)
down0=$(relay_stat udp_packets_down)
if ! out=$(queries "$RELAY_FRONT" "$rate" 10000); then
	echo "$out"
	# Say where the answers went missing: on a link (a sender's tx
	# against the receiver's rx), in the server, or in the relay (its
	# up/down counters against its own interfaces' rx).
	echo "per-interface deltas during the run:"
	link_counters_delta "$before" "$(link_counters)"
	echo "relay udp_packets_up +$(($(relay_stat udp_packets_up) - up0))" \
		"udp_packets_down +$(($(relay_stat udp_packets_down) - down0))" \
		"udp_dropped $(relay_stat udp_dropped)"
	fail "through the relay at $rate q/s (the direct path sustains it): $(echo "$out" | tail -n 1)"
fi
echo "$out"
note "$(echo "$out" | sed -n 's/.*(\([0-9]* q\/s\)).*/10000 queries at \1, none lost/p')"
