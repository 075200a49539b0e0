#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A slow reader behind the relay (tcpclient.pl slow: nothing read for a
# while, then 10 KB/s, then the rest).
#  - 20 MiB from the fast backend: the relay holds no more than its socket
#    buffers can (the backend socket's receive buffer and the client
#    socket's send buffer at their maxima, tcp_rmem[2] + tcp_wmem[2]: the
#    TCP memory of /proc/net/sockstat, sampled while the client dawdles);
#    the rest waits in the server, whose send queue is not empty; then every
#    byte arrives.
#  - 100 KiB with the relay's send buffers at 8 KiB (tcp_wmem): the client
#    (64 KiB of window) and the relay's send buffer take less than the file,
#    so the server's FIN reaches the relay with bytes still queued before
#    it; they must all arrive before the client sees the end.  (With the
#    default buffers the whole file fits in the relay's send buffer and the
#    queue is empty when the FIN comes.)
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
files=()
wmem0=$(gexec relay cat /proc/sys/net/ipv4/tcp_wmem)
trap 'gsh relay "echo \"\$1\" > /proc/sys/net/ipv4/tcp_wmem" "$wmem0" || true
	gexec client rm -f /tmp/slow.out
	((${#files[@]} == 0)) || gexec server rm -f "${files[@]/#//srv/www/}" || true' EXIT

# slow_get NAME PAUSE: the slow reader's download of NAME through the
# relay, started in the background; SLOW_PID.
slow_get()
{
	gsh client 'perl "$1" slow "$2" 80 "/$3" "$4" 10240 > /tmp/slow.out' \
		"$GTOOLS/tcpclient.pl" "$RELAY_FRONT" "$1" "$2" &
	SLOW_PID=$!
}

# slow_check NAME SHA256: the download ended well and is NAME, byte for byte.
slow_check()
{
	wait "$SLOW_PID" || fail "$1: the slow reader failed"
	got=$(gexec client sha256sum /tmp/slow.out) || fail "no /tmp/slow.out in the client"
	[ "${got%% *}" = "$2" ] ||
		fail "$1: the slow reader got $(gexec client stat -c %s /tmp/slow.out) bytes that differ from the server's"
}

tcp_mem_pages() { gexec relay awk '$1 == "TCP:" { print $NF }' /proc/net/sockstat; }
# The most the relay may hold for one relay, in pages: both buffers at max.
read -r _ _ rmem_max < <(gexec relay cat /proc/sys/net/ipv4/tcp_rmem)
read -r _ _ wmem_max < <(gexec relay cat /proc/sys/net/ipv4/tcp_wmem)
bound=$(((rmem_max + wmem_max) / 4096))

big=rk-slow-$$-big
files+=("$big")
want=$(server_file "$big" 20971520) || fail "cannot create /srv/www/$big on the server"
slow_get "$big" 8
# While the client does not read: the relay's TCP memory, and the bytes
# waiting in the server (the relay pushed back), at their highest.
max=0
sendq=0
for _ in 1 2 3 4 5; do
	sleep 1
	pages=$(tcp_mem_pages)
	((pages <= max)) || max=$pages
	q=$(gexec server ss -tnH state established '( sport = :80 )' | awk '{ q += $2 } END { print q + 0 }')
	((q <= sendq)) || sendq=$q
done
slow_check "$big" "$want"
log "20 MiB to a slow reader: relay TCP memory at most $max pages (bound $bound), server send queue $sendq bytes"
((max <= bound)) || fail "the relay held $max pages of TCP memory for one slow reader, more than its buffers allow ($bound)"
((sendq > 0)) || fail "the server's send queue was empty while the client did not read: the relay did not push back"

gsh relay 'echo 4096 8192 8192 > /proc/sys/net/ipv4/tcp_wmem' || fail "cannot set the relay's tcp_wmem"
small=rk-slow-$$-small
files+=("$small")
want=$(server_file "$small" 102400) || fail "cannot create /srv/www/$small on the server"
slow_get "$small" 4
slow_check "$small" "$want"
note "20 MiB: relay at most $max of $bound pages, server queue $sendq B; 100 KiB after its FIN: whole"
wait_tcp_idle 20
