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
# net/relay's UAPI header: in the kit and in the tree at the same path.
RELAY_UAPI=include/uapi/linux/net_relay.h
LOGDIR=$BUILD/log

# shellcheck source=lib/log.sh
. "$KIT/lib/log.sh"
# shellcheck source=lib/kernel-kind.sh
. "$KIT/lib/kernel-kind.sh"
# shellcheck source=scripts/ccache.sh
. "$KIT/scripts/ccache.sh"
JOBS=${JOBS:-$(nproc)}

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

# Locks. Builds of different kernels run side by side (make test builds the
# release and x86 kernels in the background while the UML tests run), so
# the kit tree and each O= dir have locks of their own, in build/:
#   .lock        the tree: held shared by every build that reads it, taken
#                exclusive only by kernel-tree.sh when the tree must change;
#   .lock-NAME   O= dir build/NAME: exclusive, one build at a time in it.
# A script's children inherit its locks (RELAYKIT_TREE_LOCK, _OUT_LOCKS):
# flock on a new open of the same file would wait for the parent forever.

# lock_file FILE shared|exclusive WHAT: take the lock, saying why we wait;
# LOCK_FD is its descriptor.
lock_file() {
	local file=$1 mode=$2 what=$3

	mkdir -p "$BUILD"
	exec {LOCK_FD}>"$file"
	if ! flock -n "--$mode" "$LOCK_FD"; then
		rk_info "waiting for another build using $what (lock ${file#"$KIT"/})"
		flock "--$mode" "$LOCK_FD"
	fi
}

# lock_tree shared|exclusive
lock_tree() {
	local held=${RELAYKIT_TREE_LOCK:-}

	[[ $held == exclusive || $held == "$1" ]] && return 0
	[[ -z $held ]] || rk_die "internal: the kit tree is locked shared, cannot take it exclusive"
	lock_file "$BUILD/.lock" "$1" "the kit tree"
	TREE_LOCK_FD=$LOCK_FD
	export RELAYKIT_TREE_LOCK=$1
}

# lock_tree_upgrade: shared -> exclusive, for the process that took it.
# flock(2) drops the shared lock first, so two upgraders cannot deadlock;
# check again what needed the exclusive lock once it is held.
lock_tree_upgrade() {
	[[ ${RELAYKIT_TREE_LOCK:-} == exclusive ]] && return 0
	[[ -n ${TREE_LOCK_FD:-} ]] ||
		rk_die "the kit tree must change (net-relay/ or patches/ edited) while a build that started before holds it; run make again"
	if ! flock -n --exclusive "$TREE_LOCK_FD"; then
		rk_info "waiting for the builds using the kit tree to finish, to update it (lock build/.lock)"
		flock --exclusive "$TREE_LOCK_FD"
	fi
	export RELAYKIT_TREE_LOCK=exclusive
}

# lock_out DIR: exclusive use of the O= dir DIR (and a shared tree).
lock_out() {
	local name

	name=$(basename "$1")
	lock_tree shared
	[[ :${RELAYKIT_OUT_LOCKS:-}: == *":$name:"* ]] && return 0
	lock_file "$BUILD/.lock-$name" exclusive "${1#"$KIT"/}"
	export RELAYKIT_OUT_LOCKS=${RELAYKIT_OUT_LOCKS:-}:$name
}
