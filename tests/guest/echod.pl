#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# echod.pl PORT: a single-process TCP echo server for load tests, run in the
# server guest (perl-base only).  socat's fork-per-connection echo on port 7
# needs two processes per connection, and 200 of them run a 128M guest out of
# memory; this one needs a few kilobytes per connection.  Each connection gets
# back what it sent; after the client's EOF the rest is flushed and the
# connection closed.  Runs until killed.
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use Errno qw(EAGAIN EWOULDBLOCK);
use Socket qw(SHUT_WR);

$SIG{PIPE} = 'IGNORE';
my $port = shift or die "usage: echod.pl PORT\n";
# Both families: one IPv6 socket that takes IPv4 too.
my $l = IO::Socket::IP->new(LocalHost => '::', LocalPort => $port, V6Only => 0,
			    Listen => 1024, ReuseAddr => 1, Proto => 'tcp', Blocking => 0)
	or die "echod: listen on $port: $@\n";
my $rsel = IO::Select->new($l);
my $wsel = IO::Select->new;
my %c;	# fileno -> { s, buf, eof }

sub drop {
	my $s = shift;
	$rsel->remove($s);
	$wsel->remove($s);
	delete $c{fileno $s};
	close $s;
}

while (1) {
	my ($r, $w) = IO::Select->select($rsel, $wsel, undef, 10);
	for my $s (@{ $r || [] }) {
		if ($s == $l) {
			while (my $n = $l->accept) {
				$n->blocking(0);
				$c{fileno $n} = { s => $n, buf => '', eof => 0 };
				$rsel->add($n);
			}
			next;
		}
		my $st = $c{fileno $s} or next;
		my $n = sysread($s, my $data, 65536);
		if (!defined $n) {
			drop($s) unless $! == EAGAIN || $! == EWOULDBLOCK;
			next;
		}
		if ($n == 0) {
			$st->{eof} = 1;
			$rsel->remove($s);
		} else {
			$st->{buf} .= $data;
			# Stop reading while much is queued: TCP pushes back on the peer.
			$rsel->remove($s) if length($st->{buf}) > 262144;
		}
		$wsel->add($s);
	}
	for my $s (@{ $w || [] }) {
		my $st = $c{fileno $s} or next;
		if (length $st->{buf}) {
			my $n = syswrite($s, $st->{buf});
			if (!defined $n) {
				drop($s) unless $! == EAGAIN || $! == EWOULDBLOCK;
				next;
			}
			substr($st->{buf}, 0, $n) = '';
		}
		next if length $st->{buf};
		$wsel->remove($s);
		if ($st->{eof}) {
			shutdown($s, SHUT_WR);
			drop($s);
		} else {
			$rsel->add($s);
		}
	}
}
