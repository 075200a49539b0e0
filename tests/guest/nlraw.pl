#!/usr/bin/perl
# SPDX-License-Identifier: GPL-2.0
#
# nlraw.pl [OPTIONS] COMMAND [ATTRS...]: one raw request to the generic
# netlink family net_relay (include/uapi/linux/net_relay.h), and the
# kernel's answer on one line.  relayctl sends well-formed requests only;
# this builds any, malformed ones included, for the policy checks of
# tests/integration/73-netlink-policy.sh.  Runs in the relay guest
# (perl-base only).
#
# COMMAND is a name of docs/net_relay.yaml (rule-add, restore, ...) or a
# number.  ATTRS are attributes, several to an argument with ",":
#
#   NAME=VALUE          of the type the family gives NAME (below)
#   NAME:TYPE=VALUE     of TYPE: u8 u16 u32 u64 be32 ip4 ip6 str (NUL
#                       added), bin (hex digits)
#   NAME{ATTRS}         a nest (NLA_F_NESTED set)
#
# NAME may be a number (an unknown type).  A str VALUE "TEXT*N" is TEXT
# N times.  Example:
#   rule{proto=6,listen{port=8080},backend{addr4=198.51.100.2,port=80}}
#
# Options:
#   --dump        a dump request (NLM_F_DUMP) instead of a do with NLM_F_ACK
#   --repeat=N    ATTRS N times, "%i" in them counting 1..N
#   --msg-extra=N nlmsg_len N bytes more than what is sent
#   --attr-extra=N the last attribute's nla_len N bytes more: it runs past
#                 the end of the message
#   --wait=S      seconds to wait for the answer (5)
#
# The answer, exit status:
#   ok                              0  the ack of a do, error 0
#   dump=N                          0  N messages before NLMSG_DONE
#   errno=NAME [msg="..."] [offset=N at=PATH] [miss_type=T [miss_nest=N]
#     missing=PATH] [range=MIN..MAX] [len=MIN..MAX]
#                                   1  an error: the extended ack's message,
#     offset of the bad attribute from the start of the request (as the
#     kernel reports it) and the attribute there (at=rule.listen.port;
#     "#K" tells the Kth of attributes of one name at one level:
#     rule#3.proto), the attribute missing and the nest it was missing
#     from, and the policy's range of values or lengths
#   no answer                       3  nothing within --wait (the kernel
#                                      drops a truncated message silently)
#   a tool failure                  2
use strict;
use warnings;
use Errno;
use Socket qw(SOCK_RAW inet_aton inet_pton AF_INET6);

use constant {
	AF_NETLINK => 16, NETLINK_GENERIC => 16, SOL_NETLINK => 270,
	NETLINK_CAP_ACK => 10, NETLINK_EXT_ACK => 11,
	NLMSG_ERROR => 2, NLMSG_DONE => 3,
	NLM_F_REQUEST => 1, NLM_F_MULTI => 2, NLM_F_ACK => 4, NLM_F_DUMP => 0x300,
	NLA_F_NESTED => 0x8000,
	GENL_ID_CTRL => 0x10, CTRL_CMD_GETFAMILY => 3,
	CTRL_ATTR_FAMILY_ID => 1, CTRL_ATTR_FAMILY_NAME => 2,
	# include/uapi/linux/netlink.h
	NLMSGERR_ATTR_MSG => 1, NLMSGERR_ATTR_OFFS => 2, NLMSGERR_ATTR_POLICY => 4,
	NLMSGERR_ATTR_MISS_TYPE => 5, NLMSGERR_ATTR_MISS_NEST => 6,
};

# The family's attribute sets: type => [name, type or nested set].
my %sets = (
	relay => { 1 => ['rule', 'rule'], 2 => ['conn', 'conn'],
		   3 => ['stat', 'named'], 4 => ['tunable', 'named'],
		   5 => ['running', 'u8'], 6 => ['rule-count', 'u32'],
		   7 => ['proto', 'u8'] },
	rule => { 1 => ['proto', 'u8'], 2 => ['listen', 'endpoint'],
		  3 => ['backend', 'endpoint'], 4 => ['active', 'u32'],
		  5 => ['total', 'u64'], 6 => ['bytes-up', 'u64'],
		  7 => ['bytes-down', 'u64'], 8 => ['pad', 'bin'] },
	endpoint => { 1 => ['addr4', 'ip4'], 2 => ['addr6', 'ip6'],
		      3 => ['port', 'u16'] },
	conn => {},
	named => { 1 => ['name', 'str'], 2 => ['value', 'u64'],
		   3 => ['pad', 'bin'] },
);
my @cmds = qw(unspec rule-add rule-del rule-flush rule-get restore start stop
	      state-get conn-get stats-get tunable-get tunable-set);

sub usage { print STDERR "usage: nlraw.pl [OPTIONS] COMMAND [ATTRS...]\n"; exit 2 }
sub failure { print "error: @_\n"; exit 2 }

my %opt = (repeat => 1, 'msg-extra' => 0, 'attr-extra' => 0, wait => 5, dump => 0);
while (@ARGV && $ARGV[0] =~ /^--([a-z-]+)(?:=(\d+))?$/) {
	my ($k, $v) = ($1, $2);
	usage() unless exists $opt{$k} && ($k eq 'dump') == !defined $v;
	$opt{$k} = $v // 1;
	shift;
}
my $cmdname = shift // usage();
my ($cmd) = $cmdname =~ /^\d+$/ ? ($cmdname) : grep { $cmds[$_] eq $cmdname } 0 .. $#cmds;
failure("unknown command '$cmdname'") unless $cmd;

# --- ATTRS: parsed into [type, name, valuetype, value or [children]]
sub parse_list {
	my ($s, $set) = @_;
	my @items;
	while (1) {
		$$s =~ /\G([\w-]+)(?::(\w+))?/gc or failure("bad attribute at '" . substr($$s, pos($$s) // 0) . "'");
		my ($name, $vt) = ($1, $2);
		my ($type) = $name =~ /^\d+$/ ? ($name) :
			grep { $sets{$set}{$_}[0] eq $name } keys %{$sets{$set}};
		failure("no attribute '$name' in set $set") unless defined $type;
		my $def = $sets{$set}{$type} // ["$type", 'bin'];
		$name = $def->[0];
		if ($$s =~ /\G\{/gc) {
			my $sub = exists $sets{$def->[1]} ? $def->[1] : 'conn';
			my @kids = $$s =~ /\G\}/gc ? () : parse_list($s, $sub);
			$$s =~ /\G\}/gc or failure("missing '}' after $name");
			push @items, [$type, $name, 'nest', \@kids, $sub];
		} else {
			$$s =~ /\G=([^,{}]*)/gc or failure("no value for $name");
			$vt //= $def->[1];
			failure("$name is a nest") if exists $sets{$vt};
			push @items, [$type, $name, $vt, $1];
		}
		last unless $$s =~ /\G,/gc;
	}
	return @items;
}

my @attrs;
for my $i (1 .. $opt{repeat}) {
	for my $arg (@ARGV) {
		(my $a = $arg) =~ s/%i/$i/g;
		pos($a) = 0;
		push @attrs, parse_list(\$a, 'relay');
		pos($a) == length($a) or failure("trailing text in '$arg'");
	}
}

# --- the message, with where each attribute starts: offset => path
my %at;
my %setof;	# path of a nest => its attribute set, for missing=

sub value {
	my ($vt, $v) = @_;
	return pack('C', $v) if $vt eq 'u8';
	return pack('S', $v) if $vt eq 'u16';
	return pack('L', $v) if $vt eq 'u32';
	return pack('Q', $v) if $vt eq 'u64';
	return pack('N', $v) if $vt eq 'be32';
	if ($vt eq 'ip4') { my $a = inet_aton($v); failure("bad IPv4 $v") unless $a; return $a }
	if ($vt eq 'ip6') { my $a = inet_pton(AF_INET6, $v); failure("bad IPv6 $v") unless $a; return $a }
	if ($vt eq 'str') {
		my ($t, $n) = $v =~ /^(.*)\*(\d+)$/ ? ($1, $2) : ($v, 1);
		return $t x $n . "\0";
	}
	return pack('H*', $v) if $vt eq 'bin';
	failure("unknown type $vt");
}

sub pad4 { my $d = shift; return $d . "\0" x (-length($d) & 3) }

# Attributes of @items at $off (of the message), under path $prefix.
sub build {
	my ($off, $prefix, @items) = @_;
	my (%count, %seen, $out);
	$count{$_->[1]}++ for @items;
	$out = '';
	for my $it (@items) {
		my ($type, $name, $vt, $v, $sub) = @$it;
		my $path = $prefix . $name;
		$path .= '#' . ++$seen{$name} if $count{$name} > 1;
		my $start = $off + length($out);
		$at{$start} = $path;
		my $data;
		if ($vt eq 'nest') {
			$setof{$path} = $sub;
			$data = build($start + 4, "$path.", @$v);
			$type |= NLA_F_NESTED;
		} else {
			$data = value($vt, $v);
		}
		failure("$path: longer than an attribute can be") if length($data) + 4 > 0xffff;
		$out .= pad4(pack('SS', length($data) + 4, $type) . $data);
	}
	return $out;
}

my $NLHDR = 16;
my $GENLHDR = 4;
my $payload = build($NLHDR + $GENLHDR, '', @attrs);
if ($opt{'attr-extra'}) {
	failure('--attr-extra: no attribute') unless @attrs;
	my $last = (sort { $a <=> $b } grep { $at{$_} !~ /\./ } keys %at)[-1];
	my $i = $last - $NLHDR - $GENLHDR;
	my $len = unpack('S', substr($payload, $i, 2));
	substr($payload, $i, 2) = pack('S', $len + $opt{'attr-extra'});
}

# --- the socket
socket(my $sk, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC) or failure("socket: $!");
setsockopt($sk, SOL_NETLINK, NETLINK_EXT_ACK, pack('i', 1)) or failure("NETLINK_EXT_ACK: $!");
setsockopt($sk, SOL_NETLINK, NETLINK_CAP_ACK, pack('i', 1)) or failure("NETLINK_CAP_ACK: $!");
bind($sk, pack('SSLL', AF_NETLINK, 0, 0, 0)) or failure("bind: $!");

my $seq = time;

sub request {
	my ($type, $flags, $gcmd, $attrs, $extra) = @_;
	my $msg = pack('CCS', $gcmd, 1, 0) . $attrs;
	$msg = pack('LSSLL', $NLHDR + length($msg) + ($extra // 0), $type, $flags, ++$seq, 0) . $msg;
	defined send($sk, $msg, 0) or failure("send: $!");
}

# The next message answering $seq: [type, flags, payload], or undef after
# --wait seconds of silence.
my @queue;
sub answer {
	while (1) {
		while (my $m = shift @queue) {
			return $m if $m->[3] == $seq;
		}
		my $rin = '';
		vec($rin, fileno($sk), 1) = 1;
		return undef unless select($rin, undef, undef, $opt{wait});
		defined recv($sk, my $buf, 1 << 20, 0) or failure("recv: $!");
		while (length($buf) >= $NLHDR) {
			my ($len, $type, $flags, $s) = unpack('LSSL', $buf);
			failure("bad message length $len") if $len < $NLHDR || $len > length($buf);
			push @queue, [$type, $flags, substr($buf, $NLHDR, $len - $NLHDR), $s];
			substr($buf, 0, ($len + 3) & ~3) = '';
		}
	}
}

# Attributes of a block: type => [data, ...].
sub attrs {
	my $d = shift;
	my %a;
	while (length($d) >= 4) {
		my ($len, $type) = unpack('SS', $d);
		last if $len < 4 || $len > length($d);
		push @{$a{$type & 0x3fff}}, substr($d, 4, $len - 4);
		substr($d, 0, ($len + 3) & ~3) = '';
	}
	return %a;
}

# Of two names for one errno, the first in sort order (EAGAIN, not
# EWOULDBLOCK), but EOPNOTSUPP, the kernel's, rather than ENOTSUP.
my %errname;
for my $name (sort { ($b eq 'EOPNOTSUPP') <=> ($a eq 'EOPNOTSUPP') || $a cmp $b } keys %!) {
	my $f = Errno->can($name) or next;
	$errname{$f->()} //= $name;
}

# An NLMSG_ERROR's payload, as the answer line; error 0 is "ok".
sub error_line {
	my ($flags, $p) = @_;
	my $err = -unpack('l', $p);
	return 'ok' unless $err;
	my @out = ('errno=' . ($errname{$err} // $err));
	# struct nlmsgerr: the error, the request's header (NETLINK_CAP_ACK)
	my %a = ($flags & 0x200) ? attrs(substr($p, 4 + $NLHDR)) : ();
	if (my $m = $a{NLMSGERR_ATTR_MSG()}) {
		(my $s = $m->[0]) =~ s/\0.*//s;
		push @out, qq(msg="$s");
	}
	if (my $o = $a{NLMSGERR_ATTR_OFFS()}) {
		my $off = unpack('L', $o->[0]);
		push @out, "offset=$off";
		push @out, 'at=' . ($at{$off} // '?');
	}
	if (my $t = $a{NLMSGERR_ATTR_MISS_TYPE()}) {
		my $type = unpack('L', $t->[0]);
		push @out, "miss_type=$type";
		my ($nest, $set) = ('', 'relay');
		if (my $n = $a{NLMSGERR_ATTR_MISS_NEST()}) {
			my $off = unpack('L', $n->[0]);
			push @out, "miss_nest=$off";
			$nest = ($at{$off} // '?') . '.';
			$set = $setof{$at{$off} // ''} // 'conn';
		}
		push @out, 'missing=' . $nest . (($sets{$set}{$type} // [$type])->[0]);
	}
	if (my $pol = $a{NLMSGERR_ATTR_POLICY()}) {
		# NL_POLICY_TYPE_ATTR_*: 4/5 unsigned, 2/3 signed range; 6/7 lengths
		my %p = attrs($pol->[0]);
		my $v = sub { my $d = $p{$_[0]}; $d ? unpack(length($d->[0]) == 8 ? ($_[1] ? 'q' : 'Q') : 'L', $d->[0]) : $_[2] };
		push @out, 'range=' . $v->(4, 0, '') . '..' . $v->(5, 0, '') if $p{4} || $p{5};
		push @out, 'range=' . $v->(2, 1, '') . '..' . $v->(3, 1, '') if $p{2} || $p{3};
		push @out, 'len=' . $v->(6, 0, 0) . '..' . $v->(7, 0, '') if $p{6} || $p{7};
	}
	return "@out";
}

# --- the family's id
request(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY,
	pad4(pack('SS', 4 + length('net_relay') + 1, CTRL_ATTR_FAMILY_NAME) . "net_relay\0"));
my $m = answer() // failure('no answer from the genetlink controller');
if ($m->[0] == NLMSG_ERROR) {
	print 'family net_relay: ', error_line($m->[1], $m->[2]), "\n";
	exit 2;
}
my %ctrl = attrs(substr($m->[2], $GENLHDR));
my $family = unpack('S', ($ctrl{CTRL_ATTR_FAMILY_ID()} // failure('no family id'))->[0]);

# --- the request and its answer
request($family, NLM_F_REQUEST | ($opt{dump} ? NLM_F_DUMP : NLM_F_ACK), $cmd,
	$payload, $opt{'msg-extra'});
my $n = 0;
while (1) {
	$m = answer();
	if (!$m) {
		print "no answer\n";
		exit 3;
	}
	if ($m->[0] == NLMSG_ERROR) {
		my $line = error_line($m->[1], $m->[2]);
		print "$line\n";
		exit($line eq 'ok' ? 0 : 1);
	}
	if ($m->[0] == NLMSG_DONE) {
		my $err = -unpack('l', $m->[2]);
		if ($err) {
			print 'errno=', $errname{$err} // $err, "\n";
			exit 1;
		}
		print "dump=$n\n";
		exit 0;
	}
	$n++ if $m->[0] == $family;
}
