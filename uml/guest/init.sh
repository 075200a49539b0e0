#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of a relaykit UML guest, exec'd by /sbin/relaykit-init once the kit
# is at /relaykit/kit (read-only) and the guest's state dir at /relaykit/run.
#
# Brings the guest up from /relaykit/run/config, starts the exec agent,
# runs /relaykit/run/start.sh, writes /relaykit/run/ready ("ok" or
# "failed: REASON"), then reaps orphans until told to stop: SIGTERM,
# SIGINT (mconsole "cad", once ctrl-alt-del is routed to us) or SIGPWR
# power the guest off cleanly.
#
# No 'set -e': PID 1 exiting panics the kernel, so every failure is
# recorded and reported in the ready file instead.
set -uo pipefail

KIT=/relaykit/kit
RUN=/relaykit/run
SERVICES="$KIT/uml/guest/services"
AGENT="$KIT/build/agent"
START_TIMEOUT=${START_TIMEOUT:-300}

RELAYCTL="$KIT/build/relayctl"
# /usr/local/sbin: relayctl (below).
export PATH="/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin:$SERVICES"
export HOME=/root LC_ALL=C

failures=()

log()
{
	echo "relaykit: $*"
}

fail()
{
	log "ERROR: $*"
	failures+=("$*")
}

# hostfs writes are cached by the guest: sync before the rename makes the
# host see the content no later than the file name.
publish_ready()
{
	if ! { printf '%s\n' "$1" > "$RUN/ready.tmp" &&
	       sync "$RUN/ready.tmp" &&
	       mv -f "$RUN/ready.tmp" "$RUN/ready"; }; then
		log "ERROR: cannot write $RUN/ready"
	fi
}

poweroff_guest()
{
	log "$1: powering off"
	trap '' TERM INT PWR
	# Everything but us; daemons get a moment to exit before SIGKILL.
	kill -TERM -1 2> /dev/null
	sleep 0.5
	kill -KILL -1 2> /dev/null
	sync
	busybox poweroff -f
	# Only if busybox is missing: panics, but the guest still ends.
	exit 0
}

trap 'poweroff_guest SIGTERM' TERM
trap 'poweroff_guest SIGINT' INT
trap 'poweroff_guest SIGPWR' PWR

# Kernel default is an immediate reboot on ctrl-alt-del; 0 turns it into
# SIGINT to PID 1, so mconsole "cad" becomes a clean shutdown.
echo 0 > /proc/sys/kernel/ctrl-alt-del || fail "cannot route ctrl-alt-del to init"

# shellcheck source=/dev/null
if [ -f "$RUN/config" ]; then
	. "$RUN/config" || fail "errors in $RUN/config"
else
	fail "$RUN/config not found"
fi
GUEST_NAME=${GUEST_NAME:-guest}
GUEST_KERNEL=${GUEST_KERNEL:-}
IFACES=${IFACES:-}
ROUTES=${ROUTES:-}
SYSCTLS=${SYSCTLS:-}
BUILD_DIR=${BUILD_DIR:-}
NET_RELAY_KO=${NET_RELAY_KO:-}
# Service helpers (relay-load.sh) and start.sh need these.
export GUEST_NAME GUEST_KERNEL BUILD_DIR NET_RELAY_KO

kernel_release=$(uname -r)
log "guest $GUEST_NAME up, kernel $kernel_release ($GUEST_KERNEL)"
hostname "$GUEST_NAME" || fail "cannot set hostname $GUEST_NAME"
echo "127.0.1.1	$GUEST_NAME" >> /etc/hosts

# Debian's stock UML kernel has most of netfilter as modules, shipped on the
# host in /usr/lib/uml/modules; our own kernels have everything built in.
if [ ! -d "/lib/modules/$kernel_release" ]; then
	mkdir -p /lib/modules
	if mount -t hostfs -o ro,/usr/lib/uml/modules none /lib/modules 2> /dev/null &&
	   [ ! -d "/lib/modules/$kernel_release" ]; then
		umount /lib/modules
	fi
fi

ip link set lo up || fail "cannot bring up lo"
for ifc in $IFACES; do
	# On a veth network the device is UML's vector driver's vecN: give it
	# the topology's name.
	dev_var="DEV_$ifc"
	if [ -n "${!dev_var:-}" ]; then
		ip link set "${!dev_var}" name "$ifc" || { fail "cannot rename ${!dev_var} to $ifc"; continue; }
	fi
	ip link set "$ifc" up || { fail "cannot bring up $ifc"; continue; }
	addrs_var="ADDRS_$ifc"
	v6=0
	for addr in ${!addrs_var:-}; do
		# An IPv6 address is usable at once, not after duplicate
		# address detection: each address of a topology is unique.
		# The interface's first IPv6 address is its source address,
		# as the first IPv4 one is: the others are deprecated
		# (preferred_lft 0), used only where a program binds them.
		case $addr in
		*:*)
			if ((v6++)); then
				ip addr add "$addr" dev "$ifc" nodad preferred_lft 0
			else
				ip addr add "$addr" dev "$ifc" nodad
			fi
			;;
		*) ip addr add "$addr" dev "$ifc" ;;
		esac || fail "cannot add $addr to $ifc"
	done
done

IFS=';' read -ra routes <<< "$ROUTES"
for route in "${routes[@]}"; do
	[ -n "${route// /}" ] || continue
	# shellcheck disable=SC2086 # a route is "PREFIX via GW ...": split it
	ip route add $route || fail "cannot add route '$route'"
done

IFS=';' read -ra sysctls <<< "$SYSCTLS"
for kv in "${sysctls[@]}"; do
	read -r kv <<< "$kv"
	[ -n "$kv" ] || continue
	sysctl -q -w "$kv" || fail "cannot set sysctl '$kv'"
done

# relayctl from the kit (make relayctl), with its man page and bash
# completion, before anything may call it. / is the guest's own (COW file
# or QEMU snapshot), writable since relaykit-init remounted it. Without a
# binary the guest still comes up: only relayctl's tests need it.
if [ -x "$RELAYCTL" ]; then
	if ! { mkdir -p /usr/local/sbin /usr/local/share/man/man8 /etc/bash_completion.d &&
	       ln -sf "$RELAYCTL" /usr/local/sbin/relayctl &&
	       ln -sf "$KIT/docs/relayctl.8" /usr/local/share/man/man8/relayctl.8 &&
	       ln -sf "$KIT/relayctl/relayctl.bash-completion" /etc/bash_completion.d/relayctl; }; then
		fail "cannot install relayctl from $RELAYCTL"
	fi
else
	log "no $RELAYCTL (make relayctl): relayctl is not installed"
fi

mkdir -p "$RUN/spool"
if [ -x "$AGENT" ]; then
	(cd / && exec "$AGENT" "$RUN/spool" >> "$RUN/agent.log" 2>&1 < /dev/null) &
else
	fail "exec agent $AGENT missing (run 'make agent' on the host)"
fi

if [ -f "$RUN/start.sh" ]; then
	log "running start.sh (log: $RUN/start.log)"
	# In the background so that a stop request is handled while it runs.
	(cd /root && exec timeout "$START_TIMEOUT" bash "$RUN/start.sh") \
		> "$RUN/start.log" 2>&1 < /dev/null &
	wait $!
	rc=$?
	if [ "$rc" = 124 ]; then
		fail "start.sh timed out after ${START_TIMEOUT}s (see $RUN/start.log)"
	elif [ "$rc" != 0 ]; then
		fail "start.sh exited $rc (see $RUN/start.log)"
	fi
	sync "$RUN/start.log"
fi

read -r uptime _ < /proc/uptime
if [ "${#failures[@]}" = 0 ]; then
	publish_ready ok
	log "ready after ${uptime}s"
else
	publish_ready "failed: $(IFS=';'; echo "${failures[*]}")"
	log "NOT ready after ${uptime}s: ${failures[*]}"
fi

# Orphans are re-parented to us; bash reaps any child it is told about by
# SIGCHLD while it waits.  A trapped signal interrupts 'wait' at once.
while :; do
	sleep 3600 &
	wait $!
done
