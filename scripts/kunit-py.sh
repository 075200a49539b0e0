#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel's own KUnit runner, tools/testing/kunit/kunit.py, on net/relay's
# .kunitconfig, in a build directory of its own (build/kunit: a UML kernel
# with just the tests), with the kit's compiler (ccache) and build locks.
#
# Usage: scripts/kunit-py.sh build|run [KUNIT_PY_OPTION...]
#   build   configure and build the KUnit kernel (make test does this in
#           the background while other tests run)
#   run     the same, then boot it and print the parsed KTAP results

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
	local cmd=${1:-} out=$BUILD/kunit
	local -a args

	[[ $cmd == build || $cmd == run ]] ||
		die "usage: ${0##*/} build|run [KUNIT_PY_OPTION...]"
	shift
	"$KIT/scripts/kernel-tree.sh"
	[[ -e $TREE/net/relay/.kunitconfig ]] ||
		die "net/relay/.kunitconfig missing (net-relay/.kunitconfig in the kit)"
	lock_out "$out"
	args=(--kunitconfig=net/relay --build_dir="$out" --arch=um
		--jobs="$JOBS" --make_options "CC=$KCC")
	[[ $cmd == run ]] && args+=(--timeout=300)
	cd "$TREE"
	# exec keeps the locks: the descriptors stay open in kunit.py.
	exec ./tools/testing/kunit/kunit.py "$cmd" "${args[@]}" "$@"
}

main "$@"
