#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A relay's set-up against a backend that fails. The accept work hooks the
# client socket before it issues the backend connect: a client segment
# handled on another CPU meanwhile queues the pair's work. Before the fix
# that work could find the backend socket still in CLOSE, take it for
# refused and free the pair under the accept work (kernel_connect() and
# queue_work() on freed memory). Hundreds of clients connect at once and
# trickle a byte every 20 ms from their first moment, towards an
# unroutable backend (the connect fails at once: ENETUNREACH) and towards
# a refusing one (RST). Every connection must be ended by the relay and
# counted as a failed connect, and the kernel log must stay clean (the
# runner's check: refcount and list debugging, lockdep; KASAN on UML).
#
# Only an SMP relay can show the race: the x86 group's relay has two vCPUs
# (uml/topology/x86.topo), and RPS on its front link spreads the clients'
# segments over both, as the accept work runs beside them. UML guests have
# one CPU: there this checks the behaviour only.
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

CONNS=300
unroutable=8091
refused=8092
rps=/sys/class/net/eth0/queues/rx-0/rps_cpus
# Documentation prefixes no guest routes.
if [ "$FAMILY" = 6 ]; then nowhere=2001:db8:ff::1; else nowhere=203.0.113.1; fi

need_relay
cpus=$(gexec relay nproc)
if [ "$(relay_kernel_kind)" = x86 ]; then
	((cpus >= 2)) || fail "the x86 relay has $cpus CPU: this test needs an SMP relay (cpus in uml/topology/x86.topo)"
fi
gexec relay ip route get "$nowhere" > /dev/null 2>&1 &&
	fail "the relay has a route to $nowhere: it cannot stand for an unroutable backend"
server_listening "$refused" && fail "the server listens on $refused: it cannot stand for a refusing backend"

out_unroutable=$(mktemp)
pid_unroutable=
cleanup()
{
	[ -z "$pid_unroutable" ] || kill "$pid_unroutable" 2> /dev/null || true
	rm -f "$out_unroutable"
	gsh relay 'echo 0 > "$1"' "$rps" 2> /dev/null || true
	rule_quiet "del tcp $unroutable"
	rule_quiet "del tcp $refused"
}
trap cleanup EXIT
rps_note="1 CPU"
if ((cpus >= 2)); then
	gsh relay 'printf %x $(((1 << $1) - 1)) > "$2"' "$cpus" "$rps" ||
		fail "cannot enable RPS on the relay's eth0"
	rps_note="$cpus CPUs, RPS on the front link"
fi
rule "add tcp $unroutable $(addr_port "$nowhere" 80)"
rule "add tcp $refused $(addr_port "$SERVER_IP" "$refused")"

accepted0=$(relay_stat tcp_accepted)
failed0=$(relay_stat tcp_connect_failed)
gexec client perl "$GTOOLS/tcpclient.pl" burst "$RELAY_FRONT" "$unroutable" "$CONNS" 60 \
	> "$out_unroutable" 2>&1 &
pid_unroutable=$!
out_refused=$(gexec client perl "$GTOOLS/tcpclient.pl" burst "$RELAY_FRONT" "$refused" "$CONNS" 60 2>&1) ||
	fail "refusing backend: $out_refused"
wait "$pid_unroutable" || fail "unroutable backend: $(cat "$out_unroutable")"
pid_unroutable=
log "unroutable: $(cat "$out_unroutable")"
log "refusing: $out_refused"
wait_tcp_idle 30
accepted=$(($(relay_stat tcp_accepted) - accepted0))
failed=$(($(relay_stat tcp_connect_failed) - failed0))
((accepted == 2 * CONNS)) || fail "the relay accepted $accepted of $((2 * CONNS)) connections"
((failed == accepted)) || fail "$accepted accepted, but tcp_connect_failed moved by $failed"
note "$((2 * CONNS)) clients trickling into failing connects ($rps_note): all ended, all counted"
