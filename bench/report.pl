#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# report.pl OUT: turn the raw figures of a bench/bench.sh run into its report.
#   OUT/raw.csv            case,metric,round,value (one line per measurement)
#   OUT/meta               key=value lines about the run
# writes
#   OUT/benchmarks.csv     case,metric,unit,runs,median,min,max,x_forward,x_haproxy
#   OUT/benchmarks.md      the page that becomes docs/benchmarks.md
#   OUT/bench/*.png        bar charts (gnuplot), OUT/bench/raw.csv
# A case column holds a row: the case's name for its IPv4 figures, CASE/ipv6
# for its IPv6 ones (bench/bench.sh row_name). Ratios and targets compare
# rows of one family; the charts put a case's families side by side.
use strict;
use warnings;
use File::Copy qw(copy);

my $out = shift or die "usage: report.pl OUT\n";
my %meta;
open(my $mf, '<', "$out/meta") or die "$out/meta: $!\n";
while (<$mf>) {
	chomp;
	my ($k, $v) = split /=/, $_, 2;
	$meta{$k} = $v;
}
close $mf;
# Runs from before these keys were recorded: the UML bench topology.
$meta{relay_label} //= 'UML release kernel: no debugging options, net/relay built in';
$meta{topo} //= 'uml/topology/bench.topo';
$meta{charts} //= 'bench';
$meta{relay_kind} //= $meta{topo} eq 'uml/topology/bench.topo' ? 'uml' : 'x86';
$meta{link} //= 'daemon';
$meta{kernel_peers} //= "$meta{kernel_stock} (Debian's linux.uml)" if defined $meta{kernel_stock};
my $x86 = $meta{relay_kind} eq 'x86';
my $veth = $meta{link} eq 'veth';
my $bridge = $meta{link} eq 'bridge';
my %link_label = (
	daemon => 'uml_switch (UML daemon transport)',
	bridge => 'Linux bridges, one tap per interface (UML tuntap transport)',
	veth => 'veth pairs, UML vector driver (raw sockets)',
);

my @cases = split ' ', $meta{cases};
# Runs from before the IPv6 rows: IPv4 only.
my @families = split ' ', ($meta{families} // '4');

# row CASE FAMILY: the name of CASE's figures over FAMILY (bench/bench.sh
# row_name); family_of ROW and case_of ROW take it apart.
sub row { my ($c, $fam) = @_; return $fam == 6 ? "$c/ipv6" : $c; }
sub family_of { return $_[0] =~ m{/ipv6$} ? 6 : 4; }
sub case_of { (my $c = $_[0]) =~ s{/ipv6$}{}; return $c; }
# The tables' rows: every case over IPv4, then over IPv6.
my @rows = map { my $fam = $_; map { row($_, $fam) } @cases } @families;
my %vals;	# {metric}{case} = [values]
open(my $rf, '<', "$out/raw.csv") or die "$out/raw.csv: $!\n";
<$rf>;
while (<$rf>) {
	chomp;
	my ($case, $metric, $round, $value) = split /,/;
	next unless defined $value && $value =~ /^-?[0-9.]+$/;
	push @{ $vals{$metric}{$case} }, $value;
}
close $rf;

# metric => [label, unit, better, digits, 'noratio' for counts and parts]
my @metrics = (
	[tput_up    => 'TCP throughput client→server', 'Mbit/s', 'high', 1],
	[tput_down  => 'TCP throughput server→client', 'Mbit/s', 'high', 1],
	[cpu_up     => 'relay guest CPU per GiB, client→server', 's/GiB', 'low', 2],
	[cpu_down   => 'relay guest CPU per GiB, server→client', 's/GiB', 'low', 2],
	[rr1        => 'request/response, 1 connection', 'req/s', 'high', 0],
	[rr50       => 'request/response, 50 connections', 'req/s', 'high', 0],
	[rr1_cpu    => 'relay guest CPU per request, 1 connection', 'µs', 'low', 0],
	[rr50_cpu   => 'relay guest CPU per request, 50 connections', 'µs', 'low', 0],
	[rr50_busy  => 'relay guest CPU use during 50-connection request/response (incl. start-up)', '% of a host CPU', 'low', 0, 'noratio'],
	[connrate   => 'new connections (connect, request, close)', 'conn/s', 'high', 0],
	[connrate_failed => 'failed connections in the connection-rate run', 'conns', 'low', 0, 'noratio'],
	[connrate_cpu => 'relay guest CPU per new connection', 'µs', 'low', 0],
	[dns        => 'DNS over UDP (forward = direct to the server)', 'q/s', 'high', 0],
	[dns_cpu    => 'relay guest CPU per DNS query', 'µs', 'low', 0],
	[dns_lost   => 'DNS queries lost (1 s timeout)', 'queries', 'low', 0, 'noratio'],
	[idle_held  => 'idle connections held (each checked by an echo)', 'conns', 'high', 0],
	[idle_fit   => 'idle connections that would fit in the relay guest (MemFree before ÷ per connection)', 'conns', 'high', 0],
	[idle_mem   => 'relay guest memory per idle connection (MemFree)', 'bytes', 'low', 0],
	[idle_slab  => 'relay guest slab per idle connection', 'bytes', 'low', 0, 'noratio'],
	[idle_beyond => 'relay state per connection beyond the sockets', 'bytes', 'low', 0, 'noratio'],
	[idle_nrelay => 'net/relay connection objects per connection (slab nrelay_*)', 'bytes', 'low', 0, 'noratio'],
);
my %minfo = map { $_->[0] => $_ } @metrics;

sub median {
	my @s = sort { $a <=> $b } @_;
	return undef unless @s;
	return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

my %stat;	# {metric}{case} = {n, med, min, max}
for my $m (keys %vals) {
	for my $c (keys %{ $vals{$m} }) {
		my @v = sort { $a <=> $b } @{ $vals{$m}{$c} };
		$stat{$m}{$c} = { n => scalar @v, med => median(@v), min => $v[0], max => $v[-1] };
	}
}

# ratio METRIC ROW CASE: ROW's median over that of CASE in ROW's family.
sub ratio {
	my ($m, $c, $base) = @_;
	my $x = $stat{$m}{$c} or return undef;
	my $b = $stat{$m}{ row($base, family_of($c)) } or return undef;
	return undef unless $b->{med};
	return $x->{med} / $b->{med};
}

sub fmt {
	my ($v, $d) = @_;
	return '–' unless defined $v;
	my $s = sprintf("%.${d}f", $v);
	1 while $s =~ s/^(\d+)(\d{3})/$1,$2/;
	return $s;
}

sub fmt_ratio { defined $_[0] ? sprintf('%.2f', $_[0]) : '–' }

# ---- benchmarks.csv ----
open(my $cf, '>', "$out/benchmarks.csv") or die "$out/benchmarks.csv: $!\n";
print $cf "case,metric,unit,runs,median,min,max,x_forward,x_haproxy\n";
for my $mi (@metrics) {
	my ($m, undef, $unit) = @$mi;
	for my $c (@rows) {
		my $s = $stat{$m}{$c} or next;
		my ($rf, $rh) = $mi->[5] ? () : (ratio($m, $c, 'forward'), ratio($m, $c, 'haproxy'));
		printf $cf "%s,%s,%s,%d,%s,%s,%s,%s,%s\n", $c, $m, $unit, $s->{n},
			$s->{med}, $s->{min}, $s->{max},
			defined $rf ? sprintf('%.3f', $rf) : '', defined $rh ? sprintf('%.3f', $rh) : '';
	}
}
close $cf;

# ---- charts ----
mkdir "$out/bench";
copy("$out/raw.csv", "$out/bench/raw.csv");
my @charts = (
	['throughput', 'TCP bulk throughput (iperf3), median and min–max', 'Mbit/s',
		[tput_up => 'client→server'], [tput_down => 'server→client']],
	['cpu', 'Relay guest host CPU per GiB relayed (lower is better)', 's/GiB',
		[cpu_up => 'client→server'], [cpu_down => 'server→client']],
	['rr', 'Request/response, 64-byte messages', 'requests/s',
		[rr1 => '1 connection'], [rr50 => '50 connections']],
	['connrate', 'New connections per second (connect, 32-byte echo, close)', 'conn/s',
		[connrate => 'connections/s']],
	['dns', 'DNS queries per second over UDP (forward = direct)', 'q/s',
		[dns => 'answered q/s']],
	['idle', 'Relay guest memory per idle connection (MemFree delta)', 'bytes',
		[idle_mem => 'MemFree'], [idle_beyond => 'beyond the sockets']],
);
my @chart_files;
for my $ch (@charts) {
	my ($name, $title, $ylabel, @metric_series) = @$ch;
	# A series per metric and family with figures: [metric, title, family],
	# a case's IPv4 and IPv6 bars next to each other.
	my @series;
	for my $ms (@metric_series) {
		for my $fam (@families) {
			push @series, [@$ms, $fam] if grep { $stat{ $ms->[0] }{ row($_, $fam) } } @cases;
		}
	}
	my %fams = map { $_->[2] => 1 } @series;
	my @cs = grep { my $c = $_; grep { $stat{ $_->[0] }{ row($c, $_->[2]) } } @series } @cases;
	next unless @cs;
	open(my $df, '>', "$out/bench/$name.dat") or die "$out/bench/$name.dat: $!\n";
	for my $c (@cs) {
		print $df $c;
		for my $s (@series) {
			my $st = $stat{ $s->[0] }{ row($c, $s->[2]) };
			print $df $st ? " $st->{med} $st->{min} $st->{max}" : ' ? ? ?';
		}
		print $df "\n";
	}
	close $df;
	my @plots;
	for my $i (0 .. $#series) {
		my $col = 2 + 3 * $i;
		# The family in the title where it is not IPv4 alone.
		my $fam = $series[$i][2];
		my $what = $series[$i][1] . ($fam == 6 ? ' (IPv6)' : $fams{6} ? ' (IPv4)' : '');
		push @plots, sprintf("'%s' using %d:%d:%d%s title '%s'", "$out/bench/$name.dat",
			$col, $col + 1, $col + 2, $i ? '' : ':xtic(1)', $what);
	}
	# Both families' keys would cover the last case's bars: below the plot.
	my $key = $fams{4} && $fams{6} ? 'below horizontal' : 'top right';
	open(my $gp, '|-', 'gnuplot') or die "gnuplot: $!\n";
	print $gp <<GP;
set terminal pngcairo size 800,420 font 'sans,10'
set output '$out/bench/$name.png'
set title '$title'
set ylabel '$ylabel'
set yrange [0:*]
set grid ytics
set key $key
set datafile missing '?'
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.9
plot @{[ join(', ', @plots) ]}
GP
	close $gp or die "gnuplot failed for $name\n";
	push @chart_files, [$name, $title];
}

# ---- targets ----
my @targets;
sub target {
	my ($what, $ok, $measured) = @_;
	push @targets, [$what, $measured, !defined $ok ? 'not measured' : $ok ? 'met' : '**missed**'];
	$targets[-1][2] = "not measured (BENCH_IDLE=$meta{idle})" if $what =~ /^10,000/ && $meta{idle} < 10000;
}
sub all_ok { for (@_) { return undef unless defined $_->[0]; } for (@_) { return 0 unless $_->[1]; } 1 }
# The same targets for each family, within it; the idle connections are
# measured over IPv4 only (bench/bench.sh).
for my $fam (@families) {
	my $relay = row('relay', $fam);
	my $in = $fam == 6 ? ' (IPv6)' : '';
	my @r;
	for my $d (qw(up down)) {
		my ($h, $f) = (ratio("tput_$d", $relay, 'haproxy'), ratio("tput_$d", $relay, 'forward'));
		push @r, [$h, defined $h && $h >= 0.95], [$f, defined $f && $f >= 1.0];
	}
	target("throughput ≥ 0.95 × haproxy and ≥ 1.0 × forward, both ways$in", all_ok(@r),
		sprintf('↑ %s × haproxy, %s × forward; ↓ %s × haproxy, %s × forward', map { fmt_ratio($_->[0]) } @r));
	@r = ();
	for my $d (qw(up down)) {
		my ($h, $f) = (ratio("cpu_$d", $relay, 'haproxy'), ratio("cpu_$d", $relay, 'forward'));
		push @r, [$h, defined $h && $h <= 0.5], [$f, defined $f && $f <= 1.5];
	}
	# A packet-level NAT (dnat) is the least a relay can cost on top of
	# forwarding: where it is itself above 0.5 × haproxy, so is any relay.
	target("CPU per GiB ≤ 0.5 × haproxy and ≤ 1.5 × forward$in", all_ok(@r),
		sprintf('↑ %s × haproxy, %s × forward; ↓ %s × haproxy, %s × forward (packet-level NAT, dnat: ↑ %s ×, ↓ %s × haproxy)',
			(map { fmt_ratio($_->[0]) } @r),
			map { fmt_ratio(ratio("cpu_$_", row('dnat', $fam), 'haproxy')) } qw(up down)));
	# Plain forwarding is the path's own limit: where it is itself below a
	# target against haproxy, no relay on this path can meet that target.
	@r = map { my $x = ratio($_, $relay, 'haproxy'); [$x, defined $x && $x >= 1.5] } qw(rr1 rr50);
	target("request/response ≥ 1.5 × haproxy$in", all_ok(@r),
		sprintf('1 connection %s ×, 50 connections %s × (the path\'s limit, forward: %s ×, %s ×)',
			(map { fmt_ratio($_->[0]) } @r),
			map { fmt_ratio(ratio($_, row('forward', $fam), 'haproxy')) } qw(rr1 rr50)));
	my $x = ratio('connrate', $relay, 'haproxy');
	target("connection rate ≥ 1.5 × haproxy$in", defined $x ? $x >= 1.5 : undef,
		sprintf('%s × (the path\'s limit, forward: %s ×)', fmt_ratio($x),
			fmt_ratio(ratio('connrate', row('forward', $fam), 'haproxy'))));
	if ($fam == 4) {
		my ($held, $beyond) = map { $stat{$_}{relay} ? $stat{$_}{relay}{med} : undef } qw(idle_held idle_beyond);
		target('10,000 concurrent connections, ≤ 8 KiB relay state each beyond the sockets',
			$meta{idle} < 10000 ? undef : defined $held && defined $beyond ? ($held >= 10000 && $beyond <= 8192) : undef,
			sprintf('%s held, %s bytes each beyond the sockets (%s in nrelay objects)', fmt($held, 0),
				fmt($beyond, 0), fmt($stat{idle_nrelay}{relay} ? $stat{idle_nrelay}{relay}{med} : undef, 0)));
	}
	$x = ratio('dns', $relay, 'dnat');
	my $lost = $vals{dns_lost}{$relay};
	my $lost_sum = 0;
	$lost_sum += $_ for @{ $lost || [] };
	target("DNS q/s ≥ 0.9 × dnat, no loss$in", defined $x && $lost ? ($x >= 0.9 && $lost_sum == 0) : undef,
		sprintf('%s × dnat, %d lost in %d runs', fmt_ratio($x), $lost_sum, scalar @{ $lost || [] }));
}

# ---- benchmarks.md ----
my $quiet = $meta{load} =~ /^([0-9.]+)/ && $1 <= 2 ? 1 : 0;
my $v6 = grep { $_ == 6 } @families;
open(my $md, '>', "$out/benchmarks.md") or die "$out/benchmarks.md: $!\n";
print $md <<MD;
# net/relay benchmarks

*Generated by `bench/bench.sh` (`make bench`); the text around the figures
lives in `bench/report.pl`. Re-run to refresh; do not edit by hand.*

| | |
|---|---|
| date | $meta{date} |
| command | `$meta{command}` |
| relay kernel | $meta{kernel_relay} ($meta{relay_label}) |
| topology | `$meta{topo}` |
| links | @{[ $x86 ? 'Linux bridges, taps' : $link_label{$meta{link}} ]} |
| client and server kernel | $meta{kernel_peers} |
| host | $meta{host} |
| host load average | $meta{load} |
| duration | $meta{duration} |
| rounds | $meta{rounds} (median of $meta{rounds} runs, min–max) |

MD
print $md <<MD unless $quiet;
> **Measured on a busy host** (load average above 2 at the start): other
> work on the machine shares the CPUs with the guests, so the absolute
> figures are low and noisy. Ratios between cases are more robust (each
> round runs every case), but for figures to compare against the targets,
> run `make bench` on an otherwise idle machine.

MD
print $md <<MD;
## How to run

    make bench                       # about 20 minutes; docs/benchmarks.md
    make bench TOPO=x86              # the relay on x86_64 under QEMU; docs/benchmarks-x86.md
    make bench LINK=bridge           # Linux bridges + taps, no uml_switch; docs/benchmarks-bridge.md
    make bench LINK=veth             # veth pairs + UML's vector driver; docs/benchmarks-veth.md
    BENCH_QUICK=1 bench/bench.sh     # 1 round, short runs, docs untouched
    BENCH_FAMILIES=4 bench/bench.sh  # the IPv4 rows alone (the default is "4 6")
    BENCH_CASES="haproxy relay" BENCH_ROUNDS=5 bench/bench.sh

Results of every run stay in `run/bench-results/STAMP/` (`bench.log` has
every measurement and failure). `BENCH_KEEP=1` leaves the guests up.

## Set-up

MD
print $md <<MD if $veth;
**This run: `$meta{topo}` with each network a veth pair** (`make bench
LINK=veth`) in the run's network namespace instead of a `uml_switch`: each
guest's interface is UML's vector driver on a raw socket bound to its end
of the pair (`vecN:transport=raw,ifname=...,gro=1`), which batches frames
(sendmmsg/recvmmsg) and offers scatter-gather, TSO and GRO through vnet
headers. Everything else is as described below. The page for the daemon
links, the kit's default: [benchmarks.md](benchmarks.md).

MD
print $md <<MD if $bridge;
**This run: `$meta{topo}` with each network a Linux bridge** (`make bench
LINK=bridge`) in the run's network namespace instead of a `uml_switch`:
one tap per guest interface, UML's tuntap transport (`ethN=tuntap,TAP`).
The guests' driver is the same as on the daemon links (a frame per read
and write); what goes away is the `uml_switch` process between them, so a
frame crosses the host kernel once instead of through a user-space
switch. The bridge has no address and the taps exist only in the
namespace. Everything else is as described below. The page for the daemon
links, the kit's default, also reads the targets' misses:
[benchmarks.md](benchmarks.md).

MD
print $md <<MD if $x86;
**This run: `$meta{topo}`.** The relay guest is $meta{relay_label}; the
networks are Linux bridges (one tap per interface) in the run's network
namespace instead of `uml_switch`. Everything else is as described below
for the UML bench topology. Under TCG every instruction of the relay guest
is emulated: compare the cases with each other, not with the UML page.

MD
print $md <<MD;
`uml/topology/bench.topo`: client (192.0.2.10, .11) — front — relay guest
(192.0.2.1 | 198.51.100.1, 256 MiB, release kernel) — back — server
(198.51.100.2), and over IPv6 client (2001:db8:1::10, ::11), relay guest
(2001:db8:1::1 | 2001:db8:2::1), server (2001:db8:2::2). Client and server
run the kernel named above. Each guest is one UML kernel with one CPU; the
networks are `uml_switch` processes. The server runs `iperf3 -s` (:5201),
an epoll echo server (`rrload serve`, :7) and dnsmasq (:53, no query log),
each on both families. Routes of both families go both ways through the
relay guest in every case (the forward case and IPVS-NAT need them; the
others do not use them).

Cases, one at a time in the relay guest (`bench/guest.sh up|down`),
each relaying TCP 5201 and 7 (and UDP 53 where it can):

| case | how |
|---|---|
| forward | plain IP forwarding, the client talks to 198.51.100.2 (2001:db8:2::2) directly: the path's limit |
| dnat | `iptables -t nat` (`ip6tables`) DNAT to the server + MASQUERADE on the back interface (conntrack) |
| ipvs | IPVS NAT (`ipvsadm -A/-a ... -m`), the server answers through its route |
| haproxy | $meta{haproxy}, `mode tcp`, one thread, default buffers (no splicing) |
| socat | socat $meta{socat}: `TCP4-LISTEN:PORT,fork TCP4:SERVER:PORT`: a process per connection |
| relay | net/relay: `add tcp 192.0.2.1:PORT 198.51.100.2:PORT`, `add udp 192.0.2.1:53 ...`; `add tcp [2001:db8:1::1]:PORT [2001:db8:2::2]:PORT` and `add udp [2001:db8:1::1]:53 ...` over IPv6 |

Each case listens on the relay's front address of one family and connects
to the server's address of the same family.

Figures (the load tool is `bench/rrload.c`, built static into
`build/rrload` and run in the client guest):

- **throughput**: `iperf3 -t $meta{secs}` client→server and `-R`
  server→client; the receiver's rate.
- **CPU per GiB**: host CPU time (utime+stime+cutime+cstime in
  `/proc/PID/stat`) of every host process of the relay guest (its process
  group) during the iperf3 run, divided by the bytes received. It counts the
  whole guest: kernel, network, the relay, the exec agent's polling.
- **request/response**: 64-byte request, wait for its echo, next request;
  over 1 and over 50 connections, $meta{rr_secs} s.
- **new connections**: connect, 32-byte echo, close; $meta{connrate_parallel}
  in flight, sources alternating between the client's two addresses,
  $meta{rr_secs} s.
- **DNS**: A queries for www.relay.test, $meta{dns_window} outstanding over
  $meta{dns_sockets} sockets, $meta{rr_secs} s; a query not answered within
  1 s is lost. More outstanding queries make UML's own network transmit
  queues drop packets (tx_dropped on every guest), whatever the relay.
- **idle connections**: once per case, up to $meta{idle} connections opened
  (socat: $meta{socat_idle}, as it forks a process for each), each checked
  with a one-byte echo, held while the relay guest's `/proc/meminfo` and
  `/proc/slabinfo` are read (after `drop_caches`; the relay kernel boots
  with `slab_nomerge` so its caches keep their names). Per connection:
  MemFree delta, Slab delta, and *beyond the sockets* = MemFree delta minus
  the socket caches (TCP, sock_inode_cache, filp, dentry, eventpoll, skbuff).

Rounds: every round runs every case (the order rotates), so drift on the
host spreads over all cases instead of favouring one.

MD
print $md <<MD if $v6;
**IPv6 rows** (`CASE (IPv6)`; `CASE/ipv6` in the CSV files): the same case
over IPv6 between the same guests, with that family's addresses; a round
runs a case's families back to back. Their ratios compare
IPv6 rows with each other, and the targets are the IPv4 ones, judged within
IPv6. The DNS rows ask the same A query over IPv6. An IPv6 header is 20
bytes longer than IPv4's, so a full-sized TCP segment carries 20 bytes less
data. socat is measured over IPv4 only: it has no target, and a process per
connection costs the same whatever the family. The idle connections and
the profiles, once per case, are IPv4 only: they take minutes per family,
and the state beyond the sockets keeps addresses of either family alike
(net/relay, conntrack and IPVS hold them in unions).

MD
print $md <<MD;
## Results

`× forward` and `× haproxy` are ratios of medians, within the row's family.

| figure | case | median | min–max | runs | × forward | × haproxy |
|---|---|--:|--:|--:|--:|--:|
MD
for my $mi (@metrics) {
	my ($m, $label, $unit, undef, $d, $noratio) = @$mi;
	next unless $stat{$m};
	my $first = 1;
	for my $c (@rows) {
		my $s = $stat{$m}{$c} or next;
		my $case = case_of($c);
		my $name = $m eq 'dns' && $case eq 'forward' ? 'direct' : $case;
		$name .= ' (IPv6)' if family_of($c) == 6;
		printf $md "| %s | %s | %s | %s | %d | %s | %s |\n", $first ? "$label ($unit)" : '',
			$case eq 'relay' ? "**$name**" : $name, fmt($s->{med}, $d),
			$s->{min} == $s->{max} ? '' : fmt($s->{min}, $d) . ' – ' . fmt($s->{max}, $d), $s->{n},
			$noratio ? '' : fmt_ratio(ratio($m, $c, 'forward')),
			$noratio ? '' : fmt_ratio(ratio($m, $c, 'haproxy'));
		$first = 0;
	}
}
print $md <<MD;

Every figure as CSV: [benchmarks.csv](benchmarks.csv) (medians and ratios),
[$meta{charts}/raw.csv]($meta{charts}/raw.csv) (each run).

## Targets

From the issue; net/relay against the other cases of the same run@{[ !$v6 ? '' :
	', over ' . join(' and again over ', map { "IPv$_" } @families) .
	(@families > 1 ? ' (the idle connections: IPv4 only)' : '') ]}.

| target | measured | |
|---|---|---|
MD
printf $md "| %s | %s | %s |\n", @$_ for @targets;
print $md <<'MD' if $x86;

How to read this page: under TCG the relay guest's CPU is the limit of
every case that costs it more than forwarding. Throughput × CPU per GiB
is about one host CPU for net/relay and haproxy (the guest is saturated),
so their throughput is the inverse of their cost per byte, and that cost
is the x86 kernel's debugging (lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP, a
preemptible kernel: every socket lock is checked), emulated instruction
by instruction. Forwarding, DNAT and IPVS touch no socket lock and stay
on the links' limit. These figures show the relay working on x86_64 and
how the cases rank there; the targets are judged on the UML page
([benchmarks.md](benchmarks.md)).
MD
# The reading of each miss, printed only when it was missed.
my %missed = map { $_->[0] => $_->[2] eq '**missed**' } @targets;
my ($miss_rr, $miss_cpu) = (0, 0);
for (keys %missed) {
	$miss_rr ||= $missed{$_} if /^(request\/response|connection rate)/;
	$miss_cpu ||= $missed{$_} if /^CPU per GiB/;
}
if (!$x86 && !$veth && !$bridge && ($miss_rr || $miss_cpu)) {
	print $md <<'MD';

How to read a miss: the measured column puts the path's own limit next to
the relay's figure, from the same run.

MD
	print $md <<'MD' if $miss_rr;
- **Request/response over 50 connections, connection rate.** Plain
  forwarding through the same relay guest is itself below 1.5 × haproxy, so
  no relay on this path can reach the target: the client and the server
  (one UML CPU each, on the same two host cores) set the rate. The relay
  guest is about a quarter busy during the 50-connection run (the CPU-use
  row), as busy as under forwarding and DNAT, while haproxy keeps it about
  70 % busy; the relay's CPU per request is about 1.2 × forwarding's and
  0.3 × haproxy's.
MD
	print $md <<'MD' if $miss_cpu;
- **CPU per GiB ≤ 0.5 × haproxy.** Packet-level NAT (dnat), which
  terminates nothing, costs more than 0.5 × haproxy here too. Since the
  links have a 512-frame queue (`net.unix.max_dgram_qlen`, set by
  `uml/start-topology.sh`), haproxy moves larger batches per system call
  than with the default 10-frame queue, which lowers its cost per GiB
  (the table gives this run's figure). The relay needs no
  system call and no buffer of its own, and costs a little more than
  forwarding: the second TCP stack that any relay terminating TCP runs
  (segments and ACKs of two connections), which the guest's network
  device cannot batch (no GRO or TSO on UML's daemon transport), and a
  copy that device forces (below). The profile below shows where the
  rest goes: the links.
MD
}
# ---- profiles ----
# profile-CASE-dso.tsv: "PERCENT\tDSO", profile-CASE.tsv: "PERCENT\tDSO\tSYMBOL"
# (bench/bench.sh profile_case: perf on the relay guest's host processes
# during one iperf3 run client to server).
my @pcases = grep { -s "$out/profile-$_-dso.tsv" } qw(forward dnat haproxy relay);
sub read_tsv {
	my ($f) = @_;
	open(my $h, '<', $f) or return ();
	my @rows = map { chomp; [split /\t/] } <$h>;
	close $h;
	return @rows;
}
# Which part of the guest a DSO is: the UML kernel is the `linux` binary.
sub part {
	my ($dso) = @_;
	return 'uml' if $dso eq 'linux';
	return 'host' if $dso eq '[kernel.kallsyms]';
	return 'user';
}
if (@pcases) {
	my (%share, %top);
	for my $c (@pcases) {
		$share{$c}{part($_->[1])} += $_->[0] for read_tsv("$out/profile-$c-dso.tsv");
		for my $r (read_tsv("$out/profile-$c.tsv")) {
			my $p = part($r->[1]);
			push @{ $top{$c}{$p} }, $r if $p ne 'user' && @{ $top{$c}{$p} // [] } < 6;
		}
	}
	print $md <<'MD';

## Where the relay guest's CPU goes

`perf record` on the host, on every host process of the relay guest, during
one more iperf3 run client to server over IPv4 per case (after the
rounds): the UML kernel (the `linux` binary: the guest's network stack,
netfilter, the relay), the host kernel working for the guest (the links
are one `sendto`/`recvfrom` per frame on a unix socket, plus UML's signals
and page faults), and the guest's user space (haproxy, iperf3 is not
there).
Each part in % of the samples and in s/GiB (its share of the case's median
CPU per GiB, client to server).

| case | UML kernel | host kernel (links, signals) | user space | top UML kernel functions | top host kernel functions |
|---|--:|--:|--:|---|---|
MD
	for my $c (@pcases) {
		my $cpu = median(@{ $vals{cpu_up}{$c} // [] });
		my @cells;
		for my $p (qw(uml host user)) {
			my $pc = $share{$c}{$p} // 0;
			push @cells, sprintf('%.0f %%', $pc) . (defined $cpu ? sprintf(' (%.2f)', $pc / 100 * $cpu) : '');
		}
		my $fn = sub {
			join ', ', map { sprintf '`%s` %.1f', $_->[2], $_->[0] } @{ $top{$c}{ $_[0] } // [] };
		};
		printf $md "| %s | %s | %s | %s | %s | %s |\n", $c eq 'relay' ? '**relay**' : $c,
			@cells, $fn->('uml'), $fn->('host');
	}
	# The reading, from this run's figures.
	my $secs = sub {	# CASE PART: s/GiB of CASE spent in PART
		my ($c, $p) = @_;
		my $cpu = median(@{ $vals{cpu_up}{$c} // [] });
		return defined $cpu ? ($share{$c}{$p} // 0) / 100 * $cpu : undef;
	};
	if ($share{relay} && $share{forward} && defined $secs->('relay', 'host')) {
		my $fh = ratio('cpu_up', 'forward', 'haproxy');
		printf $md "\nHow to read it: %.0f %% of net/relay's CPU (%.2f s/GiB) is the host\n" .
			"kernel moving UML's frames and delivering its signals, against %.2f s/GiB\n" .
			"for plain forwarding, and %.2f s/GiB is the UML kernel (forwarding %.2f):\n" .
			"the links cost per frame, whatever the guest does with the frames.\n",
			$share{relay}{host} // 0, $secs->('relay', 'host'), $secs->('forward', 'host'),
			$secs->('relay', 'uml'), $secs->('forward', 'uml');
		printf $md "Forwarding alone costs %.2f × haproxy's CPU per GiB in this run%s.\n", $fh,
			$fh > 0.5 ? ", above the target's 0.5 ×: no relay on these links can meet it" : ''
			if defined $fh;
		print $md <<'MD';
Part of the relay's UML-kernel share is a copy: UML's daemon network
driver (arch/um/drivers/net_kern.c) offers no scatter-gather, so TCP
cannot send the pages net/relay hands on by reference and copies them
(`memcpy_orig`, `csum_partial` in the UML kernel column); UML's vector
driver offers scatter-gather.
MD
	}
}

print $md "\n## Charts\n\n";
printf $md "![%s](%s/%s.png)\n\n", $_->[1], $meta{charts}, $_->[0] for @chart_files;
close $md;
print "report: $out/benchmarks.md\n";
