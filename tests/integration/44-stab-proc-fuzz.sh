#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile input on /proc/net/relay/rules and control (tests/guest/
# procfuzz.pl in the relay guest): thousands of random, mutated, truncated,
# non-UTF-8, oversized (> PAGE_SIZE: EINVAL) and partial writes from one
# writer, then several writers at once with readers of every file; only
# documented errnos, and the rules read back exactly as a model of the
# accepted commands says.  Unprivileged writes (user relayuser, uid 1000:
# the files are 0666, the kernel checks CAP_NET_ADMIN) all get EPERM.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"
# shellcheck source=../lib/stability.sh
source "$(dirname "$0")/../lib/stability.sh"

WRITES=${STAB_FUZZ_WRITES:-3000}
PAR_WRITES=${STAB_FUZZ_PAR_WRITES:-500}
SEED=${STAB_FUZZ_SEED:-$$}

need_relay
# flush first: a fuzzed rule on a foreign address would make start fail.
trap 'rule_quiet flush; relay_restore; stab_cleanup' EXIT
stab_snapshot before
log "seed $SEED (STAB_FUZZ_SEED=$SEED repeats this run)"

out=$(EXEC_TIMEOUT=300 gexec relay perl "$GTOOLS/procfuzz.pl" random "$SEED" "$WRITES" 2>&1) || {
	echo "$out"
	fail "random writes: $(echo "$out" | grep -m1 VIOLATION || echo "$out" | tail -n 1)"
}
echo "$out"
random=$(echo "$out" | grep '^random:')
rule_quiet flush

out=$(EXEC_TIMEOUT=300 gexec relay perl "$GTOOLS/procfuzz.pl" parallel "$SEED" "$PAR_WRITES" 4 2 2>&1) || {
	echo "$out"
	fail "parallel writers: $(echo "$out" | grep -m1 VIOLATION || echo "$out" | tail -n 1)"
}
echo "$out"
rule_quiet flush

out=$(gexec relay setpriv --reuid=1000 --regid=1000 --clear-groups perl "$GTOOLS/procfuzz.pl" unpriv 2>&1) || {
	echo "$out"
	fail "unprivileged writes: $(echo "$out" | grep -m1 VIOLATION || echo "$out" | tail -n 1)"
}
echo "$out"

relay_restore
stab_finish 30
note "${random%%;*}; parallel 4x$PAR_WRITES writes + 2 readers; unprivileged: EPERM, conns EACCES; seed $SEED"
