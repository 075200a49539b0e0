#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# Hostile writes to /proc/net/relay/{rules,control}, run in the relay guest
# (perl-base).  Every write must end in success or one of the documented
# errnos, and the rules must read back as a model of the accepted commands
# says: an add that succeeded for a key (proto, listen) the model has, an
# EEXIST for a key it lacks, a del that succeeded for a key it lacks or an
# ENOENT for one it has, are all violations.
#
#   procfuzz.pl random SEED COUNT
#       one writer: valid, mutated (truncated, bytes flipped, non-UTF-8,
#       NUL, control bytes), oversized (> PAGE_SIZE: EINVAL) and partial
#       (one command in two writes) commands, flush, and control writes
#   procfuzz.pl parallel SEED COUNT WRITERS READERS
#       WRITERS processes, each on ports of its own (no flush, no control),
#       while READERS processes read rules, conns, stats and control in a
#       loop and check every rules line; then the union of the writers'
#       models must be what rules reads back
#   procfuzz.pl unpriv
#       (as a user without CAP_NET_ADMIN) every write is EPERM, reads work
#       but of conns, which names every client: EACCES (mode 0440)
# Prints a summary and "violations N"; exits 1 on any violation.
use strict;
use warnings;
use Socket qw(AF_INET6 inet_pton inet_ntop);
use Errno qw(EINVAL EEXIST ENOENT EADDRINUSE EADDRNOTAVAIL EAFNOSUPPORT EPERM ENOMEM EACCES);

$| = 1;
my $DIR = '/proc/net/relay';
my %ALLOWED = map { $_ => 1 } (EINVAL, EEXIST, ENOENT, EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT, ENOMEM);
my ($violations, %errs) = (0);

sub violation { $violations++; print "VIOLATION: $_[0]\n" if $violations <= 20; }

sub show { my $s = shift; $s =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge; return substr($s, 0, 80); }

# write(2) of $data as one or more chunks on one open file; returns errno
# of the last chunk (0 for success).
sub wr {
	my ($file, @chunks) = @_;
	open(my $f, '>', "$DIR/$file") or die "open $file: $!\n";
	my $err = 0;
	for my $c (@chunks) {
		$err = defined(syswrite($f, $c)) ? 0 : $! + 0;
	}
	close $f;
	return $err;
}

sub ip4 {
	my $s = shift;
	return undef unless $s =~ /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
	return undef if grep { $_ > 255 } ($1, $2, $3, $4);
	return join('.', $1 + 0, $2 + 0, $3 + 0, $4 + 0);
}

# "[IPV6]" as a rule may give it (not link-local, not IPv4-mapped), in one
# spelling for the model and the rules file alike: inet_ntop's.
sub ip6 {
	my $s = shift;
	return undef unless $s =~ /^\[([0-9a-fA-F:.]+)\]$/;
	my $bin = inet_pton(AF_INET6, $1) // return undef;
	return undef if $bin =~ /^\xfe[\x80-\xbf]/ || $bin =~ /^\0{10}\xff\xff/;
	return '[' . inet_ntop(AF_INET6, $bin) . ']';
}

# An address as the model keys it, and its family (4 or 6).
sub addr {
	my $s = shift;
	my $a = ip4($s);
	return ($a, 4) if defined $a;
	$a = ip6($s);
	return defined $a ? ($a, 6) : ();
}

sub port { my $p = shift; return ($p =~ /^\d+$/ && $p > 0 && $p < 65536) ? $p + 0 : undef; }

# The command as the kernel must understand it: (op, key, backend) or ().
sub parse {
	my $c = shift;
	$c =~ s/\0.*//s;	# the kernel reads up to the first NUL
	my @w = grep { length } split /[ \t\n]+/, $c;
	return ('flush') if @w == 1 && $w[0] eq 'flush';
	return () unless @w >= 3 && $w[1] =~ /^(tcp|udp)$/;
	# A port alone (or *:PORT) is the wildcard of both families: a TCP
	# rule keeps it (*), a UDP rule takes its backend's family.
	my ($lip, $lport) = $w[2] =~ /^(.*):([^:]*)$/ ? ($1, $2) : ('*', $w[2]);
	my $any = $lip eq '*';
	my $lfam = 0;
	($lip, $lfam) = addr($lip) unless $any;
	$lport = port($lport);
	return () unless defined $lip && defined $lport;
	# "del PROTO PORT" removes the wildcard rules of both families.
	return ('del', $any ? [map { "$w[1] $_:$lport" } ('*', '0.0.0.0', '[::]')] : ["$w[1] $lip:$lport"])
		if $w[0] eq 'del' && @w == 3;
	return () unless $w[0] eq 'add' && @w == 4;
	my ($bip, $bport) = $w[3] =~ /^(.*):([^:]*)$/ ? ($1, $2) : ();
	my $bfam;
	($bip, $bfam) = addr($bip // '');
	$bport = port($bport // '');
	return () unless defined $bip && defined $bport && $bip ne '0.0.0.0' && $bip ne '[::]';
	if ($w[1] eq 'udp') {
		$lip = $bfam == 4 ? '0.0.0.0' : '[::]' if $any;
		return () if !$any && $lfam != $bfam;
	}
	return ('add', "$w[1] $lip:$lport", "$bip:$bport");
}

# Apply what a write did to the model; check it against the model.
sub account {
	my ($model, $cmd, $err) = @_;
	$errs{$err}++;
	if ($err && !$ALLOWED{$err}) {
		local $! = $err;
		violation("'" . show($cmd) . "': unexpected error $!");
		return;
	}
	my ($op, $key, $backend) = parse($cmd);
	if (!$err) {
		if (!$op) { violation("'" . show($cmd) . "' accepted, but it is no valid command"); return; }
		if ($op eq 'flush') { %$model = (); return; }
		if ($op eq 'add') {
			violation("'" . show($cmd) . "' accepted: a rule for $key exists") if exists $model->{$key};
			$model->{$key} = $backend;
		} else {
			violation("'" . show($cmd) . "' accepted: no rule for @$key")
				unless grep { exists $model->{$_} } @$key;
			delete @$model{@$key};
		}
		return;
	}
	return unless $op;
	violation("'" . show($cmd) . "': EEXIST, but no rule for $key") if $err == EEXIST && !exists $model->{$key};
	violation("'" . show($cmd) . "': ENOENT, but a rule for @$key exists")
		if $err == ENOENT && grep { exists $model->{$_} } @$key;
}

sub read_rules {
	open(my $f, '<', "$DIR/rules") or die "rules: $!\n";
	my %r;
	while (my $l = <$f>) {
		my $ep = qr/(\*|\d+\.\d+\.\d+\.\d+|\[[0-9a-f:.]+\]):(\d+)/;
		if ($l !~ /^(tcp|udp) $ep $ep active=\d+ total=\d+ up=\d+ down=\d+$/) {
			violation("rules line '" . show($l) . "' does not parse");
			next;
		}
		my ($proto, $listen, $backend) = ($1, $2 eq '*' ? "*:$3" : (addr($2))[0] . ":$3", (addr($4))[0] . ":$5");
		violation("rules: $proto $listen listed twice") if exists $r{"$proto $listen"};
		$r{"$proto $listen"} = $backend;
	}
	return \%r;
}

sub compare {
	my ($model, $got) = @_;
	for my $k (sort keys %$model) {
		if (!exists $got->{$k}) { violation("rule $k accepted but not listed"); next; }
		violation("rule $k: backend $got->{$k}, accepted $model->{$k}") if $got->{$k} ne $model->{$k};
	}
	exists $model->{$_} or violation("rule $_ listed but never accepted") for sort keys %$got;
}

my @IPS = ('0.0.0.0', '192.0.2.1', '198.51.100.1', '127.0.0.1', '10.9.8.7');

sub valid_cmd {
	my ($lo, $hi) = @_;
	my $proto = rand() < 0.5 ? 'tcp' : 'udp';
	my $port = $lo + int(rand($hi - $lo + 1));
	my $listen = rand() < 0.6 ? $port : $IPS[int rand @IPS] . ":$port";
	return "del $proto $listen" if rand() < 0.3;
	my $backend = join('.', 198, 51, 100, 1 + int(rand(254))) . ':' . (1 + int(rand(65535)));
	return "add $proto $listen $backend" . (rand() < 0.5 ? "\n" : '');
}

sub mutate {
	my $c = shift;
	my $r = rand();
	return substr($c, 0, int(rand(length $c))) if $r < 0.25;		# truncated
	if ($r < 0.45) {						# a byte replaced
		substr($c, int(rand(length $c)), 1) = chr(int rand 256);
		return $c;
	}
	if ($r < 0.55) {						# non-UTF-8 / control bytes
		substr($c, int(rand(length $c)), 0) = ("\xff\xfe", "\xc3\x28", "\x80", "\x1b[0m", "\x7f", "\r")[int rand 6];
		return $c;
	}
	return "$c\0add tcp 1 1.2.3.4:5" if $r < 0.6;			# NUL inside
	return "$c extra" if $r < 0.65;					# a word too many
	return (' ' x int(rand(4000))) . $c if $r < 0.7;		# padded, may stay < PAGE_SIZE
	return join('', map { chr(32 + int rand 95) } 1 .. int(rand 200)) if $r < 0.8;	# printable noise
	return join('', map { chr(int rand 256) } 1 .. int(rand 300)) if $r < 0.9;	# binary noise
	my @ipv6 = ('add tcp [::1]:80 198.51.100.2:80', 'add udp 53 [2001:db8::1]:53', 'add tcp ::1:80 1.2.3.4:5',
		    'add tcp 80 [fe80::1%eth1]:80', 'add udp 192.0.2.1:53 [2001:db8::1]:53', 'add tcp 80 [::ffff:1.2.3.4]:80',
		    'add tcp [2001:0db8:0::1]:81 [2001:db8:2::2]:80', 'del tcp [2001:db8::1]:81');
	return $ipv6[int rand @ipv6];
}

sub one_write {
	my ($model, $lo, $hi, $with_flush) = @_;
	my $r = rand();
	if ($with_flush && $r < 0.01) { account($model, 'flush', wr('rules', 'flush')); return 'flush'; }
	if ($r < 0.04) {	# oversized: EINVAL whatever it holds
		my $big = valid_cmd($lo, $hi) . (' ' x (4096 + int(rand 5000)));
		my $err = wr('rules', $big);
		$errs{$err}++;
		violation("oversized write (" . length($big) . " bytes): errno $err, not EINVAL") unless $err == EINVAL;
		return 'oversized';
	}
	if ($r < 0.08) {	# one command in two writes: two invalid halves
		my $c = valid_cmd($lo, $hi);
		my $cut = 1 + int(rand(length($c) - 1));
		my ($a, $b) = (substr($c, 0, $cut), substr($c, $cut));
		open(my $f, '>', "$DIR/rules") or die "rules: $!\n";
		for my $part ($a, $b) {
			my $err = defined(syswrite($f, $part)) ? 0 : $! + 0;
			account($model, $part, $err);
		}
		close $f;
		return 'partial';
	}
	my $c = valid_cmd($lo, $hi);
	$c = mutate_within($c, $lo, $hi, $with_flush) if $r < 0.6;
	account($model, $c, wr('rules', $c));
	return $r < 0.6 ? 'mutated' : 'valid';
}

# A mutation can turn a command into a valid one for another port (a digit
# flipped: 31119 -> 31419): in parallel mode that is another writer's rule,
# or a rule of the topology, and the per-writer models no longer hold.
# Mutate again until the result is invalid or stays on the writer's ports.
sub mutate_within {
	my ($c, $lo, $hi, $with_flush) = @_;
	for (1 .. 50) {
		my $m = mutate($c);
		my ($op, $key) = parse($m);
		return $m unless $op;
		if ($op eq 'flush') {
			return $m if $with_flush;
			next;
		}
		my ($port) = (ref $key ? $key->[0] : $key) =~ /:(\d+)$/;
		return $m if $port >= $lo && $port <= $hi;
	}
	return "$c extra";	# invalid: a word too many
}

sub summary {
	my ($what, $n, $kinds) = @_;
	my $e = join(' ', map { my $x = $_; local $! = $x; ($x ? "$!" : 'ok') . "=$errs{$x}" } sort { $a <=> $b } keys %errs);
	print "$what: $n writes (" . join(' ', map { "$_=$kinds->{$_}" } sort keys %$kinds) . "); results: $e\n";
}

sub mode_random {
	my ($seed, $count) = @_;
	srand($seed);
	my %model = %{ read_rules() };
	my %kinds;
	for (1 .. $count) {
		if (rand() < 0.03) {	# control: stop/start/garbage
			my $c = ('stop', 'start', "start\n", 'restart', "\xff", '', 'stop now')[int rand 7];
			my $err = wr('control', $c);
			$errs{$err}++;
			violation("control '" . show($c) . "': errno $err") if $err && $err != EINVAL && $err != EADDRINUSE && $err != EADDRNOTAVAIL;
			$kinds{control}++;
			next;
		}
		$kinds{one_write(\%model, 30000, 30063, 1)}++;
	}
	wr('control', 'start');
	compare(\%model, read_rules());
	summary('random', $count, \%kinds);
}

sub mode_parallel {
	my ($seed, $count, $writers, $readers) = @_;
	my %base = %{ read_rules() };
	my (@pids, @files);
	for my $w (1 .. $writers) {
		my $file = "/tmp/procfuzz-model.$$.$w";
		push @files, $file;
		my $pid = fork() // die "fork: $!\n";
		if (!$pid) {
			srand($seed + $w);
			my (%model, %kinds);
			my $lo = 31000 + 100 * $w;
			$kinds{one_write(\%model, $lo, $lo + 31, 0)}++ for 1 .. $count;
			open(my $f, '>', $file) or die "$file: $!\n";
			print $f "$_ $model{$_}\n" for keys %model;
			close $f;
			summary("writer $w", $count, \%kinds);
			exit($violations ? 1 : 0);
		}
		push @pids, $pid;
	}
	my $stop = "/tmp/procfuzz-stop.$$";
	my @rpids;
	for my $r (1 .. $readers) {
		my $pid = fork() // die "fork: $!\n";
		if (!$pid) {
			my $reads = 0;
			until (-e $stop) {
				for my $file (qw(conns stats control)) {
					open(my $f, '<', "$DIR/$file") or violation("open $file: $!");
					my @l = <$f>;
					$reads++;
				}
				read_rules();
				$reads++;
			}
			print "reader $r: $reads reads\n";
			exit($violations ? 1 : 0);
		}
		push @rpids, $pid;
	}
	for my $pid (@pids) {
		waitpid($pid, 0);
		$violations++ if $?;
	}
	if (open(my $s, ">", $stop)) { close $s; }
	for my $pid (@rpids) {
		waitpid($pid, 0);
		$violations++ if $?;
	}
	unlink $stop;
	my %model = %base;
	for my $file (@files) {
		open(my $f, '<', $file) or die "$file: $!\n";
		while (<$f>) {
			chomp;
			my ($proto, $key, $backend) = split / /;
			$model{"$proto $key"} = $backend;
		}
		close $f;
		unlink $file;
	}
	compare(\%model, read_rules());
	print "parallel: $writers writers x $count writes, $readers readers, " . scalar(keys %model) . " rules at the end\n";
}

sub mode_unpriv {
	my @tries = (['rules', 'add tcp 31999 198.51.100.2:80'], ['rules', 'del tcp 80'], ['rules', 'flush'],
		     ['control', 'stop'], ['control', 'start'], ['rules', "\xff\xfe"]);
	for my $t (@tries) {
		my $err = wr(@$t);
		local $! = $err;
		violation("unprivileged write '" . show($t->[1]) . "' to $t->[0]: " . ($err ? "$!" : 'accepted') . ", expected EPERM")
			unless $err == EPERM;
	}
	for my $file (qw(rules control stats)) {
		open(my $f, '<', "$DIR/$file") or violation("unprivileged read of $file: $!");
	}
	if (open(my $f, '<', "$DIR/conns")) {
		violation("unprivileged read of conns: allowed, expected EACCES");
	} elsif ($! != EACCES) {
		violation("unprivileged read of conns: $!, expected EACCES");
	}
	print "unpriv: " . scalar(@tries) . " writes tried\n";
}

my $mode = shift // '';
if ($mode eq 'random' && @ARGV == 2) { mode_random(@ARGV); }
elsif ($mode eq 'parallel' && @ARGV == 4) { mode_parallel(@ARGV); }
elsif ($mode eq 'unpriv' && !@ARGV) { mode_unpriv(); }
else { die "usage: procfuzz.pl random SEED COUNT | parallel SEED COUNT WRITERS READERS | unpriv\n"; }
print "violations $violations\n";
exit($violations ? 1 : 0);
