# shellcheck shell=bash disable=SC2034  # TOPO_* are read by the sourcing scripts
# Parser for topology files (uml/topology/*.topo); format in docs/kit.md.
#
#   network NAME TRANSPORT [hub]         TRANSPORT: switch (uml_switch),
#                                        bridge (Linux bridge + taps, lib/links.sh)
#                                        or veth (a veth pair: two UML guests,
#                                        UML's vector driver on raw sockets)
#   guest NAME                           opens a guest; the lines below belong to it
#       kind    uml|qemu                 qemu: x86_64 guest under QEMU (lib/guest-qemu.sh)
#       kernel  debug|release|stock|x86|PATH   x86 (build/x86) is for kind qemu only
#       memory  SIZE                     e.g. 256M
#       cpus    N                        kind qemu only (default 1)
#       iface   IFNAME NETWORK ADDR/LEN [ADDR/LEN...]
#       route   DEST via GW              arguments of `ip route add`
#       sysctl  KEY=VALUE                set by the guest's init before start
#                                        (VALUE may be words: tcp_mem=A B C)
#       append  KERNEL-ARGS              extra kernel command line
#       start   SHELL-COMMAND            run in order by the guest's start.sh
#
# topo_parse FILE fills the TOPO_* variables below, or prints every error as
# FILE:LINE: message and returns 1.

TOPO_FILE=
TOPO_NETWORKS=()
TOPO_GUESTS=()
declare -gA TOPO_NET_TRANSPORT=() TOPO_NET_OPTS=() TOPO_NET_LINE=()
declare -gA TOPO_G_LINE=() TOPO_G_KIND=() TOPO_G_KERNEL=() TOPO_G_KERNEL_LINE=()
declare -gA TOPO_G_MEMORY=() TOPO_G_IFACES=() TOPO_G_ROUTES=() TOPO_G_START=()
declare -gA TOPO_G_APPEND=() TOPO_G_SYSCTLS=() TOPO_G_CPUS=()
# keyed by GUEST/IFNAME
declare -gA TOPO_IF_NET=() TOPO_IF_ADDRS=() TOPO_IF_LINE=()

TOPO_ERRORS=()

TOPO_DEFAULT_KIND=uml
TOPO_DEFAULT_KERNEL=debug
TOPO_DEFAULT_MEMORY=128M

_topo_error() { TOPO_ERRORS+=("$TOPO_FILE:$1: $2"); }

_topo_check_ipv4_cidr() {
	local addr=$1 ip len o
	local -a octets

	[[ $addr == */* ]] || return 1
	ip=${addr%/*}
	len=${addr#*/}
	[[ $len =~ ^[0-9]{1,2}$ ]] && ((len <= 32)) || return 1
	IFS=. read -r -a octets <<< "$ip"
	((${#octets[@]} == 4)) || return 1
	for o in "${octets[@]}"; do
		[[ $o =~ ^[0-9]{1,3}$ ]] && ((10#$o <= 255)) || return 1
	done
}

_topo_check_addr() {
	local addr=$1

	if [[ $addr == *:* ]]; then
		[[ $addr =~ ^[0-9a-fA-F:.]+/[0-9]{1,3}$ ]]
	else
		_topo_check_ipv4_cidr "$addr"
	fi
}

_topo_check_kernel() {
	local lineno=$1 kernel=$2

	kernel_kind_valid "$kernel" ||
		_topo_error "$lineno" "kernel '$kernel': use $KERNEL_KINDS_USAGE"
}

_topo_guest_line() {
	local lineno=$1 guest=$2 kw=$3 rest=$4
	local -a args
	local ifname net addr

	read -r -a args <<< "$rest"
	case $kw in
	kind)
		((${#args[@]} == 1)) || { _topo_error "$lineno" "usage: kind uml|qemu"; return; }
		[[ -z ${TOPO_G_KIND[$guest]} ]] || { _topo_error "$lineno" "guest '$guest': kind given twice"; return; }
		case ${args[0]} in
		uml | qemu) ;;
		*) _topo_error "$lineno" "unknown guest kind '${args[0]}' (supported: uml, qemu)"; return ;;
		esac
		TOPO_G_KIND[$guest]=${args[0]}
		;;
	kernel)
		((${#args[@]} == 1)) || { _topo_error "$lineno" "usage: kernel debug|release|stock|PATH"; return; }
		[[ -z ${TOPO_G_KERNEL[$guest]} ]] || { _topo_error "$lineno" "guest '$guest': kernel given twice"; return; }
		_topo_check_kernel "$lineno" "${args[0]}"
		TOPO_G_KERNEL[$guest]=${args[0]}
		TOPO_G_KERNEL_LINE[$guest]=$lineno
		;;
	cpus)
		if ((${#args[@]} != 1)) || [[ ! ${args[0]} =~ ^[1-9][0-9]?$ ]]; then
			_topo_error "$lineno" "usage: cpus N (1-99, kind qemu only)"
			return
		fi
		TOPO_G_CPUS[$guest]=${args[0]}
		;;
	memory)
		((${#args[@]} == 1)) || { _topo_error "$lineno" "usage: memory SIZE (e.g. 128M)"; return; }
		[[ -z ${TOPO_G_MEMORY[$guest]} ]] || { _topo_error "$lineno" "guest '$guest': memory given twice"; return; }
		[[ ${args[0]} =~ ^[1-9][0-9]*[KMG]$ ]] ||
			{ _topo_error "$lineno" "memory '${args[0]}': want a size like 96M or 1G"; return; }
		TOPO_G_MEMORY[$guest]=${args[0]}
		;;
	iface)
		((${#args[@]} >= 3)) || { _topo_error "$lineno" "usage: iface IFNAME NETWORK ADDR/LEN [ADDR/LEN...]"; return; }
		ifname=${args[0]}
		net=${args[1]}
		[[ $ifname =~ ^eth[0-9]{1,2}$ ]] ||
			{ _topo_error "$lineno" "interface '$ifname': UML guests name them eth0, eth1, ..."; return; }
		[[ -z ${TOPO_IF_NET[$guest/$ifname]:-} ]] ||
			{ _topo_error "$lineno" "guest '$guest': interface $ifname given twice (first at line ${TOPO_IF_LINE[$guest/$ifname]})"; return; }
		for addr in "${args[@]:2}"; do
			_topo_check_addr "$addr" ||
				_topo_error "$lineno" "address '$addr': want ADDRESS/PREFIXLEN, e.g. 192.0.2.1/24"
		done
		TOPO_G_IFACES[$guest]+="${TOPO_G_IFACES[$guest]:+ }$ifname"
		TOPO_IF_NET[$guest/$ifname]=$net
		TOPO_IF_ADDRS[$guest/$ifname]="${args[*]:2}"
		TOPO_IF_LINE[$guest/$ifname]=$lineno
		;;
	route)
		((${#args[@]} >= 1)) || { _topo_error "$lineno" "usage: route DEST via GATEWAY"; return; }
		[[ $rest != *';'* ]] || { _topo_error "$lineno" "route: ';' is not allowed"; return; }
		TOPO_G_ROUTES[$guest]+="${TOPO_G_ROUTES[$guest]:+;}${args[*]}"
		;;
	sysctl)
		# A value may be several words (net.ipv4.tcp_mem=A B C): one space
		# between them, as sysctl -w takes them.
		if [[ ! "${args[*]}" =~ ^[a-z0-9_./-]+=[^\;=]*$ ]]; then
			_topo_error "$lineno" "usage: sysctl KEY=VALUE (e.g. net.ipv4.ip_forward=1)"
			return
		fi
		TOPO_G_SYSCTLS[$guest]+="${TOPO_G_SYSCTLS[$guest]:+;}${args[*]}"
		;;
	append)
		((${#args[@]} >= 1)) || { _topo_error "$lineno" "usage: append KERNEL-ARGS"; return; }
		TOPO_G_APPEND[$guest]+="${TOPO_G_APPEND[$guest]:+ }${args[*]}"
		;;
	esac
}

# topo_parse FILE
topo_parse() {
	local file=$1 line kw rest lineno=0 guest='' bad_guest=0 name opt
	local -a args

	TOPO_FILE=$file
	TOPO_ERRORS=()
	if [[ ! -r $file ]]; then
		printf '%s: cannot read topology file\n' "$file" >&2
		return 1
	fi

	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		line=${line%$'\r'}
		read -r kw rest <<< "$line" || true
		[[ -z $kw || $kw == '#'* ]] && continue
		# Trailing comments, except on start lines: those are shell, and
		# the shell knows its own comments (and '#' inside quotes).
		[[ $kw == start ]] || rest=${rest%%[[:space:]]#*}
		[[ $kw == start || $rest != '#'* ]] || rest=

		case $kw in
		network)
			read -r -a args <<< "$rest"
			if ((${#args[@]} < 2)); then
				_topo_error "$lineno" "usage: network NAME TRANSPORT (TRANSPORT: switch, bridge, veth)"
				continue
			fi
			name=${args[0]}
			if [[ ! $name =~ ^[a-z][a-z0-9_-]{0,14}$ ]]; then
				_topo_error "$lineno" "network name '$name': lower-case letter first, then [a-z0-9_-], at most 15"
				continue
			fi
			if [[ -n ${TOPO_NET_LINE[$name]:-} ]]; then
				_topo_error "$lineno" "network '$name' defined twice (first at line ${TOPO_NET_LINE[$name]})"
				continue
			fi
			case ${args[1]} in
			switch)
				for opt in "${args[@]:2}"; do
					[[ $opt == hub ]] || _topo_error "$lineno" "network '$name': unknown switch option '$opt' (known: hub)"
				done
				;;
			bridge | veth)
				((${#args[@]} == 2)) ||
					{ _topo_error "$lineno" "network '$name': a ${args[1]} takes no options"; continue; }
				;;
			*) _topo_error "$lineno" "unknown network transport '${args[1]}' (supported: switch, bridge, veth)"; continue ;;
			esac
			TOPO_NETWORKS+=("$name")
			TOPO_NET_TRANSPORT[$name]=${args[1]}
			TOPO_NET_OPTS[$name]="${args[*]:2}"
			TOPO_NET_LINE[$name]=$lineno
			;;
		guest)
			name=$rest
			guest=''
			bad_guest=1
			if [[ ! $name =~ ^[a-z][a-z0-9-]{0,19}$ ]]; then
				_topo_error "$lineno" "guest name '$name': lower-case letter first, then [a-z0-9-], at most 20"
				continue
			fi
			if [[ -n ${TOPO_G_LINE[$name]:-} ]]; then
				_topo_error "$lineno" "guest '$name' defined twice (first at line ${TOPO_G_LINE[$name]})"
				continue
			fi
			case $name in
			net | uml | logs) _topo_error "$lineno" "guest name '$name' is reserved (run state uses it)"; continue ;;
			esac
			guest=$name
			bad_guest=0
			TOPO_GUESTS+=("$guest")
			TOPO_G_LINE[$guest]=$lineno
			TOPO_G_KIND[$guest]=
			TOPO_G_KERNEL[$guest]=
			TOPO_G_MEMORY[$guest]=
			TOPO_G_IFACES[$guest]=
			TOPO_G_ROUTES[$guest]=
			TOPO_G_START[$guest]=
			TOPO_G_APPEND[$guest]=
			TOPO_G_SYSCTLS[$guest]=
			TOPO_G_CPUS[$guest]=
			;;
		kind | kernel | memory | cpus | iface | route | sysctl | append | start)
			if [[ -z $guest ]]; then
				# below a broken guest line: that one was reported
				((bad_guest)) ||
					_topo_error "$lineno" "'$kw' outside a guest (put it after a 'guest NAME' line)"
				continue
			fi
			if [[ $kw == start ]]; then
				if [[ -z $rest ]]; then
					_topo_error "$lineno" "usage: start SHELL-COMMAND"
					continue
				fi
				TOPO_G_START[$guest]+="$rest"$'\n'
			else
				_topo_guest_line "$lineno" "$guest" "$kw" "$rest"
			fi
			;;
		*)
			_topo_error "$lineno" "unknown keyword '$kw' (known: network guest kind kernel memory cpus iface route sysctl append start)"
			;;
		esac
	done < "$file"

	topo_finish "$lineno"
	if ((${#TOPO_ERRORS[@]})); then
		printf '%s\n' "${TOPO_ERRORS[@]}" >&2
		return 1
	fi
}

# Cross-line checks and defaults.
topo_finish() {
	local guest ifname net
	local -A members=()

	((${#TOPO_GUESTS[@]})) || _topo_error "$1" "no guest defined"
	for guest in "${TOPO_GUESTS[@]}"; do
		: "${TOPO_G_KIND[$guest]:=$TOPO_DEFAULT_KIND}"
		: "${TOPO_G_KERNEL[$guest]:=$TOPO_DEFAULT_KERNEL}"
		: "${TOPO_G_KERNEL_LINE[$guest]:=${TOPO_G_LINE[$guest]}}"
		: "${TOPO_G_MEMORY[$guest]:=$TOPO_DEFAULT_MEMORY}"
		if [[ ${TOPO_G_KIND[$guest]} == qemu ]]; then
			: "${TOPO_G_CPUS[$guest]:=1}"
			[[ ${TOPO_G_KERNEL[$guest]} == x86 || ${TOPO_G_KERNEL[$guest]} == */* ]] ||
				_topo_error "${TOPO_G_KERNEL_LINE[$guest]}" "guest '$guest': kind qemu needs kernel x86 (or a path to a bzImage), not '${TOPO_G_KERNEL[$guest]}'"
		else
			[[ ${TOPO_G_KERNEL[$guest]} != x86 ]] ||
				_topo_error "${TOPO_G_KERNEL_LINE[$guest]}" "guest '$guest': kernel x86 needs 'kind qemu'"
			[[ -z ${TOPO_G_CPUS[$guest]} ]] ||
				_topo_error "${TOPO_G_LINE[$guest]}" "guest '$guest': 'cpus' is for kind qemu only (UML has one CPU)"
		fi
		for ifname in ${TOPO_G_IFACES[$guest]}; do
			net=${TOPO_IF_NET[$guest/$ifname]}
			if [[ -z ${TOPO_NET_LINE[$net]:-} ]]; then
				_topo_error "${TOPO_IF_LINE[$guest/$ifname]}" "guest '$guest': $ifname is on network '$net', which no 'network' line defines"
				continue
			fi
			members[$net]=$((${members[$net]:-0} + 1))
			[[ ${TOPO_NET_TRANSPORT[$net]} != veth || ${TOPO_G_KIND[$guest]} == uml ]] ||
				_topo_error "${TOPO_IF_LINE[$guest/$ifname]}" "guest '$guest': network '$net' is a veth pair, for UML guests only (qemu guests: bridge)"
		done
	done
	# A veth pair has two ends.
	for net in "${TOPO_NETWORKS[@]}"; do
		[[ ${TOPO_NET_TRANSPORT[$net]} != veth || ${members[$net]:-0} == 2 ]] ||
			_topo_error "${TOPO_NET_LINE[$net]}" "network '$net' is a veth pair: it joins exactly two interfaces, not ${members[$net]:-0}"
	done
}

# Kernel kind of GUEST after environment overrides: <GUEST>_KERNEL (e.g.
# RELAY_KERNEL=release) wins over KERNEL (every guest), which wins over the file.
topo_kernel_kind() {
	local guest=$1 var

	var=$(printf '%s' "$guest" | tr 'a-z-' 'A-Z_')_KERNEL
	if [[ -n ${!var:-} ]]; then
		printf '%s\n' "${!var}"
	elif [[ -n ${KERNEL:-} ]]; then
		printf '%s\n' "$KERNEL"
	else
		printf '%s\n' "${TOPO_G_KERNEL[$guest]}"
	fi
}
