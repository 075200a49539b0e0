#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The rules file rejects bad commands with the documented errno and leaves
# the rule set unchanged.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'relay_restore; gexec relay sh -c "kill \$(cat /tmp/rk-listen.pid) 2>/dev/null" || true' EXIT
before=$(relay_rules | awk '{ print $1, $2, $3 }')

# expect ERRNO CMD: writing CMD to the rules file must fail with ERRNO.
expect()
{
	local want=$1 cmd=$2 got

	got=$(relay_write rules "$cmd") && fail "'$cmd' was accepted, expected $want"
	[ "${got%% *}" = "$want" ] || fail "'$cmd' failed with $got, expected $want"
	log "'$cmd' -> $got"
}

expect EEXIST "add tcp 80 $SERVER_IP:80"
expect EEXIST "add udp 53 $SERVER_IP:53"
expect EEXIST "add tcp *:80 $SERVER_IP:8080"
expect EADDRINUSE "add tcp 0.0.0.0:80 $SERVER_IP:8080"
expect EADDRINUSE "add tcp [::]:80 $SERVER_IP:8080"
expect ENOENT "del tcp 8123"
expect ENOENT "del udp 8123"
expect EINVAL "add tcp 80"
expect EINVAL "add tcp 99999 $SERVER_IP:80"
expect EINVAL "add tcp 8124 $SERVER_IP:0"
expect EINVAL "add tcp 8124 $SERVER_IP"
expect EINVAL "add tcp 8124 300.1.2.3:80"
expect EINVAL "add sctp 8124 $SERVER_IP:80"
expect EINVAL "remove tcp 80"
expect EINVAL "add tcp 8124 $SERVER_IP:80 extra"
expect EINVAL "add tcp 8124 2001:db8::1:80"
expect EINVAL "add tcp 8124 [fe80::1%eth1]:80"
expect EINVAL "add udp 8124 [2001:db8::1]x:53"
expect EINVAL "add udp 192.0.2.1:8124 [2001:db8::1]:53"
expect EADDRNOTAVAIL "add udp [2001:db8:9::9]:8124 [2001:db8::1]:53"

# A port that a user-space socket already holds.
gsh relay 'socat TCP-LISTEN:8125,reuseaddr /dev/null & echo $! > /tmp/rk-listen.pid'
retry 10 gsh relay 'ss -tlnH | grep -q ":8125 "' || fail "socat did not listen on 8125 in the relay guest"
expect EADDRINUSE "add tcp 8125 $SERVER_IP:80"

# Without CAP_NET_ADMIN: the file is 0666, the write is refused.
got=$(gexec relay setpriv --reuid=65534 --regid=65534 --clear-groups \
	perl "$GTOOLS/procwrite.pl" "$RELAY_PROC/rules" "add tcp 8126 $SERVER_IP:80") &&
	fail "an unprivileged user could add a rule"
[ "${got%% *}" = EPERM ] || fail "unprivileged write failed with $got, expected EPERM"

# Trailing newline is optional; add/del pairs work.
rule "add tcp 8127 $SERVER_IP:80"
rule $'del tcp 8127\n'
rule $'add udp 198.51.100.1:8128 '"$SERVER_IP"$':53\n'
grep -q "^udp 198.51.100.1:8128 $SERVER_IP:53 " <<< "$(relay_rules)" || fail "rule with a listen address not listed: $(relay_rules)"
rule "del udp 198.51.100.1:8128"

after=$(relay_rules | awk '{ print $1, $2, $3 }')
[ "$before" = "$after" ] || fail "rules changed: before '$before', after '$after'"
