#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the kernel's checkpatch.pl --strict on net/relay/*.[ch] (as copied
# into the kit tree, so the net/-specific rules apply) and on dist/*.patch.
# Fails on any ERROR, WARNING or CHECK. Run scripts/make-patch.sh first for
# dist/ (make checkpatch does).

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CHECKPATCH_OPTS=(--strict --no-tree --terse --show-types --color=never)

main() {
	local rc=0 f
	local -a sources patches

	"$KIT/scripts/kernel-tree.sh"
	cd "$TREE"
	mapfile -t sources < <(find net/relay -maxdepth 1 -name '*.[ch]' | sort)
	[[ ${#sources[@]} -gt 0 ]] || rk_die "no net/relay/*.[ch] in $TREE"
	mapfile -t patches < <(find "$KIT/dist" -maxdepth 1 -name '*.patch' 2>/dev/null | sort)
	[[ ${#patches[@]} -gt 0 ]] || rk_die "no dist/*.patch; run make patch first"

	echo "checkpatch: ${sources[*]}"
	./scripts/checkpatch.pl "${CHECKPATCH_OPTS[@]}" -f "${sources[@]}" || rc=1
	for f in "${patches[@]}"; do
		echo "checkpatch: dist/${f##*/}"
		./scripts/checkpatch.pl "${CHECKPATCH_OPTS[@]}" "$f" || rc=1
	done
	if [[ $rc -ne 0 ]]; then
		rk_err "problems found (above)"
	else
		echo "checkpatch: clean"
	fi
	return "$rc"
}

main "$@"
