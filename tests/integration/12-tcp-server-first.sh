#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A backend that speaks first (banner on port 2000): the client, which sends
# nothing, must get the banner through the relay.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 2000"' EXIT
rule "add tcp 2000 $(addr_port "$SERVER_IP" 2000)"

out=$(gexec client timeout 3 socat -u "TCP:$(addr_port "$RELAY_FRONT" 2000)" - | head -n 1) || true
[[ $out == "RELAYKIT-BANNER server" ]] || fail "client got '$out' instead of the server's banner"
wait_tcp_idle 20
