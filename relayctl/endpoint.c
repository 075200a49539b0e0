// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl: endpoints ([ADDR:]PORT) and protocols, in both directions:
 * from the command line and restore files to struct rk_ep and NRELAY_A_EP_*
 * nests, and from the kernel's nests to text as /proc/net/relay prints
 * them ("1.2.3.4:80", "[2001:db8::1]:80", "*:80").
 *
 * The syntax is the kernel's (/proc/net/relay/rules, net-relay/rule.c),
 * with the same words for what is wrong, so that a rule reads the same
 * wherever it is written. The parsers return NULL or that text.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/net_relay.h>

#include "endpoint.h"
#include "nl.h"
#include "relayctl.h"

/* Room for messages that quote the input; one at a time is enough. */
static char rk_why[512];

static const char *rk_whyf(const char *fmt, const char *word)
{
	snprintf(rk_why, sizeof(rk_why), fmt, word);
	return rk_why;
}

const char *rk_proto_parse(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return rk_whyf("protocol must be tcp or udp, not \"%s\"", s);
	return NULL;
}

const char *rk_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	}
	return "?";
}

/* Decimal digits only: no sign, no space, no base prefix. */
const char *rk_u32_parse(const char *s, uint32_t *v)
{
	unsigned long long n = 0;
	const char *p;

	if (!*s)
		return "empty number";
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return rk_whyf("\"%s\" is not a number", s);
		n = n * 10 + (*p - '0');
		if (n > UINT32_MAX)
			return rk_whyf("%s is too large (at most 4294967295)",
				       s);
	}
	*v = n;
	return NULL;
}

static const char *rk_port_parse(const char *s, uint16_t *port)
{
	uint32_t v;

	if (rk_u32_parse(s, &v) || v < 1 || v > 65535)
		return rk_whyf("bad port \"%s\" (expected 1-65535)", s);
	*port = v;
	return NULL;
}

/* The address part @host of "HOST:PORT", NUL-terminated. */
static const char *rk_host_parse(char *host, bool listen, struct rk_ep *ep)
{
	struct in6_addr v6;
	char *end;

	if (!strcmp(host, "*")) {
		if (!listen)
			return "backend address must not be the wildcard";
		ep->family = AF_UNSPEC;
		return NULL;
	}
	if (*host == '[') {
		end = strchr(host, ']');
		if (!end || end[1])
			return rk_whyf("expected [IPV6]:PORT, not \"%s\"",
				       host);
		*end = '\0';
		if (inet_pton(AF_INET6, host + 1, &ep->v6) != 1)
			return rk_whyf("bad IPv6 address \"%s\"", host + 1);
		ep->family = AF_INET6;
		return NULL;
	}
	if (inet_pton(AF_INET, host, &ep->v4) == 1) {
		ep->family = AF_INET;
		return NULL;
	}
	if (inet_pton(AF_INET6, host, &v6) == 1)
		return "IPv6 addresses go in brackets: [IPV6]:PORT";
	return rk_whyf("bad address \"%s\"", host);
}

/*
 * "IPV4:PORT", "[IPV6]:PORT" and, for a listen address, "PORT" or
 * "*:PORT" (every local address of both families). 0.0.0.0 and [::]
 * stay as they are: every address of one family. A backend must name
 * an address; whether it may be 0.0.0.0 or [::] (it may not) is the
 * kernel's to say, as for every other rule of what an address may be.
 */
const char *rk_ep_parse(const char *s, bool listen, struct rk_ep *ep)
{
	char host[RK_EP_STRLEN + 16];
	const char *colon = strrchr(s, ':');
	const char *why;
	size_t len;

	memset(ep, 0, sizeof(*ep));
	ep->family = AF_UNSPEC;
	if (!colon) {
		if (!listen)
			return rk_whyf("expected ADDRESS:PORT, not \"%s\"", s);
		return rk_port_parse(s, &ep->port);
	}
	len = colon - s;
	if (len >= sizeof(host))
		return rk_whyf("bad address in \"%s\"", s);
	memcpy(host, s, len);
	host[len] = '\0';
	/* An IPv6 address with its last group taken for a port. */
	if (host[0] != '[' && strchr(host, ':')) {
		struct in6_addr v6;

		if (inet_pton(AF_INET6, s, &v6) == 1 ||
		    inet_pton(AF_INET6, host, &v6) == 1)
			return "IPv6 addresses go in brackets: [IPV6]:PORT";
		return rk_whyf("bad address \"%s\"", host);
	}
	why = rk_host_parse(host, listen, ep);
	if (why)
		return why;
	return rk_port_parse(colon + 1, &ep->port);
}

/* No address, 0.0.0.0 or [::]. */
bool rk_ep_is_any(const struct rk_ep *ep)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	switch (ep->family) {
	case AF_INET:
		return ep->v4.s_addr == INADDR_ANY;
	case AF_INET6:
		return !memcmp(&ep->v6, &any6, sizeof(any6));
	}
	return true;
}

bool rk_ep_equal(const struct rk_ep *a, const struct rk_ep *b)
{
	if (a->family != b->family || a->port != b->port)
		return false;
	switch (a->family) {
	case AF_INET:
		return a->v4.s_addr == b->v4.s_addr;
	case AF_INET6:
		return !memcmp(&a->v6, &b->v6, sizeof(a->v6));
	}
	return true;
}

void rk_ep_format(const struct rk_ep *ep, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	switch (ep->family) {
	case AF_INET:
		inet_ntop(AF_INET, &ep->v4, addr, sizeof(addr));
		snprintf(buf, size, "%s:%u", addr, ep->port);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &ep->v6, addr, sizeof(addr));
		snprintf(buf, size, "[%s]:%u", addr, ep->port);
		break;
	default:
		snprintf(buf, size, "*:%u", ep->port);
	}
}

/* An NRELAY_A_EP_* nest: the address only if there is one. */
void rk_ep_put(struct nl_msg *m, uint16_t type, const struct rk_ep *ep)
{
	struct nlattr *nest = nl_nest_start(m, type);

	if (ep->family == AF_INET)
		nl_put(m, NRELAY_A_EP_ADDR4, sizeof(ep->v4), &ep->v4);
	else if (ep->family == AF_INET6)
		nl_put(m, NRELAY_A_EP_ADDR6, sizeof(ep->v6), &ep->v6);
	nl_put_u16(m, NRELAY_A_EP_PORT, ep->port);
	nl_nest_end(m, nest);
}

/* From a kernel's nest; a missing nest or address is "*", port 0. */
void rk_ep_get(const struct nlattr *nest, struct rk_ep *ep)
{
	const struct nlattr *tb[NRELAY_A_EP_MAX + 1];

	memset(ep, 0, sizeof(*ep));
	ep->family = AF_UNSPEC;
	nl_parse_nest(nest, tb, NRELAY_A_EP_MAX);
	if (tb[NRELAY_A_EP_ADDR4] &&
	    mnl_attr_get_payload_len(tb[NRELAY_A_EP_ADDR4]) == sizeof(ep->v4)) {
		memcpy(&ep->v4, mnl_attr_get_payload(tb[NRELAY_A_EP_ADDR4]),
		       sizeof(ep->v4));
		ep->family = AF_INET;
	} else if (tb[NRELAY_A_EP_ADDR6] &&
		   mnl_attr_get_payload_len(tb[NRELAY_A_EP_ADDR6]) ==
		   sizeof(ep->v6)) {
		memcpy(&ep->v6, mnl_attr_get_payload(tb[NRELAY_A_EP_ADDR6]),
		       sizeof(ep->v6));
		ep->family = AF_INET6;
	}
	ep->port = nl_uint(tb[NRELAY_A_EP_PORT]);
}

/* A kernel's nest as text, into @buf of RK_EP_STRLEN bytes or more. */
const char *rk_ep_text(const struct nlattr *nest, char *buf, size_t size)
{
	struct rk_ep ep;

	rk_ep_get(nest, &ep);
	rk_ep_format(&ep, buf, size);
	return buf;
}
