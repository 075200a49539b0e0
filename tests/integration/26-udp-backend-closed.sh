#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A UDP rule to a closed backend port: the backend's ICMP port unreachable
# is translated back, so dig reports "connection refused" (which only an
# ICMP error gives it; without one it times out), and udp_icmp_translated
# counts it.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'rule_quiet "del udp 5300"' EXIT
rule "add udp 5300 $(addr_port "$SERVER_IP" 5399)"
icmp0=$(relay_stat udp_icmp_translated)
rc=0
out=$(gexec client dig -p 5300 +tries=1 +timeout=20 "@$RELAY_FRONT" www.relay.test) || rc=$?
echo "$out"
log "dig exit status $rc (9: no answer)"
[ "$(echo "$out" | grep -ci 'connection refused')" -gt 0 ] || fail "dig did not report 'connection refused'"
icmp=$(($(relay_stat udp_icmp_translated) - icmp0))
((icmp >= 1)) || fail "udp_icmp_translated did not move"
