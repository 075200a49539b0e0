# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the stability tests (tests/integration/4x-*.sh, 5x-*.sh): does
# the relay leave the kernel as it found it?  Source after tests/lib/guest.sh.
#
#   stab_snapshot NAME      memory snapshot of the relay guest (memsnap.sh)
#   stab_compare A B        B within tolerance of A, else fail
#   stab_no_sockets         no TCP socket but LISTEN/TIME-WAIT, UDP sockets
#                           as at the first snapshot
#   stab_serves             a page and a DNS answer through the relay
#   stab_kmemleak           kmemleak scan now: fail on a net/relay leak
#   stab_settle             wait until the relay holds no relay and no mapping
#
# Tolerances (environment, kB unless said otherwise), for a snapshot taken
# after the relay went idle against one taken before the load:
#   STAB_TOL_OBJS=4        relay cache objects (nrelay_conn, nrelay_udp_map)
#   STAB_TOL_KMALLOC=1024  growth of the kmalloc-* caches
#   STAB_TOL_SLAB=3072     growth of unreclaimable slab
#   STAB_TOL_MEMFREE=8192  drop of MemFree
# The relay's own caches must be back to (nearly) zero; the kernel-wide
# figures move a little with routes, neighbours, TIME-WAIT sockets and
# lockdep's and kmemleak's own bookkeeping.

# shellcheck source=klog.sh
source "$(dirname "${BASH_SOURCE[0]}")/klog.sh"

STAB_TOL_OBJS=${STAB_TOL_OBJS:-4}
STAB_TOL_KMALLOC=${STAB_TOL_KMALLOC:-1024}
STAB_TOL_SLAB=${STAB_TOL_SLAB:-3072}
STAB_TOL_MEMFREE=${STAB_TOL_MEMFREE:-8192}

STAB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/stab.XXXXXX")
# Tests add their own EXIT traps; this one only removes the snapshots.
stab_cleanup() { rm -rf "$STAB_DIR"; }

# stab_snapshot NAME: snapshot the relay guest into STAB_DIR/NAME and log it;
# the first one also records the relay guest's UDP sockets.
stab_snapshot()
{
	gexec relay sh "$GTOOLS/memsnap.sh" > "$STAB_DIR/$1" ||
		fail "memory snapshot '$1' of the relay guest failed"
	log "snapshot $1: $(tr '\n' ' ' < "$STAB_DIR/$1")"
	[ -e "$STAB_DIR/udp-sockets" ] ||
		gexec relay ss -uanH | sort > "$STAB_DIR/udp-sockets"
}

stab_value()
{
	awk -v k="$2" '$1 == k { print $2 }' "$STAB_DIR/$1"
}

# stab_compare BEFORE AFTER: fail when AFTER is not within the tolerances
# of BEFORE; prints the deltas (kB, objects).
stab_compare()
{
	local a=$1 b=$2 k d why='' summary=''

	for k in nrelay_conn nrelay_udp_map kmalloc_kb sunreclaim_kb memfree_kb; do
		d=$(($(stab_value "$b" "$k") - $(stab_value "$a" "$k")))
		summary+="$k ${d#+} "
		case $k in
		nrelay_*) ((d <= STAB_TOL_OBJS)) || why+="$k +$d objects (tolerance $STAB_TOL_OBJS); " ;;
		kmalloc_kb) ((d <= STAB_TOL_KMALLOC)) || why+="kmalloc +$d kB (tolerance $STAB_TOL_KMALLOC); " ;;
		sunreclaim_kb) ((d <= STAB_TOL_SLAB)) || why+="unreclaimable slab +$d kB (tolerance $STAB_TOL_SLAB); " ;;
		memfree_kb) ((-d <= STAB_TOL_MEMFREE)) || why+="MemFree $d kB (tolerance -$STAB_TOL_MEMFREE); " ;;
		esac
	done
	log "memory $a -> $b (kB, objects): $summary"
	# shellcheck disable=SC2034 # for the caller's note
	STAB_DELTA=$(echo "$summary" | sed 's/nrelay_conn/conn/; s/nrelay_udp_map/map/; s/_kb//g; s/ $//')
	[ -z "$why" ] || fail "memory not back after $b: ${why%; }"
}

# stab_no_sockets: the relay guest holds no TCP socket but listeners and
# TIME-WAIT, and no UDP socket the first snapshot did not see.
stab_no_sockets()
{
	local tcp udp

	tcp=$(gexec relay ss -tanH | awk '$1 != "LISTEN" && $1 != "TIME-WAIT"')
	[ -z "$tcp" ] || fail "TCP sockets left in the relay guest: $(echo "$tcp" | head -n 5 | tr '\n' ';')"
	udp=$(gexec relay ss -uanH | sort)
	if [ -e "$STAB_DIR/udp-sockets" ] && [ "$udp" != "$(cat "$STAB_DIR/udp-sockets")" ]; then
		fail "UDP sockets in the relay guest changed: $(echo "$udp" | tr '\n' ';')"
	fi
}

# stab_serves: the relay serves right now (a few tries: a listener that was
# just reopened may need a moment).
stab_serves()
{
	local page a

	page=$(retry 10 gexec client curl -sS --max-time 5 "http://$RELAY_FRONT/") ||
		fail "no page through the relay"
	[ "$page" = "relaykit server" ] || fail "page through the relay: '$page'"
	a=$(retry 10 gexec client dig +short +tries=1 +timeout=2 "@$RELAY_FRONT" www.relay.test) ||
		fail "no DNS answer through the relay"
	[ "$a" = "$WWW_A" ] || fail "DNS answer through the relay: '$a'"
}

# stab_kmemleak: scan now (twice: an object is reported once it held still
# for a scan; kmemleak only reports objects older than 5 s, so call this a
# few seconds after the last allocation that matters) and fail on any
# leak (tests/lib/klog.sh: whoever allocated it).  The report stays for the
# runner's check.
stab_kmemleak()
{
	local out

	# shellcheck disable=SC2016 # expanded in the guest
	out=$(EXEC_TIMEOUT=180 gexec relay sh -c '
		k=/sys/kernel/debug/kmemleak
		echo scan > $k && echo scan > $k && cat $k') ||
		fail "kmemleak scan in the relay guest failed"
	if (($(klog_count "LEAK-RELAY|LEAK-OTHER" "$out") > 0)); then
		printf '%s\n' "$out"
		fail "kmemleak: $(klog_count LEAK-RELAY "$out") net/relay leak(s), $(klog_count LEAK-OTHER "$out") other(s)"
	fi
}

# stab_settle SECONDS: every TCP relay gone, UDP mappings expired.
stab_settle()
{
	relay_sysctl udp_timeout 1
	wait_udp_empty "$1"
	wait_tcp_idle "$1"
	relay_sysctl udp_timeout 30
}

# stab_relay_gone: after rmmod, nothing of the relay is left.
stab_relay_gone()
{
	gexec relay test ! -e "$RELAY_PROC" || fail "$RELAY_PROC still exists after rmmod"
	gexec relay sh -c '! grep -q "^nrelay_" /proc/slabinfo' ||
		fail "the relay's slab caches survived rmmod: $(gexec relay grep '^nrelay_' /proc/slabinfo)"
}

# stab_start_echod PORT: tests/guest/echod.pl on the server with room for
# thousands of connections (stop_echod PORT ends it).
stab_start_echod()
{
	gsh server 'ulimit -n 8192; setsid perl "$1" "$2" > /tmp/echod-$2.log 2>&1 < /dev/null & echo $! > /tmp/echod-$2.pid' \
		"$GTOOLS/echod.pl" "$1" || fail "cannot start echod.pl on the server"
	retry 10 server_listening "$1" || fail "echod.pl does not listen on $1 on the server"
}

# stab_load_start SECONDS [PATHS] [QPS]: client traffic through the relay in
# the background, for at most SECONDS: HTTP GETs of PATHS (default "/")
# over short connections and DNS queries at QPS (default 50) from a new
# source port every 20, over IPv4 and IPv6 in turn.  stab_load_stop ends
# it early and prints the two summary lines (also in STAB_LOAD).
STAB_LOAD_PIDS=()
stab_load_start()
{
	gexec client rm -f /tmp/load.stop
	EXEC_TIMEOUT=$(($1 + 60)) gexec client perl "$GTOOLS/load.pl" http "$RELAY_FRONTS" 80 "$1" "${2:-/}" \
		> "$STAB_DIR/http.out" 2>&1 &
	STAB_LOAD_PIDS+=($!)
	EXEC_TIMEOUT=$(($1 + 60)) gexec client perl "$GTOOLS/load.pl" dns "$RELAY_FRONTS" 53 "$1" "${3:-50}" \
		> "$STAB_DIR/dns.out" 2>&1 &
	STAB_LOAD_PIDS+=($!)
}

stab_load_stop()
{
	local pid rc=0

	((${#STAB_LOAD_PIDS[@]})) || return 0
	gexec client touch /tmp/load.stop || true
	for pid in "${STAB_LOAD_PIDS[@]}"; do
		wait "$pid" || rc=$?
	done
	STAB_LOAD_PIDS=()
	STAB_LOAD="$(cat "$STAB_DIR/http.out"); $(cat "$STAB_DIR/dns.out")"
	log "load: $STAB_LOAD"
	[ "$rc" = 0 ] || fail "a load generator in the client failed (exit $rc): $STAB_LOAD"
}

# stab_load_ok: the load got answers at all (HTTP and DNS).
stab_load_ok()
{
	local n=0

	[[ $STAB_LOAD =~ http:\ ([0-9]+)\ ok ]] && n=${BASH_REMATCH[1]}
	((n > 0)) || fail "no HTTP request succeeded during the test: $STAB_LOAD"
	n=0
	[[ $STAB_LOAD =~ ([0-9]+)\ answered ]] && n=${BASH_REMATCH[1]}
	((n > 0)) || fail "no DNS query was answered during the test: $STAB_LOAD"
}

# stab_finish SECONDS: how every stability test ends: the relay serves,
# and once it has settled (within SECONDS) no socket is left, memory is
# back to the snapshot "before" and kmemleak finds nothing.
stab_finish()
{
	stab_serves
	stab_settle "$1"
	stab_no_sockets
	stab_snapshot after
	stab_compare before after
	stab_kmemleak
}

# stab_fault_off: no fault injection in the relay guest (cleanup paths).
stab_fault_off()
{
	# shellcheck disable=SC2016 # expanded in the guest
	gsh relay '
		d=/sys/kernel/debug
		for f in failslab fail_page_alloc; do
			echo 0 > $d/$f/probability; echo 1 > $d/$f/times
		done
		for p in /proc/[0-9]*; do
			[ -w $p/make-it-fail ] && echo 0 > $p/make-it-fail
		done 2> /dev/null
		true' > /dev/null 2>&1 || true
}
