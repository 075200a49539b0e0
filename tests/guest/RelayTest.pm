# SPDX-License-Identifier: GPL-2.0
#
# What the Perl tools in tests/guest/ share.  They run in the guests, which
# have perl-base only (no Time::HiRes, no FindBin), so a tool finds this
# module beside itself with
#
#   use File::Basename qw(dirname);
#   use lib dirname(__FILE__);
#   use RelayTest qw(now);
#
#   now()                  seconds since boot (/proc/uptime: 10 ms steps)
#   dns_query(ID, NAME)    a DNS query with id ID, recursion desired, for
#                          the A record of NAME
#   dns_answer_id(PACKET)  the id of a good answer: QR set, RCODE 0, at
#                          least one answer record; else undef
#   connect_nb(HOST, PORT) a non-blocking TCP socket whose connect to
#                          HOST:PORT has begun (writable once it is done);
#                          on failure undef, with the reason in $@ (as
#                          IO::Socket::INET->new does)
package RelayTest;
use strict;
use warnings;
use Exporter qw(import);
use IO::Socket::INET;
use Socket qw(pack_sockaddr_in inet_aton);
use Errno qw(EINPROGRESS);

our @EXPORT_OK = qw(now dns_query dns_answer_id connect_nb);

sub now {
	open(my $f, '<', '/proc/uptime') or die "/proc/uptime: $!";
	my ($t) = split ' ', scalar <$f>;
	return $t;
}

sub dns_query {
	my ($id, $name) = @_;
	my $q = pack('nnnnnn', $id, 0x0100, 1, 0, 0, 0);
	$q .= chr(length $_) . $_ for split /\./, $name;
	return $q . "\0" . pack('nn', 1, 1);
}

sub dns_answer_id {
	my $p = shift;
	return undef if length($p) < 12;
	my ($id, $flags, $qd, $an) = unpack('nnnn', $p);
	return undef unless ($flags & 0x8000) && ($flags & 0xf) == 0 && $an > 0;
	return $id;
}

sub connect_nb {
	my ($host, $port) = @_;
	my $s = IO::Socket::INET->new(Proto => 'tcp', Blocking => 0);
	if (!$s) {
		$@ = "socket: $!";
		return undef;
	}
	return $s if connect($s, pack_sockaddr_in($port, inet_aton($host))) || $! == EINPROGRESS;
	$@ = "connect $host:$port: $!";
	close $s;
	return undef;
}

1;
