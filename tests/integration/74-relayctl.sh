#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl drives the relay over its generic netlink family and sees what
# /proc sees: rules of both families added, listed (text and JSON, checked
# with jq) and deleted; connections and mappings with their filters;
# counters; start, stop and status; tunables. Every refusal says
# "Error: WHY" (the words the kernel log gives), exits 2 and changes
# nothing. save -> flush -> restore gives the same rule set with counters
# reset, a refused restore leaves the old set; an unprivileged user may
# read but not change; monitor reports changes made through /proc, sysctl
# and netlink in order; the bash completion the guest has completes
# tunable names from the kernel; -n NETNS works in another namespace.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
need_tcp_services
cleanup()
{
	gsh relay 'kill $(cat /tmp/rk-mon.pid) 2> /dev/null; ip netns del rk-ctl' \
		> /dev/null 2>&1 || true
	relay_restore
}
trap cleanup EXIT

# rctl ARGS...: relayctl in the relay guest.
rctl()
{
	gexec relay relayctl "$@"
}

# refused WHY ARGS...: relayctl ARGS must exit 2 saying "Error: WHY", and
# the kernel log must give the same words; the rule set is unchanged.
refused()
{
	local why=$1 out rc=0 before

	shift
	before=$(relay_rules | awk '{ print $1, $2, $3 }')
	out=$(rctl "$@" 2>&1) || rc=$?
	[ "$rc" = 2 ] || fail "relayctl $* exited $rc, expected 2: $out"
	[ "$out" = "Error: $why" ] || fail "relayctl $*: '$out', expected 'Error: $why'"
	[ "$(relay_rules | awk '{ print $1, $2, $3 }')" = "$before" ] ||
		fail "relayctl $* changed the rule set"
	log "relayctl $* -> $out"
}

# Same rule set, same words: /proc's "PROTO LISTEN BACKEND" and relayctl's
# "PROTO LISTEN to BACKEND".
same_rules()
{
	local proc ctl

	proc=$(relay_rules | awk '{ print $1, $2, $3 }')
	ctl=$(rctl rule list | awk '{ print $1, $2, $4 }')
	[ "$proc" = "$ctl" ] || fail "$1: /proc has '$proc', relayctl '$ctl'"
}

# --- status, stop, start
[ "$(rctl status)" = "running, 3 rules" ] || fail "status: '$(rctl status)'"
[ "$(rctl -j status | jq -c .)" = '{"running":true,"rules":3}' ] ||
	fail "status -j: '$(rctl -j status)'"
rctl stop
[ "$(gexec relay cat "$RELAY_PROC/control")" = stopped ] || fail "relayctl stop did not stop"
[ "$(rctl status)" = "stopped, 3 rules" ] || fail "status when stopped: '$(rctl status)'"
relay_write control start > /dev/null
[ "$(rctl -j status | jq .running)" = true ] || fail "status does not see a start through /proc"

# --- rules of both families
rctl rule add tcp 8080 to "$SERVER_IP4:80"
rctl rule add tcp "[$RELAY_FRONT6]:8081" to "$SERVER_IP4:80"
rctl rule add tcp "$RELAY_FRONT4:8082" to "[$SERVER_IP6]:80"
rctl rule add udp 5353 to "[$SERVER_IP6]:53"
same_rules "after four adds"
gexec relay grep -qx "tcp \[$RELAY_FRONT6\]:8081 $SERVER_IP4:80 active=0 total=0 up=0 down=0" \
	"$RELAY_PROC/rules" || fail "/proc does not show the IPv6 rule relayctl added"
json=$(rctl -j rule list)
[ "$(jq length <<< "$json")" = 7 ] || fail "rule list -j: $(jq length <<< "$json") rules, expected 7"
[ "$(jq -c '.[] | select(.listen == "['"$RELAY_FRONT6"']:8081")
	| [.proto, .backend, .active, .total, .bytes_up, .bytes_down]' <<< "$json")" = \
	"[\"tcp\",\"$SERVER_IP4:80\",0,0,0,0]" ] ||
	fail "rule list -j: the IPv6 rule is $(jq -c '.[1]' <<< "$json")"
rctl rule del tcp "[$RELAY_FRONT6]:8081"
rule "del tcp $RELAY_FRONT4:8082"
same_rules "after deletes through both"

# --- traffic: counters, connections, mappings
body=$(gexec client curl -sS --max-time 10 "http://$RELAY_FRONT4:8080/") ||
	fail "curl through a rule relayctl added failed"
[ -n "$body" ] || fail "curl through port 8080 gave nothing"
query_from 40053 "$RELAY_FRONT4" 53 > /dev/null
json=$(rctl -j rule list)
[ "$(jq '.[] | select(.listen == "*:8080") | .total' <<< "$json")" = 1 ] ||
	fail "the 8080 rule's total is not 1: $(jq -c '.[] | select(.listen == "*:8080")' <<< "$json")"
[ "$(jq '.[] | select(.listen == "*:8080") | .bytes_down > 0' <<< "$json")" = true ] ||
	fail "the 8080 rule counted no bytes down"
for s in tcp_accepted udp_mappings_created udp_packets_up; do
	[ "$(rctl -j stats | jq ".$s")" = "$(relay_stat "$s")" ] ||
		fail "stats: $s is $(rctl -j stats | jq ".$s") in relayctl, $(relay_stat "$s") in /proc"
done
[ "$(rctl stats | awk '{ print $1 }')" = "$(gexec relay awk '{ print $1 }' "$RELAY_PROC/stats")" ] ||
	fail "relayctl stats does not list what /proc/net/relay/stats does"
hold_relays 2
conns=$(rctl -j conns)
[ "$(jq '[.[] | select(.proto == "tcp" and .listen == "*:7")] | length' <<< "$conns")" = 2 ] ||
	fail "conns -j: not the 2 held relays: $conns"
[ "$(jq -r '[.[] | select(.proto == "udp")][0] | [.client, .state, (.expires > 0)] | @tsv' \
	<<< "$conns")" = "$CLIENT_IP4:40053	replied	true" ] ||
	fail "conns -j: no replied mapping from $CLIENT_IP4:40053: $conns"
[ "$(rctl -j conns udp | jq '[.[] | select(.proto != "udp")] | length')" = 0 ] ||
	fail "conns udp lists other protocols"
[ "$(rctl -j conns tcp rule 7 state established | jq length)" = 2 ] ||
	fail "conns tcp rule 7 state established: $(rctl conns tcp rule 7 state established)"
[ "$(rctl -j conns rule 8080 | jq length)" = 0 ] || fail "conns rule 8080 lists relays of other rules"
[ "$(rctl conns tcp | tail -n +2 | wc -l)" = "$(relay_conn_lines tcp | wc -l)" ] ||
	fail "relayctl conns tcp and /proc/net/relay/conns differ: $(rctl conns tcp)"
# Deleting the rule ends its relays; the client's failure is expected.
rctl rule del tcp 7
wait "$HOLD_PID" || :
rm -f "$HOLD_OUT"

# --- tunables
rctl set tcp_idle_timeout 61 udp_timeout 29
[ "$(relay_sysctl_get tcp_idle_timeout) $(relay_sysctl_get udp_timeout)" = "61 29" ] ||
	fail "relayctl set did not reach the sysctls"
[ "$(rctl -j get | jq -c '[.tcp_idle_timeout, .udp_timeout, .max_rules]')" = '[61,29,1024]' ] ||
	fail "get -j: $(rctl -j get)"
[ "$(rctl get udp_timeout)" = "udp_timeout 29" ] || fail "get udp_timeout: '$(rctl get udp_timeout)'"

# --- refusals: the kernel's words, nothing changed
refused "a rule for this protocol and address exists" rule add tcp 8080 to "$SERVER_IP4:81"
refused "the address and port are in use" rule add tcp 0.0.0.0:8080 to "$SERVER_IP4:81"
refused "no such rule" rule del udp 8123
refused "IPv6 addresses with a scope (link-local) are not supported" \
	rule add tcp 8124 to "[fe80::1]:80"
refused "write an IPv4-mapped address as IPv4" rule add tcp 8124 to "[::ffff:198.51.100.2]:80"
refused "a UDP rule relays within one family" rule add udp "$RELAY_FRONT4:8124" to "[$SERVER_IP6]:53"
refused "the listen address is not local" rule add udp "[2001:db8:9::9]:8124" to "[$SERVER_IP6]:53"
refused "backend address must not be the wildcard" rule add tcp 8124 to 0.0.0.0:80
refused "out of range" set udp_timeout 0
refused "no such tunable" set no_such_tunable 1
[ "$(relay_sysctl_get udp_timeout)" = 29 ] || fail "a refused set changed udp_timeout"
# The kernel log has the same words.
gexec relay dmesg | grep -F "netlink: rule add: a UDP rule relays within one family (-22)" > /dev/null ||
	fail "the kernel log does not give the refusal's words"
out=$(rctl rule add tcp 8124 to 2>&1) && fail "a rule without a backend was accepted"
[[ $out == relayctl:* ]] || fail "a usage error says '$out'"

# --- save -> flush -> restore
before=$(rctl rule list | awk '{ print $1, $2, $3, $4 }')
saved=$(rctl save)
grep -Fx "set udp_timeout 29" <<< "$saved" > /dev/null || fail "save has no tunables: $saved"
rctl rule flush
[ -z "$(relay_rules)" ] || fail "rule flush left rules"
gexec_in relay relayctl restore <<< "$saved"
[ "$(rctl rule list | awk '{ print $1, $2, $3, $4 }')" = "$before" ] ||
	fail "restore gave '$(rctl rule list)', saved '$before'"
[ "$(rctl -j rule list | jq '[.[] | .total] | add')" = 0 ] || fail "restore kept counters"
body=$(gexec client curl -sS --max-time 10 "http://$RELAY_FRONT4:8080/") ||
	fail "a restored rule does not relay"
# A refused restore: the third rule clashes with the first; nothing changes.
bad=$(printf '%s\n' "set udp_timeout 28" "rule add tcp 9001 to $SERVER_IP4:80" \
	"rule add tcp 0.0.0.0:9001 to $SERVER_IP4:80")
gexec_in relay sh -c 'cat > /tmp/rk-bad.conf' <<< "$bad"
out=$(rctl restore /tmp/rk-bad.conf 2>&1) && fail "a restore with a clash was accepted"
[ "$out" = "Error: /tmp/rk-bad.conf:3: the address and port are in use" ] ||
	fail "a refused restore says '$out'"
[ "$(rctl rule list | awk '{ print $1, $2, $3, $4 }')" = "$before" ] ||
	fail "a refused restore changed the rules"
[ "$(relay_sysctl_get udp_timeout)" = 29 ] || fail "a refused restore set a tunable"

# --- unprivileged: reads yes, changes and connections no
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
gexec relay "${nobody[@]}" relayctl rule list > /dev/null || fail "nobody cannot list rules"
out=$(gexec relay "${nobody[@]}" relayctl rule add tcp 8126 to "$SERVER_IP4:80" 2>&1) &&
	fail "nobody could add a rule"
[ "$out" = "Error: Operation not permitted" ] || fail "nobody's add says '$out'"
out=$(gexec relay "${nobody[@]}" relayctl conns 2>&1) && fail "nobody could list connections"

# --- monitor sees /proc, sysctl and netlink changes, in order
gsh relay 'setsid relayctl monitor > /tmp/rk-mon 2>&1 & echo $! > /tmp/rk-mon.pid'
monitoring()
{
	rctl set udp_unreplied_timeout 5 && gexec relay test -s /tmp/rk-mon
}
retry 10 monitoring || fail "relayctl monitor reported nothing"
gexec relay sh -c ': > /tmp/rk-mon'
rule "add tcp 8200 $SERVER_IP4:80"
gexec relay sysctl -qw net.relay.udp_timeout=27
relay_write control stop > /dev/null
rctl start
rctl rule del tcp 8200
want="rule add tcp *:8200 to $SERVER_IP4:80
set udp_timeout 27
stop
start
rule del tcp *:8200"
retry 10 gexec relay grep -qx "rule del tcp \*:8200" /tmp/rk-mon ||
	fail "monitor: no del event: $(gexec relay cat /tmp/rk-mon)"
[ "$(gexec relay cat /tmp/rk-mon)" = "$want" ] ||
	fail "monitor saw '$(gexec relay cat /tmp/rk-mon)', expected '$want'"

# --- the bash completion the guest has asks the kernel for tunable names
# shellcheck disable=SC2016 # expanded by the guest's bash
got=$(gexec relay bash -c '. /etc/bash_completion.d/relayctl && COMP_WORDS=(relayctl get "$1") COMP_CWORD=2 && _relayctl && echo "${COMPREPLY[*]}"' bash udp_unr)
[ "$got" = udp_unreplied_timeout ] || fail "completing 'relayctl get udp_unr' in the guest: '$got'"

# --- -n NETNS
gexec relay ip netns add rk-ctl
[ "$(rctl -n rk-ctl status)" = "running, 0 rules" ] || fail "-n rk-ctl status: '$(rctl -n rk-ctl status)'"
gexec relay ip -n rk-ctl link set lo up
rctl -n rk-ctl rule add tcp 127.0.0.1:8300 to 127.0.0.1:80
[ "$(rctl -n rk-ctl rule list | awk '{ print $2 }')" = 127.0.0.1:8300 ] ||
	fail "-n rk-ctl rule list: '$(rctl -n rk-ctl rule list)'"
relay_rules | grep -F 8300 > /dev/null && fail "a rule added with -n rk-ctl shows in the relay's namespace"
note "rules, conns, stats, set/get, 10 refusals, save/flush/restore, monitor, completion, -n"
