#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Start a topology of UML guests joined by uml_switch, all inside a private
# network namespace, and wait until every guest has run its start commands.
# Networks (switch, bridge, veth): lib/links.sh. QEMU guests (kind qemu):
# lib/guest-qemu.sh, docs/x86.md.
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
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/topo-file.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/topo-file.sh"
# shellcheck source=lib/links.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/links.sh"
# shellcheck source=lib/guest-qemu.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest-qemu.sh"
# shellcheck source=lib/gdb-start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/gdb-start.sh"

# Under gdb a person may sit at a breakpoint while the others wait.
[[ -z ${GDB:-} ]] || START_TIMEOUT=${START_TIMEOUT:-900}
START_TIMEOUT=${START_TIMEOUT:-60}
ROOTFS=$KIT/build/rootfs.img

usage() {
	echo "usage: [RUN=id] $RK_PROG [--check | --kernels] [TOPOLOGY-FILE]" >&2
	exit 2
}

# built_kernels: the kinds the kit builds that the guests boot, once each.
built_kernels() {
	local guest kind
	local -A seen=()

	for guest in "${TOPO_GUESTS[@]}"; do
		kind=$(topo_kernel_kind "$guest")
		if kernel_kind_built "$kind" && [[ -z ${seen[$kind]:-} ]]; then
			seen[$kind]=1
			printf '%s\n' "$kind"
		fi
	done
}

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

rk_check_run_name "$RUN"
[[ $START_TIMEOUT =~ ^[0-9]+$ ]] || rk_die "START_TIMEOUT='$START_TIMEOUT' is not a number of seconds"

topo_parse "$TOPO" || rk_die "invalid topology $TOPO"
if ((kernels_only)); then
	built_kernels
	exit 0
fi
gdb_check "${TOPO_GUESTS[@]}" || exit 1

# Kernels: resolve kinds to binaries now, so a missing build is reported
# against the topology line (or the variable) that asked for it.
declare -A kernel_kind kernel_bin
errors=0
for guest in "${TOPO_GUESTS[@]}"; do
	kind=$(topo_kernel_kind "$guest")
	where="$TOPO:${TOPO_G_KERNEL_LINE[$guest]}"
	[[ $kind == "${TOPO_G_KERNEL[$guest]}" ]] || where="environment (${kind@Q} overrides $where)"
	case $kind in
	debug | release | stock | x86 | */*) ;;
	*) rk_err "$where: guest $guest: kernel '$kind': use debug, release, stock, x86 or a path"; errors=1; continue ;;
	esac
	bin=$(kernel_image "$kind")
	if [[ ${TOPO_G_KIND[$guest]} == qemu ]]; then
		if [[ $kind != x86 && $kind != */* ]]; then
			rk_err "$where: guest $guest: kind qemu needs kernel x86 or a path to a bzImage, not '$kind'"
			errors=1
		elif [[ ! -f $bin ]]; then
			hint=
			[[ $kind == x86 ]] && hint=" (build it: make -C $KIT x86)"
			rk_err "$where: guest $guest: kernel '$kind': $bin does not exist$hint"
			errors=1
		fi
	elif [[ $kind == x86 ]]; then
		rk_err "$where: guest $guest: kernel x86 needs 'kind qemu'"
		errors=1
	elif [[ ! -x $bin || -d $bin ]]; then
		case $kind in
		debug | release) hint=" (build it: make -C $KIT kernel-$kind)" ;;
		stock) hint=" (apt-get install user-mode-linux)" ;;
		*) hint= ;;
		esac
		rk_err "$where: guest $guest: kernel '$kind': $bin is not an executable file$hint"
		errors=1
	fi
	links_kernel_check "$guest" "$kind" "$where" || errors=1
	kernel_kind[$guest]=$kind
	kernel_bin[$guest]=$bin
done
((errors == 0)) || exit 1
if ((check_only)); then
	echo "$TOPO: ok (${#TOPO_GUESTS[@]} guests, ${#TOPO_NETWORKS[@]} networks)"
	exit 0
fi

[[ -f $ROOTFS ]] || rk_die "$ROOTFS missing (build it: make -C $KIT rootfs)"
tools=(uml_switch uml_mconsole ip setsid)
[[ " ${TOPO_G_KIND[*]} " == *" qemu "* ]] && tools+=("$QEMU_BIN" socat)
[[ " ${TOPO_NET_TRANSPORT[*]} " == *" bridge "* ]] && tools+=(brctl)
for tool in "${tools[@]}"; do
	command -v "$tool" > /dev/null || rk_die "'$tool' not found (run scripts/install-deps.sh)"
done
((EUID == 0)) || rk_die "must run as root (ip netns add)"

STATE=$(rk_state_dir "$RUN")
if rk_run_is_up "$STATE"; then
	rk_die "run '$RUN' is already up ($STATE); stop it first: RUN=$RUN ./uml/stop-topology.sh"
fi

# From here on, anything that goes wrong stops what was started. Logs stay.
started=0
up=0
cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	if ((started && !up)); then
		rk_info "stopping what was started (logs stay in $STATE)"
		STOP_GRACE=0 "$KIT/uml/stop-topology.sh" "$RUN" > /dev/null || true
	fi
	exit "$rc"
}
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

links_up

write_config() {
	local guest=$1 kind=$2 ifname build_dir ko=

	build_dir=$(kernel_dir "$kind")
	if [[ -n $build_dir && $build_dir == "$KIT"/* ]]; then
		build_dir=/relaykit/kit/${build_dir#"$KIT"/}
		ko=$(kernel_module "$kind")
		ko=/relaykit/kit/${ko#"$KIT"/}
	else
		build_dir=
	fi
	if [[ -n ${RELAYKIT_NET_RELAY_KO:-} && $kind == debug ]]; then
		[[ $RELAYKIT_NET_RELAY_KO == "$KIT"/* ]] ||
			rk_die "RELAYKIT_NET_RELAY_KO=$RELAYKIT_NET_RELAY_KO is not inside the kit (the guests see only $KIT)"
		ko=/relaykit/kit/${RELAYKIT_NET_RELAY_KO#"$KIT"/}
	fi
	{
		echo "# generated by start-topology.sh from $TOPO"
		echo "GUEST_NAME=$(rk_sh_quote "$guest")"
		echo "GUEST_KERNEL=$(rk_sh_quote "$kind")"
		echo "GUEST_RUN=$(rk_sh_quote "$RUN")"
		echo "GUEST_MEMORY=$(rk_sh_quote "${TOPO_G_MEMORY[$guest]}")"
		echo "IFACES=$(rk_sh_quote "${TOPO_G_IFACES[$guest]}")"
		for ifname in ${TOPO_G_IFACES[$guest]}; do
			echo "NET_$ifname=$(rk_sh_quote "${TOPO_IF_NET[$guest/$ifname]}")"
			echo "ADDRS_$ifname=$(rk_sh_quote "${TOPO_IF_ADDRS[$guest/$ifname]}")"
			[[ -z ${LINK_VECDEV[$ifname]:-} ]] || echo "DEV_$ifname=${LINK_VECDEV[$ifname]}"
		done
		echo "ROUTES=$(rk_sh_quote "${TOPO_G_ROUTES[$guest]}")"
		echo "SYSCTLS=$(rk_sh_quote "${TOPO_G_SYSCTLS[$guest]}")"
		echo "BUILD_DIR=$(rk_sh_quote "$build_dir")"
		echo "NET_RELAY_KO=$(rk_sh_quote "$ko")"
	} > "$guest/config"
	{
		echo "#!/bin/bash"
		echo "# generated by start-topology.sh: the start lines of guest $guest in $TOPO"
		echo "set -ex"
		printf '%s' "${TOPO_G_START[$guest]}"
	} > "$guest/start.sh"
	chmod +x "$guest/start.sh"
}

# One accelerator for every qemu guest, probed once (lib/guest-qemu.sh).
accel=
for guest in "${TOPO_GUESTS[@]}"; do
	[[ ${TOPO_G_KIND[$guest]} == qemu ]] || continue
	accel=$(qemu_accel "${kernel_bin[$guest]}")
	if [[ -n ${QEMU_ACCEL:-} ]]; then
		why="QEMU_ACCEL=$QEMU_ACCEL"
	elif [[ $accel == kvm ]]; then
		why="a probe boot under KVM worked"
	else
		why="no usable KVM: /dev/kvm missing, or a probe boot under it printed nothing"
	fi
	rk_info "qemu guests: ${accel^^} ($why)"
	break
done

guest_index=0
for guest in "${TOPO_GUESTS[@]}"; do
	guest_index=$((guest_index + 1))
	mkdir -p "$guest/spool"
	links_guest_plan "$guest" "$guest_index"
	write_config "$guest" "${kernel_kind[$guest]}"
	echo "${TOPO_G_KIND[$guest]}" > "$guest/kind"
	links_guest_up "$guest"
	if [[ ${TOPO_G_KIND[$guest]} == qemu ]]; then
		links_qemu_args "$guest"
		cmdline="console=ttyS0 root=/dev/vda rw panic=-1 umid=$(rk_umid "$RUN" "$guest")"
		cmdline+=" init=/sbin/relaykit-init relaykit.kit=$KIT relaykit.state=$STATE/$guest relaykit.fs=9p"
		[[ -z ${TOPO_G_APPEND[$guest]} ]] || cmdline+=" ${TOPO_G_APPEND[$guest]}"
		mapfile -t args < <(qemu_guest_args "$guest" "${kernel_bin[$guest]}" "$accel" \
			"${TOPO_G_MEMORY[$guest]}" "${TOPO_G_CPUS[$guest]}" "$cmdline" "${LINK_ARGS[@]}")
		# GDB=: qemu holds the CPU until gdb.sh attaches to its gdbstub.
		if gdb_wanted "$guest"; then
			args+=(-S)
			rk_info "guest $guest waits for gdb: RUN=$RUN ./uml/gdb.sh $guest (then: continue)"
		fi
		printf '%s\n' "$QEMU_BIN" "${args[@]}" > "$guest/cmdline"
		: > "$guest/console.log"
		# TMPDIR: the snapshot=on overlay of the root image goes there.
		TMPDIR=$STATE/$guest setsid ip netns exec "$NETNS" "$QEMU_BIN" "${args[@]}" \
			< /dev/null >> "$guest/console.log" 2>&1 &
		echo $! > "$guest/pid"
		disown
		continue
	fi
	args=(
		"umid=$(rk_umid "$RUN" "$guest")" uml_dir=uml
		"mem=${TOPO_G_MEMORY[$guest]}"
		"ubd0=$guest/root.cow,$ROOTFS" rw
	)
	links_uml_args "$guest"
	args+=("${LINK_ARGS[@]}")
	# con0 (the kernel console) goes to console.log; every other line is
	# off (no xterms). console.sh plugs a host pty into con1 when needed.
	args+=(con=null ssl=null "con0=null,fd:1")
	args+=(init=/sbin/relaykit-init "relaykit.kit=$KIT" "relaykit.state=$STATE/$guest")
	# shellcheck disable=SC2206 # extra kernel arguments are words
	[[ -z ${TOPO_G_APPEND[$guest]} ]] || args+=(${TOPO_G_APPEND[$guest]})
	printf '%s\n' "${kernel_bin[$guest]}" "${args[@]}" > "$guest/cmdline"
	if gdb_wanted "$guest"; then
		gdb_start_guest "$guest" "${kernel_kind[$guest]}" "${kernel_bin[$guest]}" "${args[@]}"
		continue
	fi
	setsid ip netns exec "$NETNS" "${kernel_bin[$guest]}" "${args[@]}" \
		< /dev/null > "$guest/console.log" 2>&1 &
	echo $! > "$guest/pid"
	disown
done

# Wait for every guest's ready file ("ok" or "failed: ...").
deadline=$(($(date +%s) + START_TIMEOUT))
declare -A ready=()
fail_guest() {
	local guest=$1 why=$2 log=$3

	rk_err "guest $guest: $why"
	if [[ -s $log ]]; then
		echo "--- last lines of $log:" >&2
		tail -n 15 "$log" >&2
		echo "---" >&2
	fi
	rk_err "guest $guest failed to start; see $log (run state: $STATE)"
	exit 1
}
while ((${#ready[@]} < ${#TOPO_GUESTS[@]})); do
	for guest in "${TOPO_GUESTS[@]}"; do
		[[ -z ${ready[$guest]:-} ]] || continue
		if [[ -s $guest/ready ]]; then
			status=$(< "$guest/ready")
			if [[ $status == ok ]]; then
				ready[$guest]=$(date +%s.%N)
				continue
			fi
			if [[ ${ALLOW_START_FAILURE:-0} == 1 ]]; then
				rk_warn "guest $guest: ${status#failed: } (host path: $STATE/$guest/start.log); keeping it up"
				ready[$guest]=$(date +%s.%N)
				continue
			fi
			fail_guest "$guest" "start failed: ${status#failed: }" "$STATE/$guest/start.log"
		fi
		pid=$(< "$guest/pid")
		rk_pid_alive "$pid" ||
			fail_guest "$guest" "UML kernel (pid $pid, ${kernel_bin[$guest]}) died before the guest was ready" \
				"$STATE/$guest/console.log"
	done
	links_alive
	((${#ready[@]} < ${#TOPO_GUESTS[@]})) || break
	if (($(date +%s) >= deadline)); then
		for guest in "${TOPO_GUESTS[@]}"; do
			[[ -n ${ready[$guest]:-} ]] && continue
			log=$STATE/$guest/console.log
			[[ -e $guest/start.log ]] && log="$log and $STATE/$guest/start.log"
			rk_err "guest $guest: not ready after ${START_TIMEOUT}s (timeout); see $log"
			# Hung or busy: its host process says which (state, wait
			# channel, CPU time) before the stop below ends it.
			ps -o pid=,stat=,wchan:24=,time=,args= -g "$(< "$guest/pid")" 2> /dev/null |
				cut -c1-150 | sed "s/^/  $guest host process: /" >&2 || true
		done
		exit 1
	fi
	rk_sleep 0.1
done
up=1
date +%s > up

# Summary.
t_up=$(date +%s.%N)
printf 'run %s up in %ss  (netns %s, state %s)\n' "$RUN" "$(rk_elapsed "$t_start" "$t_up")" "$NETNS" "$STATE"
for guest in "${TOPO_GUESTS[@]}"; do
	addrs=
	for ifname in ${TOPO_G_IFACES[$guest]}; do
		addrs+="${addrs:+  }$ifname(${TOPO_IF_NET[$guest/$ifname]}) ${TOPO_IF_ADDRS[$guest/$ifname]}"
	done
	printf '  %-8s %-8s %-5s pid %-7s ready %5ss  %s\n' "$guest" "${kernel_kind[$guest]}" \
		"${TOPO_G_MEMORY[$guest]}" "$(< "$guest/pid")" \
		"$(rk_elapsed "$t_start" "${ready[$guest]}")" "$addrs"
done
env_run=
[[ $RUN == demo ]] || env_run="RUN=$RUN "
echo "exec: ${env_run}./uml/exec.sh GUEST CMD...   shell: ${env_run}./uml/console.sh GUEST   stop: ${env_run}./uml/stop-topology.sh"
