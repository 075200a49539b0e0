#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Mutation proof of the suite (make mutants): each patch in tests/mutants/
# plants one realistic bug in a copy of net-relay/; the tests its
# "Caught-by:" line names must catch it.
#
#   tests/mutants.sh [-k] [MUTANT...]
#
# MUTANT: a patch's name or number ("03", "03-tcp-fin-before-drain");
# default all.  For each: the copy, with the patch applied, is built as an
# external module against the debug kernel (M=, in build/mutants/NAME; the
# kernel is not rebuilt), and tests/run.sh runs the named tests on a
# topology whose relay loads that module (RELAYKIT_NET_RELAY_KO).  First
# the unpatched copy runs every named test the same way: when that fails,
# a mutant's failure would prove nothing, and nothing else runs.
# One line per mutant, "caught" (with the tests that failed), "SURVIVED",
# or "BROKEN" (did not apply or build, or its topology did not start), then
# "N caught, N survived"; exit status 1 if any survived, 2 if the baseline
# failed or a mutant broke.
# build/mutants/ (the mutants' sources, modules and test output) is removed
# at the end unless -k is given or a mutant survived or broke.
set -euo pipefail

TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scripts/common.sh
. "$TESTS/../scripts/common.sh"
MUTANTS=$TESTS/mutants
WORK=$BUILD/mutants

usage()
{
	sed -n 's/^#   //p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

keep=0
while (($#)); do
	case $1 in
	-k) keep=1; shift ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done

# select_patches [MUTANT...]: the patch files chosen, in order.
select_patches()
{
	local want p found

	if (($# == 0)); then
		printf '%s\n' "$MUTANTS"/*.patch
		return 0
	fi
	for want in "$@"; do
		found=
		for p in "$MUTANTS"/*.patch; do
			case $(basename "$p" .patch) in
			"$want" | "$want"-*) found=$p ;;
			esac
		done
		[ -n "$found" ] || rk_die "no mutant '$want' in ${MUTANTS#"$KIT"/}"
		echo "$found"
	done
}

caught_by()
{
	sed -n '/^Caught-by: /{s///p;q}' "$1"
}

# build_module NAME [PATCH]: net-relay/ copied to $WORK/NAME, PATCH applied,
# built against the debug kernel; prints the module's path.
build_module()
{
	local name=$1 patch=${2:-} dir=$WORK/$1

	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$KIT/net-relay" "$dir/"
	if [ -n "$patch" ] && ! patch -s -p1 -d "$dir" < "$patch" > "$dir/patch.log" 2>&1; then
		rk_info "$name: the patch does not apply: $(tail -n 1 "$dir/patch.log")"
		return 1
	fi
	if ! (lock_out "$(kernel_dir debug)" &&
		kmake "$(kernel_dir debug)" M="$dir/net-relay" modules) > "$dir/build.log" 2>&1; then
		rk_info "$name: the module does not build (${dir#"$KIT"/}/build.log)"
		return 1
	fi
	echo "$dir/net-relay/net_relay.ko"
}

# run_tests KO OUT TEST...: tests/run.sh on TEST... with the relay loading
# KO, its output in OUT; exit status that of tests/run.sh.
run_tests()
{
	local ko=$1 out=$2

	shift 2
	RELAYKIT_NET_RELAY_KO=$ko RELAYKIT_X86=0 RELAYKIT_KUNIT_PY=0 \
		"$TESTS/run.sh" "$@" > "$out" 2>&1
}

main()
{
	local patches patch name tests ko out rc caught=0 survived=0 broken=0 failed
	local -a all=() names

	[ -e "$(kernel_stamp debug)" ] || rk_die "the debug kernel is not built: make kernel-debug"
	mapfile -t patches < <(select_patches "$@")
	for patch in "${patches[@]}"; do
		tests=$(caught_by "$patch")
		[ -n "$tests" ] || rk_die "$(basename "$patch"): no 'Caught-by:' line"
		read -ra names <<< "$tests"
		all+=("${names[@]}")
	done
	mapfile -t all < <(printf '%s\n' "${all[@]}" | sort -u)

	mkdir -p "$WORK"
	ko=$(build_module baseline) || exit 2
	out=$WORK/baseline/tests.out
	if ! run_tests "$ko" "$out" "${all[@]}"; then
		grep '^FAIL ' "$out" >&2 || tail -n 5 "$out" >&2
		rk_die "the unpatched module fails the tests that are to catch the mutants (${out#"$KIT"/}): fix that first"
	fi
	echo "baseline: $(tail -n 1 "$out") (${all[*]})"

	for patch in "${patches[@]}"; do
		name=$(basename "$patch" .patch)
		read -ra names <<< "$(caught_by "$patch")"
		if ! ko=$(build_module "$name" "$patch"); then
			echo "BROKEN   $name"
			broken=$((broken + 1))
			continue
		fi
		out=$WORK/$name/tests.out
		rc=0
		run_tests "$ko" "$out" "${names[@]}" || rc=$?
		if ((rc == 0)); then
			echo "SURVIVED $name: $(sed -n 's/^Mutant: //p' "$patch") (${names[*]} passed)"
			survived=$((survived + 1))
		elif grep -q 'start-topology.sh failed' "$out"; then
			# Not the tests: the guests did not come up.
			echo "BROKEN   $name: the topology did not start (${out#"$KIT"/})"
			broken=$((broken + 1))
		else
			failed=$(sed -n 's/^FAIL \([^ ]*\): .*/\1/p' "$out" | sort -u | tr '\n' ' ')
			echo "caught   $name by ${failed:-tests/run.sh (exit status)}"
			caught=$((caught + 1))
		fi
	done
	# What did not go as it should stays for a look.
	((keep || survived || broken)) || rm -rf "$WORK"
	echo "$caught caught, $survived survived$( ((broken == 0)) || echo ", $broken broken")"
	((broken == 0)) || exit 2
	((survived == 0)) || exit 1
}

main "$@"
