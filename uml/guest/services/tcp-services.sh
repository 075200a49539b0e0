#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tcp-services.sh: small TCP servers for relay tests, on IPv4 and IPv6, all
# logging to /relaykit/run/tcp-services.log:
#   7     echo (until the client's EOF)
#   9000  sha256sum of everything received, sent after the client's EOF
#         (uploads and half-close)
#   2000  server speaks first: a banner line, then echo
#   5201  iperf3 server

set -euo pipefail

SERVICE=tcp-services
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# socat's -t: how long to wait for the other direction after one side's
# EOF; generous so a slow hash of a big upload still gets sent back.
start_socat()
{
	local port=$1 target=$2

	setsid socat -t 60 -T 600 "TCP6-LISTEN:$port,ipv6only=0,fork,reuseaddr,backlog=128" \
		"$target" >> "$SERVICE_LOG" 2>&1 < /dev/null &
	wait_listening tcp "$port" || die "socat on port $port is not listening (see $SERVICE_LOG)"
}

start_socat 7 EXEC:cat
start_socat 9000 SYSTEM:sha256sum
start_socat 2000 "SYSTEM:echo RELAYKIT-BANNER $HOSTNAME; exec cat"

iperf3 -s -D --logfile "$SERVICE_LOG" || die "iperf3 -s failed (see $SERVICE_LOG)"
wait_listening tcp 5201 || die "iperf3 is not listening on port 5201 (see $SERVICE_LOG)"
log "echo on 7, sha256 on 9000, banner on 2000, iperf3 on 5201"
