#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build a kit kernel: prepare the tree (scripts/kernel-tree.sh), configure
# its build directory if needed (scripts/kernel-config.sh), then run kbuild
# there. Incremental: after an edit in net-relay/ only net/relay is
# recompiled.
#
# Usage: scripts/kernel-build.sh KIND [KBUILD_TARGET...]
#        scripts/kernel-build.sh --if-stale KIND...
#   KIND: debug, release or x86 (lib/kernel-kind.sh); default target: all
#   (linux or bzImage, modules, vmlinux-gdb.py), after which the kind's
#   stamp is touched.
#   --if-stale: build each KIND whose stamp is missing or older than a file
#   the build reads (net-relay/, patches/, config fragments, these scripts,
#   its .config as menuconfig left it): what `make run`, `make test` & co
#   call, so that nothing is walked by kbuild when nothing changed.
# kbuild's lines go to build/log/kernel-KIND.log; the terminal gets one
# line when a build starts, one a minute while it runs, one at its end (and
# the errors when it fails).

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

usage() {
	echo "usage: ${0##*/} debug|release|x86 [KBUILD_TARGET...]" >&2
	echo "       ${0##*/} --if-stale debug|release|x86..." >&2
	exit 2
}

# stale KIND: is KIND's last full build older than what it reads?
stale() {
	local stamp newer
	local -a inputs

	stamp=$(kernel_stamp "$1")
	[[ -e $stamp ]] || return 0
	inputs=("$KIT/net-relay" "$KIT/$RELAY_UAPI" "$KIT/patches" "$KIT/uml/configs" "$KIT/lib/kernel-kind.sh"
		"$KIT/scripts/common.sh" "$KIT"/scripts/kernel-*.sh)
	[[ -e $(kernel_config "$1") ]] && inputs+=("$(kernel_config "$1")")
	newer=$(find "${inputs[@]}" -newer "$stamp" -print -quit)
	[[ -n $newer ]]
}

# progress LOG START: a line a minute with the files compiled so far.
progress() {
	local log=$1 start=$2 fd

	# read -t, not sleep(1): killing this loop leaves no child behind. It
	# ignores SIGINT (a background job): it ends with the script.
	exec {fd}<> <(:)
	while ! read -r -t 60 -u "$fd" _ && kill -0 "$$" 2> /dev/null; do
		rk_info "$KIND_NAME: $(grep -c '^  CC ' "$log" || true) files compiled, $(((SECONDS - start) / 60)) min"
	done
}

build() {
	local kind=$1 out log start rc=0 ticker
	shift
	local -a targets=("$@")

	kind_setup "$kind" || usage
	[[ ${#targets[@]} -gt 0 ]] || targets=(all)
	out=$KOUT
	log=$LOGDIR/kernel-$kind.log

	"$KIT/scripts/kernel-tree.sh"
	lock_out "$out"
	"$KIT/scripts/kernel-config.sh" "$kind"

	mkdir -p "$LOGDIR"
	start=$SECONDS
	rk_info "building ${out#"$KIT"/} (${targets[*]}), log in ${log#"$KIT"/}"
	: > "$log"
	KIND_NAME=$kind progress "$log" "$start" &
	ticker=$!
	trap 'kill "$ticker" 2> /dev/null || true' EXIT
	kmake "$out" -j"$JOBS" "${targets[@]}" > "$log" 2>&1 || rc=$?
	kill "$ticker" 2> /dev/null || true
	wait "$ticker" 2> /dev/null || true
	trap - EXIT
	if ((rc)); then
		grep -E -B2 -A2 '(error|Error)[: ]' "$log" | tail -n 40 >&2 || tail -n 40 "$log" >&2
		rk_die "kernel build of ${out#"$KIT"/} failed, see $log"
	fi
	rk_info "${out#"$KIT"/} done in $((SECONDS - start)) s, $(grep -c '^  CC ' "$log" || true) files compiled"
	[[ ${targets[*]} != all ]] || touch "$(kernel_stamp "$kind")"
}

main() {
	local kind

	(($#)) || usage
	if [[ $1 != --if-stale ]]; then
		build "$@"
		return
	fi
	shift
	for kind in "$@"; do
		kernel_kind_built "$kind" || usage
		if stale "$kind"; then
			build "$kind"
		fi
	done
}

main "$@"
