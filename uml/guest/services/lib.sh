# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the guest service helpers: logging to /relaykit/run/$SERVICE.log
# (readable from the host) and to stderr (which start.sh sends to start.log).

RUN=${RELAYKIT_RUN:-/relaykit/run}
SERVICE_LOG="$RUN/$SERVICE.log"

log()
{
	echo "$SERVICE: $*" | tee -a "$SERVICE_LOG" >&2
}

die()
{
	log "ERROR: $*"
	exit 1
}

# wait_listening PROTO PORT: give a daemon up to 5 s to open its socket.
wait_listening()
{
	local flag=-t

	[ "$1" = udp ] && flag=-u
	for _ in $(seq 50); do
		if ss -Hln "$flag" "sport = :$2" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}
