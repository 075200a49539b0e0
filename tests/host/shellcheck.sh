#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run shellcheck (all severities, following sourced files) on every shell script
# of the kit: *.sh and files with a sh/bash shebang in lib/, uml/, tests/, bench/,
# rootfs-scripts/, scripts/, and .ci/run.  Zero findings.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

cd "$KIT"
command -v shellcheck > /dev/null || fail "shellcheck not installed (scripts/install-deps.sh)"

is_shell()
{
	case $1 in
	*.sh) return 0 ;;
	esac
	grep -Eq '^#!.*[/ ](ba|da)?sh( |$)' <<< "$(head -n 1 "$1" 2> /dev/null)"
}

files=()
while IFS= read -r -d '' f; do
	is_shell "$f" && files+=("$f")
done < <(find lib uml tests bench rootfs-scripts scripts -type f -print0 2> /dev/null | sort -z)
[ -e .ci/run ] && files+=(.ci/run)
((${#files[@]})) || fail "no shell scripts found"

log "shellcheck on ${#files[@]} files:"
printf '  %s\n' "${files[@]}"
# Each file is checked from its own directory's .shellcheckrc upwards.
out=$(shellcheck --color=never -x "${files[@]}" 2>&1) || {
	echo "$out"
	n=$(echo "$out" | grep -c '^In ')
	first=$(echo "$out" | grep -m1 '^In ' | sed 's/^In //; s/:$//')
	fail "$n findings, first in $first"
}
