#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner survives a frozen guest: the relay's host processes are
# stopped (SIGSTOP to its process group, so it answers nothing, as a
# frozen UML kernel does); the runner's probe after this test must find
# the relay and only the relay, say what its host process is doing, stop
# the topology and boot a fresh one for the tests after it (the detect-*
# tests, which all need the relay: they fail on a frozen one).
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
pid=$(cat "$STATE/relay/pid")
# Only our own guest: its command line names the run's umid.
cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline")
[[ " $cmdline " == *" umid=rk-$RUN-relay "* ]] ||
	fail "pid $pid is not the relay guest of run $RUN: $cmdline"
gexec relay true || fail "the relay does not answer before the freeze"

expect_frozen_guest relay
kill -STOP -- "-$pid"
log "relay guest (host process group $pid) stopped"
