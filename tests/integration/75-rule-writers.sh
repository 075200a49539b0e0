#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Two writers at once, one through /proc/net/relay/rules and one through
# netlink (relayctl), and a reader dumping the rules meanwhile, never
# corrupt the rule set: each adds and deletes its own 40 rules three times
# over, then adds 20; afterwards /proc and relayctl show exactly the rules
# both left, every one of them relays, and the kernel log is clean. In the
# x86 group (several vCPUs) the writers truly run at once.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap 'gexec relay rm -f /tmp/rk-writers.done; relay_restore' EXIT
initial=$(relay_rules | awk '{ print $1, $2, $3 }')

# shellcheck disable=SC2016 # expanded by the guest's shell
out=$(gexec -t 600 relay sh -c '
	set -e
	backend=$1
	proc_writer() {
		for round in 1 2 3; do
			for p in $(seq 9100 9139); do
				echo "add tcp $p $backend:80" > /proc/net/relay/rules
			done
			for p in $(seq 9100 9139); do
				echo "del tcp $p" > /proc/net/relay/rules
			done
		done
		for p in $(seq 9100 9119); do
			echo "add tcp $p $backend:80" > /proc/net/relay/rules
		done
	}
	netlink_writer() {
		for round in 1 2 3; do
			for p in $(seq 9200 9239); do
				relayctl rule add udp $p to $backend:53
			done
			for p in $(seq 9200 9239); do
				relayctl rule del udp $p
			done
		done
		for p in $(seq 9200 9219); do
			relayctl rule add udp $p to $backend:53
		done
	}
	reader() {
		n=0
		while [ ! -e /tmp/rk-writers.done ]; do
			relayctl rule list > /dev/null
			n=$((n + 1))
		done
		echo "reader: $n dumps"
	}
	rm -f /tmp/rk-writers.done
	reader & r=$!
	proc_writer & p=$!
	netlink_writer & w=$!
	wait $p || { echo "the /proc writer failed"; exit 1; }
	wait $w || { echo "the netlink writer failed"; exit 1; }
	touch /tmp/rk-writers.done
	wait $r || { echo "the reader failed"; exit 1; }
' sh "$SERVER_IP4" 2>&1) || fail "$(tail -n 3 <<< "$out")"
log "$out"

proc=$(relay_rules | awk '{ print $1, $2, $3 }' | sort)
ctl=$(gexec relay relayctl rule list | awk '{ print $1, $2, $4 }' | sort)
[ "$proc" = "$ctl" ] || fail "/proc and relayctl disagree: $(diff <(echo "$proc") <(echo "$ctl") | head -5)"
want=$( (
	echo "$initial"
	for p in $(seq 9100 9119); do echo "tcp *:$p $SERVER_IP4:80"; done
	for p in $(seq 9200 9219); do echo "udp 0.0.0.0:$p $SERVER_IP4:53"; done
) | sort)
[ "$proc" = "$want" ] || fail "the rule set is not what the writers left: $(diff <(echo "$want") <(echo "$proc") | head -5)"
# Each rule left is alive: the last TCP and UDP ones relay.
gexec client curl -sS --max-time 10 -o /dev/null "http://$RELAY_FRONT4:9119/" ||
	fail "tcp port 9119 does not relay"
query_from 40119 "$RELAY_FRONT4" 9219 > /dev/null
note "$(wc -l <<< "$proc") rules after 260 writes through each interface; $(grep -o 'reader: [0-9]* dumps' <<< "$out")"
