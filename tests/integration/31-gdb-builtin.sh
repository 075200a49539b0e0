#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gdb on net/relay built in (release kernel, NET_RELAY=y), with the rules
# given on the kernel command line (uml/topology/builtin.topo,
# net_relay.rules=tcp:80:...,udp:53:...). Two runs of that topology:
#   boot:   GDB=relay ./uml/start-topology.sh: the relay's kernel boots
#           under gdb in tmux; a breakpoint on nrelay_init is hit during
#           boot (backtrace through the initcalls, the boot-time rules
#           string printed), then `continue` from the tmux window and the
#           boot goes on to ready; the rules from the command line relay a
#           page; gdb quits with the guest at stop.
#   attach: the same as 30-gdb-attach.sh, on this kernel.
# Each run gets the kernel log check and the halt check of the suite.
# relaykit-test: no-guests
# shellcheck disable=SC2317 # functions called through phase() and trap
set -euo pipefail
# Before phase-topology.sh, whose uml/lib/common.sh defaults RUN to demo.
BASE_RUN=${RUN:-test-$$}
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/phase-topology.sh
source "$KIT/tests/lib/phase-topology.sh"
# shellcheck source=../lib/klog.sh
source "$KIT/tests/lib/klog.sh"

TOPO_FILE=$KIT/uml/topology/builtin.topo
work=$(mktemp -d)
RK_LOG=${RK_LOG:-$work/test.log}
RUN=
STATE=
LOGDIR=

[ -x "$(kernel_image release)" ] || fail "$(kernel_image release) missing: make kernel-release"
for tool in gdb tmux; do
	command -v "$tool" > /dev/null || fail "$tool not installed (scripts/install-deps.sh)"
done

# run_begin NAME: state of a fresh run of the builtin topology.
run_begin()
{
	RUN=$BASE_RUN-$1
	STATE=$KIT/run/$RUN
	LOGDIR=$work/$1
	mkdir -p "$LOGDIR"
	export RUN STATE
}

# run_end: stop the run; the kernel log and halt checks of tests/run.sh.
# Prints a reason and returns 1 when one fails.
run_end()
{
	local reason=''

	[ -n "$RUN" ] || return 0
	reason=$(klog_check "$RK_LOG") || true
	phase_stop "$RK_LOG" > /dev/null || reason=${reason:-stop-topology.sh failed}
	if [ -z "$reason" ]; then
		reason=$(klog_check_halt "$RK_LOG") || true
	fi
	if tmux has-session -t "=rk-$RUN" 2> /dev/null; then
		reason=${reason:-"tmux session rk-$RUN still there after stop"}
		tmux kill-session -t "=rk-$RUN" || true
	fi
	RUN=
	[ -z "$reason" ] || { echo "$reason"; return 1; }
}

cleanup()
{
	local rc=$?

	[ -z "$RUN" ] || run_end > /dev/null || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

# --- boot under gdb ----------------------------------------------------------

boot_under_gdb()
{
	local start_pid gdblog deadline hit t0 rc=0 page

	run_begin gdbboot
	gdblog=$STATE/relay/gdb.log
	t0=$(now_ms)
	(cd "$KIT" && GDB=relay GDB_BREAK=nrelay_init START_TIMEOUT=120 \
		timeout -k 5 200 ./uml/start-topology.sh "$TOPO_FILE") \
		> "$work/start.out" 2>&1 < /dev/null &
	start_pid=$!

	deadline=$((SECONDS + 90))
	until grep -q 'hit Temporary breakpoint [0-9]*, nrelay_init ()' "$gdblog" 2> /dev/null; do
		if ! kill -0 "$start_pid" 2> /dev/null || ((SECONDS >= deadline)); then
			cat "$work/start.out"
			[ ! -e "$gdblog" ] || { echo "# $gdblog:"; cat "$gdblog"; }
			echo "FAIL: the relay's kernel under gdb did not stop in nrelay_init"
			return 1
		fi
		sleep 0.2
	done
	hit=$(($(now_ms) - t0))
	log "stopped in nrelay_init $hit ms after start"

	tmux send-keys -t "=rk-$RUN:relay" 'bt' Enter 'p rules' Enter 'continue' Enter
	wait "$start_pid" || rc=$?
	cat "$work/start.out"
	echo "# $gdblog:"
	grep -v '^\[\(Detaching\|New Thread\)' "$gdblog" || true
	[ "$rc" = 0 ] || { echo "FAIL: start-topology.sh under GDB=relay failed (exit $rc)"; return 1; }
	log "ready $(($(now_ms) - t0)) ms after start"

	grep -q ' in do_one_initcall (fn=0x[0-9a-f]* <nrelay_init>)' "$gdblog" ||
		{ echo "FAIL: no do_one_initcall(nrelay_init) in the backtrace at nrelay_init"; return 1; }
	grep -q ' in kernel_init ' "$gdblog" ||
		{ echo "FAIL: no kernel_init in the backtrace: not at boot?"; return 1; }
	grep -q '^\$1 = 0x[0-9a-f]* "tcp:80:198.51.100.2:80,udp:53:198.51.100.2:53"' "$gdblog" ||
		{ echo "FAIL: p rules did not show the net_relay.rules= of the kernel command line"; return 1; }
	grep -q '^Continuing\.' "$gdblog" || { echo "FAIL: gdb did not continue"; return 1; }

	page=$(RUN=$RUN "$KIT/uml/exec.sh" client curl -sS --max-time 10 "http://192.0.2.1/") ||
		{ echo "FAIL: no page through the boot-time tcp rule"; return 1; }
	[ "$page" = "relaykit server" ] || { echo "FAIL: page through the boot-time rule: '$page'"; return 1; }
	note "nrelay_init hit ${hit} ms after start"
}

# --- attach --------------------------------------------------------------------

attach_builtin()
{
	local rc=0

	run_begin attach
	phase_start "$RK_LOG" < /dev/null || { echo "FAIL: builtin topology did not start"; return 1; }
	bash "$KIT/tests/integration/30-gdb-attach.sh" || rc=$?
	[ "$rc" = 0 ] || { echo "FAIL: 30-gdb-attach.sh on the built-in relay (exit $rc)"; return 1; }
}

# --- main ----------------------------------------------------------------------

# A phase fails with the first FAIL: line it printed, or the check's reason.
phase()
{
	local name=$1 reason rc=0

	shift
	"$@" > "$work/phase.out" 2>&1 || rc=$?
	cat "$work/phase.out"
	if [ "$rc" != 0 ]; then
		reason=$(sed -n 's/^FAIL: //p' "$work/phase.out" | head -n 1)
		run_end > /dev/null || true
		result fail "$RK_NAME:$name" "${reason:-exit status $rc}"
		return 1
	fi
	if ! reason=$(run_end); then
		result fail "$RK_NAME:$name" "$reason"
		return 1
	fi
	result ok "$RK_NAME:$name"
}

bad=0
# TOPOLOGY is read by phase_start (tests/lib/phase-topology.sh).
TOPOLOGY=$TOPO_FILE
phase boot boot_under_gdb || bad=1
phase attach attach_builtin || bad=1
exit "$bad"
