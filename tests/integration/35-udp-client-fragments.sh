#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A client's datagram bigger than the MTU, towards the backend: a DNS query
# padded to 3 KB with an EDNS option (dnsq.pl big) goes out of the client in
# fragments; the relay reassembles it (netfilter's defragmenter), rewrites
# it and fragments it again towards the server, whose dnsmasq answers it.
# The relay guest's IP counters must show both the reassembly and the new
# fragments.  (20-udp-dns covers the answers; this, the queries.)
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
# Reassembly shows in the relay's ReasmOKs over IPv4; IPv6's defragmenter
# (nf_conntrack_reasm.c) counts nothing, so there the client's fragments
# stand for it.
if [ "$FAMILY" = 6 ]; then
	reasm_at=(client snmp6 Ip6FragCreates) frags_at=(relay snmp6 Ip6FragCreates)
else
	reasm_at=(relay snmp Ip:ReasmOKs) frags_at=(relay snmp Ip:FragCreates)
fi

reasm0=$(net_counter "${reasm_at[@]}")
frags0=$(net_counter "${frags_at[@]}")
up0=$(relay_stat udp_bytes_up)
out=$(gexec client perl "$GTOOLS/dnsq.pl" big "$RELAY_FRONT" 53 www.relay.test 3000) ||
	fail "a 3 KB query through the relay: $out"
reasm=$(($(net_counter "${reasm_at[@]}") - reasm0))
frags=$(($(net_counter "${frags_at[@]}") - frags0))
up=$(($(relay_stat udp_bytes_up) - up0))
log "${reasm_at[*]} +$reasm, ${frags_at[*]} +$frags, udp_bytes_up +$up"
((reasm >= 1)) || fail "no reassembly (${reasm_at[*]} +$reasm): the query was not fragmented"
((frags >= 2)) || fail "the relay sent the query on unfragmented (FragCreates +$frags)"
((up >= 3000)) || fail "udp_bytes_up moved by $up for a 3 KB query"
note "3 KB query: reassembled ($reasm) and refragmented ($frags fragments), answered"
