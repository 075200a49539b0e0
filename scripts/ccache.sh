# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034
#
# The kit's compiler for kernel builds, KCC; sourced by scripts/common.sh
# and by the tests that run kbuild or kunit.py themselves. Uses KIT.
#
# Same compiler string everywhere: kbuild records it in .config and in every
# .cmd file, so switching it would reconfigure and rebuild everything.
if command -v ccache >/dev/null 2>&1; then
	KCC="ccache gcc"
	# A clone of the kit in another directory (CI's fresh clone) hits the
	# same cache: kbuild's absolute paths are hashed relative to the kit,
	# and objects with debug info do not hash the build directory.
	export CCACHE_BASEDIR=$KIT CCACHE_NOHASHDIR=1
else
	KCC=gcc
fi
