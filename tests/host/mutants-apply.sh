#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every planted bug of make mutants (tests/mutants/*.patch) still applies
# to net-relay/ as tests/mutants.sh applies it: code that moves (udp.c
# split by family) must take its mutants along, or the mutation proof
# silently loses them ("BROKEN" only shows in a run of make mutants).
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

shopt -s nullglob
mutants=("$KIT"/tests/mutants/*.patch)
((${#mutants[@]})) || fail "no tests/mutants/*.patch"
bad=()
for m in "${mutants[@]}"; do
	out=$(patch -s -p1 --dry-run -d "$KIT" < "$m" 2>&1) ||
		bad+=("$(basename "$m"): ${out##*$'\n'}")
done
((${#bad[@]} == 0)) || fail "${#bad[@]} mutant(s) do not apply: ${bad[*]}"
note "${#mutants[@]} mutants apply"
