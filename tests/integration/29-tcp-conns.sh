#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/net/relay/conns shows a live TCP relay as docs/usage.md says:
# client, the relay's address towards the backend, backend, state, bytes
# each way, age and idle time; "established" while both sides are open,
# "half-closed" once the client has sent its FIN and the backend has not.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=2001
trap 'rule_quiet "del tcp $port"' EXIT

# A one-shot backend that answers "hi" to "hello", stays open for 3 s
# after the client's EOF (the relay is half-closed then), says "bye" and
# closes.
# shellcheck disable=SC2016 # perl code, run in the server guest
backend='
use IO::Socket::INET;
my $l = IO::Socket::INET->new(LocalPort => $ARGV[0], Listen => 1, ReuseAddr => 1, Proto => "tcp") or die "listen: $!\n";
alarm 30;
my $s = $l->accept or die "accept: $!\n";
sysread($s, my $b, 5);
syswrite($s, "hi");
1 while sysread($s, $b, 100);
sleep 3;
syswrite($s, "bye");'
# shellcheck disable=SC2016 # expanded by the guest's shell
gsh server 'setsid perl -e "$1" "$2" > /tmp/conns-backend.log 2>&1 < /dev/null &' "$backend" "$port" ||
	fail "cannot start the test backend on the server"
retry 10 server_listening "$port" || fail "the test backend does not listen on $port"
rule "add tcp $port $SERVER_IP:$port"

# The client: "hello", the answer, 2 s open, then its FIN, then the rest.
# shellcheck disable=SC2016 # perl code, run in the client guest
client='
use IO::Socket::INET;
use Socket qw(SHUT_WR);
my $s = IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "tcp") or die "connect: $!\n";
syswrite($s, "hello");
sysread($s, my $got, 2);
sleep 2;
shutdown($s, SHUT_WR);
while (sysread($s, my $b, 100)) { $got .= $b; }
print "$got\n";'
gexec -t 20 client perl -e "$client" "$RELAY_FRONT" "$port" > "$RK_LOG.client" 2>&1 &
pid=$!

# tcp_line STATE: wait up to 5 s for the relay's TCP line to the test
# backend in STATE; print it.
tcp_line()
{
	local line=''

	for _ in $(seq 50); do
		line=$(relay_conn_lines tcp | grep " $SERVER_IP:$port " || true)
		[ "$(echo "$line" | awk '{ print $5 }')" = "$1" ] && break
		sleep 0.1
	done
	echo "${line:-no tcp line}"
	[ "$(echo "$line" | awk '{ print $5 }')" = "$1" ]
}

line=$(tcp_line established) || fail "no established TCP relay in conns: $line"
# The answer may still be on its way: look again once it is through.
sleep 0.5
line=$(tcp_line established) || fail "the relay left 'established' too early: $line"
log "conns while open: $line"
read -r proto cli rel back state up down age idle <<< "$line"
[ "$proto" = tcp ] || fail "the line does not start with tcp: $line"
[[ $cli == "$CLIENT_IP":* ]] || fail "client field '$cli' is not $CLIENT_IP:PORT"
[[ $rel == "$RELAY_BACK":* ]] || fail "relay field '$rel' is not $RELAY_BACK:PORT"
[ "$back" = "$SERVER_IP:$port" ] || fail "backend field '$back' is not $SERVER_IP:$port"
[ "$state" = established ] || fail "state '$state'"
[ "$up" = up=5 ] || fail "'$up' instead of up=5 (the client sent 5 bytes)"
[ "$down" = down=2 ] || fail "'$down' instead of down=2 (the backend answered 2 bytes)"
[[ $age == age=[0-9]* && $idle == idle=[0-9]* ]] || fail "age/idle fields malformed: '$age' '$idle'"

line=$(tcp_line half-closed) || fail "not half-closed after the client's FIN: $line"
log "conns after the client's FIN: $line"
wait "$pid" || fail "the client failed: $(cat "$RK_LOG.client")"
[ "$(cat "$RK_LOG.client")" = hibye ] || fail "the client got '$(cat "$RK_LOG.client")', not 'hibye'"
wait_tcp_idle 20
