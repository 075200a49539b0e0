#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in a guest through its exec agent and exit with its status.
#
#   ./uml/exec.sh [-i] [-t SECONDS] GUEST CMD [ARGS...]
#
#   -i          forward our stdin to the command (else it reads /dev/null)
#   -t SECONDS  kill the command after SECONDS (default $EXEC_TIMEOUT or 120),
#               exit 124
# Environment: RUN (default demo). The command's stdout and stderr are
# copied to ours once it has finished. Many may run at once.
#
# Protocol (spool dir STATE/GUEST/spool, see the contract): write ID.argv
# (and ID.in), rename ID.tmp -> ID.go, wait for ID.rc, read ID.out/ID.err;
# ID.kill asks the agent to kill the command.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() {
	echo "usage: [RUN=id] $RK_PROG [-i] [-t SECONDS] GUEST CMD [ARGS...]" >&2
	exit 2
}

timeout=${EXEC_TIMEOUT:-120}
with_stdin=0
while getopts it:h opt; do
	case $opt in
	i) with_stdin=1 ;;
	t) timeout=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
(($# >= 2)) || usage
guest=$1
shift
if [[ ! $timeout =~ ^[0-9]+$ ]] || ((timeout == 0)); then
	rk_die "timeout '$timeout' is not a positive number of seconds"
fi

rk_check_run_name "$RUN"
rk_require_guest_up "$RUN" "$guest"
STATE=$(rk_state_dir "$RUN")
spool=$STATE/$guest/spool
[[ -d $spool ]] || rk_die "guest $guest of run $RUN has no spool dir $spool (see $STATE/$guest/console.log)"
pid=$(< "$STATE/$guest/pid")

id=$$-1-$SRANDOM
base=$spool/$id
cleanup_files() { rm -f "$base".{argv,in,tmp,go,run,out,err,rc,rc.tmp,kill}; }

# abandon REASON: stop the command if the agent has it, then clean up.
abandon() {
	local tries=50

	trap '' INT TERM
	# Still queued? Then the agent never sees it.
	if mv "$base.go" "$base.cancel" 2> /dev/null; then
		rm -f "$base.cancel"
	elif [[ ! -e $base.rc ]]; then
		: > "$base.kill"
		while [[ ! -e $base.rc ]] && ((tries-- > 0)) && rk_pid_alive "$pid"; do
			rk_sleep 0.05
		done
	fi
	cleanup_files
}

trap 'abandon; rk_err "interrupted"; exit 130' INT
trap 'abandon; exit 143' TERM

printf '%s\0' "$@" > "$base.argv"
((with_stdin)) && cat > "$base.in"
: > "$base.tmp"
mv "$base.tmp" "$base.go"

# Poll fast at first (most commands are short), then back off.
now_us=${EPOCHREALTIME/./}
deadline=$((now_us + timeout * 1000000))
delay=0.005
polls=0
while [[ ! -e $base.rc ]]; do
	now_us=${EPOCHREALTIME/./}
	if ((now_us >= deadline)); then
		abandon
		rk_err "$guest: '$*' timed out after ${timeout}s (killed)"
		exit 124
	fi
	if ((++polls % 20 == 0)) && ! rk_pid_alive "$pid"; then
		cleanup_files
		rk_die "guest $guest died while running '$*'; see $STATE/$guest/console.log"
	fi
	rk_sleep "$delay"
	case $delay in
	0.005) ((polls < 20)) || delay=0.02 ;;
	0.02) ((polls < 100)) || delay=0.1 ;;
	esac
done

rc=$(< "$base.rc")
[[ -e $base.out ]] && cat "$base.out"
[[ -e $base.err ]] && cat "$base.err" >&2
cleanup_files
[[ $rc =~ ^[0-9]+$ ]] || rk_die "$guest: agent wrote a bad exit code '$rc' for '$*'"
exit "$rc"
