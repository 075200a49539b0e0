// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the pure logic of net/relay: rule parsing, boot rules,
 * port allocation and the UDP mapping table.
 */

#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <net/ipv6.h>

#include "nrelay.h"

/* NRELAY_MAX_WORD of rule.c: words are shorter than this. */
#define NRELAY_TEST_WORD	64

static __be32 ip4(const char *s)
{
	__be32 a = 0;

	in4_pton(s, -1, (u8 *)&a, -1, NULL);
	return a;
}

static void nrelay_test_parse_add_tcp(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 80 198.51.100.2:8080\n",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_CMD_ADD);
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_TCP);
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), INADDR_ANY);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip), ntohl(ip4("198.51.100.2")));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 8080);
}

static void nrelay_test_parse_add_udp_addr(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("  add\tudp 192.0.2.1:53   198.51.100.2:5353 ",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_UDP);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), ntohl(ip4("192.0.2.1")));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 53);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 5353);
}

static void nrelay_test_parse_del_flush(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("del udp 53", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_CMD_DEL);
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 53);
	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("flush\n", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_CMD_FLUSH);
}

static void nrelay_test_parse_errors(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "   ", "add", "add tcp", "add tcp 80",
		"add tcp 80 198.51.100.2", "add tcp 0 198.51.100.2:80",
		"add tcp 65536 198.51.100.2:80", "add tcp 80 198.51.100.2:0",
		"add tcp -1 198.51.100.2:80", "add tcp +80 198.51.100.2:80",
		"add tcp 0x50 198.51.100.2:80", "add sctp 80 198.51.100.2:80",
		"add tcp 80 198.51.100.2:80 extra", "add tcp 80 0.0.0.0:80",
		"add tcp 80 198.51.100:80", "add tcp 80 198.51.100.256:80",
		"add tcp 1.2.3.4:80:90 198.51.100.2:80", "del tcp",
		"del tcp 80 198.51.100.2:80", "flush now", "ADD tcp 80 1.2.3.4:80",
		"add tcp 80 1.2.3.4:80\x01", "add tcp 80 1.2.3.4:\xff\xfe",
		"add tcp 80 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
	};
	struct nrelay_cmd cmd;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL,
				    nrelay_cmd_parse(bad[i], &cmd, &why),
				    "input \"%s\"", bad[i]);
		KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, why, "input \"%s\"",
						 bad[i]);
	}
}

static void nrelay_test_parse_ipv6(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_EXPECT_EQ(test, -EAFNOSUPPORT,
			nrelay_cmd_parse("add tcp [::1]:80 198.51.100.2:80",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, -EAFNOSUPPORT,
			nrelay_cmd_parse("add tcp 80 2001:db8::1:80",
					 &cmd, &why));
}

static void nrelay_test_boot_rules(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("tcp:80:198.51.100.2:80", &cmd,
					       &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_CMD_ADD);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip), ntohl(ip4("198.51.100.2")));

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("udp:192.0.2.1:53:198.51.100.2:53",
					       &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_UDP);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), ntohl(ip4("192.0.2.1")));

	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:80", &cmd, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:1:2:3:4:5:6", &cmd, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("icmp:80:1.2.3.4:80", &cmd,
					       &why));
}

static void nrelay_test_addr_print(struct kunit *test)
{
	struct nrelay_addr a = {
		.family = AF_INET, .ip = ip4("192.0.2.1"), .port = htons(53),
	};
	char buf[64];

	nrelay_addr_print(buf, sizeof(buf), &a);
	KUNIT_EXPECT_STREQ(test, buf, "192.0.2.1:53");
}

struct nrelay_test_ports {
	u16 lo, hi;
	unsigned long used[BITS_TO_LONGS(65536)];
};

static bool nrelay_test_taken(u16 port, void *arg)
{
	struct nrelay_test_ports *p = arg;

	return test_bit(port, p->used);
}

static void nrelay_test_port_pick(struct kunit *test)
{
	struct nrelay_test_ports *p = kunit_kzalloc(test, sizeof(*p),
						    GFP_KERNEL);
	u16 port;
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	/* The client's own port when it is free. */
	KUNIT_EXPECT_EQ(test, 5353,
			nrelay_port_pick(5353, 1024, 65535, 1,
					 nrelay_test_taken, p));
	/* Outside the range it is not used. */
	port = nrelay_port_pick(53, 1024, 65535, 1, nrelay_test_taken, p);
	KUNIT_EXPECT_GE(test, port, 1024);

	/* A taken preferred port gives another free one in range. */
	set_bit(2000, p->used);
	port = nrelay_port_pick(2000, 2000, 2010, 7, nrelay_test_taken, p);
	KUNIT_EXPECT_NE(test, port, 2000);
	KUNIT_EXPECT_GE(test, port, 2001);
	KUNIT_EXPECT_LE(test, port, 2010);

	/* A small range is searched whole: the last free port is found. */
	for (i = 2000; i <= 2010; i++)
		set_bit(i, p->used);
	clear_bit(2007, p->used);
	KUNIT_EXPECT_EQ(test, 2007,
			nrelay_port_pick(2000, 2000, 2010, 3,
					 nrelay_test_taken, p));
	/* A full range fails, and does not loop. */
	set_bit(2007, p->used);
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_port_pick(2000, 2000, 2010, 3,
					 nrelay_test_taken, p));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_port_pick(2000, 2000, 2000, 3,
					 nrelay_test_taken, p));
}

struct nrelay_test_table {
	struct nrelay_udp_table t;
	struct nrelay_rule rule;
	struct nrelay_addr service;
};

static struct nrelay_test_table *
nrelay_test_table_new_size(struct kunit *test, unsigned int buckets)
{
	struct nrelay_test_table *tt = kunit_kzalloc(test, sizeof(*tt),
						     GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tt);
	KUNIT_ASSERT_EQ(test, 0, nrelay_udp_table_init(&tt->t, buckets));
	tt->rule.proto = NRELAY_UDP;
	tt->rule.backend.family = AF_INET;
	tt->rule.backend.ip = ip4("198.51.100.2");
	tt->rule.backend.port = htons(53);
	tt->service.family = AF_INET;
	tt->service.ip = ip4("192.0.2.1");
	tt->service.port = htons(53);
	return tt;
}

static struct nrelay_test_table *nrelay_test_table_new(struct kunit *test)
{
	return nrelay_test_table_new_size(test, 64);
}

static void nrelay_test_table_del(struct nrelay_test_table *tt)
{
	nrelay_udp_table_free(&tt->t);
	/* The mappings go by RCU callbacks; let them run before the end. */
	rcu_barrier();
}

static struct nrelay_addr nrelay_test_client(const char *ip, u16 port)
{
	struct nrelay_addr a = { .family = AF_INET, .port = htons(port) };

	a.ip = ip4(ip);
	return a;
}

static void nrelay_test_table_insert_lookup(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr c1 = nrelay_test_client("192.0.2.10", 40000);
	struct nrelay_addr c2 = nrelay_test_client("192.0.2.11", 40000);
	struct nrelay_udp_map *m1, *m2, *again;
	int err = 0;

	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service, 0,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m1);
	/* The client's port is kept when free... */
	KUNIT_EXPECT_EQ(test, ntohs(m1->relay.port), 40000);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c2, &tt->service, 0,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m2);
	/* ...and two clients with the same port get different ones. */
	KUNIT_EXPECT_NE(test, ntohs(m1->relay.port), ntohs(m2->relay.port));
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 2);

	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, m1,
			    nrelay_udp_lookup_orig(&tt->t, &c1,
						   &tt->service));
	KUNIT_EXPECT_PTR_EQ(test, m2,
			    nrelay_udp_lookup_reply(&tt->t, &tt->rule.backend,
						    m2->relay.port));
	/* A reply from another port of the backend matches nothing. */
	{
		struct nrelay_addr other = tt->rule.backend;

		other.port = htons(54);
		KUNIT_EXPECT_NULL(test,
				  nrelay_udp_lookup_reply(&tt->t, &other,
							  m2->relay.port));
	}
	rcu_read_unlock();

	/* Creating an existing flow returns it. */
	again = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service, 0,
				      10, jiffies, &err);
	KUNIT_EXPECT_PTR_EQ(test, again, m1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 2);
	nrelay_test_table_del(tt);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 0);
}

/* One client port asking two services of one backend (two relay
 * addresses, or two rules): two flows, each on its own relay port.
 */
static void nrelay_test_table_two_services(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr c = nrelay_test_client("192.0.2.10", 40000);
	struct nrelay_addr s2 = tt->service;
	struct nrelay_udp_map *m1, *m2;
	int err = 0;

	s2.ip = ip4("192.0.2.2");
	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, 0,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m1);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &s2, 0, 10, jiffies,
				   &err);
	KUNIT_ASSERT_NOT_NULL(test, m2);
	KUNIT_EXPECT_PTR_NE(test, m1, m2);
	KUNIT_EXPECT_NE(test, ntohs(m1->relay.port), ntohs(m2->relay.port));
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, m1,
			    nrelay_udp_lookup_orig(&tt->t, &c, &tt->service));
	KUNIT_EXPECT_PTR_EQ(test, m2, nrelay_udp_lookup_orig(&tt->t, &c, &s2));
	KUNIT_EXPECT_PTR_EQ(test, m2,
			    nrelay_udp_lookup_reply(&tt->t, &tt->rule.backend,
						    m2->relay.port));
	rcu_read_unlock();
	nrelay_test_table_del(tt);
}

static bool nrelay_test_port_busy(struct nrelay_udp_table *t,
				  const struct nrelay_udp_map *m, __be16 port)
{
	return ntohs(port) == 40000;
}

/* The owner's port_busy is asked before a relay port is handed out, the
 * client's own port included, and sees the mapping's relay address.
 */
static void nrelay_test_table_port_busy(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr c = nrelay_test_client("192.0.2.10", 40000);
	struct nrelay_udp_map *m;
	int err = 0;

	tt->t.port_busy = nrelay_test_port_busy;
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service,
				  ip4("198.51.100.1"), 10, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_NE(test, ntohs(m->relay.port), 40000);
	KUNIT_EXPECT_EQ(test, ntohl(m->relay.ip), ntohl(ip4("198.51.100.1")));
	nrelay_test_table_del(tt);
}

static bool nrelay_test_sources_empty(struct nrelay_sources *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s->head); i++)
		if (!hlist_empty(&s->head[i]))
			return false;
	return true;
}

/* Flows are counted per address and protocol; the entry goes with the
 * address's last flow.
 */
static void nrelay_test_source_counts(struct kunit *test)
{
	struct nrelay_sources *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct nrelay_addr a1 = nrelay_test_client("192.0.2.10", 1000);
	struct nrelay_addr a2 = nrelay_test_client("192.0.2.10", 2000);
	struct nrelay_addr b = nrelay_test_client("192.0.2.11", 1000);
	struct nrelay_addr c = nrelay_test_client("192.0.2.12", 1000);
	struct nrelay_source *x, *y, *t, *o;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	nrelay_sources_init(s);
	x = nrelay_source_get(s, &a1, NRELAY_UDP, 2);
	y = nrelay_source_get(s, &a2, NRELAY_UDP, 2);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_EXPECT_PTR_EQ(test, x, y);
	/* A third flow of the address is refused, whatever its port... */
	KUNIT_EXPECT_NULL(test, nrelay_source_get(s, &a1, NRELAY_UDP, 2));
	/* ...but not one of the other protocol, nor another address's. */
	t = nrelay_source_get(s, &a1, NRELAY_TCP, 1);
	KUNIT_EXPECT_PTR_EQ(test, t, x);
	o = nrelay_source_get(s, &b, NRELAY_UDP, 2);
	KUNIT_ASSERT_NOT_NULL(test, o);
	KUNIT_EXPECT_PTR_NE(test, o, x);
	/* A refused new address leaves no entry behind (seen at the end). */
	KUNIT_EXPECT_NULL(test, nrelay_source_get(s, &c, NRELAY_TCP, 0));
	nrelay_source_put(s, o, NRELAY_UDP);
	nrelay_source_put(s, x, NRELAY_UDP);
	KUNIT_EXPECT_PTR_EQ(test, x, nrelay_source_get(s, &a1, NRELAY_UDP, 2));
	nrelay_source_put(s, x, NRELAY_UDP);
	nrelay_source_put(s, x, NRELAY_UDP);
	KUNIT_EXPECT_FALSE(test, nrelay_test_sources_empty(s));
	nrelay_source_put(s, t, NRELAY_TCP);
	KUNIT_EXPECT_TRUE(test, nrelay_test_sources_empty(s));
}

/* A table that counts per source refuses a client's mapping beyond its
 * share, and gives the share back when a mapping goes.
 */
static void nrelay_test_table_per_source(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_sources *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct nrelay_addr c = nrelay_test_client("192.0.2.10", 40000);
	struct nrelay_addr other = nrelay_test_client("192.0.2.11", 40000);
	static const int max = 2;
	int i, err = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	nrelay_sources_init(s);
	tt->t.sources = s;
	tt->t.max_per_source = &max;
	for (i = 0; i < max; i++) {
		c.port = htons(40000 + i);
		KUNIT_EXPECT_NOT_NULL(test,
				      nrelay_udp_map_create(&tt->t, &tt->rule,
							    &c, &tt->service, 0,
							    10, jiffies, &err));
	}
	c.port = htons(40100);
	KUNIT_EXPECT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						      &tt->service, 0, 10,
						      jiffies, &err));
	KUNIT_EXPECT_EQ(test, err, -EDQUOT);
	KUNIT_EXPECT_NOT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule,
							  &other, &tt->service,
							  0, 10, jiffies,
							  &err));
	KUNIT_EXPECT_EQ(test, 3U, nrelay_udp_flush(&tt->t, NULL));
	KUNIT_EXPECT_TRUE(test, nrelay_test_sources_empty(s));
	nrelay_test_table_del(tt);
}

static void nrelay_test_table_limit(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_udp_map *m[5], *young;
	struct nrelay_addr c;
	int i, err = 0;

	for (i = 0; i < 5; i++) {
		c = nrelay_test_client("192.0.2.10", 30000 + i);
		m[i] = nrelay_udp_map_create(&tt->t, &tt->rule, &c,
					     &tt->service, 0, 5, jiffies, &err);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}
	/* Full of flows that never saw a reply: one of them makes room. */
	c = nrelay_test_client("192.0.2.10", 31000);
	young = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, 0,
				      5, jiffies, &err);
	KUNIT_EXPECT_NOT_NULL(test, young);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.evicted), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 5);

	/* Full of answered flows: the new one is refused. */
	nrelay_udp_flush(&tt->t, NULL);
	for (i = 0; i < 5; i++) {
		c = nrelay_test_client("192.0.2.10", 30000 + i);
		m[i] = nrelay_udp_map_create(&tt->t, &tt->rule, &c,
					     &tt->service, 0, 5, jiffies, &err);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
		WRITE_ONCE(m[i]->replied, true);
	}
	c = nrelay_test_client("192.0.2.10", 31001);
	KUNIT_EXPECT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						      &tt->service, 0, 5, jiffies,
						      &err));
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 5);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.evicted), 1);
	nrelay_test_table_del(tt);
}

static void nrelay_test_table_expire(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr old = nrelay_test_client("192.0.2.10", 1111);
	struct nrelay_addr young = nrelay_test_client("192.0.2.10", 2222);
	unsigned long now = jiffies;
	int err = 0;

	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &old,
						    &tt->service, 0, 10,
						    now - 100 * HZ, &err));
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &young,
						    &tt->service, 0, 10, now,
						    &err));
	/* A full sweep drops the mapping idle for longer than 30 s only. */
	KUNIT_EXPECT_EQ(test, 1, nrelay_udp_expire(&tt->t, now, 30 * HZ, 30 * HZ, 64));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &old,
						       &tt->service));
	KUNIT_EXPECT_NOT_NULL(test,
			      nrelay_udp_lookup_orig(&tt->t, &young,
						     &tt->service));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 1);
	/* Later, the other one goes too. */
	KUNIT_EXPECT_EQ(test, 1,
			nrelay_udp_expire(&tt->t, now + 31 * HZ, 30 * HZ, 30 * HZ, 64));
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 0);
	nrelay_test_table_del(tt);
}

/* A mapping that never saw a reply goes after the shorter timeout. */
static void nrelay_test_table_expire_unreplied(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr asked = nrelay_test_client("192.0.2.10", 1111);
	struct nrelay_addr answered = nrelay_test_client("192.0.2.10", 2222);
	unsigned long now = jiffies;
	struct nrelay_udp_map *m;
	int err = 0;

	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &asked,
						    &tt->service, 0, 10, now,
						    &err));
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &answered, &tt->service,
				  0, 10, now, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	WRITE_ONCE(m->replied, true);
	KUNIT_EXPECT_EQ(test, 0U, nrelay_udp_expire(&tt->t, now + 4 * HZ,
						    30 * HZ, 5 * HZ, 64));
	KUNIT_EXPECT_EQ(test, 1U, nrelay_udp_expire(&tt->t, now + 6 * HZ,
						    30 * HZ, 5 * HZ, 64));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &asked,
						       &tt->service));
	KUNIT_EXPECT_PTR_EQ(test, m,
			    nrelay_udp_lookup_orig(&tt->t, &answered,
						   &tt->service));
	rcu_read_unlock();
	nrelay_test_table_del(tt);
}

static void nrelay_test_table_flush_rule(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_rule other = tt->rule;
	struct nrelay_addr c1 = nrelay_test_client("192.0.2.10", 1000);
	struct nrelay_addr c2 = nrelay_test_client("192.0.2.10", 1001);
	int err = 0;

	other.backend.port = htons(5353);
	atomic_set(&other.active, 0);
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &c1,
						    &tt->service, 0, 10, jiffies,
						    &err));
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &other, &c2,
						    &tt->service, 0, 10, jiffies,
						    &err));
	KUNIT_EXPECT_EQ(test, 1, nrelay_udp_flush(&tt->t, &other));
	KUNIT_EXPECT_EQ(test, atomic_read(&other.active), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 1);
	nrelay_test_table_del(tt);
}

/* Every syntax error names its cause: one input per branch of the parser. */
static void nrelay_test_parse_why(struct kunit *test)
{
	static const struct {
		const char *in;
		int err;
		const char *why;
	} cases[] = {
		{ "", -EINVAL, "empty command" },
		{ " \t\n", -EINVAL, "empty command" },
		{ "flush\x7f", -EINVAL,
		  "command contains control or non-ASCII bytes" },
		{ "add tcp 80 1.2.3.4:80 x y", -EINVAL, "too many words" },
		{ "add tcp 80 1234567890123456789012345678901234567890123456789012345678901.2:80",
		  -EINVAL, "word too long" },
		{ "flush now", -EINVAL, "flush takes no arguments" },
		{ "add tcp 80", -EINVAL,
		  "usage: add tcp|udp [IP:]PORT BACKEND_IP:PORT" },
		{ "add tcp 80 1.2.3.4:80 x", -EINVAL,
		  "usage: add tcp|udp [IP:]PORT BACKEND_IP:PORT" },
		{ "del udp", -EINVAL, "usage: del tcp|udp [IP:]PORT" },
		{ "del udp 53 1.2.3.4:53", -EINVAL,
		  "usage: del tcp|udp [IP:]PORT" },
		{ "list", -EINVAL, "unknown command (add, del, flush)" },
		{ "Flush", -EINVAL, "unknown command (add, del, flush)" },
		{ "add TCP 80 1.2.3.4:80", -EINVAL,
		  "protocol must be tcp or udp" },
		{ "del icmp 80", -EINVAL, "protocol must be tcp or udp" },
		{ "add tcp [::1]:80 1.2.3.4:80", -EAFNOSUPPORT,
		  "IPv6 addresses are not supported yet" },
		{ "add tcp 80 [2001:db8::1]:80", -EAFNOSUPPORT,
		  "IPv6 addresses are not supported yet" },
		{ "add udp 2001:db8::1:53 1.2.3.4:53", -EAFNOSUPPORT,
		  "IPv6 addresses are not supported yet" },
		{ "add tcp 80 1.2.3.4", -EINVAL, "expected ADDRESS:PORT" },
		{ "add tcp 80 backend", -EINVAL, "expected ADDRESS:PORT" },
		{ "add tcp 0 1.2.3.4:80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "add tcp http 1.2.3.4:80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "del tcp 80x", -EINVAL, "bad port (expected 1-65535)" },
		{ "add tcp 1.2.3.4:80:90 1.2.3.4:80", -EINVAL, "bad address" },
		{ "add tcp 80 1.2.3.4::80", -EINVAL, "bad address" },
		{ "add tcp 80 host:1:80", -EINVAL, "bad address" },
		{ "add tcp 1.2.3:80 1.2.3.4:80", -EINVAL, "bad IPv4 address" },
		{ "add tcp 1.2.3.4x:80 1.2.3.4:80", -EINVAL,
		  "bad IPv4 address" },
		{ "del tcp :80", -EINVAL, "bad IPv4 address" },
		{ "add tcp 80 host:80", -EINVAL, "bad IPv4 address" },
		{ "add tcp 1.2.3.4:0 1.2.3.4:80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "del tcp 1.2.3.4:", -EINVAL, "bad port (expected 1-65535)" },
		{ "add tcp 80 1.2.3.4:65536", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "add tcp 80 1.2.3.4:+80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "add udp 53 0.0.0.0:53", -EINVAL,
		  "backend address must not be the wildcard" },
	};
	struct nrelay_cmd cmd;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, cases[i].err,
				    nrelay_cmd_parse(cases[i].in, &cmd, &why),
				    "input \"%s\"", cases[i].in);
		KUNIT_ASSERT_NOT_NULL_MSG(test, why, "input \"%s\"",
					  cases[i].in);
		KUNIT_EXPECT_STREQ_MSG(test, why, cases[i].why,
				       "input \"%s\"", cases[i].in);
	}
}

/* Words of 63 bytes are the longest taken; the parser then judges them. */
static void nrelay_test_parse_word_length(struct kunit *test)
{
	char buf[128], word[NRELAY_TEST_WORD + 2];
	struct nrelay_cmd cmd;
	const char *why;

	memset(word, '1', sizeof(word));
	word[NRELAY_TEST_WORD - 1] = '\0';
	snprintf(buf, sizeof(buf), "del tcp %s", word);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_cmd_parse(buf, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "bad port (expected 1-65535)");

	memset(word, '1', sizeof(word));
	word[NRELAY_TEST_WORD] = '\0';
	snprintf(buf, sizeof(buf), "del tcp %s", word);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_cmd_parse(buf, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "word too long");

	/* Five words are read; the sixth is refused before its length. */
	snprintf(buf, sizeof(buf), "a b c d e %s", word);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_cmd_parse(buf, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "too many words");
}

static void nrelay_test_parse_ports(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add udp 1 198.51.100.2:65535",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 1);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 65535);
	KUNIT_EXPECT_EQ(test, cmd.backend.family, AF_INET);

	/* Leading zeros are still decimal, not octal. */
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 010 198.51.100.2:0080",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 10);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 80);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("del tcp 65535\n", &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 65535);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), INADDR_ANY);
}

static void nrelay_test_parse_listen_forms(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	/* The wildcard may be written out for the listen side. */
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 0.0.0.0:80 198.51.100.2:80",
					 &cmd, &why));
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&cmd.listen));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_NULL(test, why);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add udp 255.255.255.255:53 10.0.0.1:53",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip), 0x0a000001U);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("del udp 192.0.2.1:53", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_CMD_DEL);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), ntohl(ip4("192.0.2.1")));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 53);

	/* A successful parse leaves no stale fields of an earlier one. */
	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("\tflush\t\n", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_CMD_FLUSH);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 0);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), INADDR_ANY);
}

static void nrelay_test_boot_rule_errors(struct kunit *test)
{
	char *longrule = kunit_kzalloc(test, 300, GFP_KERNEL);
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, longrule);
	memset(longrule, '1', 299);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse(longrule, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "rule too long");

	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("", &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why,
			   "expected proto:[ip:]port:backend_ip:backend_port");
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("udp:1:2:3:4:5", &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why,
			   "expected proto:[ip:]port:backend_ip:backend_port");
	/* The fields go through the /proc grammar and its messages. */
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:0:198.51.100.2:80", &cmd,
					       &why));
	KUNIT_EXPECT_STREQ(test, why, "bad port (expected 1-65535)");
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("udp:53:0.0.0.0:53", &cmd,
					       &why));
	KUNIT_EXPECT_STREQ(test, why,
			   "backend address must not be the wildcard");
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:1.2.3:80:198.51.100.2:80",
					       &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "bad IPv4 address");

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("udp:192.0.2.1:5353:198.51.100.2:53",
					       &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 5353);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 53);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip),
			ntohl(ip4("198.51.100.2")));
}

static struct nrelay_addr nrelay_test_addr6(const char *s, u16 port)
{
	struct nrelay_addr a = { .family = AF_INET6, .port = htons(port) };

	in6_pton(s, -1, (u8 *)&a.ip6, -1, NULL);
	return a;
}

static void nrelay_test_addr_equal(struct kunit *test)
{
	struct nrelay_addr a = nrelay_test_client("192.0.2.1", 53);
	struct nrelay_addr b = a;
	struct nrelay_addr a6 = nrelay_test_addr6("2001:db8::1", 53);
	struct nrelay_addr b6 = a6;
	struct nrelay_addr any6 = nrelay_test_addr6("::", 53);

	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&a, &b));
	b.port = htons(54);
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a, &b));
	b = nrelay_test_client("192.0.2.2", 53);
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a, &b));

	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&a6, &b6));
	b6.ip6.s6_addr[15] = 2;
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a6, &b6));
	/* Same bits in another family are another address. */
	b = a;
	b.family = AF_INET6;
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a, &b));

	KUNIT_EXPECT_FALSE(test, nrelay_addr_is_any(&a));
	KUNIT_EXPECT_FALSE(test, nrelay_addr_is_any(&a6));
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&any6));
	a.ip = 0;
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&a));

	KUNIT_EXPECT_STREQ(test, nrelay_proto_name(NRELAY_TCP), "tcp");
	KUNIT_EXPECT_STREQ(test, nrelay_proto_name(NRELAY_UDP), "udp");
}

static void nrelay_test_addr_sockaddr(struct kunit *test)
{
	struct nrelay_addr a = nrelay_test_client("198.51.100.2", 8080);
	struct nrelay_addr a6 = nrelay_test_addr6("2001:db8::2", 443);
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct nrelay_addr back;

	KUNIT_EXPECT_EQ(test, (int)sizeof(*sin),
			nrelay_addr_to_sockaddr(&a, &ss));
	KUNIT_EXPECT_EQ(test, sin->sin_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohs(sin->sin_port), 8080);
	KUNIT_EXPECT_EQ(test, ntohl(sin->sin_addr.s_addr),
			ntohl(ip4("198.51.100.2")));
	memset(&back, 0xff, sizeof(back));
	nrelay_addr_from_sockaddr(&back, &ss);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&back, &a));

	KUNIT_EXPECT_EQ(test, (int)sizeof(*sin6),
			nrelay_addr_to_sockaddr(&a6, &ss));
	KUNIT_EXPECT_EQ(test, sin6->sin6_family, AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(sin6->sin6_port), 443);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&sin6->sin6_addr, &a6.ip6));
	KUNIT_EXPECT_EQ(test, ntohl(sin6->sin6_flowinfo), 0U);
	KUNIT_EXPECT_EQ(test, sin6->sin6_scope_id, 0);
	memset(&back, 0xff, sizeof(back));
	nrelay_addr_from_sockaddr(&back, &ss);
	KUNIT_EXPECT_EQ(test, back.family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&back, &a6));
}

static void nrelay_test_addr_print6(struct kunit *test)
{
	struct nrelay_addr a6 = nrelay_test_addr6("2001:db8:0:0:0:0:0:1", 443);
	struct nrelay_addr a = nrelay_test_client("255.255.255.255", 65535);
	char buf[64];

	KUNIT_EXPECT_EQ(test, 17, nrelay_addr_print(buf, sizeof(buf), &a6));
	KUNIT_EXPECT_STREQ(test, buf, "[2001:db8::1]:443");
	KUNIT_EXPECT_EQ(test, 21, nrelay_addr_print(buf, sizeof(buf), &a));
	KUNIT_EXPECT_STREQ(test, buf, "255.255.255.255:65535");
	/* A short buffer is cut, not overrun. */
	KUNIT_EXPECT_EQ(test, 7, nrelay_addr_print(buf, 8, &a));
	KUNIT_EXPECT_STREQ(test, buf, "255.255");
}

static void nrelay_test_table_init_args(struct kunit *test)
{
	struct nrelay_udp_table *t = kunit_kzalloc(test, sizeof(*t),
						   GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_udp_table_init(t, 0));
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_udp_table_init(t, 3));
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_udp_table_init(t, 4097));
	KUNIT_ASSERT_EQ(test, 0, nrelay_udp_table_init(t, 4096));
	KUNIT_EXPECT_EQ(test, t->mask, 4095U);
	KUNIT_EXPECT_EQ(test, t->gc_next, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->count), 0);
	/* An empty table frees without a flush to do. */
	KUNIT_EXPECT_EQ(test, 0U, nrelay_udp_flush(t, NULL));
	nrelay_udp_table_free(t);
	KUNIT_EXPECT_NULL(test, t->orig);
	KUNIT_EXPECT_NULL(test, t->reply);
}

/* With one bucket every key collides: lookups must compare whole keys. */
static void nrelay_test_table_one_bucket(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new_size(test, 1);
	struct nrelay_addr c[3] = {
		nrelay_test_client("192.0.2.10", 4000),
		nrelay_test_client("192.0.2.10", 4001),
		nrelay_test_client("192.0.2.11", 4000),
	};
	struct nrelay_addr stranger = nrelay_test_client("192.0.2.12", 4000);
	struct nrelay_udp_map *m[3];
	int i, err = 0;

	for (i = 0; i < 3; i++) {
		m[i] = nrelay_udp_map_create(&tt->t, &tt->rule, &c[i],
					     &tt->service, 0, 10, jiffies, &err);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}
	/* The third client's port is taken towards this backend. */
	KUNIT_EXPECT_EQ(test, ntohs(m[0]->relay.port), 4000);
	KUNIT_EXPECT_EQ(test, ntohs(m[1]->relay.port), 4001);
	KUNIT_EXPECT_NE(test, ntohs(m[2]->relay.port), 4000);
	KUNIT_EXPECT_NE(test, ntohs(m[2]->relay.port), 4001);
	KUNIT_EXPECT_GE(test, ntohs(m[2]->relay.port), NRELAY_UDP_PORT_MIN);

	rcu_read_lock();
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, m[i],
				    nrelay_udp_lookup_orig(&tt->t, &c[i],
							   &tt->service));
		KUNIT_EXPECT_PTR_EQ(test, m[i],
				    nrelay_udp_lookup_reply(&tt->t,
							    &tt->rule.backend,
							    m[i]->relay.port));
	}
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &stranger,
						       &tt->service));
	/* The right client towards another service is another flow. */
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &c[0],
						       &tt->rule.backend));
	/* Ports below the relay's range are never handed out. */
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_reply(&tt->t,
							&tt->rule.backend,
							htons(1023)));
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, atomic64_read(&tt->rule.total), 3);
	KUNIT_EXPECT_EQ(test, m[1]->created, m[1]->last_used);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&m[1]->service,
						  &tt->service));
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&m[1]->client, &c[1]));
	KUNIT_EXPECT_PTR_EQ(test, m[1]->rule, &tt->rule);
	nrelay_test_table_del(tt);
}

static void nrelay_test_table_ipv6(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr c1 = nrelay_test_addr6("2001:db8::10", 40000);
	struct nrelay_addr c2 = nrelay_test_addr6("2001:db8::11", 40000);
	struct nrelay_addr v4;
	struct nrelay_udp_map *m1, *m2;
	int err = 0;

	tt->rule.backend = nrelay_test_addr6("2001:db8:1::2", 53);
	tt->service = nrelay_test_addr6("2001:db8::1", 53);
	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service, 0,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m1);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c2, &tt->service, 0,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m2);
	KUNIT_EXPECT_EQ(test, m1->relay.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(m1->relay.port), 40000);
	KUNIT_EXPECT_NE(test, ntohs(m2->relay.port), 40000);

	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, m1,
			    nrelay_udp_lookup_orig(&tt->t, &c1,
						   &tt->service));
	KUNIT_EXPECT_PTR_EQ(test, m2,
			    nrelay_udp_lookup_orig(&tt->t, &c2,
						   &tt->service));
	KUNIT_EXPECT_PTR_EQ(test, m2,
			    nrelay_udp_lookup_reply(&tt->t, &tt->rule.backend,
						    m2->relay.port));
	/* The same bits as IPv4 are not the IPv6 backend. */
	v4 = tt->rule.backend;
	v4.family = AF_INET;
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_reply(&tt->t, &v4,
							m1->relay.port));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, 2U, nrelay_udp_flush(&tt->t, &tt->rule));
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 0);
	nrelay_test_table_del(tt);
}

/* Every relay port towards one backend in use: the next flow fails. */
static void nrelay_test_table_ports_exhausted(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new_size(test, 16384);
	unsigned int ports = NRELAY_UDP_PORT_MAX - NRELAY_UDP_PORT_MIN + 1;
	struct nrelay_rule *other = kunit_kzalloc(test, sizeof(*other),
						  GFP_KERNEL);
	unsigned int p, wrong = 0;
	struct nrelay_udp_map *m;
	struct nrelay_addr c;
	int err = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	*other = tt->rule;
	other->backend.port = htons(5353);
	for (p = NRELAY_UDP_PORT_MIN; p <= NRELAY_UDP_PORT_MAX; p++) {
		c = nrelay_test_client("192.0.2.10", p);
		m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, 0,
					  ports + 1, jiffies, &err);
		if (!m || ntohs(m->relay.port) != p)
			wrong++;
		else
			WRITE_ONCE(m->replied, true);
	}
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), (int)ports);

	c = nrelay_test_client("192.0.2.11", 5353);
	err = 0;
	KUNIT_EXPECT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						      &tt->service, 0, ports + 1,
						      jiffies, &err));
	KUNIT_EXPECT_EQ(test, err, -EADDRNOTAVAIL);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), (int)ports);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), (int)ports);

	/* Relay ports are per backend: another one still has them all. */
	m = nrelay_udp_map_create(&tt->t, other, &c, &tt->service, 0, ports + 1,
				  jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, ntohs(m->relay.port), 5353);

	/* One flow expires: its relay port is free again. */
	KUNIT_EXPECT_EQ(test, 1U, nrelay_udp_flush(&tt->t, other));
	c = nrelay_test_client("192.0.2.10", 20000);
	rcu_read_lock();
	m = nrelay_udp_lookup_orig(&tt->t, &c, &tt->service);
	rcu_read_unlock();
	KUNIT_ASSERT_NOT_NULL(test, m);
	WRITE_ONCE(m->last_used, jiffies - 10000 * HZ);
	KUNIT_EXPECT_EQ(test, 1U, nrelay_udp_expire(&tt->t, jiffies,
						    3000 * HZ, 3000 * HZ, 16384));
	c = nrelay_test_client("192.0.2.11", 20000);
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, 0,
				  ports + 1, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, ntohs(m->relay.port), 20000);

	/* No port free, but a flow that never saw a reply gives up its own. */
	for (p = 0; p <= tt->t.mask; p++)
		hlist_for_each_entry(m, &tt->t.orig[p], orig_node)
			WRITE_ONCE(m->replied, false);
	c = nrelay_test_client("192.0.2.12", 20000);
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, 0,
				  ports + 1, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.evicted), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), (int)ports);
	nrelay_test_table_del(tt);
}

struct nrelay_test_calls {
	unsigned int calls;
	u16 lo, hi;
	bool in_range;
};

static bool nrelay_test_all_taken(u16 port, void *arg)
{
	struct nrelay_test_calls *q = arg;

	q->calls++;
	if (port < q->lo || port > q->hi)
		q->in_range = false;
	return true;
}

/* A full large range is given up after a bounded number of tries. */
static void nrelay_test_port_pick_bounded(struct kunit *test)
{
	struct nrelay_test_calls q = {
		.lo = NRELAY_UDP_PORT_MIN, .hi = NRELAY_UDP_PORT_MAX,
		.in_range = true,
	};

	KUNIT_EXPECT_EQ(test, 0,
			nrelay_port_pick(5000, q.lo, q.hi, 42,
					 nrelay_test_all_taken, &q));
	/* The preferred port, then rounds of 128, 64, 32 and 16. */
	KUNIT_EXPECT_EQ(test, q.calls, 1U + 128 + 64 + 32 + 16);
	KUNIT_EXPECT_TRUE(test, q.in_range);

	q.calls = 0;
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_port_pick(80, q.lo, q.hi, 7,
					 nrelay_test_all_taken, &q));
	KUNIT_EXPECT_EQ(test, q.calls, 128U + 64 + 32 + 16);

	/* A range of 100 is searched once, whole. */
	q.calls = 0;
	q.lo = 3000;
	q.hi = 3099;
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_port_pick(3050, q.lo, q.hi, 7,
					 nrelay_test_all_taken, &q));
	KUNIT_EXPECT_EQ(test, q.calls, 101U);
	KUNIT_EXPECT_TRUE(test, q.in_range);
}

static void nrelay_test_table_expire_slices(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	unsigned long now = jiffies;
	struct nrelay_addr edge = nrelay_test_client("192.0.2.11", 1);
	struct nrelay_addr past = nrelay_test_client("192.0.2.11", 2);
	struct nrelay_udp_map *m;
	unsigned int n = 0;
	struct nrelay_addr c;
	int i, err = 0;

	for (i = 0; i < 8; i++) {
		c = nrelay_test_client("192.0.2.10", 3000 + i);
		KUNIT_ASSERT_NOT_NULL(test,
				      nrelay_udp_map_create(&tt->t, &tt->rule,
							    &c, &tt->service, 0,
							    64, now - 100 * HZ,
							    &err));
	}
	/* An empty slice drops nothing and does not move. */
	KUNIT_EXPECT_EQ(test, 0U, nrelay_udp_expire(&tt->t, now, 30 * HZ, 30 * HZ, 0));
	KUNIT_EXPECT_EQ(test, tt->t.gc_next, 0U);
	/* Slices go on from where the last one ended. */
	KUNIT_EXPECT_EQ(test, 0U, nrelay_udp_expire(&tt->t, now - 80 * HZ,
						    30 * HZ, 30 * HZ, 10));
	KUNIT_EXPECT_EQ(test, tt->t.gc_next, 10U);
	for (i = 0; i < 4; i++)
		n += nrelay_udp_expire(&tt->t, now, 30 * HZ, 30 * HZ, 16);
	KUNIT_EXPECT_EQ(test, tt->t.gc_next, 10U);
	KUNIT_EXPECT_EQ(test, n, 8U);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 0);

	/* A mapping idle for exactly the timeout stays; one jiffy more, not. */
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &edge,
						    &tt->service, 0, 64,
						    now - 30 * HZ, &err));
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &past, &tt->service, 0, 64,
				  now - 30 * HZ - 1, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	/* A slice longer than the table is one whole sweep. */
	KUNIT_EXPECT_EQ(test, 1U,
			nrelay_udp_expire(&tt->t, now, 30 * HZ, 30 * HZ, 1000));
	KUNIT_EXPECT_EQ(test, tt->t.gc_next, 10U);
	rcu_read_lock();
	KUNIT_EXPECT_NOT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &edge,
							   &tt->service));
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &past,
						       &tt->service));
	rcu_read_unlock();
	/* Use renews a mapping. */
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &edge, &tt->service, 0, 64,
				  now, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	WRITE_ONCE(m->last_used, now + 10 * HZ);
	KUNIT_EXPECT_EQ(test, 0U,
			nrelay_udp_expire(&tt->t, now + 35 * HZ, 30 * HZ, 30 * HZ, 64));
	KUNIT_EXPECT_EQ(test, 1U,
			nrelay_udp_expire(&tt->t, now + 41 * HZ, 30 * HZ, 30 * HZ, 64));
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 0);
	nrelay_test_table_del(tt);
}

static void nrelay_test_table_flush_all(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_rule *other = kunit_kzalloc(test, sizeof(*other),
						  GFP_KERNEL);
	struct nrelay_addr c;
	int i, err = 0;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, other);
	*other = tt->rule;
	other->backend.port = htons(5353);
	for (i = 0; i < 6; i++) {
		c = nrelay_test_client("192.0.2.10", 7000 + i);
		KUNIT_ASSERT_NOT_NULL(test,
				      nrelay_udp_map_create(&tt->t,
							    i & 1 ? other :
							    &tt->rule,
							    &c, &tt->service, 0,
							    64, jiffies, &err));
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&other->active), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 3);
	KUNIT_EXPECT_EQ(test, 6U, nrelay_udp_flush(&tt->t, NULL));
	KUNIT_EXPECT_EQ(test, 0U, nrelay_udp_flush(&tt->t, NULL));
	KUNIT_EXPECT_EQ(test, 0U, nrelay_udp_flush(&tt->t, other));
	KUNIT_EXPECT_EQ(test, atomic_read(&other->active), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 0);
	/* Totals count mappings ever made. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&other->total), 3);
	nrelay_test_table_del(tt);
}

/* A stopped namespace relay without a namespace: enough for the rule set. */
static struct nrelay_net *nrelay_test_rn_new(struct kunit *test)
{
	struct nrelay_net *rn = kunit_kzalloc(test, sizeof(*rn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, rn);
	mutex_init(&rn->lock);
	INIT_LIST_HEAD(&rn->rules);
	nrelay_tcp_net_init(rn);
	nrelay_sources_init(&rn->sources);
	nrelay_udp_net_init(rn);
	KUNIT_ASSERT_EQ(test, 0, nrelay_udp_table_setup(rn));
	rn->udp_timeout = 30;
	rn->udp_max_per_source = 64;
	rn->udp_unreplied_timeout = 5;
	rn->max_rules = 64;
	return rn;
}

static void nrelay_test_rn_del(struct kunit *test, struct nrelay_net *rn)
{
	struct nrelay_cmd flush = { .op = NRELAY_CMD_FLUSH };

	KUNIT_EXPECT_EQ(test, 0, nrelay_exec(rn, &flush));
	KUNIT_EXPECT_TRUE(test, list_empty(&rn->rules));
	nrelay_udp_net_exit(rn);
	rcu_barrier();
}

static int nrelay_test_exec(struct kunit *test, struct nrelay_net *rn,
			    const char *s)
{
	struct nrelay_cmd cmd;
	const char *why;
	int err;

	err = nrelay_cmd_parse(s, &cmd, &why);
	KUNIT_EXPECT_EQ_MSG(test, 0, err, "input \"%s\"", s);
	if (err)
		return err;
	return nrelay_exec(rn, &cmd);
}

static struct nrelay_rule *nrelay_test_rule_nth(struct nrelay_net *rn, int n)
{
	struct nrelay_rule *r;

	list_for_each_entry(r, &rn->rules, node)
		if (!n--)
			return r;
	return NULL;
}

static void nrelay_test_exec_add_del(struct kunit *test)
{
	struct nrelay_net *rn = nrelay_test_rn_new(test);
	struct nrelay_rule *r;

	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add udp 53 198.51.100.2:53"));
	KUNIT_EXPECT_EQ(test, -EEXIST,
			nrelay_test_exec(test, rn, "add udp 53 198.51.100.3:53"));
	/* A wildcard rule clashes with any address on its port... */
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			nrelay_test_exec(test, rn,
					 "add udp 192.0.2.1:53 198.51.100.2:53"));
	/* ...of its own protocol only. */
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp 53 198.51.100.2:53"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn,
					 "add udp 192.0.2.1:54 198.51.100.2:53"));
	/* Two addresses on one port are two services. */
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn,
					 "add udp 192.0.2.2:54 198.51.100.4:53"));
	KUNIT_EXPECT_EQ(test, -EEXIST,
			nrelay_test_exec(test, rn,
					 "add udp 192.0.2.2:54 198.51.100.2:53"));
	/* A wildcard after addresses clashes too. */
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			nrelay_test_exec(test, rn, "add udp 54 198.51.100.2:53"));
	KUNIT_EXPECT_EQ(test, (int)list_count_nodes(&rn->rules), 4);

	/* Rules keep the order they were added in, and what they said. */
	r = nrelay_test_rule_nth(rn, 3);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->proto, NRELAY_UDP);
	KUNIT_EXPECT_PTR_EQ(test, r->rn, rn);
	KUNIT_EXPECT_EQ(test, ntohl(r->listen.ip), ntohl(ip4("192.0.2.2")));
	KUNIT_EXPECT_EQ(test, ntohl(r->backend.ip),
			ntohl(ip4("198.51.100.4")));
	KUNIT_EXPECT_NULL(test, r->lsock);
	r = nrelay_test_rule_nth(rn, 1);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->proto, NRELAY_TCP);

	KUNIT_EXPECT_EQ(test, -ENOENT, nrelay_test_exec(test, rn, "del udp 55"));
	/* Deletion names a rule exactly: no wildcard match. */
	KUNIT_EXPECT_EQ(test, -ENOENT, nrelay_test_exec(test, rn, "del udp 54"));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			nrelay_test_exec(test, rn, "del tcp 192.0.2.1:54"));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			nrelay_test_exec(test, rn, "del udp 192.0.2.1:53"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "del udp 192.0.2.1:54"));
	KUNIT_EXPECT_EQ(test, -ENOENT,
			nrelay_test_exec(test, rn, "del udp 192.0.2.1:54"));
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "del tcp 53"));
	KUNIT_EXPECT_EQ(test, (int)list_count_nodes(&rn->rules), 2);
	/* The port of a deleted wildcard rule is free for an address. */
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn,
					 "add tcp 192.0.2.1:53 198.51.100.2:53"));
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "flush"));
	KUNIT_EXPECT_TRUE(test, list_empty(&rn->rules));
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "flush"));
	nrelay_test_rn_del(test, rn);
}

/* Deleting a UDP rule drops its mappings and no others. */
static void nrelay_test_exec_del_udp_maps(struct kunit *test)
{
	struct nrelay_net *rn = nrelay_test_rn_new(test);
	struct nrelay_addr service = nrelay_test_client("192.0.2.1", 53);
	struct nrelay_addr c;
	struct nrelay_rule *r[2];
	int i, err = 0;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add udp 53 198.51.100.2:53"));
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add udp 54 198.51.100.2:54"));
	r[0] = nrelay_test_rule_nth(rn, 0);
	r[1] = nrelay_test_rule_nth(rn, 1);
	KUNIT_ASSERT_NOT_NULL(test, r[0]);
	KUNIT_ASSERT_NOT_NULL(test, r[1]);
	for (i = 0; i < 5; i++) {
		c = nrelay_test_client("192.0.2.10", 9000 + i);
		KUNIT_ASSERT_NOT_NULL(test,
				      nrelay_udp_map_create(&rn->udp,
							    r[i < 3 ? 0 : 1],
							    &c, &service, 0,
							    64, jiffies, &err));
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&r[0]->active), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&r[1]->active), 2);
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "del udp 53"));
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->udp.count), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&r[1]->active), 2);
	KUNIT_EXPECT_PTR_EQ(test, nrelay_test_rule_nth(rn, 0), r[1]);
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "flush"));
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->udp.count), 0);
	nrelay_test_rn_del(test, rn);
}

/* max_rules bounds the rule set; a refused add changes nothing. */
static void nrelay_test_exec_max_rules(struct kunit *test)
{
	struct nrelay_net *rn = nrelay_test_rn_new(test);

	rn->max_rules = 2;
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add udp 53 198.51.100.2:53"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp 80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, -ENOSPC,
			nrelay_test_exec(test, rn, "add tcp 81 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, 2, rn->nrules[NRELAY_TCP] + rn->nrules[NRELAY_UDP]);
	KUNIT_EXPECT_NULL(test, nrelay_test_rule_nth(rn, 2));
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "del udp 53"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp 81 198.51.100.2:80"));
	nrelay_test_rn_del(test, rn);
	KUNIT_EXPECT_EQ(test, 0, rn->nrules[NRELAY_TCP] + rn->nrules[NRELAY_UDP]);
}

/* Start and stop are idempotent; neither touches a relay in that state. */
static void nrelay_test_start_stop_idempotent(struct kunit *test)
{
	struct nrelay_net *rn = nrelay_test_rn_new(test);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp 80 198.51.100.2:80"));
	nrelay_stop(rn);
	KUNIT_EXPECT_FALSE(test, rn->running);
	KUNIT_EXPECT_NULL(test, rn->udp_hooks);
	KUNIT_EXPECT_NULL(test, nrelay_test_rule_nth(rn, 0)->lsock);

	rn->running = true;
	KUNIT_EXPECT_EQ(test, 0, nrelay_start(rn));
	KUNIT_EXPECT_TRUE(test, rn->running);
	KUNIT_EXPECT_NULL(test, rn->udp_hooks);
	KUNIT_EXPECT_NULL(test, nrelay_test_rule_nth(rn, 0)->lsock);
	rn->running = false;
	nrelay_test_rn_del(test, rn);
}

static void nrelay_test_seq_show(struct kunit *test)
{
	struct nrelay_net *rn = nrelay_test_rn_new(test);
	struct nrelay_addr service = nrelay_test_client("192.0.2.1", 53);
	struct nrelay_addr c = nrelay_test_client("192.0.2.10", 40000);
	struct seq_file seq = { .size = 256 };
	struct nrelay_udp_map *m;
	unsigned int bucket = 0;
	int err = 0;

	seq.buf = kunit_kzalloc(test, seq.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, seq.buf);
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add udp 53 198.51.100.2:53"));

	/* Nothing to show: the walks end at once. */
	KUNIT_EXPECT_NULL(test, nrelay_tcp_seq_next(rn, NULL));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, nrelay_udp_seq_next(rn, NULL, &bucket));
	rcu_read_unlock();

	m = nrelay_udp_map_create(&rn->udp, nrelay_test_rule_nth(rn, 0), &c,
				  &service, 0, 64, jiffies - HZ / 2, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->relay.ip = ip4("198.51.100.1");
	bucket = 0;
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, m, nrelay_udp_seq_next(rn, NULL, &bucket));
	KUNIT_EXPECT_NULL(test, nrelay_udp_seq_next(rn, m, &bucket));
	rcu_read_unlock();
	atomic64_set(&m->bytes[NRELAY_UP], 100);
	nrelay_udp_seq_show(&seq, rn, m);
	KUNIT_EXPECT_STREQ(test, seq.buf,
			   "udp 192.0.2.10:40000 198.51.100.1:40000 198.51.100.2:53 unreplied up=100 down=0 age=0 expires=4\n");

	/* Answered: the longer timeout. */
	atomic64_set(&m->bytes[NRELAY_DOWN], 2000);
	WRITE_ONCE(m->replied, true);
	seq.count = 0;
	nrelay_udp_seq_show(&seq, rn, m);
	KUNIT_EXPECT_STREQ(test, seq.buf,
			   "udp 192.0.2.10:40000 198.51.100.1:40000 198.51.100.2:53 replied up=100 down=2000 age=0 expires=29\n");

	/* Idle past the timeout: expires shows 0, not a wrapped number. */
	m->created = jiffies - 100 * HZ;
	WRITE_ONCE(m->last_used, m->created);
	seq.count = 0;
	nrelay_udp_seq_show(&seq, rn, m);
	KUNIT_EXPECT_STREQ(test, seq.buf,
			   "udp 192.0.2.10:40000 198.51.100.1:40000 198.51.100.2:53 replied up=100 down=2000 age=100 expires=0\n");
	nrelay_test_rn_del(test, rn);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->udp.count), 0);
}

static struct kunit_case nrelay_rule_cases[] = {
	KUNIT_CASE(nrelay_test_parse_add_tcp),
	KUNIT_CASE(nrelay_test_parse_add_udp_addr),
	KUNIT_CASE(nrelay_test_parse_del_flush),
	KUNIT_CASE(nrelay_test_parse_errors),
	KUNIT_CASE(nrelay_test_parse_ipv6),
	KUNIT_CASE(nrelay_test_boot_rules),
	KUNIT_CASE(nrelay_test_addr_print),
	KUNIT_CASE(nrelay_test_parse_why),
	KUNIT_CASE(nrelay_test_parse_word_length),
	KUNIT_CASE(nrelay_test_parse_ports),
	KUNIT_CASE(nrelay_test_parse_listen_forms),
	KUNIT_CASE(nrelay_test_boot_rule_errors),
	KUNIT_CASE(nrelay_test_addr_equal),
	KUNIT_CASE(nrelay_test_addr_sockaddr),
	KUNIT_CASE(nrelay_test_addr_print6),
	{}
};

static struct kunit_suite nrelay_rule_suite = {
	.name = "nrelay_rule",
	.test_cases = nrelay_rule_cases,
};

static struct kunit_case nrelay_udp_table_cases[] = {
	KUNIT_CASE(nrelay_test_port_pick),
	KUNIT_CASE(nrelay_test_table_insert_lookup),
	KUNIT_CASE(nrelay_test_table_two_services),
	KUNIT_CASE(nrelay_test_table_port_busy),
	KUNIT_CASE(nrelay_test_source_counts),
	KUNIT_CASE(nrelay_test_table_per_source),
	KUNIT_CASE(nrelay_test_table_limit),
	KUNIT_CASE(nrelay_test_table_expire),
	KUNIT_CASE(nrelay_test_table_expire_unreplied),
	KUNIT_CASE(nrelay_test_table_flush_rule),
	KUNIT_CASE(nrelay_test_table_init_args),
	KUNIT_CASE(nrelay_test_table_one_bucket),
	KUNIT_CASE(nrelay_test_table_ipv6),
	KUNIT_CASE(nrelay_test_port_pick_bounded),
	KUNIT_CASE(nrelay_test_table_ports_exhausted),
	KUNIT_CASE(nrelay_test_table_expire_slices),
	KUNIT_CASE(nrelay_test_table_flush_all),
	{}
};

static bool nrelay_test_own_cache;

/* In a module, KUnit runs the suites before the module's init function,
 * so the mapping cache may not exist yet: make one for the suite.
 */
static int nrelay_udp_table_suite_init(struct kunit_suite *suite)
{
	if (nrelay_udp_cache_ready())
		return 0;
	nrelay_test_own_cache = true;
	return nrelay_udp_cache_init();
}

static void nrelay_udp_table_suite_exit(struct kunit_suite *suite)
{
	if (!nrelay_test_own_cache)
		return;
	rcu_barrier();
	nrelay_udp_cache_exit();
	nrelay_test_own_cache = false;
}

static struct kunit_suite nrelay_udp_table_suite = {
	.name = "nrelay_udp_table",
	.suite_init = nrelay_udp_table_suite_init,
	.suite_exit = nrelay_udp_table_suite_exit,
	.test_cases = nrelay_udp_table_cases,
};

static struct kunit_case nrelay_core_cases[] = {
	KUNIT_CASE(nrelay_test_exec_add_del),
	KUNIT_CASE(nrelay_test_exec_del_udp_maps),
	KUNIT_CASE(nrelay_test_exec_max_rules),
	KUNIT_CASE(nrelay_test_start_stop_idempotent),
	KUNIT_CASE(nrelay_test_seq_show),
	{}
};

/* The rule set of a stopped relay, without a namespace; deleting a UDP
 * rule frees mappings, so this suite needs the cache as well.
 */
static struct kunit_suite nrelay_core_suite = {
	.name = "nrelay_core",
	.suite_init = nrelay_udp_table_suite_init,
	.suite_exit = nrelay_udp_table_suite_exit,
	.test_cases = nrelay_core_cases,
};

kunit_test_suites(&nrelay_rule_suite, &nrelay_udp_table_suite,
		  &nrelay_core_suite);
