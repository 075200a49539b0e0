#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# While queries flow through the UDP relay: stop/start, del/add of the rule
# and rmmod/insmod.  No report in the kernel log (checked by the runner),
# answers again afterwards, and the mapping table empties.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
flow_out=$(mktemp)
trap 'relay_restore; rm -f "$flow_out"' EXIT

gexec -t 120 client perl "$GTOOLS/dnsq.pl" flow "$RELAY_FRONT" 53 www.relay.test 25 200 > "$flow_out" 2>&1 &
flow_pid=$!
sleep 3
out=$(relay_write control stop) || fail "control stop: $out"
sleep 1
out=$(relay_write control start) || fail "control start: $out"
sleep 1
rule "del udp 53"
sleep 1
log "mappings after del: $(relay_conn_lines udp | wc -l)"
rule "add udp 53 $SERVER_IP4:53"
rule "add udp 53 [$SERVER_IP6]:53"
sleep 1
if relay_is_module; then
	out=$(gexec -t 60 relay rmmod net_relay 2>&1) || fail "rmmod net_relay while queries flow: $out"
	sleep 1
	relay_reload
else
	log "net_relay is built in: no rmmod"
fi
wait "$flow_pid" || fail "query flow failed: $(cat "$flow_out")"
cat "$flow_out"

a=$(gexec client dig +short +tries=1 +timeout=3 "@$RELAY_FRONT" www.relay.test) || true
[ "$a" = "$WWW_A" ] || fail "no answer through the relay afterwards: '$a'"
relay_sysctl udp_timeout 1
wait_udp_empty 30
