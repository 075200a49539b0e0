#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# UML guests on a bridge (ethN=tuntap) get every frame when it comes, not
# when the next one does: 3,000 UDP datagrams echoed one at a time between
# two guests of uml/topology/bridge-pair.topo, each back within 3 s. tun
# sends its SIGIO before it wakes up epoll; a guest whose handler ran in
# between slept with the frame in its tap (patch 0006): 6 of 2,000 were
# lost so, and in the x86 group a DNS answer and a reset to the client.
# Alone (a parallel run puts it after the lanes), as it times each frame.
# The ping starts once the echo listens: before, datagram 1 could reach
# guest b before its socket did (Udp NoPorts 1 there) and was lost, 1 of
# 3,000 in about half the runs, which had looked like a wakeup lost
# under load.
# relaykit-test: no-guests
# relaykit-test: exclusive
set -euo pipefail
# A run of its own, set before guest.sh (whose phase-topology.sh would make
# an unset RUN the demo's).
RUN=${RUN:-test-$$}-tap
STATE=
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/klog.sh
source "$KIT/tests/lib/klog.sh"

STATE=$KIT/run/$RUN
# shellcheck disable=SC2034 # read by phase_start
TOPOLOGY=$KIT/uml/topology/bridge-pair.topo
RK_LOG=${RK_LOG:-/dev/stderr}
LOGDIR=$(mktemp -d)
export RUN STATE

# The suite's checks of a run: no kernel report on the consoles, a clean
# stop.
stop()
{
	local rc=$? reason=''

	reason=$(klog_check "$RK_LOG" console) || true
	# The runner's post-mortem is for its own topology; this is ours.
	if [ "$rc" != 0 ] && [ -f "$RK_LOG" ]; then
		phase_postmortem "$RK_LOG.postmortem"
	fi
	phase_stop "$RK_LOG" > /dev/null || reason=${reason:-stop-topology.sh failed}
	rm -rf "$LOGDIR"
	[ -z "$reason" ] || { echo "FAIL: $reason"; rc=1; }
	exit "$rc"
}
trap stop EXIT

phase_start "$RK_LOG" < /dev/null || fail "the bridge pair did not start"
gexec b sh -c "setsid perl $GTOOLS/udpping.pl echo 7777 > /dev/null 2>&1 &" ||
	fail "could not start the echo in guest b"
echo_listening()
{
	gexec b ss -ulnH | awk '$4 ~ /:7777$/ { f = 1 } END { exit !f }'
}
retry 10 echo_listening || fail "the echo in guest b did not listen on port 7777"
out=$(gexec -t 300 a perl "$GTOOLS/udpping.pl" ping 192.0.2.20 7777 3000 3) || {
	log "$out"
	fail "$(tail -n 1 <<< "$out"); $(grep -c 'not back' <<< "$out") not back within 3 s, $(grep -c 'came back after' <<< "$out") of them later"
}
log "$out"
note "${out#ping: }"
