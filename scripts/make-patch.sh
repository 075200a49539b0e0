#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Write to dist/ one git-format-patch series that adds net/relay and its
# hooks to a pristine linux-source-6.1: the patches of patches/series plus a
# generated "net: relay: add in-kernel TCP and UDP relay" patch holding
# net-relay/ as net/relay (message: patches/net-relay.msg). The generated
# patch goes right before the series patch that sources net/relay/Kconfig,
# so every step of the series builds. Then apply dist/ to a fresh unpack of
# the files it touches from the tarball to check it.
#
# Usage: scripts/make-patch.sh [--no-check]

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DIST=$KIT/dist
MSG=$KIT/patches/net-relay.msg
WORK=
AUTHOR_NAME="relaykit developers"
AUTHOR_EMAIL="relaykit@example.org"

cleanup() {
	[[ -n $WORK ]] && rm -rf "$WORK"
	return 0
}

# Files (tree-relative) that a patch modifies.
patched_files() {
	sed -nE 's@^--- a/([^[:space:]]+).*@\1@p' "$@" | sort -u
}

relay_maintainers_entry() {
	local maint=$1

	grep -qx 'NETWORKING \[TCP\]' "$maint" ||
		rk_die "MAINTAINERS has no 'NETWORKING [TCP]' section to put net/relay before"
	awk '$0 == "NETWORKING [TCP]" {
		print "NETWORKING [RELAY]"
		print "M:\trelaykit developers <relaykit@example.org>"
		print "L:\tnetdev@vger.kernel.org"
		print "S:\tMaintained"
		print "F:\tinclude/uapi/linux/net_relay.h"
		print "F:\tnet/relay/"
		print ""
	} { print }' "$maint" > "$maint.new"
	mv "$maint.new" "$maint"
}

commit_relay() {
	local repo=$1 date

	mkdir -p "$repo/net/relay"
	rsync -rc --delete --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude='modules.order' --exclude='Module.symvers' \
		--exclude='.*.swp' --exclude='*~' \
		"$KIT/net-relay/" "$repo/net/relay/"
	mkdir -p "$(dirname "$repo/$RELAY_UAPI")"
	cp "$KIT/$RELAY_UAPI" "$repo/$RELAY_UAPI"
	relay_maintainers_entry "$repo/MAINTAINERS"
	git -C "$repo" add -A net/relay "$RELAY_UAPI" MAINTAINERS
	# Dated like the last kit commit of net-relay/, so that dist/ only
	# changes when the code does.
	date=$(git -C "$KIT" log -1 --format=%aD -- net-relay "$RELAY_UAPI" 2>/dev/null || true)
	GIT_AUTHOR_DATE=${date:-$(date -R)} git -C "$repo" commit -q -s -F "$MSG"
}

# Build a small git repo of the pristine files the series touches, replay
# the series with git am and add the net/relay commit at its place.
make_series() {
	local repo=$WORK/linux p relay_done=0
	local -a patches files

	mapfile -t patches < <(series_patches)
	mapfile -t files < <(patched_files "${patches[@]}"; echo MAINTAINERS)
	mkdir -p "$WORK"
	tar -C "$WORK" -xJf "$KERNEL_TARBALL" "${files[@]/#/$KERNEL_DIRNAME/}" ||
		rk_die "cannot extract ${files[*]} from $KERNEL_TARBALL"
	mv "$WORK/$KERNEL_DIRNAME" "$repo"
	git -C "$repo" init -q
	git -C "$repo" add -A
	git -C "$repo" commit -q -m "pristine $KERNEL_DIRNAME (files touched by relaykit)"
	git -C "$repo" tag base

	for p in "${patches[@]}"; do
		if [[ $relay_done -eq 0 ]] && grep -q '^+source "net/relay/Kconfig"' "$p"; then
			commit_relay "$repo"
			relay_done=1
		fi
		git -C "$repo" am -q --committer-date-is-author-date "$p" ||
			rk_die "git am ${p#"$KIT"/} failed (in $repo)"
	done
	[[ $relay_done -eq 1 ]] || commit_relay "$repo"

	rm -rf "$DIST"
	mkdir -p "$DIST"
	git -C "$repo" format-patch -q --zero-commit --no-signature -o "$DIST" base..HEAD
}

# Apply dist/ to a fresh unpack and compare net/relay with net-relay/.
# Only the files dist/ modifies are unpacked: patch reads nothing else, and
# writing the other 1.3 GB of the tree takes minutes on a busy disk.
check_series() {
	local tree=$WORK/check/$KERNEL_DIRNAME p
	local -a files

	mkdir -p "$WORK/check"
	mapfile -t files < <(patched_files "$DIST"/*.patch)
	tar -C "$WORK/check" -xJf "$KERNEL_TARBALL" "${files[@]/#/$KERNEL_DIRNAME/}" ||
		rk_die "cannot extract ${files[*]} from $KERNEL_TARBALL"
	for p in "$DIST"/*.patch; do
		patch -d "$tree" -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch \
			--quiet -i "$p" || rk_die "dist/${p##*/} does not apply to a fresh $KERNEL_DIRNAME"
	done
	diff -r -x '*.o' -x '*.ko' -x '*.mod' -x '*.mod.c' -x '.*.cmd' -x '*.a' \
		-x modules.order -x Module.symvers -x '.*.swp' -x '*~' \
		"$KIT/net-relay" "$tree/net/relay" >&2 ||
		rk_die "net/relay from dist/ differs from net-relay/"
	cmp "$KIT/$RELAY_UAPI" "$tree/$RELAY_UAPI" >&2 ||
		rk_die "$RELAY_UAPI from dist/ differs from the kit's"
	grep -q '^source "net/relay/Kconfig"' "$tree/net/Kconfig" ||
		rk_die "dist/ does not hook net/relay into net/Kconfig"
	rk_info "dist/ applies with patch -p1 --fuzz=0 to the pristine files of $KERNEL_TARBALL"
}

main() {
	local check=1

	[[ ${1:-} == --no-check ]] && check=0
	[[ -r $MSG ]] || rk_die "$MSG is missing"
	trap cleanup EXIT
	mkdir -p "$BUILD"
	WORK=$(mktemp -d "$BUILD/.make-patch.XXXXXX")
	export GIT_AUTHOR_NAME=$AUTHOR_NAME GIT_AUTHOR_EMAIL=$AUTHOR_EMAIL
	export GIT_COMMITTER_NAME=$AUTHOR_NAME GIT_COMMITTER_EMAIL=$AUTHOR_EMAIL
	# Not the user's git config: no signing, hooks or templates.
	export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

	make_series
	(cd "$KIT" && ls dist/*.patch)
	[[ $check -eq 1 ]] && check_series
	return 0
}

main "$@"
