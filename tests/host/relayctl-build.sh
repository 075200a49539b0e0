#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# relayctl (relayctl/) builds with -Wall -Wextra -Werror, and so does its
# sanitizer build (SANITIZE=1: ASan and UBSan), both into a scratch
# directory. The sanitizer binary then runs what needs no kernel: --help
# names every command; bad input (protocol, address, a missing "to", ports
# 0 and 65536, IPv6 without brackets, an unknown command, set with a name
# and no value) exits 1 with a "relayctl:" message and nothing on stdout;
# a restore file with a bad third line exits 1 naming line 3, from a file
# and from stdin, before any socket is opened (strace, where there is one;
# else the exit status tells it: a socket would have found no net_relay
# family on the host and exited 2); -n with a missing namespace says so;
# and, with no net_relay on the host, a command that needs it says it is
# not there and exits 2. Any sanitizer report fails the test.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

[ -r /usr/include/libmnl/libmnl.h ] ||
	fail "libmnl-dev is not installed (scripts/install-deps.sh)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# build MAKE-ARGS...: make relayctl into $work with -Werror.
build()
{
	local out

	out=$(make -C "$KIT/relayctl" --no-print-directory O="$work" \
		EXTRA_CFLAGS=-Werror "$@" 2>&1) || {
		echo "$out"
		fail "relayctl does not build with -Wall -Wextra -Werror $*: $(grep -m1 -E 'error|warning' <<< "$out" || echo "see the log")"
	}
}

build
[ -x "$work/relayctl" ] || fail "make built no $work/relayctl"
build SANITIZE=1
bin=$work/relayctl-sanitize
[ -x "$bin" ] || fail "make SANITIZE=1 built no $bin"
log "built relayctl and relayctl-sanitize"

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1

# run WANT-RC ARGS...: the sanitizer binary, stdin from $stdin, must exit
# WANT-RC without a sanitizer report; its output is in $out and $err.
stdin=/dev/null
run()
{
	local want=$1 rc=0

	shift
	"$bin" "$@" < "$stdin" > "$work/out" 2> "$work/err" || rc=$?
	out=$(< "$work/out")
	err=$(< "$work/err")
	if grep -E 'Sanitizer|runtime error' "$work/err" > /dev/null; then
		echo "$err"
		fail "sanitizer report from relayctl $*"
	fi
	[ "$rc" = "$want" ] ||
		fail "relayctl $*: exit $rc, expected $want (stderr: $err)"
}

# --- help
run 0 --help
for word in rule add del list flush conns stats start stop status set get \
	monitor save restore -j -p -n -V; do
	grep -wF -e "$word" <<< "$out" > /dev/null ||
		fail "--help does not mention '$word'"
done
help=$out
run 0 help
[ "$out" = "$help" ] || fail "relayctl help differs from relayctl --help"
run 0 rule help
[[ $out == *"rule add tcp|udp"* ]] || fail "rule help: '$out'"
run 0 -V
[[ $out == relayctl\ * ]] || fail "-V: '$out'"

# --- bad input: exit 1, "relayctl: WHY", nothing on stdout
# usage_error WHY ARGS...: relayctl ARGS must fail so, WHY in its message.
usage_error()
{
	local why=$1

	shift
	run 1 "$@"
	[[ $err == "relayctl: "*"$why"* ]] ||
		fail "relayctl $*: '$err', expected 'relayctl: ...$why...'"
	[ -z "$out" ] || fail "relayctl $* printed '$out' on stdout"
	log "relayctl $* -> ${err%%$'\n'*}"
}

usage_error "protocol must be tcp or udp" rule add sctp 80 to 192.0.2.1:80
usage_error 'bad address "192.0.2.300"' rule add tcp 192.0.2.300:80 to 192.0.2.1:80
usage_error 'bad address "example"' rule add tcp 80 to example:80
usage_error 'expected "to BACKEND_ADDR:PORT"' rule add tcp 80 192.0.2.1:80
usage_error "expected the backend" rule add tcp 80 to
usage_error 'bad port "0"' rule add tcp 0 to 192.0.2.1:80
usage_error 'bad port "65536"' rule add tcp 65536 to 192.0.2.1:80
usage_error 'bad port "0"' rule add udp 53 to 192.0.2.1:0
usage_error 'bad port "65536"' rule del tcp '[2001:db8::1]:65536'
usage_error "IPv6 addresses go in brackets" rule add tcp 2001:db8::1:80 to 192.0.2.1:80
usage_error "IPv6 addresses go in brackets" rule add tcp 80 to 2001:db8::2:80
usage_error "IPv6 addresses go in brackets" rule del udp 2001:db8::1
usage_error 'unknown object or command "frobnicate"' frobnicate
usage_error 'unknown rule command "move"' rule move tcp 80
usage_error '"udp_timeout" has no value' set udp_timeout
usage_error '"max_rules" has no value' set udp_timeout 30 max_rules
usage_error 'not a number' set udp_timeout -1
usage_error "expected NAME VALUE" set
usage_error "unknown option" --frobnicate status
usage_error 'unknown argument "sctp"' conns sctp

# --- restore: every line is parsed before anything is sent
cat > "$work/bad.conf" << 'CONF'
# relayctl save
set udp_timeout 30
rule add tcp 8080 to 192.0.2.1:99999
rule add tcp 8081 to 192.0.2.1:80
CONF
# restore_bad ARGS...: line 3 of $work/bad.conf, named FILE.
restore_bad()
{
	local file=$1

	shift
	run 1 "$@"
	[[ $err == "relayctl: $file:3: bad port \"99999\""* ]] ||
		fail "restore $*: '$err', expected 'relayctl: $file:3: bad port ...'"
	log "restore $* -> $err"
}
restore_bad "$work/bad.conf" restore "$work/bad.conf"
stdin=$work/bad.conf
restore_bad "<stdin>" restore
stdin=/dev/null
printf 'set udp_timeout 30\n\nstart\n' > "$work/cmd.conf"
run 1 restore "$work/cmd.conf"
[[ $err == "relayctl: $work/cmd.conf:3: expected \"set NAME VALUE\" or \"rule add"* ]] ||
	fail "restore of a 'start' line: '$err'"
if command -v strace > /dev/null; then
	strace -f -e trace=socket -o "$work/strace" "$work/relayctl" restore "$work/bad.conf" \
		> /dev/null 2>&1 && fail "strace'd restore of a bad file exited 0"
	if grep -F 'socket(' "$work/strace" > /dev/null; then
		cat "$work/strace"
		fail "restore of a bad file opened a socket"
	fi
	log "restore of a bad file opened no socket (strace)"
fi

# --- namespaces and the missing family
ns=relaykit-no-such-netns-$$
[ ! -e "/run/netns/$ns" ] || fail "/run/netns/$ns exists"
run 1 -n "$ns" status
[[ $err == "relayctl: cannot open network namespace \"$ns\""*"No such file or directory"* ]] ||
	fail "-n $ns: '$err'"
if [ -d /sys/module/net_relay ]; then
	log "net_relay is loaded on the host: the missing-family check is skipped"
else
	run 2 status
	[ "$err" = "Error: the net_relay generic netlink family is not there (is net_relay loaded?)" ] ||
		fail "status without net_relay: '$err'"
	[ -z "$out" ] || fail "status without net_relay printed '$out'"
	run 2 -j rule list
	[ -z "$out" ] || fail "rule list -j without net_relay printed '$out'"
fi
note "-Werror and sanitizer builds; help, 20 usage errors, restore line 3, -n"
