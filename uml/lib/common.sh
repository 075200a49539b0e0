# shellcheck shell=bash
# Shared helpers for the host-side relaykit scripts (uml/*.sh).
# Sourced, never executed. Callers run with `set -euo pipefail`.

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=${RUN:-demo}

# shellcheck source=../../lib/log.sh
. "$KIT/lib/log.sh"
# shellcheck source=../../lib/kernel-kind.sh
. "$KIT/lib/kernel-kind.sh"

# Run ids become directory names, netns names and umids: keep them tame.
rk_check_run_name() {
	local run=$1

	[[ $run =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$ ]] ||
		rk_die "bad run id '$run' (letters, digits, '.', '_', '-'; at most 40)"
}

rk_state_dir() { printf '%s/run/%s\n' "$KIT" "$1"; }

rk_umid() { printf 'rk-%s-%s\n' "$1" "$2"; }	# RUN GUEST

# Sleep without forking: 20 concurrent exec.sh polling every few ms would
# otherwise spawn hundreds of sleep(1) processes a second.
rk_sleep() {
	if [[ -z ${RK_SLEEP_FD:-} ]]; then
		exec {RK_SLEEP_FD}<> <(:)
	fi
	read -r -t "$1" -u "$RK_SLEEP_FD" _ || true
}

# Seconds from START to END (date +%s.%N stamps), one decimal.
rk_elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# A pid is "ours" when it is alive (not a zombie) and its command line carries
# a token only our own processes have (umid=rk-RUN-GUEST, net/NAME.ctl). This
# guards every kill against pid reuse after a guest died on its own.
rk_pid_alive() {
	local pid=$1 stat

	[[ $pid =~ ^[0-9]+$ ]] || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

rk_pid_is_ours() {
	local pid=$1 token=$2 cmdline

	rk_pid_alive "$pid" || return 1
	cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ " $cmdline " == *" $token "* ]]
}

rk_read_pid() {
	local file=$1 pid

	[[ -r $file ]] || return 1
	read -r pid < "$file" || true
	[[ ${pid:-} =~ ^[0-9]+$ ]] || return 1
	printf '%s\n' "$pid"
}

# Members of process group PGID whose command line carries TOKEN.
rk_group_members() {
	local pgid=$1 token=$2 pid

	for pid in $(pgrep -g "$pgid" 2>/dev/null || true); do
		rk_pid_is_ours "$pid" "$token" && printf '%s\n' "$pid"
	done
	return 0
}

rk_netns_exists() {
	[[ -n $1 ]] && grep -qxF -- "$1" <<< "$(ip netns list 2>/dev/null | awk '{print $1}')"
}

# Is anything of run STATE still alive? (netns present or a saved pid ours)
rk_run_is_up() {
	local state=$1 run pid file name ns

	[[ -d $state ]] || return 1
	run=$(basename "$state")
	if [[ -r $state/netns ]]; then
		read -r ns < "$state/netns" || true
		rk_netns_exists "${ns:-}" && return 0
	fi
	for file in "$state"/*/pid; do
		pid=$(rk_read_pid "$file") || continue
		name=$(basename "$(dirname "$file")")
		rk_pid_is_ours "$pid" "umid=$(rk_umid "$run" "$name")" && return 0
	done
	for file in "$state"/net/*.pid; do
		pid=$(rk_read_pid "$file") || continue
		name=$(basename "$file" .pid)
		rk_pid_is_ours "$pid" "net/$name.ctl" && return 0
	done
	return 1
}

# uml_mconsole GUEST of run STATE; prints the reply ("OK ..." / "ERR ...").
# - inside the run's netns: the guest answers to an abstract unix socket,
#   and those are per netns (from the host netns every call times out);
# - with a path relative to STATE: absolute ones can pass the 108-byte
#   sun_path limit;
# - stderr dropped: it prints "couldn't stat" noise while it tries the
#   argument as an umid first;
# - with a timeout: a guest that powers off at once (cad, halt) never
#   answers, and uml_mconsole would wait forever.
rk_mconsole() {
	local state=$1 guest=$2 run ns=
	local -a in_netns=()
	shift 2

	run=$(basename "$state")
	[[ -r $state/netns ]] && read -r ns < "$state/netns"
	[[ -n $ns ]] && in_netns=(ip netns exec "$ns")
	(cd "$state" && timeout 3 "${in_netns[@]}" uml_mconsole \
		"uml/$(rk_umid "$run" "$guest")/mconsole" "$@" 2> /dev/null)
}

# rk_guest_config STATE GUEST NAME: a setting of a started guest's config
# (written by start-topology.sh), e.g. GUEST_KERNEL, its kernel kind.
rk_guest_config() {
	sed -n "s/^$3=['\"]\{0,1\}\([^'\"]*\).*/\1/p" "$1/$2/config" 2> /dev/null
}

# Single-quote for /bin/sh (the guest sources its config with sh, not bash).
rk_sh_quote() {
	local s=$1

	printf "'%s'" "${s//\'/\'\\\'\'}"
}

# Guests of a run, from its state directory (a started guest has a pid or
# config file; works on half-started runs too).
rk_state_guests() {
	local state=$1 dir

	for dir in "$state"/*/; do
		dir=${dir%/}
		[[ -e $dir/config || -e $dir/pid ]] && basename "$dir"
	done
	return 0
}

# Guest status for exec.sh & co: dies with a message unless GUEST of RUN runs.
rk_require_guest_up() {
	local run=$1 guest=$2 state pid

	state=$(rk_state_dir "$run")
	[[ -d $state ]] ||
		rk_die "run '$run' is not up ($state missing); start it: RUN=$run ./uml/start-topology.sh"
	if [[ ! -d $state/$guest ]]; then
		rk_die "run '$run' has no guest '$guest' (guests: $(rk_state_guests "$state" | tr '\n' ' '))"
	fi
	pid=$(rk_read_pid "$state/$guest/pid") ||
		rk_die "guest '$guest' of run '$run' is not running (no $state/$guest/pid); start it: RUN=$run ./uml/start-topology.sh"
	rk_pid_is_ours "$pid" "umid=$(rk_umid "$run" "$guest")" ||
		rk_die "guest '$guest' of run '$run' is not running (pid $pid gone); see $state/$guest/console.log"
}
