#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# memsnap.sh [quick]: memory snapshot of the guest it runs in (the relay),
# one "key value" line each, for tests/lib/stability.sh and the soak.
#
#   memfree_kb sunreclaim_kb slab_kb   from /proc/meminfo
#   kmalloc_kb                         sum over the kmalloc-* caches of
#                                      active objects x object size
#   nrelay_conn nrelay_udp_map         active objects of the relay's caches
#                                      (0 when the module is not loaded)
#
# First the page cache is dropped and every slab cache shrunk: SLUB counts
# the free objects of per-cpu slabs as active, and KASAN's quarantine holds
# freed objects back, until a cache is shrunk.  Without "quick" each cache
# is shrunk (slow with KASAN: about a second); "quick" only drops caches.

sync
echo 3 > /proc/sys/vm/drop_caches
if [ "${1:-}" != quick ]; then
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f" 2> /dev/null
	done
fi

awk '
	FILENAME == "/proc/meminfo" && $1 == "MemFree:" { print "memfree_kb", $2 }
	FILENAME == "/proc/meminfo" && $1 == "SUnreclaim:" { print "sunreclaim_kb", $2 }
	FILENAME == "/proc/meminfo" && $1 == "Slab:" { print "slab_kb", $2 }
	FILENAME == "/proc/slabinfo" && $1 ~ /^kmalloc-/ { km += $2 * $4 }
	FILENAME == "/proc/slabinfo" && $1 == "nrelay_conn" { conn = $2 }
	FILENAME == "/proc/slabinfo" && $1 == "nrelay_udp_map" { map = $2 }
	END {
		printf "kmalloc_kb %d\n", km / 1024
		print "nrelay_conn", conn + 0
		print "nrelay_udp_map", map + 0
	}' /proc/meminfo /proc/slabinfo
