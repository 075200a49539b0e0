#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# httpd.sh [PORT]: serve /srv/www with nginx on PORT (default 80), IPv4
# and IPv6.
# Tests drop their files into /srv/www (e.g. through uml/exec.sh);
# index.html names the guest so a client can tell which server answered.
# Log: /relaykit/run/httpd.log (errors and access log).

set -euo pipefail

SERVICE=httpd
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PORT=${1:-80}
CONF=/run/relaykit-httpd.conf
PIDFILE=/run/relaykit-httpd.pid
WWW=/srv/www

[[ "$PORT" =~ ^[0-9]+$ ]] || die "bad port '$PORT'"
mkdir -p "$WWW"
[ -f "$WWW/index.html" ] || echo "relaykit $HOSTNAME" > "$WWW/index.html"

# A previous instance would hold the port.
if [ -s "$PIDFILE" ]; then
	nginx -c "$CONF" -s stop 2> /dev/null || true
	sleep 0.2
fi

cat > "$CONF" <<CONF
# written by uml/guest/services/httpd.sh
user www-data;
worker_processes 1;
worker_rlimit_nofile 8192;
pid $PIDFILE;
error_log $SERVICE_LOG info;

events {
	worker_connections 4096;
}

http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 65;
	server_tokens off;
	# Buffered so that load tests do not write to hostfs per request.
	access_log $SERVICE_LOG combined buffer=64k flush=1s;

	server {
		listen $PORT default_server;
		listen [::]:$PORT default_server ipv6only=on;
		root $WWW;
		autoindex on;
		location / {
		}
	}
}
CONF

nginx -c "$CONF" 2>> "$SERVICE_LOG" || die "nginx failed to start; config $CONF (see $SERVICE_LOG)"
wait_listening tcp "$PORT" || die "nginx is not listening on port $PORT (see $SERVICE_LOG)"
log "nginx serving $WWW on port $PORT"
