#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Stop a run started by start-topology.sh: power the guests off, stop the
# switches, delete the run's netns, remove sockets and COW files.
#
#   ./uml/stop-topology.sh [RUN]          (default: $RUN, else demo)
#
# Guests first get mconsole "cad" (their init powers off cleanly, so warnings
# printed at shutdown reach console.log) for STOP_GRACE seconds (default 10),
# then mconsole "halt", then SIGTERM and SIGKILL to their own process group.
# Only pids saved by start-topology.sh are touched, and only while their
# command line still names this run. Logs (GUEST/console.log, start.log,
# agent.log) stay in $KIT/run/RUN unless KEEP=0. Safe to run twice, and on a
# run that only half started. QEMU guests (lib/guest-qemu.sh) get ctrl-alt-del
# and "quit" through their monitor instead of cad and halt.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/guest.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest.sh"

STOP_GRACE=${STOP_GRACE:-10}
KEEP=${KEEP:-1}

(($# <= 1)) || { echo "usage: $RK_PROG [RUN]" >&2; exit 2; }
RUN=${1:-$RUN}
rk_check_run_name "$RUN"
[[ $STOP_GRACE =~ ^[0-9]+$ ]] || rk_die "STOP_GRACE='$STOP_GRACE' is not a number of seconds"
STATE=$(rk_state_dir "$RUN")

if [[ ! -d $STATE ]]; then
	echo "run $RUN: not up (no $STATE)"
	exit 0
fi
# A second stop must not be cut short by a Ctrl-C on the first one's
# terminal: finish the job, it takes seconds.
trap '' INT

# wait_gone SECONDS PID...: wait until none of the pids is alive.
wait_gone() {
	local seconds=$1 pid alive
	local -i tries=$((seconds * 10))
	shift

	while :; do
		alive=0
		for pid in "$@"; do
			rk_pid_alive "$pid" && alive=1 && break
		done
		((alive && tries-- > 0)) || break
		rk_sleep 0.1
	done
	((!alive))
}

# Guests: pid -> token that proves the pid is still ours.
declare -A guest_pid=()
for guest in $(rk_state_guests "$STATE"); do
	pid=$(rk_read_pid "$STATE/$guest/pid") || continue
	token="umid=$(rk_umid "$RUN" "$guest")"
	if rk_pid_is_ours "$pid" "$token"; then
		guest_pid[$guest]=$pid
	elif [[ -n $(rk_group_members "$pid" "$token") ]]; then
		guest_pid[$guest]=$pid	# main process gone, helpers left
	fi
done

if ((${#guest_pid[@]})); then
	# cad only reaches a guest whose init already routes ctrl-alt-del to
	# itself (it has written its ready file); before that cad would reboot.
	if ((STOP_GRACE > 0)); then
		told=()
		for guest in "${!guest_pid[@]}"; do
			[[ -s $STATE/$guest/ready ]] || continue
			rk_guest_cad "$STATE" "$guest" &
			told+=("${guest_pid[$guest]}")
		done
		wait
		((${#told[@]} == 0)) || wait_gone "$STOP_GRACE" "${told[@]}" || true
	fi
	for guest in "${!guest_pid[@]}"; do
		rk_pid_alive "${guest_pid[$guest]}" || continue
		rk_guest_halt "$STATE" "$guest" &
	done
	wait
	wait_gone 3 "${guest_pid[@]}" || true
	for signal in TERM KILL; do
		left=()
		for guest in "${!guest_pid[@]}"; do
			token="umid=$(rk_umid "$RUN" "$guest")"
			mapfile -t members < <(rk_group_members "${guest_pid[$guest]}" "$token")
			((${#members[@]})) || continue
			left+=("${members[@]}")
			[[ $signal == TERM ]] ||
				rk_warn "guest $guest: killing leftover pids ${members[*]}"
			kill "-$signal" "${members[@]}" 2> /dev/null || true
		done
		((${#left[@]})) || break
		wait_gone 2 "${left[@]}" || true
	done
fi

# Switches.
switch_pids=()
for file in "$STATE"/net/*.pid; do
	pid=$(rk_read_pid "$file") || continue
	net=$(basename "$file" .pid)
	if rk_pid_is_ours "$pid" "net/$net.ctl"; then
		kill -TERM "$pid" 2> /dev/null || true
		switch_pids+=("$pid")
	fi
done
if ((${#switch_pids[@]})); then
	wait_gone 2 "${switch_pids[@]}" || kill -KILL "${switch_pids[@]}" 2> /dev/null || true
fi

# The netns. Anything still inside it was started by this run (it is ours
# alone), e.g. a process whose pid file was never written.
ns=
[[ -r $STATE/netns ]] && read -r ns < "$STATE/netns"
if [[ -n $ns ]] && rk_netns_exists "$ns"; then
	mapfile -t inside < <(ip netns pids "$ns" 2> /dev/null)
	if ((${#inside[@]})); then
		rk_warn "netns $ns: killing leftover pids ${inside[*]}"
		kill -KILL "${inside[@]}" 2> /dev/null || true
		wait_gone 2 "${inside[@]}" || true
	fi
	ip netns del "$ns" || rk_die "ip netns del $ns failed; run state kept in $STATE"
fi

# Whatever is still alive now stops us from deleting its files.
still=()
for guest in "${!guest_pid[@]}"; do
	rk_pid_alive "${guest_pid[$guest]}" && still+=("$guest:${guest_pid[$guest]}")
done
((${#still[@]} == 0)) || rk_die "still running: ${still[*]}; run state kept in $STATE"

if [[ $KEEP == 0 ]]; then
	rm -rf "$STATE"
	echo "run $RUN: stopped, state removed"
	exit 0
fi
rm -f "$STATE"/net/*.ctl "$STATE"/net/*.pid "$STATE/netns" "$STATE/up"
rm -rf "$STATE/uml"
for guest in $(rk_state_guests "$STATE"); do
	rm -rf "${STATE:?}/$guest/spool"
	rm -f "$STATE/$guest/root.cow" "$STATE/$guest/pid" "$STATE/$guest"/*.sock
done
echo "run $RUN: stopped (logs: $STATE/GUEST/console.log, start.log)"
