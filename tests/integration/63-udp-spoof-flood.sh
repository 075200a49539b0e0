#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A flood of datagrams from spoofed sources fills the mapping table with
# flows that never see a reply; a legitimate client must still be answered
# during it (docs/design.md, "Unreplied mappings"): such mappings expire
# after udp_unreplied_timeout and make room when the table is full, as
# conntrack's early drop does. The flood (random sources, 2,000/s for 10 s:
# hping3, or over IPv6, which hping3 lacks, udpraw.pl) goes to a rule whose backend port has no socket: the server
# answers only with ICMP errors, so no flood mapping is ever replied. The
# table is kept small (udp_max_mappings=500) so that the flood fills it in a
# quarter of a second.
# Alone (a parallel run puts it after the lanes): every query must be
# answered during a flood the relay guest only keeps up with when it has
# its CPU.
# relaykit-test: exclusive
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
flood_port=5070
flood_out=$(mktemp)
trap 'relay_restore; rm -f "$flood_out"' EXIT
relay_sysctl udp_max_mappings 500
rule "add udp $flood_port $(addr_port "$SERVER_IP" "$flood_port")"
full0=$(relay_stat udp_table_full)
evicted0=$(relay_stat udp_evicted)

# timeout(1) ends hping3 after its 10 s and says so with 124; udpraw.pl
# stops by itself.
if [ "$FAMILY" = 6 ]; then
	EXEC_TIMEOUT=60 gexec client perl "$GTOOLS/udpraw.pl" flood "$CLIENT_IP" "$RELAY_FRONT" \
		"$flood_port" 10 2000 > "$flood_out" 2>&1 &
	flood_ok=0
else
	EXEC_TIMEOUT=60 gexec client timeout -s INT 10 hping3 -q --udp -p "$flood_port" -i u500 \
		--rand-source "$RELAY_FRONT" > "$flood_out" 2>&1 &
	flood_ok=124
fi
flood_pid=$!
table_full() { (($(relay_stat udp_mappings) >= 500)); }
retry 5 table_full || fail "the flood did not fill the table: $(relay_stat udp_mappings) mappings"
out=$(gexec client perl "$GTOOLS/dnsq.pl" multi "$RELAY_FRONT" 53 www.relay.test 10 3)
maps=$(relay_stat udp_mappings)
rc=0
wait "$flood_pid" || rc=$?
log "flood (exit $rc): $(cat "$flood_out")"
[ "$rc" = "$flood_ok" ] || fail "the flood did not run its 10 s (exit $rc): $(tail -n 1 "$flood_out")"
evicted=$(($(relay_stat udp_evicted) - evicted0))
full=$(($(relay_stat udp_table_full) - full0))
log "during the flood: $out, $maps mappings; udp_evicted +$evicted, udp_table_full +$full"
[ "$out" = "multi: 10 of 10 answered" ] || fail "during a spoofed flood into a full table: $out"
((evicted >= 10)) || fail "udp_evicted moved by $evicted: the table was not full?"
note "spoofed flood into a full table: 10 of 10 queries answered, $evicted unreplied mappings evicted"
