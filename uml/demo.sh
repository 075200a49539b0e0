#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo behind `make run`: bring up the default topology (or reuse it if
# RUN is already up) and show the relay at work from the client. A check
# that fails is reported and the demo goes on; the topology stays up.
#
#   ./uml/demo.sh [TOPOLOGY-FILE]          (env RUN, default demo)
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/run.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/run.sh"

rk_check_run_name "$RUN"
STATE=$(rk_state_dir "$RUN")
EXEC=$KIT/uml/exec.sh
export RUN

if rk_run_is_up "$STATE"; then
	echo "run $RUN is already up ($STATE): using it"
	for guest in client relay; do
		rk_require_guest_up "$RUN" "$guest"
	done
else
	# A relay that cannot load its rules yet still makes a topology to
	# look at. start-topology.sh speaks to the terminal.
	ALLOW_START_FAILURE=1 run_up "${1:-}" /dev/stdout || exit 1
fi

failed=0
bold='' red='' plain=''
if [[ -t 1 ]]; then
	bold=$'\e[1m' red=$'\e[31m' plain=$'\e[0m'
fi
# show TITLE GUEST CMD...: run CMD in GUEST, print its output; never fatal.
show() {
	local title=$1 guest=$2 rc=0
	shift 2

	printf '\n%s== %s%s   (%s: %s)\n' "$bold" "$title" "$plain" "$guest" "$*"
	"$EXEC" -t 20 "$guest" "$@" 2>&1 || rc=$?
	if ((rc)); then
		printf '%s-- failed (exit %d)%s\n' "$red" "$rc" "$plain"
		failed=$((failed + 1))
	fi
	return 0
}

show "web page from the server's nginx, through the relay" client \
	curl -sS --max-time 10 http://192.0.2.1/
show "the same page as text" client w3m -dump http://192.0.2.1/
show "the same page over IPv6, relayed to the server's IPv4 address" client \
	curl -6 -sS --max-time 10 -g "http://[2001:db8:1::1]/"
show "the same page as text over IPv6" client w3m -dump "http://[2001:db8:1::1]/"
show "DNS through the relay (UDP)" client nslookup -timeout=3 www.relay.test 192.0.2.1
show "DNS through the relay over IPv6, to the server's IPv6 address" client \
	dig +noall +answer @2001:db8:1::1 www.relay.test AAAA
# The control plane first (relayctl, netlink), then the same through /proc.
show "the relay's state and rules" relay relayctl status
show "the rules with their counters" relay relayctl rule list
show "relays and UDP mappings now" relay relayctl conns
for file in control rules stats conns; do
	show "/proc/net/relay/$file" relay cat "/proc/net/relay/$file"
done

env_run=
[[ $RUN == demo ]] || env_run="RUN=$RUN "
echo
if ((failed)); then
	echo "$failed check(s) failed: is the relay implemented yet? (logs: $STATE/relay/console.log, start.log)"
fi
cat << EOF
The topology is up (run $RUN, state $STATE):
  shell   ${env_run}./uml/console.sh client      (or relay, server; leave with Ctrl-])
  command ${env_run}./uml/exec.sh client curl -sS http://192.0.2.1/
  control ${env_run}./uml/exec.sh relay relayctl rule list   (man relayctl in a guest)
  gdb     make gdb                  (${env_run}./uml/gdb.sh relay)
  reload  make reload               (rebuild net_relay.ko and swap it in)
  stop    make stop                 (${env_run}./uml/stop-topology.sh)
EOF
