#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.pl --strict on net/relay and the patch series (make checkpatch,
# which writes the series with make patch first).  No ERROR, WARNING or CHECK.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

out=$(make -C "$KIT" --no-print-directory checkpatch 2>&1) || {
	echo "$out"
	first=$(echo "$out" | grep -Em1 ': (ERROR|WARNING|CHECK):' || true)
	fail "make checkpatch: ${first:-$(echo "$out" | tail -n 1)}"
}
echo "$out"
