#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile clients on the network:
# 1. SYN flood (hping3, 10 s at 5,000 SYN/s, random sources) against
#    relay:80 while a legitimate client (192.0.2.11) still gets its pages.
# 2. Slowloris: with tcp_max_conns=40 and tcp_idle_timeout=3, a client keeps
#    80 idle connections open: the cap holds (tcp_active never above it,
#    tcp_rejected grows), idle relays are closed (tcp_timeouts grows), and
#    unreclaimable slab stays bounded.
# 3. Malformed UDP to the relayed port (raw sender: UDP length beyond the
#    datagram, below 8, zero, bad checksums): dropped and counted in
#    udp_dropped; spoofed and malformed "answers" to a live mapping's relay
#    port (wrong source port, a foreign source address, the client's own
#    address) never reach the client.
# Alone (a parallel run puts it after the lanes): the flood's rate is what
# the client guest's CPU can send, and the pages must get through it.
# relaykit-test: exclusive
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/stability.sh
source "$(dirname "$0")/../lib/stability.sh"

MAX_CONNS=40
SLOW_CONNS=80

need_relay
trap 'relay_restore; stab_cleanup' EXIT
stab_settle 30
stab_snapshot before

# --- 1. SYN flood ------------------------------------------------------------
relay_rx() { gexec relay cat /sys/class/net/eth0/statistics/rx_packets; }
acc0=$(relay_stat tcp_accepted)
rx0=$(relay_rx)
flood_out=$STAB_DIR/flood.out
EXEC_TIMEOUT=60 gexec client timeout -s INT 10 hping3 -q -S -p 80 -i u200 --rand-source "$RELAY_FRONT" \
	> "$flood_out" 2>&1 &
flood_pid=$!
sleep 1
out=$(gsh client '
	ok=0; i=0
	while [ $i -lt 8 ]; do
		i=$((i + 1))
		curl -s --interface "$1" --max-time 5 -o /dev/null "http://$2/" && ok=$((ok + 1))
	done
	echo $ok' "$CLIENT_IP2" "$RELAY_FRONT")
# timeout(1) ends hping3 after its 10 s and says so with 124.
rc=0
wait "$flood_pid" || rc=$?
rx=$(($(relay_rx) - rx0))
log "hping3 (exit $rc): $(cat "$flood_out")"
log "the relay's eth0 received $rx frames during the flood"
log "legitimate client during the flood: $out of 8 pages"
[ "$rc" = 124 ] || fail "SYN flood: hping3 did not run its 10 s (exit $rc): $(tail -n 1 "$flood_out")"
# 5,000 SYN/s for 10 s; the legitimate pages are a few hundred frames. A
# tenth of the flood must have arrived, or nothing was tested.
((rx >= 5000)) || fail "SYN flood: only $rx frames reached the relay"
((out >= 6)) || fail "SYN flood: the legitimate client got only $out of 8 pages"
# Half-open connections never become relays.
acc=$(($(relay_stat tcp_accepted) - acc0))
((acc <= 8)) || fail "SYN flood: $acc relays accepted for 8 legitimate requests"
flood_note="SYN flood: $rx frames, $out/8 pages served"

# --- 2. slowloris --------------------------------------------------------------
relay_sysctl tcp_max_conns $MAX_CONNS
relay_sysctl tcp_idle_timeout 3
rej0=$(relay_stat tcp_rejected)
tmo0=$(relay_stat tcp_timeouts)
slow_out=$STAB_DIR/slow.out
gexec client rm -f /tmp/load.stop
EXEC_TIMEOUT=60 gexec client perl "$GTOOLS/load.pl" slow "$RELAY_FRONTS" 80 $SLOW_CONNS 15 > "$slow_out" 2>&1 &
slow_pid=$!
peak=0
peak_slab=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 1
	a=$(relay_stat tcp_active)
	((a > peak)) && peak=$a
	s=$(gexec relay awk '$1 == "SUnreclaim:" { print $2 }' /proc/meminfo)
	((s > peak_slab)) && peak_slab=$s
done
wait "$slow_pid" || fail "slowloris client failed: $(cat "$slow_out")"
log "$(cat "$slow_out")"
rej=$(($(relay_stat tcp_rejected) - rej0))
tmo=$(($(relay_stat tcp_timeouts) - tmo0))
slab_growth=$((peak_slab - $(stab_value before sunreclaim_kb)))
log "slowloris: tcp_active peak $peak (cap $MAX_CONNS), tcp_rejected +$rej, tcp_timeouts +$tmo, unreclaimable slab peak +$slab_growth kB"
((peak <= MAX_CONNS)) || fail "slowloris: tcp_active reached $peak with tcp_max_conns=$MAX_CONNS"
((rej > 0)) || fail "slowloris: $SLOW_CONNS idle clients, cap $MAX_CONNS, but tcp_rejected did not grow"
((tmo >= MAX_CONNS)) || fail "slowloris: only $tmo idle relays timed out (tcp_idle_timeout=3 over 15 s)"
((slab_growth < 8192)) || fail "slowloris: unreclaimable slab grew by $slab_growth kB"
relay_restore
slow_note="slowloris: peak $peak/$MAX_CONNS, rejected $rej, timed out $tmo"

# --- 3. malformed and spoofed UDP ---------------------------------------------
drop0=$(relay_stat udp_dropped)
want=0
for from_to in "$CLIENT_IP4 $RELAY_FRONT4" "$CLIENT_IP6 $RELAY_FRONT6"; do
	read -r from to <<< "$from_to"
	out=$(gexec client perl "$GTOOLS/udpraw.pl" bad "$from" "$to" 53 5600 20) ||
		fail "raw UDP sender to $to: $out"
	log "$to: $out"
	want=$((want + $(echo "$out" | awk '$1 == "dropped-expected" { print $2 }')))
done
sleep 1
dropped=$(($(relay_stat udp_dropped) - drop0))
log "malformed datagrams: udp_dropped +$dropped, $want expected"
# The switch may lose a few on the way; the relay may not let any through.
((dropped >= want * 9 / 10 && dropped <= want)) ||
	fail "malformed datagrams: udp_dropped +$dropped for $want sent"

port=5701
watch_out=$STAB_DIR/watch.out
done_file=/tmp/hostile-spoof-done
gexec client rm -f "$done_file"
EXEC_TIMEOUT=90 gexec client perl "$GTOOLS/dnsq.pl" watch "$RELAY_FRONT" 53 www.relay.test "$port" "$done_file" > "$watch_out" 2>&1 &
watch_pid=$!
mapping() { relay_conn_lines udp | awk -v c="$CLIENT_IP:$port" '$2 == c { print $3 }' | grep .; }
retry 5 mapping > /dev/null || fail "no mapping for $CLIENT_IP:$port in conns"
rport=$(mapping)
rport=${rport##*:}
drop0=$(relay_stat udp_dropped)
gsh server '
	perl "$1" spoof "$2" 5353 "$3" "$4" 5 &&
	perl "$1" spoof 198.51.100.99 53 "$3" "$4" 5 &&
	perl "$1" spoof 192.0.2.10 53 "$3" "$4" 5' "$GTOOLS/udpraw.pl" "$SERVER_IP" "$RELAY_BACK" "$rport" ||
	fail "spoofed datagrams could not be sent from the server"
# The watch's closing query comes back behind the spoofs (dnsq.pl).
gexec client touch "$done_file"
watch_rc=0
wait "$watch_pid" || watch_rc=$?
log "$(tail -n 1 "$watch_out")"
grep -q '^watch: 0 unexpected datagrams' "$watch_out" || fail "spoofed answers reached the client: $(tail -n 1 "$watch_out")"
((watch_rc == 0)) || fail "the client's watch failed: exit status $watch_rc"

stab_finish 30
note "$flood_note; $slow_note; malformed UDP: $dropped/$want dropped+counted; spoofed answers: none delivered"
