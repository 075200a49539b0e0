#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# menuconfig as a person uses it: the tree's `make ARCH=um menuconfig` (what
# `make menuconfig` runs, here with O= a scratch copy of the debug kernel's
# .config, so build/uml-debug is not touched) runs in tmux; keystrokes go in
# with send-keys and the screen is read back with capture-pane between them:
# Down to "Networking support", Enter, Down to "Networking options", Enter,
# Down to "In-kernel TCP and UDP relay (net/relay)", `?` shows its help, `y`
# makes it <*>, < Exit > three times, < Yes > to save. .config then has
# CONFIG_NET_RELAY=y, and kbuild compiles net/relay into built-in.a. Then the
# same way back to <M> with `m`: CONFIG_NET_RELAY=m and net_relay.ko.
# Only net/relay is compiled (`make net/relay/`), not the kernel.
# Scratch build dir: build/menuconfig-test (kept: the next run is faster).
set -euo pipefail
# shellcheck source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

TREE=$KIT/build/linux-source-6.1
SCRATCH=$KIT/build/menuconfig-test
ENTRY='In-kernel TCP and UDP relay \(net/relay\)'
# shellcheck source=../../scripts/ccache.sh
source "$KIT/scripts/ccache.sh"
SOCK=rk-menuconfig-$$		# our own tmux server
SESSION=menuconfig

for tool in tmux make gcc; do
	command -v "$tool" > /dev/null || fail "$tool not installed (scripts/install-deps.sh)"
done
[ -f "$TREE/Makefile" ] || fail "no kit tree in $TREE: make tree"
DEBUG_CONFIG=$(kernel_config debug)
[ -f "$DEBUG_CONFIG" ] || fail "no $DEBUG_CONFIG: make kernel-debug"
grep -qx 'CONFIG_NET_RELAY=m' "$DEBUG_CONFIG" ||
	fail "$DEBUG_CONFIG does not have CONFIG_NET_RELAY=m to start from"

cleanup()
{
	local pane

	# mconf spins on a terminal that went away: end the pane's process
	# group (make and mconf) before the tmux server.
	pane=$(tmux -L "$SOCK" display-message -p -t "$SESSION" '#{pane_pid}' 2> /dev/null) || pane=
	[ -z "$pane" ] || kill -TERM -- "-$pane" 2> /dev/null || true
	tmux -L "$SOCK" kill-server 2> /dev/null || true
}
trap cleanup EXIT

# Builds write to their O= dir only; the shared lock keeps scripts/kernel-tree.sh
# from rewriting the tree under us.
mkdir -p "$SCRATCH"
exec {lock_fd}> "$KIT/build/.lock"
flock -s -w 900 "$lock_fd" || fail "build/.lock held for 15 min by another build"

kmake()
{
	make -C "$TREE" O="$SCRATCH" ARCH=um CC="$KCC" "$@"
}

# --- the screen ------------------------------------------------------------------

screen()
{
	tmux -L "$SOCK" capture-pane -p -t "$SESSION"
}

# highlighted: the highlighted menu entry (MENUCONFIG_COLOR=mono draws it in
# reverse video), without the buttons; with "button": the highlighted button.
highlighted()
{
	tmux -L "$SOCK" capture-pane -p -e -t "$SESSION" | perl -ne '
		BEGIN { our $want_button = shift(@ARGV) eq "button" }
		our $want_button;
		while (/\e\[7m(.*?)\e\[0m/g) {
			(my $t = $1) =~ s/\e\[[0-9;]*m//g;
			my $is_button = $t =~ /^\s*<.*>\s*$/;
			if ($is_button == $want_button) { $t =~ s/^\s+|\s+$//g; print "$t\n"; exit }
		}' "${1:-entry}"
}

# settle: wait until the screen holds still for 0.2 s (menuconfig redrew).
settle()
{
	local before now i still=0

	before=$(tmux -L "$SOCK" capture-pane -p -e -t "$SESSION")
	for i in $(seq 60); do
		sleep 0.05
		now=$(tmux -L "$SOCK" capture-pane -p -e -t "$SESSION")
		if [ "$now" = "$before" ]; then
			still=$((still + 1))
			[ "$still" -lt 4 ] || return 0
		else
			still=0
		fi
		before=$now
	done
}

# title: the title of the dialog on screen (in its top border).
title()
{
	screen | sed -n 's/^ *[│ ]*┌─*\(.*[^─]\)─*┐.*/\1/p' | sed 's/^ *//; s/ *$//' | head -n 1
}

key()
{
	tmux -L "$SOCK" send-keys -t "$SESSION" "$@"
	settle
}

# down_to REGEX: press Down until the highlighted entry matches (grep -E).
down_to()
{
	local i cur

	for i in $(seq 400); do
		cur=$(highlighted)
		if grep -Eq -- "$1" <<< "$cur"; then
			log "highlighted after $((i - 1)) x Down: $cur"
			return 0
		fi
		key Down
	done
	screen
	fail "menuconfig: no entry /$1/ below the highlight (last: '$cur')"
}

# exit_menu: Right to < Exit >, Enter; the dialog on screen must change.
exit_menu()
{
	local i was now

	was=$(title)
	for i in $(seq 5); do
		[ "$(highlighted button)" = "< Exit >" ] && break
		key Right
	done
	[ "$(highlighted button)" = "< Exit >" ] || { screen; fail "menuconfig: cannot highlight < Exit > in '$was'"; }
	key Enter
	for i in $(seq 50); do
		now=$(title)
		[ "$now" = "$was" ] || break
		sleep 0.1
	done
	[ "$now" != "$was" ] || { screen; fail "menuconfig: < Exit > did not leave '$was'"; }
	log "< Exit >: '$was' -> '$now'"
}

# menuconfig_set y|m: one menuconfig session setting the entry to y or m.
menuconfig_set()
{
	local want=$1 mark cur i rcfile=$SCRATCH/.menuconfig-rc

	case $want in
	y) mark='<\*>' ;;
	m) mark='<M>' ;;
	esac
	rm -f "$rcfile"
	tmux -L "$SOCK" new-session -d -s "$SESSION" -x 120 -y 40 -c "$KIT" \
		"MENUCONFIG_COLOR=mono make -C '$TREE' O='$SCRATCH' ARCH=um menuconfig > /dev/tty 2>&1; echo \$? > '$rcfile'"
	# The first run compiles mconf: wait for the main menu.
	for i in $(seq 600); do
		grep -q 'General setup' <<< "$(highlighted)" && break
		[ ! -e "$rcfile" ] || { screen; fail "menuconfig exited at once (status $(cat "$rcfile"))"; }
		sleep 0.2
	done
	grep -q 'General setup' <<< "$(highlighted)" || { screen; fail "menuconfig: no main menu after 120 s"; }

	down_to 'Networking support'
	key Enter
	down_to 'Networking options'
	key Enter
	down_to "$ENTRY"

	key '?'
	screen > "$SCRATCH/.help"
	if ! grep -q 'CONFIG_NET_RELAY:' "$SCRATCH/.help" || ! grep -q 'An in-kernel relay server' "$SCRATCH/.help"; then
		cat "$SCRATCH/.help"
		fail "menuconfig: '?' on the entry did not show its help (CONFIG_NET_RELAY, 'An in-kernel relay server')"
	fi
	grep -q 'Defined at net/relay/Kconfig' "$SCRATCH/.help" || fail "help: no 'Defined at net/relay/Kconfig'"
	log "help shown: $(grep -m1 'Prompt:' "$SCRATCH/.help" | sed 's/[│ ]*$//; s/^[│ ]*//')"
	key Enter	# < Exit > of the help box

	key "$want"
	cur=$(highlighted)
	grep -Eq -- "^$mark +$ENTRY" <<< "$cur" || { screen; fail "after '$want': entry shows '$cur', want $mark"; }
	log "after '$want': $cur"

	for i in 1 2 3; do
		exit_menu
	done
	grep -q 'Do you wish to save your new configuration' <<< "$(screen)" || { screen; fail "menuconfig: no save question after < Exit >"; }
	[ "$(highlighted button)" = "< Yes >" ] || { screen; fail "menuconfig: < Yes > not highlighted"; }
	# No settle: menuconfig writes .config and exits, the screen goes.
	tmux -L "$SOCK" send-keys -t "$SESSION" Enter
	for i in $(seq 100); do
		[ -e "$rcfile" ] && break
		sleep 0.1
	done
	[ "$(cat "$rcfile" 2> /dev/null)" = 0 ] || fail "make menuconfig exited with status $(cat "$rcfile" 2> /dev/null || echo '?')"
	grep -qx "CONFIG_NET_RELAY=$want" "$SCRATCH/.config" ||
		fail "after saving: $(grep 'NET_RELAY=' "$SCRATCH/.config" || echo 'no CONFIG_NET_RELAY') in .config, want CONFIG_NET_RELAY=$want"
	log "saved: CONFIG_NET_RELAY=$want"
}

# build_relay y|m: compile net/relay only and check what kbuild made of it.
build_relay()
{
	local want=$1 blog=$SCRATCH/.build-$1.log

	rm -rf "$SCRATCH/net/relay"
	kmake -j"$(nproc)" net/relay/ > "$blog" 2>&1 || { tail -n 30 "$blog"; fail "make net/relay/ failed (=$want), log $blog"; }
	case $want in
	y)
		grep -q '^  AR      net/relay/built-in.a' "$blog" || fail "=y: kbuild did not archive net/relay/built-in.a"
		grep -q 'core.o$' <<< "$(ar t "$SCRATCH/net/relay/built-in.a")" || fail "=y: net/relay/built-in.a does not hold core.o"
		grep -q 'CC \[M\]' "$blog" && fail "=y: something compiled as a module"
		[ ! -e "$SCRATCH/net/relay/net_relay.o" ] || fail "=y: net_relay.o (module object) was made"
		log "=y: $(ar t "$SCRATCH/net/relay/built-in.a" | wc -l) objects in net/relay/built-in.a"
		;;
	m)
		grep -q '^  CC \[M\]  net/relay/core.o' "$blog" || fail "=m: core.o not compiled as a module"
		kmake net/relay/net_relay.ko >> "$blog" 2>&1 || { tail -n 30 "$blog"; fail "make net/relay/net_relay.ko failed, log $blog"; }
		[ -f "$SCRATCH/net/relay/net_relay.ko" ] || fail "=m: no net_relay.ko"
		[ "$(modinfo -F name "$SCRATCH/net/relay/net_relay.ko")" = net_relay ] || fail "=m: net_relay.ko has no modinfo name net_relay"
		log "=m: net/relay/net_relay.ko, $(stat -c %s "$SCRATCH/net/relay/net_relay.ko") bytes"
		;;
	esac
}

t0=$SECONDS
real_sum=$(sha256sum < "$DEBUG_CONFIG")
cp "$DEBUG_CONFIG" "$SCRATCH/.config"
menuconfig_set y
build_relay y
menuconfig_set m
build_relay m
[ "$(sha256sum < "$DEBUG_CONFIG")" = "$real_sum" ] ||
	fail "$DEBUG_CONFIG changed during the test (a build by someone else?)"
note "M -> * -> M with keystrokes, built both ways in $((SECONDS - t0)) s"
