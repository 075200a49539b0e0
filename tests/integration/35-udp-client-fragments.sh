#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A client's datagram bigger than the MTU, towards the backend: a DNS query
# padded to 3 KB with an EDNS option (dnsq.pl big) goes out of the client in
# fragments; the relay reassembles it (netfilter's defragmenter), rewrites
# it and fragments it again towards the server, whose dnsmasq answers it.
# The relay guest's IP counters must show both the reassembly and the new
# fragments.  (20-udp-dns covers the answers; this, the queries.)
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
# ip_counter NAME: a counter of the "Ip:" lines of the relay's /proc/net/snmp.
ip_counter()
{
	gexec relay cat /proc/net/snmp | awk -v n="$1" '
		$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == "Ip:" { print $col[n] }'
}

reasm0=$(ip_counter ReasmOKs)
frags0=$(ip_counter FragCreates)
up0=$(relay_stat udp_bytes_up)
out=$(gexec client perl "$GTOOLS/dnsq.pl" big "$RELAY_FRONT" 53 www.relay.test 3000) ||
	fail "a 3 KB query through the relay: $out"
reasm=$(($(ip_counter ReasmOKs) - reasm0))
frags=$(($(ip_counter FragCreates) - frags0))
up=$(($(relay_stat udp_bytes_up) - up0))
log "relay: ReasmOKs +$reasm, FragCreates +$frags, udp_bytes_up +$up"
((reasm >= 1)) || fail "the relay reassembled no datagram (ReasmOKs +$reasm): the query was not fragmented"
((frags >= 2)) || fail "the relay sent the query on unfragmented (FragCreates +$frags)"
((up >= 3000)) || fail "udp_bytes_up moved by $up for a 3 KB query"
note "3 KB query: reassembled ($reasm) and refragmented ($frags fragments), answered"
