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
#   now()   seconds since boot (/proc/uptime: 10 ms steps)
package RelayTest;
use strict;
use warnings;
use Exporter qw(import);

our @EXPORT_OK = qw(now);

sub now {
	open(my $f, '<', '/proc/uptime') or die "/proc/uptime: $!";
	my ($t) = split ' ', scalar <$f>;
	return $t;
}

1;
