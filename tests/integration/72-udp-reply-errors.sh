#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors about the backend's replies reach the backend, translated as
# conntrack's NAT would (docs/design.md, "ICMP errors"): the backend sent
# to the relay's port R:r, so only an error that quotes B:b -> R:r reaches
# its socket. A one-shot backend answers from a connected socket with DF
# set (tests/guest/udperr.pl) and reports the error its socket got:
#  - the client's socket is gone when the reply comes (socat sends its
#    query and exits): the client's port unreachable, sent to the service
#    address, must come back to the backend as ECONNREFUSED;
#  - the reply is too big for the front link (MTU 1,280 on the relay's
#    eth0): the relay's own "fragmentation needed" or Packet Too Big must
#    reach the backend as EMSGSIZE, so that it learns the path MTU.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=5310
trap 'gexec relay ip link set eth0 mtu 1500 || true
	rule_quiet "del udp $port"
	gexec server sh -c "rm -f /tmp/reply-errors.out" || true' EXIT
rule "add udp $port $(addr_port "$SERVER_IP" "$port")"

server_bound() { gexec server ss -ulnH | awk -v p=":$1" '$4 ~ p "$" { f = 1 } END { exit !f }'; }

# backend_got SIZE: one query through the relay from a socket that closes
# at once; prints what the backend's socket learnt after its SIZE-byte
# reply.
backend_got()
{
	# The client has closed its socket when the answer comes, 1 s on.
	gsh server 'rm -f /tmp/reply-errors.out
		setsid perl "$1" answer "$2" "$3" "$4" 1 > /tmp/reply-errors.out 2>&1 < /dev/null &' \
		"$GTOOLS/udperr.pl" "$SERVER_IP" "$port" "$1" || fail "cannot start the backend on the server"
	retry 10 server_bound "$port" || fail "the backend does not listen on $port"
	gsh client 'echo query | socat -u - "UDP-SENDTO:$1"' "$(addr_port "$RELAY_FRONT" "$port")" ||
		fail "the client could not send its query"
	retry 10 gsh server 'grep . /tmp/reply-errors.out' || fail "the backend reported nothing"
}

translated0=$(relay_stat udp_icmp_translated)
out=$(backend_got 100)
[ "$out" = ECONNREFUSED ] ||
	fail "the client was gone, but the backend's socket got '$out', not ECONNREFUSED from its port unreachable"
log "client gone: the backend got $out"

gexec relay ip link set eth0 mtu 1280 || fail "cannot set the front link's MTU"
out=$(backend_got 1400)
[ "$out" = EMSGSIZE ] ||
	fail "a reply too big for the front link, but the backend's socket got '$out', not EMSGSIZE"
log "reply too big: the backend got $out"
translated=$(($(relay_stat udp_icmp_translated) - translated0))
((translated >= 2)) || fail "udp_icmp_translated moved by $translated for 2 translated errors"
note "errors about replies reached the backend: the client gone (ECONNREFUSED), a path MTU (EMSGSIZE)"
