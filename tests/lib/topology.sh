# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Start and stop the topology the kunit and integration groups share.
# Sourced by tests/run.sh; uses KIT, RUN, STATE and TOPOLOGY.  Both
# functions append to LOG and, on failure, print a one-line reason on stdout.

# topo_start LOG: boot the guests of uml/topology/$TOPOLOGY.topo as run $RUN.
topo_start()
{
	local log=$1 rc=0 guest ready

	{
		echo "# RUN=$RUN ./uml/start-topology.sh ${TOPOLOGY:-default}"
	} >> "$log"
	# The debug kernel boots slowly; timeout(1) in case the script hangs.
	local start_timeout=${START_TIMEOUT:-240}
	(cd "$KIT" && RUN=$RUN START_TIMEOUT=$start_timeout timeout -k 5 $((start_timeout + 120)) \
		./uml/start-topology.sh ${TOPOLOGY:+"$TOPOLOGY"}) >> "$log" 2>&1 < /dev/null || rc=$?
	if [ "$rc" != 0 ]; then
		echo "start-topology.sh failed (exit $rc)"
		return 1
	fi
	# Every guest must have run its start commands (uml/guest/init.sh).
	for guest in $(topo_guests); do
		ready=$(cat "$STATE/$guest/ready" 2> /dev/null || true)
		if [ "$ready" != ok ]; then
			echo "guest $guest not ready: ${ready:-no $STATE/$guest/ready}"
			return 1
		fi
	done
	echo "# guests up: $(topo_guests | tr '\n' ' ')" >> "$log"
}

# topo_stop LOG: halt the guests (clean shutdown) and remove the netns.
topo_stop()
{
	local log=$1 rc=0

	echo "# RUN=$RUN ./uml/stop-topology.sh" >> "$log"
	(cd "$KIT" && RUN=$RUN KEEP=1 timeout -k 5 "${STOP_TIMEOUT:-120}" ./uml/stop-topology.sh) >> "$log" 2>&1 < /dev/null || rc=$?
	if [ "$rc" != 0 ]; then
		echo "stop-topology.sh failed (exit $rc)"
		return 1
	fi
}

# Guests of the run: every state subdirectory with a console log.
topo_guests()
{
	local dir

	for dir in "$STATE"/*/; do
		[ -e "$dir/console.log" ] && basename "$dir"
	done
	return 0
}

# topo_guest_kernel GUEST: the kernel kind (debug|release|stock) it runs.
topo_guest_kernel()
{
	sed -n "s/^GUEST_KERNEL=['\"]\{0,1\}\([^'\"]*\).*/\1/p" "$STATE/$1/config" 2> /dev/null
}
