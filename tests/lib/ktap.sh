# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# KTAP of net/relay's KUnit suites, read by the kernel's own parser
# (tools/testing/kunit/kunit.py parse) rather than by a parser of ours: it
# checks each plan against the results, so a test case that never reported
# (a crash, a suite cut short) is an error, not one pass fewer.
#
#   ktap_declared_suites       the suites net-relay/*_test.c declares
#   ktap_cases KTAP-FILE       one "STATUS<TAB>SUITE:CASE[:PARAM]" line per
#                              test case, STATUS ok, skip or fail; kunit.py's
#                              report on stderr; exit status 0 only when
#                              kunit.py found every plan complete and passed
# Source after tests/lib/common.sh.

KUNIT_PY=$(bash -c '. "$1/scripts/common.sh" && echo "$TREE"' _ "$KIT")/tools/testing/kunit/kunit.py

ktap_declared_suites()
{
	awk '
		/^static struct kunit_suite [a-z0-9_]+ = \{/ { in_suite = 1 }
		in_suite && /^\t\.name = "/ { split($0, q, "\""); print q[2] }
		/^};/ { in_suite = 0 }' "$KIT"/net-relay/*_test.c
}

ktap_cases()
{
	local ktap=$1 json rc=0

	[ -x "$KUNIT_PY" ] || { echo "ktap_cases: no $KUNIT_PY (make tree)" >&2; return 1; }
	json=$(mktemp)
	python3 "$KUNIT_PY" parse --json="$json" "$ktap" >&2 || rc=$?
	# A case with parameters is a group of its own: its parameters are the
	# cases.  A case kunit.py found missing has no name.
	jq -r '
		def cases($path):
			(.test_cases | to_entries[]
			 | [(if .value.status == "PASS" then "ok"
			     elif .value.status == "SKIP" then "skip"
			     else "fail" end),
			    ($path + [if .value.name == "" then "(case \(.key + 1) missing)"
				      else .value.name end] | join(":"))]
			 | @tsv),
			(.sub_groups[] | cases($path + [.name]));
		.sub_groups[] | cases([.name])' "$json" || rc=1
	rm -f "$json"
	return "$rc"
}
