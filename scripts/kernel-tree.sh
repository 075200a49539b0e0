#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Prepare the kit tree build/linux-source-6.1: a pristine unpack of
# /usr/src/linux-source-6.1.tar.xz with patches/series applied (redone only
# when the tarball or the patches change), then net-relay/ copied to
# net/relay and include/uapi/linux/net_relay.h to its place on every call.
#
# rsync -c rewrites only files whose content changed, so unchanged files keep
# their mtimes and kbuild rebuilds only what was really edited.

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STAMP=$TREE/.relaykit-patched

# What the tree was made from: the tarball and every patch of the series.
tree_digest() {
	local p

	stat -c '%n %s %Y' "$KERNEL_TARBALL"
	# Relative names, so that moving the kit does not re-unpack.
	(
		cd "$KIT"
		sha256sum patches/series
		while IFS= read -r p; do
			sha256sum "${p#"$KIT"/}"
		done < <(series_patches)
	)
}

unpack_and_patch() {
	local tmp=$BUILD/.tree.tmp p

	[[ -r $KERNEL_TARBALL ]] ||
		rk_die "$KERNEL_TARBALL missing (package linux-source-6.1; run scripts/install-deps.sh)"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	rk_info "unpacking $KERNEL_TARBALL"
	# --touch: the tarball's old mtimes would be older than objects left
	# in build/uml-* by a previous tree, and kbuild would keep them.
	tar -C "$tmp" --touch -xJf "$KERNEL_TARBALL"
	[[ -d $tmp/$KERNEL_DIRNAME ]] || rk_die "$KERNEL_TARBALL has no $KERNEL_DIRNAME/"
	while IFS= read -r p; do
		[[ -r $p ]] || rk_die "$p is listed in patches/series but missing"
		rk_info "applying ${p#"$KIT"/}"
		patch -d "$tmp/$KERNEL_DIRNAME" -p1 --forward --batch --fuzz=0 \
			--no-backup-if-mismatch --quiet -i "$p" ||
			rk_die "${p#"$KIT"/} does not apply to a pristine $KERNEL_DIRNAME"
	done < <(series_patches)
	tree_digest > "$tmp/$KERNEL_DIRNAME/.relaykit-patched"
	rm -rf "$TREE"
	mv "$tmp/$KERNEL_DIRNAME" "$TREE"
	rmdir "$tmp"
}

patched() {
	[[ -f $STAMP ]] && cmp -s "$STAMP" <(tree_digest)
}

# sync_relay [-n]: net-relay/ to net/relay and its UAPI header to the tree's
# include/uapi; -n: only list what would change.
# Objects or editor files in net-relay/ must not reach the source tree
# (kbuild O= builds refuse a tree that is not clean).
sync_relay() {
	rsync -rc --delete --delete-excluded --out-format='%n' "$@" \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude='modules.order' --exclude='Module.symvers' \
		--exclude='.*.swp' --exclude='*~' \
		"$KIT/net-relay/" "$TREE/net/relay/"
	rsync -c --out-format='%n' "$@" "$KIT/$RELAY_UAPI" "$TREE/$RELAY_UAPI"
}

# The tree is current when it was made from this tarball and series and
# net/relay has net-relay/'s content.
current() {
	patched && [[ -d $TREE/net/relay ]] && [[ -z $(sync_relay -n) ]]
}

main() {
	[[ -d $KIT/net-relay ]] || rk_die "$KIT/net-relay is missing"
	# Builds running beside this one hold the tree shared; the exclusive
	# lock is only needed (and waited for) when something must change.
	lock_tree shared
	current && return 0
	lock_tree_upgrade
	patched || unpack_and_patch
	mkdir -p "$TREE/net/relay"
	sync_relay > /dev/null
}

main "$@"
