#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Copy net/relay's gcov counts out of the relay guest for `make coverage`
# (scripts/coverage.sh): CONFIG_GCOV_KERNEL exposes them, while the module
# is loaded, as /sys/kernel/debug/gcov/<build dir>/net/relay/*.gcda (counts
# of earlier loads included: gcov_persist=1).  They go to run/coverage/gcda/
# on the host through the guest's run directory.  Last of the stability
# group, so that the counts cover every test before it. Skipped when the
# relay's kernel has no gcov; a kernel with gcov must yield counts.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
build_dir=$(relay_guest_config BUILD_DIR)
gcov=/sys/kernel/debug/gcov$(kernel_dir "$(relay_kernel_kind)")/net/relay
grep -qx 'CONFIG_GCOV_KERNEL=y' "$(relay_kernel_config)" ||
	skip "the relay's kernel ($(relay_kernel_kind)) has no CONFIG_GCOV_KERNEL"
gexec relay test -d "$gcov" || fail "no gcov data in the relay guest: $gcov missing"
rm -rf "$STATE/relay/gcda"
# shellcheck disable=SC2016 # expanded in the guest
gsh relay 'mkdir -p /relaykit/run/gcda && cp "$1"/*.gcda /relaykit/run/gcda/' "$gcov" ||
	fail "cannot copy $gcov/*.gcda out of the relay guest"
dest=$KIT/run/coverage/gcda
rm -rf "$dest"
mkdir -p "$dest"
cp "$STATE/relay/gcda/"*.gcda "$dest/"
n=$(find "$dest" -name '*.gcda' | wc -l)
log "module build dir in the guest: ${build_dir:-?}"
note "$n .gcda files of net/relay copied to run/coverage/gcda"
