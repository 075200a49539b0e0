#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Attach gdb to a running guest's UML kernel (it stops until you `continue`).
#
#   ./uml/gdb.sh GUEST [GDB-ARGS...]          (env RUN, default demo)
#   ./uml/gdb.sh relay -batch -ex 'p jiffies' -ex 'lx-lsmod'
#
# Loads the kernel's symbols (build/uml-KIND/vmlinux), the kernel's gdb
# scripts (vmlinux-gdb.py: lx-dmesg, lx-lsmod, lx-ps, ...) and, with
# lx-symbols, the symbols of loaded modules such as net_relay.ko (and of
# modules loaded later: lx-symbols stops on each load to read them).
# The UML kernel takes SIGSEGV (page faults), SIGIO (interrupts), SIGALRM
# (timer), SIGWINCH (console size) and SIGUSR1 as part of normal work;
# gdb passes them on silently. GDB-ARGS come after ours, so -batch -ex ...
# runs once everything is loaded; in batch mode gdb detaches at the end
# and the guest runs on. ptrace does not care about network namespaces:
# gdb runs in the host's.
set -euo pipefail

RK_PROG=gdb.sh
# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/qemu.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/qemu.sh"

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

kind=$(sed -n "s/^GUEST_KERNEL='\(.*\)'$/\1/p" "$STATE/$guest/config")
[[ -n $kind ]] || rk_die "no GUEST_KERNEL in $STATE/$guest/config"
build_dir=$(rk_kernel_build_dir "$kind")

# QEMU guests: qemu's gdbstub on STATE/GUEST/gdb.sock (lib/qemu.sh); the
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

exe=$(readlink "/proc/$pid/exe")
if [[ -n $build_dir && -f $build_dir/vmlinux ]]; then
	symbols=$build_dir/vmlinux
else
	symbols=${exe% (deleted)}
fi
# A kernel rebuilt since the guest booted no longer matches its symbols.
if [[ $exe == *' (deleted)' ]] || ! [[ $exe -ef $(rk_kernel_binary "$kind") ]]; then
	rk_warn "guest $guest runs ${exe}, not the current $(rk_kernel_binary "$kind"): symbols may not match (restart the run)"
fi

args=(-q
	-iex "set auto-load python-scripts off"
	-ex "handle SIGSEGV SIGIO SIGALRM SIGWINCH SIGUSR1 nostop noprint pass"
)
if [[ -n $build_dir && -f $build_dir/vmlinux-gdb.py ]]; then
	args+=(-iex "add-auto-load-safe-path $build_dir"
		-iex "add-auto-load-safe-path $(readlink -f "$build_dir/vmlinux-gdb.py" | xargs dirname)"
		-ex "source $build_dir/vmlinux-gdb.py"
		-ex "lx-symbols $build_dir")
else
	rk_info "kernel '$kind' has no gdb scripts (build dir: ${build_dir:-none}): plain symbols only"
fi

exec gdb "${args[@]}" "$@" -p "$pid" "$symbols"
