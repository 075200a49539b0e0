#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The hang check of stab-fault-injection (conc_hung in tests/lib/common.sh,
# on tcpclient.pl conc) on the host, in a network namespace of its own:
# clients of an echo service that answers (tests/guest/echod.pl) are fine;
# clients of a listener that reads and never answers must be reported as
# hung.  (The check once looked for words tcpclient.pl never prints, so it
# could not fail.)  TCPCLIENT_STALL=3 stands for the 30 s of the real run.
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

# run_conc SERVER-SCRIPT: in a fresh netns, SERVER-SCRIPT (perl) listens on
# 127.0.0.1:7007 and tcpclient.pl conc sends 2 x 1000 bytes; prints
# "RC<TAB>OUTPUT".
run_conc()
{
	unshare --net bash -c '
		ip link set lo up
		perl -e "$1" 7007 & srv=$!
		trap "kill \$srv 2>/dev/null" EXIT
		for _ in $(seq 50); do
			perl -MIO::Socket::INET -e "exit !IO::Socket::INET->new(\"127.0.0.1:7007\")" && break
			sleep 0.1
		done
		rc=0
		out=$(TCPCLIENT_STALL=3 timeout 60 perl "$2" conc 127.0.0.1 7007 2 1000 2>&1) || rc=$?
		printf "%s\t%s\n" "$rc" "$out"' _ "$1" "$KIT/tests/guest/tcpclient.pl"
}

echo_server="do '$KIT/tests/guest/echod.pl'"
# shellcheck disable=SC2016 # perl code
black_hole='use IO::Socket::INET;
	my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Listen => 8, ReuseAddr => 1) or die $@;
	my @c; while (my $c = $l->accept) { push @c, $c; } '

IFS=$'\t' read -r -d '' rc out < <(run_conc "$echo_server") || true
log "echo service: exit $rc: $out"
hung=$(conc_hung "$rc" "$out")
[ -z "$hung" ] || fail "a working echo service was reported as hung: $hung"

IFS=$'\t' read -r -d '' rc out < <(run_conc "$black_hole") || true
log "black hole: exit $rc: $out"
hung=$(conc_hung "$rc" "$out")
[ -n "$hung" ] || fail "clients of a service that never answers were not reported as hung: $out"
note "a black hole is reported ($hung); a working echo is not"
