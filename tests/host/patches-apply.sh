#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# patches/series applies, in order and without fuzz or offsets, to the
# pristine linux-source-6.1 tarball.  Only the files the patches touch are
# unpacked, so this is quick and independent of build/.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SERIES=$KIT/patches/series
[ -r "$TARBALL" ] || fail "$TARBALL missing (package linux-source-6.1)"
[ -r "$SERIES" ] || fail "$SERIES missing"

mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SERIES")
((${#patches[@]})) || fail "$SERIES lists no patch"
for p in "${patches[@]}"; do
	[ -r "$KIT/patches/$p" ] || fail "patches/$p (listed in series) missing"
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Files the series modifies (new files come from /dev/null).
mapfile -t touched < <(for p in "${patches[@]}"; do
	sed -n 's|^--- a/\([^[:space:]]*\).*|\1|p' "$KIT/patches/$p"
done | sort -u)
# The tarball's top directory is named like the tarball.
top=$(basename "$TARBALL" .tar.xz)
if ((${#touched[@]})); then
	tar -xJf "$TARBALL" -C "$work" "${touched[@]/#/$top/}" ||
		fail "files the patches modify are not in $TARBALL"
fi
mkdir -p "$work/$top"

for p in "${patches[@]}"; do
	out=$(cd "$work/$top" && patch -p1 --no-backup-if-mismatch -F0 < "$KIT/patches/$p" 2>&1) || {
		echo "$out"
		fail "patches/$p does not apply to pristine $top"
	}
	echo "$out"
	if grep -Eq 'offset|fuzz' <<< "$out"; then
		fail "patches/$p applies only with offset or fuzz: refresh it"
	fi
	log "patches/$p: applies"
done
