# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The topology of a test phase (the guests the kunit and integration
# groups share, the x86 group's, test 31's own): start and stop it, list,
# probe and diagnose its guests. Sourced by tests/run.sh and the tests;
# uses KIT, RUN, STATE and TOPOLOGY. phase_start and phase_stop append to
# LOG and, on failure, print a one-line reason on stdout.

# rk_guest_config and the kernel kinds (lib/kernel-kind.sh). RUN and STATE
# are the caller's: set RUN before sourcing this (uml/lib/common.sh makes
# an unset RUN the demo's).
# shellcheck source=../../uml/lib/common.sh disable=SC2153
source "$KIT/uml/lib/common.sh"
# shellcheck source=../../uml/lib/run.sh
source "$KIT/uml/lib/run.sh"

# The kit as the guests see it (hostfs, read-only), and in it the tools the
# tests run inside the guests (tests/guest/).
# shellcheck disable=SC2034 # for the files that source this one
{
	GUEST_KIT=/relaykit/kit
	GTOOLS=$GUEST_KIT/tests/guest
}

# phase_start LOG: boot the guests of $TOPOLOGY as run $RUN (the debug
# kernel boots slowly: 240 s unless START_TIMEOUT says otherwise); every
# guest must have run its start commands (uml/guest/init.sh).
phase_start()
{
	local log=$1 guest ready

	START_TIMEOUT=${START_TIMEOUT:-240} run_up "${TOPOLOGY:-}" "$log" || return 1
	for guest in $(phase_guests); do
		ready=$(cat "$STATE/$guest/ready" 2> /dev/null || true)
		if [ "$ready" != ok ]; then
			echo "guest $guest not ready: ${ready:-no $STATE/$guest/ready}"
			return 1
		fi
	done
	echo "# guests up: $(phase_guests | tr '\n' ' ')" >> "$log"
}

# phase_stop LOG: halt the guests (clean shutdown) and remove the netns.
phase_stop()
{
	run_down "$1"
}

# Guests of the run: every state subdirectory with a console log.
phase_guests()
{
	local dir

	for dir in "$STATE"/*/; do
		[ -e "$dir/console.log" ] && basename "$dir"
	done
	return 0
}

# phase_unresponsive SECONDS: print the guests that do not run a command
# through their exec agent within SECONDS, one per line. All guests are
# asked at once; a guest that answers is fine whatever it says.
phase_unresponsive()
{
	local limit=$1 guest
	local -A probe=()

	for guest in $(phase_guests); do
		(cd "$KIT" && RUN=$RUN ./uml/exec.sh -t "$limit" "$guest" true) > /dev/null 2>&1 &
		probe[$guest]=$!
	done
	for guest in "${!probe[@]}"; do
		wait "${probe[$guest]}" || echo "$guest"
	done
	return 0
}

# phase_host_state GUEST: one line on GUEST's host process: alive or not, its
# scheduler state and wait channel, and the CPU it used over 2 s, which
# tells a guest that spins from one that sleeps and is never woken.
phase_host_state()
{
	local pid before after wchan cpu0
	local -a f

	pid=$(cat "$STATE/$1/pid" 2> /dev/null) || { echo "no pid file"; return 0; }
	before=$(cat "/proc/$pid/stat" 2> /dev/null) || { echo "host pid $pid gone"; return 0; }
	sleep 2
	after=$(cat "/proc/$pid/stat" 2> /dev/null) || { echo "host pid $pid ended during the probe"; return 0; }
	wchan=$(cat "/proc/$pid/wchan" 2> /dev/null || true)
	# After the command name: the state first, utime and stime 12th, 13th.
	read -ra f <<< "${before##*) }"
	cpu0=$((f[11] + f[12]))
	read -ra f <<< "${after##*) }"
	echo "host pid $pid: state ${f[0]}, wchan ${wchan:-?}," \
		"$(((f[11] + f[12] - cpu0) * 100 / (2 * $(getconf CLK_TCK))))% of a CPU over 2 s"
}

# phase_diagnose GUEST LOG: why GUEST does not answer, in LOG: its host
# process (and every process of its group: UML runs the guest's processes
# as host processes), and the tail of its console. Prints a one-line
# summary.
phase_diagnose()
{
	local guest=$1 log=$2 pid host members

	host=$(phase_host_state "$guest")
	pid=$(cat "$STATE/$guest/pid" 2> /dev/null || true)
	members=$([ -z "$pid" ] || pgrep -d, -g "$pid" || true)
	{
		echo "# guest $guest stopped answering: $host"
		if [ -n "$members" ]; then
			echo "# its host processes (process group $pid):"
			ps -o pid=,stat=,wchan:24=,time=,args= -p "$members" | cut -c1-150 | sed 's/^/#   /'
		fi
		echo "# last 25 lines of $STATE/$guest/console.log:"
		tail -n 25 "$STATE/$guest/console.log" 2> /dev/null | tr -d '\r' | cat -v | sed 's/^/#   /'
	} >> "$log"
	echo "guest $guest stopped answering ($host)"
}

# phase_postmortem FILE: after a failed test, what the network saw, in
# FILE: the links of the run's netns (a bridge port or tap that dropped),
# and per guest its interfaces, its IP/UDP/TCP counters (IPv6's: those not
# 0) and net/relay's counts and relays. A datagram or segment lost between
# guests shows as a count that does not match on the two sides of a link.
phase_postmortem()
{
	local file=$1 guest ns=''

	[ -r "$STATE/netns" ] && read -r ns < "$STATE/netns"
	{
		if [ -n "$ns" ]; then
			echo "# post-mortem: links of netns $ns:"
			ip netns exec "$ns" cat /proc/net/dev 2>&1 | sed 's/^/#   /'
		fi
		for guest in $(phase_guests); do
			echo "# post-mortem: guest $guest:"
			# shellcheck disable=SC2016 # expanded by the guest's shell
			(cd "$KIT" && RUN=$RUN ./uml/exec.sh -t 20 "$guest" sh -c '
				cat /proc/net/dev /proc/net/snmp
				echo "/proc/net/snmp6 (Ip6, Icmp6, Udp6; counts not 0):"
				awk "/^(Ip6|Icmp6|Udp6)[A-Z]/ && \$2 != 0 { printf \"%s=%s \", \$1, \$2 } END { print \"\" }" /proc/net/snmp6
				[ -r /proc/net/relay/stats ] || exit 0
				echo "/proc/net/relay/stats (counts not 0):"
				grep -v " 0\$" /proc/net/relay/stats
				echo "/proc/net/relay/conns:"
				cat /proc/net/relay/conns') 2>&1 | sed 's/^/#   /'
		done
	} > "$file"
}
