#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nslab.sh up|down: a small network of namespaces inside the guest it runs
# in (the relay), for the tests of net/relay's per-namespace behaviour.
#
#   nslab-c ──── nslab-r1 (relay 1, also a router) ──── nslab-s
#       └─────── nslab-r2 (relay 2) ───────────────────────┘
#
#   c   198.18.1.2 (to r1)  198.18.3.2 (to r2); 198.18.2.0/24 via r1
#   r1  198.18.1.1  198.18.2.1, forwarding
#   r2  198.18.3.1  198.18.4.1
#   s   198.18.2.2 (to r1)  198.18.4.2 (to r2); 198.18.1.0/24 via r1
#
# s runs TCP and UDP echo services on port 7 (perl); their pids are kept
# in /tmp/nslab.pids, and down stops them by pid before it deletes the
# namespaces (rules still in them go with them). The addresses
# (198.18.0.0/15, for benchmarks) exist only inside the guest.
set -eu

NSS="c s r1 r2"
HERE=$(dirname "$0")
PIDS=/tmp/nslab.pids

# link A ADDR_A B ADDR_B: a veth pair between namespaces A and B, named
# after the other end.
link()
{
	ip link add "$3" netns "nslab-$1" type veth peer name "$1" netns "nslab-$3"
	ip -n "nslab-$1" addr add "$2/24" dev "$3"
	ip -n "nslab-$3" addr add "$4/24" dev "$1"
	ip -n "nslab-$1" link set "$3" up
	ip -n "nslab-$3" link set "$1" up
}

up()
{
	for n in $NSS; do
		ip netns add "nslab-$n"
		ip -n "nslab-$n" link set lo up
	done
	link c 198.18.1.2 r1 198.18.1.1
	link r1 198.18.2.1 s 198.18.2.2
	link c 198.18.3.2 r2 198.18.3.1
	link r2 198.18.4.1 s 198.18.4.2
	ip netns exec nslab-r1 sysctl -qw net.ipv4.ip_forward=1
	ip -n nslab-c route add 198.18.2.0/24 via 198.18.1.1
	ip -n nslab-s route add 198.18.1.0/24 via 198.18.2.1
	ip netns exec nslab-s perl "$HERE/echod.pl" 7 < /dev/null > /dev/null 2>&1 &
	echo $! >> "$PIDS"
	# shellcheck disable=SC2016 # perl's variables
	ip netns exec nslab-s perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalPort => 7, Proto => "udp") or die "udp 7: $!";
		while (my $peer = $s->recv(my $buf, 65535)) { $s->send($buf, 0, $peer) }' \
		< /dev/null > /dev/null 2>&1 &
	echo $! >> "$PIDS"
}

down()
{
	if [ -f "$PIDS" ]; then
		while read -r pid; do
			kill "$pid" 2> /dev/null || true
		done < "$PIDS"
		rm -f "$PIDS"
	fi
	for n in $NSS; do
		ip netns del "nslab-$n" 2> /dev/null || true
	done
}

case ${1:-} in
up) down; up ;;
down) down ;;
*) echo "usage: nslab.sh up|down" >&2; exit 2 ;;
esac
