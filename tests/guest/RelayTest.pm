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
#                          IO::Socket::IP->new does)
#   sockaddr_of(ADDR, PORT) the family and the packed sockaddr of a
#                          numeric IPv4 or IPv6 ADDR and PORT; dies on a
#                          name
#
# The tools take IPv4 and IPv6 addresses alike (IO::Socket::IP).
package RelayTest;
use strict;
use warnings;
use Exporter qw(import);
use IO::Socket::IP;
use Socket qw(getaddrinfo AI_NUMERICHOST SOCK_STREAM);
use Errno qw(EINPROGRESS);

our @EXPORT_OK = qw(now dns_query dns_answer_id connect_nb sockaddr_of);

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

sub sockaddr_of {
	my ($addr, $port) = @_;
	my ($err, $ai) = getaddrinfo($addr, $port,
				     { flags => AI_NUMERICHOST, socktype => SOCK_STREAM });
	die "not a numeric address: $addr ($err)\n" if $err;
	return ($ai->{family}, $ai->{addr});
}

sub connect_nb {
	my ($host, $port) = @_;
	my ($family, $to) = sockaddr_of($host, $port);
	my $s = IO::Socket::IP->new(Family => $family, Proto => 'tcp', Blocking => 0);
	if (!$s) {
		$@ = "socket: $!";
		return undef;
	}
	return $s if connect($s, $to) || $! == EINPROGRESS;
	$@ = "connect $host:$port: $!";
	close $s;
	return undef;
}

1;
