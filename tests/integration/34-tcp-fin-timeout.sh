#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tcp_fin_timeout: the client half-closes and the backend holds its side
# open without a byte (a perl listener in the server that accepts and
# sleeps).  The relay passes the FIN on; after tcp_fin_timeout (3 s here)
# of a half-closed relay with nothing moving it resets both sides: the
# client's read ends after about 3 s (not at tcp_idle_timeout, 300 s), and
# tcp_timeouts counts it.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=8096
trap 'gsh server "kill \$(cat /tmp/holder.pid); rm -f /tmp/holder.pid" > /dev/null 2>&1 || true; rule_quiet "del tcp $port"; relay_sysctl tcp_fin_timeout "$fin0"' EXIT
fin0=$(relay_sysctl_get tcp_fin_timeout)
relay_sysctl tcp_fin_timeout 3
holder='my $l = IO::Socket::IP->new(LocalHost => "::", LocalPort => $ARGV[0], V6Only => 0, Listen => 4, ReuseAddr => 1) or die "listen: $@";
	my $c = $l->accept; sleep 120'
gsh server 'setsid perl -MIO::Socket::IP -e "$1" "$2" > /tmp/holder.log 2>&1 < /dev/null & echo $! > /tmp/holder.pid' \
	"$holder" "$port" || fail "cannot start the holding listener on the server"
retry 10 server_listening "$port" || fail "the holding listener does not listen on $port"
rule "add tcp $port $(addr_port "$SERVER_IP" "$port")"

timeouts0=$(relay_stat tcp_timeouts)
# shellcheck disable=SC2016 # perl code
out=$(gexec -t 60 client perl -MIO::Socket::IP -MIO::Select -e '
	sub now { open(my $f, "<", "/proc/uptime") or die; (split " ", <$f>)[0] }
	my $s = IO::Socket::IP->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1]) or die "connect: $@\n";
	syswrite($s, "half\n");
	shutdown($s, 1);
	my $t0 = now();
	IO::Select->new($s)->can_read(30) or die "still open after 30 s\n";
	my $n = sysread($s, my $buf, 100);
	printf "%s after %d ms\n", !defined $n ? "error: $!" : $n ? "data" : "EOF", (now() - $t0) * 1000;' \
	"$RELAY_FRONT" "$port") || fail "half-closed client: $out"
log "half-closed client: $out"
ms=$(echo "$out" | sed -n 's/.* after \([0-9]*\) ms$/\1/p')
[[ $out == "error: Connection reset by peer"* ]] || fail "the half-closed relay was not reset: the client got $out"
((ms >= 2500 && ms <= 15000)) || fail "the half-closed relay ended after $ms ms, not after tcp_fin_timeout (3 s)"
timeouts=$(($(relay_stat tcp_timeouts) - timeouts0))
((timeouts == 1)) || fail "tcp_timeouts moved by $timeouts for one half-closed relay timed out"
note "half-closed relay ended after $ms ms ($out); tcp_timeouts +$timeouts"
wait_tcp_idle 20
