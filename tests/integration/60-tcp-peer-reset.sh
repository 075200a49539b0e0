#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An abort on one side is a reset on the other, never preceded by a FIN
# (docs/usage.md), both ways (tests/guest/rstpeer.pl):
#  - the server sends 6 bytes and aborts (SO_LINGER 0): the client, reading
#    to the end, must get ECONNRESET, not EOF (a truncated response read as
#    a complete one);
#  - the client sends 6 bytes and aborts: the server must get ECONNRESET.
# Three times each; tcp_resets counts every one.
# relaykit-test: quick
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
down=8094
up=8093
trap 'rule_quiet "del tcp $down"; rule_quiet "del tcp $up"; gexec server rm -f /tmp/rstpeer.out' EXIT
rule "add tcp $down $(addr_port "$SERVER_IP" "$down")"
rule "add tcp $up $(addr_port "$SERVER_IP" "$up")"

# serve MODE PORT [ARG]: one rstpeer.pl server in the server guest, its
# report in /tmp/rstpeer.out (reported); returns once it listens.
serve()
{
	gsh server 'setsid perl "$1" "$2" "$3" ${4:+"$4"} > /tmp/rstpeer.out 2>&1 < /dev/null &' \
		"$GTOOLS/rstpeer.pl" "$@" || fail "cannot start rstpeer.pl $1 in the server"
	retry 10 server_listening "$2" || fail "rstpeer.pl $1 does not listen on $2"
}

reported() { gexec server grep . /tmp/rstpeer.out; }

resets0=$(relay_stat tcp_resets)
for i in 1 2 3; do
	serve serve-abort "$down" abcdef
	out=$(gexec client perl "$GTOOLS/rstpeer.pl" connect-read "$RELAY_FRONT" "$down") ||
		fail "backend abort $i: the client failed: $out"
	log "backend abort $i: the client read: $out"
	[[ $out == "reset after "* ]] || fail "the backend aborted, the client got: $out"

	serve serve-read "$up"
	out=$(gexec client perl "$GTOOLS/rstpeer.pl" connect-abort "$RELAY_FRONT" "$up" abcdef) ||
		fail "client abort $i: $out"
	out=$(retry 10 reported) || fail "client abort $i: the server reported nothing"
	log "client abort $i: the server read: $out"
	[[ $out == "reset after "* ]] || fail "the client aborted, the server got: $out"
done
resets=$(($(relay_stat tcp_resets) - resets0))
((resets >= 6)) || fail "6 aborts relayed, tcp_resets moved by $resets"
note "3 backend and 3 client aborts reached the other side as resets"
wait_tcp_idle 20
