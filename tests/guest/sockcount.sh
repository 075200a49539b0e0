#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sockcount.sh: the sockets of the guest it runs in (the relay) and the
# kernel memory behind them, one "KEY VALUE" line each, for
# tests/lib/sockcheck.sh:
#   sockets                  user sockets (/proc/net/sockstat "used")
#   tcp_inuse tcp_orphan tcp_alloc udp_inuse raw_inuse   /proc/net/sockstat
#   slab_CACHE               objects in use in the socket and skb caches
#   skb_napi_cache_max       skb heads NAPI may keep for reuse: 64 a CPU
#                            (NAPI_SKB_CACHE_SIZE), where the network
#                            drivers use NAPI (virtio-net in the x86
#                            guest); none on UML, whose drivers do not
# Each cache is shrunk first: SLUB counts the free objects of per-cpu slabs
# as in use, and KASAN's quarantine holds freed objects back, until then.

caches="TCP UDP RAW request_sock_TCP sock_inode_cache skbuff_head_cache skbuff_fclone_cache"
for c in $caches; do
	[ -w "/sys/kernel/slab/$c/shrink" ] && echo 1 > "/sys/kernel/slab/$c/shrink"
done
awk -v caches="$caches" '
	BEGIN { n = split(caches, c, " "); for (i = 1; i <= n; i++) want[c[i]] = 1 }
	FILENAME == "/proc/net/sockstat" && $1 == "sockets:" { print "sockets", $3 }
	FILENAME == "/proc/net/sockstat" && $1 == "TCP:" {
		for (i = 2; i < NF; i += 2)
			if ($i == "inuse" || $i == "orphan" || $i == "alloc")
				print "tcp_" $i, $(i + 1)
	}
	FILENAME == "/proc/net/sockstat" && $1 == "UDP:" { print "udp_inuse", $3 }
	FILENAME == "/proc/net/sockstat" && $1 == "RAW:" { print "raw_inuse", $3 }
	FILENAME == "/proc/slabinfo" && ($1 in want) { print "slab_" $1, $2 }
' /proc/net/sockstat /proc/slabinfo
if [ "$(uname -m)" = um ]; then
	echo "skb_napi_cache_max 0"
else
	echo "skb_napi_cache_max $((64 * $(grep -c '^processor' /proc/cpuinfo)))"
fi
