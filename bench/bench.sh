#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/bench.sh (make bench): net/relay against the usual ways of relaying
# TCP and UDP, measured in one run on the same UML guests
# (uml/topology/bench.topo: the relay guest on the release kernel).
#
# Cases, one at a time on the relay guest (bench/guest.sh up/down):
#   forward  plain IP forwarding with routes (the path's limit; the client
#            talks to the server's address)
#   dnat     iptables DNAT + MASQUERADE     ipvs    IPVS NAT (ipvsadm -m)
#   haproxy  haproxy, mode tcp              socat   socat fork per connection
#   relay    net/relay
# Figures, each the median of BENCH_ROUNDS rounds (every round runs every
# case, so that the machine's drift hits all alike), with min and max:
#   iperf3 bulk throughput both ways and the relay guest's host CPU per GiB,
#   request/response over 1 and 50 connections, new connections per second
#   (build/rrload from bench/rrload.c), DNS queries per second (direct,
#   dnat, ipvs, relay); once per case: idle connections held and the relay's
#   memory per connection.
# Families (BENCH_FAMILIES): a round runs each case over IPv4 and again over
# IPv6, back to back, between the same guests (the topology is dual-stack;
# bench/addresses.sh). An IPv6 figure is a row CASE/ipv6 in raw.csv and
# "CASE (IPv6)" in the report, its ratios and targets taken within IPv6.
# socat is IPv4 only: it has no target, it costs a process per connection
# whatever the family, and its IPv4 rows say that. The idle connections and
# the profiles, once per case, are IPv4 only (and run when BENCH_FAMILIES
# has 4): they take minutes per family, and what the idle test is for, the
# state beyond the sockets, holds addresses of either family alike
# (net/relay, conntrack and IPVS keep them in unions).
# Results: run/bench-results/STAMP/ (raw.csv, summary.csv, benchmarks.md,
# charts, bench.log); a full run also updates docs/benchmarks.md,
# docs/benchmarks.csv and docs/bench/*.png.
# BENCH_TOPO=bench-x86 (make bench TOPO=x86): the relay guest on the x86_64
# kernel under QEMU (uml/topology/bench-x86.topo); its page is
# docs/benchmarks-x86.md (docs/benchmarks-x86.csv, docs/bench-x86/).
# BENCH_LINK=veth (make bench LINK=veth): the same UML topology with each
# network a veth pair in the run's netns and UML's vector driver on raw
# sockets instead of uml_switch (batched I/O, scatter-gather, TSO, GRO);
# its page is docs/benchmarks-veth.md (docs/bench-veth/).
# BENCH_LINK=bridge (make bench LINK=bridge): each network a Linux bridge
# in the run's netns, one tap per interface, UML's tuntap transport (the
# same driver as the daemon transport, without uml_switch between guests);
# its page is docs/benchmarks-bridge.md (docs/bench-bridge/).
#
# Environment: BENCH_QUICK=1 (1 round, 2 s transfers, 1,000 idle connections,
# docs untouched: for developing the bench), BENCH_ROUNDS (3), BENCH_SECS
# (iperf3 seconds each way, 8), BENCH_RR_SECS (rr, connrate, dns: 3),
# BENCH_IDLE (10000), BENCH_SOCAT_IDLE (1000: a process per connection),
# BENCH_CASES (all six), BENCH_FAMILIES ("4 6"; 4 for the IPv4 rows alone),
# BENCH_DOCS (1 for a full run), RUN (bench-PID), BENCH_KEEP=1 (leave the
# guests up at the end).
set -euo pipefail

RUN=${RUN:-bench-$$}
export RUN
# shellcheck source=uml/lib/common.sh source-path=SCRIPTDIR/..
. "$(dirname "${BASH_SOURCE[0]}")/../uml/lib/common.sh"
# shellcheck source=uml/lib/run.sh source-path=SCRIPTDIR/..
. "$KIT/uml/lib/run.sh"
# shellcheck source=bench/addresses.sh source-path=SCRIPTDIR/..
. "$KIT/bench/addresses.sh"
STATE=$KIT/run/$RUN
BENCH_TOPO=${BENCH_TOPO:-bench}
case $BENCH_TOPO in
*/*) TOPO=$BENCH_TOPO ;;
*) TOPO=$KIT/uml/topology/$BENCH_TOPO.topo ;;
esac
LINK=${BENCH_LINK:-daemon}
[[ -f $TOPO ]] || rk_die "BENCH_TOPO: no topology $TOPO"
KERNELS=$("$KIT/uml/start-topology.sh" --kernels "$TOPO") || rk_die "BENCH_TOPO: $TOPO is not a valid topology"
# Where a full run's page goes, and how its relay guest is labelled.
if [[ $'\n'$KERNELS$'\n' == *$'\nx86\n'* ]]; then
	RELAY_X86=1
	DOCS_NAME=benchmarks-x86
	DOCS_CHARTS=bench-x86
else
	RELAY_X86=0
	DOCS_NAME=benchmarks
	DOCS_CHARTS=bench
fi
case $LINK in
daemon) ;;
veth | bridge)
	DOCS_NAME+=-$LINK
	DOCS_CHARTS+=-$LINK
	;;
*) rk_die "BENCH_LINK='$LINK': use daemon (uml_switch), bridge or veth" ;;
esac
RRLOAD=$KIT/build/rrload
GUEST_SH=/relaykit/kit/bench/guest.sh
G_RRLOAD=/relaykit/kit/build/rrload

ALL_CASES="forward dnat ipvs haproxy socat relay"
DNS_CASES="forward dnat ipvs relay"	# forward = direct to the server
V4_ONLY_CASES="socat"	# the header says why

if [[ ${BENCH_QUICK:-0} == 1 ]]; then
	ROUNDS=${BENCH_ROUNDS:-1} SECS=${BENCH_SECS:-2} RR_SECS=${BENCH_RR_SECS:-1}
	IDLE=${BENCH_IDLE:-1000} DOCS=${BENCH_DOCS:-0}
else
	ROUNDS=${BENCH_ROUNDS:-3} SECS=${BENCH_SECS:-8} RR_SECS=${BENCH_RR_SECS:-3}
	IDLE=${BENCH_IDLE:-10000} DOCS=${BENCH_DOCS:-1}
fi
SOCAT_IDLE=${BENCH_SOCAT_IDLE:-1000}
((SOCAT_IDLE <= IDLE)) || SOCAT_IDLE=$IDLE
CASES=${BENCH_CASES:-$ALL_CASES}
FAMILIES=${BENCH_FAMILIES:-4 6}
CONNRATE_PARALLEL=16
DNS_WINDOW=8		# more outstanding queries overflow UML's transmit queues
DNS_SOCKETS=4
IDLE_OPEN_SECS=60

STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=$KIT/run/bench-results/$STAMP
LOG=$OUT/bench.log
RAW=$OUT/raw.csv

# say TEXT: a line of the report, on stdout and in the bench log.
say() { printf '%s\n' "$*" | tee -a "$LOG"; }
# warn TEXT: a warning, on stderr and in the bench log.
warn() { rk_warn "$@" 2>&1 | tee -a "$LOG" >&2; }

for c in $CASES; do
	[[ " $ALL_CASES " == *" $c "* ]] || rk_die "BENCH_CASES: unknown case '$c' (known: $ALL_CASES)"
done
for fam in $FAMILIES; do
	bench_family "$fam" || rk_die "BENCH_FAMILIES: unknown family '$fam' (4, 6)"
done

# row_name CASE FAMILY: the name of CASE's figures over FAMILY in raw.csv
# (bench/report.pl reads it back): the case's own over IPv4, CASE/ipv6 over
# IPv6, as the tests name their IPv6 twins.
row_name() {
	if [[ $2 == 6 ]]; then
		echo "$1/ipv6"
	else
		echo "$1"
	fi
}

# What a round runs: "CASE FAMILY", each case's families back to back so
# that the machine's drift hits them alike.
rows=()
for c in $CASES; do
	for fam in $FAMILIES; do
		[[ $fam == 4 || " $V4_ONLY_CASES " != *" $c "* ]] || continue
		rows+=("$c $fam")
	done
done
((${#rows[@]})) || rk_die "BENCH_CASES='$CASES' over BENCH_FAMILIES='$FAMILIES': nothing to run ($V4_ONLY_CASES: IPv4 only)"
# The idle connections and the profiles are IPv4 only (the header says why).
HAS_V4=0
[[ " $FAMILIES " != *" 4 "* ]] || HAS_V4=1
((EUID == 0)) || rk_die "must run as root (the topology needs ip netns)"
((!RELAY_X86)) || [[ $LINK == daemon ]] || rk_die "BENCH_LINK=$LINK: for the UML topology; the x86 relay is on bridges already"
needed=("$KIT/build/rootfs.img" "$KIT/build/agent")
for kind in $KERNELS; do
	needed+=("$(kernel_image "$kind")")
done
for f in "${needed[@]}"; do
	[[ -e $f ]] || rk_die "$f missing: run 'make bench' (TOPO=x86 for the x86 relay)"
done
for tool in gcc perl gnuplot; do
	command -v "$tool" > /dev/null || rk_die "'$tool' not found (scripts/install-deps.sh)"
done

mkdir -p "$OUT"
: > "$LOG"
# The same topology with each network a veth pair or a bridge.
TOPO_SRC=${TOPO#"$KIT"/}
if [[ $LINK != daemon ]]; then
	sed -E "s/^([[:space:]]*network[[:space:]]+[^[:space:]]+[[:space:]]+)switch([[:space:]]|\$)/\\1$LINK\\2/" \
		"$TOPO" > "$OUT/${TOPO##*/}"
	TOPO=$OUT/${TOPO##*/}
fi
echo "case,metric,round,value" > "$RAW"

# The load tool runs in the guests from the kit (hostfs): static, no libs.
if [[ ! -x $RRLOAD || $KIT/bench/rrload.c -nt $RRLOAD ]]; then
	gcc -static -O2 -Wall -Wextra -o "$RRLOAD" "$KIT/bench/rrload.c" ||
		rk_die "cannot build $RRLOAD from bench/rrload.c"
fi

gx() { "$KIT/uml/exec.sh" "$@"; }

# Guests are stopped whatever happens (BENCH_KEEP=1 keeps them for a look).
started=0
cleanup() {
	local rc=$?

	trap - EXIT INT TERM
	if ((started)); then
		if [[ ${BENCH_KEEP:-0} == 1 ]]; then
			rk_info "guests left up: RUN=$RUN ./uml/stop-topology.sh"
		else
			run_down "$LOG" > /dev/null || true
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'rk_err interrupted; exit 130' INT
trap 'rk_err terminated; exit 143' TERM

load1() { cut -d' ' -f1 /proc/loadavg; }

LOAD_START=$(load1)
T_START=$(date +%s)
say "bench: RUN=$RUN link=$LINK rounds=$ROUNDS iperf3=${SECS}s rr=${RR_SECS}s idle=$IDLE cases: $CASES; families: $FAMILIES"
say "bench: results in $OUT (log: $LOG)"
if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 2) }'; then
	warn "load average $LOAD_START > 2: other work on this machine will make the figures noisy"
fi

# A guest that hangs at boot on a busy host gets a second chance.
started=1
START_TIMEOUT=150 run_up "$TOPO" "$LOG" 2 > /dev/null ||
	rk_die "cannot start $TOPO, twice (see $LOG and $STATE/*/console.log)"
RELAY_PGID=$(< "$STATE/relay/pid")
if ((RELAY_X86)); then
	accel=$(grep -A1 -x -- '-accel' "$STATE/relay/cmdline" 2> /dev/null | tail -n 1 | tr '[:lower:]' '[:upper:]')
	RELAY_LABEL="x86_64 under QEMU (${accel:-accelerator unknown}), build/x86: lockdep and preemption checks on, net_relay.ko loaded"
else
	RELAY_LABEL="UML release kernel: no debugging options, net/relay built in"
fi

KERNEL_RELAY=$(gx relay uname -rv)
KERNEL_PEERS=$(gx client uname -rv)
HAPROXY_VERSION=$(gx relay haproxy -v 2> /dev/null | head -n 1) || HAPROXY_VERSION=unknown
SOCAT_VERSION=$(gx relay socat -V 2> /dev/null | awk '/socat version/ { print $3; exit }') || SOCAT_VERSION=unknown
say "bench: relay kernel $KERNEL_RELAY; client/server $KERNEL_PEERS"

record() {	# ROW METRIC ROUND VALUE (ROW: row_name)
	echo "$1,$2,$3,$4" >> "$RAW"
}

# Host CPU ticks of every process of the relay guest (its UML kernel and
# the host processes of its guest processes: one process group, setsid).
relay_ticks() {
	perl -e '
		my ($pg, $t) = (shift, 0);
		for my $f (glob "/proc/[0-9]*/stat") {
			open(my $h, "<", $f) or next;
			my $s = <$h> // next;
			$s =~ s/^.*\) //;
			my @a = split / /, $s;
			$t += $a[11] + $a[12] + $a[13] + $a[14] if $a[2] == $pg;
		}
		print "$t\n";' "$RELAY_PGID"
}
CLK_TCK=$(getconf CLK_TCK)

# field KEY LINE: the value of KEY=VALUE in an rrload output line.
field() {
	local kv

	for kv in $2; do
		[[ $kv == "$1="* ]] && { echo "${kv#*=}"; return 0; }
	done
	return 1
}

# target_of CASE: where the client connects, in the family that
# bench_family set last.
target_of() { [[ $1 == forward ]] && echo "$SERVER" || echo "$FRONT"; }

# measure_iperf ROW TARGET ROUND DIR(up|down): throughput and relay CPU per
# GiB.
measure_iperf() {
	local row=$1 target=$2 round=$3 dir=$4 t0 t1 json res rev=()

	[[ $dir == down ]] && rev=(-R)
	t0=$(relay_ticks)
	if ! json=$(gx -t $((SECS + 60)) client iperf3 -c "$target" -t "$SECS" -J "${rev[@]}" 2>> "$LOG"); then
		warn "$row: iperf3 $dir failed: $(perl -MJSON::PP -e 'print eval { decode_json(join "", <>)->{error} } // "no output"' <<< "$json")"
		return 0
	fi
	t1=$(relay_ticks)
	res=$(perl -MJSON::PP -e '
		my $j = decode_json(join "", <STDIN>);
		my $s = $j->{end}{sum_received} or die "no sum_received\n";
		my ($ticks, $hz) = @ARGV;
		printf "%.1f %.2f %d\n", $s->{bits_per_second} / 1e6,
			$s->{bytes} ? $ticks / $hz / ($s->{bytes} / 2**30) : 0, $s->{bytes};
	' "$((t1 - t0))" "$CLK_TCK" <<< "$json") || { warn "$row: iperf3 $dir: unreadable result"; return 0; }
	read -r mbit cpu bytes <<< "$res"
	record "$row" "tput_$dir" "$round" "$mbit"
	record "$row" "cpu_$dir" "$round" "$cpu"
	say "  $row: iperf3 $dir $mbit Mbit/s, relay CPU $cpu s/GiB ($bytes bytes)"
}

# measure_rrload ROW ROUND METRIC KEY ARGS...: run rrload in the client,
# record KEY, and the relay guest's host CPU per operation and its CPU use
# (% of one host CPU): a saturated relay guest explains a low rate.
measure_rrload() {
	local row=$1 round=$2 metric=$3 key=$4 out v t0 t1 ops secs

	shift 4
	t0=$(relay_ticks)
	if ! out=$(gx -t $((RR_SECS + 60)) client "$G_RRLOAD" "$@" 2>> "$LOG"); then
		warn "$row: rrload $* failed: $out"
		return 0
	fi
	t1=$(relay_ticks)
	echo "    $row: $out" >> "$LOG"
	v=$(field "$key" "$out") || { warn "$row: no $key in '$out'"; return 0; }
	record "$row" "$metric" "$round" "$v"
	case $metric in
	dns) record "$row" dns_lost "$round" "$(field lost "$out")"; ops=$(field answered "$out") ;;
	connrate) record "$row" connrate_failed "$round" "$(field failed "$out")"; ops=$(field completed "$out") ;;
	*) ops=$(field transactions "$out") ;;
	esac
	secs=$(field secs "$out")
	if ((ops > 0)); then
		record "$row" "${metric}_cpu" "$round" "$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$ops" \
			'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
		record "$row" "${metric}_busy" "$round" "$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v s="$secs" \
			'BEGIN { printf "%.0f", t / hz / s * 100 }')"
	fi
	say "  $row: $metric $v/s"
}

# case_up CASE FAMILY, case_down CASE FAMILY: one relay in the relay guest.
# Taking down 1,000 socat processes can take minutes in an emulated guest.
case_up() {
	EXEC_TIMEOUT=600 gx relay "$GUEST_SH" up "$1" "$2" >> "$LOG" 2>&1 ||
		{ warn "$(row_name "$1" "$2"): set-up failed (see $LOG)"; return 1; }
}
case_down() {
	EXEC_TIMEOUT=600 gx relay "$GUEST_SH" down "$1" "$2" >> "$LOG" 2>&1 ||
		warn "$(row_name "$1" "$2"): take-down failed (see $LOG)"
}

# run_case CASE FAMILY ROUND: the figures of one row in one round.
run_case() {
	local c=$1 fam=$2 round=$3 row target

	row=$(row_name "$c" "$fam")
	bench_family "$fam"
	target=$(target_of "$c")
	case_up "$c" "$fam" || return 0
	measure_iperf "$row" "$target" "$round" up
	measure_iperf "$row" "$target" "$round" down
	measure_rrload "$row" "$round" rr1 rate rr "$target" 7 1 "$RR_SECS" 64
	measure_rrload "$row" "$round" rr50 rate rr "$target" 7 50 "$RR_SECS" 64
	# shellcheck disable=SC2086 # two source addresses
	measure_rrload "$row" "$round" connrate rate connrate "$target" 7 "$RR_SECS" "$CONNRATE_PARALLEL" $CLIENT_IPS
	if [[ " $DNS_CASES " == *" $c "* ]]; then
		measure_rrload "$row" "$round" dns rate dns "$target" 53 "$RR_SECS" "$DNS_WINDOW" "$DNS_SOCKETS" www.relay.test
	fi
	case_down "$c" "$fam"
}

# Idle connections: open up to COUNT through the case, check each with an
# echo, and take the relay guest's memory before and while they are held
# (IPv4: rows named as the case).
mem_snapshot() { gx relay "$GUEST_SH" mem 2> /dev/null; }

run_idle() {
	# A new status file each time: a name deleted on the host behind the
	# guest's back confuses the guest's hostfs dentry cache.
	local c=$1 count=$IDLE name=bench-hold-$1-$$.status before after line pid job res
	local status=$STATE/client/$name

	[[ $c == socat ]] && count=$SOCAT_IDLE
	bench_family 4
	case_up "$c" 4 || return 0
	before=$(mem_snapshot) || { warn "$c: memory snapshot failed"; case_down "$c" 4; return 0; }
	# Open (IDLE_OPEN_SECS + 5), check (up to 120), hold (up to 120), close.
	gx -t $((IDLE_OPEN_SECS + 300)) client "$G_RRLOAD" hold "$(target_of "$c")" 7 "$count" 32 \
		"$IDLE_OPEN_SECS" "/relaykit/run/$name" 120 >> "$LOG" 2>&1 &
	job=$!
	for _ in $(seq $((IDLE_OPEN_SECS * 10 + 1300))); do
		[[ -s $status ]] && break
		kill -0 "$job" 2> /dev/null || break
		sleep 0.1
	done
	if [[ ! -s $status ]]; then
		warn "$c: the idle connections were not reported (see $LOG)"
		wait "$job" || true
		case_down "$c" 4
		return 0
	fi
	line=$(< "$status")
	after=$(mem_snapshot) || after=
	pid=$(field pid "$line")
	gx client kill -USR1 "$pid" >> "$LOG" 2>&1 || true
	wait "$job" || warn "$c: rrload hold failed (see $LOG)"
	echo "    $c: $line" >> "$LOG"
	res=$(perl -e '
		my ($held, $before, $after) = @ARGV;
		my (%b, %a);
		for ([\%b, $before], [\%a, $after]) {
			my ($h, $text) = @$_;
			for (split /\n/, $text) {
				my @f = split;
				$h->{"mem:$f[1]"} = $f[2] * 1024 if $f[0] eq "mem";
				$h->{"slab:$f[1]"} = $f[2] * $f[3] if $f[0] eq "slab";
			}
		}
		exit 1 unless $held > 0 && defined $a{"mem:MemFree"};
		# What a socket costs wherever it lives: the sock, its inode, and
		# for user space its file, dentry and epoll entry.
		my $sock = qr/^slab:(TCP|tw_sock_TCP|request_sock_TCP|sock_inode_cache|dentry|filp|eventpoll_epi|eventpoll_pwq|skbuff_\w+)$/;
		my ($sockets, $nrelay) = (0, 0);
		for my $k (keys %a) {
			my $d = $a{$k} - ($b{$k} // 0);
			$sockets += $d if $k =~ $sock;
			$nrelay += $d if $k =~ /^slab:nrelay/;
		}
		my $free = $b{"mem:MemFree"} - $a{"mem:MemFree"};
		my $slab = $a{"mem:Slab"} - $b{"mem:Slab"};
		# How many would fit in the memory that was free before.
		my $fit = $free > 0 ? $held * $b{"mem:MemFree"} / $free : 0;
		printf "%.0f %.0f %.0f %.0f %.0f\n", $free / $held, $slab / $held,
			($free - $sockets) / $held, $nrelay / $held, $fit;
	' "$(field held "$line")" "$before" "$after") || res=
	record "$c" idle_held 1 "$(field held "$line")"
	if [[ -n $res ]]; then
		read -r free slab beyond nrelay fit <<< "$res"
		record "$c" idle_fit 1 "$fit"
		record "$c" idle_mem 1 "$free"
		record "$c" idle_slab 1 "$slab"
		record "$c" idle_beyond 1 "$beyond"
		[[ $c != relay ]] || record "$c" idle_nrelay 1 "$nrelay"
	fi
	say "  $c: idle $line; per connection: MemFree ${free:-?} B, slab ${slab:-?} B, beyond sockets ${beyond:-?} B"
	case_down "$c" 4
	unset free slab beyond nrelay fit
}

# Every round runs every row; the order rotates so that no row always
# comes first after the idle pause (or last, after the others' TIME_WAITs).
read -ra cases <<< "$CASES"
for ((round = 1; round <= ROUNDS; round++)); do
	say "round $round/$ROUNDS ($(date +%T), load $(load1))"
	for ((i = 0; i < ${#rows[@]}; i++)); do
		read -r c fam <<< "${rows[(i + round - 1) % ${#rows[@]}]}"
		run_case "$c" "$fam" "$round"
	done
done
# Profiles: where the relay guest's host CPU goes while it relays iperf3
# (client to server, over IPv4), for the cases the targets compare. perf
# samples every host process of the relay guest: the UML kernel (the `linux`
# binary, with its symbols), the host kernel working for it (the links'
# system calls, signals, page faults) and its user-space processes (haproxy,
# socat).
relay_pids() {
	local f s
	local -a a

	for f in /proc/[0-9]*/stat; do
		s=$(< "$f") 2> /dev/null || continue
		s=${s##*) }
		read -ra a <<< "$s"
		if [[ ${a[2]} == "$RELAY_PGID" ]]; then
			f=${f#/proc/}
			echo "${f%/stat}"
		fi
	done
}

profile_case() {
	local c=$1 pids perf_pid

	bench_family 4
	case_up "$c" 4 || return 0
	pids=$(relay_pids | paste -sd, -)
	perf record -q -F 999 -o "$OUT/perf-$c.data" -p "$pids" >> "$LOG" 2>&1 &
	perf_pid=$!
	gx -t $((SECS + 60)) client iperf3 -c "$(target_of "$c")" -t "$SECS" >> "$LOG" 2>&1 ||
		warn "$c: iperf3 under perf failed"
	kill -INT "$perf_pid" 2> /dev/null || true
	# perf leaves with the signal's status; its data file says whether it worked.
	wait "$perf_pid" || true
	[[ -s $OUT/perf-$c.data ]] || { warn "$c: perf record wrote nothing (see $LOG)"; case_down "$c" 4; return 0; }
	case_down "$c" 4
	# "PERCENT DSO SYMBOL" lines, every sample counted once (no children).
	perf report -i "$OUT/perf-$c.data" --stdio -q --no-children --sort dso,sym \
		--percent-limit 0.3 2>> "$LOG" | awk 'NF >= 4 { sub(/%/, "", $1); sym = $4;
			for (i = 5; i <= NF; i++) sym = sym " " $i; print $1 "\t" $2 "\t" sym }' \
		> "$OUT/profile-$c.tsv" || warn "$c: perf report failed"
	perf report -i "$OUT/perf-$c.data" --stdio -q --no-children --sort dso 2>> "$LOG" |
		awk 'NF >= 2 { sub(/%/, "", $1); print $1 "\t" $2 }' > "$OUT/profile-$c-dso.tsv" ||
		warn "$c: perf report failed"
	rm -f "$OUT/perf-$c.data"
	say "  $c: profile of $(wc -l < "$OUT/profile-$c.tsv") symbols"
}

if ((!HAS_V4)); then
	say "no profiles, no idle connections: IPv4 only (BENCH_FAMILIES=$FAMILIES)"
elif command -v perf > /dev/null; then
	say "profiles ($(date +%T), load $(load1))"
	for c in forward dnat haproxy relay; do
		[[ " $CASES " != *" $c "* ]] || profile_case "$c"
	done
else
	warn "perf not found (package linux-perf): no profiles"
fi

if ((HAS_V4)); then
	say "idle connections ($(date +%T), load $(load1))"
	for c in "${cases[@]}"; do
		run_idle "$c"
	done
fi

LOAD_END=$(load1)
T_END=$(date +%s)
# The command as typed: make passes TOPO and LINK on as BENCH_TOPO and
# BENCH_LINK; other BENCH_ variables came from the user.
if [[ ${MAKELEVEL:-} ]]; then
	COMMAND="make bench"
	((!RELAY_X86)) || COMMAND+=" TOPO=x86"
	[[ $LINK == daemon ]] || COMMAND+=" LINK=$LINK"
	ENV_SET=$(env | grep -E '^BENCH_[A-Z_]+=' | grep -Ev '^BENCH_(TOPO|LINK)=' | sort | tr '\n' ' ' || true)
else
	COMMAND="bench/bench.sh"
	ENV_SET=$(env | grep -E '^BENCH_[A-Z_]+=' | sort | tr '\n' ' ' || true)
fi
[[ -z $ENV_SET ]] || COMMAND="$ENV_SET$COMMAND"
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "command=$COMMAND"
	echo "kernel_relay=$KERNEL_RELAY"
	echo "kernel_peers=$KERNEL_PEERS"
	echo "haproxy=$HAPROXY_VERSION"
	echo "socat=$SOCAT_VERSION"
	echo "host=$(nproc) CPUs, $(uname -r), $(awk '/^model name/ { sub(/^[^:]*: /, ""); print; exit }' /proc/cpuinfo)"
	echo "load=$LOAD_START at the start, $LOAD_END at the end"
	echo "duration=$(((T_END - T_START) / 60)) min $(((T_END - T_START) % 60)) s"
	echo "rounds=$ROUNDS"
	echo "secs=$SECS"
	echo "rr_secs=$RR_SECS"
	echo "idle=$IDLE"
	echo "socat_idle=$SOCAT_IDLE"
	echo "cases=$CASES"
	echo "families=$FAMILIES"
	echo "connrate_parallel=$CONNRATE_PARALLEL"
	echo "dns_window=$DNS_WINDOW"
	echo "dns_sockets=$DNS_SOCKETS"
	echo "relay_label=$RELAY_LABEL"
	echo "topo=$TOPO_SRC"
	echo "relay_kind=$( ((RELAY_X86)) && echo x86 || echo uml)"
	echo "link=$LINK"
	echo "charts=$DOCS_CHARTS"
} > "$OUT/meta"

perl "$KIT/bench/report.pl" "$OUT" >> "$LOG" 2>&1 || rk_die "report failed (see $LOG)"
say "bench: done in $(((T_END - T_START) / 60)) min $(((T_END - T_START) % 60)) s; report $OUT/benchmarks.md"
if ((DOCS)); then
	mkdir -p "$KIT/docs/$DOCS_CHARTS"
	cp "$OUT/benchmarks.md" "$KIT/docs/$DOCS_NAME.md"
	cp "$OUT/benchmarks.csv" "$KIT/docs/$DOCS_NAME.csv"
	cp "$OUT/bench/raw.csv" "$OUT"/bench/*.png "$KIT/docs/$DOCS_CHARTS/"
	say "bench: docs/$DOCS_NAME.md, docs/$DOCS_NAME.csv, docs/$DOCS_CHARTS/ updated"
fi
