#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 100 stop/start cycles of /proc/net/relay/control while HTTP (short TCP
# connections) and DNS (new UDP mappings) flow through the relay.  Each
# cycle must succeed and read back; afterwards the relay serves at once,
# holds no relay, socket or mapping, and the relay guest's memory (the
# relay's slab caches, kmalloc, unreclaimable slab, MemFree) is back within
# the tolerances of tests/lib/stability.sh; no net/relay kmemleak report.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/stability.sh
source "$(dirname "$0")/../lib/stability.sh"

CYCLES=${STAB_CONTROL_CYCLES:-100}

need_relay
trap 'stab_load_stop > /dev/null 2>&1 || true; relay_restore; stab_cleanup' EXIT
stab_settle 30
stab_snapshot before

stab_load_start 300
sleep 2
# In the guest (perl: a fork in the UML guest costs more than a cycle).
# The pauses let traffic hit both the stopped and the running relay.
out=$(EXEC_TIMEOUT=300 gexec relay perl "$GTOOLS/cycle.pl" control "$CYCLES" 2>&1) ||
	fail "stop/start cycles: $out"
log "$out"
stab_serves
stab_load_stop
stab_load_ok
stab_finish 60
note "$CYCLES stop/start cycles under load; ${STAB_LOAD//$'\n'/ }; delta $STAB_DELTA"
