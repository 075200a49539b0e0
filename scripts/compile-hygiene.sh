#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Compile hygiene of net/relay: recompile it with W=1 (extra gcc warnings)
# and C=2 (sparse on every file) in the kernels where it is a module with
# every option on: build/uml-debug (ARCH=um) and build/x86 (x86_64). Any
# warning or error fails, and is printed with the kernel it came from.
#
# Usage: scripts/compile-hygiene.sh [debug|x86...]     (default: debug x86)
# Needs the kernels built already (make kernel-debug, make x86): only
# net/relay is compiled here. Logs: build/log/hygiene-KIND.log.
#
# The objects are deleted first, so that every file really is compiled with
# W=1; then net/relay is built again the normal way (seconds), so that the
# module and its .gcno files match (make coverage pairs them).

set -euo pipefail
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# check KIND: prints the offending lines; returns 1 if there are any.
check() {
	local kind=$1 log bad other

	kind_setup "$kind" || rk_die "unknown kernel kind '$kind' (debug, x86)"
	lock_out "$KOUT"
	log=$LOGDIR/hygiene-$kind.log
	[[ -f $KOUT/.config && -f $KOUT/include/generated/autoconf.h ]] ||
		rk_die "${KOUT#"$KIT"/} is not built yet (make ${kind/debug/kernel-debug})"
	grep -qE '^CONFIG_NET_RELAY=[ym]' "$KOUT/.config" ||
		rk_die "${KOUT#"$KIT"/}/.config has no CONFIG_NET_RELAY"
	command -v sparse > /dev/null || rk_die "sparse not found (scripts/install-deps.sh)"

	rm -f "$KOUT"/net/relay/*.o "$KOUT"/net/relay/.*.o.cmd
	rk_info "$kind: W=1 C=2 net/relay/ (log: ${log#"$KIT"/})"
	if ! kmake "$KOUT" -j"$JOBS" W=1 C=2 net/relay/ > "$log" 2>&1; then
		rk_err "$kind: build failed:"
		grep -E 'error|warning' "$log" >&2 || tail -n 20 "$log" >&2
		return 1
	fi
	# gcc and sparse both say "warning:" / "error:". W=1 also recompiles
	# the arch's asm-offsets files (their command line changed), which
	# have W=1 warnings of their own: only net/relay's count.
	other=$(grep -E '(warning|error):' "$log" | grep -Ev '(^|/)net/relay/' || true)
	[[ -z $other ]] ||
		rk_info "$kind: ignored, outside net/relay: $(wc -l <<< "$other") warning line(s), see ${log#"$KIT"/}"
	bad=$(grep -E '(warning|error):' "$log" | grep -E '(^|/)net/relay/' | sort -u || true)
	if [[ -n $bad ]]; then
		rk_err "$kind: warnings in net/relay (W=1, sparse):"
		printf '%s\n' "$bad" >&2
		return 1
	fi
	rk_info "$kind: clean ($(grep -c '^  CHECK' "$log") files checked by sparse)"
}

# restore KIND: build net/relay again as the kit builds it, so that the
# objects, the module and its gcov notes (.gcno) match each other again.
restore() {
	local kind=$1 log

	kind_setup "$kind"
	log=$LOGDIR/hygiene-$kind-restore.log
	if ! kmake "$KOUT" -j"$JOBS" all > "$log" 2>&1; then
		rk_err "$kind: rebuild after the check failed, see $log"
		return 1
	fi
}

main() {
	local kind rc=0
	local -a kinds=("$@")

	((${#kinds[@]})) || kinds=(debug x86)
	"$KIT/scripts/kernel-tree.sh"
	mkdir -p "$LOGDIR"
	for kind in "${kinds[@]}"; do
		check "$kind" || rc=1
		restore "$kind" || rc=1
	done
	return "$rc"
}

main "$@"
