#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Interactive root shell in a guest, on a real tty (job control, Ctrl-C,
# Ctrl-Z, full-screen programs, window size).
#
#   ./uml/console.sh GUEST          (env RUN, default demo)
#
# QEMU guests (lib/guest-qemu.sh): the line is ttyS1, which qemu serves on
# STATE/GUEST/console.sock itself; no holder, no mconsole.
#
# Leave with Ctrl-] or by ending the shell (exit, Ctrl-D). Leaving ends the
# shell and what runs in its session (like ssh). One console per guest.
#
# How: a socat "holder" makes a host pty and serves its master on a unix
# socket; mconsole plugs the pty into one of the guest's serial lines
# (config sslN=tty:PTY; guests boot with every line but con0 null); the
# exec agent starts `setsid -c bash -il` on the guest's /dev/ttySN; a
# second socat connects our terminal to the holder. On leaving we end the
# shell, unplug the line (sslN=null), and only then close the pty.
#
# Each attach takes a fresh line (ssl0, ssl1, ... 64 per guest boot): UML
# 6.1 mishandles lines whose host side went away under it ("epollctl add
# err ... Bad file descriptor", dead ttys), so no line is used twice.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/guest.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/guest.sh"

if (($# != 1)) || [[ $1 == -* ]]; then
	echo "usage: [RUN=id] $RK_PROG GUEST" >&2
	exit 2
fi
guest=$1
rk_check_run_name "$RUN"
rk_require_guest_up "$RUN" "$guest"
STATE=$(rk_state_dir "$RUN")
guest_kind=$(rk_guest_kind "$STATE" "$guest")
EXEC=$KIT/uml/exec.sh
[[ -t 0 && -t 1 ]] || rk_die "needs a terminal (for commands use ./uml/exec.sh)"
command -v socat > /dev/null || rk_die "socat not found (apt-get install socat, or scripts/install-deps.sh)"

pidfile=/run/relaykit-console.pid
if RUN=$RUN "$EXEC" -t 10 "$guest" /bin/sh -c \
	"[ -s $pidfile ] && kill -0 \"\$(cat $pidfile)\" 2> /dev/null"; then
	rk_die "$guest already has a console open (shell pid $(RUN=$RUN "$EXEC" "$guest" cat $pidfile) in the guest); leave that one first"
fi

pty=$STATE/$guest/console.pty
sock=console.sock	# relative to the guest dir: sun_path is 108 bytes
log=$STATE/$guest/console-attach.log
counter=$STATE/$guest/console.next	# next unused line of this guest boot
: > "$log"

shell_alive() {
	RUN=$RUN "$EXEC" -t 10 "$guest" /bin/sh -c \
		"[ -s $pidfile ] && kill -0 \"\$(cat $pidfile)\" 2> /dev/null" 2>> "$log"
}

# The hangup of the line does not reliably reach the shell: end its
# session (it leads one) from inside the guest.
end_shell() {
	RUN=$RUN "$EXEC" -t 10 "$guest" /bin/sh -c "
		[ -s $pidfile ] || exit 0
		sid=\$(cat $pidfile)
		rm -f $pidfile
		pkill -HUP -s \$sid || exit 0
		sleep 0.5
		pkill -KILL -s \$sid
		exit 0" >> "$log" 2>&1 || true
}

holder_pid=
client_pid=
line=
# Order matters: shell, then line, then pty. If the pty master closed while
# UML still had the line open, UML would take a hangup path that breaks
# the next line it opens.
release() {
	end_shell
	[[ -z $line ]] || rk_mconsole "$STATE" "$guest" config "ssl$line=null" >> "$log" || true
	line=
	[[ -z $holder_pid ]] || kill "$holder_pid" 2> /dev/null || true
	holder_pid=
	# A QEMU guest's console.sock belongs to qemu.
	[[ $guest_kind == qemu ]] || rm -f "$pty" "$STATE/$guest/$sock"
}
finish() {
	[[ -z $client_pid ]] || kill "$client_pid" 2> /dev/null || true
	release
	stty sane 2> /dev/null || true
}
trap finish EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# attach_line: a fresh serial line with a pty behind it and a shell on it.
attach_line() {
	local n=0 reply

	[[ -s $counter ]] && read -r n < "$counter"
	[[ $n =~ ^[0-9]+$ ]] || n=0
	((n < 64)) || rk_die "$guest used all 64 serial lines for consoles this boot; restart the run"
	echo $((n + 1)) > "$counter"
	tty=/dev/ttyS$n
	rm -f "$pty" "$STATE/$guest/$sock"

	# The holder owns the pty master for the whole session and serves it
	# on a unix socket; -t keeps it (and the master) alive after our
	# client leaves, setsid keeps the terminal's signals (hangup when its
	# window closes) away from it.
	(cd "$STATE/$guest" && exec setsid socat -t 3600 "PTY,link=$pty,raw,echo=0" \
		"UNIX-LISTEN:$sock,unlink-early" < /dev/null 2>> "$log") &
	holder_pid=$!
	for _ in $(seq 50); do
		[[ -L $pty && -S $STATE/$guest/$sock ]] && break
		kill -0 "$holder_pid" 2> /dev/null || break
		rk_sleep 0.05
	done
	[[ -L $pty && -S $STATE/$guest/$sock ]] || rk_die "socat did not make a pty; see $log"
	stty -F "$pty" rows "$(tput lines 2> /dev/null || echo 24)" \
		cols "$(tput cols 2> /dev/null || echo 80)" 2>> "$log" || true

	reply=$(rk_mconsole "$STATE" "$guest" config "ssl$n=tty:$pty")
	[[ $reply == OK* ]] ||
		rk_die "mconsole config ssl$n=tty:$pty failed: ${reply:-no answer} (is $tty busy in $guest?)"
	line=$n
	start_shell
}

# QEMU guests: ttyS1 is wired to GUEST/console.sock by qemu itself
# (lib/guest-qemu.sh); the guest's side of the line gets the window size.
attach_qemu_line() {
	tty=/dev/ttyS1
	[[ -S $STATE/$guest/$sock ]] || rk_die "$STATE/$guest/$sock missing (qemu serial line of $guest)"
	start_shell "stty -F $tty sane rows $(tput lines 2> /dev/null || echo 24) cols $(tput cols 2> /dev/null || echo 80);"
}

# start_shell [GUEST-SH-PREFIX]: the shell, in its own session with the
# line as controlling terminal.
start_shell() {
	RUN=$RUN "$EXEC" -t 10 "$guest" /bin/sh -c "${1:-}
		setsid -f -c /bin/sh -c 'echo \$\$ > $pidfile; cd /root;
			exec env -i TERM=$guest_term HOME=/root LANG=C.UTF-8 \
				PATH=/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -il' \
			<> $tty >&0 2>&0" >> "$log" 2>&1 ||
		rk_die "could not start a shell on $guest's $tty; see $log"
	rk_sleep 0.3
	shell_alive
}

guest_term=${TERM:-vt100}
[[ $guest_term =~ ^[A-Za-z0-9._+-]+$ ]] || guest_term=vt100
# A line opened right after an earlier console's line was torn down can
# come up dead in UML 6.1 (the shell gets a hangup at once): take the next.
attached=0
for _ in 1 2 3; do
	if [[ $guest_kind == qemu ]] && attach_qemu_line; then
		attached=1
		break
	elif [[ $guest_kind != qemu ]] && attach_line; then
		attached=1
		break
	fi
	echo "$tty: shell died at once, trying the next line" >> "$log"
	release
done
((attached)) || rk_die "could not get a working shell on $guest; see $log"

echo "console of $guest (run $RUN, $tty): leave with Ctrl-] (ends the shell)" >&2
# Through another fd: a background command gets /dev/null as stdin. No job
# control here, so the client stays in the terminal's foreground group.
exec {terminal}<&0
(cd "$STATE/$guest" && exec socat -,raw,echo=0,escape=0x1d "UNIX-CONNECT:$sock" \
	<&"$terminal" 2>> "$log") &
client_pid=$!

# Until the person leaves (Ctrl-]) or the shell ends (a light poll through
# the agent notices).
while kill -0 "$client_pid" 2> /dev/null; do
	rk_sleep 1
	kill -0 "$client_pid" 2> /dev/null || break
	shell_alive || break
done
finish
trap - EXIT
echo >&2
echo "left the console of $guest" >&2
