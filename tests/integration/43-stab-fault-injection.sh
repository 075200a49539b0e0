#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures injected into the relay's allocations while traffic
# flows (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, debugfs):
#
# 1. failslab, cache-filter=Y, on the relay's own caches nrelay_conn (one
#    per TCP relay, GFP_KERNEL at accept) and nrelay_udp_map (one per UDP
#    flow, GFP_ATOMIC in the netfilter hook): every injected failure must be
#    counted, exactly, in tcp_alloc_failed + udp_alloc_failed.
# 2. fail_page_alloc, task-filter=Y with make-it-fail on the per-cpu
#    kworkers, where the relay's work items run: the pump hands pages on by
#    reference, so what fails is TCP's own send path (skbs, the socket's
#    page fragment). A send that cannot get memory returns -EAGAIN with
#    SOCK_NOSPACE set, as it would to a user-space relay; a relay that then
#    has nothing in flight would wait for ever, so the idle timeout (5 s
#    here) must end it: every echo connection that failed must be counted
#    in tcp_timeouts, tcp_resets or tcp_alloc_failed, and none may hang.
#    Bounded by `times`.
#
# No oops or warning (the runner's check), no leak, memory back, and
# normal service once injection stops.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/stability.sh
source "$(dirname "$0")/../lib/stability.sh"

SLAB_TIMES=${STAB_FAILSLAB_TIMES:-200}
PAGE_TIMES=${STAB_FAILPAGE_TIMES:-50}
DBG=/sys/kernel/debug

need_relay
gexec relay test -d $DBG/failslab -a -d $DBG/fail_page_alloc ||
	fail "no $DBG/failslab or fail_page_alloc in the relay guest (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"
# In 6.1 /sys/kernel/slab/CACHE/failslab is read-only: the caches are
# marked at boot (slub_debug=A,nrelay_conn,nrelay_udp_map on the relay's
# kernel command line, tests/stability/stability.topo); a marked cache is
# never merged with another one.
for c in nrelay_conn nrelay_udp_map; do
	[ "$(gexec relay cat /sys/kernel/slab/$c/failslab)" = 1 ] ||
		fail "the relay's cache $c is not marked for failslab: boot the relay guest with slub_debug=A,nrelay_conn,nrelay_udp_map (topology 'append', see tests/stability/stability.topo)"
done
trap 'stab_fault_off; stab_load_stop > /dev/null 2>&1 || true; relay_restore; stab_cleanup' EXIT
stab_settle 30
stab_snapshot before

stat3() { echo "$(relay_stat tcp_alloc_failed) $(relay_stat udp_alloc_failed) $(relay_stat udp_mappings_created)"; }

# --- 1. failslab on the relay's caches ---------------------------------------
# Two budgets, one after the other, so that both caches see failures however
# fast the load runs: half while only the load runs (TCP relays, and the DNS
# load's flows), half while new UDP flows arrive at 500/s. Between them
# probability 0 stops injection (times is only decremented on a failure), so
# the count read then is exact.
failslab_arm()
{
	# shellcheck disable=SC2016 # expanded in the guest
	gsh relay '
		d=/sys/kernel/debug/failslab
		echo Y > $d/cache-filter; echo N > $d/ignore-gfp-wait; echo N > $d/task-filter
		echo 0 > $d/space; echo 1 > $d/interval; echo 1 > $d/verbose
		echo "$1" > $d/times; echo 25 > $d/probability' "$1" ||
		fail "cannot set up failslab in the relay guest"
}
# failslab_pause: no more failures; prints what is left of the budget.
failslab_pause()
{
	gsh relay 'echo 0 > /sys/kernel/debug/failslab/probability; cat /sys/kernel/debug/failslab/times'
}
read -r tcp0 udp0 made0 < <(stat3)
tcp_budget=$((SLAB_TIMES / 2))
failslab_arm "$tcp_budget"
stab_load_start 120
for _ in $(seq 60); do
	[ "$(gexec relay cat $DBG/failslab/times)" = 0 ] && break
	sleep 1
done
left=$(failslab_pause)
injected=$((tcp_budget - left))
udp_budget=$((SLAB_TIMES - tcp_budget))
failslab_arm "$udp_budget"
for from_to in "$CLIENT_IP4 $RELAY_FRONT4" "$CLIENT_IP6 $RELAY_FRONT6"; do
	read -r from to <<< "$from_to"
	out=$(EXEC_TIMEOUT=60 gexec client perl "$GTOOLS/udpraw.pl" flows "$from" "$to" 53 30000 750 500) ||
		fail "UDP flows to $to: $out"
done
sleep 2
left=$(failslab_pause)
injected=$((injected + udp_budget - left))
stab_fault_off
stab_load_stop
read -r tcp1 udp1 made1 < <(stat3)
counted=$((tcp1 - tcp0 + udp1 - udp0))
log "failslab: $injected failures injected; tcp_alloc_failed +$((tcp1 - tcp0)), udp_alloc_failed +$((udp1 - udp0)), mappings made +$((made1 - made0))"
((injected > 0)) || fail "failslab injected nothing"
((tcp1 > tcp0)) || fail "failslab: no nrelay_conn failure was counted in tcp_alloc_failed"
((udp1 > udp0)) || fail "failslab: no nrelay_udp_map failure was counted in udp_alloc_failed"
[ "$counted" = "$injected" ] ||
	fail "failslab injected $injected failures, the relay counted $counted (tcp_alloc_failed + udp_alloc_failed)"
slab_note="failslab $injected injected = counted (tcp $((tcp1 - tcp0)), udp $((udp1 - udp0)))"
stab_serves

# --- 2. fail_page_alloc in the relay's work items ---------------------------
need_tcp_services
stat_fail() { echo $(($(relay_stat tcp_timeouts) + $(relay_stat tcp_resets) + $(relay_stat tcp_alloc_failed))); }
idle0=$(relay_sysctl_get tcp_idle_timeout)
relay_sysctl tcp_idle_timeout 5
fail0=$(stat_fail)
# shellcheck disable=SC2016 # expanded in the guest
gsh relay '
	d=/sys/kernel/debug/fail_page_alloc
	for p in /proc/[0-9]*; do
		case $(cat $p/comm 2> /dev/null) in
		kworker/0:*) echo 1 > $p/make-it-fail ;;
		esac
	done
	echo 0 > $d/min-order; echo N > $d/ignore-gfp-wait; echo Y > $d/task-filter
	echo 0 > $d/space; echo 1 > $d/interval; echo 1 > $d/verbose
	echo "$1" > $d/times; echo 20 > $d/probability' "$PAGE_TIMES" ||
	fail "cannot set up fail_page_alloc in the relay guest"
rule "add tcp 7 $SERVER_IP:7"
# Connections may fail here, but not hang (conc_hung).
rc=0
out=$(EXEC_TIMEOUT=120 gexec client perl "$GTOOLS/tcpclient.pl" conc "$RELAY_FRONT" 7 20 200000 2>&1) || rc=$?
summary=$(echo "$out" | sed -n 's/^conc: //p' | tail -n 1)
log "echo through the relay while page allocations fail: ${summary:-no summary} (exit $rc)"
left=$(gexec relay cat $DBG/fail_page_alloc/times)
stab_fault_off
hung=$(conc_hung "$rc" "$out")
[ -z "$hung" ] || fail "echo through the relay under fault injection: $hung"
wait_tcp_idle 30
fail1=$(stat_fail)
relay_sysctl tcp_idle_timeout "$idle0"
injected=$((PAGE_TIMES - left))
read -r ok bad < <(echo "$summary" | sed -n 's/^\([0-9]*\) of [0-9]*[^,]*, \([0-9]*\) failed.*/\1 \2/p')
[ -n "${ok:-}" ] || fail "cannot read the echo clients' summary: $summary"
log "fail_page_alloc: $injected failures injected; echo: $ok ok, $bad failed; relay counted $((fail1 - fail0)) ended early"
((injected > 0)) || fail "fail_page_alloc injected nothing (times still $left)"
((fail1 - fail0 >= bad)) ||
	fail "fail_page_alloc: $bad echo connections failed, the relay counted only $((fail1 - fail0)) (timeouts + resets + alloc failures)"
rule "del tcp 7"

# --- afterwards: normal service, nothing left --------------------------------
stab_finish 60
note "$slab_note; fail_page_alloc $injected injected, $bad of 20 echo conns ended early, all counted; delta $STAB_DELTA"
