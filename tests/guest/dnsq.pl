#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# DNS-over-UDP query tool for the integration tests, run in the client guest
# (perl-base only; time from /proc/uptime).  An answer counts when it has the
# query's id, QR set, RCODE 0 and at least one answer record.
#
#   dnsq.pl rate  SERVER PORT NAME COUNT QPS SOCKETS
#       send COUNT A queries at a steady QPS, spread over SOCKETS sockets
#       (source ports); wait 3 s for late answers; fail on any loss.
#   dnsq.pl multi SERVER PORT NAME SOCKETS WAIT
#       one query from each of SOCKETS sockets; print how many were answered
#       within WAIT seconds (never fails: the caller judges the count).
#   dnsq.pl watch SERVER PORT NAME LPORT DONEFILE
#       from local port LPORT: one query, which must be answered, then count
#       every other datagram, from any source (must be none), until
#       DONEFILE exists (at most 60 s); then a last query, whose answer
#       closes the watch: it comes back the same way as anything sent to
#       the mapping before DONEFILE was made, so nothing sent before then
#       arrives after it.
#   dnsq.pl big   SERVER PORT NAME SIZE
#       one query of SIZE bytes (an EDNS(0) Padding option fills it: bigger
#       than the MTU, it leaves in fragments), which must be answered
#       within 5 s.
#   dnsq.pl flow  SERVER PORT NAME SECONDS QPS
#       queries at QPS for SECONDS from rotating sockets; print the answered
#       count (never fails: used while the relay is being stopped/unloaded).
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use Errno qw(EAGAIN EWOULDBLOCK ECONNREFUSED);
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use RelayTest qw(now dns_query dns_answer_id sockaddr_of);

$| = 1;

sub sock {
	my ($server, $port) = @_;
	my $s = IO::Socket::IP->new(PeerAddr => $server, PeerPort => $port, Proto => 'udp')
		or die "udp socket to $server:$port: $@\n";
	$s->blocking(0);
	return $s;
}

# Read everything waiting on the sockets of $sel; count answers into $seen.
sub drain {
	my ($sel, $timeout, $seen, $extra) = @_;
	for my $s ($sel->can_read($timeout)) {
		my $buf;
		while (defined $s->recv($buf, 65535)) {
			my $id = dns_answer_id($buf);
			if (defined $id && exists $seen->{$id} && !$seen->{$id}) {
				$seen->{$id} = 1;
			} elsif ($extra) {
				$$extra++;
			}
		}
	}
}

sub mode_rate {
	my ($server, $port, $name, $count, $qps, $nsock) = @_;
	my @s = map { sock($server, $port) } 1 .. $nsock;
	my $sel = IO::Select->new(@s);
	my %seen;
	my ($errors, $t0) = (0, now());
	for my $i (0 .. $count - 1) {
		my $due = $t0 + $i / $qps;
		while ((my $wait = $due - now()) > 0) {
			drain($sel, $wait > 0.02 ? 0.02 : $wait, \%seen);
		}
		my $id = $i & 0xffff;
		$seen{$id} = 0;
		defined send($s[$i % $nsock], dns_query($id, $name), 0) or $errors++;
		drain($sel, 0, \%seen) if $i % 8 == 0;
	}
	my $t_sent = now();
	my $end = $t_sent + 3;
	while (grep({ !$_ } values %seen) && now() < $end) {
		drain($sel, 0.1, \%seen);
	}
	my $ok = grep { $_ } values %seen;
	my $dt = $t_sent - $t0;
	$dt = 0.01 if $dt <= 0;
	printf "rate: %d queries sent in %.1f s (%.0f q/s), %d answered, %d lost, %d send errors\n",
		$count, $dt, $count / $dt, $ok, $count - $ok, $errors;
	return $ok == $count ? 0 : 1;
}

sub mode_multi {
	my ($server, $port, $name, $nsock, $wait) = @_;
	my @s = map { sock($server, $port) } 1 .. $nsock;
	my $sel = IO::Select->new(@s);
	my %seen;
	for my $i (0 .. $#s) {
		$seen{1000 + $i} = 0;
		send($s[$i], dns_query(1000 + $i, $name), 0);
	}
	my $end = now() + $wait;
	drain($sel, 0.1, \%seen) while grep({ !$_ } values %seen) && now() < $end;
	my $ok = grep { $_ } values %seen;
	print "multi: $ok of $nsock answered\n";
	return 0;
}

sub mode_watch {
	my ($server, $port, $name, $lport, $donefile) = @_;
	# Not connected: a datagram from any source counts, not only those
	# from SERVER:PORT (a connected socket would leave the others to the
	# kernel to drop).
	my ($family, $to) = sockaddr_of($server, $port);
	my $s = IO::Socket::IP->new(Family => $family, LocalPort => $lport, Proto => 'udp',
				    Blocking => 0)
		or die "udp socket on port $lport: $@\n";
	my $sel = IO::Select->new($s);
	my %seen = (4242 => 0);
	my $extra = 0;
	send($s, dns_query(4242, $name), 0, $to);
	my $end = now() + 5;
	drain($sel, 0.1, \%seen, \$extra) while !$seen{4242} && now() < $end;
	if (!$seen{4242}) {
		print "watch: no answer from $server:$port\n";
		return 1;
	}
	print "watch: answered, watching until $donefile exists\n";
	$end = now() + 60;
	drain($sel, 0.1, \%seen, \$extra) while !-e $donefile && now() < $end;
	if (!-e $donefile) {
		print "watch: $donefile did not appear within 60 s\n";
		return 1;
	}
	$seen{4243} = 0;
	send($s, dns_query(4243, $name), 0, $to);
	$end = now() + 5;
	drain($sel, 0.1, \%seen, \$extra) while !$seen{4243} && now() < $end;
	if (!$seen{4243}) {
		print "watch: no answer to the closing query\n";
		return 1;
	}
	print "watch: $extra unexpected datagrams\n";
	return $extra ? 1 : 0;
}

sub mode_big {
	my ($server, $port, $name, $size) = @_;
	my $q = dns_query(4244, $name);
	substr($q, 10, 2) = pack('n', 1);	# ARCOUNT: the OPT record
	# OPT: root name, type 41, UDP size 4096, no flags, then option 12
	# (Padding) with the zeros that bring the query to SIZE bytes.
	my $pad = $size - length($q) - 11 - 4;
	die "big: $size bytes is too small for a padded query\n" if $pad < 0;
	$q .= pack('CnnNn', 0, 41, 4096, 0, 4 + $pad) . pack('nn', 12, $pad) . "\0" x $pad;
	my $s = sock($server, $port);
	my $sel = IO::Select->new($s);
	my %seen = (4244 => 0);
	defined send($s, $q, 0) or die "big: send: $!\n";
	my $end = now() + 5;
	drain($sel, 0.1, \%seen) while !$seen{4244} && now() < $end;
	print "big: ", length($q), "-byte query ", $seen{4244} ? "answered" : "not answered", "\n";
	return $seen{4244} ? 0 : 1;
}

sub mode_flow {
	my ($server, $port, $name, $secs, $qps) = @_;
	my ($sent, $i, %seen) = (0, 0);
	my $t0 = now();
	my @s;
	while (now() < $t0 + $secs) {
		# A new source port every 50 queries: mappings keep being created.
		if ($i % 50 == 0) {
			shift(@s)->close if @s >= 4;
			push @s, sock($server, $port);
		}
		my $id = $i & 0xffff;
		$seen{$id} = 0;
		$sent++ if defined send($s[-1], dns_query($id, $name), 0);
		$i++;
		my $sel = IO::Select->new(@s);
		my $due = $t0 + $i / $qps;
		while ((my $wait = $due - now()) > 0) {
			drain($sel, $wait > 0.02 ? 0.02 : $wait, \%seen);
		}
	}
	drain(IO::Select->new(@s), 1, \%seen);
	my $ok = grep { $_ } values %seen;
	print "flow: $i queries, $sent sent, $ok answered\n";
	return 0;
}

my $mode = shift // '';
my %modes = (rate => [\&mode_rate, 6], multi => [\&mode_multi, 5],
	     watch => [\&mode_watch, 5], big => [\&mode_big, 4],
	     flow => [\&mode_flow, 5]);
die "usage: dnsq.pl rate|multi|watch|big|flow SERVER PORT NAME ...\n"
	unless $modes{$mode} && @ARGV == $modes{$mode}[1];
exit $modes{$mode}[0]->(@ARGV);
