# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for every relaykit test (host, kunit, integration).  A test is a
# bash script run by tests/run.sh with its stdout and stderr going to its
# log file; it passes by exiting 0.  The runner shows the reason of the last
# fail() (or the exit status) and appends the last note() to the ok line.
#
# Environment from the runner: KIT, RK_NAME, RK_LOG, RK_NOTE, RK_RESULTS.

KIT=${KIT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RK_NAME=${RK_NAME:-$(basename "$0" .sh)}
RK_NOTE=${RK_NOTE:-/dev/null}
RK_RESULTS=${RK_RESULTS:-/dev/null}

# Kernel kinds and their files: kernel_dir debug, kernel_config x86 ...
# shellcheck source=../../lib/kernel-kind.sh
source "$KIT/lib/kernel-kind.sh"

# Exit status the runner reads as "skipped" (same value as kselftest's KSFT_SKIP).
RK_SKIP=4

log()
{
	echo "# $*"
}

# A command that fails under set -e ends the test: say which one.
rk_err_trap()
{
	echo "FAIL: ${BASH_SOURCE[1]##*/} line $2: '$3' exited with status $1" >&2
}
trap 'rk_err_trap $? $LINENO "$BASH_COMMAND"' ERR

# fail REASON: end the test; REASON is what the runner prints on the FAIL line.
fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

# skip REASON: only for tests that cannot run at all in this setup.
skip()
{
	echo "SKIP: $*" >&2
	exit "$RK_SKIP"
}

# note TEXT: a short result appended to the runner's ok line (e.g. a rate).
note()
{
	echo "NOTE: $*"
	echo "$*" > "$RK_NOTE"
}

# expect_kernel_report REGEX: this test provokes a kernel report on purpose;
# the runner's kernel log check must find one matching REGEX (grep -E).
expect_kernel_report()
{
	echo "EXPECT-KLOG: $1"
}

# expect_frozen_guest GUEST: this test freezes GUEST on purpose; the
# runner's probe after the test must find GUEST, and only GUEST, frozen.
expect_frozen_guest()
{
	echo "EXPECT-FROZEN: $1"
}

# result ok|fail|skip NAME [REASON]: report one sub-test (e.g. a KUnit case)
# as a line of its own instead of the test's single line.
result()
{
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$RK_RESULTS"
}

# Print the monotonic time in milliseconds.
now_ms()
{
	local s=${EPOCHREALTIME/./}

	echo $((s / 1000))
}

# conc_hung RC OUTPUT: why a `tcpclient.pl conc` run (exit status RC,
# OUTPUT) hung, or nothing when it did not.  Connections may fail (exit 1)
# where faults are injected, but none may hang: tcpclient.pl ends a run in
# which nothing moved for 30 s with "N stalled" in its "conc:" summary.
conc_hung()
{
	local rc=$1 summary

	summary=$(printf '%s\n' "$2" | sed -n 's/^conc: //p' | tail -n 1)
	if [ -z "$summary" ] || ((rc > 1)); then
		echo "the clients did not finish (exit $rc): $(printf '%s\n' "$2" | tail -n 1)"
	elif [[ $summary == *stalled* ]]; then
		echo "connections hung: $summary"
	fi
}

# retry SECONDS CMD...: run CMD until it succeeds or SECONDS have passed.
retry()
{
	local deadline=$((SECONDS + $1))

	shift
	until "$@"; do
		((SECONDS < deadline)) || return 1
		sleep 0.5
	done
}
