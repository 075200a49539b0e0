#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/net/relay/conns shows a live TCP relay as docs/usage.md says:
# client, the relay's address towards the backend, backend, state, bytes
# each way, age and idle time; "established" while both sides are open,
# "half-closed" once the client has sent its FIN and the backend has not.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=2001
# The test moves each side on when it has seen the state it checks (files
# in /tmp of the client and the server), so a slow host cannot close a
# window before the check looks.
fin=/tmp/conns-fin
bye=/tmp/conns-bye
gexec client rm -f "$fin"
gexec server rm -f "$bye"
trap 'rule_quiet "del tcp $port"; gexec client rm -f "$fin"; gexec server rm -f "$bye"' EXIT

# A one-shot backend that answers "hi" to "hello", stays open after the
# client's EOF (the relay is half-closed then) until told, says "bye" and
# closes.
# shellcheck disable=SC2016 # perl code, run in the server guest
backend='
use IO::Socket::IP;
my $l = IO::Socket::IP->new(LocalHost => "::", LocalPort => $ARGV[0], V6Only => 0, Listen => 1, ReuseAddr => 1, Proto => "tcp") or die "listen: $!\n";
alarm 60;
my $s = $l->accept or die "accept: $!\n";
sysread($s, my $b, 5);
syswrite($s, "hi");
1 while sysread($s, $b, 100);
select(undef, undef, undef, 0.1) until -e $ARGV[1];
syswrite($s, "bye");'
# shellcheck disable=SC2016 # expanded by the guest's shell
gsh server 'setsid perl -e "$1" "$2" "$3" > /tmp/conns-backend.log 2>&1 < /dev/null &' "$backend" "$port" "$bye" ||
	fail "cannot start the test backend on the server"
retry 10 server_listening "$port" || fail "the test backend does not listen on $port"
rule "add tcp $port $(addr_port "$SERVER_IP" "$port")"

# The client: "hello", the answer, open until told, then its FIN, then the
# rest.
# shellcheck disable=SC2016 # perl code, run in the client guest
client='
use IO::Socket::IP;
use Socket qw(SHUT_WR);
alarm 60;
my $s = IO::Socket::IP->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "tcp") or die "connect: $!\n";
syswrite($s, "hello");
sysread($s, my $got, 2);
select(undef, undef, undef, 0.1) until -e $ARGV[2];
shutdown($s, SHUT_WR);
while (sysread($s, my $b, 100)) { $got .= $b; }
print "$got\n";'
gexec -t 70 client perl -e "$client" "$RELAY_FRONT" "$port" "$fin" > "$RK_LOG.client" 2>&1 &
pid=$!

# tcp_line STATE [FIELDS]: wait up to 30 s for the relay's TCP line to the
# test backend in STATE (and with FIELDS, e.g. "up=5 down=2", among its
# fields); print it.
tcp_line()
{
	local line='' deadline=$((SECONDS + 30))

	while :; do
		line=$(relay_conn_lines tcp | grep -F " $(addr_port "$SERVER_IP" "$port") " || true)
		if [ "$(echo "$line" | awk '{ print $5 }')" = "$1" ] && [[ " $line " == *" ${2:-$1} "* ]]; then
			echo "$line"
			return 0
		fi
		((SECONDS < deadline)) || break
		sleep 0.1
	done
	echo "${line:-no tcp line}"
	return 1
}

# Established, once the answer is through.
line=$(tcp_line established "up=5 down=2") || fail "no established TCP relay with up=5 down=2 in conns: $line"
log "conns while open: $line"
read -r proto cli rel back state up down age idle <<< "$line"
[ "$proto" = tcp ] || fail "the line does not start with tcp: $line"
[[ $cli == "$(addr_port "$CLIENT_IP" "")"[0-9]* ]] || fail "client field '$cli' is not $(addr_port "$CLIENT_IP" PORT)"
[[ $rel == "$(addr_port "$RELAY_BACK" "")"[0-9]* ]] || fail "relay field '$rel' is not $(addr_port "$RELAY_BACK" PORT)"
[ "$back" = "$(addr_port "$SERVER_IP" "$port")" ] || fail "backend field '$back' is not $(addr_port "$SERVER_IP" "$port")"
[ "$state" = established ] || fail "state '$state'"
[ "$up" = up=5 ] || fail "'$up' instead of up=5 (the client sent 5 bytes)"
[ "$down" = down=2 ] || fail "'$down' instead of down=2 (the backend answered 2 bytes)"
[[ $age == age=[0-9]* && $idle == idle=[0-9]* ]] || fail "age/idle fields malformed: '$age' '$idle'"

gexec client touch "$fin"
line=$(tcp_line half-closed) || fail "not half-closed after the client's FIN: $line"
log "conns after the client's FIN: $line"
gexec server touch "$bye"
wait "$pid" || fail "the client failed: $(cat "$RK_LOG.client")"
[ "$(cat "$RK_LOG.client")" = hibye ] || fail "the client got '$(cat "$RK_LOG.client")', not 'hibye'"
wait_tcp_idle 20
