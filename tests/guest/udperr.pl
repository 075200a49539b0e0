#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# One UDP datagram with DF set (IP_PMTUDISC_DO; IPv6 never fragments on
# the way) from a connected socket, and the ICMP error its socket learnt
# a second later, for the tests of translated errors (perl-base only):
#
#   udperr.pl send HOST PORT SIZE
#       SIZE bytes to HOST:PORT
#   udperr.pl answer ADDR PORT SIZE WAIT
#       wait (20 s at most) for one datagram to ADDR:PORT, then answer its
#       sender with SIZE bytes after WAIT seconds
#
# Prints what the socket got: "answered", "EMSGSIZE" (a path MTU learnt),
# "ECONNREFUSED" (a port unreachable), "nothing" or "error: ...". A UDP
# socket hears of ICMP errors only when it is connected.
use strict;
use warnings;
use IO::Socket::IP;
use Socket qw(IPPROTO_IP IPPROTO_IPV6 MSG_DONTWAIT);
use Errno qw(EMSGSIZE ECONNREFUSED EAGAIN);

sub set_df {
	my ($s, $addr) = @_;
	# IP_MTU_DISCOVER (10), IPV6_MTU_DISCOVER (23) = IP_PMTUDISC_DO (2).
	my ($level, $opt) = $addr =~ /:/ ? (IPPROTO_IPV6, 23) : (IPPROTO_IP, 10);
	setsockopt($s, $level, $opt, 2) or die "MTU_DISCOVER: $!\n";
}

sub send_and_report {
	my ($s, $size) = @_;
	defined send($s, 'x' x $size, 0) or die "send: $!\n";
	select(undef, undef, undef, 1);
	my $r = recv($s, my $buf, 4096, MSG_DONTWAIT);
	print defined $r ? "answered\n" : $! == EMSGSIZE ? "EMSGSIZE\n" :
		$! == ECONNREFUSED ? "ECONNREFUSED\n" : $! == EAGAIN ? "nothing\n" : "error: $!\n";
	return 0;
}

sub mode_send {
	my ($host, $port, $size) = @_;
	my $s = IO::Socket::IP->new(PeerHost => $host, PeerPort => $port, Proto => 'udp')
		or die "socket: $@\n";
	set_df($s, $host);
	return send_and_report($s, $size);
}

sub mode_answer {
	my ($addr, $port, $size, $wait) = @_;
	my $s = IO::Socket::IP->new(LocalHost => $addr, LocalPort => $port, Proto => 'udp')
		or die "socket: $@\n";
	set_df($s, $addr);
	local $SIG{ALRM} = sub { die "no datagram in 20 s\n" };
	alarm 20;
	my $peer = recv($s, my $q, 2048, 0) // die "recv: $!\n";
	alarm 0;
	connect($s, $peer) or die "connect: $!\n";
	select(undef, undef, undef, $wait);
	return send_and_report($s, $size);
}

my $mode = shift // '';
my %modes = (send => [\&mode_send, 3], answer => [\&mode_answer, 4]);
die "usage: udperr.pl send HOST PORT SIZE | answer ADDR PORT SIZE WAIT\n"
	unless $modes{$mode} && @ARGV == $modes{$mode}[1];
exit $modes{$mode}[0]->(@ARGV);
