#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors about the backend's replies reach the backend, translated as
# conntrack's NAT would (docs/design.md, "ICMP errors"): the backend sent
# to the relay's port R:r, so only an error that quotes B:b -> R:r reaches
# its socket. A one-shot backend answers from a connected socket with DF
# set and reports the error its socket got:
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

# shellcheck disable=SC2016 # perl code, run in the server guest
backend='
use strict;
use IO::Socket::IP;
use Socket qw(IPPROTO_IP IPPROTO_IPV6 MSG_DONTWAIT);
use Errno qw(EMSGSIZE ECONNREFUSED EAGAIN);
my ($addr, $port, $size) = @ARGV;
my $s = IO::Socket::IP->new(LocalHost => $addr, LocalPort => $port, Proto => "udp")
	or die "socket: $@\n";
# IP_MTU_DISCOVER (10), IPV6_MTU_DISCOVER (23) = IP_PMTUDISC_DO (2).
my ($level, $opt) = $addr =~ /:/ ? (IPPROTO_IPV6, 23) : (IPPROTO_IP, 10);
setsockopt($s, $level, $opt, 2) or die "MTU_DISCOVER: $!\n";
$SIG{ALRM} = sub { print "no query\n"; exit 1 };
alarm 20;
my $peer = recv($s, my $q, 2048, 0) // die "recv: $!\n";
alarm 0;
# Connected: an ICMP error reaches a UDP socket only so.
connect($s, $peer) or die "connect: $!\n";
# The client has closed its socket by then.
select(undef, undef, undef, 1);
defined send($s, "r" x $size, 0) or die "send: $!\n";
select(undef, undef, undef, 1);
my $r = recv($s, my $buf, 4096, MSG_DONTWAIT);
print defined $r ? "answered\n" : $! == EMSGSIZE ? "EMSGSIZE\n" :
	$! == ECONNREFUSED ? "ECONNREFUSED\n" : $! == EAGAIN ? "nothing\n" : "error: $!\n";'

server_bound() { gexec server ss -ulnH | awk -v p=":$1" '$4 ~ p "$" { f = 1 } END { exit !f }'; }

# backend_got SIZE: one query through the relay from a socket that closes
# at once; prints what the backend's socket learnt after its SIZE-byte
# reply.
backend_got()
{
	gsh server 'rm -f /tmp/reply-errors.out
		setsid perl -e "$1" "$2" "$3" "$4" > /tmp/reply-errors.out 2>&1 < /dev/null &' \
		"$backend" "$SERVER_IP" "$port" "$1" || fail "cannot start the backend on the server"
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
