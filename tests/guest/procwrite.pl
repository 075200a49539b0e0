#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# procwrite.pl FILE TEXT: write TEXT to FILE in a single write(2) and print
# OK or the errno's name (EEXIST, ENOENT, ...).  Exit 0 only for OK.
# Runs in the guests, which have perl-base only.
use strict;
use warnings;
use Errno;
use POSIX qw(strerror);

my ($file, $text) = @ARGV;
die "usage: procwrite.pl FILE TEXT\n" unless defined $text;

sub errname {
	my $n = shift;
	for my $name (keys %!) {
		no strict 'refs';
		my $v = eval { &{"Errno::$name"}() };
		return $name if defined $v && $v == $n;
	}
	return "errno $n";
}

open(my $fh, '>', $file) or do {
	my $e = $! + 0;
	print errname($e), " (open: ", strerror($e), ")\n";
	exit 1;
};
my $n = syswrite($fh, $text);
if (!defined $n) {
	my $e = $! + 0;
	print errname($e), "\n";
	exit 1;
}
if ($n != length($text)) {
	print "short write $n of ", length($text), "\n";
	exit 1;
}
if (!close($fh)) {
	my $e = $! + 0;
	print errname($e), " (close)\n";
	exit 1;
}
print "OK\n";
