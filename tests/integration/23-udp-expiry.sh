#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# With net.relay.udp_timeout=5 an idle mapping leaves /proc/net/relay/conns
# within a few seconds, and udp_mappings_expired counts it. 5, not less:
# the mapping must still be there when the next exec reads conns, which
# takes over a second on a busy x86 relay.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap relay_restore EXIT
relay_sysctl udp_timeout 5
port=5402
expired0=$(relay_stat udp_mappings_expired)
a=$(gexec client dig -b "$CLIENT_IP#$port" +short +tries=1 +timeout=3 "@$RELAY_FRONT" www.relay.test) || true
[ "$a" = "$WWW_A" ] || fail "no answer through the relay: '$a'"
t0=$SECONDS
mapped() { relay_conn_lines udp | awk -v c="$(addr_port "$CLIENT_IP" "$port")" '$2 == c { f = 1 } END { exit !f }'; }
gone() { ! mapped; }
mapped || fail "no mapping for $CLIENT_IP:$port in conns right after the query"
retry 20 gone || fail "mapping for $CLIENT_IP:$port still in conns after $((SECONDS - t0)) s (udp_timeout=5)"
log "mapping gone after about $((SECONDS - t0)) s"
expired=$(($(relay_stat udp_mappings_expired) - expired0))
((expired >= 1)) || fail "udp_mappings_expired did not move"
