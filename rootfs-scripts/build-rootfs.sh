#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build build/rootfs.img: the Debian bookworm root filesystem every relaykit
# UML guest boots from (read-only, through a per-guest COW file).
#
# The image is rebuilt only when its inputs change: the package list, this
# script and the /sbin/relaykit-init stub.  Their hash is stored next to the
# image in rootfs.img.inputs.
#
# Environment:
#   MIRROR=URL      Debian mirror (default: the host's apt configuration)
#   ROOTFS_SIZE=2G  image size (the file is sparse)
#   FORCE=1         rebuild even when up to date
#
# Needs root (debootstrap, chroot, mknod).

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KIT=$(dirname "$SCRIPT_DIR")
# shellcheck source=lib/log.sh source-path=SCRIPTDIR/..
. "$KIT/lib/log.sh"
BUILD="$KIT/build"
IMG="$BUILD/rootfs.img"
TMPDIR_ROOT="$BUILD/rootfs.tmp"
TMPIMG="$BUILD/rootfs.img.tmp"
LOG="$BUILD/rootfs.log"
SUITE=bookworm
ROOTFS_SIZE=${ROOTFS_SIZE:-2G}

PKG_LIST="$SCRIPT_DIR/packages.list"
INIT_STUB="$KIT/uml/guest/relaykit-init"
# Everything that shapes the image; a change to any of them rebuilds it.
INPUTS=("$SCRIPT_DIR/build-rootfs.sh" "$PKG_LIST" "$INIT_STUB")

inputs_hash()
{
	{
		echo "suite=$SUITE size=$ROOTFS_SIZE"
		sha256sum "${INPUTS[@]}" | sed "s|  $KIT/|  |"
	} | sha256sum | cut -d' ' -f1
}

# Print the first Debian mirror URI that serves $SUITE main, from the
# one-line sources.list format and from deb822 *.sources files.
host_mirror()
{
	local f

	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$SUITE" '
			$1 != "deb" { next }
			{
				i = 2
				if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				uri = $i; dist = $(i + 1)
				for (j = i + 2; j <= NF; j++)
					if (dist == suite && $j == "main") { print uri; exit }
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# Stanzas are separated by blank lines; keys are case-insensitive.
		awk -v suite="$SUITE" '
			function check() {
				if (types ~ /(^| )deb( |$)/ && enabled != "no" &&
				    (" " suites " ") ~ (" " suite " ") &&
				    (" " comps " ") ~ / main /)
					{ split(uris, u, " "); print u[1]; found = 1; exit }
				types = uris = suites = comps = ""; enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { check(); next }
			{
				key = tolower($1); sub(/:$/, "", key)
				val = $0; sub(/^[^:]*:[ \t]*/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "components") comps = val
				else if (key == "enabled") enabled = tolower(val)
			}
			END { if (!found) check() }' "$f"
	done
}

# Unmount whatever debootstrap or chroot steps left mounted below $1.
umount_below()
{
	local dir=$1 mnt

	# mountinfo field 5 is the mount point; deepest first.
	awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r | while read -r mnt; do
		umount -l "$mnt" || true
	done
}

cleanup()
{
	umount_below "$TMPDIR_ROOT"
	# --one-file-system: never follow a bind mount out of the tree.
	rm -rf --one-file-system "$TMPDIR_ROOT" "$TMPIMG"
}

in_root()
{
	chroot "$TMPDIR_ROOT" /usr/bin/env -i \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive "$@"
}

# Runs inside a private mount namespace (see main), so any mount debootstrap
# makes disappears with it even if we are killed.
bootstrap()
{
	local packages

	packages=$(sed -e 's/#.*//' "$PKG_LIST" | tr -s ' \t\n' '\n' | grep . | paste -sd,)

	echo "debootstrap --variant=minbase $SUITE from $MIRROR"
	echo "packages: $packages"
	# --foreign first, so policy-rc.d is in place before any package's
	# postinst runs: a daemon started from the chroot would bind the host's
	# ports.
	debootstrap --foreign --variant=minbase --include="$packages" \
		"$SUITE" "$TMPDIR_ROOT" "$MIRROR"
	install -m 0755 /dev/stdin "$TMPDIR_ROOT/usr/sbin/policy-rc.d" <<-'EOF'
		#!/bin/sh
		# relaykit: guests run their own init; never start services from dpkg.
		exit 101
	EOF
	chroot "$TMPDIR_ROOT" /debootstrap/debootstrap --second-stage
	customize
	umount_below "$TMPDIR_ROOT"
}

customize()
{
	local r=$TMPDIR_ROOT

	install -m 0755 "$INIT_STUB" "$r/sbin/relaykit-init"
	mkdir -p "$r/relaykit/kit" "$r/relaykit/run" "$r/srv/www"

	# Console-only guests: root and the test user log in without password.
	in_root passwd -d root
	in_root useradd --uid 1000 --create-home --shell /bin/bash relayuser
	in_root passwd -d relayuser

	echo relaykit > "$r/etc/hostname"
	cat > "$r/etc/hosts" <<-'EOF'
		127.0.0.1	localhost
		::1		localhost ip6-localhost ip6-loopback
	EOF
	# No resolver: tests name their DNS server explicitly (dig @ADDR).
	: > "$r/etc/resolv.conf"
	echo "# relaykit: filesystems are mounted by /sbin/relaykit-init" > "$r/etc/fstab"

	# Nothing may listen unless a service script starts it: drop the
	# packaged default site and keep the sysv/systemd units from running.
	rm -f "$r/etc/nginx/sites-enabled/default"
	if [ -f "$r/etc/default/dnsmasq" ]; then
		sed -i 's/^#*ENABLED=.*/ENABLED=0/' "$r/etc/default/dnsmasq"
	fi
	for svc in nginx dnsmasq haproxy; do
		[ -e "$r/etc/init.d/$svc" ] || continue
		in_root update-rc.d -f "$svc" remove > /dev/null || true
	done

	# The image is shared read-only; keep it small.
	in_root apt-get clean
	rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/debconf/"*-old \
		"$r/var/log/"*.log "$r/var/log/apt/"* "$r/debootstrap"
}

main()
{
	local want have=

	[ "$(id -u)" = 0 ] || rk_die "must run as root (debootstrap, chroot)"
	for tool in debootstrap mkfs.ext4 unshare sha256sum; do
		command -v "$tool" > /dev/null || rk_die "$tool not found; run scripts/install-deps.sh"
	done
	for f in "${INPUTS[@]}"; do
		[ -f "$f" ] || rk_die "missing input $f"
	done

	want=$(inputs_hash)
	[ -f "$IMG.inputs" ] && have=$(cat "$IMG.inputs")
	if [ -f "$IMG" ] && [ "$want" = "$have" ] && [ "${FORCE:-0}" != 1 ]; then
		rk_info "rootfs up to date: $IMG"
		return 0
	fi

	# sed, not head: head exiting early could SIGPIPE awk under pipefail.
	[ -n "${MIRROR:-}" ] || MIRROR=$(host_mirror | sed -n 1p)
	[ -n "$MIRROR" ] || rk_die "no Debian mirror for $SUITE main in /etc/apt/sources.list{,.d/}; set MIRROR=URL"
	export MIRROR

	mkdir -p "$BUILD"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	cleanup

	rk_info "building $IMG (log: $LOG)"
	if ! unshare --mount --propagation private \
		env BUILD_ROOTFS_STAGE=bootstrap "$SCRIPT_DIR/build-rootfs.sh" > "$LOG" 2>&1; then
		tail -n 20 "$LOG" >&2
		rk_die "debootstrap failed; full log: $LOG"
	fi

	rk_info "making ext4 image ($ROOTFS_SIZE, sparse)"
	truncate -s "$ROOTFS_SIZE" "$TMPIMG"
	mkfs.ext4 -q -F -L relaykit-root -d "$TMPDIR_ROOT" "$TMPIMG" >> "$LOG" 2>&1 ||
		rk_die "mkfs.ext4 failed; see $LOG"

	# Replace atomically: a running guest keeps the old inode open.
	mv -f "$TMPIMG" "$IMG"
	echo "$want" > "$IMG.inputs.tmp"
	mv -f "$IMG.inputs.tmp" "$IMG.inputs"
	rk_info "rootfs built: $IMG ($(du -h "$IMG" | cut -f1) used of $ROOTFS_SIZE)"
}

if [ "${BUILD_ROOTFS_STAGE:-}" = bootstrap ]; then
	bootstrap
else
	main "$@"
fi
