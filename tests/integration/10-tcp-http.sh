#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP relay, download: curl in the client fetches files of 0 B, 1 B,
# 100 KiB and 20 MiB from the server's nginx through the relay's port 80;
# every byte must arrive (sha256), and the rule's byte counters move.  A
# text browser (w3m, as the demo shows) renders the server's page.  The
# IPv6 twin goes through the default rule too: an IPv6 client, the IPv4
# backend.
# relaykit-test: quick
# relaykit-test: families=4 6
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
files=()
cleanup()
{
	if ((${#files[@]})); then
		gexec server rm -f "${files[@]/#//srv/www/}" || true
	fi
}
trap cleanup EXIT

down0=$(relay_stat tcp_bytes_down)
total=0
for size in 0 1 102400 20971520; do
	name=rk-http-$$-$size
	files+=("$name")
	want=$(server_file "$name" "$size") || fail "cannot create /srv/www/$name on the server"
	got=$(gsh client ': > /tmp/dl && curl -sS --fail --max-time 120 -o /tmp/dl "$1" && stat -c %s /tmp/dl && sha256sum /tmp/dl | cut -d" " -f1; rm -f /tmp/dl' \
		"$RELAY_HTTP/$name") || fail "curl $RELAY_HTTP/$name failed in the client"
	read -r -d '' gotsize gotsum <<< "$got" || true
	[ "$gotsize" = "$size" ] || fail "$size-byte file: client got $gotsize bytes"
	[ "$gotsum" = "$want" ] || fail "$size-byte file: sha256 differs (client $gotsum, server $want)"
	log "$size bytes: ok"
	total=$((total + size))
done
page=$(gexec client w3m -dump "$RELAY_HTTP/") || fail "w3m -dump $RELAY_HTTP/ failed in the client"
[ "$page" = "relaykit server" ] || fail "w3m rendered '$page', not the server's page"
log "w3m: $page"
down=$(($(relay_stat tcp_bytes_down) - down0))
# Each response also carries HTTP headers.
((down >= total)) || fail "tcp_bytes_down moved by $down, less than the $total bytes of bodies"
wait_tcp_idle 20
