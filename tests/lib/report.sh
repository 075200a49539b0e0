# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the runner prints: one line per test ("ok   NAME (TIME) NOTE",
# "FAIL NAME: REASON (log: FILE)", "skip NAME: REASON"), and at the end the
# tail of each failed test's log and the one summary line "N passed, N
# failed[, N skipped]". Sourced by tests/run.sh; uses LOGDIR and
# TEST_TIMEOUT.

PASSED=0
FAILED=0
SKIPPED=0
FAILED_LOGS=()

relpath()
{
	case $1 in
	"$PWD"/*) echo "${1#"$PWD"/}" ;;
	*) echo "$1" ;;
	esac
}

report_ok()
{
	# $1 name, $2 duration or "", $3 note or ""
	local line="ok   $1"

	[ -n "$2" ] && line+=" ($2)"
	[ -n "$3" ] && line+=" $3"
	echo "$line"
	PASSED=$((PASSED + 1))
}

report_fail()
{
	# $1 name, $2 reason, $3 log, $4 "notail": do not repeat the log's tail
	echo "FAIL $1: $2 (log: $(relpath "$3"))"
	FAILED=$((FAILED + 1))
	[ "${4:-}" = notail ] || FAILED_LOGS+=("$1|$3")
}

report_skip()
{
	echo "skip $1: $2"
	SKIPPED=$((SKIPPED + 1))
}

# Reason of a failed test: its last "FAIL: " line, else the exit status.
fail_reason()
{
	local log=$1 rc=$2 reason

	reason=$(grep '^FAIL: ' "$log" | tail -n 1 | cut -c7- || true)
	if [ -n "$reason" ]; then
		echo "${reason:0:200}"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "timed out after ${3:-$TEST_TIMEOUT}s"
	else
		echo "exit status $rc"
	fi
}

# ms_since START: milliseconds since START, an $EPOCHREALTIME.
ms_since()
{
	local now=${EPOCHREALTIME/./} start=${1/./}

	echo $(((now - start) / 1000))
}

# seconds_since START: the same as "12.3s", for the ok lines.
seconds_since()
{
	local ms

	ms=$(ms_since "$1")
	printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

log_name()
{
	echo "$LOGDIR/${1//[^A-Za-z0-9._-]/_}.log"
}

# report_summary: the failed tests' log tails, then the summary line;
# true when nothing failed.
report_summary()
{
	local i

	for i in "${FAILED_LOGS[@]}"; do
		echo "--- ${i%%|*}: last 20 lines of $(relpath "${i#*|}")"
		tail -n 20 "${i#*|}"
		# A failure in a topology: what the network saw (phase_postmortem).
		[ ! -s "${i#*|}.postmortem" ] || cat "${i#*|}.postmortem"
	done
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
	[ "$FAILED" = 0 ]
}
