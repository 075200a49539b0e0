#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Attach gdb to a running guest's UML kernel (it stops until you `continue`).
#
#   ./uml/gdb.sh GUEST [GDB-ARGS...]          (env RUN, default demo)
#   ./uml/gdb.sh relay -batch -ex 'p jiffies' -ex 'lx-lsmod'
#
# Loads the kernel's symbols (build/uml-KIND/vmlinux), the kernel's gdb
# scripts (vmlinux-gdb.py: lx-dmesg, lx-lsmod, lx-ps, $container_of, ...)
# and, with rk-module-symbols (uml/lib/gdb-modules.py), the symbols of
# loaded modules such as net_relay.ko, and of modules loaded later (make
# reload). All of that happens before gdb attaches: the guest stops only
# for the attach itself and the module symbols, about a second.
# The UML kernel takes SIGSEGV (page faults), SIGIO (interrupts), SIGALRM
# (timer), SIGWINCH (console size) and SIGUSR1 as part of normal work;
# gdb passes them on silently. GDB-ARGS come after ours, so -batch -ex ...
# runs once everything is loaded; gdb detaches when it exits (batch mode
# included, errors too) and the guest runs on. A guest stopped for long
# gets RCU stall warnings once it runs again (and fails a test). ptrace
# does not care about network namespaces: gdb runs in the host's.
# Booting a kernel under gdb from the start: GDB=GUEST ./uml/start-topology.sh
# (uml/lib/gdb-start.sh). Recipes: docs/debugging.md.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/gdb-start.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/gdb-start.sh"
# shellcheck source=lib/guest.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest.sh"

if (($# < 1)) || [[ $1 == -* ]]; then
	echo "usage: [RUN=id] $RK_PROG GUEST [GDB-ARGS...]" >&2
	exit 2
fi
guest=$1
shift
rk_check_run_name "$RUN"
rk_require_guest_up "$RUN" "$guest"
STATE=$(rk_state_dir "$RUN")
pid=$(< "$STATE/$guest/pid")
command -v gdb > /dev/null || rk_die "gdb not found (scripts/install-deps.sh)"

kind=$(rk_guest_config "$STATE" "$guest" GUEST_KERNEL)
[[ -n $kind ]] || rk_die "no GUEST_KERNEL in $STATE/$guest/config"
build_dir=$(kernel_dir "$kind")

# QEMU guests: qemu's gdbstub on STATE/GUEST/gdb.sock (lib/guest-qemu.sh); the
# kernel stops while gdb is attached, like a ptraced UML kernel.
if [[ $(rk_guest_kind "$STATE" "$guest") == qemu ]]; then
	[[ -n $build_dir && -f $build_dir/vmlinux ]] ||
		rk_die "no vmlinux for kernel '$kind' (build dir: ${build_dir:-none})"
	[[ -S $STATE/$guest/gdb.sock ]] || rk_die "$STATE/$guest/gdb.sock missing (qemu gdbstub of $guest)"
	args=(-q -iex "set auto-load python-scripts off")
	if [[ -f $build_dir/vmlinux-gdb.py ]]; then
		args+=(-iex "add-auto-load-safe-path $build_dir"
			-iex "add-auto-load-safe-path $(readlink -f "$build_dir/vmlinux-gdb.py" | xargs dirname)"
			-ex "source $build_dir/vmlinux-gdb.py")
	fi
	args+=(-ex "target remote $STATE/$guest/gdb.sock")
	[[ -f $build_dir/vmlinux-gdb.py ]] && args+=(-ex "lx-symbols $build_dir")
	exec gdb "${args[@]}" "$@" "$build_dir/vmlinux"
fi

tracer=$(awk '$1 == "TracerPid:" { print $2 }' "/proc/$pid/status")
[[ $tracer == 0 ]] ||
	rk_die "guest $guest (pid $pid) is already traced by pid $tracer ($(tr '\0' ' ' < "/proc/$tracer/cmdline" | cut -c1-60)); one debugger at a time"

exe=$(readlink "/proc/$pid/exe")
if [[ -n $build_dir && -f $build_dir/vmlinux ]]; then
	symbols=$build_dir/vmlinux
else
	symbols=${exe% (deleted)}
fi
# A kernel rebuilt since the guest booted no longer matches its symbols.
if [[ $exe == *' (deleted)' ]] || ! [[ $exe -ef $(kernel_image "$kind") ]]; then
	rk_warn "guest $guest runs ${exe}, not the current $(kernel_image "$kind"): symbols may not match (restart the run)"
fi

args=(-q -nx
	-iex "set auto-load python-scripts off"
	-ex "file $symbols"
	-ex "handle $RK_GDB_SIGNALS nostop noprint pass"
)
if [[ -n $build_dir && -e $build_dir/vmlinux-gdb.py ]]; then
	while IFS= read -r cmd; do
		args+=(-ex "$cmd")
	done < <(gdb_scripts_setup "$kind")
	args+=(-ex "source $KIT/uml/lib/gdb-modules.py" -ex "attach $pid")
	[[ ! -d $build_dir/net/relay ]] || args+=(-ex "rk-module-symbols $build_dir/net/relay")
else
	rk_info "kernel '$kind' has no gdb scripts (build dir: ${build_dir:-none}): plain symbols only"
	args+=(-ex "attach $pid")
fi

exec gdb "${args[@]}" "$@"
