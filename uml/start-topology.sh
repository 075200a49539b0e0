#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Start a topology of guests (UML, or x86_64 under QEMU) joined by networks
# (uml_switch, Linux bridges or veth pairs), all inside a private network
# namespace, and wait until every guest has run its start commands.
#
#   ./uml/start-topology.sh [--check] [FILE]     (default uml/topology/default.topo)
#   ./uml/start-topology.sh --kernels [FILE]
#
# --check: parse FILE and resolve its kernels, start nothing. --kernels:
# print the kernel kinds the kit builds that FILE's guests boot (after the
# variables below), one a line: what `make run` & co build first.
#
# Environment: RUN (run id, default demo), KERNEL (kernel of every guest),
# <GUEST>_KERNEL (one guest, e.g. RELAY_KERNEL=release), START_TIMEOUT
# (seconds until every guest is ready, default 60; 900 with GDB=),
# GDB=GUEST[,GUEST] (boot those kernels under gdb in tmux: lib/gdb-start.sh),
# RELAYKIT_NET_RELAY_KO (a net_relay.ko inside the kit that guests on the
# debug kernel load instead of the kernel's own: make mutants),
# ALLOW_START_FAILURE=1
# (a guest whose start commands failed only gets a warning; demo.sh uses it).
# Run state: $KIT/run/$RUN.
# On any failure everything started so far is stopped again (logs are kept).
#
# The steps at the bottom are calls into uml/lib/: topo-file.sh (the
# topology file), links.sh (the run's netns and its networks), guest.sh
# (the guests, over the back-ends guest-uml.sh and guest-qemu.sh) and
# gdb-start.sh (GDB=). docs/kit.md; QEMU guests and bridges: docs/x86.md.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/topo-file.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/topo-file.sh"
# shellcheck source=lib/links.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/links.sh"
# shellcheck source=lib/guest.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest.sh"
# shellcheck source=lib/gdb-start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/gdb-start.sh"

# Under gdb a person may sit at a breakpoint while the others wait.
[[ -z ${GDB:-} ]] || START_TIMEOUT=${START_TIMEOUT:-900}
START_TIMEOUT=${START_TIMEOUT:-60}

usage() {
	echo "usage: [RUN=id] $RK_PROG [--check | --kernels] [TOPOLOGY-FILE]" >&2
	exit 2
}

# parse_args ARGS...: check_only, kernels_only and TOPO (made absolute:
# the run state records it, and the cwd changes).
parse_args() {
	check_only=0
	kernels_only=0
	while (($#)); do
		case $1 in
		--check) check_only=1; shift ;;
		--kernels) kernels_only=1; shift ;;
		-h | --help) usage ;;
		-*) usage ;;
		*) break ;;
		esac
	done
	(($# <= 1)) || usage
	TOPO=${1:-$KIT/uml/topology/default.topo}
	[[ $TOPO == /* ]] || TOPO=$PWD/$TOPO
}

# host_check: what a start needs besides a valid topology: the root file
# system, the tools of its guests and networks, root (for ip netns).
host_check() {
	local tool
	local -a tools

	[[ -f $ROOTFS ]] || rk_die "$ROOTFS missing (build it: make -C $KIT rootfs)"
	tools=(uml_switch uml_mconsole ip setsid)
	[[ " ${TOPO_G_KIND[*]} " == *" qemu "* ]] && tools+=("$QEMU_BIN" socat)
	[[ " ${TOPO_NET_TRANSPORT[*]} " == *" bridge "* ]] && tools+=(brctl)
	for tool in "${tools[@]}"; do
		command -v "$tool" > /dev/null || rk_die "'$tool' not found (run scripts/install-deps.sh)"
	done
	((EUID == 0)) || rk_die "must run as root (ip netns add)"
}

# run_state_new: STATE, the run's state dir, made afresh (a run that is up
# is refused) with the topology in it, and the cwd from now on; t_start.
# From here on, anything that goes wrong stops what was started (cleanup).
# Logs stay.
run_state_new() {
	STATE=$(rk_state_dir "$RUN")
	if rk_run_is_up "$STATE"; then
		rk_die "run '$RUN' is already up ($STATE); stop it first: RUN=$RUN ./uml/stop-topology.sh"
	fi

	started=0
	up=0
	trap cleanup EXIT
	trap 'rk_err "interrupted"; exit 130' INT
	trap 'rk_err "terminated"; exit 143' TERM

	rm -rf "$STATE"
	mkdir -p "$STATE/net" "$STATE/uml"
	cd "$STATE"
	cp "$TOPO" topology.topo
	printf '%s\n' "$TOPO" > topology.path
	printf '%s\n' "${TOPO_GUESTS[@]}" > guests
	printf '%s\n' "${TOPO_NETWORKS[@]}" > networks
	t_start=$(date +%s.%N)
	started=1
}

cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	if ((started && !up)); then
		rk_info "stopping what was started (logs stay in $STATE)"
		STOP_GRACE=0 "$KIT/uml/stop-topology.sh" "$RUN" > /dev/null || true
	fi
	exit "$rc"
}

parse_args "$@"
rk_check_run_name "$RUN"
[[ $START_TIMEOUT =~ ^[0-9]+$ ]] || rk_die "START_TIMEOUT='$START_TIMEOUT' is not a number of seconds"

topo_parse "$TOPO" || rk_die "invalid topology $TOPO"
if ((kernels_only)); then
	guests_built_kernels
	exit 0
fi
gdb_check "${TOPO_GUESTS[@]}" || exit 1
guests_resolve_kernels || exit 1
if ((check_only)); then
	echo "$TOPO: ok (${#TOPO_GUESTS[@]} guests, ${#TOPO_NETWORKS[@]} networks)"
	exit 0
fi

host_check
run_state_new
links_up
guests_up
guests_wait
up=1
date +%s > up
guests_summary "$t_start"
