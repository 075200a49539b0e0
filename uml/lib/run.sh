# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# A run of a topology brought up and down for a purpose: a test phase
# (tests/lib/phase-topology.sh), the benchmarks (bench/bench.sh), the soak
# (tests/stability/soak.sh), the demo (uml/demo.sh). start-topology.sh and
# stop-topology.sh do the work; this is what each purpose wants around
# them: the output in its log, a bound on how long they may take, another
# attempt. Sourced after uml/lib/common.sh; uses KIT and RUN.

# run_up FILE LOG [ATTEMPTS]: start FILE (empty: the default topology) as
# run RUN, start-topology.sh's output appended to LOG. START_TIMEOUT and
# the other variables of start-topology.sh go to it from the caller's
# environment (`START_TIMEOUT=240 run_up ...`). With ATTEMPTS (default 1) more
# than one, a run that did not start is tried again: a guest can hang at
# boot on a busy host, and start-topology.sh stops what it started before
# it fails. Returns 1 with a one-line reason on stdout.
run_up()
{
	local topo=$1 log=$2 attempts=${3:-1} try rc
	# The longest start-topology.sh waits for its guests (900 s: under gdb).
	local bound=$((${START_TIMEOUT:-900} + 120))

	[[ -z $topo || $topo == /* ]] || topo=$PWD/$topo
	for ((try = 1; try <= attempts; try++)); do
		echo "# RUN=$RUN ./uml/start-topology.sh ${topo:+${topo#"$KIT"/} }(attempt $try of $attempts)" >> "$log"
		rc=0
		# timeout(1) in case the script itself hangs.
		(cd "$KIT" && RUN=$RUN timeout -k 5 "$bound" ./uml/start-topology.sh ${topo:+"$topo"}) \
			>> "$log" 2>&1 < /dev/null || rc=$?
		((rc != 0)) || return 0
	done
	echo "start-topology.sh failed (exit $rc)"
	return 1
}

# run_down LOG: stop run RUN, keeping its logs; stop-topology.sh's output
# appended to LOG. Returns 1 with a one-line reason on stdout.
run_down()
{
	local log=$1 rc=0

	echo "# RUN=$RUN ./uml/stop-topology.sh" >> "$log"
	(cd "$KIT" && RUN=$RUN KEEP=1 timeout -k 5 "${STOP_TIMEOUT:-120}" ./uml/stop-topology.sh) \
		>> "$log" 2>&1 < /dev/null || rc=$?
	((rc == 0)) || { echo "stop-topology.sh failed (exit $rc)"; return 1; }
}
