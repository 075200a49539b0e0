#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod net_relay with 1,000 live TCP relays (idle connections held open
# by the client to an echo service) and 10,000 UDP mappings (one datagram
# from each of 10,000 client source ports).  rmmod must finish in bounded
# time, every relayed connection must be closed (the client sees EOF or a
# reset on all of them), no socket may be left in the relay guest, the
# relay serves right after insmod, and memory is back within tolerance.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/stability.sh
source "$(dirname "$0")/../lib/stability.sh"

TCP_CONNS=${STAB_RMMOD_TCP:-1000}
UDP_FLOWS=${STAB_RMMOD_UDP:-10000}
ECHO_PORT=7007
UDP_PORT=5300

need_relay
relay_is_module || skip "net_relay is built into the relay's kernel: nothing to unload"
# On failure: reset the held relays before the client lets go of them.
trap 'rule_quiet "del tcp $ECHO_PORT"; stop_echod $ECHO_PORT; relay_restore; stab_cleanup' EXIT
stab_settle 30
stab_snapshot before

stab_start_echod $ECHO_PORT
rule "add tcp $ECHO_PORT $SERVER_IP:$ECHO_PORT"
# Nothing listens there on the server: the mappings are made all the same,
# and stay unreplied.
rule "add udp $UDP_PORT $SERVER_IP4:$UDP_PORT"
rule "add udp $UDP_PORT [$SERVER_IP6]:$UDP_PORT"
# Sending takes longer than the default 5 s of an unreplied mapping's life.
relay_sysctl udp_unreplied_timeout 300

hold_out=$STAB_DIR/hold.out
gexec client rm -f /tmp/hold.ready /tmp/load.stop
# Held for up to 600 s: rmmod ends them much sooner, but the UDP passes and
# the conns reads before it took over 150 s beside a cold x86 build (a
# fresh clone's run), and a hold that ran out first looked like connections
# rmmod left open.
EXEC_TIMEOUT=700 gsh client 'ulimit -n $(($3 + 64)) && exec perl "$1" hold "$2" '"$ECHO_PORT"' "$3" 600 /tmp/hold.ready' \
	"$GTOOLS/load.pl" "$RELAY_FRONTS" "$TCP_CONNS" > "$hold_out" 2>&1 &
hold_pid=$!
retry 120 gexec client test -e /tmp/hold.ready || fail "the client did not open its connections: $(cat "$hold_out")"
opened=$(gexec client cat /tmp/hold.ready)
[ "$opened" = "$TCP_CONNS" ] || fail "the client opened only $opened of $TCP_CONNS connections through the relay"
held() { [ "$(relay_stat tcp_active)" -ge "$TCP_CONNS" ]; }
retry 20 held || fail "$TCP_CONNS held connections, but tcp_active=$(relay_stat tcp_active)"

# The switch and the guests' network drop datagrams under load: send again
# (the same ports: flows already mapped reuse their mapping) until all are
# mapped, three passes at most.
mapped() { [ "$(relay_stat udp_mappings)" -ge "$UDP_FLOWS" ]; }
# Half the flows over each family.
for pass in 1 2 3; do
	for from_to in "$CLIENT_IP4 $RELAY_FRONT4" "$CLIENT_IP6 $RELAY_FRONT6"; do
		read -r from to <<< "$from_to"
		out=$(EXEC_TIMEOUT=120 gexec client perl "$GTOOLS/udpraw.pl" flows "$from" "$to" "$UDP_PORT" \
			20000 $((UDP_FLOWS / 2)) 800) || fail "UDP flows to $to: $out"
		log "pass $pass, $to: $out: udp_mappings=$(relay_stat udp_mappings)"
	done
	mapped && break
done
tcp=$(relay_stat tcp_active)
maps=$(relay_stat udp_mappings)
log "before rmmod: tcp_active=$tcp udp_mappings=$maps"
# A datagram may get lost on the way (uml_switch); 1 % is no concern here.
((maps >= UDP_FLOWS * 99 / 100)) || fail "only $maps of $UDP_FLOWS UDP mappings were made"

# conns is read a page at a time, each read resuming where the last
# stopped: read whole and 100 bytes at a time, it lists every relay and
# mapping, once. A relay or mapping left from an earlier test may still go
# meanwhile: the whole read is taken again, and the reads repeated while
# they differ. When each read walked back from the first line, reading
# 11,000 lines 100 bytes at a time took 34 s alone and over 120 s beside a
# cold x86 build (a fresh clone's run); 3 s now: 300 s leaves room.
conns_keys() { EXEC_TIMEOUT=300 gsh relay "$1 | awk 'NR > 1 { print \$1, \$2, \$3, \$4 }' | sort" ; }
for try in 1 2 3; do
	t0=$(now_ms)
	whole=$(conns_keys "cat $RELAY_PROC/conns")
	t1=$(now_ms)
	small=$(conns_keys "dd if=$RELAY_PROC/conns bs=100 2> /dev/null")
	t2=$(now_ms)
	again=$(conns_keys "cat $RELAY_PROC/conns")
	log "conns read whole in $((t1 - t0)) ms, 100 bytes at a time in $((t2 - t1)) ms"
	[ "$whole" != "$again" ] || break
	log "conns changed during reads $try, again"
done
[ "$whole" = "$again" ] || fail "conns changed between reads three times"
lines=$(wc -l <<< "$whole")
((lines >= tcp + maps)) || fail "conns has $lines lines for $tcp relays and $maps mappings"
[ "$small" = "$whole" ] ||
	fail "conns read 100 bytes at a time differs from conns read whole: $(diff <(echo "$whole") <(echo "$small") | head -n 6)"
[ -z "$(uniq -d <<< "$whole")" ] || fail "conns lists a relay or mapping twice"
stab_snapshot loaded

kill -0 "$hold_pid" 2> /dev/null || fail "the client stopped holding before rmmod: $(tail -n 1 "$hold_out")"
t0=$(now_ms)
out=$(gexec -t 120 relay rmmod net_relay 2>&1) || fail "rmmod net_relay with $tcp relays and $maps mappings: $out"
rmmod_ms=$(($(now_ms) - t0))
log "rmmod took $rmmod_ms ms"
stab_relay_gone
wait "$hold_pid" || fail "the holding client failed: $(cat "$hold_out")"
summary=$(tail -n 1 "$hold_out")
log "$summary"
[[ $summary == *"closed $TCP_CONNS, open 0" ]] || fail "relayed connections not closed by rmmod: $summary"
stab_no_sockets

relay_reload
stab_finish 30
note "rmmod with $tcp TCP relays and $maps UDP mappings in $rmmod_ms ms; delta $STAB_DELTA"
