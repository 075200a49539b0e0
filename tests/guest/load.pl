#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# TCP load for the stability tests, run in the client guest (perl-base
# only).  Every mode prints one summary line; none fails on lost
# connections (the relay is being stopped, unloaded or starved on purpose):
# the caller judges the counts.  Every mode ends early once the file
# /tmp/load.stop exists (the caller's "enough").  HOST may be a list,
# "192.0.2.1,2001:db8:1::1": each connection or source socket takes the
# next (the load of both families at once).
#
#   load.pl http HOST PORT SECONDS PATH[,PATH...]
#       GET the paths in turn over short connections (connection churn);
#       prints "http: N ok, M failed, B bytes"
#   load.pl dns HOST PORT SECONDS QPS
#       DNS queries for www.relay.test at QPS, a new source port every 20
#       (mapping churn); prints "dns: N sent, A answered"
#   load.pl hold HOST PORT CONNS SECONDS READYFILE
#       open CONNS connections (failed connects are tried again for up to
#       60 s), write how many are up to READYFILE, send a byte on each every
#       3 s (to an echo service), until SECONDS passed or the peer closed
#       every one; prints "hold: opened N, failed F, closed C, open O"
#   load.pl slow HOST PORT CONNS SECONDS
#       slowloris: keep CONNS idle connections open, reconnecting those the
#       peer closes; prints "slow: connects N, closed C, refused R"
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use Errno qw(EAGAIN EWOULDBLOCK);
use Socket qw(SOL_SOCKET SO_ERROR);
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use RelayTest qw(now dns_query connect_nb);

$| = 1;
$SIG{PIPE} = 'IGNORE';

my $STOP = '/tmp/load.stop';

# next_host(LIST): a closure that returns the hosts of the comma-separated
# LIST in turn.
sub next_host {
	my @hosts = split /,/, shift;
	my $i = 0;
	return sub { $hosts[$i++ % @hosts] };
}

my $stop_checked = 0;
sub stopped {
	my $t = now();
	return 0 if $t - $stop_checked < 0.2;
	$stop_checked = $t;
	return -e $STOP;
}

sub mode_http {
	my ($hosts, $port, $secs, $paths) = @_;
	my $host = next_host($hosts);
	my @paths = split /,/, $paths;
	my ($ok, $bad, $bytes, $i) = (0, 0, 0, 0);
	my $end = now() + $secs;
	while (now() < $end && !stopped()) {
		my $path = $paths[$i++ % @paths];
		my $s = IO::Socket::IP->new(PeerAddr => $host->(), PeerPort => $port,
					    Proto => 'tcp', Timeout => 3);
		if (!$s) { $bad++; select(undef, undef, undef, 0.05); next; }
		syswrite($s, "GET $path HTTP/1.0\r\nHost: relay\r\n\r\n");
		my ($got, $buf, $sel) = ('', '', IO::Select->new($s));
		while ($sel->can_read(5)) {
			my $n = sysread($s, $buf, 65536);
			last if !$n;
			$got .= $buf;
		}
		close $s;
		my ($head, $body) = split /\r\n\r\n/, $got, 2;
		my ($len) = ($head // '') =~ /^Content-Length:\s*(\d+)/mi;
		if (($head // '') =~ m{^HTTP/1\.\d 200} && defined $len && length($body // '') == $len) {
			$ok++;
			$bytes += $len;
		} else {
			$bad++;
		}
	}
	print "http: $ok ok, $bad failed, $bytes bytes\n";
	return 0;
}

sub mode_dns {
	my ($hosts, $port, $secs, $qps) = @_;
	my $host = next_host($hosts);
	my ($sent, $answered, $i, $s, $sel) = (0, 0, 0);
	my $t0 = now();
	while (now() < $t0 + $secs && !stopped()) {
		if ($i % 20 == 0) {
			$s = IO::Socket::IP->new(PeerAddr => $host->(), PeerPort => $port,
						 Proto => 'udp') or die "udp socket: $@\n";
			$sel = IO::Select->new($s);
		}
		$sent++ if defined send($s, dns_query($i & 0xffff, 'www.relay.test'), 0);
		$i++;
		my $due = $t0 + $i / $qps;
		while ((my $wait = $due - now()) > 0) {
			next unless $sel->can_read($wait);
			# a refused port shows up as an error on recv: go on
			my $buf;
			$answered++ if defined $s->recv($buf, 4096) && length $buf > 12;
		}
	}
	print "dns: $sent sent, $answered answered\n";
	return 0;
}

sub mode_hold {
	my ($hosts, $port, $conns, $secs, $ready) = @_;
	my $host = next_host($hosts);
	my (@pending, @up);
	my $failed = 0;
	# In batches, so that the relay's accept backlog is not the limit; a
	# connect that fails (a SYN lost on the switch) is tried again, for at
	# most 60 s.
	my $give_up = now() + 60;
	while (@up < $conns && now() < $give_up) {
		for (1 .. 100) {
			last if @up + @pending >= $conns;
			my $s = connect_nb($host->(), $port);
			$s ? push(@pending, $s) : $failed++;
		}
		my $deadline = now() + 5;
		while (@pending && now() < $deadline) {
			my $sel = IO::Select->new(@pending);
			my (undef, $w) = IO::Select->select(undef, $sel, undef, 1);
			for my $s (@{ $w || [] }) {
				@pending = grep { $_ != $s } @pending;
				if (unpack('i', getsockopt($s, SOL_SOCKET, SO_ERROR))) {
					$failed++;
					close $s;
				} else {
					push @up, $s;
				}
			}
		}
		$failed += @pending;
		close $_ for @pending;
		@pending = ();
	}
	my $opened = @up;
	if (open(my $f, '>', "$ready.tmp")) {
		print $f "$opened\n";
		close $f;
		rename "$ready.tmp", $ready;
	}
	my $rsel = IO::Select->new(@up);
	my $closed = 0;
	my $end = now() + $secs;
	my $probe = now() + 3;
	while ($rsel->count && now() < $end && !stopped()) {
		# A reset may be lost on the way and is never sent again: a byte
		# now and then makes a closed peer answer with a new one.
		if (now() > $probe) {
			syswrite($_, '.') for $rsel->handles;
			$probe = now() + 3;
		}
		for my $s ($rsel->can_read(1)) {
			my $n = sysread($s, my $buf, 4096);
			next if !defined $n && ($! == EAGAIN || $! == EWOULDBLOCK);
			next if $n;
			# EOF or reset: the peer (the relay) closed it.
			$closed++;
			$rsel->remove($s);
			close $s;
		}
	}
	print "hold: opened $opened, failed $failed, closed $closed, open " . $rsel->count . "\n";
	return 0;
}

sub mode_slow {
	my ($hosts, $port, $conns, $secs) = @_;
	my $host = next_host($hosts);
	my ($connects, $closed, $refused) = (0, 0, 0);
	my $rsel = IO::Select->new;
	my $end = now() + $secs;
	while (now() < $end && !stopped()) {
		while ($rsel->count < $conns) {
			my $s = IO::Socket::IP->new(PeerAddr => $host->(), PeerPort => $port,
						    Proto => 'tcp', Timeout => 2);
			if (!$s) { $refused++; last; }
			$connects++;
			$rsel->add($s);
		}
		for my $s ($rsel->can_read(0.2)) {
			my $n = sysread($s, my $buf, 4096);
			next if $n;
			$closed++;
			$rsel->remove($s);
			close $s;
		}
	}
	print "slow: connects $connects, closed $closed, refused $refused, open " . $rsel->count . "\n";
	return 0;
}

my $mode = shift // '';
my %modes = (http => [\&mode_http, 4], dns => [\&mode_dns, 4], hold => [\&mode_hold, 5], slow => [\&mode_slow, 4]);
die "usage: load.pl http|dns|hold|slow ARGS...\n" unless $modes{$mode} && @ARGV == $modes{$mode}[1];
exit $modes{$mode}[0]->(@ARGV);
