#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The UDP relay behaves the same whether conntrack is in use in the relay
# guest or not (docs/design.md, "Conntrack"):
#  - an ICMP error the relay itself sends about a relayed datagram (here
#    "fragmentation needed", or IPv6's Packet Too Big: a 1,400-byte datagram
#    with DF set, a back link with an MTU of 1,280, IPv6's least, so that the
#    back link keeps its IPv6 addresses) reaches the client translated, so
#    that its socket learns the path MTU (EMSGSIZE), without conntrack and
#    with it in use (a MASQUERADE rule);
#  - a CT template from the raw table (-j CT, here --ctevents; a --zone or
#    a --helper rule makes one too: the kernels lack zones) on the relayed
#    datagrams does not keep the relay from rewriting their source: the
#    query is answered (the server has no route to the client's network: a
#    datagram leaving with the client's address gets no answer).
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
masq=(POSTROUTING -o eth1 -j MASQUERADE)
zone=(PREROUTING -i eth0 -p udp -j CT --ctevents new)
trap 'gexec relay ip link set eth1 mtu 1500 || true
	gexec client ip "-$FAMILY" route flush cache || true
	gexec relay "$IPTABLES" -t nat -D "${masq[@]}" 2>/dev/null || true
	gexec relay "$IPTABLES" -t raw -D "${zone[@]}" 2>/dev/null || true' EXIT

# pmtu_learnt WHAT: a DF datagram to the relay too big for the back link;
# the client's socket must get the relay's "fragmentation needed" or
# "packet too big", translated. The client forgets the path MTU learnt
# before.
pmtu_learnt()
{
	local out

	gexec client ip "-$FAMILY" route flush cache
	out=$(gexec client perl "$GTOOLS/udperr.pl" send "$RELAY_FRONT" 53 1400) ||
		fail "$1: the DF datagram could not be sent: $out"
	[ "$out" = EMSGSIZE ] ||
		fail "$1: the client's socket got '$out', not EMSGSIZE from the relay's fragmentation-needed error"
	log "$1: the client's socket learnt the path MTU (EMSGSIZE)"
}

gexec relay ip link set eth1 mtu 1280 || fail "cannot set the back link's MTU"
translated0=$(relay_stat udp_icmp_translated)
pmtu_learnt "without conntrack"
gexec relay "$IPTABLES" -t nat -A "${masq[@]}" || fail "cannot add a MASQUERADE rule"
pmtu_learnt "with conntrack (MASQUERADE)"
translated=$(($(relay_stat udp_icmp_translated) - translated0))
((translated >= 2)) || fail "udp_icmp_translated moved by $translated for 2 translated errors"
gexec relay "$IPTABLES" -t nat -D "${masq[@]}"
gexec relay ip link set eth1 mtu 1500

gexec relay "$IPTABLES" -t raw -A "${zone[@]}" || fail "cannot add a CT rule"
query_from 5520 "$RELAY_FRONT" 53
note "the relay's ICMP error reached the client translated, with and without conntrack; a CT template did not keep the source from being rewritten"
