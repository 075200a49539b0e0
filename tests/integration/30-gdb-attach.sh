#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gdb on the running relay (uml/gdb.sh, batch mode): attach, lx-lsmod and
# lx-dmesg work, a breakpoint in nrelay_conn_new is hit when the client
# connects through the relay, with a backtrace through net/relay's accept
# work and the rule printed (`p *rule`); then one in nrelay_conn_work prints
# the connection (`p *$container_of(work, "struct nrelay_conn", "work")`).
# gdb detaches, and the relay still serves.
# Runs on whatever relay the topology has: net_relay.ko in the debug kernel
# here; 31-gdb-builtin.sh runs it again on the release kernel (built in).
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

GDB_TIMEOUT=${GDB_TIMEOUT:-60}

need_relay
kind=$(relay_kernel_kind)
relay_pid=$(cat "$STATE/relay/pid")
log "relay: kernel $kind, pid $relay_pid"

work=$(mktemp -d)
gdb_pid=
curl_pid=
cleanup()
{
	# gdb must never be killed while it holds the guest: SIGINT stops the
	# `continue`, the script then ends and gdb detaches on its way out.
	if [ -n "$gdb_pid" ] && kill -0 "$gdb_pid" 2> /dev/null; then
		kill -INT "$gdb_pid" 2> /dev/null || true
		for _ in $(seq 50); do
			kill -0 "$gdb_pid" 2> /dev/null || break
			sleep 0.2
		done
		kill -KILL "$gdb_pid" 2> /dev/null || true
	fi
	[ -z "$curl_pid" ] || wait "$curl_pid" 2> /dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/cmds.gdb" << 'EOF'
echo RK-GDB: attached\n
lx-lsmod
lx-dmesg
break nrelay_conn_new
echo RK-GDB: waiting\n
continue
echo RK-GDB: stop 1\n
bt
p *rule
delete
break nrelay_conn_work
continue
echo RK-GDB: stop 2\n
bt 2
p *$container_of(work, "struct nrelay_conn", "work")
delete
detach
echo RK-GDB: done\n
EOF

t0=$(now_ms)
RUN=$RUN "$KIT/uml/gdb.sh" relay -batch -x "$work/cmds.gdb" > "$work/gdb.out" 2>&1 < /dev/null &
gdb_pid=$!
# Symbols first, then the attach: wait until gdb sits in `continue`.
deadline=$((SECONDS + 60))
until grep -q '^RK-GDB: waiting' "$work/gdb.out"; do
	kill -0 "$gdb_pid" 2> /dev/null || { cat "$work/gdb.out"; fail "gdb.sh exited before its breakpoint was set"; }
	((SECONDS < deadline)) || { cat "$work/gdb.out"; fail "gdb.sh did not attach within 60 s"; }
	sleep 0.2
done
log "gdb attached and waiting after $(($(now_ms) - t0)) ms"

gexec -t 60 client curl -sS --max-time 45 -o /dev/null -w '%{http_code}\n' "http://$RELAY_FRONT/" \
	> "$work/curl.out" 2>&1 &
curl_pid=$!

# The breakpoints stop the guest: a few seconds at most, or its timers
# (RCU, TCP) notice. SIGINT ends a `continue` that is never hit.
deadline=$((SECONDS + GDB_TIMEOUT))
while kill -0 "$gdb_pid" 2> /dev/null; do
	if ((SECONDS >= deadline)); then
		log "gdb still running after ${GDB_TIMEOUT}s: interrupting it"
		kill -INT "$gdb_pid" 2> /dev/null || true
		deadline=$((SECONDS + 15))
		GDB_TIMEOUT=-1
	fi
	sleep 0.2
done
wait "$gdb_pid" || log "gdb exited with status $?"
gdb_pid=
echo "# gdb output:"
grep -v '^\[ *[0-9]*\.[0-9]*\] ' "$work/gdb.out" || true
log "gdb done after $(($(now_ms) - t0)) ms"
wait "$curl_pid" || true
curl_pid=

out=$(cat "$work/gdb.out")
tracer=$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$relay_pid/status")
[ "$tracer" = 0 ] || fail "the relay's kernel (pid $relay_pid) is still traced by pid $tracer"
grep -q '^\[Inferior 1 (process [0-9]*) detached\]' <<< "$out" || fail "gdb did not detach"
grep -q 'net_relay: loaded' <<< "$out" || fail "lx-dmesg did not show 'net_relay: loaded'"
if relay_is_module; then
	grep -Eq '^0x[0-9a-f]+ +net_relay ' <<< "$out" || fail "lx-lsmod did not list net_relay"
	grep -q '^rk-module-symbols: net_relay at ' <<< "$out" || fail "net_relay.ko symbols not loaded"
fi
grep -q '^Breakpoint 1, nrelay_conn_new (rule=' <<< "$out" ||
	fail "breakpoint in nrelay_conn_new not hit (curl: $(cat "$work/curl.out"))"
grep -q ' in nrelay_accept_work (work=.*net/relay/tcp.c:' <<< "$out" ||
	fail "no nrelay_accept_work (net/relay/tcp.c) in the backtrace at nrelay_conn_new"
grep -q ' in process_one_work ' <<< "$out" || fail "no process_one_work in the backtrace (not on the relay's workqueue?)"
# port 80 in network byte order: 0x5000
grep -q '^\$1 = {node = .*proto = NRELAY_TCP, .*backend = {family = 2, port = 20480' <<< "$out" ||
	fail "p *rule did not print the tcp rule to port 80"
grep -q '^Breakpoint 2, nrelay_conn_work (work=' <<< "$out" || fail "breakpoint in nrelay_conn_work not hit"
grep -q '^\$2 = {.*rule = 0x[0-9a-f]*, .*side = ' <<< "$out" ||
	fail "p *\$container_of(work, \"struct nrelay_conn\", \"work\") did not print the connection"
grep -q '^RK-GDB: done' <<< "$out" || fail "the gdb script did not run to its end"

code=$(cat "$work/curl.out")
[ "$code" = 200 ] || fail "curl through the relay while it was stopped in gdb: $code"
page=$(gexec client curl -sS --max-time 10 "http://$RELAY_FRONT/") ||
	fail "no page through the relay after gdb detached"
[ "$page" = "relaykit server" ] || fail "page after gdb detached: '$page'"
note "$kind kernel, breakpoints hit, $(($(now_ms) - t0)) ms"
