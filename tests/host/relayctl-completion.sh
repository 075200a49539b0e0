#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl's bash completion (relayctl/relayctl.bash-completion) offers
# what docs/relayctl.8 allows at each place of a command line: global
# options and objects first, the option after -n its namespace (not an
# object), rule commands, protocols, "to" after a rule's listen address,
# connection states, tunable names (asked of `relayctl get`, a stub here,
# with the -n given) for get and for set's names but not its values, files
# for restore; nothing where a value of the user's is due.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# shellcheck source=../../relayctl/relayctl.bash-completion
source "$KIT/relayctl/relayctl.bash-completion"

# The kernel's side of `relayctl [-n NETNS] get`: three tunables, and the
# arguments it was called with, for the -n check.
relayctl()
{
	echo "$*" > "$work/stub-args"
	printf '%s\n' "udp_timeout 30" "udp_max_mappings 65536" "tcp_idle_timeout 900"
}

# completes 'WORDS' WANT...: completing the last of WORDS (a space-separated
# command line; a trailing space means an empty last word) offers WANT,
# in any order.
completes()
{
	local line=$1 got want

	shift
	read -ra COMP_WORDS <<< "$line"
	[[ $line != *" " ]] || COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_relayctl
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	want=$(printf '%s\n' "$@" | sort | xargs)
	[ "$got" = "$want" ] || fail "completing '$line': '$got', expected '$want'"
	lines=$((lines + 1))
}
lines=0

completes "relayctl " rule conns stats start stop status set get tunables monitor save restore help
completes "relayctl st" stats start stop status
completes "relayctl --n" --netns
completes "relayctl -j r" rule restore
completes "relayctl -n ns1 " rule conns stats start stop status set get tunables monitor save restore help
completes "relayctl rule " add del list show flush help
completes "relayctl rule add " tcp udp
completes "relayctl rule del u" udp
completes "relayctl rule add tcp 80 " to
completes "relayctl rule add tcp 80 to "
completes "relayctl conns " tcp udp rule state
completes "relayctl conns state e" established
completes "relayctl conns rule "
completes "relayctl get " udp_timeout udp_max_mappings tcp_idle_timeout
completes "relayctl get udp_" udp_timeout udp_max_mappings
completes "relayctl set " udp_timeout udp_max_mappings tcp_idle_timeout
completes "relayctl set udp_timeout "
completes "relayctl set udp_timeout 30 t" tcp_idle_timeout
completes "relayctl -n ns1 tunables t" tcp_idle_timeout
[ "$(cat "$work/stub-args")" = "-n ns1 get" ] ||
	fail "tunable names were asked with '$(cat "$work/stub-args")', expected '-n ns1 get'"
touch "$work/rules.conf" "$work/rules.old"
completes "relayctl restore $work/rules." "$work/rules.conf" "$work/rules.old"
completes "relayctl restore $work/rules.conf "
note "$lines command lines complete as docs/relayctl.8 has them"
