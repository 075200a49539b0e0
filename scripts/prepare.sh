#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build what a topology needs to boot: the kit kernels its guests run
# (uml/start-topology.sh --kernels; each only when stale) and the guests'
# root file system. The rootfs is made while the kernels build: debootstrap
# waits on the archive and the disk for most of its minute, time the
# compilers use. What `make run`, `test`, `check`, `bench`, `soak`,
# `mutants` and `coverage` call first.
#
# Usage: scripts/prepare.sh TOPOLOGY-FILE

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
	local topo=${1:-} out rootfs rc=0
	local -a kinds

	[[ $# -eq 1 && -n $topo ]] || { echo "usage: ${0##*/} TOPOLOGY-FILE" >&2; exit 2; }
	out=$("$KIT/uml/start-topology.sh" --kernels "$topo") ||
		rk_die "cannot tell which kernels $topo needs"
	mapfile -t kinds <<< "$out"
	[[ -n ${kinds[0]} ]] || kinds=()
	"$KIT/rootfs-scripts/build-rootfs.sh" &
	rootfs=$!
	# A background job ignores SIGINT: on Ctrl-C or a failure, end it
	# here (its TERM trap cleans up after debootstrap).
	trap 'kill "$rootfs" 2> /dev/null || true' EXIT
	"$KIT/scripts/kernel-build.sh" --if-stale "${kinds[@]}" || rc=$?
	wait "$rootfs" || rc=$?
	trap - EXIT
	return "$rc"
}

main "$@"
