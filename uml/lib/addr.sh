# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Writing an address before a port, as net/relay's rules, URLs, socat,
# haproxy and ipvsadm do: an IPv6 address goes in brackets. Sourced by
# tests/lib/guest.sh and bench/addresses.sh (on the host and in guests).

# bracketed ADDR: ADDR, an IPv6 one in brackets.
bracketed()
{
	case $1 in
	*:*) echo "[$1]" ;;
	*) echo "$1" ;;
	esac
}

# addr_port ADDR PORT: "ADDR:PORT", an IPv6 ADDR in brackets.
addr_port()
{
	echo "$(bracketed "$1"):$2"
}
