#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# relaykit test runner (`make test`).
#
#   tests/run.sh [-k] [-l] [-j N|auto] [--quick] [--repeat N] [PATTERN...]
#
# Runs the groups in order: host (tests/host/*.sh, no guests), kunit
# (tests/kunit/*.sh), integration (tests/integration/NN-*.sh) and x86 (the
# relay's TCP, UDP and /proc tests again, on an x86_64 relay guest under
# QEMU: uml/topology/x86.topo).  kunit and integration share one UML
# topology (RUN=test-<pid>), started before the first test that needs it
# and stopped when the x86 group or the end comes; x86 has its own
# (RUN=test-<pid>-x86), with its own boot and shutdown checks.  The
# release and x86 kernels are built in the background meanwhile
# (tests/lib/prebuild.sh): the tests that need one ("# relaykit-test:
# needs=...") run after the other UML tests and wait for it; a test with a
# line "# relaykit-test: exclusive" runs with those builds stopped.  After
# every guest test the guests'
# kernel logs are checked (tests/lib/klog.sh): any warning, oops, lockdep,
# KASAN or relay kmemleak report fails that test.
#
# Output: one line per test, the tail of each failing test's log, then the
# single summary line "N passed, N failed[, N skipped]".  Exit 0 only when
# nothing failed.  Full logs: run/test-logs/<timestamp>/<test>.log.
#
#   PATTERN   run only tests whose name contains PATTERN (shell glob allowed),
#             e.g. "tcp", "host:", "kunit:nrelay_rule"
#   -k        keep the topology up when a test failed (for debugging)
#   -l        list the names of the tests chosen and exit
#   -j N      run the tests in lanes, N UML topologies at once, beside a
#             lane for the host tests and one for the x86 group; the tests
#             marked exclusive after them, alone (tests/lib/lanes.sh).
#             auto: N from the cores and the memory. Default 1: one lane.
#   --quick   only the tests marked "# relaykit-test: quick" (make check:
#             host checks, KUnit and a handful of relay tests)
#   --repeat N  run the selected tests N times over, on one topology (the
#             UML one or the x86 one: not both), e.g. to prove that a load
#             test does not fail by chance; each line names its iteration
#             ("[3/20]"), and so does the log of a failure
#
# After every guest test each guest must run a command through its exec
# agent within 20 s. A guest that does not has frozen (or died): the test
# fails with what its host process is doing and the tail of its console,
# the topology is stopped, and the next test boots a fresh one
# ("PHASE:restart") instead of failing on the dead guest.
#
# Environment: TEST_TIMEOUT (seconds per test, default 600, unless the test
# has a line "# relaykit-test: timeout=SECONDS"),
# RELAYKIT_KUNIT_PY=0 leaves out kunit.py (run on the release kernel),
# TOPOLOGY (topology name or file for start-topology.sh, default "test":
# uml/topology/test.topo, the default topology with KUnit and failslab on),
# X86_TOPOLOGY (default uml/topology/x86.topo), RELAYKIT_X86=0 leaves the
# x86 group out (and the x86 kernel's build), PREBUILD_WAIT (seconds a test
# waits for its background build, default 3600), RELAYKIT_DEADLINE (a time
# in seconds since the epoch, set by .ci/run: no test starts or runs past it,
# no test waits for a build past it, those left are failed as not run, and
# the summary is still printed).

set -euo pipefail

TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KIT=$(dirname "$TESTS")
export KIT

# shellcheck source=lib/phase-topology.sh
source "$TESTS/lib/phase-topology.sh"
# shellcheck source=lib/klog.sh
source "$TESTS/lib/klog.sh"
# shellcheck source=lib/sockcheck.sh
source "$TESTS/lib/sockcheck.sh"
# shellcheck source=lib/prebuild.sh
source "$TESTS/lib/prebuild.sh"
# shellcheck source=lib/discover.sh
source "$TESTS/lib/discover.sh"
# shellcheck source=lib/report.sh
source "$TESTS/lib/report.sh"
# shellcheck source=lib/phases.sh
source "$TESTS/lib/phases.sh"
# shellcheck source=lib/lanes.sh
source "$TESTS/lib/lanes.sh"

usage()
{
	sed -n '/^#   tests\/run.sh/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

KEEP_UP=0
LIST=0
REPEAT=1
LANES=1
QUICK=0
# --lane NAME FILE: this runner is lane NAME of a parallel run, FILE its
# tests (tests/lib/lanes.sh; not for people).
LANE=
LANE_FILE=
args=()
while (($#)); do
	case $1 in
	--repeat) (($# >= 2)) || usage; REPEAT=$2; shift 2 ;;
	--repeat=*) REPEAT=${1#*=}; shift ;;
	--lane) (($# >= 3)) || usage; LANE=$2; LANE_FILE=$3; shift 3 ;;
	--quick) QUICK=1; shift ;;
	--) args+=("$@"); break ;;
	*) args+=("$1"); shift ;;
	esac
done
if [[ ! $REPEAT =~ ^[1-9][0-9]{0,3}$ ]]; then
	echo "${0##*/}: --repeat '$REPEAT' is not a number from 1 to 9999" >&2
	exit 2
fi
set -- "${args[@]+"${args[@]}"}"
while getopts "klj:h" opt; do
	case $opt in
	k) KEEP_UP=1 ;;
	l) LIST=1 ;;
	j) LANES=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
PATTERNS=("$@")
[ "$LANES" != auto ] || LANES=$(lanes_auto)
if [[ ! $LANES =~ ^[1-9][0-9]?$ ]]; then
	echo "${0##*/}: -j '$LANES' is not a number from 1 to 99, or auto" >&2
	exit 2
fi
if ((LANES > 1 && REPEAT > 1)); then
	echo "${0##*/}: --repeat runs on one topology: it does not go with -j" >&2
	exit 2
fi

TEST_TIMEOUT=${TEST_TIMEOUT:-600}
DEADLINE=${RELAYKIT_DEADLINE:-}
if [ -n "$DEADLINE" ] && [[ ! $DEADLINE =~ ^[0-9]+$ ]]; then
	echo "${0##*/}: RELAYKIT_DEADLINE='$DEADLINE' is not a time in seconds since the epoch" >&2
	exit 2
fi
# What bring_down needs after the last test: a kmemleak scan, the halt.
DEADLINE_RESERVE=120
export TOPOLOGY=${TOPOLOGY:-$KIT/uml/topology/test.topo}
X86_TOPOLOGY=${X86_TOPOLOGY:-$KIT/uml/topology/x86.topo}

# --- running ---------------------------------------------------------------

CUR_PID=

run_test()
{
	local name=$1 guests=$2 file=$3 exclusive=$4 family=$5
	local log results notefile start rc=0 dur reason note kreason='' expect
	local st sub subreason limit left guest frozen='' freason='' fexpect='' kmode=''
	local socks='' sreason

	# A test may say how long it may take: "# relaykit-test: timeout=SECONDS".
	limit=$(sed -n 's/^# relaykit-test: timeout=\([0-9][0-9]*\)$/\1/p' "$file" | head -n 1)
	limit=${limit:-$TEST_TIMEOUT}

	if [ -n "$DEADLINE" ]; then
		left=$((DEADLINE - DEADLINE_RESERVE - EPOCHSECONDS))
		((left >= limit)) || limit=$left
	fi
	log=$(log_name "$name")
	results=$log.results
	notefile=$log.note
	: > "$results"
	: > "$notefile"
	start=$EPOCHREALTIME

	{
		echo "# test $name ($file)"
		[ -z "$WAIT_NOTE" ] || echo "# $WAIT_NOTE"
		echo "# started $(date -Is)"
	} > "$log"
	if [ "$exclusive" = 1 ] && prebuild_pause; then
		echo "# background builds stopped while this test runs" >> "$log"
	fi
	if [ "$guests" = 1 ] && [ "$TOPO_UP" = 1 ]; then
		socks=$(sock_snapshot 2>> "$log") ||
			echo "# no socket counts from the relay guest before the test" >> "$log"
	fi
	# timeout(1) runs the test in a process group of its own and signals
	# all of it, so a hung exec.sh or helper goes too.
	# shellcheck disable=SC2094 # the test appends to its own log
	(
		cd "$KIT"
		export RK_NAME="$name" RK_LOG="$log" RK_RESULTS="$results" RK_NOTE="$notefile"
		export RK_FAMILY="$family"
		export RUN STATE
		exec timeout -k 10 "$limit" bash "$file"
	) >> "$log" 2>&1 < /dev/null &
	CUR_PID=$!
	wait "$CUR_PID" || rc=$?
	CUR_PID=
	prebuild_resume
	echo "# exit status $rc" >> "$log"

	if [ "$guests" = 1 ] && [ "$TOPO_UP" = 1 ]; then
		for guest in $(phase_unresponsive 20); do
			frozen+="${frozen:+ }$guest"
			freason+="${freason:+; }$(phase_diagnose "$guest" "$log")"
			# A frozen guest scans for no leaks: only the consoles.
			[ "$(rk_guest_config "$STATE" "$guest" GUEST_KERNEL)" != debug ] || kmode=console
		done
		fexpect=$(sed -n 's/^EXPECT-FROZEN: //p' "$log" | tail -n 1)
	fi
	if [ -n "$frozen" ]; then
		kreason=$(klog_check "$log" ${kmode:+"$kmode"}) || true
		dur=$(seconds_since "$start")
		# The planted freeze of detect-frozen-guest.
		if [ "$frozen" = "$fexpect" ] && [ "$rc" = 0 ] && [ -z "$kreason" ]; then
			echo "# the expected freeze of $fexpect was found" >> "$log"
			report_ok "$name" "$dur" "found: ${freason:0:100}"
		else
			report_fail "$name" "$freason${kreason:+; $kreason}" "$log"
		fi
		rm -f "$results" "$notefile"
		restart_topology "$log"
		return 0
	fi
	if [ "$guests" = 1 ] && [ "$TOPO_UP" = 1 ]; then
		if [ "$rc" != 0 ] && [ "$rc" != "$RK_SKIP_RC" ]; then
			phase_postmortem "$log.postmortem"
		fi
		kreason=$(klog_check "$log") || true
		# Detector tests (expect_kernel_report) pass only when the check
		# finds the report they provoked, and nothing else: any finding
		# that does not match the expectation still fails the test.
		expect=$(sed -n 's/^EXPECT-KLOG: //p' "$log" | tail -n 1)
		if [ -n "$expect" ] && [ "$rc" = 0 ]; then
			kreason=$(klog_expected "$log" "$expect")
		fi
		[ -z "$fexpect" ] || kreason=${kreason:-the probe found no frozen guest; expected $fexpect}
		if [ -n "$socks" ] && ! sreason=$(sock_check "$socks" "$log"); then
			kreason+="${kreason:+; }$sreason"
		fi
	fi
	dur=$(seconds_since "$start")
	# The weights of the next parallel run's plan (lanes_record).
	((REPEAT > 1)) || echo "$name $(($(ms_since "$start") / 1000))" >> "$LOGDIR/durations"

	if [ -s "$results" ]; then
		local any_fail=0
		while IFS=$'\t' read -r st sub subreason; do
			matches "$sub" || matches "$name" || continue
			case $st in
			ok) report_ok "$sub" "" "" ;;
			skip) report_skip "$sub" "$subreason" ;;
			*) report_fail "$sub" "$subreason" "$log"; any_fail=1 ;;
			esac
		done < "$results"
		if [ "$rc" != 0 ] && [ "$rc" != "$RK_SKIP_RC" ] && [ "$any_fail" = 0 ]; then
			report_fail "$name" "$(fail_reason "$log" "$rc" "$limit")" "$log"
		fi
		[ -n "$kreason" ] && report_fail "$name" "$kreason" "$log"
		rm -f "$results" "$notefile"
		return 0
	fi

	if [ -n "$kreason" ]; then
		report_fail "$name" "$kreason" "$log"
	elif [ "$rc" = 0 ]; then
		note=$(head -c 120 "$notefile")
		report_ok "$name" "$dur" "$note"
	elif [ "$rc" = "$RK_SKIP_RC" ]; then
		reason=$(grep '^SKIP: ' "$log" | tail -n 1 | cut -c7- || true)
		report_skip "$name" "${reason:-no reason given}"
	else
		report_fail "$name" "$(fail_reason "$log" "$rc" "$limit")" "$log"
	fi
	rm -f "$results" "$notefile"
}

# wait_builds STEP...: wait for the background builds a test needs, as long
# as RELAYKIT_DEADLINE allows (else PREBUILD_WAIT seconds, default an
# hour); PREBUILD_WHY says why when one did not build, WAIT_NOTE how long
# the wait took.
WAIT_NOTE=
wait_builds()
{
	local step limit start=$EPOCHSECONDS

	WAIT_NOTE=
	for step in "$@"; do
		limit=${PREBUILD_WAIT:-3600}
		[ -z "$DEADLINE" ] || limit=$((DEADLINE - DEADLINE_RESERVE - 60 - EPOCHSECONDS))
		prebuild_wait "$step" "$limit" || return 1
	done
	(($#)) && WAIT_NOTE="waited $((EPOCHSECONDS - start))s for the background build of: $*"
	return 0
}

# past_deadline: true when RELAYKIT_DEADLINE leaves no time for one more
# test (a minute) and the topology's shutdown.
past_deadline()
{
	[ -n "$DEADLINE" ] && ((EPOCHSECONDS + DEADLINE_RESERVE + 60 > DEADLINE))
}

on_signal()
{
	trap - INT TERM
	[ -n "$CUR_PID" ] && kill -TERM "$CUR_PID" 2> /dev/null
	lanes_stop
	prebuild_stop
	echo "# interrupted" >&2
	if [ "$TOPO_UP" = 1 ] || [ "$TOPO_TRIED" = 1 ]; then
		phase_stop /dev/null > /dev/null 2>&1 || true
	fi
	exit 130
}

on_exit()
{
	lanes_stop
	prebuild_stop
	# Safety net: the normal path stops the topology in bring_down().
	if [ "$TOPO_TRIED" = 1 ] && [ "$TOPO_UP" = 1 ] && ! { [ "$KEEP_UP" = 1 ] && [ "$FAILED" -gt 0 ]; }; then
		phase_stop /dev/null > /dev/null 2>&1 || true
	fi
}

# check_repeat: --repeat runs on one topology: its tests may not need both
# the UML one and the x86 one.
check_repeat()
{
	local i uml=0 x86=0

	((REPEAT > 1)) || return 0
	for i in "${!NAMES[@]}"; do
		[ "${GUESTS[$i]}" = 1 ] || continue
		selected "${NAMES[$i]}" "${GROUPS_[$i]}" || continue
		if [ "${GROUPS_[$i]}" = x86 ]; then x86=1; else uml=1; fi
	done
	if ((uml && x86)); then
		echo "${0##*/}: --repeat: the tests chosen need both the UML and the x86 topology; choose tests of one" >&2
		exit 2
	fi
}

# run_selected: one pass over the selected tests, iteration ITER of REPEAT
# (with --repeat each name says which: "[3/20]").
ITER=1
run_selected()
{
	local i name group tag=''

	((REPEAT == 1)) || tag=" [$ITER/$REPEAT]"
	for i in "${!NAMES[@]}"; do
		name=${NAMES[$i]}
		group=${GROUPS_[$i]}
		selected "$name" "$group" || continue
		if [ -n "${SKIPS_[$i]}" ]; then
			report_skip "$name$tag" "${SKIPS_[$i]}"
			continue
		fi
		if past_deadline; then
			report_fail "$name$tag" "not run: RELAYKIT_DEADLINE passed" "$LOGDIR" notail
			continue
		fi
		# shellcheck disable=SC2086 # NEEDS_ holds words
		if ! wait_builds ${NEEDS_[$i]}; then
			report_fail "$name$tag" "not run: $PREBUILD_WHY" "$LOGDIR" notail
			continue
		fi
		[ "$group" = x86 ] && [ "$PHASE_KIND" != x86 ] && enter_x86_phase
		# A topology no later test needs goes now, not after the waits
		# for the background builds.
		if [ "$TOPO_TRIED" = 1 ] && [ "${GUESTS[$i]}" = 0 ] && ! guests_needed_after "$i"; then
			bring_down
			TOPO_TRIED=0
		fi
		if [ "${GUESTS[$i]}" = 1 ]; then
			[ "$TOPO_TRIED" = 1 ] || bring_up
			if [ "$TOPO_FAILED" = 1 ]; then
				report_fail "$name$tag" "not run: the topology did not start" "$(log_name "$BOOT_NAME")" notail
				continue
			fi
		fi
		run_test "$name$tag" "${GUESTS[$i]}" "${FILES[$i]}" "${EXCL_[$i]}" "${FAMILY_[$i]}"
	done
}

# run_lane: this runner is lane LANE of a parallel run: the tests of
# LANE_FILE on a topology of its own, in the parent's LOGDIR, waiting for
# the parent's background builds; its counts go back to the parent.
run_lane()
{
	local name
	local -A found=()

	[ -d "${LOGDIR:-}" ] || { echo "${0##*/}: --lane: no LOGDIR" >&2; exit 2; }
	select_names "$LANE_FILE"
	# A test the parent planned but this runner does not find (renamed
	# meanwhile) fails rather than vanish.
	for name in "${NAMES[@]}"; do
		found[$name]=1
	done
	while read -r name; do
		[ -n "${found[$name]:-}" ] ||
			report_fail "$name" "not run: lane $LANE did not find it" "$LOGDIR" notail
	done < "$LANE_FILE"
	prebuild_attach "${RK_PREBUILD_DIR:-}" "${RK_PREBUILD_PID:-}"
	case $LANE in
	host | x86) ;;
	*) phase_name "/$LANE" ;;
	esac
	RUN_BASE=test-$$
	RUN=$RUN_BASE
	STATE=$KIT/run/$RUN
	export RUN STATE
	trap on_signal INT TERM
	trap on_exit EXIT
	run_selected
	bring_down
	lanes_finish "$(dirname "$LANE_FILE")" "$LANE"
}

main()
{
	local i lanes_dir
	local -a steps=() lane_args=()

	discover
	order_tests
	[ "$QUICK" = 0 ] || select_quick
	if [ "$LIST" = 1 ]; then
		for i in "${!NAMES[@]}"; do
			! selected "${NAMES[$i]}" "${GROUPS_[$i]}" || echo "${NAMES[$i]}"
		done
		exit 0
	fi
	if [ -n "$LANE" ]; then
		run_lane
		exit 0
	fi
	check_repeat

	LOGDIR=$KIT/run/test-logs/$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$LOGDIR"
	ln -sfn "$(basename "$LOGDIR")" "$KIT/run/test-logs/latest"
	RUN_BASE=test-$$
	RUN=$RUN_BASE
	STATE=$KIT/run/$RUN
	export RUN STATE LOGDIR

	trap on_signal INT TERM
	trap on_exit EXIT

	for i in "${!NAMES[@]}"; do
		selected "${NAMES[$i]}" "${GROUPS_[$i]}" || continue
		# shellcheck disable=SC2206 # NEEDS_ holds words
		steps+=(${NEEDS_[$i]})
	done
	prebuild_start "$LOGDIR/prebuild" "${steps[@]}"

	if ((LANES > 1)); then
		lanes_dir=$LOGDIR/lanes
		lanes_plan "$LANES" "$lanes_dir"
		RK_PREBUILD_DIR=$PREBUILD_DIR RK_PREBUILD_PID=$PREBUILD_PID
		export RK_PREBUILD_DIR RK_PREBUILD_PID
		[ "$KEEP_UP" = 0 ] || lane_args+=(-k)
		lanes_run "$lanes_dir" "${lane_args[@]}" -- ${PATTERNS[@]+"${PATTERNS[@]}"}
		# The serial part: the exclusive tests, the skipped ones.
		select_names "$lanes_dir/serial.names"
		phase_name /serial
	fi
	for ((ITER = 1; ITER <= REPEAT; ITER++)); do
		run_selected
	done
	bring_down
	((REPEAT > 1)) || lanes_record || echo "# the durations of this run were not saved" >&2

	if ((PASSED + FAILED + SKIPPED == 0)); then
		echo "# no test matches: ${PATTERNS[*]}" >&2
		FAILED=1
	fi
	report_summary
}

RK_SKIP_RC=4
main
