#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# Raw UDP sender for the stability tests, IPv4 or IPv6 (by the addresses'
# family), run in a guest as root (perl-base only).  The IP header is ours
# (IPPROTO_RAW: IPv4's total length and header checksum filled in by the
# kernel), so the source address and port and the UDP header can be
# anything.  The payload is a DNS query.
#
#   udpraw.pl flows SRC DST DPORT SPORT0 COUNT PPS
#       one datagram from each source port SPORT0 .. SPORT0+COUNT-1, at PPS
#       (new flows: one relay mapping each)
#   udpraw.pl bad   SRC DST DPORT SPORT ROUNDS
#       ROUNDS x each malformed kind: UDP length beyond the datagram, UDP
#       length below 8, wrong checksum, and over IPv6 checksum 0 (RFC 8200
#       forbids it); plus well-formed edge cases that must be relayed
#       (checksum 0 over IPv4, empty payload).  Prints "dropped-expected N".
#   udpraw.pl spoof SRC SPORT DST DPORT COUNT
#       COUNT DNS-answer-like datagrams from SRC:SPORT (any address)
#   udpraw.pl flood SRC DST DPORT SECONDS PPS
#       datagrams at PPS for SECONDS, each from a random port of a random
#       address that shares SRC's first 64 (IPv6) or 16 (IPv4) bits: a
#       spoofed flood of new flows (hping3 --rand-source speaks no IPv6)
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

sub is_ipv6 {
	return index(shift, ':') >= 0;
}

sub packed {
	my $a = shift;
	return (is_ipv6($a) ? inet_pton(AF_INET6, $a) : inet_aton($a)) // die "bad address $a\n";
}

# A datagram: %o may set ulen (UDP length field), sum ('good', 'zero',
# 'bad'), payload.  Returns the packet and its destination's sockaddr.
sub dgram {
	my ($src, $sport, $dst, $dport, %o) = @_;
	my $payload = $o{payload} // dns_query($sport & 0xffff, 'www.relay.test');
	my $ulen = $o{ulen} // 8 + length($payload);
	my ($s, $d) = (packed($src), packed($dst));
	my $v6 = is_ipv6($dst);
	die "$src and $dst are of two families\n" if $v6 != is_ipv6($src);
	my $udp = pack('nnnn', $sport, $dport, $ulen, 0) . $payload;
	my $sum = 0;
	my $how = $o{sum} // 'good';
	if ($how ne 'zero') {
		# The pseudo-header (RFC 768, RFC 8200 8.1).
		my $pseudo = $v6 ? $s . $d . pack('NxxxC', length $udp, 17)
				 : $s . $d . pack('CCn', 0, 17, length $udp);
		$sum = csum($pseudo . $udp) || 0xffff;
		$sum ^= 0x5a5a if $how eq 'bad';
	}
	substr($udp, 6, 2) = pack('n', $sum);
	return (pack('NnCCa16a16', 0x60000000, length $udp, 17, 64, $s, $d) . $udp,
		pack_sockaddr_in6(0, $d)) if $v6;
	my $ip = pack('CCnnnCCna4a4', 0x45, 0, 20 + length $udp, int(rand(65536)),
		      0x4000, 64, 17, 0, $s, $d);
	return ($ip . $udp, pack_sockaddr_in(0, $d));
}

# One raw socket a family: an IPv6 one of IPPROTO_RAW takes our header too.
my %raw;
sub send_dgram {
	my ($pkt, $to) = @_;
	my $family = sockaddr_family($to);
	unless ($raw{$family}) {
		socket($raw{$family}, $family, SOCK_RAW, IPPROTO_RAW) or die "raw socket: $!\n";
	}
	return defined send($raw{$family}, $pkt, 0, $to);
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
		['no_checksum', { sum => 'zero' }, is_ipv6($dst) ? 1 : 0],
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

sub mode_flood {
	my ($src, $dst, $dport, $seconds, $pps) = @_;
	my $keep = is_ipv6($src) ? 8 : 2;
	my $prefix = substr(packed($src), 0, $keep);
	my $random = sub { pack('C*', map { int(rand(256)) } 1 .. shift) };
	my $family = is_ipv6($src) ? AF_INET6 : AF_INET;
	my ($sent, $err, $t0) = (0, 0, now());
	for (my $i = 0; now() < $t0 + $seconds; $i++) {
		my $from = inet_ntop($family, $prefix . $random->(($keep == 8 ? 16 : 4) - $keep));
		send_dgram(dgram($from, 1024 + int(rand(64000)), $dst, $dport, payload => 'flood'))
			? $sent++ : $err++;
		next if $i % 10;
		my $wait = $t0 + ($i + 1) / $pps - now();
		select(undef, undef, undef, $wait) if $wait > 0;
	}
	printf "flood: %d sent in %.1f s, %d send errors\n", $sent, now() - $t0, $err;
	return $err ? 1 : 0;
}

my $mode = shift // '';
my %modes = (flows => [\&mode_flows, 6], bad => [\&mode_bad, 5], spoof => [\&mode_spoof, 5],
	     flood => [\&mode_flood, 5]);
die "usage: udpraw.pl flows|bad|spoof|flood ARGS...\n" unless $modes{$mode} && @ARGV == $modes{$mode}[1];
exit $modes{$mode}[0]->(@ARGV);
