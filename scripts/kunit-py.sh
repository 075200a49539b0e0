#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The kernel's own KUnit runner, tools/testing/kunit/kunit.py, on
# net/relay's suites without a kernel built for it alone:
#   1. kunit.py config --kunitconfig=net/relay in build/kunit-config: the
#      kunitconfig still resolves to a configuration with the suites in
#      (seconds; nothing is compiled);
#   2. kunit.py exec on the release kernel (build/uml-release), which has
#      net_relay built in and its suites linked in but off
#      (KUNIT_DEFAULT_ENABLED=n): kunit.py boots it with kunit.enable=1 and
#      parses the KTAP.
# (kunit.py run would reconfigure the release kernel: it wants its own
# arch options, PCI over virtio, in the .config.) `kunit.py run
# --kunitconfig=net/relay` in a build directory of its own works as well
# (docs/debugging.md).
#
# Usage: scripts/kunit-py.sh [KUNIT_PY_EXEC_OPTION...]

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
	local release config=$BUILD/kunit-config

	release=$(kernel_dir release)
	"$KIT/scripts/kernel-build.sh" --if-stale release
	[[ -e $TREE/net/relay/.kunitconfig ]] ||
		rk_die "net/relay/.kunitconfig missing (net-relay/.kunitconfig in the kit)"
	grep -qx 'CONFIG_NET_RELAY_KUNIT_TEST=y' "$release/.config" ||
		rk_die "${release#"$KIT"/} has no net/relay KUnit suites (uml/configs/release.config)"
	cd "$TREE"
	(
		lock_out "$config"
		./tools/testing/kunit/kunit.py config --kunitconfig=net/relay \
			--build_dir="$config" --arch=um --make_options "CC=$KCC"
	) || rk_die "kunit.py config --kunitconfig=net/relay failed"
	lock_out "$release"
	exec ./tools/testing/kunit/kunit.py exec --build_dir="$release" \
		--timeout=300 "$@"
}

main "$@"
