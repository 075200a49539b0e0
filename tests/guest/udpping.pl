#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# udpping.pl echo PORT
# udpping.pl ping HOST PORT COUNT WAIT
#
# UDP ping-pong of one datagram at a time (perl-base only). "echo" sends
# every datagram back to where it came from, until killed. "ping" sends
# COUNT datagrams to HOST:PORT, each only once the one before came back,
# so that each arrives alone at a guest with nothing else to do; a
# datagram not back within WAIT seconds is lost. A lost one that comes
# back later (while a later one is awaited) is named, with its delay: a
# frame held up, not dropped. It prints
#   ping: SENT sent, LOST lost, slowest MS ms
# and exits 1 if any was lost.
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use RelayTest qw(now);

my $mode = shift // '';
if ($mode eq 'echo' && @ARGV == 1) {
	my $s = IO::Socket::IP->new(LocalHost => '::', LocalPort => $ARGV[0], V6Only => 0,
				    Proto => 'udp')
		or die "udpping: bind to port $ARGV[0]: $@\n";
	while (1) {
		my $buf;
		my $peer = $s->recv($buf, 2048) // next;
		$s->send($buf, 0, $peer);
	}
}
die "usage: udpping.pl echo PORT | ping HOST PORT COUNT WAIT\n"
	unless $mode eq 'ping' && @ARGV == 4;

my ($host, $port, $count, $wait) = @ARGV;
my $s = IO::Socket::IP->new(PeerAddr => $host, PeerPort => $port, Proto => 'udp')
	or die "udpping: socket to $host:$port: $@\n";
my $sel = IO::Select->new($s);
my ($lost, $slowest) = (0, 0);
my %sent_at;
for my $i (1 .. $count) {
	my $t0 = now();
	$sent_at{$i} = $t0;
	defined $s->send("udpping $i") or die "udpping: send: $!\n";
	my $back = 0;
	while (!$back && (my $left = $t0 + $wait - now()) > 0) {
		next unless $sel->can_read($left);
		my $buf;
		defined $s->recv($buf, 2048) or next;
		$back = $buf eq "udpping $i";
		printf "# datagram %s came back after %.0f ms\n", $1,
			(now() - $sent_at{$1}) * 1000
			if !$back && $buf =~ /^udpping (\d+)$/ && $sent_at{$1};
	}
	my $ms = (now() - $t0) * 1000;
	if (!$back) {
		$lost++;
		printf "# datagram %d not back after %.0f ms\n", $i, $ms;
	}
	$slowest = $ms if $back && $ms > $slowest;
}
printf "ping: %d sent, %d lost, slowest %.1f ms\n", $count, $lost, $slowest;
exit($lost ? 1 : 0);
