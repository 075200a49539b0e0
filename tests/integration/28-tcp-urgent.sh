#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Urgent data (MSG_OOB) from the client: the relay keeps it in line and
# passes it on as an ordinary byte (docs/design.md, "Urgent data"), so the
# echo comes back whole and in order, and the relay does not stall at the
# urgent mark (tcp_read_sock() alone would never move past it).
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
trap 'rule_quiet "del tcp 7"' EXIT
rule "add tcp 7 $SERVER_IP:7"

# shellcheck disable=SC2016 # perl code, run in the client guest
urgent_echo='
use strict;
use IO::Socket::INET;
use Socket qw(MSG_OOB SHUT_WR);
my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => 7, Proto => "tcp")
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
wait_tcp_idle 20
