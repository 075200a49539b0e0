# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # the phase state is read by run.sh
#
# The runner's phases: the UML one (the kunit and integration groups on
# TOPOLOGY) and the x86 one (X86_TOPOLOGY), each a run of its own whose
# topology is booted before the first test that needs it, restarted after
# a guest froze, and shut down when no later test needs it. Sourced by
# tests/run.sh, after phase-topology.sh (start, stop), klog.sh and
# report.sh; uses KIT, KEEP_UP, NAMES & co (discover.sh), ITER and REPEAT.

# The topology is a "test" of its own: boot (with the boot-time kernel log
# check) and, at the end, shutdown (with the halt output check).
# PHASE_KIND: integration or x86; PHASE: its name in the output, the kind
# and PHASE_TAG, which names the lane of a parallel run (tests/lib/lanes.sh:
# "integration/2", "x86/serial"). BOOT_NAME: the boot's name, PHASE:boot,
# or PHASE:restart-N after the Nth guest froze; RUN_BASE: the run id of the
# phase, before any restart.
TOPO_UP=0
TOPO_TRIED=0
TOPO_FAILED=0
PHASE_TAG=
PHASE_KIND=integration
PHASE=$PHASE_KIND$PHASE_TAG
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

# phase_name TAG: name this runner's phases after its lane ("/2": the
# UML phase is "integration/2", the x86 one "x86/2").
phase_name()
{
	PHASE_TAG=$1
	PHASE=$PHASE_KIND$PHASE_TAG
	BOOT_NAME=$PHASE:boot
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
		[ "${GROUPS_[$j]}" = x86 ] || [ "$PHASE_KIND" != x86 ] || continue
		[ "${GROUPS_[$j]}" != x86 ] || [ "$PHASE_KIND" = x86 ] || continue
		selected "${NAMES[$j]}" "${GROUPS_[$j]}" && return 0
	done
	return 1
}

# enter_x86_phase: stop the UML topology, and let the next test that needs
# guests boot the x86 one as a run of its own.
enter_x86_phase()
{
	bring_down
	PHASE_KIND=x86
	phase_name "$PHASE_TAG"
	TOPO_TRIED=0
	TOPO_UP=0
	TOPO_FAILED=0
	RUN_BASE=test-$$-x86
	RUN=$RUN_BASE
	STATE=$KIT/run/$RUN
	TOPOLOGY=$X86_TOPOLOGY
	export RUN STATE TOPOLOGY
}
