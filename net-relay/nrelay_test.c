// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the pure logic of net/relay: rule parsing, boot rules,
 * port allocation and the UDP mapping table.
 */

#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>

#include "nrelay.h"

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

static struct nrelay_test_table *nrelay_test_table_new(struct kunit *test)
{
	struct nrelay_test_table *tt = kunit_kzalloc(test, sizeof(*tt),
						     GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tt);
	KUNIT_ASSERT_EQ(test, 0, nrelay_udp_table_init(&tt->t, 64));
	tt->rule.proto = NRELAY_UDP;
	tt->rule.backend.family = AF_INET;
	tt->rule.backend.ip = ip4("198.51.100.2");
	tt->rule.backend.port = htons(53);
	tt->service.family = AF_INET;
	tt->service.ip = ip4("192.0.2.1");
	tt->service.port = htons(53);
	return tt;
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

	m1 = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m1);
	/* The client's port is kept when free... */
	KUNIT_EXPECT_EQ(test, ntohs(m1->relay.port), 40000);
	m2 = nrelay_udp_map_create(&tt->t, &tt->rule, &c2, &tt->service,
				   10, jiffies, &err);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, m2);
	/* ...and two clients with the same port get different ones. */
	KUNIT_EXPECT_NE(test, ntohs(m1->relay.port), ntohs(m2->relay.port));
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 2);

	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, m1,
			    nrelay_udp_lookup_orig(&tt->t, &c1,
						   &tt->rule.backend));
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
	again = nrelay_udp_map_create(&tt->t, &tt->rule, &c1, &tt->service,
				      10, jiffies, &err);
	KUNIT_EXPECT_PTR_EQ(test, again, m1);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 2);
	nrelay_test_table_del(tt);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->rule.active), 0);
}

static void nrelay_test_table_limit(struct kunit *test)
{
	struct nrelay_test_table *tt = nrelay_test_table_new(test);
	struct nrelay_addr c;
	int i, err = 0;

	for (i = 0; i < 5; i++) {
		c = nrelay_test_client("192.0.2.10", 30000 + i);
		KUNIT_ASSERT_NOT_NULL(test,
				      nrelay_udp_map_create(&tt->t, &tt->rule,
							    &c, &tt->service,
							    5, jiffies, &err));
	}
	c = nrelay_test_client("192.0.2.10", 31000);
	KUNIT_EXPECT_NULL(test, nrelay_udp_map_create(&tt->t, &tt->rule, &c,
						      &tt->service, 5, jiffies,
						      &err));
	KUNIT_EXPECT_EQ(test, err, -ENOSPC);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 5);
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
						    &tt->service, 10,
						    now - 100 * HZ, &err));
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &tt->rule, &young,
						    &tt->service, 10, now,
						    &err));
	/* A full sweep drops the mapping idle for longer than 30 s only. */
	KUNIT_EXPECT_EQ(test, 1, nrelay_udp_expire(&tt->t, now, 30 * HZ, 64));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, nrelay_udp_lookup_orig(&tt->t, &old,
						       &tt->rule.backend));
	KUNIT_EXPECT_NOT_NULL(test,
			      nrelay_udp_lookup_orig(&tt->t, &young,
						     &tt->rule.backend));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 1);
	/* Later, the other one goes too. */
	KUNIT_EXPECT_EQ(test, 1,
			nrelay_udp_expire(&tt->t, now + 31 * HZ, 30 * HZ, 64));
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 0);
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
						    &tt->service, 10, jiffies,
						    &err));
	KUNIT_ASSERT_NOT_NULL(test,
			      nrelay_udp_map_create(&tt->t, &other, &c2,
						    &tt->service, 10, jiffies,
						    &err));
	KUNIT_EXPECT_EQ(test, 1, nrelay_udp_flush(&tt->t, &other));
	KUNIT_EXPECT_EQ(test, atomic_read(&other.active), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&tt->t.count), 1);
	nrelay_test_table_del(tt);
}

static struct kunit_case nrelay_rule_cases[] = {
	KUNIT_CASE(nrelay_test_parse_add_tcp),
	KUNIT_CASE(nrelay_test_parse_add_udp_addr),
	KUNIT_CASE(nrelay_test_parse_del_flush),
	KUNIT_CASE(nrelay_test_parse_errors),
	KUNIT_CASE(nrelay_test_parse_ipv6),
	KUNIT_CASE(nrelay_test_boot_rules),
	KUNIT_CASE(nrelay_test_addr_print),
	{}
};

static struct kunit_suite nrelay_rule_suite = {
	.name = "nrelay_rule",
	.test_cases = nrelay_rule_cases,
};

static struct kunit_case nrelay_udp_table_cases[] = {
	KUNIT_CASE(nrelay_test_port_pick),
	KUNIT_CASE(nrelay_test_table_insert_lookup),
	KUNIT_CASE(nrelay_test_table_limit),
	KUNIT_CASE(nrelay_test_table_expire),
	KUNIT_CASE(nrelay_test_table_flush_rule),
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

kunit_test_suites(&nrelay_rule_suite, &nrelay_udp_table_suite);
