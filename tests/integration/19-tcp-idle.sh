#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# After the TCP tests: no relayed connection left (conns, tcp_active, and no
# socket but listeners and TIME-WAIT in the relay guest), default rules.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
wait_tcp_idle 60 all
relay_conns
relay_rules
rules=$(relay_rules | awk '{ print $1, $2, $3 }' | sort)
want=$(printf '%s\n' "tcp *:80 $SERVER_IP:80" "udp 0.0.0.0:53 $SERVER_IP:53" "udp [::]:53 [$SERVER_IP6]:53" | sort)
[ "$rules" = "$want" ] || fail "rules are not the topology's defaults: $(echo "$rules" | tr '\n' ';')"
