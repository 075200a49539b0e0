#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A UDP rule to a closed backend port: the backend's ICMP port unreachable
# is translated back, so dig reports "connection refused" at once, and
# udp_icmp_translated counts it.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'rule_quiet "del udp 5300"' EXIT
rule "add udp 5300 $SERVER_IP:5399"
icmp0=$(relay_stat udp_icmp_translated)
out=$(gsh client '
	s=$(date +%s%N)
	dig -p 5300 +tries=1 +timeout=5 "@$1" www.relay.test
	e=$(date +%s%N)
	echo "elapsed_ms=$(((e - s) / 1000000))"' "$RELAY_FRONT")
echo "$out"
echo "$out" | grep -qi 'connection refused' || fail "dig did not report 'connection refused'"
ms=$(echo "$out" | sed -n 's/^elapsed_ms=//p')
((ms < 2000)) || fail "dig took $ms ms to see the refusal"
icmp=$(($(relay_stat udp_icmp_translated) - icmp0))
((icmp >= 1)) || fail "udp_icmp_translated did not move"
