#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of bench/bench.sh, run in the guests of uml/topology/bench.topo
# (start lines, or ./uml/exec.sh GUEST /relaykit/kit/bench/guest.sh ...).
#
#   guest.sh tune client|relay|server   limits for 10,000 connections (boot)
#   guest.sh services                   server: echo :7, iperf3 :5201, dnsmasq :53
#   guest.sh up|down CASE [FAMILY]      relay: set one relay up / take it down
#   guest.sh mem                        relay: MemFree, Slab and /proc/slabinfo
#
# CASE: forward dnat ipvs haproxy socat relay (bench/bench.sh describes them).
# FAMILY: 4 (the default) or 6, the addresses the case relays between
# (bench/addresses.sh); down takes the family that up was given. Every relay
# carries TCP 5201 (iperf3) and 7 (echo); dnat, ipvs and relay carry UDP 53
# too. The server's services answer on both families. Logs:
# /relaykit/run/bench-*.log (host: run/RUN/GUEST/).

set -euo pipefail

SERVICE=bench
# shellcheck source=../uml/guest/services/lib.sh
. /relaykit/kit/uml/guest/services/lib.sh
# shellcheck source=addresses.sh
. /relaykit/kit/bench/addresses.sh

TCP_PORTS="5201 7"
RRLOAD=/relaykit/kit/build/rrload
HAPROXY_CFG=/run/bench-haproxy.cfg
HAPROXY_PID=/run/bench-haproxy.pid
SOCAT_PIDS=/run/bench-socat.pids
RELAY=/proc/net/relay

sysctl_set()
{
	sysctl -q -w "$1=$2" || die "cannot set sysctl $1=$2"
}

cmd_tune()
{
	# Ephemeral ports and TIME_WAIT reuse: the connection-rate runs of six
	# cases in a row would otherwise run out of ports (client, and the
	# relay's connects to the server). The net.ipv4 TCP settings hold for
	# IPv6 too.
	sysctl_set fs.file-max 400000
	sysctl_set fs.nr_open 1048576
	sysctl_set net.core.somaxconn 4096
	sysctl_set net.ipv4.tcp_max_syn_backlog 4096
	sysctl_set net.ipv4.ip_local_port_range "1024 65535"
	sysctl_set net.ipv4.tcp_tw_reuse 1
	case $1 in
	client | server) ;;
	relay)
		# conntrack (dnat) must not be the limit of the idle test.
		[ ! -e /proc/sys/net/netfilter/nf_conntrack_max ] ||
			sysctl_set net.netfilter.nf_conntrack_max 262144
		[ -d $RELAY ] || die "no $RELAY: the relay guest needs net/relay (built in, or loaded by relay-load.sh first)"
		echo stop > $RELAY/control || die "cannot stop net/relay"
		;;
	*) die "tune: unknown role '$1'" ;;
	esac
	log "tuned for $1"
}

cmd_services()
{
	setsid "$RRLOAD" serve 7 >> "$RUN/bench-echod.log" 2>&1 < /dev/null &
	iperf3 -s -D --logfile "$RUN/bench-iperf3.log" || die "iperf3 -s failed (see $RUN/bench-iperf3.log)"
	dnsmasq --conf-file=/relaykit/kit/bench/dnsmasq.conf --log-facility="$RUN/bench-dns.log" ||
		die "dnsmasq failed (see $RUN/bench-dns.log)"
	wait_listening tcp 7 || die "rrload serve is not listening on 7 (see $RUN/bench-echod.log)"
	wait_listening tcp 5201 || die "iperf3 is not listening on 5201"
	wait_listening udp 53 || die "dnsmasq is not listening on 53"
	log "server: echo :7 (rrload), iperf3 :5201, dnsmasq :53"
}

# wait_free PORT: until nothing listens on PORT (a stopped proxy is gone).
wait_free()
{
	local i

	for ((i = 0; i < 50; i++)); do
		is_listening tcp "$1" || return 0
		sleep 0.1
	done
	die "port $1 still taken after 5 s"
}

relay_cmd()
{
	printf '%s\n' "$1" > $RELAY/rules || die "net/relay rejected '$1' (dmesg)"
}

up_dnat()
{
	"$IPTABLES" -t nat -A PREROUTING -d "$FRONT" -p tcp -m multiport --dports "${TCP_PORTS// /,}" \
		-j DNAT --to-destination "$SERVER"
	"$IPTABLES" -t nat -A PREROUTING -d "$FRONT" -p udp --dport 53 -j DNAT --to-destination "$SERVER"
	"$IPTABLES" -t nat -A POSTROUTING -o eth1 -j MASQUERADE
}

down_dnat()
{
	"$IPTABLES" -t nat -F
	"$IPTABLES" -t nat -X
}

up_ipvs()
{
	local port

	for port in $TCP_PORTS; do
		ipvsadm -A -t "$(addr_port "$FRONT" "$port")" -s rr
		ipvsadm -a -t "$(addr_port "$FRONT" "$port")" -r "$(addr_port "$SERVER" "$port")" -m
	done
	ipvsadm -A -u "$(addr_port "$FRONT" 53)" -s rr
	ipvsadm -a -u "$(addr_port "$FRONT" 53)" -r "$(addr_port "$SERVER" 53)" -m
}

down_ipvs()
{
	ipvsadm -C
}

up_haproxy()
{
	local port

	# One thread (the guest has one CPU); limits for the idle test;
	# long timeouts so idle connections are held, not reaped; a connect
	# timeout as net/relay's in up_relay.
	{
		echo "global"
		echo "    maxconn 30000"
		echo "    nbthread 1"
		echo "defaults"
		echo "    mode tcp"
		echo "    maxconn 30000"
		echo "    timeout connect 30s"
		echo "    timeout client 10m"
		echo "    timeout server 10m"
		for port in $TCP_PORTS; do
			echo "listen p$port"
			echo "    bind $(addr_port "$FRONT" "$port")"
			echo "    server s $(addr_port "$SERVER" "$port")"
		done
	} > $HAPROXY_CFG
	haproxy -f $HAPROXY_CFG -D -p $HAPROXY_PID >> "$RUN/bench-haproxy.log" 2>&1 ||
		die "haproxy failed to start (see $RUN/bench-haproxy.log, $HAPROXY_CFG)"
	for port in $TCP_PORTS; do
		wait_listening tcp "$port" || die "haproxy is not listening on $port"
	done
}

down_haproxy()
{
	local port

	[ ! -s $HAPROXY_PID ] || kill "$(cat $HAPROXY_PID)" 2> /dev/null || true
	rm -f $HAPROXY_PID
	for port in $TCP_PORTS; do
		wait_free "$port"
	done
}

up_socat()
{
	local port

	: > $SOCAT_PIDS
	for port in $TCP_PORTS; do
		# Each listener leads its own group: down kills it with its children.
		# TCP4 or TCP6, the case's family: a plain TCP-LISTEN listens on
		# IPv4 unless told otherwise.
		setsid socat "TCP$FAMILY-LISTEN:$port,bind=$(bracketed "$FRONT"),fork,reuseaddr,backlog=4096" \
			"TCP$FAMILY:$(addr_port "$SERVER" "$port")" >> "$RUN/bench-socat.log" 2>&1 < /dev/null &
		echo $! >> $SOCAT_PIDS
	done
	for port in $TCP_PORTS; do
		wait_listening tcp "$port" || die "socat is not listening on $port (see $RUN/bench-socat.log)"
	done
}

down_socat()
{
	local pid port

	if [ -s $SOCAT_PIDS ]; then
		while read -r pid; do
			kill -TERM -- "-$pid" 2> /dev/null || true
		done < $SOCAT_PIDS
	fi
	rm -f $SOCAT_PIDS
	for port in $TCP_PORTS; do
		wait_free "$port"
	done
}

up_relay()
{
	local port

	# As haproxy's "timeout connect": a busy host's UML network loses SYNs,
	# and the default 5 s would measure that instead of the relay.
	echo 30 > /proc/sys/net/relay/tcp_connect_timeout ||
		die "cannot set net.relay.tcp_connect_timeout"
	# One client address holds the idle case's 10,000 relays.
	echo 16384 > /proc/sys/net/relay/tcp_max_per_source ||
		die "cannot set net.relay.tcp_max_per_source"
	echo start > $RELAY/control || die "cannot start net/relay (dmesg)"
	# The front address of the case's family only, as the other cases
	# listen: a port alone would take both families.
	for port in $TCP_PORTS; do
		relay_cmd "add tcp $(addr_port "$FRONT" "$port") $(addr_port "$SERVER" "$port")"
	done
	relay_cmd "add udp $(addr_port "$FRONT" 53) $(addr_port "$SERVER" 53)"
}

down_relay()
{
	# The counters of the case go to the log: resets or failed connects
	# during a benchmark are worth a look.
	{ echo "--- $(date +%T) net/relay stats at the end of a case"; cat $RELAY/stats; } \
		>> "$RUN/bench-relay-stats.log"
	relay_cmd flush
	echo stop > $RELAY/control || die "cannot stop net/relay"
}

cmd_case()
{
	local action=$1 name=$2

	FAMILY=$3
	bench_family "$FAMILY" || die "unknown address family '$FAMILY' (4 or 6)"
	IPTABLES=iptables
	[ "$FAMILY" = 4 ] || IPTABLES=ip6tables
	case $name in
	forward) ;;
	dnat | ipvs | haproxy | socat | relay) "${action}_$name" ;;
	*) die "unknown case '$name' (forward dnat ipvs haproxy socat relay)" ;;
	esac
	log "$action $name (IPv$FAMILY)"
}

cmd_mem()
{
	# Reclaimable caches out of the way, so that the deltas are the
	# connections' memory.
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '$1 ~ /^(MemFree|Slab):$/ { sub(":", "", $1); print "mem", $1, $2 }' /proc/meminfo
	awk 'NR > 2 { print "slab", $1, $3, $4 }' /proc/slabinfo
}

case ${1:-} in
tune) cmd_tune "${2:?tune: role missing}" ;;
services) cmd_services ;;
up | down) cmd_case "$1" "${2:?$1: case missing}" "${3:-4}" ;;
mem) cmd_mem ;;
*) die "usage: guest.sh tune ROLE | services | up CASE [FAMILY] | down CASE [FAMILY] | mem" ;;
esac
