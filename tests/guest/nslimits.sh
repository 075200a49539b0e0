#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# nslimits.sh: run in a network namespace owned by a user namespace of its
# own (unshare --user --map-root-user --net), as root there. Prints the
# net.relay limits it starts with, then tries to set a few sysctls: one
# line "NAME=VALUE ok|refused" each.
set -u

d=/proc/sys/net/relay

try()
{
	if echo "$2" > "$d/$1" 2> /dev/null; then
		echo "$1=$2 ok"
	else
		echo "$1=$2 refused"
	fi
}

echo "start udp_max_mappings=$(cat "$d/udp_max_mappings") max_rules=$(cat "$d/max_rules")"
try udp_max_mappings 16777216
try udp_max_mappings 1001
try udp_max_mappings 500
try udp_max_mappings 1000
try max_rules 1025
try udp_timeout 3600
