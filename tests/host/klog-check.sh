#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel log check (tests/lib/klog.sh) on synthetic guests: the real
# klog_check with the guest side stubbed (a debug-kernel guest whose
# kmemleak answers what the case says, and its console.log). Reports of
# every size must fail the check, 20 times in a row: 5, 2,000 and 5,000
# net/relay leaks, and a storm of 3,000 warnings on the console; so must
# a leak outside net/relay (the relay can leak the stack's objects); a
# clean console and no leak must not. (Under pipefail a `grep -q` at the
# end of the classifier's pipe saw a big report as none: 2,000 leaks were
# missed 20 times in 20.) Then a detector test's expected report: it may
# clear only itself, not a report beside it.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
# shellcheck source=../lib/klog.sh
source "$KIT/tests/lib/klog.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RUN=klog-selftest
STATE=$work/state
LOGDIR=$work/logs
mkdir -p "$STATE/relay" "$LOGDIR"
: > "$STATE/relay/console.log"

# The stubbed guest side: one guest on the debug kernel, whose kmemleak
# prints $work/kmemleak.
# shellcheck disable=SC2317 # called by klog_check
phase_guests() { echo relay; }
# shellcheck disable=SC2317
rk_guest_config() { echo debug; }
# shellcheck disable=SC2317
klog_kmemleak() { cat "$work/kmemleak"; }

# leaks N FUNCTION: N kmemleak reports whose backtrace ends in FUNCTION.
leaks()
{
	awk -v n="$1" -v fn="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "unreferenced object 0x%016x (size 256):\n", 1099511627776 + i * 256
			print "  comm \"kworker/0:1\", pid 42, jiffies 4294937296 (age 12.340s)"
			print "  hex dump (first 32 bytes):"
			print "    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................"
			print "  backtrace:"
			print "    [<000000006c1c0e4f>] __kmem_cache_alloc_node+0x1b5/0x2f0"
			printf "    [<00000000a0b1c2d3>] %s+0x41/0x120\n", fn
			print "    [<00000000deadbeef>] process_one_work+0x2d5/0x5a0"
		}
	}'
}

# check CASE WANT: run klog_check; WANT "fail" or "pass".
check()
{
	local reason rc=0

	reason=$(klog_check "$work/check.log") || rc=$?
	case $2:$rc in
	fail:1 | pass:0) return 0 ;;
	fail:*) fail "$1: the check passed (rc $rc): a report was missed" ;;
	*) fail "$1: the check failed (rc $rc): $reason" ;;
	esac
}

leaks 2 sock_alloc_inode > "$work/kmemleak"
check "2 leaks outside net/relay" fail
: > "$work/kmemleak"
printf '[   12.000000] eth0: link up\n' >> "$STATE/relay/console.log"
check "a clean console" pass

for n in 5 2000 5000; do
	leaks "$n" nrelay_conn_alloc > "$work/kmemleak"
	for i in $(seq 20); do
		check "$n net/relay leaks, run $i" fail
	done
done
: > "$work/kmemleak"
for i in $(seq 20); do
	awk -v i="$i" 'BEGIN { for (n = 0; n < 3000; n++)
		printf "[ %d.%06d] WARNING: CPU: 0 PID: 1 at net/core/dev.c:1 f+0x0/0x0\n", i, n }' \
		>> "$STATE/relay/console.log"
	check "3000 warnings on the console, run $i" fail
done
check "nothing new after the storm" pass

# A detector test's expected report clears only itself (klog_expected on
# the findings of klog_check): the canary's leak alone passes; with a
# leak elsewhere in net/relay beside it, or with no leak at all, it fails.
expect='net/relay leaked memory|nrelay_canary_leak'
expected()
{
	local reason

	rm -f "$work/check.log.findings"
	klog_check "$work/check.log" > /dev/null || true
	reason=$(klog_expected "$work/check.log" "$expect")
	case $2 in
	pass) [ -z "$reason" ] || fail "$1: $reason" ;;
	*) [[ $reason == *"$2"* ]] || fail "$1: '$reason' instead of '$2'" ;;
	esac
}
leaks 5 nrelay_canary_leak > "$work/kmemleak"
expected "the canary's leak" pass
{ leaks 5 nrelay_canary_leak; leaks 1 nrelay_udp_map_alloc; } > "$work/kmemleak"
expected "the canary's leak and another" "besides the expected report"
: > "$work/kmemleak"
expected "no leak" "no report matching"
leaks 5 nrelay_canary_leak > "$work/kmemleak"
printf '[   99.000000] WARNING: CPU: 0 PID: 7 at net/relay/tcp.c:12 nrelay_pump+0x1/0x2\n' >> "$STATE/relay/console.log"
expected "the canary's leak and a warning" "besides the expected report"
note "5, 2000 and 5000 relay leaks and a 3000-warning storm caught 20/20; an expected report hides no other"
