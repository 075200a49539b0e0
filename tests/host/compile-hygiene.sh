#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# net/relay compiles with no warning under W=1 and sparse (C=2), on both
# architectures the kit builds: UML (build/uml-debug) and x86_64 (build/x86,
# unless RELAYKIT_X86=0). scripts/compile-hygiene.sh does the work.
# relaykit-test: needs=x86
# Alone (a parallel run puts it after the lanes): it rebuilds net_relay.ko
# in build/uml-debug and build/x86, which the lanes' guests load.
# relaykit-test: exclusive
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

kinds=(debug)
[ "${RELAYKIT_X86:-1}" = 0 ] || kinds+=(x86)
"$KIT/scripts/compile-hygiene.sh" "${kinds[@]}" ||
	fail "net/relay has W=1 or sparse warnings, or does not build (${kinds[*]}); see build/log/hygiene-*.log"
note "W=1 and sparse clean: ${kinds[*]}"
