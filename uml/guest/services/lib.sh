# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the guest service helpers: logging to /relaykit/run/$SERVICE.log
# (readable from the host) and to stderr (which start.sh sends to start.log).

RUN=${RELAYKIT_RUN:-/relaykit/run}
SERVICE_LOG="$RUN/$SERVICE.log"

# Process creation is slow in a UML guest (tens of ms): these helpers
# avoid forks, so that boot-to-ready stays short.

log()
{
	echo "$SERVICE: $*" >> "$SERVICE_LOG"
	echo "$SERVICE: $*" >&2
}

die()
{
	log "ERROR: $*"
	exit 1
}

# is_listening PROTO PORT: a listening TCP socket (state 0A) or a bound UDP
# socket (state 07) on PORT, IPv4 or IPv6, read from /proc/net.
is_listening()
{
	local state=0A hexport file local_addr st

	[ "$1" = udp ] && state=07
	printf -v hexport '%04X' "$2"
	for file in "/proc/net/$1" "/proc/net/${1}6"; do
		[ -r "$file" ] || continue
		while read -r _ local_addr _ st _; do
			[[ $local_addr == *:"$hexport" && $st == "$state" ]] && return 0
		done < "$file"
	done
	return 1
}

# wait_listening PROTO PORT: give a daemon up to 5 s to open its socket.
wait_listening()
{
	local i

	for ((i = 0; i < 50; i++)); do
		is_listening "$1" "$2" && return 0
		sleep 0.1
	done
	return 1
}
