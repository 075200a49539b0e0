# shellcheck shell=bash
# QEMU guests (topology `kind qemu`, x86_64 kernels): the QEMU back-end of
# lib/guest.sh, which sources it; lib/guest-uml.sh is the other one. Their
# interfaces: lib/links.sh (bridges and taps only). docs/x86.md has the why
# of each choice.
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

# The accelerator of every qemu guest of the run (qemu_accel_pick).
QEMU_GUEST_ACCEL=

# qemu_kernel_check GUEST KIND IMAGE WHERE: can GUEST boot IMAGE? Prints
# the error against WHERE (the topology line or variable); returns 1.
qemu_kernel_check() {
	local guest=$1 kind=$2 bin=$3 where=$4 hint=

	if [[ $kind != x86 && $kind != */* ]]; then
		rk_err "$where: guest $guest: kind qemu needs kernel x86 or a path to a bzImage, not '$kind'"
		return 1
	fi
	[[ ! -f $bin ]] || return 0
	[[ $kind == x86 ]] && hint=" (build it: make -C $KIT x86)"
	rk_err "$where: guest $guest: kernel '$kind': $bin does not exist$hint"
	return 1
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
	cache=$(kernel_dir x86)/.kvm-probe
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

# qemu_accel_pick: QEMU_GUEST_ACCEL, one accelerator for every qemu guest
# of the topology (none: nothing), probed once with the first one's image,
# and why it was chosen.
qemu_accel_pick() {
	local guest why

	for guest in "${TOPO_GUESTS[@]}"; do
		[[ ${TOPO_G_KIND[$guest]} == qemu ]] || continue
		QEMU_GUEST_ACCEL=$(qemu_accel "${GUEST_KERNEL_BIN[$guest]}")
		if [[ -n ${QEMU_ACCEL:-} ]]; then
			why="QEMU_ACCEL=$QEMU_ACCEL"
		elif [[ $QEMU_GUEST_ACCEL == kvm ]]; then
			why="a probe boot under KVM worked"
		else
			why="no usable KVM: /dev/kvm missing, or a probe boot under it printed nothing"
		fi
		rk_info "qemu guests: ${QEMU_GUEST_ACCEL^^} ($why)"
		return 0
	done
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

# qemu_guest_start GUEST: its command line in STATE/GUEST/cmdline (qemu
# first, one argument a line), qemu started, its pid in STATE/GUEST/pid.
qemu_guest_start() {
	local guest=$1 cmdline
	local -a args

	links_qemu_args "$guest"
	# no_timer_check: at boot the kernel counts timer ticks over a TSC
	# delay and panics ("IO-APIC + timer doesn't work!") when too few
	# came; under TCG on a loaded host the TSC runs ahead of the emulated
	# timer, and a fresh clone's relay guest panicked so. The check is
	# for lying mptables of old boards: KVM, Hyper-V and VMware guests set
	# it themselves.
	cmdline="console=ttyS0 root=/dev/vda rw panic=-1 no_timer_check umid=$(rk_umid "$RUN" "$guest")"
	cmdline+=" init=/sbin/relaykit-init relaykit.kit=$KIT relaykit.state=$STATE/$guest relaykit.fs=9p"
	[[ -z ${TOPO_G_APPEND[$guest]} ]] || cmdline+=" ${TOPO_G_APPEND[$guest]}"
	mapfile -t args < <(qemu_guest_args "$guest" "${GUEST_KERNEL_BIN[$guest]}" "$QEMU_GUEST_ACCEL" \
		"${TOPO_G_MEMORY[$guest]}" "${TOPO_G_CPUS[$guest]}" "$cmdline" "${LINK_ARGS[@]}")
	# GDB=: qemu holds the CPU until gdb.sh attaches to its gdbstub.
	if gdb_wanted "$guest"; then
		args+=(-S)
		rk_info "guest $guest waits for gdb: RUN=$RUN ./uml/gdb.sh $guest (then: continue)"
	fi
	printf '%s\n' "$QEMU_BIN" "${args[@]}" > "$guest/cmdline"
	: > "$guest/console.log"
	# TMPDIR: the snapshot=on overlay of the root image goes there.
	TMPDIR=$STATE/$guest setsid ip netns exec "$NETNS" "$QEMU_BIN" "${args[@]}" \
		< /dev/null >> "$guest/console.log" 2>&1 &
	echo $! > "$guest/pid"
	disown
}
