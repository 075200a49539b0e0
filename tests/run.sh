#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# relaykit test runner (`make test`).
#
#   tests/run.sh [-k] [-l] [--repeat N] [PATTERN...]
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
#   -l        list the test names and exit
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

usage()
{
	sed -n '/^#   tests\/run.sh/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

KEEP_UP=0
LIST=0
REPEAT=1
args=()
while (($#)); do
	case $1 in
	--repeat) (($# >= 2)) || usage; REPEAT=$2; shift 2 ;;
	--repeat=*) REPEAT=${1#*=}; shift ;;
	--) args+=("$@"); break ;;
	*) args+=("$1"); shift ;;
	esac
done
if [[ ! $REPEAT =~ ^[1-9][0-9]{0,3}$ ]]; then
	echo "${0##*/}: --repeat '$REPEAT' is not a number from 1 to 9999" >&2
	exit 2
fi
set -- "${args[@]+"${args[@]}"}"
while getopts "klh" opt; do
	case $opt in
	k) KEEP_UP=1 ;;
	l) LIST=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
PATTERNS=("$@")

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

# The integration tests the x86 group runs again: what the relay does, and
# the detectors the x86 kernel has and UML has not (DEBUG_ATOMIC_SLEEP) or
# has as well (lockdep), not stability, gdb or KUnit. The detectors last.
X86_TESTS='exec proc tcp-* rule-errors udp-* detect-atomic-sleep detect-lockdep'

# --- discovery -------------------------------------------------------------

NAMES=()
FILES=()
GROUPS_=()
GUESTS=()
NEEDS_=()
SKIPS_=()

# add_test NAME GROUP FILE [SKIP-REASON]: a kunit or integration test needs
# the topology unless it says "# relaykit-test: no-guests" (kunit.py, which
# boots its own kernel).
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
	NAMES=() GROUPS_=() FILES=() GUESTS=() NEEDS_=() SKIPS_=()
	for i in "${order[@]}"; do
		i=$((10#$i))
		NAMES+=("${o_names[$i]}")
		GROUPS_+=("${o_groups[$i]}")
		FILES+=("${o_files[$i]}")
		GUESTS+=("${o_guests[$i]}")
		NEEDS_+=("${o_needs[$i]}")
		SKIPS_+=("${o_skips[$i]}")
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
		add_test "integration:${base#[0-9][0-9]-}" integration "$f"
	done
	skip=
	[ "${RELAYKIT_X86:-1}" = 1 ] || skip="left out: RELAYKIT_X86=${RELAYKIT_X86}"
	for f in "$TESTS"/integration/[0-9][0-9]-*.sh; do
		[ -e "$f" ] || continue
		base=$(basename "$f" .sh)
		base=${base#[0-9][0-9]-}
		x86_test "$base" || continue
		add_test "x86:$base" x86 "$f" "$skip"
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

# Sub-tests (KUnit cases) are only known after the run; a pattern that
# names one ("kunit:nrelay_rule") selects the test file that reports it.
selected()
{
	local name=$1 group=$2 p

	matches "$name" && return 0
	if [ "$group" = kunit ]; then
		for p in "${PATTERNS[@]}"; do
			[[ $p == kunit* ]] && return 0
		done
	fi
	return 1
}

# --- reporting -------------------------------------------------------------

PASSED=0
FAILED=0
SKIPPED=0
FAILED_LOGS=()

relpath()
{
	case $1 in
	"$PWD"/*) echo "${1#"$PWD"/}" ;;
	*) echo "$1" ;;
	esac
}

report_ok()
{
	# $1 name, $2 duration or "", $3 note or ""
	local line="ok   $1"

	[ -n "$2" ] && line+=" ($2)"
	[ -n "$3" ] && line+=" $3"
	echo "$line"
	PASSED=$((PASSED + 1))
}

report_fail()
{
	# $1 name, $2 reason, $3 log, $4 "notail": do not repeat the log's tail
	echo "FAIL $1: $2 (log: $(relpath "$3"))"
	FAILED=$((FAILED + 1))
	[ "${4:-}" = notail ] || FAILED_LOGS+=("$1|$3")
}

report_skip()
{
	echo "skip $1: $2"
	SKIPPED=$((SKIPPED + 1))
}

# Reason of a failed test: its last "FAIL: " line, else the exit status.
fail_reason()
{
	local log=$1 rc=$2 reason

	reason=$(grep '^FAIL: ' "$log" | tail -n 1 | cut -c7- || true)
	if [ -n "$reason" ]; then
		echo "${reason:0:200}"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "timed out after ${3:-$TEST_TIMEOUT}s"
	else
		echo "exit status $rc"
	fi
}

seconds_since()
{
	local now=${EPOCHREALTIME/./} start=${1/./}
	local ms=$(((now - start) / 1000))

	printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

log_name()
{
	echo "$LOGDIR/${1//[^A-Za-z0-9._-]/_}.log"
}

# --- running ---------------------------------------------------------------

CUR_PID=

run_test()
{
	local name=$1 guests=$2 file=$3
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
	if grep -q '^# relaykit-test: exclusive$' "$file" && prebuild_pause; then
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

# The topology is a "test" of its own: boot (with the boot-time kernel log
# check) and, at the end, shutdown (with the halt output check).
# BOOT_NAME: the boot's name, PHASE:boot, or PHASE:restart-N after the Nth
# guest froze; RUN_BASE: the run id of the phase, before any restart.
TOPO_UP=0
TOPO_TRIED=0
TOPO_FAILED=0
PHASE=integration
BOOT_NAME=$PHASE:boot
RUN_BASE=
RESTARTS=0

bring_up()
{
	local log start reason kreason

	TOPO_TRIED=1
	log=$(log_name "$BOOT_NAME")
	start=$EPOCHREALTIME
	if reason=$(phase_start "$log"); then
		TOPO_UP=1
		if reason=$(klog_check "$log"); then
			report_ok "$BOOT_NAME" "$(seconds_since "$start")" ""
			return 0
		fi
		report_fail "$BOOT_NAME" "$reason" "$log"
		return 0
	fi
	# A guest that died at boot usually says why in its console.
	kreason=$(klog_check "$log" console) || reason+=": $kreason"
	TOPO_FAILED=1
	report_fail "$BOOT_NAME" "$reason" "$log"
}

# restart_topology LOG: a guest froze in the test of LOG; stop the
# topology (with -k leave it up for gdb on the frozen guest) and let the
# next test that needs guests boot a fresh one as a run of its own: new
# console logs and log check offsets, the frozen run's state kept in run/
# for a post-mortem.
restart_topology()
{
	local log=$1 reason

	RESTARTS=$((RESTARTS + 1))
	BOOT_NAME=$PHASE:restart-$RESTARTS
	if [ "$KEEP_UP" = 1 ]; then
		echo "# -k: the frozen topology is left up: RUN=$RUN ./uml/gdb.sh GUEST;" \
			"stop: RUN=$RUN ./uml/stop-topology.sh"
	elif ! reason=$(phase_stop "$log"); then
		report_fail "$BOOT_NAME" "the frozen topology did not stop: $reason" "$log"
	fi
	TOPO_UP=0
	TOPO_TRIED=0
	RUN=$RUN_BASE-r$RESTARTS
	STATE=$KIT/run/$RUN
	export RUN STATE
}

bring_down()
{
	local log start reason='' r

	[ "$TOPO_TRIED" = 1 ] || return 0
	log=$(log_name "$PHASE:shutdown")
	if [ "$TOPO_UP" = 0 ]; then
		# start-topology.sh stopped what it had started; make sure.
		phase_stop "$log" > /dev/null || true
		return 0
	fi
	if [ "$KEEP_UP" = 1 ] && [ "$FAILED" -gt 0 ]; then
		echo "# -k: topology left up for debugging: RUN=$RUN ./uml/console.sh relay," \
			"RUN=$RUN ./uml/exec.sh GUEST CMD; stop: RUN=$RUN ./uml/stop-topology.sh"
		return 0
	fi
	start=$EPOCHREALTIME
	# A last kmemleak scan, once the last test's objects are old enough.
	sleep 5
	r=$(klog_check "$log") || reason=$r
	TOPO_UP=0
	r=$(phase_stop "$log") || reason=${reason:-$r}
	r=$(klog_check_halt "$log") || reason=${reason:-$r}
	if [ -z "$reason" ]; then
		report_ok "$PHASE:shutdown" "$(seconds_since "$start")" ""
	else
		report_fail "$PHASE:shutdown" "$reason" "$log"
	fi
}

# guests_needed_after I: true when a selected test after index I (in this
# iteration or a later one) needs the topology of the current phase (the
# UML one, or the x86 one).
guests_needed_after()
{
	local j first=$(($1 + 1))

	((ITER == REPEAT)) || first=0
	for ((j = first; j < ${#NAMES[@]}; j++)); do
		[ "${GUESTS[$j]}" = 1 ] || continue
		[ "${GROUPS_[$j]}" = x86 ] || [ "$PHASE" != x86 ] || continue
		[ "${GROUPS_[$j]}" != x86 ] || [ "$PHASE" = x86 ] || continue
		selected "${NAMES[$j]}" "${GROUPS_[$j]}" && return 0
	done
	return 1
}

# enter_x86_phase: stop the UML topology, and let the next test that needs
# guests boot the x86 one as a run of its own.
enter_x86_phase()
{
	bring_down
	PHASE=x86
	BOOT_NAME=$PHASE:boot
	TOPO_TRIED=0
	TOPO_UP=0
	TOPO_FAILED=0
	RUN_BASE=test-$$-x86
	RUN=$RUN_BASE
	STATE=$KIT/run/$RUN
	TOPOLOGY=$X86_TOPOLOGY
	export RUN STATE TOPOLOGY
}

on_signal()
{
	trap - INT TERM
	[ -n "$CUR_PID" ] && kill -TERM "$CUR_PID" 2> /dev/null
	prebuild_stop
	echo "# interrupted" >&2
	if [ "$TOPO_UP" = 1 ] || [ "$TOPO_TRIED" = 1 ]; then
		phase_stop /dev/null > /dev/null 2>&1 || true
	fi
	exit 130
}

on_exit()
{
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
		[ "$group" = x86 ] && [ "$PHASE" != x86 ] && enter_x86_phase
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
		run_test "$name$tag" "${GUESTS[$i]}" "${FILES[$i]}"
	done
}

main()
{
	local i
	local -a steps=()

	discover
	order_tests
	if [ "$LIST" = 1 ]; then
		printf '%s\n' "${NAMES[@]}"
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

	for ((ITER = 1; ITER <= REPEAT; ITER++)); do
		run_selected
	done
	bring_down

	if ((PASSED + FAILED + SKIPPED == 0)); then
		echo "# no test matches: ${PATTERNS[*]}" >&2
		FAILED=1
	fi
	for i in "${FAILED_LOGS[@]}"; do
		echo "--- ${i%%|*}: last 20 lines of $(relpath "${i#*|}")"
		tail -n 20 "${i#*|}"
	done
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" = 0 ]
}

RK_SKIP_RC=4
main
