#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build a kit kernel: prepare the tree (scripts/kernel-tree.sh), configure
# build/uml-KIND (build/x86 for x86) if needed (scripts/kernel-config.sh),
# then run kbuild there.
# Incremental: after an edit in net-relay/ only net/relay is recompiled.
#
# Usage: scripts/kernel-build.sh debug|release|x86 [KBUILD_TARGET...]
#   default targets: all (linux or bzImage, modules, vmlinux-gdb.py)
# Output: build/uml-KIND/linux (+ net/relay/net_relay.ko for debug),
# build/x86/arch/x86/boot/bzImage + net/relay/net_relay.ko;
# log: build/log/kernel-KIND.log

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
	local kind=${1:-} out log start
	local -a targets

	kind_setup "$kind" ||
		die "usage: ${0##*/} debug|release|x86 [KBUILD_TARGET...]"
	shift
	targets=("$@")
	[[ ${#targets[@]} -gt 0 ]] || targets=(all)
	out=$KOUT
	log=$BUILD/log/kernel-$kind.log

	"$KIT/scripts/kernel-tree.sh"
	lock_out "$out"
	"$KIT/scripts/kernel-config.sh" "$kind"

	mkdir -p "$BUILD/log"
	start=$SECONDS
	log "building ${out#"$KIT"/} (${targets[*]}), log in build/log/kernel-$kind.log"
	if ! kmake "$out" -j"$JOBS" "${targets[@]}" 2>&1 | tee "$log"; then
		die "kernel build of ${out#"$KIT"/} failed, see $log"
	fi
	log "${out#"$KIT"/} done in $((SECONDS - start)) s"
}

main "$@"
