#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The exec agent works in every guest: exit codes, stdout, stderr, stdin.
# relaykit-test: quick
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

for guest in client relay server; do
	gexec "$guest" true || fail "exec.sh $guest true: exit $?"
	rc=0
	gexec "$guest" false || rc=$?
	[ "$rc" = 1 ] || fail "exec.sh $guest false: exit $rc, expected 1"
	rc=0
	gsh "$guest" 'exit 7' || rc=$?
	[ "$rc" = 7 ] || fail "exec.sh $guest sh -c 'exit 7': exit $rc, expected 7"
	out=$(gexec "$guest" hostname)
	[ "$out" = "$guest" ] || fail "hostname in $guest is '$out'"
	err=$(gsh "$guest" 'echo to-stderr >&2' 2>&1 > /dev/null)
	[ "$err" = to-stderr ] || fail "stderr of $guest not forwarded: '$err'"
	out=$(printf 'line1\nline2\n' | gexec_in "$guest" wc -l)
	[ "$out" = 2 ] || fail "stdin to $guest not forwarded: wc -l says '$out'"
	log "$guest: ok"
done
