#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make soak: mixed traffic through the relay for a long time; the relay
# guest's memory must stay flat.
#
#   tests/stability/soak.sh [-d DURATION] [-i INTERVAL] [-o DIR]
#
# DURATION (default 30m) and INTERVAL (sampling, default 1m) take s/m/h.
# With RUN set to a running topology (the suite's short soak) it uses that
# one; otherwise it starts its own (RUN=soak-<pid>, tests/stability/
# stability.topo) and stops it at the end.
#
# Traffic: HTTP GETs of a page and of a 1 MiB file over short connections
# (connection churn), DNS queries from a new source port every 20 (mapping
# churn), and every INTERVAL a rule change (a TCP and a UDP rule added or
# deleted).  Each sample (tests/guest/memsnap.sh, after dropping caches
# and shrinking the slab caches) goes to DIR/soak.csv; DIR/soak.png plots it.
# DIR defaults to run/soak/<date>.
#
# Flat means: the mean of the last third of the samples is at most
# SOAK_TOL_SLAB kB (default 2048) above the first third's for unreclaimable
# slab and kmalloc, at most SOAK_TOL_MEMFREE kB (default 4096) below it for
# MemFree, and the relay's caches hold no more objects than the live
# relays and mappings need (+4) in a last sample taken once the load has
# stopped and no relay is left (DIR/end.csv).  Exit 1 otherwise.

set -euo pipefail

KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=lib/log.sh source-path=SCRIPTDIR/../..
. "$KIT/lib/log.sh"
DURATION=30m
INTERVAL=1m
OUTDIR=
while getopts "d:i:o:h" opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	i) INTERVAL=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	*) sed -n '/^#   tests/,/^# DIR defaults/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
SOAK_TOL_SLAB=${SOAK_TOL_SLAB:-2048}
SOAK_TOL_MEMFREE=${SOAK_TOL_MEMFREE:-4096}

seconds()
{
	local v=$1

	case $v in
	*h) echo $((${v%h} * 3600)) ;;
	*m) echo $((${v%m} * 60)) ;;
	*s) echo "${v%s}" ;;
	*[!0-9]* | '') rk_die "bad duration '$v' (e.g. 30m, 90s, 1h)" ;;
	*) echo "$v" ;;
	esac
}
duration=$(seconds "$DURATION")
interval=$(seconds "$INTERVAL")
((duration >= 3 * interval)) || rk_die "DURATION must be at least 3 x INTERVAL"
OUTDIR=${OUTDIR:-$KIT/run/soak/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

OWN_RUN=0
if [ -z "${RUN:-}" ] || [ ! -e "$KIT/run/$RUN/relay/pid" ]; then
	RUN=soak-$$
	OWN_RUN=1
fi
export RUN
# GTOOLS: tests/guest/ as the guests see it. Sourced once RUN is set (its
# uml/lib/common.sh defaults RUN to demo).
# shellcheck source=../lib/phase-topology.sh
source "$KIT/tests/lib/phase-topology.sh"
ex() { "$KIT/uml/exec.sh" "$@"; }

PIDS=()
cleanup()
{
	local pid

	ex client touch /tmp/load.stop > /dev/null 2>&1 || true
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2> /dev/null || true
	done
	if [ "$OWN_RUN" = 1 ]; then
		run_down "$OUTDIR/stop.log" > /dev/null || true
	else
		ex relay sh -c 'cd /proc/net/relay && echo "del tcp 8080" > rules; echo "del udp 5353" > rules' > /dev/null 2>&1 || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "$OWN_RUN" = 1 ]; then
	echo "soak: starting topology $RUN"
	run_up "$KIT/tests/stability/stability.topo" "$OUTDIR/start.log" > /dev/null ||
		rk_die "start-topology.sh failed (see $OUTDIR/start.log)"
fi
ex relay test -e /proc/net/relay/rules || rk_die "the relay is not loaded in run $RUN"

ex server sh -c 'head -c 1048576 /dev/urandom > /srv/www/soak-1m' || rk_die "cannot create /srv/www/soak-1m on the server"
ex client rm -f /tmp/load.stop
EXEC_TIMEOUT=$((duration + 120)) ex client perl "$GTOOLS/load.pl" http 192.0.2.1,2001:db8:1::1 80 "$duration" /,/soak-1m \
	> "$OUTDIR/http.out" 2>&1 &
PIDS+=($!)
EXEC_TIMEOUT=$((duration + 120)) ex client perl "$GTOOLS/load.pl" dns 192.0.2.1,2001:db8:1::1 53 "$duration" 40 \
	> "$OUTDIR/dns.out" 2>&1 &
PIDS+=($!)

csv=$OUTDIR/soak.csv
echo "seconds,memfree_kb,sunreclaim_kb,slab_kb,kmalloc_kb,nrelay_conn,nrelay_udp_map,tcp_active,udp_mappings" > "$csv"
# sample SECONDS FILE: one line of FILE.
sample()
{
	local snap stats

	# A snapshot shrinks every slab cache: seconds normally, but it was once
	# seen to take minutes on a starved host.  One more try, then give up.
	snap=$(ex -t 90 relay sh "$GTOOLS/memsnap.sh") ||
		snap=$(ex -t 90 relay sh "$GTOOLS/memsnap.sh") ||
		rk_die "memory snapshot at ${1}s failed twice (90 s each): is the relay guest hung? (run/$RUN/relay/console.log)"
	stats=$(ex relay cat /proc/net/relay/stats) || rk_die "cannot read /proc/net/relay/stats"
	{
		printf '%s\n' "$snap"
		printf '%s\n' "$stats" | awk '$1 == "tcp_active" || $1 == "udp_mappings"'
	} | awk -v t="$1" '{ v[$1] = $2 }
		END { printf "%d,%d,%d,%d,%d,%d,%d,%d,%d\n", t, v["memfree_kb"], v["sunreclaim_kb"], v["slab_kb"],
			v["kmalloc_kb"], v["nrelay_conn"], v["nrelay_udp_map"], v["tcp_active"], v["udp_mappings"] }' >> "$2"
}

start=$SECONDS
n=0
echo "soak: $DURATION of traffic, a sample every $INTERVAL, into $csv"
while :; do
	now=$((SECONDS - start))
	sample "$now" "$csv"
	n=$((n + 1))
	((now + interval <= duration)) || break
	# A rule change per interval: the relay's rule paths under traffic.
	if ((n % 2)); then
		ex relay sh -c 'cd /proc/net/relay && echo "add tcp 8080 198.51.100.2:80" > rules && echo "add udp 5353 198.51.100.2:53" > rules' ||
			rk_die "rule add failed"
	else
		ex relay sh -c 'cd /proc/net/relay && echo "del tcp 8080" > rules && echo "del udp 5353" > rules' ||
			rk_die "rule del failed"
	fi
	sleep $((start + n * interval - SECONDS > 0 ? start + n * interval - SECONDS : 0))
done
ex client touch /tmp/load.stop
for pid in "${PIDS[@]}"; do
	wait "$pid" || rk_die "a load generator failed: $(cat "$OUTDIR/http.out" "$OUTDIR/dns.out")"
done
PIDS=()
load="$(cat "$OUTDIR/http.out"); $(cat "$OUTDIR/dns.out")"

# The relay's caches against its live relays and mappings: in a sample
# taken once no relay is left.  Under load a relay made between the
# snapshot's shrinking the caches and its reading them shows its whole
# per-cpu slab (12 nrelay_conn objects) as in use: a run once failed so.
relays_gone() { ex relay cat /proc/net/relay/stats | awk '$1 == "tcp_active" { n = $2 } END { exit n != 0 }'; }
for _ in $(seq 60); do
	relays_gone && break
	sleep 1
done
relays_gone || rk_die "relays still live 60 s after the load stopped"
end_csv=$OUTDIR/end.csv
head -n 1 "$csv" > "$end_csv"
sample "$((SECONDS - start))" "$end_csv"
echo "soak: $load"

if command -v gnuplot > /dev/null; then
	gnuplot <<-EOF > "$OUTDIR/gnuplot.log" 2>&1 || echo "soak: gnuplot failed (see $OUTDIR/gnuplot.log)"
		set terminal png size 1000,600 noenhanced
		set output "$OUTDIR/soak.png"
		set datafile separator ","
		set title "relay guest memory during the soak ($DURATION)"
		set xlabel "seconds"
		set ylabel "kB"
		set y2label "objects"
		set y2tics
		set key outside bottom center horizontal
		plot "$csv" using 1:3 with linespoints title "unreclaimable slab", \
		     "" using 1:5 with linespoints title "kmalloc", \
		     "" using 1:(\$2 / 10) with linespoints title "MemFree / 10", \
		     "" using 1:6 axes x1y2 with lines title "nrelay_conn", \
		     "" using 1:7 axes x1y2 with lines title "nrelay_udp_map"
	EOF
fi

# Flatness: last third against first third of the samples.
verdict=$(awk -F, -v ts="$SOAK_TOL_SLAB" -v tm="$SOAK_TOL_MEMFREE" '
	FNR == 1 { next }
	FILENAME == ARGV[1] { n++; free[n] = $2; slab[n] = $3; km[n] = $5 }
	FILENAME == ARGV[2] { conn = $6; map = $7; act = $8; maps = $9 }
	function mean(a, lo, hi,   i, s) { s = 0; for (i = lo; i <= hi; i++) s += a[i]; return s / (hi - lo + 1) }
	END {
		k = int(n / 3)
		ds = mean(slab, n - k + 1, n) - mean(slab, 1, k)
		dk = mean(km, n - k + 1, n) - mean(km, 1, k)
		dm = mean(free, n - k + 1, n) - mean(free, 1, k)
		printf "%d samples; last third vs first third: unreclaimable slab %+d kB, kmalloc %+d kB, MemFree %+d kB; at the end nrelay_conn %d (tcp_active %d), nrelay_udp_map %d (udp_mappings %d)\n", n, ds, dk, dm, conn, act, map, maps
		bad = ""
		if (ds > ts) bad = bad sprintf("unreclaimable slab grew by %d kB (tolerance %d); ", ds, ts)
		if (dk > ts) bad = bad sprintf("kmalloc grew by %d kB (tolerance %d); ", dk, ts)
		if (-dm > tm) bad = bad sprintf("MemFree fell by %d kB (tolerance %d); ", -dm, tm)
		if (conn > act + 4) bad = bad sprintf("%d nrelay_conn objects for %d relays; ", conn, act)
		if (map > maps + 4) bad = bad sprintf("%d nrelay_udp_map objects for %d mappings; ", map, maps)
		if (bad != "") print "NOT FLAT: " bad
	}' "$csv" "$end_csv")
echo "soak: $verdict" | tee "$OUTDIR/verdict.txt"
echo "soak: $csv${OUTDIR:+, $OUTDIR/soak.png}"
[[ $verdict != *"NOT FLAT"* ]] || exit 1
ok=0
[[ $load =~ http:\ ([0-9]+)\ ok ]] && ok=${BASH_REMATCH[1]}
((ok > 0)) || rk_die "no HTTP request succeeded"
