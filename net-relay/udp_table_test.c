// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of udp_table.c: port allocation and the UDP mapping table,
 * with the per-source counts of source.c it keeps.
 */

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>

#include "nrelay.h"
#include "nrelay_test.h"

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

static void nrelay_test_table_insert_lookup(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr c1 = nrelay_test_client("192.0.2.10", 40000);
	struct nrelay_addr c2 = nrelay_test_client("192.0.2.11", 40000);
	struct nrelay_udp_map *m1, *m2, *again;
	int err = 0;

	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service, NULL,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m1);
	/* The client's port is kept when free... */
	KUNIT_EXPECT_EQ(test, ntohs(m1->relay.port), 40000);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c2, &tt->service, NULL,
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
	again = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service, NULL,
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
	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, NULL,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m1);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &s2, NULL, 10, jiffies,
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
	struct nrelay_addr relay_198_51_100_1 =
		nrelay_test_client("198.51.100.1", 0);
	struct nrelay_udp_map *m;
	int err = 0;

	tt->t.port_busy = nrelay_test_port_busy;
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service,
				  &relay_198_51_100_1, 10, jiffies, &err);
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
							    &c, &tt->service, NULL,
							    10, jiffies, &err));
	}
	c.port = htons(40100);
	KUNIT_EXPECT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						      &tt->service, NULL, 10,
						      jiffies, &err));
	KUNIT_EXPECT_EQ(test, err, -EDQUOT);
	KUNIT_EXPECT_NOT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule,
							  &other, &tt->service,
							  NULL, 10, jiffies,
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
					     &tt->service, NULL, 5, jiffies, &err);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
	}
	/* Full of flows that never saw a reply: one of them makes room. */
	c = nrelay_test_client("192.0.2.10", 31000);
	young = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, NULL,
				      5, jiffies, &err);
	KUNIT_EXPECT_NOT_NULL(test, young);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.evicted), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 5);

	/* Full of answered flows: the new one is refused. */
	nrelay_udp_flush(&tt->t, NULL);
	for (i = 0; i < 5; i++) {
		c = nrelay_test_client("192.0.2.10", 30000 + i);
		m[i] = nrelay_udp_map_create(&tt->t, &tt->rule, &c,
					     &tt->service, NULL, 5, jiffies, &err);
		KUNIT_ASSERT_NOT_NULL(test, m[i]);
		WRITE_ONCE(m[i]->replied, true);
	}
	c = nrelay_test_client("192.0.2.10", 31001);
	KUNIT_EXPECT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						      &tt->service, NULL, 5, jiffies,
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
						    &tt->service, NULL, 10,
						    now - 100 * HZ, &err));
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &young,
						    &tt->service, NULL, 10, now,
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
						    &tt->service, NULL, 10, now,
						    &err));
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &answered, &tt->service,
				  NULL, 10, now, &err);
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
						    &tt->service, NULL, 10, jiffies,
						    &err));
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &other, &c2,
						    &tt->service, NULL, 10, jiffies,
						    &err));
	KUNIT_EXPECT_EQ(test, 1, nrelay_udp_flush(&tt->t, &other));
	KUNIT_EXPECT_EQ(test, atomic_read(&other.active), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 1);
	nrelay_test_table_del(tt);
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
					     &tt->service, NULL, 10, jiffies, &err);
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
	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service, NULL,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m1);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c2, &tt->service, NULL,
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

/* Buckets of the table's client side with a mapping in them. */
static unsigned int nrelay_test_orig_buckets(const struct nrelay_udp_table *t)
{
	unsigned int i, n = 0;

	for (i = 0; i <= t->mask; i++)
		n += !hlist_empty(&t->orig[i]);
	return n;
}

/* Every 32-bit word of an IPv6 client address goes into its bucket: 16
 * clients that differ in one word only spread over a 1,024-bucket table.
 * A hash of the low word alone (an IPv4-sized key) would put the clients
 * that differ in the prefix into one bucket: 16 flows of a /48 each in one
 * chain, a chain an attacker with a routed prefix makes as long as it likes.
 */
static void nrelay_test_table_ipv6_hash(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new_size(test, 1024);
	struct nrelay_addr base = nrelay_test_addr6("2001:db8:1::10", 40000);
	struct nrelay_udp_map *m;
	struct nrelay_addr c;
	unsigned int word, k;
	int err = 0;

	tt->rule.backend = nrelay_test_addr6("2001:db8:2::2", 53);
	tt->service = nrelay_test_addr6("2001:db8:1::1", 53);
	for (word = 0; word < 4; word++) {
		for (k = 1; k <= 16; k++) {
			c = base;
			c.ip6.s6_addr32[word] ^= htonl(k << 8);
			m = nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						  &tt->service, NULL, 64,
						  jiffies, &err);
			KUNIT_ASSERT_NOT_NULL(test, m);
		}
		/* 16 keys in 1,024 buckets: fewer than 12 by a 2.5e-8 chance. */
		KUNIT_EXPECT_GE_MSG(test, nrelay_test_orig_buckets(&tt->t), 12U,
				    "clients differing in word %u", word);
		KUNIT_EXPECT_EQ(test, 16U, nrelay_udp_flush(&tt->t, &tt->rule));
	}
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
		m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, NULL,
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
						      &tt->service, NULL, ports + 1,
						      jiffies, &err));
	KUNIT_EXPECT_EQ(test, err, -EADDRNOTAVAIL);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), (int)ports);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), (int)ports);

	/* Relay ports are per backend: another one still has them all. */
	m = nrelay_udp_map_create(&tt->t, other, &c, &tt->service, NULL, ports + 1,
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
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, NULL,
				  ports + 1, jiffies, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_EQ(test, ntohs(m->relay.port), 20000);

	/* No port free, but a flow that never saw a reply gives up its own. */
	for (p = 0; p <= tt->t.mask; p++)
		hlist_for_each_entry(m, &tt->t.orig[p], orig_node)
			WRITE_ONCE(m->replied, false);
	c = nrelay_test_client("192.0.2.12", 20000);
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &c, &tt->service, NULL,
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
							    &c, &tt->service, NULL,
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
						    &tt->service, NULL, 64,
						    now - 30 * HZ, &err));
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &past, &tt->service, NULL, 64,
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
	m = nrelay_udp_map_create(&tt->t, &tt->rule, &edge, &tt->service, NULL, 64,
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
							    &c, &tt->service, NULL,
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
	KUNIT_CASE(nrelay_test_table_ipv6_hash),
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
int nrelay_udp_table_suite_init(struct kunit_suite *suite)
{
	if (nrelay_udp_cache_ready())
		return 0;
	nrelay_test_own_cache = true;
	return nrelay_udp_cache_init();
}

void nrelay_udp_table_suite_exit(struct kunit_suite *suite)
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

kunit_test_suites(&nrelay_udp_table_suite);
