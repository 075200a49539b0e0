#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Basic reachability: client <-> relay on front, relay <-> server on back.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

ping_from()
{
	gexec "$1" busybox ping -c 2 -W 2 "$2" || fail "$1 cannot ping $2"
}

ping_from client "$RELAY_FRONT"
ping_from relay "$CLIENT_IP"
ping_from relay "$CLIENT_IP2"
ping_from relay "$SERVER_IP"
ping_from server "$RELAY_BACK"
