# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# bench/addresses.sh: the addresses of the bench topologies
# (uml/topology/bench.topo, bench-x86.topo) per address family, sourced by
# bench/bench.sh on the host and by bench/guest.sh in the relay guest. The
# topology files give the guests these addresses and bench/dnsmasq.conf
# listens on the server's: a change here goes there too.

# shellcheck source=../uml/lib/addr.sh
. "$(dirname "${BASH_SOURCE[0]}")/../uml/lib/addr.sh"

# bench_family FAMILY: the addresses of FAMILY (4 or 6) for what follows;
# non-zero for another family.
#   FRONT       the relay's front address: where the client connects
#   SERVER      the server's: where the relays connect (and the client, in
#               the forward case)
#   CLIENT_IPS  the client's two addresses (connrate's sources)
# shellcheck disable=SC2034 # used by the scripts that source this file
bench_family()
{
	case $1 in
	4)
		FRONT=192.0.2.1
		SERVER=198.51.100.2
		CLIENT_IPS="192.0.2.10 192.0.2.11"
		;;
	6)
		FRONT=2001:db8:1::1
		SERVER=2001:db8:2::2
		CLIENT_IPS="2001:db8:1::10 2001:db8:1::11"
		;;
	*) return 1 ;;
	esac
}
