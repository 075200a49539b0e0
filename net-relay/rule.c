// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: parsing of rule commands and endpoint helpers.
 *
 * Pure functions: no locks, no namespaces, so that KUnit can test them.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "nrelay.h"

#define NRELAY_MAX_WORDS	5
#define NRELAY_MAX_WORD		64

const char *nrelay_proto_name(enum nrelay_proto proto)
{
	return proto == NRELAY_TCP ? "tcp" : "udp";
}

bool nrelay_addr_equal(const struct nrelay_addr *a, const struct nrelay_addr *b)
{
	if (a->family != b->family || a->port != b->port)
		return false;
	if (a->family == AF_INET6)
		return ipv6_addr_equal(&a->ip6, &b->ip6);
	return a->family == AF_UNSPEC || a->ip == b->ip;
}

/* The wildcard of its family; AF_UNSPEC is the wildcard of both. */
bool nrelay_addr_is_any(const struct nrelay_addr *a)
{
	if (a->family == AF_INET6)
		return ipv6_addr_any(&a->ip6);
	return a->family == AF_UNSPEC || a->ip == htonl(INADDR_ANY);
}

/* AF_UNSPEC, the wildcard of both families, is IPv6's: a socket bound
 * to [::] without IPV6_V6ONLY takes IPv4 too.
 */
int nrelay_addr_to_sockaddr(const struct nrelay_addr *a,
			    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family != AF_INET) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = a->port;
		sin6->sin6_addr = a->ip6;
		return sizeof(*sin6);
	}
	{
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = a->port;
		sin->sin_addr.s_addr = a->ip;
		return sizeof(*sin);
	}
}

void nrelay_addr_from_sockaddr(struct nrelay_addr *a,
			       const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	a->family = ss->ss_family;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		a->port = sin6->sin6_port;
		a->ip6 = sin6->sin6_addr;
		/* An IPv4 peer of a socket of both families is IPv4. */
		if (ipv6_addr_v4mapped(&a->ip6)) {
			a->family = AF_INET;
			a->ip = sin6->sin6_addr.s6_addr32[3];
		}
	} else {
		const struct sockaddr_in *sin = (const void *)ss;

		a->family = AF_INET;
		a->port = sin->sin_port;
		a->ip = sin->sin_addr.s_addr;
	}
}

int nrelay_addr_print(char *buf, size_t size, const struct nrelay_addr *a)
{
	if (a->family == AF_INET6)
		return scnprintf(buf, size, "[%pI6c]:%u", &a->ip6,
				 ntohs(a->port));
	if (a->family == AF_UNSPEC)
		return scnprintf(buf, size, "*:%u", ntohs(a->port));
	return scnprintf(buf, size, "%pI4:%u", &a->ip, ntohs(a->port));
}

/**
 * nrelay_addr_check - whether a rule may name an address, however given
 * @a: the address
 * @why: on error, what is wrong
 *
 * Return: 0, -EINVAL or -EAFNOSUPPORT.
 */
int nrelay_addr_check(const struct nrelay_addr *a, const char **why)
{
	if (a->family != AF_INET6)
		return 0;
	/* One way to say each address: IPv4 ones as a.b.c.d. */
	if (ipv6_addr_v4mapped(&a->ip6)) {
		*why = "write an IPv4-mapped address as IPv4";
		return -EINVAL;
	}
	if (ipv6_addr_type(&a->ip6) & IPV6_ADDR_LINKLOCAL) {
		*why = "IPv6 addresses with a scope (link-local) are not supported";
		return -EINVAL;
	}
	if (!IS_ENABLED(CONFIG_IPV6)) {
		*why = "this kernel has no IPv6";
		return -EAFNOSUPPORT;
	}
	return 0;
}

static int nrelay_port_parse(const char *s, __be16 *port)
{
	u16 v;

	/* kstrtou16 takes leading '+' and "0x"; ports are plain decimals */
	if (!isdigit(*s) || kstrtou16(s, 10, &v) || v == 0)
		return -EINVAL;
	*port = htons(v);
	return 0;
}

/* "[IPV6]": the address between the brackets, which end at @end. */
static int nrelay_ip6_parse(const char *s, const char *end,
			    struct nrelay_addr *a, const char **why)
{
	const char *stop;

	if (memchr(s, '%', end - s)) {
		*why = "IPv6 addresses with a scope (link-local) are not supported";
		return -EINVAL;
	}
	if (!in6_pton(s, end - s, a->ip6.s6_addr, -1, &stop) || stop != end) {
		*why = "bad IPv6 address";
		return -EINVAL;
	}
	a->family = AF_INET6;
	return nrelay_addr_check(a, why);
}

/* The address of "ADDRESS:PORT", before @colon: "IPV4", "[IPV6]" or,
 * when @port_only is allowed, "*" or nothing (no @colon): the wildcard of
 * both families, AF_UNSPEC.
 */
static int nrelay_host_parse(const char *s, const char *colon, bool port_only,
			     struct nrelay_addr *a, const char **why)
{
	struct in6_addr ip6;
	const char *end;

	if (!colon || (port_only && colon == s + 1 && *s == '*')) {
		if (port_only)
			return 0;
		*why = "expected ADDRESS:PORT";
		return -EINVAL;
	}
	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || end + 1 != colon) {
			*why = "expected [IPV6]:PORT";
			return -EINVAL;
		}
		return nrelay_ip6_parse(s + 1, end, a, why);
	}
	if (in4_pton(s, colon - s, (u8 *)&a->ip, -1, &end) && end == colon) {
		a->family = AF_INET;
		return 0;
	}
	if (strchr(s, ':') == colon)
		*why = "bad IPv4 address";
	else if (in6_pton(s, colon - s, (u8 *)&ip6, -1, &end) && end == colon)
		*why = "IPv6 addresses go in brackets: [IPV6]:PORT";
	else
		*why = "bad address";
	return -EINVAL;
}

/* Parse "IPV4:PORT", "[IPV6]:PORT" or, when @port_only is allowed,
 * "PORT" or "*:PORT".
 */
static int nrelay_endpoint_parse(const char *s, bool port_only,
				 struct nrelay_addr *a, const char **why)
{
	const char *colon = strrchr(s, ':');
	int err;

	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	err = nrelay_host_parse(s, colon, port_only, a, why);
	if (err)
		return err;
	if (nrelay_port_parse(colon ? colon + 1 : s, &a->port)) {
		*why = "bad port (expected 1-65535)";
		return -EINVAL;
	}
	return 0;
}

/* Split @buf into at most @max blank-separated words of bounded length. */
static int nrelay_split(const char *buf, char words[][NRELAY_MAX_WORD],
			int max, const char **why)
{
	int n = 0;

	for (;;) {
		size_t len;

		while (*buf == ' ' || *buf == '\t' || *buf == '\n')
			buf++;
		if (!*buf)
			return n;
		len = strcspn(buf, " \t\n");
		if (n == max) {
			*why = "too many words";
			return -EINVAL;
		}
		if (len >= NRELAY_MAX_WORD) {
			*why = "word too long";
			return -EINVAL;
		}
		memcpy(words[n], buf, len);
		words[n][len] = '\0';
		n++;
		buf += len;
	}
}

static int nrelay_proto_parse(const char *s, enum nrelay_proto *proto,
			      const char **why)
{
	if (!strcmp(s, "tcp")) {
		*proto = NRELAY_TCP;
		return 0;
	}
	if (!strcmp(s, "udp")) {
		*proto = NRELAY_UDP;
		return 0;
	}
	*why = "protocol must be tcp or udp";
	return -EINVAL;
}

/**
 * nrelay_cmd_check - what an add command's addresses must be, whoever
 * wrote it (/proc, boot rules, netlink), once each address has passed
 * nrelay_addr_check()
 * @cmd: the command; a UDP rule's wildcard becomes the backend's family's
 * @why: on error, what is wrong (about the backend)
 *
 * Return: 0 or -EINVAL.
 */
int nrelay_cmd_check(struct nrelay_cmd *cmd, const char **why)
{
	if (cmd->op != NRELAY_OP_ADD)
		return 0;
	if (nrelay_addr_is_any(&cmd->backend)) {
		*why = "backend address must not be the wildcard";
		return -EINVAL;
	}
	if (cmd->proto != NRELAY_UDP)
		return 0;
	/* A UDP rule rewrites addresses within one family. */
	if (cmd->listen.family == AF_UNSPEC)
		cmd->listen.family = cmd->backend.family;
	if (cmd->listen.family != cmd->backend.family) {
		*why = "a UDP rule relays within one family";
		return -EINVAL;
	}
	return 0;
}

static bool nrelay_is_text(const char *buf)
{
	for (; *buf; buf++)
		if (!isprint(*buf) && *buf != '\t' && *buf != '\n')
			return false;
	return true;
}

/**
 * nrelay_cmd_parse - parse one command written to /proc/net/relay/rules
 * @buf: NUL-terminated command, optionally ending in a newline
 * @cmd: result
 * @why: on error, a static string saying what is wrong
 *
 * Return: 0, or -EINVAL / -EAFNOSUPPORT.
 */
int nrelay_cmd_parse(const char *buf, struct nrelay_cmd *cmd, const char **why)
{
	char words[NRELAY_MAX_WORDS][NRELAY_MAX_WORD];
	int n, err;

	memset(cmd, 0, sizeof(*cmd));
	*why = NULL;
	if (!nrelay_is_text(buf)) {
		*why = "command contains control or non-ASCII bytes";
		return -EINVAL;
	}
	n = nrelay_split(buf, words, NRELAY_MAX_WORDS, why);
	if (n < 0)
		return n;
	if (n == 0) {
		*why = "empty command";
		return -EINVAL;
	}

	if (!strcmp(words[0], "flush")) {
		if (n != 1) {
			*why = "flush takes no arguments";
			return -EINVAL;
		}
		cmd->op = NRELAY_OP_FLUSH;
		return 0;
	}
	if (!strcmp(words[0], "add")) {
		cmd->op = NRELAY_OP_ADD;
		if (n != 4) {
			*why = "usage: add tcp|udp [IP:]PORT BACKEND_IP:PORT";
			return -EINVAL;
		}
	} else if (!strcmp(words[0], "del")) {
		cmd->op = NRELAY_OP_DEL;
		if (n != 3) {
			*why = "usage: del tcp|udp [IP:]PORT";
			return -EINVAL;
		}
	} else {
		*why = "unknown command (add, del, flush)";
		return -EINVAL;
	}

	err = nrelay_proto_parse(words[1], &cmd->proto, why);
	if (err)
		return err;
	err = nrelay_endpoint_parse(words[2], true, &cmd->listen, why);
	if (err)
		return err;
	if (cmd->op == NRELAY_OP_DEL)
		return 0;

	err = nrelay_endpoint_parse(words[3], false, &cmd->backend, why);
	if (err)
		return err;
	return nrelay_cmd_check(cmd, why);
}

/**
 * nrelay_boot_rule_parse - parse one rule of the net_relay.rules= parameter
 * @s: "PROTO:[LISTEN:]PORT:BACKEND:BACKEND_PORT", IPv6 addresses in
 *     brackets as in /proc: "tcp:80:[2001:db8::2]:80"
 * @cmd: result, an add command
 * @why: on error, what is wrong
 *
 * Return: 0 or -EINVAL.
 */
int nrelay_boot_rule_parse(const char *s, struct nrelay_cmd *cmd,
			   const char **why)
{
	char line[4 * NRELAY_MAX_WORD];
	char cmdline[4 * NRELAY_MAX_WORD + 16];
	char *f[5];
	char *p;
	int n = 0;

	if (strscpy(line, s, sizeof(line)) < 0) {
		*why = "rule too long";
		return -EINVAL;
	}
	/* Fields end at a colon, except within an IPv6 address's brackets. */
	f[n++] = line;
	for (p = line; *p; p++) {
		if (*p == '[') {
			p += strcspn(p, "]");
			if (!*p)
				break;
		}
		if (*p != ':')
			continue;
		if (n == ARRAY_SIZE(f)) {
			n++;
			break;
		}
		*p = '\0';
		f[n++] = p + 1;
	}
	if (n > ARRAY_SIZE(f) || n < 4) {
		*why = "expected proto:[ip:]port:backend_ip:backend_port";
		return -EINVAL;
	}
	/* Rebuild the /proc form so that both inputs share one grammar. */
	if (n == 4)
		snprintf(cmdline, sizeof(cmdline), "add %s %s %s:%s",
			 f[0], f[1], f[2], f[3]);
	else
		snprintf(cmdline, sizeof(cmdline), "add %s %s:%s %s:%s",
			 f[0], f[1], f[2], f[3], f[4]);
	return nrelay_cmd_parse(cmdline, cmd, why);
}
