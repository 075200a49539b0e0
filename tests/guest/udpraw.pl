#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# Raw IPv4/UDP sender for the stability tests, run in a guest as root
# (perl-base only).  The IP header is ours (IP_HDRINCL: the kernel fills in
# the total length and the header checksum), so the source address and port
# and the UDP header can be anything.  The payload is a DNS query.
#
#   udpraw.pl flows SRC DST DPORT SPORT0 COUNT PPS
#       one datagram from each source port SPORT0 .. SPORT0+COUNT-1, at PPS
#       (new flows: one relay mapping each)
#   udpraw.pl bad   SRC DST DPORT SPORT ROUNDS
#       ROUNDS x each malformed kind: UDP length beyond the datagram, UDP
#       length below 8, wrong checksum; plus well-formed edge cases that must
#       be relayed (checksum 0, empty payload).  Prints "dropped-expected N".
#   udpraw.pl spoof SRC SPORT DST DPORT COUNT
#       COUNT DNS-answer-like datagrams from SRC:SPORT (any address)
use strict;
use warnings;
use Socket qw(:all);
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use RelayTest qw(now dns_query);

$| = 1;

sub csum {
	my $d = shift;
	$d .= "\0" if length($d) % 2;
	my $s = 0;
	$s += $_ for unpack('n*', $d);
	$s = ($s & 0xffff) + ($s >> 16) while $s >> 16;
	return ~$s & 0xffff;
}

# A datagram: %o may set ulen (UDP length field), sum ('good', 'zero',
# 'bad'), payload.
sub dgram {
	my ($src, $sport, $dst, $dport, %o) = @_;
	my $payload = $o{payload} // dns_query($sport & 0xffff, 'www.relay.test');
	my $ulen = $o{ulen} // 8 + length($payload);
	my $s = inet_aton($src) or die "bad address $src\n";
	my $d = inet_aton($dst) or die "bad address $dst\n";
	my $udp = pack('nnnn', $sport, $dport, $ulen, 0) . $payload;
	my $sum = 0;
	my $how = $o{sum} // 'good';
	if ($how ne 'zero') {
		$sum = csum($s . $d . pack('CCn', 0, 17, length $udp) . $udp) || 0xffff;
		$sum ^= 0x5a5a if $how eq 'bad';
	}
	substr($udp, 6, 2) = pack('n', $sum);
	my $ip = pack('CCnnnCCna4a4', 0x45, 0, 20 + length $udp, int(rand(65536)),
		      0x4000, 64, 17, 0, $s, $d);
	return ($ip . $udp, $d);
}

my $raw;
sub send_dgram {
	my ($pkt, $d) = @_;
	unless ($raw) {
		socket($raw, PF_INET, SOCK_RAW, IPPROTO_RAW) or die "raw socket: $!\n";
	}
	return defined send($raw, $pkt, 0, pack_sockaddr_in(0, $d));
}

sub mode_flows {
	my ($src, $dst, $dport, $sport0, $count, $pps) = @_;
	my ($sent, $err, $t0) = (0, 0, now());
	for my $i (0 .. $count - 1) {
		send_dgram(dgram($src, $sport0 + $i, $dst, $dport)) ? $sent++ : $err++;
		# small bursts: the UML network drops long ones
		next if $i % 10;
		my $wait = $t0 + ($i + 1) / $pps - now();
		select(undef, undef, undef, $wait) if $wait > 0;
	}
	printf "flows: %d sent from ports %d-%d in %.1f s, %d send errors\n",
		$sent, $sport0, $sport0 + $count - 1, now() - $t0, $err;
	return $err ? 1 : 0;
}

sub mode_bad {
	my ($src, $dst, $dport, $sport, $rounds) = @_;
	my %sent;
	my @kinds = (
		# name, options, dropped by the relay?
		['len_beyond', { ulen => 200 }, 1],
		['len_below_8', { ulen => 4 }, 1],
		['len_zero', { ulen => 0 }, 1],
		['bad_checksum', { sum => 'bad' }, 1],
		['bad_checksum_short', { sum => 'bad', payload => 'x' }, 1],
		['no_checksum', { sum => 'zero' }, 0],
		['empty_payload', { payload => '' }, 0],
		# shorter than the data: valid, the receiver trims the rest
		['len_short_of_data', { ulen => 12 }, 0],
	);
	my $expect = 0;
	for my $r (1 .. $rounds) {
		for my $k (@kinds) {
			my ($name, $o, $drop) = @$k;
			next unless send_dgram(dgram($src, $sport, $dst, $dport, %$o));
			$sent{$name}++;
			$expect++ if $drop;
		}
		select(undef, undef, undef, 0.01);
	}
	print "bad: ", join(' ', map { "$_=" . ($sent{$_} // 0) } map { $_->[0] } @kinds), "\n";
	print "dropped-expected $expect\n";
	return 0;
}

sub mode_spoof {
	my ($src, $sport, $dst, $dport, $count) = @_;
	my $ans = pack('nnnnnn', 4242, 0x8180, 1, 1, 0, 0) . 'spoofed-answer';
	my $sent = 0;
	for (1 .. $count) {
		$sent++ if send_dgram(dgram($src, $sport, $dst, $dport, payload => $ans));
	}
	print "spoof: $sent from $src:$sport to $dst:$dport\n";
	return $sent == $count ? 0 : 1;
}

my $mode = shift // '';
my %modes = (flows => [\&mode_flows, 6], bad => [\&mode_bad, 5], spoof => [\&mode_spoof, 5]);
die "usage: udpraw.pl flows|bad|spoof ARGS...\n" unless $modes{$mode} && @ARGV == $modes{$mode}[1];
exit $modes{$mode}[0]->(@ARGV);
