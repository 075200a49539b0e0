#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family net_relay refuses malformed requests, which
# relayctl cannot send, as its policies and handlers say (net-relay/
# netlink.c): missing, unknown, out-of-range, wrong-sized, oversized and
# truncated attributes, an attribute of the family that the command does
# not take (a tunable in a rule add), a counter in an add, a del with a
# backend, a refused third rule of a restore, an unknown or out-of-range
# tunable beside a good one, an unprivileged change, a protocol that is
# neither TCP (6) nor UDP (17), two rules in one add. Each refusal gives its errno
# and, in the extended ack, the words saying what is wrong, the offset of
# the bad attribute (tests/guest/nlraw.pl names the attribute there: at=)
# and the attribute missing (missing=). A truncated message gets no answer.
# Nothing is applied: after all the refusals the rule set and net.relay.*
# are as before. A well-formed add and del are accepted, and an
# unprivileged user may dump the rules.
set -euo pipefail
# shellcheck source=../lib/guest.sh
source "$(dirname "$0")/../lib/guest.sh"

need_relay
trap relay_restore EXIT

# nl ARGS...: nlraw.pl ARGS in the relay guest, as root: its answer line,
# its exit status (0 ok, 1 refused, 3 no answer).
nl()
{
	gexec relay perl "$GTOOLS/nlraw.pl" "$@"
}

# nl_nobody ARGS...: the same as user nobody, without capabilities.
nl_nobody()
{
	gexec relay setpriv --reuid=65534 --regid=65534 --clear-groups \
		perl "$GTOOLS/nlraw.pl" "$@"
}

rules_now()
{
	relay_rules | awk '{ print $1, $2, $3 }'
}

rules_before=$(rules_now)
sysctl_before=$(gexec relay sysctl net.relay)
[ -n "$sysctl_before" ] || fail "sysctl net.relay printed nothing"

# refused 'ANSWER' ARGS...: nlraw.pl ARGS must be refused with ANSWER, its
# line less the raw offsets (offset=N, miss_nest=N), which its at= and
# missing= name; the rule set must be unchanged. The whole line is in
# $ANSWER.
ANSWER=
REFUSED=0
refused()
{
	local want=$1 out rc=0

	shift
	out=$(nl "$@") || rc=$?
	[ "$rc" = 1 ] || fail "nlraw.pl $*: exit $rc, expected a refusal: $out"
	[ "$(sed -E 's/ (offset|miss_nest)=[0-9]+//g' <<< "$out")" = "$want" ] ||
		fail "nlraw.pl $*: '$out', expected '$want'"
	[ "$(rules_now)" = "$rules_before" ] ||
		fail "nlraw.pl $*: refused, yet the rule set changed: $(rules_now)"
	ANSWER=$out
	REFUSED=$((REFUSED + 1))
	log "${*: -1} -> $out"
}

# sysctl_is NAME VALUE: net.relay.NAME must still be VALUE after WHAT.
sysctl_is()
{
	local v

	v=$(relay_sysctl_get "$1")
	[ "$v" = "$2" ] || fail "net.relay.$1 is $v after $3, expected $2 (all or none)"
}

B="backend{addr4=$SERVER_IP4,port=80}"
L="listen{port=8130}"
RULE="rule{proto=6,$L,$B}"

# --- missing attributes: the message and the missing one's type and nest
refused 'errno=EINVAL msg="missing rule" miss_type=1 missing=rule' rule-add
refused 'errno=EINVAL msg="missing protocol" at=rule miss_type=1 missing=rule.proto' \
	rule-add "rule{$L,$B}"
refused 'errno=EINVAL msg="missing listen address" at=rule miss_type=2 missing=rule.listen' \
	rule-add "rule{proto=6,$B}"
refused 'errno=EINVAL msg="missing port" at=rule.listen miss_type=3 missing=rule.listen.port' \
	rule-add "rule{proto=6,listen{addr4=$RELAY_FRONT4},$B}"
refused 'errno=EINVAL msg="missing backend" at=rule miss_type=3 missing=rule.backend' \
	rule-add "rule{proto=6,$L}"
refused 'errno=EINVAL msg="backend address missing" at=rule.backend miss_type=1 missing=rule.backend.addr4' \
	rule-add "rule{proto=6,$L,backend{port=80}}"

# --- values the policies refuse; the policy's bounds come with them
# A protocol between TCP's 6 and UDP's 17 is neither: 10 was once added
# as a TCP rule.
for proto in 99 10; do
	refused 'errno=EINVAL msg="protocol must be tcp or udp" at=rule.proto' \
		rule-add "rule{proto=$proto,$L,$B}"
	# nlraw.pl's at= against the raw offset: nlmsghdr 16 + genlmsghdr 4
	# + the rule nest's header 4.
	[[ $ANSWER == *" offset=24 at=rule.proto"* ]] ||
		fail "proto $proto: the offset is not 24, the proto attribute's: $ANSWER"
done
refused 'errno=EINVAL msg="one rule per request (restore takes many)" at=rule#2' \
	rule-add "rule{proto=6,listen{port=8134},$B}" "rule{proto=6,listen{port=8135},$B}"
refused 'errno=ERANGE msg="integer out of range" at=rule.listen.port range=1..65535' \
	rule-add "rule{proto=6,listen{port=0},$B}"
refused 'errno=EINVAL msg="invalid attribute length" at=rule.listen.port range=1..65535' \
	rule-add "rule{proto=6,listen{port:u32=8130},$B}"
# ADDR6 of 15 bytes
refused 'errno=ERANGE msg="binary attribute size out of range" at=rule.listen.addr6 len=16..16' \
	rule-add "rule{proto=6,listen{addr6:bin=20010db80001000000000000000000,port=8130},$B}"

# --- what the handlers refuse
refused 'errno=EINVAL msg="give one address, IPv4 or IPv6" at=rule.backend.addr6' \
	rule-add "rule{proto=6,$L,backend{addr4=$SERVER_IP4,addr6=$SERVER_IP6,port=80}}"
refused 'errno=EINVAL msg="del takes no backend" at=rule.backend' \
	rule-del "rule{proto=6,listen{port=80},$B}"

# --- attributes a request may not carry: strict validation
refused 'errno=EINVAL msg="Unsupported attribute" at=rule.active' \
	rule-add "rule{proto=6,$L,$B,active=1}"
refused 'errno=EINVAL msg="Unknown attribute type" at=100' rule-add "$RULE" 100:u32=1
# An attribute of the family that the command does not take: each command
# has its own policy. A tunable in a rule add was once ignored.
refused 'errno=EINVAL msg="Unsupported attribute" at=tunable' \
	rule-add "$RULE" 'tunable{name=udp_timeout,value=31}'
refused 'errno=EINVAL msg="Unsupported attribute" at=proto' rule-del 'rule{proto=6,listen{port=80}}' proto=6
refused 'errno=EINVAL msg="Unsupported attribute" at=rule' tunable-set 'tunable{name=udp_timeout,value=31}' "$RULE"
refused 'errno=EINVAL msg="Unsupported attribute" at=proto' restore "$RULE" 'tunable{name=udp_timeout,value=31}' proto=6
refused 'errno=EINVAL msg="Unsupported attribute" at=rule' rule-flush "$RULE"
refused 'errno=EINVAL msg="Unsupported attribute" at=rule' start "$RULE"
refused 'errno=EINVAL msg="Unsupported attribute" at=proto' state-get proto=6
refused 'errno=EINVAL msg="Unsupported attribute" at=rule' --dump conn-get "$RULE"
refused 'errno=EINVAL msg="Unsupported attribute" at=proto' --dump rule-get proto=6
refused 'errno=EOPNOTSUPP' 99

# --- truncated: an attribute running past the end of the message is
# refused (the netlink core names no attribute for it); a message shorter
# than its nlmsg_len is dropped unanswered
refused 'errno=EINVAL msg="bytes leftover after parsing attributes"' \
	--attr-extra=64 rule-add "$RULE"
out=$(nl --msg-extra=64 --wait=2 rule-add "$RULE") && fail "a truncated message was answered: $out"
[ "$out" = "no answer" ] || fail "a truncated message: '$out', expected no answer"
[ "$(rules_now)" = "$rules_before" ] || fail "a truncated message changed the rule set: $(rules_now)"
log "a message 64 bytes shorter than its nlmsg_len -> $out"

# --- oversized: a tunable's name of 200 bytes and of 65000 (a 64 KiB
# message), a restore of 1500 rules (66 KB, over max_rules)
refused 'errno=EINVAL msg="Attribute failed policy validation" at=tunable.name len=0..31' \
	tunable-set 'tunable{name=x*200,value=1}'
refused 'errno=EINVAL msg="Attribute failed policy validation" at=tunable.name len=0..31' \
	tunable-set 'tunable{name=x*65000,value=1}'
refused 'errno=ENOSPC msg="the namespace has net.relay.max_rules rules" at=rule#1025' \
	--repeat=1500 restore "rule{proto=6,listen{port=%i},$B}"

# --- tunables: all or none; the good first one is not applied
refused 'errno=EINVAL msg="no such tunable" at=tunable#2.name' \
	tunable-set 'tunable{name=udp_timeout,value=31}' 'tunable{name=no_such_tunable,value=1}'
sysctl_is udp_timeout 30 "a set with an unknown tunable"
refused 'errno=EINVAL msg="out of range" at=tunable#2.value' \
	tunable-set 'tunable{name=udp_timeout,value=31}' 'tunable{name=tcp_idle_timeout,value=0}'
sysctl_is udp_timeout 30 "a set with a value 0"
# 2^32 + 1: the value is a u64, no truncation to 1 may let it through
refused 'errno=EINVAL msg="out of range" at=tunable#2.value' \
	tunable-set 'tunable{name=udp_timeout,value=31}' 'tunable{name=tcp_idle_timeout,value=4294967297}'
sysctl_is udp_timeout 30 "a set with a value 2^32 + 1"
refused 'errno=EINVAL msg="a tunable is given twice" at=tunable#2' \
	tunable-set 'tunable{name=udp_timeout,value=31}' 'tunable{name=udp_timeout,value=32}'
refused 'errno=EINVAL msg="a tunable needs a name and a value" at=tunable miss_type=2 missing=tunable.value' \
	tunable-set 'tunable{name=udp_timeout}'

# --- a restore whose third rule is bad, refused by the policy, the
# handler and the core: the offset is the third rule's, the old rule set
# and the tunables stay
R1="rule{proto=6,listen{port=8131},$B}"
R2="rule{proto=6,listen{port=8132},$B}"
refused 'errno=EINVAL msg="protocol must be tcp or udp" at=rule#3.proto' \
	restore "$R1" "$R2" "rule{proto=99,listen{port=8133},$B}"
refused 'errno=EINVAL msg="missing backend" at=rule#3 miss_type=3 missing=rule#3.backend' \
	restore "$R1" "$R2" "rule{proto=6,listen{port=8133}}"
refused 'errno=EEXIST msg="a rule for this protocol and address exists" at=rule#3' \
	restore 'tunable{name=udp_timeout,value=31}' "$R1" "$R2" "$R1"
sysctl_is udp_timeout 30 "a refused restore"

# --- privileges: a change needs CAP_NET_ADMIN, reading the rules does not
out=$(nl_nobody rule-add "$RULE") && fail "an unprivileged user added a rule: $out"
[ "$out" = errno=EPERM ] || fail "an unprivileged rule-add: '$out', expected errno=EPERM"
log "unprivileged rule-add -> $out"
out=$(nl_nobody --dump rule-get) || fail "an unprivileged rule-get dump failed: $out"
[ "$out" = "dump=$(rules_now | grep -c .)" ] ||
	fail "an unprivileged rule-get dump: '$out', /proc lists $(rules_now | grep -c .) rules"
log "unprivileged rule-get dump -> $out"

# --- nothing of the refusals was applied
[ "$(rules_now)" = "$rules_before" ] || fail "the rule set changed: $(rules_now)"
[ "$(gexec relay sysctl net.relay)" = "$sysctl_before" ] ||
	fail "net.relay changed: $(gexec relay sysctl net.relay | tr '\n' ' ')"

# --- a well-formed add and del: the tool can see an accepted request
out=$(nl rule-add "rule{proto=6,listen{port=8140},$B}") || fail "a good rule-add was refused: $out"
[ "$out" = ok ] || fail "a good rule-add: '$out', expected ok"
rules_now | awk '$1 == "tcp" && $2 ~ /:8140$/ { f = 1 } END { exit !f }' ||
	fail "the added rule is not in $RELAY_PROC/rules: $(rules_now | tr '\n' ';')"
out=$(nl rule-del 'rule{proto=6,listen{port=8140}}') || fail "a good rule-del was refused: $out"
[ "$out" = ok ] || fail "a good rule-del: '$out', expected ok"
[ "$(rules_now)" = "$rules_before" ] || fail "after add and del the rule set differs: $(rules_now)"
log "rule-add and rule-del of tcp 8140 -> ok"
note "$REFUSED malformed or refused requests, each with its errno, words and attribute; nothing applied"
