# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for tests that run in the topology started by tests/run.sh
# (default topology: client 192.0.2.10+.11, relay 192.0.2.1 / 198.51.100.1,
# server 198.51.100.2).  Source after tests/lib/common.sh.

# Checked before phase-topology.sh, whose uml/lib/common.sh would default
# RUN to the demo's run.
: "${RUN:?RUN is not set: integration tests run from tests/run.sh}"
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=phase-topology.sh
source "$(dirname "${BASH_SOURCE[0]}")/phase-topology.sh"
STATE=${STATE:-$KIT/run/$RUN}

# shellcheck source=../../uml/lib/addr.sh
source "$KIT/uml/lib/addr.sh"

# Addresses of the default topology, both families: CLIENT_IP4 ...
# SERVER_IP4 and CLIENT_IP6 ... SERVER_IP6.  CLIENT_IP, CLIENT_IP2,
# RELAY_FRONT, RELAY_BACK and SERVER_IP are those of the family the test
# relays (RK_FAMILY: 4, or 6 for an IPv6 twin, tests/lib/discover.sh),
# IPTABLES its iptables; addr_port joins one to a port as rules, URLs and
# socat write it.
# shellcheck disable=SC2034
{
	CLIENT_IP4=192.0.2.10
	CLIENT_IP4_2=192.0.2.11
	RELAY_FRONT4=192.0.2.1
	RELAY_BACK4=198.51.100.1
	SERVER_IP4=198.51.100.2
	CLIENT_IP6=2001:db8:1::10
	CLIENT_IP6_2=2001:db8:1::11
	RELAY_FRONT6=2001:db8:1::1
	RELAY_BACK6=2001:db8:2::1
	SERVER_IP6=2001:db8:2::2
	FAMILY=${RK_FAMILY:-4}
	case $FAMILY in
	4)
		CLIENT_IP=$CLIENT_IP4 CLIENT_IP2=$CLIENT_IP4_2 RELAY_FRONT=$RELAY_FRONT4
		RELAY_BACK=$RELAY_BACK4 SERVER_IP=$SERVER_IP4 IPTABLES=iptables
		;;
	6)
		CLIENT_IP=$CLIENT_IP6 CLIENT_IP2=$CLIENT_IP6_2 RELAY_FRONT=$RELAY_FRONT6
		RELAY_BACK=$RELAY_BACK6 SERVER_IP=$SERVER_IP6 IPTABLES=ip6tables
		;;
	*)
		echo "RK_FAMILY=$FAMILY: not an address family (4 or 6)" >&2
		exit 2
		;;
	esac
	# The server's nginx through the relay (port 80: the default rule
	# relays both families to its IPv4 address).
	RELAY_HTTP=http://$(addr_port "$RELAY_FRONT" 80)
	# The relay's front addresses of both families, for the load that
	# carries both at once (tests/guest/load.pl takes the list).
	RELAY_FRONTS=$RELAY_FRONT4,$RELAY_FRONT6
	# The A record of www.relay.test (dnsmasq on the server): what every
	# query through the relay must answer, over either family.
	WWW_A=$SERVER_IP4
}

RELAY_PROC=/proc/net/relay

# gexec GUEST CMD...: run CMD in GUEST (uml/exec.sh), stdin from /dev/null.
gexec()
{
	RUN=$RUN "$KIT/uml/exec.sh" "$@"
}

# gexec_in GUEST CMD...: same, with this shell's stdin as the command's.
gexec_in()
{
	local guest=$1

	shift
	RUN=$RUN "$KIT/uml/exec.sh" -i "$guest" "$@"
}

# gsh GUEST SCRIPT [ARGS...]: run a /bin/sh script in GUEST.
gsh()
{
	local guest=$1 script=$2

	shift 2
	gexec "$guest" sh -c "$script" sh "$@"
}

# must DESCRIPTION CMD...: run CMD, fail the test with DESCRIPTION if it fails.
must()
{
	local what=$1

	shift
	"$@" || fail "$what (exit $?)"
}

# need_relay: the relay must be loaded in the relay guest.  Missing is a
# failure, not a skip: a kit whose relay does not load must not pass.
need_relay()
{
	gexec relay test -e "$RELAY_PROC/rules" ||
		fail "relay not loaded: $RELAY_PROC/rules missing in the relay guest"
	[ -n "${RK_SOCK_BASELINE+set}" ] || RK_SOCK_BASELINE=$(relay_busy_sockets)
}

# relay_busy_sockets: TCP sockets of the relay guest that are neither
# listening nor in TIME-WAIT ("STATE LOCAL PEER" lines).
relay_busy_sockets()
{
	gexec relay ss -tanH | awk '$1 != "LISTEN" && $1 != "TIME-WAIT" { print $1, $4, $5 }'
}

# relay_new_sockets: relay_busy_sockets less those that were there when the
# test started (need_relay): what an earlier, failed test left behind is
# that test's failure, not this one's.
relay_new_sockets()
{
	relay_busy_sockets | awk -v old="${RK_SOCK_BASELINE:-}" '
		BEGIN { n = split(old, l, "\n"); for (i = 1; i <= n; i++) { split(l[i], f, " "); seen[f[2] " " f[3]] = 1 } }
		!(($2 " " $3) in seen)'
}

# relay_write FILE CMD: write CMD to /proc/net/relay/FILE in one write(2);
# prints OK or the errno name (EEXIST, ...).  Exit status 0 only for OK.
relay_write()
{
	gexec relay perl "$GTOOLS/procwrite.pl" "$RELAY_PROC/$1" "$2"
}

# rule CMD: apply a rule command that must succeed (logged: which family a
# twin relays shows in its log).
rule()
{
	local out

	out=$(relay_write rules "$1") || fail "rule '$1' failed: $out"
	log "rule: $1"
}

# rule_quiet CMD: apply a rule command, ignore errors (cleanup paths).
rule_quiet()
{
	relay_write rules "$1" > /dev/null 2>&1 || true
}

relay_rules()
{
	gexec relay cat "$RELAY_PROC/rules"
}

relay_conns()
{
	gexec relay cat "$RELAY_PROC/conns"
}

# relay_stat NAME: print one counter of /proc/net/relay/stats.
relay_stat()
{
	local v

	v=$(gexec relay cat "$RELAY_PROC/stats" | awk -v n="$1" '$1 == n { print $2 }')
	[ -n "$v" ] || fail "no counter '$1' in $RELAY_PROC/stats"
	echo "$v"
}

# net_counter GUEST FILE NAME: a counter of GUEST's /proc/net/FILE: snmp
# (NAME as "Ip:ReasmOKs": a header line of names, a line of values) or
# snmp6 and netstat's kind of one "NAME VALUE" a line ("Ip6FragCreates").
net_counter()
{
	local v

	# shellcheck disable=SC2016 # awk code
	v=$(gexec "$1" cat "/proc/net/$2" | awk -v n="$3" '
		$1 == n { print $2; exit }
		$1 !~ /:$/ || index(n, $1) != 1 { next }
		!($1 in h) { for (i = 2; i <= NF; i++) col[$i] = i; h[$1] = 1; next }
		{ print $col[substr(n, length($1) + 1)]; exit }')
	[ -n "$v" ] || fail "no counter $3 in $1's /proc/net/$2"
	echo "$v"
}

# link_counters: one line per guest interface of the default topology,
# "GUEST/IF tx N tx_dropped N rx N rx_dropped N", to tell where datagrams
# were lost (a link, the relay, or the server).
link_counters()
{
	local g

	for g in client relay server; do
		gsh "$g" 'for d in /sys/class/net/eth*; do
			s=$d/statistics
			echo "$1/${d##*/} tx $(cat "$s/tx_packets") tx_dropped $(cat "$s/tx_dropped")" \
				"rx $(cat "$s/rx_packets") rx_dropped $(cat "$s/rx_dropped")"
		done' "$g"
	done
}

# link_counters_delta BEFORE AFTER: the difference of two link_counters
# outputs, same format.
link_counters_delta()
{
	awk 'NR == FNR { for (i = 2; i < NF; i += 2) b[$1, $i] = $(i + 1); next }
	{ line = $1; for (i = 2; i < NF; i += 2) line = line " " $i " " ($(i + 1) - b[$1, $i]); print line }' \
		<(echo "$1") <(echo "$2")
}

# sysctl_set NAME VALUE: set net.relay.NAME in the relay guest.
relay_sysctl()
{
	gexec relay sh -c "echo $2 > /proc/sys/net/relay/$1" ||
		fail "cannot set net.relay.$1=$2"
}

relay_sysctl_get()
{
	gexec relay cat "/proc/sys/net/relay/$1"
}

# The default rules of the topology, restored by tests that change them.
DEFAULT_RULES=("add tcp 80 $SERVER_IP4:80" "add udp 53 $SERVER_IP4:53" "add udp 53 [$SERVER_IP6]:53")

relay_is_module()
{
	gexec relay grep -q '^net_relay ' /proc/modules
}

# relay_reload: load net_relay again (after an rmmod) with the default rules.
relay_reload()
{
	gexec relay "$GUEST_KIT/uml/guest/services/relay-load.sh" "${DEFAULT_RULES[@]}" ||
		fail "relay-load.sh failed in the relay guest"
}

# The net.relay sysctls' defaults (docs/usage.md), for checks and restores.
declare -A RELAY_SYSCTL_DEFAULTS=([tcp_idle_timeout]=300 [tcp_connect_timeout]=15
	[tcp_fin_timeout]=60 [tcp_max_conns]=16384 [tcp_max_per_source]=4096
	[udp_timeout]=30 [udp_unreplied_timeout]=5 [udp_max_mappings]=65536
	[udp_max_per_source]=16384 [max_rules]=1024)

# relay_restore: back to the topology's state: loaded, running, default
# rules only, default sysctls.  For test cleanup traps.
relay_restore()
{
	local r defaults=() s

	gexec relay test -e "$RELAY_PROC/rules" || relay_reload > /dev/null 2>&1 || true
	for s in "${!RELAY_SYSCTL_DEFAULTS[@]}"; do
		defaults+=("$s" "${RELAY_SYSCTL_DEFAULTS[$s]}")
	done
	# shellcheck disable=SC2016 # expanded in the guest
	gsh relay '
		cd /proc/sys/net/relay 2> /dev/null || exit 0
		while [ $# -gt 0 ]; do echo "$2" > "$1"; shift 2; done' \
		"${defaults[@]}" > /dev/null 2>&1 || true
	# A rule left on an address that is gone would make start fail.
	rule_quiet flush
	relay_write control start > /dev/null 2>&1 || true
	for r in "${DEFAULT_RULES[@]}"; do
		rule_quiet "$r"
	done
}

# query_from CLIENT_PORT ADDR PORT: one DNS query from the client's port
# CLIENT_PORT to ADDR:PORT, which must be answered (dig drops an answer from
# another address or port).
query_from()
{
	local out

	out=$(gexec client dig -b "$CLIENT_IP#$1" -p "$3" +short +tries=1 +timeout=3 \
		"@$2" www.relay.test) ||
		fail "a query from port $1 to $2:$3 failed: '$out'"
	[ "$out" = "$WWW_A" ] || fail "a query from port $1 to $2:$3 got '$out'"
}

# relay_conn_lines PROTO: the conns lines of PROTO (tcp|udp), header excluded.
relay_conn_lines()
{
	relay_conns | awk -v p="$1" '$1 == p'
}

# wait_tcp_idle SECONDS [all]: wait until the relay has no TCP relay left:
# conns without tcp lines, tcp_active 0, and in `ss -tan` of the relay guest
# no socket in a state other than LISTEN or TIME-WAIT (with "all" also none
# that was there before the test started).
wait_tcp_idle()
{
	local deadline=$((SECONDS + $1)) conns active socks

	while :; do
		conns=$(relay_conn_lines tcp)
		active=$(relay_stat tcp_active)
		if [ "${2:-}" = all ]; then
			socks=$(relay_busy_sockets)
		else
			socks=$(relay_new_sockets)
		fi
		[ -z "$conns" ] && [ "$active" = 0 ] && [ -z "$socks" ] && return 0
		if ((SECONDS >= deadline)); then
			echo "# conns:"
			echo "$conns"
			echo "# tcp_active=$active"
			echo "# ss -tan (not LISTEN/TIME-WAIT):"
			echo "$socks"
			fail "relay not idle after $1 s: $(echo "$conns" | grep -c . ) conns, tcp_active=$active, $(echo "$socks" | grep -c .) sockets"
		fi
		sleep 1
	done
}

# wait_udp_empty SECONDS: wait until the relay has no UDP mapping left.
wait_udp_empty()
{
	local deadline=$((SECONDS + $1)) conns n

	while :; do
		conns=$(relay_conn_lines udp)
		n=$(relay_stat udp_mappings)
		[ -z "$conns" ] && [ "$n" = 0 ] && return 0
		if ((SECONDS >= deadline)); then
			echo "$conns"
			fail "UDP mappings left after $1 s: udp_mappings=$n"
		fi
		sleep 1
	done
}

# server_file NAME SIZE: create /srv/www/NAME of SIZE bytes of random data on
# the server; prints its sha256.
server_file()
{
	gsh server 'head -c "$2" /dev/urandom > "/srv/www/$1" && sha256sum "/srv/www/$1" | cut -d" " -f1' "$1" "$2"
}

# need_tcp_services: echo (7), sha256 (9000) and banner (2000) on the server;
# started here when the topology's start lines did not.
need_tcp_services()
{
	server_listening 7 && server_listening 9000 && server_listening 2000 && return 0
	log "starting tcp-services.sh on the server"
	gexec server "$GUEST_KIT/uml/guest/services/tcp-services.sh" ||
		fail "tcp-services.sh failed on the server (see $STATE/server/tcp-services.log)"
}

# relay_kernel_kind: the kernel kind the relay guest runs (debug, release,
# x86, ...), as its topology says.
relay_kernel_kind()
{
	relay_guest_config GUEST_KERNEL
}

# relay_guest_config NAME: a setting of the relay guest's config (written by
# start-topology.sh), e.g. NET_RELAY_KO, the module it loads.
relay_guest_config()
{
	rk_guest_config "$STATE" relay "$1"
}

# relay_kernel_config: the .config of the kernel the relay guest runs.
relay_kernel_config()
{
	kernel_config "$(relay_kernel_kind)"
}

# need_canary FAULT: make net/relay commit FAULT on purpose (CONFIG_NET_RELAY_CANARY,
# debug kernel), for the tests that prove the kernel log check catches it.
need_canary()
{
	local canary=/sys/kernel/debug/net_relay/canary

	local kind

	kind=$(relay_kernel_kind)
	case $kind in
	debug | x86) ;;
	*) skip "the relay runs the ${kind:-?} kernel: no detectors to prove" ;;
	esac
	need_relay
	gexec relay test -e "$canary" ||
		fail "$canary missing: the relay's kernel lacks CONFIG_NET_RELAY_CANARY"
	gsh relay 'echo "$1" > "$2"' "$1" "$canary" || fail "writing '$1' to $canary failed"
	log "canary '$1' fired"
}

# hold_relays N: N relays of the echo service, through a rule for port 7
# that this adds, which the client keeps busy (a line every 100 ms each,
# tcpclient.pl hold) in the background for up to 60 s; returns once
# tcp_active shows them.  The caller's EXIT trap runs hold_relays_cleanup.
# held_relays_ended WHAT: wait for that client, which must have seen every
# relay end (because of WHAT: stop, del, rmmod), not its own 60 s.
HOLD_OUT=
HOLD_PID=
hold_relays()
{
	local n=$1

	need_tcp_services
	HOLD_OUT=$(mktemp)
	rule "add tcp 7 $(addr_port "$SERVER_IP" 7)"
	gexec -t 120 client perl "$GTOOLS/tcpclient.pl" hold "$RELAY_FRONT" 7 "$n" 60 > "$HOLD_OUT" 2>&1 &
	HOLD_PID=$!
	retry 20 relays_at_least "$n" ||
		fail "$n held connections did not show up in tcp_active ($(relay_stat tcp_active))"
}

relays_at_least()
{
	[ "$(relay_stat tcp_active)" -ge "$1" ]
}

# hold_relays_cleanup: delete the rule hold_relays added, and its output.
hold_relays_cleanup()
{
	rule_quiet "del tcp 7"
	rm -f "$HOLD_OUT"
}

held_relays_ended()
{
	local summary

	wait "$HOLD_PID" || fail "held connections: client failed: $(cat "$HOLD_OUT")"
	cat "$HOLD_OUT"
	summary=$(tail -n 1 "$HOLD_OUT")
	[[ $summary == *" up=0 "* ]] || fail "$1 left relayed connections up: $summary"
}

# server_listening PORT: a TCP socket of the server listens on PORT.
server_listening()
{
	gexec server ss -tlnH | awk -v p=":$1" '$4 ~ p "$" { f = 1 } END { exit !f }'
}

# start_echod PORT: a single-process echo server (tests/guest/echod.pl) on the
# server, for load tests; stop_echod PORT ends it.
start_echod()
{
	gsh server 'setsid perl "$1" "$2" > /tmp/echod-$2.log 2>&1 < /dev/null & echo $! > /tmp/echod-$2.pid' \
		"$GTOOLS/echod.pl" "$1" || fail "cannot start echod.pl on the server"
	retry 10 server_listening "$1" || fail "echod.pl does not listen on $1 on the server: $(gexec server cat "/tmp/echod-$1.log")"
}

stop_echod()
{
	gsh server 'kill "$(cat /tmp/echod-$1.pid)" && rm -f /tmp/echod-$1.pid' "$1" > /dev/null 2>&1 || true
}
