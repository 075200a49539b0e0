#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The integration tests again with the relay on the x86_64 kernel under QEMU
# (uml/topology/x86.topo: UML client and server, QEMU relay, bridge
# networks): tests/run.sh with TOPOLOGY set, so the same tests, the same
# kernel log checks and the same summary line.
#
#   tests/x86/run.sh [PATTERN...]
#
# Default patterns: exec, ping, services, /proc, the TCP and UDP tests and
# the rules file (not the detector, gdb and stability tests).
# The detector tests (90-93) need the UML debug kernel's canaries and skip
# themselves; KUnit runs at module load only when asked (kunit.enable=0 in
# x86.topo). Needs build/x86 (make x86).
set -euo pipefail

TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=$(dirname "$TESTS")

for f in "$KIT/build/x86/arch/x86/boot/bzImage" "$KIT/build/x86/net/relay/net_relay.ko"; do
	[[ -f $f ]] || { echo "${0##*/}: $f missing: run 'make x86' first" >&2; exit 1; }
done
(($#)) || set -- integration:exec integration:ping integration:server-services integration:proc \
	integration:tcp- integration:udp- integration:rule-errors
TOPOLOGY=$KIT/uml/topology/x86.topo exec "$TESTS/run.sh" "$@"
