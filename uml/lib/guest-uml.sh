# shellcheck shell=bash
# UML guests (topology `kind uml`): the UML back-end of lib/guest.sh, which
# sources it; lib/guest-qemu.sh is the other one. The guest is its kernel,
# a host process in the run's netns (with helper processes in its process
# group), pid in STATE/GUEST/pid. Its command line carries umid=rk-RUN-GUEST,
# the token lib/common.sh checks before any signal, and tells
# /sbin/relaykit-init where the kit and the guest's state dir are (hostfs).
# Its interfaces: lib/links.sh; under GDB=: lib/gdb-start.sh.

# uml_kernel_check GUEST KIND IMAGE WHERE: can GUEST boot IMAGE? Prints the
# error against WHERE (the topology line or variable); returns 1.
uml_kernel_check() {
	local guest=$1 kind=$2 bin=$3 where=$4 hint=

	if [[ $kind == x86 ]]; then
		rk_err "$where: guest $guest: kernel x86 needs 'kind qemu'"
		return 1
	fi
	[[ ! -x $bin || -d $bin ]] || return 0
	case $kind in
	debug | release) hint=" (build it: make -C $KIT kernel-$kind)" ;;
	stock) hint=" (apt-get install user-mode-linux)" ;;
	esac
	rk_err "$where: guest $guest: kernel '$kind': $bin is not an executable file$hint"
	return 1
}

# uml_guest_start GUEST: its command line in STATE/GUEST/cmdline (kernel
# first, one argument a line), the kernel started (or handed to gdb), its
# pid in STATE/GUEST/pid. Paths are relative to STATE, the cwd: sockets
# must fit the 108 bytes of sun_path.
uml_guest_start() {
	local guest=$1 kind=${GUEST_KERNEL_KIND[$1]} bin=${GUEST_KERNEL_BIN[$1]}
	local -a args

	args=(
		"umid=$(rk_umid "$RUN" "$guest")" uml_dir=uml
		"mem=${TOPO_G_MEMORY[$guest]}"
		"ubd0=$guest/root.cow,$ROOTFS" rw
	)
	links_uml_args "$guest"
	args+=("${LINK_ARGS[@]}")
	# con0 (the kernel console) goes to console.log; every other line is
	# off (no xterms). console.sh plugs a host pty into con1 when needed.
	args+=(con=null ssl=null "con0=null,fd:1")
	args+=(init=/sbin/relaykit-init "relaykit.kit=$KIT" "relaykit.state=$STATE/$guest")
	# shellcheck disable=SC2206 # extra kernel arguments are words
	[[ -z ${TOPO_G_APPEND[$guest]} ]] || args+=(${TOPO_G_APPEND[$guest]})
	printf '%s\n' "$bin" "${args[@]}" > "$guest/cmdline"
	if gdb_wanted "$guest"; then
		gdb_start_guest "$guest" "$kind" "$bin" "${args[@]}"
		return 0
	fi
	setsid ip netns exec "$NETNS" "$bin" "${args[@]}" \
		< /dev/null > "$guest/console.log" 2>&1 &
	echo $! > "$guest/pid"
	disown
}

# uml_cad / uml_halt STATE GUEST: clean poweroff request (its init takes
# ctrl-alt-del for a poweroff) / stop at once, through mconsole.
uml_cad() { rk_mconsole "$1" "$2" cad > /dev/null; }
uml_halt() { rk_mconsole "$1" "$2" halt > /dev/null; }
