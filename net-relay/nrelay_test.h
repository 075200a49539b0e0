/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What net/relay's KUnit tests share: endpoints written as strings, and
 * the mapping cache for the suites that make mappings.
 */
#ifndef _NET_RELAY_NRELAY_TEST_H
#define _NET_RELAY_NRELAY_TEST_H

#include <kunit/test.h>
#include <linux/inet.h>

#include "nrelay.h"

static inline __be32 ip4(const char *s)
{
	__be32 a = 0;

	in4_pton(s, -1, (u8 *)&a, -1, NULL);
	return a;
}

static inline struct nrelay_addr nrelay_test_client(const char *ip, u16 port)
{
	struct nrelay_addr a = { .family = AF_INET, .port = htons(port) };

	a.ip = ip4(ip);
	return a;
}

static inline struct nrelay_addr nrelay_test_addr6(const char *s, u16 port)
{
	struct nrelay_addr a = { .family = AF_INET6, .port = htons(port) };

	in6_pton(s, -1, (u8 *)&a.ip6, -1, NULL);
	return a;
}

/* udp_table_test.c; the core suite uses them too. */
int nrelay_udp_table_suite_init(struct kunit_suite *suite);
void nrelay_udp_table_suite_exit(struct kunit_suite *suite);

#endif /* _NET_RELAY_NRELAY_TEST_H */
