#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# Life cycle loops for the stability tests, run in the relay guest as root
# (perl-base; no fork per step, which costs 100 ms and more in UML).
#
#   cycle.pl control CYCLES
#       CYCLES x: write "stop" to /proc/net/relay/control, read "stopped",
#       wait 50 ms, "start", read "running", wait 100 ms
#   cycle.pl module CYCLES KO RULE...
#       CYCLES x: rmmod net_relay (delete_module), check that
#       /proc/net/relay and the nrelay_ slab caches are gone, insmod KO
#       (init_module), write each RULE (every other cycle: give them as the
#       module's rules= parameter instead and check them), wait 200 ms
# Prints "N cycles in S s" and exits 0, or the failing step and exits 1.
use strict;
use warnings;
use File::Basename qw(dirname);
use lib dirname(__FILE__);
use RelayTest qw(now);

$| = 1;
my $DIR = '/proc/net/relay';

sub pause { select(undef, undef, undef, $_[0]); }

sub put {
	my ($file, $what) = @_;
	open(my $f, '>', "$DIR/$file") or return "open $file: $!";
	defined syswrite($f, $what) or return "write '$what' to $file: $!";
	close $f or return "close $file: $!";
	return '';
}

sub get_all {
	open(my $f, '<', "$DIR/$_[0]") or return ();
	return <$f>;
}

sub get {
	open(my $f, '<', "$DIR/$_[0]") or return "(open: $!)";
	my $v = <$f> // '';
	chomp $v;
	return $v;
}

sub control {
	my $cycles = shift;
	for my $i (1 .. $cycles) {
		my $err = put('control', 'stop');
		die "cycle $i: $err\n" if $err;
		my $s = get('control');
		die "cycle $i: control reads '$s' after stop\n" unless $s eq 'stopped';
		pause(0.05);
		$err = put('control', 'start');
		die "cycle $i: $err\n" if $err;
		$s = get('control');
		die "cycle $i: control reads '$s' after start\n" unless $s eq 'running';
		pause(0.1);
	}
}

# syscall numbers for x86_64 (the UML guests are x86_64 user space)
my ($SYS_init_module, $SYS_delete_module) = (175, 176);

sub module {
	my ($cycles, $ko, @rules) = @_;
	open(my $f, '<:raw', $ko) or die "$ko: $!\n";
	local $/;
	my $image = <$f>;
	close $f;
	# syscall() wants writable strings
	my ($name, $params) = ('net_relay', '');
	for my $i (1 .. $cycles) {
		syscall($SYS_delete_module, $name, 0) == 0 or die "cycle $i: rmmod: $!\n";
		die "cycle $i: $DIR exists after rmmod\n" if -e $DIR;
		open(my $s, '<', '/proc/slabinfo') or die "slabinfo: $!\n";
		my @left = grep { /^nrelay_/ } <$s>;
		die "cycle $i: slab caches left after rmmod: @left" if @left;
		# Every other cycle the rules come as the module parameter
		# (rules=tcp:80:198.51.100.2:80,...), the boot-rule path.
		$params = $i % 2 ? '' : 'rules=' . join(',', map { /^add (tcp|udp) (\S+) (\S+)$/ ? "$1:$2:$3" : die "rule '$_' is no add command\n" } @rules);
		syscall($SYS_init_module, $image, length($image), $params) == 0 or die "cycle $i: insmod: $!\n";
		my @missing = grep { my ($p, $l) = /^add (\S+) (\S+)/; $l = ($p eq 'tcp' ? '*' : /\[/ ? '[::]' : '0.0.0.0') . ":$l" unless $l =~ /:/; index(join('', get_all('rules')), "$p $l ") < 0 } @rules;
		die "cycle $i: insmod $params: rules missing: @missing\n" if $params && @missing;
		for my $r ($params ? () : @rules) {
			my $err = put('rules', $r);
			die "cycle $i: rule '$r': $err\n" if $err;
		}
		pause(0.2);
	}
}

my $mode = shift // '';
my $t0 = now();
if ($mode eq 'control' && @ARGV == 1) {
	control(@ARGV);
} elsif ($mode eq 'module' && @ARGV >= 2) {
	module(@ARGV);
} else {
	die "usage: cycle.pl control CYCLES | module CYCLES KO RULE...\n";
}
printf "%d cycles in %.1f s\n", $ARGV[0], now() - $t0;
