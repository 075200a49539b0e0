#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# TCP load and behaviour client for the integration tests, run in the client
# guest (perl-base only: no Time::HiRes, so time comes from /proc/uptime).
# Every mode prints a summary line and exits 0 when the check holds.
#
#   tcpclient.pl conc   HOST PORT CONNS BYTES
#       CONNS concurrent connections to an echo service; each sends BYTES of
#       its own pseudo-random data, half-closes, and must read back exactly
#       the same bytes. The run fails ("stalled") when nothing moves for
#       30 s (TCPCLIENT_STALL=SECONDS in the environment), or when a connection that has sent everything (half-closed,
#       which the relay resets after 60 s idle) gets nothing for 50 s; with
#       TCPCLIENT_HOLD=SECONDS in the environment the stalled connections
#       are then kept open that long, so that the caller can look at them,
#       after their lines are written to the file TCPCLIENT_HOLD_FILE
#       (exec.sh passes output on only at the end).
#   tcpclient.pl seq    HOST PORT COUNT [LOOPS]
#       COUNT short connections one after another (connect, send a line,
#       half-close, read the echo, close) in each of LOOPS processes at once
#       (default 1), COUNT in all; every one must succeed.
#   tcpclient.pl hold   HOST PORT CONNS SECONDS
#       keep CONNS connections to an echo service busy for SECONDS (a line
#       every 100 ms each), or until none is left up; report how many stayed
#       up, were closed or failed. Never fails: the caller judges the counts.
#   tcpclient.pl closed HOST PORT LIMIT_MS
#       connect and wait for the peer to close (EOF or reset) without sending
#       anything; fails when that takes longer than LIMIT_MS.
#   tcpclient.pl burst  HOST PORT CONNS SECONDS
#       CONNS connections opened at once to a relay whose backend fails;
#       each trickles a byte every 20 ms from the moment it is connected
#       until the relay ends it (EOF or reset). Fails when one is still
#       open after SECONDS or when one gets data back.
#   tcpclient.pl slow   HOST PORT PATH PAUSE RATE
#       a slow reader: HTTP/1.0 GET of PATH, then nothing read for PAUSE
#       seconds, then RATE bytes a second for as long again, then the rest
#       at full speed; the body goes to stdout, the summary to stderr.
#       Fails on a read error or a status other than 200.
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use Errno qw(EAGAIN EWOULDBLOCK EINTR ECONNRESET);
use Socket qw(SOL_SOCKET SO_ERROR SHUT_WR);
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use RelayTest qw(now connect_nb);

$| = 1;
$SIG{PIPE} = 'IGNORE';

# Deterministic per-connection data: a random block shifted by the id.
my $BLOCK = join('', map { chr(int(rand(256))) } 1 .. 65536);
sub expect_bytes {
	my ($id, $off, $len) = @_;
	my $out = '';
	while ($len > 0) {
		my $p = ($off + $id * 7919) % 65536;
		my $n = 65536 - $p;
		$n = $len if $n > $len;
		$out .= substr($BLOCK, $p, $n);
		$off += $n;
		$len -= $n;
	}
	return $out;
}

sub mode_conc {
	my ($host, $port, $conns, $bytes) = @_;
	my (%c, $ok, $bad);
	my $rsel = IO::Select->new;
	my $wsel = IO::Select->new;
	$ok = $bad = 0;
	my $start = now();
	for my $id (1 .. $conns) {
		my $s = connect_nb($host, $port) or die $@;
		$c{fileno $s} = { id => $id, s => $s, sent => 0, got => 0, last => $start };
		$rsel->add($s);
		$wsel->add($s);
	}
	# Fail when nothing moves for $stall s, or a half-closed connection gets
	# nothing for 50 s (before the relay's 60-s half-close timeout resets
	# it), naming the stalled connections.
	my $stall = $ENV{TCPCLIENT_STALL} // 30;
	my $checked = $start;
	my $progress = $start;
	while ($rsel->count) {
		my $t = now();
		if ($t - $checked >= 5) {
			$checked = $t;
			my @stalled = $t - $progress > $stall ? $rsel->handles :
				grep { my $st = $c{fileno $_}; $st->{sent} >= $bytes && $t - $st->{last} > 50 } $rsel->handles;
			if (@stalled) {
				my $report = '';
				for my $s (@stalled) {
					my $st = $c{fileno $s};
					$report .= sprintf "conn %d: stalled: sent %d, received %d of %d bytes, nothing for %.0f s, local port %d\n",
						$st->{id}, $st->{sent}, $st->{got}, $bytes, $t - $st->{last}, $s->sockport;
				}
				$report .= "conc: $ok of $conns ok, $bad failed, " . scalar(@stalled) . " stalled\n";
				print $report;
				if ($ENV{TCPCLIENT_HOLD}) {
					if ($ENV{TCPCLIENT_HOLD_FILE} && open(my $f, '>', $ENV{TCPCLIENT_HOLD_FILE})) {
						print $f $report;
						close $f;
					}
					sleep $ENV{TCPCLIENT_HOLD};
				}
				return 1;
			}
		}
		my ($r, $w) = IO::Select->select($rsel, $wsel, undef, 5);
		for my $s (@{ $w || [] }) {
			my $st = $c{fileno $s};
			if ($st->{sent} == 0 && !$st->{connected}) {
				my $err = getsockopt($s, SOL_SOCKET, SO_ERROR);
				$err = unpack('i', $err);
				if ($err) {
					local $! = $err;
					print "conn $st->{id}: connect: $!\n";
					$bad++;
					$rsel->remove($s); $wsel->remove($s); close $s;
					next;
				}
				$st->{connected} = 1;
			}
			my $len = $bytes - $st->{sent};
			$len = 16384 if $len > 16384;
			my $n = syswrite($s, expect_bytes($st->{id}, $st->{sent}, $len));
			if (!defined $n) {
				next if $! == EAGAIN || $! == EWOULDBLOCK;
				print "conn $st->{id}: write: $!\n";
				$bad++;
				$rsel->remove($s); $wsel->remove($s); close $s;
				next;
			}
			$st->{sent} += $n;
			($st->{last}, $progress) = ($t, $t) if $n > 0;
			if ($st->{sent} >= $bytes) {
				shutdown($s, SHUT_WR);
				$wsel->remove($s);
			}
		}
		for my $s (@{ $r || [] }) {
			next unless defined fileno($s);
			my $st = $c{fileno $s};
			my $buf;
			my $n = sysread($s, $buf, 65536);
			if (!defined $n) {
				next if $! == EAGAIN || $! == EWOULDBLOCK;
				print "conn $st->{id}: read after $st->{got} bytes: $!\n";
				$bad++;
			} elsif ($n > 0) {
				if ($buf ne expect_bytes($st->{id}, $st->{got}, $n)) {
					print "conn $st->{id}: wrong data at offset $st->{got}\n";
					$bad++;
				} else {
					$st->{got} += $n;
					($st->{last}, $progress) = ($t, $t);
					next;
				}
			} elsif ($st->{got} == $bytes && $st->{sent} == $bytes) {
				$ok++;
			} else {
				print "conn $st->{id}: EOF after sending $st->{sent} and receiving $st->{got} of $bytes bytes\n";
				$bad++;
			}
			$rsel->remove($s); $wsel->remove($s); close $s;
		}
	}
	print "conc: $ok of $conns connections echoed $bytes bytes each exactly, $bad failed\n";
	return $ok == $conns ? 0 : 1;
}

# seq_loop HOST PORT FIRST LAST: connections FIRST..LAST one after another;
# returns how many were echoed right and how many not.
sub seq_loop {
	my ($host, $port, $first, $last) = @_;
	my ($ok, $bad) = (0, 0);
	for my $i ($first .. $last) {
		my $s = IO::Socket::IP->new(PeerAddr => $host, PeerPort => $port,
					      Proto => 'tcp', Timeout => 10);
		if (!$s) {
			print "conn $i: connect: $@\n" if $bad < 20;
			$bad++;
			next;
		}
		my $msg = "relaykit sequential connection $i\n";
		syswrite($s, $msg);
		shutdown($s, SHUT_WR);
		my ($got, $buf) = ('', '');
		my $sel = IO::Select->new($s);
		while ($sel->can_read(10)) {
			my $n = sysread($s, $buf, 4096);
			last if !$n;
			$got .= $buf;
		}
		close $s;
		if ($got eq $msg) {
			$ok++;
		} else {
			print "conn $i: got " . length($got) . " bytes back instead of " . length($msg) . "\n" if $bad < 20;
			$bad++;
		}
	}
	return ($ok, $bad);
}

# Each loop is a process of its own (perl-base has no threads); it reports
# its counts to the parent through a pipe.
sub mode_seq {
	my ($host, $port, $count, $loops) = @_;
	$loops //= 1;
	die "seq: LOOPS must be 1 .. COUNT\n" if $loops !~ /^[1-9][0-9]*$/ || $loops > $count;
	my ($ok, $bad, $t0) = (0, 0, now());
	my @kids;
	$| = 1;
	for my $k (0 .. $loops - 1) {
		my $first = 1 + int($count * $k / $loops);
		my $last = int($count * ($k + 1) / $loops);
		pipe(my $r, my $w) or die "pipe: $!\n";
		my $pid = fork() // die "fork: $!\n";
		if (!$pid) {
			close $r;
			printf $w "%d %d\n", seq_loop($host, $port, $first, $last);
			close $w;
			exit 0;
		}
		close $w;
		push @kids, [$pid, $r, $last - $first + 1];
	}
	for my $kid (@kids) {
		my ($pid, $r, $n) = @$kid;
		my $line = <$r>;
		waitpid($pid, 0);
		my ($o, $b) = defined $line ? split(' ', $line) : (0, $n);
		$ok += $o;
		$bad += $b;
	}
	my $dt = now() - $t0;
	$dt = 0.01 if $dt <= 0;
	printf "seq: %d of %d connections ok, %d lost, %.0f conn/s\n", $ok, $count, $bad, $count / $dt;
	return $bad ? 1 : 0;
}

sub mode_hold {
	my ($host, $port, $conns, $secs) = @_;
	my @c;
	my $failed = 0;
	for my $i (1 .. $conns) {
		my $s = IO::Socket::IP->new(PeerAddr => $host, PeerPort => $port,
					      Proto => 'tcp', Timeout => 10);
		if (!$s) { $failed++; print "conn $i: connect: $@\n"; next; }
		push @c, { s => $s, id => $i, up => 1, lines => 0 };
	}
	print "hold: $conns connections opened, $failed failed\n";
	my $end = now() + $secs;
	my ($closed, $errors) = (0, 0);
	while (now() < $end && grep { $_->{up} } @c) {
		for my $st (grep { $_->{up} } @c) {
			my $s = $st->{s};
			if (!defined syswrite($s, "ping $st->{id}\n")) {
				$st->{up} = 0; $errors++; next;
			}
			my $sel = IO::Select->new($s);
			if (!$sel->can_read(5)) { $st->{up} = 0; $errors++; next; }
			my $buf;
			my $n = sysread($s, $buf, 4096);
			if (!defined $n) { $st->{up} = 0; $errors++; }
			elsif ($n == 0) { $st->{up} = 0; $closed++; }
			else { $st->{lines}++; }
		}
		select(undef, undef, undef, 0.1);
	}
	my $up = grep { $_->{up} } @c;
	close $_->{s} for @c;
	print "hold: up=$up closed=$closed errors=$errors connect_failed=$failed\n";
	return 0;
}

sub mode_closed {
	my ($host, $port, $limit_ms) = @_;
	my $limit = $limit_ms / 1000;
	my $t0 = now();
	my $s = IO::Socket::IP->new(PeerAddr => $host, PeerPort => $port,
				      Proto => 'tcp', Timeout => $limit);
	if (!$s) {
		my $ms = int((now() - $t0) * 1000);
		# The relay accepted, the backend refused, and the relay's reset
		# came before connect() returned: closed, and promptly.
		# IO::Socket may have clobbered $! by then; $@ keeps the reason.
		if ($! == ECONNRESET || $@ =~ /reset by peer/) {
			print "closed: reset during connect after $ms ms\n";
			return $ms <= $limit_ms ? 0 : 1;
		}
		print "closed: connect failed after $ms ms: $@\n";
		return 1;
	}
	my $sel = IO::Select->new($s);
	my ($how, $buf) = ('not closed');
	if ($sel->can_read($limit)) {
		my $n = sysread($s, $buf, 4096);
		$how = !defined $n ? "error: $!" : $n == 0 ? 'EOF' : "data ($n bytes)";
	}
	my $ms = int((now() - $t0) * 1000);
	print "closed: $how after $ms ms\n";
	return ($how ne 'not closed' && $how !~ /^data/ && $ms <= $limit_ms) ? 0 : 1;
}

sub mode_burst {
	my ($host, $port, $conns, $secs) = @_;
	# fileno => socket, and those whose connect completed
	my %open = map { my $s = connect_nb($host, $port) or die $@; (fileno($s) => $s) } 1 .. $conns;
	my %connected;
	my ($reset, $eof, $data) = (0, 0, 0);
	my $end = now() + $secs;
	while (%open && now() < $end) {
		my $wsel = IO::Select->new(map { $open{$_} } grep { !$connected{$_} } keys %open);
		$connected{fileno($_)} = 1 for $wsel->can_write(0);
		for my $s (IO::Select->new(values %open)->can_read(0.02)) {
			my $buf;
			my $n = sysread($s, $buf, 4096);
			next if !defined $n && ($! == EAGAIN || $! == EINTR);
			if (!defined $n) { $reset++; }
			elsif ($n == 0) { $eof++; }
			else { $data++; }
			delete $open{fileno($s)};
			close $s;
		}
		# A write that fails is a reset: the next read counts it.
		syswrite($open{$_}, 'x') for grep { $connected{$_} } keys %open;
	}
	my $left = keys %open;
	close $_ for values %open;
	print "burst: $conns connections: $reset reset, $eof EOF, $data got data, $left still open after $secs s\n";
	return ($left || $data) ? 1 : 0;
}

sub mode_slow {
	my ($host, $port, $path, $pause, $rate) = @_;
	my $s = IO::Socket::IP->new(PeerAddr => $host, PeerPort => $port,
				      Proto => 'tcp', Timeout => 10)
		or die "slow: connect: $@\n";
	syswrite($s, "GET $path HTTP/1.0\r\nHost: $host\r\n\r\n");
	my $t0 = now();
	select(undef, undef, undef, $pause);
	my ($resp, $buf, $n) = ('');
	my $slow_end = now() + $pause;
	while (1) {
		my $chunk = now() < $slow_end ? int($rate / 10) : 65536;
		$n = sysread($s, $buf, $chunk);
		last unless $n;
		$resp .= $buf;
		select(undef, undef, undef, 0.1) if now() < $slow_end;
	}
	die "slow: read: $!\n" unless defined $n;
	my $at = index($resp, "\r\n\r\n");
	die "slow: no HTTP header in " . length($resp) . " bytes\n" if $at < 0;
	my ($status) = $resp =~ m{^HTTP/1\.\d (\d+)};
	die "slow: HTTP status " . ($status // '?') . "\n" unless ($status // 0) == 200;
	binmode STDOUT;
	print substr($resp, $at + 4);
	printf STDERR "slow: %d body bytes in %.1f s\n", length($resp) - $at - 4, now() - $t0;
	return 0;
}

my $mode = shift // '';
# mode => [function, arguments, optional arguments]
my %modes = (conc => [\&mode_conc, 4, 0], seq => [\&mode_seq, 3, 1],
	     hold => [\&mode_hold, 4, 0], closed => [\&mode_closed, 3, 0],
	     burst => [\&mode_burst, 4, 0], slow => [\&mode_slow, 5, 0]);
die "usage: tcpclient.pl conc|seq|hold|closed|burst|slow HOST PORT ...\n"
	unless $modes{$mode} && @ARGV >= $modes{$mode}[1] &&
	       @ARGV <= $modes{$mode}[1] + $modes{$mode}[2];
exit $modes{$mode}[0]->(@ARGV);
