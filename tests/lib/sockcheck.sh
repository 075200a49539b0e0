# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# After every test that used the topology, the relay guest must hold no
# more sockets, and no more socket or skb memory, than before it.  A relay
# that loses a socket reference or an skb leaves objects the stack
# allocated: kmemleak sees no leak while anything still points at them,
# and no backtrace would name net/relay; only these counts show it.
# Sourced by tests/run.sh after tests/lib/phase-topology.sh; uses KIT, RUN
# and GTOOLS (tests/guest/ as the guests see it).
#
#   sock_snapshot          the relay guest's counts (tests/guest/sockcount.sh)
#   sock_check BEFORE LOG  wait up to SOCK_SETTLE seconds (30) for the counts
#                          to be back within tolerance of BEFORE; if they are
#                          not, write both to LOG, print a one-line reason
#                          and return 1
#
# Tolerances.  Sockets and the socket caches: none.  Between tests the
# relay guest runs nothing that holds a socket but the relay's own
# listeners (a test that changes the rules puts them back); connections
# still closing (FIN-WAIT, LAST-ACK) end within the wait, and TIME-WAIT
# sockets live in a small cache of their own (tw_sock_TCP), not counted.
# skbs: SOCK_SKB_SLACK (16), for frames the moment catches in the
# interfaces' queues and for a datagram's fragments waiting for the rest
# (ipfrag_time, 30 s), plus the skb heads NAPI keeps for reuse where the
# drivers use it (skb_napi_cache_max: 64 a CPU in the x86 guest, where
# tcp-stop-start once left 45; none on UML); a relay that loses one skb
# per connection or datagram leaves hundreds after a load test.

SOCK_SKB_SLACK=${SOCK_SKB_SLACK:-16}

sock_snapshot()
{
	(cd "$KIT" && RUN=$RUN EXEC_TIMEOUT=30 ./uml/exec.sh relay sh "$GTOOLS/sockcount.sh")
}

# sock_over BEFORE AFTER: "KEY B -> A" for each count above its tolerance,
# comma-separated.
sock_over()
{
	awk -v slack="$SOCK_SKB_SLACK" '
		NR == FNR { before[$1] = $2; if ($1 == "skb_napi_cache_max") napi = $2; next }
		$1 == "skb_napi_cache_max" { next }
		{
			tol = ($1 ~ /^slab_skbuff/) ? slack + napi : 0
			if ($2 > before[$1] + tol)
				over = over (over == "" ? "" : ", ") $1 " " before[$1] + 0 " -> " $2
		}
		END { print over }' <(echo "$1") <(echo "$2")
}

sock_check()
{
	local before=$1 log=$2 after over deadline=$((SECONDS + ${SOCK_SETTLE:-30}))

	while :; do
		after=$(sock_snapshot) || { echo "sockcount.sh failed in the relay guest"; return 1; }
		over=$(sock_over "$before" "$after")
		[ -n "$over" ] || return 0
		((SECONDS < deadline)) || break
		sleep 2
	done
	{
		echo "# the relay guest's sockets and socket memory, before the test and ${SOCK_SETTLE:-30} s after:"
		join <(echo "$before" | sort) <(echo "$after" | sort) | sed 's/^/#   /'
	} >> "$log"
	echo "the relay guest kept more than before the test: $over"
	return 1
}
