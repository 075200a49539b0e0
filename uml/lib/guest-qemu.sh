# shellcheck shell=bash
# QEMU guests (topology `kind qemu`, x86_64 kernels), for start-topology.sh,
# stop-topology.sh and the other uml/*.sh scripts. Sourced after
# lib/common.sh; their networks (bridges, taps) are in lib/links.sh.
# docs/x86.md has the why of each choice.
#
# A qemu guest, like a UML one, is one process in the run's netns, leader of
# its own process group, pid in STATE/GUEST/pid. Its kernel command line
# carries umid=rk-RUN-GUEST (passed on to init's environment, unused there)
# so that the token checks of lib/common.sh (rk_pid_is_ours) work unchanged.
# Files in STATE/GUEST/ besides the UML ones:
#   kind          "qemu"
#   monitor.sock  human monitor (sendkey, quit, info ...): qemu_monitor
#   console.sock  ttyS1 of the guest, for console.sh
#   gdb.sock      qemu's gdbstub, for gdb.sh
#   cmdline       the full qemu command line, one argument a line
# The guest mounts the kit and its state dir with 9p (virtio) instead of
# hostfs: relaykit.fs=9p on the command line tells /sbin/relaykit-init.

QEMU_BIN=${QEMU_BIN:-qemu-system-x86_64}

# rk_guest_kind STATE GUEST: uml or qemu (what started the guest).
rk_guest_kind() {
	local kind=uml

	[[ -r $1/$2/kind ]] && read -r kind < "$1/$2/kind"
	printf '%s\n' "${kind:-uml}"
}

# qemu_accel IMAGE: print kvm or tcg. QEMU_ACCEL=kvm|tcg forces a choice.
# /dev/kvm existing is not enough (on some hosts a KVM guest hangs in the
# decompressor): boot IMAGE under KVM with no root device and see whether
# the kernel gets to the end of its boot (the panic for the missing root
# device; panic=-1 and -no-reboot end qemu then) within QEMU_KVM_PROBE
# seconds (default 8).
# The answer is cached per image and host kernel in build/x86/.kvm-probe.
qemu_accel() {
	local image=$1 key cache out tmo=${QEMU_KVM_PROBE:-8} answer=tcg

	case ${QEMU_ACCEL:-} in
	kvm | tcg) printf '%s\n' "$QEMU_ACCEL"; return 0 ;;
	'') ;;
	*) rk_die "QEMU_ACCEL='$QEMU_ACCEL': use kvm or tcg" ;;
	esac
	if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
		printf 'tcg\n'
		return 0
	fi
	key="$(stat -c '%s %Y' "$image") $(uname -r)"
	cache=$KIT/build/x86/.kvm-probe
	if [[ -r $cache ]] && [[ $(head -n 1 "$cache") == "$key" ]]; then
		sed -n 2p "$cache"
		return 0
	fi
	out=$(timeout -k 1 "$tmo" "$QEMU_BIN" -accel kvm -cpu host -m 128M \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$image" -append "console=ttyS0 panic=-1 root=/dev/relaykit-probe" \
		-serial stdio < /dev/null 2>&1 || true)
	[[ $out == *'Linux version'* && $out == *'Kernel panic'* ]] && answer=kvm
	mkdir -p "$(dirname "$cache")"
	printf '%s\n%s\n' "$key" "$answer" > "$cache" 2> /dev/null || true
	printf '%s\n' "$answer"
}

# qemu_monitor STATE GUEST COMMAND: one human-monitor command; prints the
# reply. Relative socket path (sun_path limit); a unix socket in the file
# system works from any netns.
qemu_monitor() {
	local state=$1 guest=$2

	[[ -S $state/$guest/monitor.sock ]] || return 1
	(cd "$state/$guest" && printf '%s\n' "$3" |
		timeout 3 socat -t 1 - UNIX-CONNECT:monitor.sock 2> /dev/null)
}

# qemu_cad STATE GUEST: ctrl-alt-del on the guest's keyboard; the guest's
# init (kernel.ctrl-alt-del=0) gets SIGINT and powers off cleanly, and qemu
# exits. The equivalent of UML's mconsole cad.
qemu_cad() { qemu_monitor "$1" "$2" 'sendkey ctrl-alt-delete' > /dev/null; }

# qemu_halt STATE GUEST: qemu quits at once (mconsole halt).
qemu_halt() { qemu_monitor "$1" "$2" quit > /dev/null; }

# qemu_guest_args GUEST IMAGE ACCEL MEMORY CPUS KERNEL-ARGS NETDEV-ARGS...:
# the qemu command line of a guest (paths relative to STATE, the cwd).
qemu_guest_args() {
	local guest=$1 image=$2 accel=$3 memory=$4 cpus=$5 cmdline=$6
	shift 6
	local -a args cpu

	cpu=(-cpu max)
	[[ $accel == kvm ]] && cpu=(-cpu host)
	args=(
		-name "rk-$RUN-$guest" -nodefaults -no-user-config
		-display none -no-reboot -machine pc -accel "$accel" "${cpu[@]}"
		-m "$memory" -smp "$cpus"
		-kernel "$image" -append "$cmdline"
		# locking=off: UML guests hold whole-file read locks on the image
		# (ubd), which qemu's byte-range image locks take for a conflict.
		-drive "file=$ROOTFS,if=virtio,format=raw,snapshot=on,file.locking=off"
		-virtfs "local,path=$KIT,mount_tag=kit,security_model=none,readonly=on"
		-virtfs "local,path=$STATE/$guest,mount_tag=run,security_model=none"
		-chardev "file,id=ttyS0,path=$guest/console.log,append=on"
		-serial chardev:ttyS0
		-chardev "socket,id=ttyS1,path=$guest/console.sock,server=on,wait=off"
		-serial chardev:ttyS1
		-chardev "socket,id=mon,path=$guest/monitor.sock,server=on,wait=off"
		-mon "chardev=mon,mode=readline"
		-gdb "unix:$guest/gdb.sock,server=on,wait=off"
		"$@"
	)
	printf '%s\n' "${args[@]}"
}

# rk_guest_cad / rk_guest_halt STATE GUEST: clean poweroff request / stop
# at once, for either kind of guest.
rk_guest_cad() {
	if [[ $(rk_guest_kind "$1" "$2") == qemu ]]; then
		qemu_cad "$1" "$2"
	else
		rk_mconsole "$1" "$2" cad > /dev/null
	fi
}

rk_guest_halt() {
	if [[ $(rk_guest_kind "$1" "$2") == qemu ]]; then
		qemu_halt "$1" "$2"
	else
		rk_mconsole "$1" "$2" halt > /dev/null
	fi
}
