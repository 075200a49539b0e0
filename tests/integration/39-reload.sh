#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make reload's script on the running relay guest (./uml/reload.sh with
# NO_BUILD=1: the module as it is built): the old module goes, the guest
# loads the file on the host (not cached pages), the topology's rules are
# back and the relay serves.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
relay_is_module || skip "net_relay is built into the relay's kernel: nothing to reload"
trap 'relay_restore' EXIT
rule "add tcp 7 $SERVER_IP:7"
out=$(NO_BUILD=1 RUN=$RUN "$KIT/uml/reload.sh" relay 2>&1) || {
	echo "$out"
	fail "uml/reload.sh failed"
}
echo "$out"
rules=$(relay_rules | awk '{ print $1, $2, $3 }' | sort)
[[ $rules != *"tcp *:7 "* ]] || fail "the rule added before the reload survived it: the module was not reloaded"
want=$(printf '%s\n' "tcp *:80 $SERVER_IP:80" "udp 0.0.0.0:53 $SERVER_IP:53" "udp [::]:53 [$SERVER_IP6]:53" | sort)
[ "$rules" = "$want" ] || fail "rules after the reload are not the topology's: $(echo "$rules" | tr '\n' ';')"
page=$(gexec client curl -sS --max-time 10 "http://$RELAY_FRONT/") || fail "no page through the relay after the reload"
[ "$page" = "relaykit server" ] || fail "page after the reload: '$page'"
