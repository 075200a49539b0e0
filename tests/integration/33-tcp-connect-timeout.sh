#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A black-holed backend: the relay's SYNs towards it are dropped (iptables
# in the relay guest's OUTPUT chain), so neither an answer nor an error
# ever comes.  tcp_connect_timeout (3 s here) gives the connect up: the
# client's connection is closed after those 3 s, not before and not at the
# client's own timeout, and tcp_connect_failed counts it.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
port=8097
drop=(OUTPUT -p tcp -d "$SERVER_IP" --dport "$port" --syn -j DROP)
trap 'gexec relay "$IPTABLES" -D "${drop[@]}" 2>/dev/null || true; rule_quiet "del tcp $port"; relay_sysctl tcp_connect_timeout "$timeout0"' EXIT
timeout0=$(relay_sysctl_get tcp_connect_timeout)
relay_sysctl tcp_connect_timeout 3
gexec relay "$IPTABLES" -A "${drop[@]}" || fail "$IPTABLES in the relay guest cannot drop the SYNs to the backend"
rule "add tcp $port $(addr_port "$SERVER_IP" "$port")"

failed0=$(relay_stat tcp_connect_failed)
for i in 1 2; do
	out=$(gexec client perl "$GTOOLS/tcpclient.pl" closed "$RELAY_FRONT" "$port" 20000) || fail "attempt $i: $out"
	log "attempt $i: $out"
	ms=$(echo "$out" | sed -n 's/.* after \([0-9]*\) ms.*/\1/p')
	[ -n "$ms" ] || fail "attempt $i: no time in '$out'"
	# Not the backend's answer (there is none) nor the client's timeout:
	# the relay's 3 s, give or take a timer tick and the exec's latency.
	((ms >= 2500 && ms <= 10000)) || fail "attempt $i: closed after $ms ms, not after tcp_connect_timeout (3 s)"
done
failed=$(($(relay_stat tcp_connect_failed) - failed0))
((failed == 2)) || fail "tcp_connect_failed moved by $failed for 2 timed-out backend connects"
dropped=$(gexec relay "$IPTABLES" -vnL OUTPUT | awk -v p="dpt:$port" '$0 ~ p { print $1 }')
((dropped >= 2)) || fail "the relay guest dropped $dropped SYNs to the backend: the black hole did not hold"
note "closed after ${ms} ms (tcp_connect_timeout 3 s); tcp_connect_failed +$failed; $dropped SYNs dropped"
wait_tcp_idle 20
