# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Kernel log check, run by tests/run.sh after every guest test.
#
# 1. Console: the lines each guest's kernel printed since the last check
#    (STATE/GUEST/console.log) must not contain any report of KLOG_PATTERN:
#    WARNING, BUG, Oops, KASAN, lockdep, RCU, atomic-sleep ... Nothing is
#    filtered: any warning fails the test that was running.
# 2. kmemleak (guests with CONFIG_DEBUG_KMEMLEAK, i.e. the debug kernel):
#    scan, read /sys/kernel/debug/kmemleak and clear.  Any leak fails the
#    test, whoever allocated it: the relay can leak the stack's sockets and
#    skbs, whose backtraces do not name it. (The stock kernel's own leak at
#    every boot, the ubd backing file's name, is patched: patches/0005.) The
#    reason says whether the backtrace passes through net/relay (nrelay_*,
#    [net_relay]).  kmemleak reports objects older than 5 s, after two
#    scans, so a leak at the very end of a test shows up in the check after
#    the next one; the final check (shutdown) waits first.
#
# Uses KIT, RUN, STATE, LOGDIR.  Offsets: LOGDIR/.klog/RUN/GUEST.offset (per
# run: the x86 group's relay has a console log of its own).

# Kernel reports that fail a test (grep -E, case-sensitive).
KLOG_PATTERN='KASAN|UBSAN:|BUG:|WARNING:|Oops|kernel BUG|general protection'
KLOG_PATTERN+='|possible circular locking|inconsistent lock state|possible recursive locking'
KLOG_PATTERN+='|suspicious RCU usage|scheduling while atomic|Invalid wait context'
KLOG_PATTERN+='|detected stall|blocked for more than|Kernel panic|unreferenced object'
# Not a kernel bug, but a test that ran a guest out of memory proves nothing.
KLOG_PATTERN+='|invoked oom-killer'
# What marks a backtrace as going through net/relay.
KLOG_RELAY='nrelay_|net_relay'

# klog_classify: read kernel log text on stdin; print one line per report:
#   BAD <line>         a console report (warning, oops, lockdep...)
#   LEAK-RELAY <line>  kmemleak report whose block mentions net/relay,
#                      followed by its first net/relay frame
#   LEAK-OTHER <line>  kmemleak report elsewhere (fails the test too)
klog_classify()
{
	awk -v pat="$KLOG_PATTERN" -v relay="$KLOG_RELAY" '
		function flush() {
			if (leak != "")
				print (leak_relay ? "LEAK-RELAY " leak " " frame : "LEAK-OTHER " leak)
			leak = ""; leak_relay = 0
		}
		{
			line = $0
			sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
			body = line
			sub(/^kmemleak: /, "", body)
		}
		body ~ /unreferenced object/ { flush(); leak = line; next }
		leak != "" && body ~ /^ / {
			if (body ~ relay && !leak_relay) {
				leak_relay = 1
				frame = body
				sub(/^ *(\[<[0-9a-f]+>\] )?/, "", frame)
			}
			next
		}
		{ flush() }
		line ~ pat { print "BAD " line }
		END { flush() }'
}

# klog_count KINDS TEXT: how many reports of KINDS (klog_classify's first
# words, an ERE: "BAD|LEAK-RELAY") kernel log TEXT holds. awk reads all of
# its input: a reader that leaves at the first match (grep -q) would kill
# the writer with SIGPIPE under pipefail once the text passes a pipe's
# buffer, and a big report would read as none.
klog_count()
{
	printf '%s\n' "$2" | klog_classify | awk -v k="^($1) " '$0 ~ k { n++ } END { print n + 0 }'
}

# klog_list KINDS TEXT: the reports of KINDS in TEXT, without their kind;
# klog_first KINDS TEXT: the first of them.
klog_list()
{
	printf '%s\n' "$2" | klog_classify | awk -v k="^($1) " '$0 ~ k { sub(/^[^ ]* /, ""); print }'
}

klog_first()
{
	klog_list "$@" | awk 'NR == 1'
}

# klog_new GUEST: the complete lines GUEST's console got since the last call
# (a partial last line waits for the next call).
klog_new()
{
	local guest=$1 offfile off

	mkdir -p "$LOGDIR/.klog/$RUN"
	offfile=$LOGDIR/.klog/$RUN/$guest.offset
	off=$(cat "$offfile" 2> /dev/null || echo 0)
	[ -e "$STATE/$guest/console.log" ] || return 0
	perl -e '
		my ($file, $off, $offfile) = @ARGV;
		open(my $f, "<", $file) or exit 0;
		seek($f, $off, 0);
		local $/;
		my $d = <$f> // "";
		my $i = rindex($d, "\n");
		exit 0 if $i < 0;
		$d = substr($d, 0, $i + 1);
		print $d;
		open(my $o, ">", $offfile) or die "$offfile: $!";
		print $o $off + length($d), "\n";
	' "$STATE/$guest/console.log" "$off" "$offfile" | tr -d '\r' | cat -v
}

# klog_kmemleak GUEST: scan twice (a new object is only reported once its
# contents stayed the same for a scan), print the report, then clear it.
klog_kmemleak()
{
	# shellcheck disable=SC2016 # expanded by the guest's shell
	RUN=$RUN EXEC_TIMEOUT=180 "$KIT/uml/exec.sh" "$1" sh -c '
		k=/sys/kernel/debug/kmemleak
		[ -e $k ] || { echo "no $k"; exit 3; }
		echo scan > $k && echo scan > $k && cat $k && echo clear > $k'
}

# klog_kmemleak_state GUEST: what GUEST's kernel is doing when a scan did
# not finish: the tasks in uninterruptible sleep with their kernel stacks,
# kmemleak's own object count, and memory.
klog_kmemleak_state()
{
	echo "# kmemleak state of $1:"
	# shellcheck disable=SC2016 # expanded by the guest's shell
	RUN=$RUN EXEC_TIMEOUT=30 "$KIT/uml/exec.sh" "$1" sh -c '
		for p in /proc/[0-9]*; do
			read -r pid comm state rest < $p/stat 2> /dev/null || continue
			case $comm:$state in
			*:D | "(kmemleak)":* | "(sh)":*)
				echo "$pid $comm $state"
				sed "s/^/    /" $p/stack 2> /dev/null ;;
			esac
		done
		grep -E "^(MemFree|Slab|SUnreclaim):" /proc/meminfo
		grep -E "^(kmemleak_object|kmemleak_scan_area) " /proc/slabinfo' 2>&1 || true
}

# klog_check LOG [console]: check every guest (with "console": only the
# console logs, no kmemleak scan, for guests that may be dead); details go
# to LOG, and every finding, one a line, to LOG.findings (for the runner's
# expected reports).  On failure print a one-line reason and return 1.  A
# console report is the better reason than a leak, a leak the better than a
# failed scan.
klog_check()
{
	local log=$1 mode=${2:-} guest new reports rc first kind lost start
	local r_console='' r_leak='' r_scan='' findings=$1.findings

	for guest in $(phase_guests); do
		kind=$(rk_guest_config "$STATE" "$guest" GUEST_KERNEL)
		lost=$LOGDIR/.klog/$RUN/$guest.kmemleak-lost
		if [ "$kind" != debug ] || [ "$mode" = console ]; then
			:
		elif [ -s "$lost" ]; then
			echo "# kernel log check: kmemleak of $guest not scanned: $(< "$lost")" >> "$log"
			[ -n "$r_scan" ] || r_scan="kmemleak of $guest unusable: $(< "$lost")"
			echo "$guest: kmemleak unusable" >> "$findings"
		else
			rc=0
			start=$EPOCHSECONDS
			reports=$(klog_kmemleak "$guest" 2>&1) || rc=$?
			# How long scans take tells a slowing kmemleak from a hung one.
			echo "# kernel log check: kmemleak of $guest: $((EPOCHSECONDS - start)) s," \
				"$(printf '%s\n' "$reports" | grep -c 'unreferenced object') report(s)" >> "$log"
			if [ "$rc" != 0 ]; then
				{
					echo "# kernel log check: kmemleak in $guest failed (exit $rc):"
					echo "$reports"
					klog_kmemleak_state "$guest"
				} >> "$log"
				[ -n "$r_scan" ] || r_scan="kmemleak scan in $guest failed (exit $rc)"
				echo "$guest: kmemleak scan failed (exit $rc)" >> "$findings"
				# A scan that hung once hangs again (the next one waits
				# for the same scan_mutex): fail the later checks at once
				# instead of spending EXEC_TIMEOUT on each.
				if [ "$rc" = 124 ]; then
					mkdir -p "${lost%/*}"
					echo "its scan timed out after $(basename "$log" .log)" > "$lost"
				fi
			elif [ -n "$reports" ]; then
				if (($(klog_count LEAK-RELAY "$reports") > 0)); then
					[ -n "$r_leak" ] || r_leak="kmemleak: net/relay leaked memory (guest $guest)"
				elif (($(klog_count LEAK-OTHER "$reports") > 0)); then
					first=$(klog_first LEAK-OTHER "$reports")
					[ -n "$r_leak" ] || r_leak="kmemleak: a leak outside net/relay in $guest: ${first:0:80}"
				fi
				klog_list 'LEAK-RELAY|LEAK-OTHER' "$reports" | sed "s|^|$guest: |" >> "$findings"
				echo "# kernel log check: kmemleak report of $guest:" >> "$log"
				printf '%s\n' "$reports" >> "$log"
			fi
		fi

		new=$(klog_new "$guest")
		[ -n "$new" ] || continue
		# Every report klog_classify finds fails the test.
		reports=$(printf '%s\n' "$new" | klog_classify)
		if [ -n "$reports" ]; then
			first=${reports%%$'\n'*}
			first=${first#* }
			[ -n "$r_console" ] || r_console="kernel log of $guest: ${first:0:120}"
			printf '%s\n' "$reports" | sed "s|^[^ ]* |$guest: |" >> "$findings"
			{
				echo "# kernel log check: reports in $STATE/$guest/console.log:"
				printf '%s\n' "$new" | grep -E -B 2 -A 40 "$KLOG_PATTERN" | head -n 200
			} >> "$log"
		fi
	done
	if [ -n "$r_console$r_leak$r_scan" ]; then
		echo "${r_console:-${r_leak:-$r_scan}}"
		return 1
	fi
	echo "# kernel log check: clean ($(phase_guests | tr '\n' ' '))" >> "$log"
}

# klog_expected LOG REGEX: after a test that provoked a report on purpose
# (expect_kernel_report), the reason it fails, from klog_check's findings
# (LOG.findings): none matches REGEX, or one does not. Prints nothing when
# the findings are exactly the expected report.
klog_expected()
{
	local log=$1 expect=$2 findings=$1.findings other

	if [ ! -s "$findings" ] || ! grep -Eq -- "$expect" "$findings"; then
		echo "the kernel log check found no report matching /$expect/"
		return 0
	fi
	other=$(awk -v re="$expect" '$0 !~ re { print; exit }' "$findings")
	if [ -n "$other" ]; then
		echo "besides the expected report, ${other:0:150}"
		return 0
	fi
	echo "# kernel log check: the expected report /$expect/ was found, and nothing else" >> "$log"
}

# klog_check_halt LOG: after stop-topology.sh, every guest must have halted
# through the kernel's own power-off path, with nothing reported on the way.
klog_check_halt()
{
	local log=$1 guest new reports reason='' first

	for guest in $(phase_guests); do
		new=$(klog_new "$guest")
		reports=$(printf '%s\n' "$new" | klog_classify)
		if [ -n "$reports" ]; then
			first=${reports%%$'\n'*}
			first=${first#* }
			[ -n "$reason" ] || reason="kernel log of $guest at shutdown: ${first:0:120}"
			{
				echo "# halt check: reports in $STATE/$guest/console.log:"
				printf '%s\n' "$new" | grep -E -A 40 "$KLOG_PATTERN" | head -n 200
			} >> "$log"
		fi
		if ! grep -q 'reboot: \(Power down\|System halted\)' "$STATE/$guest/console.log"; then
			[ -n "$reason" ] || reason="guest $guest did not halt cleanly (no 'reboot: Power down' in its console.log)"
			{
				echo "# halt check: last lines of $STATE/$guest/console.log:"
				tail -n 30 "$STATE/$guest/console.log"
			} >> "$log"
		fi
	done
	if [ -n "$reason" ]; then
		echo "$reason"
		return 1
	fi
	echo "# halt check: clean" >> "$log"
}
