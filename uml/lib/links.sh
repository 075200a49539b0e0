# shellcheck shell=bash
# The links of a run: its private network namespace, every network of the
# topology in it by transport, and what a guest needs to join each one.
# Sourced by start-topology.sh after lib/common.sh and lib/topo-file.sh;
# the guest back-ends (lib/guest-uml.sh, lib/guest-qemu.sh) take their
# interface arguments from here. Runs in STATE (the cwd).
#
#   switch  one uml_switch per network (STATE/net/NET.ctl, .pid, .log);
#           UML guests join with ethN=daemon (unix datagram sockets)
#   bridge  a Linux bridge named like the network, one persistent tap per
#           guest interface; UML guests join with ethN=tuntap, QEMU guests
#           with -netdev tap (docs/x86.md)
#   veth    a veth pair, one end per guest, each end a raw socket of UML's
#           vector driver; UML guests only
#
# Everything is made inside the run's netns NETNS, which goes with the run:
# no address of a topology ever reaches the host's network.
#
# Per guest: links_guest_plan names its host-side ports and MACs (before
# its config is written: that names the vector devices), links_guest_up
# makes its taps, links_uml_args or links_qemu_args give its back-end the
# arguments for its interfaces.

# Set by links_guest_plan for the guest at hand, keyed by IFNAME: the host
# end of each interface not on a switch (its tap, its veth end), its MAC,
# and for veth interfaces the vector device (vecN) UML makes for it.
declare -gA LINK_PORT=() LINK_MAC=() LINK_VECDEV=()
# The next free end (a, b) of each veth pair, in guest order.
declare -gA LINK_VETH_NEXT=()
# Set by links_uml_args / links_qemu_args.
LINK_ARGS=()

# links_kernel_check GUEST KIND WHERE: can kernel KIND join GUEST's
# networks? A veth network needs UML's vector driver, which only the kit's
# .config files tell about. Prints the error against WHERE; returns 1.
links_kernel_check() {
	local guest=$1 kind=$2 where=$3 ifname net

	[[ $kind == debug || $kind == release ]] || return 0
	for ifname in ${TOPO_G_IFACES[$guest]}; do
		net=${TOPO_IF_NET[$guest/$ifname]}
		[[ ${TOPO_NET_TRANSPORT[$net]} == veth ]] || continue
		grep -qx 'CONFIG_UML_NET_VECTOR=y' "$(kernel_config "$kind")" 2> /dev/null && return 0
		rk_err "$where: guest $guest: $ifname is on veth network $net, and kernel '$kind' has no CONFIG_UML_NET_VECTOR"
		return 1
	done
}

# links_up: the run's netns (name in STATE/netns, also in NETNS) and every
# network of the topology in it; returns once each uml_switch listens.
links_up() {
	local net

	# The netns name goes to disk before the netns exists: an interrupted
	# start still tells stop-topology.sh what to delete.
	NETNS=rk-$RUN-$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
	printf '%s\n' "$NETNS" > netns
	ip netns add "$NETNS" || rk_die "ip netns add $NETNS failed"
	ip -n "$NETNS" link set lo up
	# A UML daemon link is a unix datagram socket: when uml_switch or a guest
	# falls behind by more than max_dgram_qlen frames (default 10), the sender
	# gets EAGAIN and the frame is lost (tx_dropped). A wire does not lose
	# frames in a 10-frame burst, so give the links a deeper queue. The sysctl
	# is per netns and taken when a socket is made: set it before any starts.
	ip netns exec "$NETNS" sysctl -qw net.unix.max_dgram_qlen="${RK_LINK_QLEN:-512}" ||
		rk_die "cannot set net.unix.max_dgram_qlen in netns $NETNS"

	for net in "${TOPO_NETWORKS[@]}"; do
		case ${TOPO_NET_TRANSPORT[$net]} in
		bridge) bridge_up "$NETNS" "$net" || rk_die "network $net: cannot make bridge $net in netns $NETNS" ;;
		veth) veth_up "$net" ;;
		switch) switch_start "$net" ;;
		esac
	done
	for net in "${TOPO_NETWORKS[@]}"; do
		[[ ${TOPO_NET_TRANSPORT[$net]} == switch ]] || continue
		switch_wait "$net"
	done
}

# links_alive: dies when a network's uml_switch has died (a guest waiting
# on it would only time out).
links_alive() {
	local net

	for net in "${TOPO_NETWORKS[@]}"; do
		[[ ${TOPO_NET_TRANSPORT[$net]} == switch ]] || continue
		rk_pid_alive "$(< "net/$net.pid")" ||
			rk_die "network $net: uml_switch died; see $STATE/net/$net.log"
	done
}

# switch_start NET: its uml_switch, in the netns. Started with setsid so
# that it leads its own process group and a Ctrl-C on the terminal reaches
# only us; backgrounded from a non-interactive shell it is not a group
# leader yet, so setsid and ip netns exec exec in place and $! is its pid.
switch_start() {
	local net=$1
	local -a opts=()

	[[ " ${TOPO_NET_OPTS[$net]} " == *" hub "* ]] && opts+=(-hub)
	setsid ip netns exec "$NETNS" uml_switch -unix "net/$net.ctl" "${opts[@]}" \
		< /dev/null > "net/$net.log" 2>&1 &
	echo $! > "net/$net.pid"
	disown	# we report deaths ourselves, bash need not ("Aborted")
}

# switch_wait NET: until its uml_switch listens on net/NET.ctl (5 s).
switch_wait() {
	local net=$1

	for _ in $(seq 50); do
		[[ -S net/$net.ctl ]] && break
		rk_pid_alive "$(cat "net/$net.pid")" || break
		rk_sleep 0.1
	done
	[[ -S net/$net.ctl ]] ||
		rk_die "network $net: uml_switch did not come up; see $STATE/net/$net.log"
}

# bridge_up NETNS NET: a bridge named like the network, no address.
bridge_up() {
	local ns=$1 net=$2

	ip netns exec "$ns" brctl addbr "$net" &&
		ip netns exec "$ns" brctl setfd "$net" 0 &&
		ip netns exec "$ns" brctl stp "$net" off &&
		ip -n "$ns" link set dev "$net" up
}

# bridge_add_tap NETNS NET TAP: a persistent tap on the bridge; the guest
# (qemu -netdev tap or UML ethN=tuntap) attaches to it by name.
bridge_add_tap() {
	local ns=$1 net=$2 tap=$3

	ip -n "$ns" tuntap add dev "$tap" mode tap &&
		ip netns exec "$ns" brctl addif "$net" "$tap" &&
		ip -n "$ns" link set dev "$tap" up
}

# tap_name GUEST IFNAME GUEST-INDEX: at most 15 characters (IFNAMSIZ); the
# guest's name when it fits, else its index in the topology.
tap_name() {
	local name="$1-$2"

	((${#name} <= 15)) || name="g$3-$2"
	printf '%s\n' "$name"
}

# veth_end NET A|B: the name of one end of network NET's veth pair; the
# network's index in the topology when its name is too long for IFNAMSIZ.
veth_end() {
	local name=$1

	((${#name} <= 13)) || name=v$(printf '%s\n' "${TOPO_NETWORKS[@]}" | grep -nx -- "$1" | cut -d: -f1)
	printf '%s-%s\n' "$name" "$2"
}

# veth_up NET: its veth pair, both ends up; each end will carry one
# guest's raw socket (UML's vector driver: batched I/O, scatter-gather,
# TSO and GRO through vnet headers; RK_VECTOR_OPTS replaces its options).
veth_up() {
	local net=$1

	if ! ip -n "$NETNS" link add "$(veth_end "$net" a)" type veth peer name "$(veth_end "$net" b)" ||
		! ip -n "$NETNS" link set "$(veth_end "$net" a)" up ||
		! ip -n "$NETNS" link set "$(veth_end "$net" b)" up; then
		rk_die "network $net: cannot make its veth pair in netns $NETNS"
	fi
}

# guest_mac GUEST-INDEX IFACE-INDEX: unique within a run (one netns).
guest_mac() { printf '52:54:00:00:%02x:%02x\n' "$1" "$2"; }

# links_guest_plan GUEST GUEST-INDEX: fills LINK_PORT, LINK_MAC and
# LINK_VECDEV for GUEST's interfaces, and takes its veth ends. Interfaces
# on a switch get none of them: no host device, and UML picks their MACs.
# UML's vector driver numbers its devices in command-line order; the
# guest's init renames them to IFNAME (DEV_IFNAME in its config).
links_guest_plan() {
	local guest=$1 index=$2 ifname net mac=0 vec=0

	LINK_PORT=() LINK_MAC=() LINK_VECDEV=()
	for ifname in ${TOPO_G_IFACES[$guest]}; do
		net=${TOPO_IF_NET[$guest/$ifname]}
		case ${TOPO_NET_TRANSPORT[$net]} in
		switch) continue ;;
		bridge) LINK_PORT[$ifname]=$(tap_name "$guest" "$ifname" "$index") ;;
		veth)
			LINK_PORT[$ifname]=$(veth_end "$net" "${LINK_VETH_NEXT[$net]:-a}")
			LINK_VETH_NEXT[$net]=b
			LINK_VECDEV[$ifname]=vec$vec
			vec=$((vec + 1))
			;;
		esac
		LINK_MAC[$ifname]=$(guest_mac "$index" "$mac")
		mac=$((mac + 1))
	done
}

# links_guest_up GUEST: a tap for each of its interfaces on a bridge,
# made now in the netns (links_guest_plan named them).
links_guest_up() {
	local guest=$1 ifname net

	for ifname in ${TOPO_G_IFACES[$guest]}; do
		net=${TOPO_IF_NET[$guest/$ifname]}
		[[ ${TOPO_NET_TRANSPORT[$net]} == bridge ]] || continue
		bridge_add_tap "$NETNS" "$net" "${LINK_PORT[$ifname]}" ||
			rk_die "guest $guest: cannot add tap ${LINK_PORT[$ifname]} to bridge $net in netns $NETNS"
	done
}

# links_uml_args GUEST: LINK_ARGS, the UML kernel arguments of GUEST's
# interfaces, on any transport.
links_uml_args() {
	local guest=$1 ifname net

	LINK_ARGS=()
	for ifname in ${TOPO_G_IFACES[$guest]}; do
		net=${TOPO_IF_NET[$guest/$ifname]}
		case ${TOPO_NET_TRANSPORT[$net]} in
		bridge) LINK_ARGS+=("$ifname=tuntap,${LINK_PORT[$ifname]},${LINK_MAC[$ifname]}") ;;
		veth) LINK_ARGS+=("${LINK_VECDEV[$ifname]}:transport=raw,ifname=${LINK_PORT[$ifname]},${RK_VECTOR_OPTS:-depth=128,gro=1},mac=${LINK_MAC[$ifname]}") ;;
		switch) LINK_ARGS+=("$ifname=daemon,,unix,net/$net.ctl") ;;
		esac
	done
}

# links_qemu_args GUEST: LINK_ARGS, the qemu arguments of GUEST's
# interfaces: a virtio NIC on each one's tap. QEMU has no uml_switch
# client, and the topology parser lets a qemu guest onto a switch: die.
links_qemu_args() {
	local guest=$1 ifname net

	LINK_ARGS=()
	for ifname in ${TOPO_G_IFACES[$guest]}; do
		net=${TOPO_IF_NET[$guest/$ifname]}
		[[ ${TOPO_NET_TRANSPORT[$net]} == bridge ]] ||
			rk_die "guest $guest: $ifname is on network $net, a switch; qemu guests need a bridge network"
		LINK_ARGS+=(-netdev "tap,id=$ifname,ifname=${LINK_PORT[$ifname]},script=no,downscript=no"
			-device "virtio-net-pci,netdev=$ifname,mac=${LINK_MAC[$ifname]},romfile=")
	done
}
