#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Rebuild net_relay.ko and swap it into a running guest, in seconds:
# rmmod, insmod of the new module, and the guest's rules again (its
# relay-load.sh start lines from the topology are run once more).
#
#   ./uml/reload.sh [GUEST]          (default relay; env RUN, default demo)
#
# NO_BUILD=1 skips `make module` (make reload has just built it). Changes
# outside net/relay need a new kernel: make kernel-debug, then restart.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

if (($# > 1)) || [[ ${1:-} == -* ]]; then
	echo "usage: [RUN=id] $RK_PROG [GUEST]" >&2
	exit 2
fi
guest=${1:-relay}
rk_check_run_name "$RUN"
rk_require_guest_up "$RUN" "$guest"
STATE=$(rk_state_dir "$RUN")
EXEC=$KIT/uml/exec.sh
t0=$(date +%s.%N)

kind=$(rk_guest_config "$STATE" "$guest" GUEST_KERNEL)
ko=$(kernel_module "$kind")
kernel_has_module "$kind" ||
	rk_die "guest $guest runs kernel '$kind': net_relay is built in or absent there, nothing to reload (only 'debug' and 'x86' have it as a module)"
# The module of the guest's own kernel (x86: build/x86, QEMU guests).
target=module
[[ $kind == x86 ]] && target=x86-module

if [[ ${NO_BUILD:-0} != 1 ]]; then
	make -C "$KIT" --no-print-directory "$target" ||
		rk_die "make $target failed; the guest keeps the old module"
fi
[[ -f $ko ]] || rk_die "$ko missing after the build"

mapfile -t start_lines < <(grep -F 'relay-load.sh' "$STATE/$guest/start.sh" || true)
((${#start_lines[@]})) ||
	rk_warn "no relay-load.sh start line for $guest in $STATE/$guest/start.sh: loading the module without rules"

# In the guest: out with the old module, and drop caches so hostfs reads
# the new .ko instead of pages cached from the old one. relay-load.sh loads
# it again (NET_RELAY_KO, set by the config) and writes the rules.
# shellcheck disable=SC2016 # expanded in the guest
script='set -e
. /relaykit/run/config
export GUEST_NAME GUEST_KERNEL BUILD_DIR NET_RELAY_KO
if [ -d /sys/module/net_relay ]; then
	rmmod net_relay
	echo "removed the old net_relay"
fi
sync
echo 3 > /proc/sys/vm/drop_caches
echo "guest sees $(md5sum < "$NET_RELAY_KO")"
'
if ((${#start_lines[@]})); then
	script+=$(printf '%s\n' "${start_lines[@]}")
else
	script+=/relaykit/kit/uml/guest/services/relay-load.sh
fi
script+='
cat /proc/net/relay/rules'
want="guest sees $(md5sum < "$ko")"
if ! out=$(RUN=$RUN "$EXEC" -t 60 "$guest" /bin/bash -c "$script"); then
	printf '%s\n' "$out"
	rk_err "reload in $guest failed; its log: $STATE/$guest/relay-load.log, kernel log: ./uml/exec.sh $guest dmesg"
	rk_err "(\"Invalid module format\" means the kernel changed too: make kernel-debug and restart the run)"
	exit 1
fi

printf '%s\n' "$out" | grep -v '^guest sees '
# The guest must have read the file we just built, not cached pages of the
# old one.
grep -qxF "$want" <<< "$out" ||
	rk_die "$guest read a net_relay.ko that differs from $ko (stale hostfs cache?)"
echo "reloaded net_relay.ko in $guest ($RUN) in $(rk_elapsed "$t0" "$(date +%s.%N)")s"
