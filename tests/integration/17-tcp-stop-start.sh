#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# control stop/start while relayed connections are live: stop resets every
# live relay (docs/usage.md) and refuses new clients but keeps the rules,
# start serves again, and nothing is left behind.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'relay_restore; hold_relays_cleanup' EXIT
hold_relays 20

resets0=$(relay_stat tcp_resets)
out=$(relay_write control stop) || fail "control stop: $out"
state=$(gexec relay cat "$RELAY_PROC/control")
[ "$state" = stopped ] || fail "control reads '$state' after stop"
# The held connections end now, not when the client gives up (60 s).
held_relays_ended stop
resets=$(($(relay_stat tcp_resets) - resets0))
((resets >= 20)) || fail "stop ended 20 relays, tcp_resets moved by $resets"
grep -q "^tcp \*:80 " <<< "$(relay_rules)" || fail "stop dropped the rules: $(relay_rules)"
if gexec client curl -sS --max-time 5 -o /dev/null "$RELAY_HTTP/"; then
	fail "a new client was served while the relay was stopped"
fi

out=$(relay_write control start) || fail "control start: $out"
state=$(gexec relay cat "$RELAY_PROC/control")
[ "$state" = running ] || fail "control reads '$state' after start"
page=$(retry 5 gexec client curl -sS --max-time 10 "$RELAY_HTTP/") ||
	fail "no page through the relay after start"
[ "$page" = "relaykit server" ] || fail "page after start: '$page'"

wait_tcp_idle 30
