# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Messages of the kit's host-side scripts (scripts/, uml/, bench/), one
# dialect for all, on stderr:
#   NAME: text              rk_info
#   NAME: warning: text     rk_warn
#   NAME: error: text       rk_err; rk_die also exits 1
# NAME is the script's file name (RK_PROG overrides it). Tests report
# through tests/lib/common.sh instead (log, fail, skip, note): their output
# is the test's log, read by tests/run.sh.

RK_PROG=${RK_PROG:-${0##*/}}

rk_info() { printf '%s: %s\n' "$RK_PROG" "$*" >&2; }
rk_warn() { printf '%s: warning: %s\n' "$RK_PROG" "$*" >&2; }
rk_err() { printf '%s: error: %s\n' "$RK_PROG" "$*" >&2; }
rk_die() {
	rk_err "$@"
	exit 1
}
