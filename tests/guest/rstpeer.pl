#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# A TCP peer that aborts, or that tells an abort from a clean end, for the
# reset tests (perl-base only).  Each mode handles one connection and
# gives up after 30 s.
#
#   rstpeer.pl serve-abort PORT DATA    accept, send DATA, abort (RST)
#   rstpeer.pl serve-read PORT          accept, read to the end, report
#   rstpeer.pl connect-abort HOST PORT DATA   connect, wait a second (a relay
#                                             reaches its backend), send
#                                             DATA, abort
#   rstpeer.pl connect-read HOST PORT         connect, read to the end, report
#
# An abort is a close with SO_LINGER on and a zero timeout.  A report is
# one line: "EOF after N bytes" or "reset after N bytes" (or another error).
use strict;
use warnings;
use IO::Socket::IP;
use Socket qw(SOL_SOCKET SO_LINGER);
use Errno qw(ECONNRESET);

$SIG{ALRM} = sub { print "timeout\n"; exit 2 };
alarm 30;

sub abort {
	my ($s, $data) = @_;
	syswrite($s, $data) == length($data) or die "send: $!\n";
	setsockopt($s, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0)) or die "SO_LINGER: $!\n";
	close $s;
	return 0;
}

sub report {
	my $s = shift;
	my ($n, $total, $buf) = (0, 0);
	$total += $n while ($n = sysread($s, $buf, 4096));
	if (defined $n) {
		print "EOF after $total bytes\n";
	} elsif ($! == ECONNRESET) {
		print "reset after $total bytes\n";
	} else {
		print "error ($!) after $total bytes\n";
	}
	return 0;
}

sub accept_one {
	my $l = IO::Socket::IP->new(LocalHost => '::', LocalPort => shift, V6Only => 0,
				    Listen => 1, ReuseAddr => 1)
		or die "listen: $@\n";
	my $s = $l->accept or die "accept: $!\n";
	return $s;
}

# connect_to HOST PORT [READER]: for a READER, a reset that comes before
# connect() returns (the peer's abort was that quick) is its report.
sub connect_to {
	my ($host, $port, $reader) = @_;
	my $s = IO::Socket::IP->new(PeerAddr => $host, PeerPort => $port);
	return $s if $s;
	# IO::Socket may have clobbered $! by then; $@ keeps the reason.
	if ($reader && ($! == ECONNRESET || $@ =~ /reset by peer/)) {
		print "reset after 0 bytes (in connect)\n";
		exit 0;
	}
	die "connect: $@\n";
}

my %modes = (
	'serve-abort' => [2, sub { abort(accept_one($_[0]), $_[1]) }],
	'serve-read' => [1, sub { report(accept_one($_[0])) }],
	'connect-abort' => [3, sub { my $s = connect_to(@_[0, 1]); sleep 1; abort($s, $_[2]) }],
	'connect-read' => [2, sub { report(connect_to(@_, 1)) }],
);
my $mode = shift // '';
die "usage: rstpeer.pl serve-abort|serve-read|connect-abort|connect-read ...\n"
	unless $modes{$mode} && @ARGV == $modes{$mode}[0];
exit $modes{$mode}[1]->(@ARGV);
