# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # PREBUILD_WHY is read by run.sh
#
# Kernels built in the background while the suite runs; sourced by
# tests/run.sh.
#
# The debug and release kernels are needed before the first test (the
# relay guest runs the debug one, the client and server the release one).
# The x86 kernel is needed by a few tests only (compile-hygiene, the x86
# group). On a cold machine it is the longest build, and the UML tests
# leave much of the CPU idle (guests wait on timers and on each other), so
# it is built meanwhile, at the lowest CPU priority (SCHED_IDLE): it takes
# only CPU time no guest wants, and a test that needs it waits for it. A
# test names what it needs in a line "# relaykit-test: needs=STEP...".
#
# Steps, in build order; tests/run.sh runs the tests that need them after
# the others, in the same order, so the first waits least.
PREBUILD_STEPS=(x86)

PREBUILD_PID=
PREBUILD_DIR=
PREBUILD_STARTED=()

# prebuild_rank STEP: position of STEP in PREBUILD_STEPS, 1-based.
prebuild_rank()
{
	local i

	for i in "${!PREBUILD_STEPS[@]}"; do
		[ "${PREBUILD_STEPS[$i]}" = "$1" ] && { echo $((i + 1)); return 0; }
	done
	return 1
}

# prebuild_cmd STEP: build it, at idle priority, if anything it is built
# from changed (kbuild rebuilds only what changed).
prebuild_cmd()
{
	local -a idle=(nice -n 19 chrt --idle 0)

	case $1 in
	x86) "${idle[@]}" "$KIT/scripts/kernel-build.sh" --if-stale x86 ;;
	*) echo "unknown build step '$1'" >&2; return 1 ;;
	esac
}

# prebuild_start DIR STEP...: build the STEPs in the background, one after
# the other (each in build order); STEP's output goes to DIR/STEP.log, its
# exit status to DIR/STEP.rc when it is done.
prebuild_start()
{
	local dir=$1 step
	local -a steps=()
	shift

	PREBUILD_DIR=$dir
	PREBUILD_STARTED=()
	(($#)) || return 0
	for step in "${PREBUILD_STEPS[@]}"; do
		[[ " $* " == *" $step "* ]] && steps+=("$step")
	done
	PREBUILD_STARTED=("${steps[@]}")
	mkdir -p "$dir"
	# A process group of its own (job control on for this one job), so
	# that prebuild_stop ends make and every compiler it started.
	set -m
	(
		for step in "${steps[@]}"; do
			rc=0
			{
				echo "# build step $step, started $(date -Is)"
				prebuild_cmd "$step" || rc=$?
				echo "# exit status $rc, $(date -Is)"
			} > "$dir/$step.log" 2>&1 < /dev/null
			echo "$rc" > "$dir/$step.rc"
		done
	) &
	PREBUILD_PID=$!
	set +m
}

# prebuild_attach DIR PGID: in a lane of a parallel run (tests/lib/lanes.sh):
# wait for the builds the parent runner started in DIR, as process group
# PGID; never pause or stop them.
PREBUILD_ATTACHED=0
prebuild_attach()
{
	PREBUILD_DIR=$1
	PREBUILD_PID=$2
	PREBUILD_ATTACHED=1
}

# prebuild_wait STEP LIMIT: wait up to LIMIT seconds for STEP; returns 1
# when it did not build, with the reason in PREBUILD_WHY.
PREBUILD_WHY=
prebuild_wait()
{
	local step=$1 limit=$2 rcfile=$PREBUILD_DIR/$1.rc start=$EPOCHSECONDS

	while [ ! -e "$rcfile" ]; do
		if [ -z "$PREBUILD_PID" ] || ! kill -0 "$PREBUILD_PID" 2> /dev/null; then
			# The job may have written the file just before it ended.
			[ -e "$rcfile" ] && break
			PREBUILD_WHY="the background build of $step did not run"
			return 1
		fi
		if ((EPOCHSECONDS - start >= limit)); then
			PREBUILD_WHY="the background build of $step was not done after ${limit}s (log: $(relpath "$PREBUILD_DIR/$step.log"))"
			return 1
		fi
		sleep 2
	done
	if [ "$(cat "$rcfile")" != 0 ]; then
		PREBUILD_WHY="the background build of $step failed (log: $(relpath "$PREBUILD_DIR/$step.log"))"
		return 1
	fi
}

# prebuild_pause / prebuild_resume: stop the background builds for a while
# and let them go on. Idle priority keeps a compiler from taking CPU time a
# guest wants, but not from filling every gap the guests leave; a test that
# measures liveness under load ("# relaykit-test: exclusive") runs with the
# builds stopped, or its guests' links drop and TCP backs off for tens of
# seconds (integration:tcp-concurrent in a cold run: 440 ms minimum RTT).
PREBUILD_PAUSED=0
prebuild_pause()
{
	((!PREBUILD_ATTACHED)) || return 1
	prebuild_running || return 1
	kill -STOP -- "-$PREBUILD_PID" 2> /dev/null || return 1
	PREBUILD_PAUSED=1
}

prebuild_resume()
{
	((PREBUILD_PAUSED)) || return 0
	PREBUILD_PAUSED=0
	kill -CONT -- "-$PREBUILD_PID" 2> /dev/null || true
}

# prebuild_running: true while a started step has not written its exit
# status. The group is signalled only then: once every step is done it is
# gone, and its number may name another process group (pids wrap at 32768
# here, and a cold run starts far more processes than that).
prebuild_running()
{
	local step

	[ -n "$PREBUILD_PID" ] || return 1
	for step in "${PREBUILD_STARTED[@]}"; do
		[ -e "$PREBUILD_DIR/$step.rc" ] || return 0
	done
	return 1
}

# prebuild_stop: end the background builds (interrupt, or the run's end).
prebuild_stop()
{
	[ -n "$PREBUILD_PID" ] && ((!PREBUILD_ATTACHED)) || return 0
	# The whole group, even when its leader (the subshell) is gone
	# already: make and the compilers would build on otherwise.
	if prebuild_running; then
		kill -TERM -- "-$PREBUILD_PID" 2> /dev/null || true
		# A stopped group gets the TERM only once it runs again.
		prebuild_resume
	fi
	wait "$PREBUILD_PID" 2> /dev/null || true
	PREBUILD_PID=
}
