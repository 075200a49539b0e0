#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# With net.relay.udp_max_mappings=5, queries from 5 source ports are
# answered; then 5 more from new ports are dropped and counted in
# udp_table_full: a table full of answered flows makes no room (only flows
# that never saw a reply do, see udp-spoof-flood).
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap relay_restore EXIT
relay_sysctl udp_max_mappings 5
relay_sysctl udp_timeout 1
wait_udp_empty 30
relay_sysctl udp_timeout 30
full0=$(relay_stat udp_table_full)

# Up to 10 s for the answers (multi returns once all 5 are in): a fresh
# clone's x86 relay under a busy host once relayed all five answers
# (down=56 in conns) and the client had seen only 4 after 3 s.
out=$(gexec client perl "$GTOOLS/dnsq.pl" multi "$RELAY_FRONT" 53 www.relay.test 5 10)
echo "$out"
# A mapping made by someone else since the table was empty would take a
# place (and a query's mapping be evicted): the conns say whose.
[ "$out" = "multi: 5 of 5 answered" ] ||
	fail "with udp_max_mappings=5, the first 5: $out; conns: $(relay_conn_lines udp | tr '\n' ';')"
out=$(gexec client perl "$GTOOLS/dnsq.pl" multi "$RELAY_FRONT" 53 www.relay.test 5 3)
echo "$out"
[ "$out" = "multi: 0 of 5 answered" ] || fail "with udp_max_mappings=5 answered flows, 5 more: $out"
full=$(($(relay_stat udp_table_full) - full0))
((full >= 5)) || fail "udp_table_full moved by $full for 5 refused mappings"
n=$(relay_stat udp_mappings)
[ "$n" = 5 ] || fail "udp_mappings is $n, expected 5"
