#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The short soak: 2 minutes of mixed traffic with connection and mapping
# churn and rule changes, the relay guest's memory sampled every 10 s
# (tests/stability/soak.sh, the same as `make soak DURATION=30m`); the test
# fails when the curve is not flat.  CSV and plot: run/soak/suite-<run>/.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap relay_restore EXIT
out=$KIT/run/soak/suite-$RUN
"$KIT/tests/stability/soak.sh" -d "${STAB_SOAK_DURATION:-120s}" -i "${STAB_SOAK_INTERVAL:-10s}" -o "$out" ||
	fail "soak: $(grep -h 'NOT FLAT\|soak: ' "$out/verdict.txt" 2> /dev/null | tail -n 1 || echo "see the log")"
verdict=$(cat "$out/verdict.txt")
note "${verdict#soak: }"
