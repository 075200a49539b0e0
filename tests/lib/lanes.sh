# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# A parallel run (tests/run.sh -j N): the selected tests go into lanes that
# run at the same time, each lane a tests/run.sh of its own ("--lane NAME
# FILE") with its own topology, that is its own run id and network
# namespace:
#   host    the tests without guests (the host group, kunit.py)
#   x86     the x86 group, on the x86 topology
#   1 .. N  the other guest tests, shared out over N UML topologies
# Tests marked "# relaykit-test: exclusive" (they measure rates and
# liveness under load) run afterwards in this process, alone: the serial
# part, on topologies of its own ("integration/serial", "x86/serial"); so
# do the tests the environment leaves out, to be reported as skipped.
# Many tests wait (timeouts, expiry, sleeps) rather than compute: that is
# what the lanes gain on, on few cores too.
#
# A lane prints its lines as its tests end; at its end it leaves its counts
# in LOGDIR/lanes/NAME.counts and the logs of its failures in
# LOGDIR/lanes/NAME.failed, which lanes_run adds to this runner's.
# Sourced by tests/run.sh, after discover.sh and report.sh.

LANE_PIDS=()

# lanes_auto: N for -j auto: a UML topology per core, as the available
# memory allows: a GiB for each (three guests, 0.6 GiB, and their page
# cache), 3 GiB for the x86 lane's topology and the host's own work.
lanes_auto()
{
	local cores mem_gib n

	cores=$(nproc)
	mem_gib=$(awk '$1 == "MemAvailable:" { print int($2 / 1048576) }' /proc/meminfo)
	n=$((mem_gib - 3))
	((n < cores)) || n=$cores
	((n <= 99)) || n=99
	((n >= 1)) || n=1
	echo "$n"
}

# lanes_plan N DIR: write DIR/LANE.names (one test name a line, in the
# suite's order) for each lane that gets tests, and DIR/serial.names. A
# UML test goes to the lane with the least work so far, each test weighing
# the seconds it took in earlier runs (run/test-durations, lanes_record),
# 30 if it never ran.
lanes_plan()
{
	local n=$1 dir=$2 i k best lane name secs
	local -a load=()
	local -A weight=()

	mkdir -p "$dir"
	if [ -r "$KIT/run/test-durations" ]; then
		while read -r name secs; do
			weight[$name]=$secs
		done < "$KIT/run/test-durations"
	fi
	for ((k = 1; k <= n; k++)); do
		load[k]=0
	done
	for i in "${!NAMES[@]}"; do
		selected "${NAMES[$i]}" "${GROUPS_[$i]}" || continue
		if [ -n "${SKIPS_[$i]}" ] || [ "${EXCL_[$i]}" = 1 ]; then
			lane=serial
		elif [ "${GUESTS[$i]}" = 0 ]; then
			lane=host
		elif [ "${GROUPS_[$i]}" = x86 ]; then
			lane=x86
		else
			best=1
			for ((k = 2; k <= n; k++)); do
				((load[k] < load[best])) && best=$k
			done
			load[best]=$((load[best] + ${weight[${NAMES[$i]}]:-30}))
			lane=$best
		fi
		echo "${NAMES[$i]}" >> "$dir/$lane.names"
	done
}

# lanes_run DIR ARGS...: run a lane for each DIR/LANE.names but serial, all
# at once (ARGS: the command line's -k and patterns); wait for all of them
# and add their counts and failures to this runner's.
lanes_run()
{
	local dir=$1 f lane i rc p f_ s_ pid
	local -a lanes=()
	shift

	for f in "$dir"/*.names; do
		lane=$(basename "$f" .names)
		if [ ! -e "$f" ] || [ "$lane" = serial ]; then
			continue
		fi
		"$TESTS/run.sh" --lane "$lane" "$f" "$@" < /dev/null &
		LANE_PIDS+=($!)
		lanes+=("$lane")
	done
	for i in "${!lanes[@]}"; do
		lane=${lanes[$i]}
		rc=0
		wait "${LANE_PIDS[$i]}" || rc=$?
		pid=${LANE_PIDS[$i]}
		LANE_PIDS[i]=
		if ! read -r p f_ s_ < "$dir/$lane.counts" 2> /dev/null ||
			[[ ! "$p $f_ $s_" =~ ^[0-9]+\ [0-9]+\ [0-9]+$ ]]; then
			report_fail "lane $lane" "its runner ended without counts (exit status $rc)" "$LOGDIR" notail
			lanes_stop_runs "$pid"
			continue
		fi
		PASSED=$((PASSED + p))
		FAILED=$((FAILED + f_))
		SKIPPED=$((SKIPPED + s_))
		[ ! -s "$dir/$lane.failed" ] || mapfile -t -O "${#FAILED_LOGS[@]}" FAILED_LOGS < "$dir/$lane.failed"
	done
	LANE_PIDS=()
}

# lanes_stop: on an interrupt or an early exit, end the lanes still
# running (each stops its topology on TERM).
lanes_stop()
{
	local pid

	for pid in "${LANE_PIDS[@]}"; do
		[ -z "$pid" ] || kill -TERM "$pid" 2> /dev/null || true
	done
	for pid in "${LANE_PIDS[@]}"; do
		[ -z "$pid" ] || wait "$pid" 2> /dev/null || true
	done
	LANE_PIDS=()
}

# lanes_stop_runs PID: stop the topologies lane PID left up when it died
# without stopping them (SIGKILL, the OOM killer): its runs are
# test-PID, test-PID-x86 and their restarts (-rN).
lanes_stop_runs()
{
	local state

	for state in "$KIT/run/test-$1" "$KIT/run/test-$1"-*; do
		if rk_run_is_up "$state"; then
			RUN=$(basename "$state") "$KIT/uml/stop-topology.sh" > /dev/null 2>&1 || true
		fi
	done
}

# lanes_finish DIR LANE: in a lane, at its end: leave its counts and
# failures for lanes_run.
lanes_finish()
{
	local dir=$1 lane=$2

	echo "$PASSED $FAILED $SKIPPED" > "$dir/$lane.counts"
	((${#FAILED_LOGS[@]} == 0)) || printf '%s\n' "${FAILED_LOGS[@]}" > "$dir/$lane.failed"
}

# lanes_record: the durations of this run's tests (LOGDIR/durations, one
# "NAME SECONDS" a line, written by run_test) become the weights of the
# next plan, over those of earlier runs.
lanes_record()
{
	local -a from=()

	[ -s "$LOGDIR/durations" ] || return 0
	[ ! -e "$KIT/run/test-durations" ] || from+=("$KIT/run/test-durations")
	awk '{ d[$1] = $2 } END { for (n in d) print n, d[n] }' "${from[@]}" "$LOGDIR/durations" |
		sort > "$KIT/run/test-durations.new"
	mv "$KIT/run/test-durations.new" "$KIT/run/test-durations"
}
