#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `del tcp` while the rule's relays are live: every one of them is reset
# (docs/usage.md: tcp_resets counts `del`), the port stops listening, and
# the other rules go on serving.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap hold_relays_cleanup EXIT
hold_relays 20

resets0=$(relay_stat tcp_resets)
rule "del tcp 7"
# The held connections end now, not when the client gives up (60 s).
held_relays_ended del
resets=$(($(relay_stat tcp_resets) - resets0))
((resets >= 20)) || fail "del ended 20 relays, tcp_resets moved by $resets"
rules=$(relay_rules)
[[ $rules != *"tcp *:7 "* ]] || fail "the rule is still listed after del: $rules"
if gexec relay ss -tlnH | awk '$4 ~ /:7$/ { f = 1 } END { exit !f }'; then
	fail "port 7 still listens in the relay guest after del"
fi
page=$(gexec client curl -sS --max-time 10 "$RELAY_HTTP/") || fail "port 80 no longer relays after del of port 7"
[ "$page" = "relaykit server" ] || fail "page after del: '$page'"
note "del reset $resets of 20 live relays; port 80 still served"
wait_tcp_idle 30
