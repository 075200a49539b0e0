#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages relaykit needs on the host. As root, installs
# what is missing (apt-get update only then); otherwise prints the apt-get
# command to run and exits 1. Exits 0 at once when everything is there.

set -euo pipefail
KIT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/log.sh source-path=SCRIPTDIR/..
. "$KIT/lib/log.sh"

# One package a line, with what needs it. Add new ones here.
PACKAGES=(
	build-essential		# gcc, make, libc6-dev (static guest agent)
	linux-source-6.1	# the kernel tree (/usr/src/linux-source-6.1.tar.xz)
	xz-utils patch		# unpacking and patching it
	flex bison bc		# kbuild
	libelf-dev libssl-dev	# kbuild host tools
	dwarves			# pahole, for debug info
	libncurses-dev		# make menuconfig
	ccache			# fast rebuilds
	rsync			# net-relay/ -> net/relay
	kmod cpio		# module tooling, initramfs helpers
	git			# make patch
	user-mode-linux		# the "stock" guest kernel /usr/bin/linux.uml
	uml-utilities		# uml_switch, uml_mconsole
	busybox-static debootstrap e2fsprogs	# guest root file system
	iproute2		# ip netns for the private guest networks
	tmux			# guest consoles
	gdb python3		# make gdb, vmlinux-gdb.py
	shellcheck		# checking the kit's scripts
	socat			# uml/console.sh: a terminal onto a guest's tty
	qemu-system-x86 bridge-utils	# x86_64 guests (kind qemu), bridge networks
	sparse			# scripts/compile-hygiene.sh
	gnuplot-nox		# bench/bench.sh: bar charts in docs/benchmarks.md
	lcov			# make coverage: net/relay line coverage report
	libmnl-dev		# relayctl (make relayctl): netlink with libmnl
	jq			# tests: checking relayctl -j output
)

missing_packages() {
	local pkg status

	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
		[[ $status == ii* ]] || printf '%s\n' "$pkg"
	done
}

main() {
	local log=$KIT/build/log/install-deps.log start=$SECONDS
	local -a missing

	mapfile -t missing < <(missing_packages)
	[[ ${#missing[@]} -eq 0 ]] && exit 0

	if [[ $(id -u) -ne 0 ]]; then
		rk_die "missing packages: ${missing[*]}; as root run:" \
			"apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
	fi
	rk_info "installing ${#missing[@]} packages (${missing[*]}), log in ${log#"$KIT"/}"
	mkdir -p "${log%/*}"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		rk_die "apt-get failed, see $log"
	fi
	rk_info "packages installed in $((SECONDS - start)) s"
}

main "$@"
