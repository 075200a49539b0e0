#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner's background builds (tests/lib/prebuild.sh) without building a
# kernel: with prebuild_cmd replaced by a stub, the steps run in build order
# whatever order they are asked in, a step that fails reports its log, and
# one that works reports nothing. Then the order of the suite, from the
# runner's own discovery (tests/lib/discover.sh, sourced): every test that
# needs a build comes after the UML tests that need none, in build order;
# the x86 group (which needs x86) after the other tests that need x86.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/prebuild.sh
source "$KIT/tests/lib/prebuild.sh"

work=$(mktemp -d)
trap 'prebuild_stop; rm -rf "$work"' EXIT
relpath() { echo "$1"; }

# The stub: two steps of its own (the suite has one, x86) in build order
# first, second; first fails, second works; each appends its name to a
# file, and second ticks into another for a while, so that a pause can be
# seen.
SUITE_STEPS=("${PREBUILD_STEPS[@]}")
PREBUILD_STEPS=(first second)
# shellcheck disable=SC2317 # called by prebuild_start's subshell
prebuild_cmd()
{
	echo "$1" >> "$work/order"
	# A process of its own, as make is.
	if [ "$1" = second ]; then
		bash -c 'for i in $(seq 30); do echo "$i" >> "$1"; sleep 0.1; done' - "$work/ticks"
	fi
	[ "$1" != first ]
}

# ticking: true when the stub build's ticks grow within a second.
ticking()
{
	local n

	n=$(wc -l < "$work/ticks")
	sleep 1
	(($(wc -l < "$work/ticks") > n))
}

prebuild_start "$work/pb" second first
prebuild_wait second 60 || fail "second: $PREBUILD_WHY"
if prebuild_wait first 60; then
	fail "a failing first build step was reported as built"
fi
[[ $PREBUILD_WHY == *"background build of first failed"*"$work/pb/first.log"* ]] ||
	fail "the failed step's reason does not name its log: '$PREBUILD_WHY'"
[ "$(paste -sd' ' "$work/order")" = "first second" ] ||
	fail "steps ran as '$(paste -sd' ' "$work/order")', not in build order (first second)"
# Stopped builds make no progress, and go on when resumed; a stopped
# group can still be ended.
: > "$work/ticks"
prebuild_start "$work/pause" second
sleep 0.5
prebuild_pause || fail "prebuild_pause found no running build"
sleep 0.3
[ -s "$work/ticks" ] || fail "the stub build did not tick before the pause"
! ticking || fail "paused builds went on"
prebuild_resume
prebuild_wait second 30 || fail "second after resume: $PREBUILD_WHY"
[ "$(wc -l < "$work/ticks")" = 30 ] || fail "the resumed build did not finish its ticks"
: > "$work/ticks"
prebuild_start "$work/pause-stop" second
sleep 0.3
prebuild_pause || fail "prebuild_pause found no running build (2)"
prebuild_stop
if prebuild_wait second 1; then
	fail "a paused build that was stopped was reported as built"
fi
log "pause: no progress while stopped, done after resume; a stopped build can be ended"

# A build whose subshell died (killed by hand) is still ended by
# prebuild_stop: its make would build on otherwise.
: > "$work/ticks"
prebuild_start "$work/orphan" second
sleep 0.3
kill -KILL "$PREBUILD_PID"
sleep 0.3
prebuild_stop
sleep 0.3
! ticking || fail "prebuild_stop left the build of a dead subshell running"

prebuild_start "$work/none"
if prebuild_wait second 5; then
	fail "a step that was never started was reported as built"
fi
log "stub builds: order, failure and reasons as expected"

# The suite's order. NAME of a test file as run.sh names it.
name_of()
{
	local f=$1 base

	base=$(basename "$f" .sh)
	case $f in
	*/host/*) echo "host:$base" ;;
	*/kunit/*) echo "kunit:$base" ;;
	*/integration/*) echo "integration:${base#[0-9][0-9]-}" ;;
	esac
}
PREBUILD_STEPS=("${SUITE_STEPS[@]}")
declare -A rank=()
for f in "$KIT"/tests/host/*.sh "$KIT"/tests/kunit/*.sh "$KIT"/tests/integration/[0-9][0-9]-*.sh; do
	needs=$(sed -n 's/^# relaykit-test: needs=//p' "$f" | head -n 1)
	r=0
	for step in $needs; do
		s=$(prebuild_rank "$step") || fail "$f: unknown build step '$step'"
		((s > r)) && r=$s
	done
	rank[$(name_of "$f")]=$r
	# Its IPv6 twin (tests/lib/discover.sh).
	! grep -q '^# relaykit-test: families=4 6$' "$f" || rank[$(name_of "$f")/ipv6]=$r
done
((${#rank[@]} > 10)) || fail "found only ${#rank[@]} tests"

x86_rank=$(prebuild_rank x86)
TESTS=$KIT/tests
# shellcheck source=../lib/discover.sh
source "$KIT/tests/lib/discover.sh"
RELAYKIT_X86=1 RELAYKIT_KUNIT_PY=1
discover
order_tests
names=("${NAMES[@]}")
last=0
seen_x86=0
deferred=0
twins=0
for n in "${names[@]}"; do
	[[ $n != */ipv6 ]] || twins=$((twins + 1))
	if [[ $n == x86:* ]]; then
		((last <= x86_rank)) || fail "$n comes after a test of build step rank $last"
		last=$x86_rank
		seen_x86=1
		continue
	fi
	[ -n "${rank[$n]+set}" ] || fail "discover found $n, which no test file gives"
	((rank[$n] >= last)) || fail "$n (build step rank ${rank[$n]}) comes after a test of rank $last"
	((!seen_x86 || rank[$n] > x86_rank)) || fail "$n (rank ${rank[$n]}) comes after the x86 group"
	last=${rank[$n]}
	((rank[$n] == 0)) || deferred=$((deferred + 1))
done
((seen_x86)) || fail "no x86 test listed"
((twins >= 2)) || fail "$twins IPv6 twins listed: families=4 6 gives none"
((deferred >= 1)) || fail "no test needs a background build; expected compile-hygiene"
note "stub builds ok; ${#names[@]} tests in order ($twins IPv6 twins), $deferred after the background builds"
