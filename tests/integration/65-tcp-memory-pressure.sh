#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Above tcp_mem's hard limit a send with nothing queued fails, and TCP calls
# write_space at once from inside that send: a relay that took it as room
# made would run its pump again and again, its guest's one CPU spinning for
# as long as memory is short (docs/design.md, "Memory pressure").
#
# Two "hog" uploads go to a backend that does not read yet: the relay holds
# their bytes and its guest goes over tcp_mem (a few pages; TCP's per-CPU
# reserve lets about 1 MiB a CPU more through). Then four 4 MiB uploads to
# the server's sha256 service, whose relays have empty send queues, stall
# on memory: bigger than the reserves, since on the x86 relay (2 CPUs) two
# 1 MiB uploads once got through and ended before the check. The relay guest's CPU must stay mostly idle meanwhile; once
# tcp_mem is back and the hog backend reads, every upload completes with
# the right sha256.
# Alone (a parallel run puts it after the lanes): it measures the relay
# guest's CPU time, which preemption by other guests would inflate.
# relaykit-test: exclusive
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
uploads=4
hog_port=8096
mem0=$(gexec relay cat /proc/sys/net/ipv4/tcp_mem)
trap 'gexec relay sysctl -qw net.ipv4.tcp_mem="$mem0" || true
	gexec server touch /tmp/mp-drain || true
	rule_quiet "del tcp 9000"; rule_quiet "del tcp $hog_port"
	gexec client sh -c "rm -f /tmp/mp-*" || true' EXIT
rule "add tcp 9000 $(addr_port "$SERVER_IP" 9000)"
rule "add tcp $hog_port $(addr_port "$SERVER_IP" "$hog_port")"

# shellcheck disable=SC2016 # perl code, run in the server guest
hog='
use strict;
use IO::Socket::IP;
my ($port, $n) = @ARGV;
my $l = IO::Socket::IP->new(LocalHost => "::", LocalPort => $port, V6Only => 0, Listen => $n, ReuseAddr => 1)
	or die "listen: $!\n";
my @c = map { $l->accept or die "accept: $!\n" } 1 .. $n;
sleep 1 until -e "/tmp/mp-drain";
for my $c (@c) { 1 while sysread($c, my $buf, 65536); }'

# busy_ticks: the relay guest's CPU time so far, busy and total (USER_HZ).
busy_ticks()
{
	gexec relay awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}

# upload N SIZE PORT: N uploads of SIZE bytes from the client, in the
# background; each one's sha256 in /tmp/mp-PORT-I.want, the answer in .got.
upload()
{
	gsh client '
		for i in $(seq "$1"); do
			f=/tmp/mp-$3-$i
			head -c "$2" /dev/urandom > "$f"
			sha256sum "$f" | cut -d" " -f1 > "$f.want"
			( timeout 120 socat -t 60 -T 120 - "TCP:$4:$3" < "$f" | cut -d" " -f1 > "$f.got" ) \
				> /dev/null 2>&1 < /dev/null &
		done' "$@" "$(bracketed "$RELAY_FRONT")" || fail "cannot start the uploads to port $3"
}

relays() { relay_conn_lines tcp | wc -l; }
relays_up() { (($(relays) >= $1)); }

gexec server rm -f /tmp/mp-drain
gsh server 'setsid perl -e "$1" "$2" 2 > /tmp/mp-hog.log 2>&1 < /dev/null &' "$hog" "$hog_port" ||
	fail "cannot start the hog backend"
retry 10 server_listening "$hog_port" || fail "the hog backend does not listen"
must "shrink tcp_mem in the relay guest" gexec relay sysctl -qw net.ipv4.tcp_mem="1 1 1"
upload 2 16777216 "$hog_port"
retry 20 relays_up 2 || fail "the hog uploads did not reach the relay"
sleep 2
upload "$uploads" 4194304 9000
retry 20 relays_up $((uploads + 2)) || fail "not every upload reached the relay: $(relays) relays"
sleep 2
read -r busy0 total0 <<< "$(busy_ticks)"
sleep 5
read -r busy1 total1 <<< "$(busy_ticks)"
busy=$(((busy1 - busy0) * 100 / (total1 - total0)))
stalled=$(relays)
log "relay guest busy ${busy}% for 5 s under memory pressure, $stalled relays up; $(gexec relay grep TCP: /proc/net/sockstat)"
must "restore tcp_mem in the relay guest" gexec relay sysctl -qw net.ipv4.tcp_mem="$mem0"
gexec server touch /tmp/mp-drain
((stalled >= uploads + 2)) || fail "only $stalled relays were still up: the uploads were not stalled, nothing was tested"
# A spinning pump keeps the guest's one CPU busy all the time.
((busy < 50)) || fail "the relay guest was ${busy}% busy while the uploads were stalled on memory"

all_done() { gsh client 'for i in $(seq "$1"); do [ -s /tmp/mp-9000-$i.got ] || exit 1; done' "$uploads"; }
retry 90 all_done || fail "not every upload completed once tcp_mem was back"
out=$(gsh client 'for i in $(seq "$1"); do cmp -s /tmp/mp-9000-$i.want /tmp/mp-9000-$i.got || echo "upload $i: sha256 differs"; done' "$uploads")
[ -z "$out" ] || fail "$out"
note "busy ${busy}% while $uploads uploads were stalled on memory; all completed byte-exact once tcp_mem was back"
wait_tcp_idle 60
