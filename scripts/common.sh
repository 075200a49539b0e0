# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034
#
# Shared settings for the relaykit build scripts; sourced, not run.

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$KIT/build
KERNEL_TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
# Top-level directory inside the tarball; also the name of the kit tree.
KERNEL_DIRNAME=linux-source-6.1
TREE=$BUILD/$KERNEL_DIRNAME
LOGDIR=$BUILD/log

# shellcheck source=scripts/ccache.sh
. "$KIT/scripts/ccache.sh"
JOBS=${JOBS:-$(nproc)}

log() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# Kernel kinds: debug, release (ARCH=um, build/uml-KIND) and x86 (x86_64,
# for QEMU guests, build/x86).
# kind_setup KIND: sets KARCH, KOUT (O= dir), KFRAGMENTS (kit fragments,
# checked against .config) and KEXTRA (fragments of the tree merged first,
# not checked: they name options of other architectures).
kind_setup() {
	case $1 in
	debug | release)
		KARCH=um
		KOUT=$BUILD/uml-$1
		KFRAGMENTS=("$KIT/uml/configs/base.config" "$KIT/uml/configs/$1.config")
		KEXTRA=()
		;;
	x86)
		KARCH=x86_64
		KOUT=$BUILD/x86
		KFRAGMENTS=("$KIT/uml/configs/x86-base.config" "$KIT/uml/configs/x86-debug.config")
		KEXTRA=("$TREE/kernel/configs/kvm_guest.config")
		;;
	*) return 1 ;;
	esac
}

# kmake DIR ARGS...: kbuild in the kit tree with output in DIR (O=), for
# ARCH=$KARCH (um unless kind_setup said otherwise).
kmake() {
	local out=$1
	shift
	make -C "$TREE" O="$out" ARCH="${KARCH:-um}" CC="$KCC" "$@"
}

# Patches listed in patches/series, in order, as absolute paths.
series_patches() {
	local line
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%%#*}
		line=${line//[[:space:]]/}
		[[ -n $line ]] && printf '%s\n' "$KIT/patches/$line"
	done < "$KIT/patches/series"
}

# Serialize everything that writes to the kit tree or an O= dir: several
# users (lead, test runs) may call make at the same time.
lock_build() {
	[[ -n ${RELAYKIT_BUILD_LOCKED:-} ]] && return 0
	mkdir -p "$BUILD"
	exec {BUILD_LOCK_FD}>"$BUILD/.lock"
	if ! flock -n "$BUILD_LOCK_FD"; then
		log "waiting for another build in $KIT/build (lock $BUILD/.lock)"
		flock "$BUILD_LOCK_FD"
	fi
	# The scripts we call inherit the lock.
	export RELAYKIT_BUILD_LOCKED=1
}
