#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# relay-load.sh [RULE...]: make net/relay available and install rules.
#   - insmod $NET_RELAY_KO unless /proc/net/relay exists (built in, or
#     already loaded)
#   - net.ipv4.ip_forward=1 and net.ipv6.conf.all.forwarding=1 (the UDP
#     relay's datagrams take the forward path)
#   - each RULE is written as one command to /proc/net/relay/rules,
#     e.g. "add tcp 80 198.51.100.2:80"
# Log: /relaykit/run/relay-load.log

set -euo pipefail

SERVICE=relay-load
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

RULES=/proc/net/relay/rules

if [ ! -d /proc/net/relay ]; then
	ko=${NET_RELAY_KO:-}
	[ -n "$ko" ] ||
		die "net/relay is not built in and the kernel '${GUEST_KERNEL:-?}' has no module"
	[ -f "$ko" ] || die "$ko not found: build the debug kernel first"
	err=$(insmod "$ko" 2>&1) || die "insmod $ko failed: $err (kernel log: dmesg)"
	log "loaded $ko"
	[ -d /proc/net/relay ] || die "$ko loaded but /proc/net/relay is missing"
fi

sysctl -q -w net.ipv4.ip_forward=1 || die "cannot enable net.ipv4.ip_forward"
if [ -d /proc/sys/net/ipv6 ]; then
	sysctl -q -w net.ipv6.conf.all.forwarding=1 ||
		die "cannot enable net.ipv6.conf.all.forwarding"
fi

for rule in "$@"; do
	# One write(2) per command, as the rules file requires.
	if ! err=$( { printf '%s\n' "$rule" > "$RULES"; } 2>&1 ); then
		die "rule '$rule' rejected: ${err##*: }"
	fi
	log "rule added: $rule"
done
log "$(wc -l < "$RULES") rule(s) active"
