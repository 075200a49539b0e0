# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The suite's tests, found and put in order; sourced by tests/run.sh (and
# by tests/host/prebuild.sh, which checks the order). Uses TESTS, and
# prebuild_rank (tests/lib/prebuild.sh).
#
# discover fills one entry per test in parallel arrays: NAMES (host:NAME,
# kunit:NAME, integration:NAME, x86:NAME), GROUPS_, FILES, GUESTS (1: needs
# the phase's topology), NEEDS_ (background builds it waits for), SKIPS_
# (why the environment leaves it out) and EXCL_ (1: "# relaykit-test:
# exclusive", it must not share the machine), QUICK_ (1: "#
# relaykit-test: quick", one of make check's) and FAMILY_ (the address
# family the test relays: 4, or 6 for the IPv6 twin NAME/ipv6 that a "#
# relaykit-test: families=4 6" line asks for); order_tests puts the tests
# that wait for a build last. matches and selected apply the command
# line's PATTERNS, and selected the names of a lane or of make check
# (select_names, select_quick).

# The integration tests the x86 group runs again: what the relay does, and
# the detectors the x86 kernel has and UML has not (DEBUG_ATOMIC_SLEEP) or
# has as well (lockdep), not stability, gdb or KUnit. The detectors last.
X86_TESTS='exec proc tcp-* rule-errors rule-writers udp-* detect-atomic-sleep detect-lockdep'

NAMES=()
FILES=()
GROUPS_=()
GUESTS=()
NEEDS_=()
SKIPS_=()
EXCL_=()
QUICK_=()
FAMILY_=()

# add_test NAME GROUP FILE [SKIP-REASON [FAMILY]]: a kunit or integration
# test needs the topology unless it says "# relaykit-test: no-guests"
# (kunit.py, which boots its own kernel).
# NEEDS_: the background builds it waits for (prebuild.sh's steps): its
# "# relaykit-test: needs=STEP..." line; the x86 group needs x86. Steps the
# run leaves out (RELAYKIT_X86=0) are not needed.
# SKIPS_: why a test the environment leaves out is reported as skipped
# (RELAYKIT_X86=0, RELAYKIT_KUNIT_PY=0) instead of vanishing; such a test
# needs nothing.
add_test()
{
	local guests=1 needs step skip=${4:-}
	local -a kept=()

	[ "$2" = host ] || [ -n "$skip" ] && guests=0
	grep -q '^# relaykit-test: no-guests' "$3" && guests=0
	needs=$(sed -n 's/^# relaykit-test: needs=//p' "$3" | head -n 1)
	[ "$2" = x86 ] && needs+=" x86"
	[ -z "$skip" ] || needs=
	for step in $needs; do
		[ "$step" = x86 ] && [ "${RELAYKIT_X86:-1}" != 1 ] && continue
		[[ " ${kept[*]} " == *" $step "* ]] || kept+=("$step")
	done
	NAMES+=("$1")
	GROUPS_+=("$2")
	FILES+=("$3")
	GUESTS+=("$guests")
	NEEDS_+=("${kept[*]}")
	SKIPS_+=("$skip")
	if grep -q '^# relaykit-test: exclusive$' "$3"; then EXCL_+=(1); else EXCL_+=(0); fi
	if grep -q '^# relaykit-test: quick$' "$3"; then QUICK_+=(1); else QUICK_+=(0); fi
	FAMILY_+=("${5:-4}")
}

# add_relay_test NAME GROUP FILE [SKIP-REASON]: add_test, and the IPv6 twin
# NAME/ipv6 when FILE says "# relaykit-test: families=4 6" (tests/lib/
# guest.sh gives it the IPv6 addresses).
add_relay_test()
{
	add_test "$@"
	grep -q '^# relaykit-test: families=4 6$' "$3" || return 0
	add_test "$1/ipv6" "$2" "$3" "${4:-}" 6
}

# order_tests: the tests that need a background build after the others
# (so the build has the others' time), by their last step in build order;
# the x86 group needs x86 and comes after the other tests that do.
order_tests()
{
	local i step r rank
	local -a keys order
	local -a o_names=("${NAMES[@]}") o_groups=("${GROUPS_[@]}") o_files=("${FILES[@]}")
	local -a o_guests=("${GUESTS[@]}") o_needs=("${NEEDS_[@]}") o_skips=("${SKIPS_[@]}")
	local -a o_excl=("${EXCL_[@]}") o_quick=("${QUICK_[@]}") o_family=("${FAMILY_[@]}")

	for i in "${!o_names[@]}"; do
		rank=0
		for step in ${o_needs[$i]}; do
			r=$(prebuild_rank "$step") || {
				echo "${0##*/}: ${o_files[$i]}: unknown build step '$step' in needs=" >&2
				exit 2
			}
			((r > rank)) && rank=$r
		done
		keys+=("$(printf '%d %04d' "$rank" "$i")")
	done
	mapfile -t order < <(printf '%s\n' "${keys[@]}" | sort | cut -d' ' -f2)
	NAMES=() GROUPS_=() FILES=() GUESTS=() NEEDS_=() SKIPS_=() EXCL_=() QUICK_=() FAMILY_=()
	for i in "${order[@]}"; do
		i=$((10#$i))
		NAMES+=("${o_names[$i]}")
		GROUPS_+=("${o_groups[$i]}")
		FILES+=("${o_files[$i]}")
		GUESTS+=("${o_guests[$i]}")
		NEEDS_+=("${o_needs[$i]}")
		SKIPS_+=("${o_skips[$i]}")
		EXCL_+=("${o_excl[$i]}")
		QUICK_+=("${o_quick[$i]}")
		FAMILY_+=("${o_family[$i]}")
	done
}

discover()
{
	local f base skip

	for f in "$TESTS"/host/*.sh; do
		[ -e "$f" ] || continue
		add_test "host:$(basename "$f" .sh)" host "$f"
	done
	for f in "$TESTS"/kunit/*.sh; do
		[ -e "$f" ] || continue
		base=$(basename "$f" .sh)
		skip=
		if [ "$base" = kunit.py ] && [ "${RELAYKIT_KUNIT_PY:-1}" != 1 ]; then
			skip="left out: RELAYKIT_KUNIT_PY=${RELAYKIT_KUNIT_PY}"
		fi
		add_test "kunit:$base" kunit "$f" "$skip"
	done
	for f in "$TESTS"/integration/[0-9][0-9]-*.sh; do
		[ -e "$f" ] || continue
		base=$(basename "$f" .sh)
		add_relay_test "integration:${base#[0-9][0-9]-}" integration "$f"
	done
	skip=
	[ "${RELAYKIT_X86:-1}" = 1 ] || skip="left out: RELAYKIT_X86=${RELAYKIT_X86}"
	for f in "$TESTS"/integration/[0-9][0-9]-*.sh; do
		[ -e "$f" ] || continue
		base=$(basename "$f" .sh)
		base=${base#[0-9][0-9]-}
		x86_test "$base" || continue
		add_relay_test "x86:$base" x86 "$f" "$skip"
	done
}

# x86_test NAME: true when the x86 group runs integration test NAME.
x86_test()
{
	local p pats

	read -ra pats <<< "$X86_TESTS"
	for p in "${pats[@]}"; do
		# shellcheck disable=SC2053 # the pattern is a glob on purpose
		[[ $1 == $p ]] && return 0
	done
	return 1
}

# matches NAME: true when NAME is selected by the command line patterns.
matches()
{
	local p

	((${#PATTERNS[@]})) || return 0
	for p in "${PATTERNS[@]}"; do
		# shellcheck disable=SC2053 # the pattern is a glob on purpose
		[[ $1 == *$p* ]] && return 0
	done
	return 1
}

# select_names FILE: from now on select only the tests FILE names, one a
# line (a lane of a parallel run, tests/lib/lanes.sh; no FILE: none).
SELECT_SET=0
declare -A SELECT_NAMES=()
select_names()
{
	local name

	SELECT_SET=1
	SELECT_NAMES=()
	[ -e "$1" ] || return 0
	while read -r name; do
		SELECT_NAMES[$name]=1
	done < "$1"
}

# select_quick: from now on select only the quick tests (make check), on
# UML: the x86 group would wait for the x86 kernel and boot QEMU.
select_quick()
{
	local i

	select_names /dev/null
	for i in "${!NAMES[@]}"; do
		[ "${QUICK_[$i]}" = 0 ] || [ "${GROUPS_[$i]}" = x86 ] || SELECT_NAMES[${NAMES[$i]}]=1
	done
}

# Sub-tests (KUnit cases) are only known after the run; a pattern that
# names one ("kunit:nrelay_rule") selects the test file that reports it.
selected()
{
	local name=$1 group=$2 p

	((!SELECT_SET)) || [ -n "${SELECT_NAMES[$name]:-}" ] || return 1
	matches "$name" && return 0
	if [ "$group" = kunit ]; then
		for p in "${PATTERNS[@]}"; do
			[[ $p == kunit* ]] && return 0
		done
	fi
	return 1
}
