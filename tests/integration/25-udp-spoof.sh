#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Only the backend (198.51.100.2:53) may answer through a mapping: datagrams
# to the mapping's relay port from another port or another address of the
# back network are not translated to the client.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
spoof_ip=198.51.100.3
watch_out=$(mktemp)
trap 'gexec server ip addr del "$spoof_ip/24" dev eth0 2>/dev/null || true; rm -f "$watch_out"' EXIT
port=5501

gexec -t 60 client perl "$GLIB/dnsq.pl" watch "$RELAY_FRONT" 53 www.relay.test "$port" 10 > "$watch_out" 2>&1 &
watch_pid=$!
mapping() { relay_conn_lines udp | awk -v c="$CLIENT_IP:$port" '$2 == c { print $3 }' | grep .; }
retry 5 mapping > /dev/null || fail "no mapping for $CLIENT_IP:$port in conns"
relay_port=$(mapping)
relay_port=${relay_port##*:}
log "mapping $CLIENT_IP:$port -> $RELAY_BACK:$relay_port"

gexec server ip addr add "$spoof_ip/24" dev eth0
# Fake answers (any payload will do: the client counts every datagram): from
# the backend's address but another port, from another address but port 53,
# and to a relay port next to the mapping's.  (dnsmasq holds
# 198.51.100.2:53, so that exact source cannot be faked from here.)
gsh server '
	echo spoof | socat -u - "UDP-SENDTO:$1:$2,sourceport=5555"
	echo spoof | socat -u - "UDP-SENDTO:$1:$2,bind=$3:53"
	echo spoof | socat -u - "UDP-SENDTO:$1:$(($2 + 1)),bind=$3:53"' \
	"$RELAY_BACK" "$relay_port" "$spoof_ip" || fail "could not send the spoofed datagrams from the server"

wait "$watch_pid" || true
cat "$watch_out"
grep -q '^watch: 0 unexpected datagrams' "$watch_out" || fail "$(tail -n 1 "$watch_out")"
