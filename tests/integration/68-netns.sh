#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# net/relay per network namespace, in namespaces inside the relay guest
# (tests/guest/nslab.sh: a client, two relays, a server).
#
# 1. A namespace without rules costs nothing: 20 new namespaces add no run
#    of the relay's periodic works (workqueue trace), and a namespace that
#    forwards fragments does not reassemble them (Ip ReasmReqds) until it
#    has a UDP rule, and no longer once the rule is gone.
# 2. Two namespaces relay at once, each with its own rules on the same
#    ports, its own traffic and its own counters.
# 3. A UDP rule's listen address must be local, as a TCP rule's is:
#    EADDRNOTAVAIL, and nothing added.
# 4. Limits: net.relay.max_rules bounds a namespace's rules (ENOSPC); in a
#    namespace owned by another user namespace (unshare --user --net, as
#    an unprivileged container) a limit starts at, and cannot be raised
#    above, the initial namespace's value (tests/guest/nslimits.sh).
# 5. Accounting: the lab's namespaces are made in a memory cgroup, and the
#    mappings of 2000 UDP flows through r1 are charged to it.
# The namespaces go with their rules and relays still in them.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/stability.sh
source "$(dirname "$0")/../lib/stability.sh"

TRACE=/sys/kernel/debug/tracing
CGROOT=/sys/fs/cgroup
CG=$CGROOT/nslab
FLOWS=2000

need_relay
gexec relay test -d "$TRACE/events/workqueue" ||
	fail "no $TRACE/events/workqueue in the relay guest (CONFIG_EVENT_TRACING, debugfs)"
idle=()
cleanup()
{
	gsh relay 'echo 0 > "$1/events/workqueue/workqueue_execute_start/enable"' "$TRACE" || true
	gexec relay sh "$GTOOLS/nslab.sh" down || true
	gexec relay rmdir "$CG" 2> /dev/null || true
	relay_restore
	local n
	for n in "${idle[@]}"; do
		gexec relay ip netns del "$n" || true
	done
}
trap cleanup EXIT

# in_ns NS CMD...: CMD in the lab's namespace NS of the relay guest.
in_ns()
{
	local ns=$1

	shift
	gexec relay ip netns exec "nslab-$ns" "$@"
}

# ns_rule NS CMD: write a rule command in NS; prints OK or the errno's name.
ns_rule()
{
	in_ns "$1" perl "$GTOOLS/procwrite.pl" "$RELAY_PROC/rules" "$2"
}

ns_stat()
{
	in_ns "$1" cat "$RELAY_PROC/stats" | awk -v n="$2" '$1 == n { v = $2 } END { print v + 0 }'
}

# ns_state: what the lab's relays and server hold, for failure messages.
ns_state()
{
	local ns

	for ns in r1 r2; do
		echo "$ns: $(in_ns "$ns" cat "$RELAY_PROC/rules" "$RELAY_PROC/stats" | grep -v ' 0$' | tr '\n' ';')"
	done
	echo "s: $(in_ns s ss -tuanH | tr '\n' ';')"
}

# gc_runs: runs of the relay's periodic works, all namespaces, in 3 s.
gc_runs()
{
	# shellcheck disable=SC2016 # expanded in the guest
	gsh relay '
		e=$1/events/workqueue/workqueue_execute_start/enable
		echo > "$1/trace"; echo 1 > "$e"; sleep 3; echo 0 > "$e"
		awk "/function nrelay_[a-z]*_gc/ { n++ } END { print n + 0 }" "$1/trace"' "$TRACE"
}

# reassembled: datagrams reassembled by r1 (its Ip ReasmReqds).
reassembled()
{
	in_ns r1 cat /proc/net/snmp | awk '$1 == "Ip:" && $2 ~ /^[0-9]/ { print $15 }'
}

# fragments_through_r1: c pings s through r1 with fragmented datagrams.
fragments_through_r1()
{
	in_ns c busybox ping -q -c 3 -W 2 -s 3000 198.18.2.2 > /dev/null ||
		fail "c cannot ping s through r1 with 3000-byte datagrams"
}

# --- 1. idle namespaces cost nothing ------------------------------------------
before=$(gc_runs)
for i in $(seq 20); do
	gexec relay ip netns add "nsidle-$i"
	idle+=("nsidle-$i")
done
after=$(gc_runs)
log "relay periodic works in 3 s: $before before, $after with 20 more namespaces"
((after <= before + 10)) ||
	fail "20 namespaces without rules added $((after - before)) runs of the relay's periodic works in 3 s"

# The lab is made from a shell in its own memory cgroup (step 5).
# shellcheck disable=SC2016 # expanded in the guest
gsh relay '
	grep -q " $1 cgroup2 " /proc/mounts || mount -t cgroup2 none "$1"
	echo +memory > "$1/cgroup.subtree_control"
	mkdir -p "$2"' "$CGROOT" "$CG" || fail "cannot make the memory cgroup $CG in the relay guest (CONFIG_MEMCG)"
# shellcheck disable=SC2016 # expanded in the guest
gsh relay 'echo $$ > "$1/cgroup.procs" && exec sh "$2" up' "$CG" "$GTOOLS/nslab.sh" ||
	fail "cannot set up the namespaces (tests/guest/nslab.sh)"
in_ns r1 test -e "$RELAY_PROC/rules" || fail "no $RELAY_PROC in a new namespace"
# The counter's column, checked once: Ip's 15th field is ReasmReqds.
col=$(in_ns r1 awk '$1 == "Ip:" && $2 !~ /^[0-9]/ { print $15; exit }' /proc/net/snmp)
[ "$col" = ReasmReqds ] || fail "Ip field 15 of /proc/net/snmp is $col, not ReasmReqds"
r0=$(reassembled)
fragments_through_r1
r1=$(reassembled)
[ "$r1" = "$r0" ] || fail "r1 has no rule, yet reassembled $((r1 - r0)) fragments it forwarded"
out=$(ns_rule r1 "add udp 8053 198.18.2.2:7") || fail "r1: add udp 8053: $out"
fragments_through_r1
r2=$(reassembled)
((r2 > r1)) || fail "with a UDP rule r1 reassembled nothing: the measure cannot see defragmentation"
out=$(ns_rule r1 "del udp 8053") || fail "r1: del udp 8053: $out"
fragments_through_r1
r3=$(reassembled)
[ "$r3" = "$r2" ] || fail "r1's last rule is gone, yet it reassembled $((r3 - r2)) forwarded fragments"
log "forwarded fragments reassembled by r1: none without rules, $((r2 - r1)) with a UDP rule, none after"

# --- 2. two relays, each its own ---------------------------------------------
for ns in r1 r2; do
	server=198.18.2.2
	[ "$ns" = r2 ] && server=198.18.4.2
	for cmd in "add tcp 8080 $server:7" "add udp 8053 $server:7"; do
		out=$(ns_rule "$ns" "$cmd") || fail "$ns: $cmd: $out"
	done
done
root_accepted0=$(relay_stat tcp_accepted)
for front in 198.18.1.1 198.18.3.1; do
	for proto in TCP UDP; do
		want="$proto via $front"
		port=8080
		[ "$proto" = UDP ] && port=8053
		out=$(echo "$want" | gexec_in relay ip netns exec nslab-c socat -t 3 - "${proto}4:$front:$port" 2>&1) ||
			fail "$proto echo through $front:$port: socat failed: $out"
		[ "$out" = "$want" ] || fail "$proto echo through $front:$port: got '$out'; $(ns_state)"
	done
done
for ns in r1 r2; do
	rules=$(in_ns "$ns" cat "$RELAY_PROC/rules" | wc -l)
	((rules == 2)) || fail "$ns lists $rules rules, not its 2"
	for s in tcp_accepted udp_mappings_created; do
		v=$(ns_stat "$ns" "$s")
		((v == 1)) || fail "$ns: $s is $v, not 1 (its own client only)"
	done
done
root_accepted=$(relay_stat tcp_accepted)
((root_accepted == root_accepted0)) ||
	fail "the relay guest's own namespace counted $((root_accepted - root_accepted0)) of the namespaces' relays"

# --- 3. a UDP rule listens on a local address ---------------------------------
out=$(ns_rule r1 "add udp 198.18.9.9:53 198.18.2.2:7") &&
	fail "r1 took a UDP rule on 198.18.9.9, which is none of its addresses"
[ "$out" = EADDRNOTAVAIL ] || fail "a UDP rule on a foreign address: $out, not EADDRNOTAVAIL"
rules=$(in_ns r1 cat "$RELAY_PROC/rules" | wc -l)
((rules == 2)) || fail "after the refused rule r1 lists $rules rules"
out=$(ns_rule r1 "add udp 198.18.1.1:8054 198.18.2.2:7") || fail "r1: a UDP rule on its own address: $out"

# --- 4. limits ----------------------------------------------------------------
in_ns r2 sh -c 'echo 3 > /proc/sys/net/relay/max_rules' || fail "r2: cannot set max_rules"
out=$(ns_rule r2 "add udp 8054 198.18.4.2:7") || fail "r2: the third rule under max_rules 3: $out"
out=$(ns_rule r2 "add udp 8055 198.18.4.2:7") && fail "r2 took a fourth rule with max_rules 3"
[ "$out" = ENOSPC ] || fail "a rule beyond max_rules: $out, not ENOSPC"
rules=$(in_ns r2 cat "$RELAY_PROC/rules" | wc -l)
((rules == 3)) || fail "r2 lists $rules rules with max_rules 3"

relay_sysctl udp_max_mappings 1000
userns=$(gexec relay unshare --user --map-root-user --net sh "$GTOOLS/nslimits.sh" 2>&1) ||
	fail "unshare --user --net in the relay guest failed (CONFIG_USER_NS): $userns"
userns=$(echo "$userns" | tr '\n' ';')
log "in a user namespace, the initial udp_max_mappings 1000: $userns"
for want in "start udp_max_mappings=1000 max_rules=1024" "udp_max_mappings=16777216 refused" \
	"udp_max_mappings=1001 refused" "udp_max_mappings=500 ok" "udp_max_mappings=1000 ok" \
	"max_rules=1025 refused" "udp_timeout=3600 ok"; do
	[[ ";$userns" == *";$want;"* ]] ||
		fail "in a user namespace's network namespace, the initial udp_max_mappings 1000: no '$want' in $userns"
done
relay_sysctl udp_max_mappings "${RELAY_SYSCTL_DEFAULTS[udp_max_mappings]}"

# --- 5. accounting ------------------------------------------------------------
slab_kb() { gexec relay awk '$1 == "slab_unreclaimable" { print int($2 / 1024) }' "$CG/memory.stat"; }
object=$(gexec relay cat /sys/kernel/slab/nrelay_udp_map/object_size)
made0=$(ns_stat r1 udp_mappings_created)
kb0=$(slab_kb)
out=$(in_ns c perl "$GTOOLS/udpraw.pl" flows 198.18.1.2 198.18.1.1 8053 20000 "$FLOWS" 1000) ||
	fail "UDP flows from c through r1: $out"
kb1=$(slab_kb)
made=$(($(ns_stat r1 udp_mappings_created) - made0))
((made == FLOWS)) || fail "r1 made $made mappings for $FLOWS flows"
want_kb=$((made * object * 8 / 10 / 1024))
log "accounting: $made mappings of $object bytes in r1; the lab's memory cgroup: slab_unreclaimable +$((kb1 - kb0)) kB (at least $want_kb kB expected)"
((kb1 - kb0 >= want_kb)) ||
	fail "$made mappings in r1 charged $((kb1 - kb0)) kB to the memory cgroup its namespace was made in, expected at least $want_kb kB"

note "20 idle namespaces: $before -> $after periodic runs in 3 s; defragmentation only with a UDP rule; two relays with their own rules, traffic and counters; foreign UDP listen address refused; max_rules, user-namespace caps; $made mappings: +$((kb1 - kb0)) kB in the namespace's cgroup"
