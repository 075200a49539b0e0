#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2034 # kind_setup sets variables for its callers
#
# Kernel kinds: which kernels a guest can boot and where each one's files
# are. The one place that knows it: sourced by scripts/, uml/, tests/ and
# bench/ (needs KIT), run by the Makefile (`lib/kernel-kind.sh kernel_dir
# debug`, `kernel_dirs_built`).
#
#   debug    UML (ARCH=um), build/uml-debug: KASAN, lockdep, kmemleak, gcov;
#            net_relay.ko, the KUnit suites in it
#   release  UML, build/uml-release: no debugging, net_relay built in
#   x86      x86_64 for QEMU guests, build/x86: lockdep; net_relay.ko
#   stock    Debian's /usr/bin/linux.uml (package user-mode-linux)
#   PATH     a kernel image anywhere (relative paths: to the kit)
# The kit builds debug, release and x86 (scripts/kernel-build.sh).

KERNEL_KINDS_BUILT=(debug release x86)
# What a topology's `kernel` line may say, for error messages.
KERNEL_KINDS_USAGE='debug, release, stock, x86 or a path to a kernel'

# kernel_kind_valid KIND: is KIND a kind a topology may name?
kernel_kind_valid() {
	case $1 in
	debug | release | x86 | stock | */*) return 0 ;;
	*) return 1 ;;
	esac
}

# kernel_kind_built KIND: does the kit build KIND?
kernel_kind_built() {
	[[ " ${KERNEL_KINDS_BUILT[*]} " == *" $1 "* ]]
}

# kernel_image KIND: the UML binary, or the bzImage for QEMU guests.
kernel_image() {
	case $1 in
	debug | release) printf '%s/linux\n' "$(kernel_dir "$1")" ;;
	x86) printf '%s/arch/x86/boot/bzImage\n' "$(kernel_dir x86)" ;;
	stock) printf '%s\n' /usr/bin/linux.uml ;;
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$KIT" "$1" ;;
	esac
}

# kernel_dir KIND: the build directory (O=: vmlinux, .config, modules,
# vmlinux-gdb.py), for a PATH the kbuild directory it lies in; nothing for
# kernels the kit did not build.
kernel_dir() {
	local image dir

	case $1 in
	debug | release) printf '%s/build/uml-%s\n' "$KIT" "$1" ;;
	x86) printf '%s/build/x86\n' "$KIT" ;;
	stock) ;;
	*)
		image=$(kernel_image "$1")
		dir=$(dirname "$image")
		# arch/x86/boot/bzImage lies three levels below its build dir.
		[[ $image == */arch/x86/boot/bzImage ]] && dir=${image%/arch/x86/boot/bzImage}
		[[ -f $dir/Makefile && -d $dir/scripts ]] && printf '%s\n' "$dir"
		;;
	esac
	return 0
}

# kernel_dirs_built: the build directories of every kind the kit builds.
kernel_dirs_built() {
	local kind

	for kind in "${KERNEL_KINDS_BUILT[@]}"; do
		kernel_dir "$kind"
	done
}

# kernel_config KIND: its .config, or nothing (kernel_dir).
kernel_config() {
	local dir

	dir=$(kernel_dir "$1")
	[[ -z $dir ]] || printf '%s/.config\n' "$dir"
}

# kernel_module KIND: where its build puts net_relay.ko (a kernel with
# net_relay built in has none there), or nothing (kernel_dir).
kernel_module() {
	local dir

	dir=$(kernel_dir "$1")
	[[ -z $dir ]] || printf '%s/net/relay/net_relay.ko\n' "$dir"
}

# kernel_has_module KIND: is net_relay a module in KIND (make reload)?
kernel_has_module() {
	[[ $1 == debug || $1 == x86 ]]
}

# kernel_stamp KIND: touched by scripts/kernel-build.sh after a full build.
kernel_stamp() {
	printf '%s/.relaykit-built\n' "$(kernel_dir "$1")"
}

# kind_setup KIND: for a kind the kit builds, sets KARCH, KOUT (O= dir),
# KFRAGMENTS (kit fragments, checked against .config) and KEXTRA (fragments
# of the kernel tree, relative to it, merged first and not checked: they
# name options of other architectures).
kind_setup() {
	kernel_kind_built "$1" || return 1
	KOUT=$(kernel_dir "$1")
	case $1 in
	debug | release)
		KARCH=um
		KFRAGMENTS=("$KIT/uml/configs/base.config" "$KIT/uml/configs/$1.config")
		KEXTRA=()
		;;
	x86)
		KARCH=x86_64
		KFRAGMENTS=("$KIT/uml/configs/x86-base.config" "$KIT/uml/configs/x86-debug.config")
		KEXTRA=(kernel/configs/kvm_guest.config)
		;;
	esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	case "${1:-} $#" in
	"kernel_dir 2") kernel_kind_valid "$2" && kernel_dir "$2" && exit 0 ;;
	"kernel_dirs_built 1") kernel_dirs_built && exit 0 ;;
	esac
	echo "usage: ${0##*/} kernel_dir KIND | kernel_dirs_built" >&2
	exit 2
fi
