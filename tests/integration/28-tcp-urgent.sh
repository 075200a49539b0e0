#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Urgent data (MSG_OOB) from the client: the relay keeps it in line and
# passes it on as an ordinary byte (docs/design.md, "Urgent data"), so the
# echo comes back whole and in order, and the relay does not stall at the
# urgent mark (tcp_read_sock() alone would never move past it).
#
# Second case: bytes, the urgent byte and more bytes in one segment (TCP_CORK),
# as telnet's IP+DM and FTP's ABOR send them. read_sock then moves the bytes
# before the mark and stops: the rest must follow at once, not wait for an
# unrelated event. So the backend answers only once it has all 12 bytes, or
# after 5 s with what it has (an echo server's reply would be such an event).
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
collect_port=8095
trap 'rule_quiet "del tcp 7"; rule_quiet "del tcp $collect_port"' EXIT
rule "add tcp 7 $(addr_port "$SERVER_IP" 7)"
rule "add tcp $collect_port $(addr_port "$SERVER_IP" "$collect_port")"

# shellcheck disable=SC2016 # perl code, run in the client guest
urgent_echo='
use strict;
use IO::Socket::IP;
use Socket qw(MSG_OOB SHUT_WR);
my $s = IO::Socket::IP->new(PeerAddr => $ARGV[0], PeerPort => 7, Proto => "tcp")
	or die "connect: $!\n";
for my $part (["before-", 0], ["U", MSG_OOB], ["-after", 0]) {
	defined send($s, $part->[0], $part->[1]) or die "send: $!\n";
	select(undef, undef, undef, 0.2);
}
shutdown($s, SHUT_WR);
my $got = "";
while (sysread($s, my $buf, 4096)) { $got .= $buf; }
print "$got\n";'

out=$(gexec -t 20 client timeout 15 perl -e "$urgent_echo" "$RELAY_FRONT") ||
	fail "the echo with urgent data did not complete (relay stalled at the urgent mark?): '$out'"
[ "$out" = "before-U-after" ] || fail "echo with urgent data came back as '$out', not 'before-U-after'"
log "echo with an urgent byte in the middle: '$out'"

# shellcheck disable=SC2016 # perl code, run in the server guest
collect='
use strict;
use IO::Socket::IP;
my ($port, $want, $wait) = @ARGV;
my $l = IO::Socket::IP->new(LocalHost => "::", LocalPort => $port, V6Only => 0, Listen => 1, ReuseAddr => 1)
	or die "listen: $!\n";
$SIG{ALRM} = sub { die "no connection\n" };
alarm 30;
my $s = $l->accept or die "accept: $!\n";
alarm 0;
my ($got, $rin) = ("", "");
vec($rin, fileno($s), 1) = 1;
while (length($got) < $want && select(my $r = $rin, undef, undef, $wait)) {
	sysread($s, my $buf, 4096) or last;
	$got .= $buf;
}
syswrite($s, $got);'

# shellcheck disable=SC2016 # perl code, run in the client guest
burst='
use strict;
use IO::Socket::IP;
use Socket qw(IPPROTO_TCP MSG_OOB TCP_CORK);
my $s = IO::Socket::IP->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "tcp")
	or die "connect: $!\n";
setsockopt($s, IPPROTO_TCP, TCP_CORK, 1) or die "TCP_CORK: $!\n";
for my $part (["burst-", 0], ["U", MSG_OOB], ["-tail", 0]) {
	defined send($s, $part->[0], $part->[1]) or die "send: $!\n";
}
setsockopt($s, IPPROTO_TCP, TCP_CORK, 0) or die "TCP_CORK: $!\n";
my $got = "";
while (sysread($s, my $buf, 4096)) { $got .= $buf; }
print "$got\n";'

gsh server 'setsid perl -e "$1" "$2" 12 5 > /tmp/urgent-collect.log 2>&1 < /dev/null &' \
	"$collect" "$collect_port" || fail "cannot start the collecting server"
retry 10 server_listening "$collect_port" || fail "the collecting server does not listen"
out=$(gexec -t 20 client timeout 15 perl -e "$burst" "$RELAY_FRONT" "$collect_port") ||
	fail "the burst with urgent data failed: '$out'"
[ "$out" = "burst-U-tail" ] ||
	fail "the backend had '$out' of one segment 'burst-U-tail' (U urgent) after 5 s: stalled at the urgent mark?"
log "one segment with the urgent byte in the middle reached the backend at once: '$out'"
wait_tcp_idle 20
