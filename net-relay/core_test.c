// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of core.c: the rule set of a stopped relay without a
 * namespace (add, del, flush, max_rules, start and stop), and the conns
 * line of a UDP mapping (udp.c).
 */

#include <kunit/test.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>

#include "nrelay.h"
#include "nrelay_test.h"

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
	struct nrelay_cmd flush = { .op = NRELAY_OP_FLUSH };
	const char *why;

	KUNIT_EXPECT_EQ(test, 0, nrelay_exec(rn, &flush, &why));
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
	return nrelay_exec(rn, &cmd, &why);
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

/* The wildcard of both families clashes with every rule on its port; a
 * family's wildcard or address only with rules of its family. A port
 * alone deletes the wildcards of both.
 */
static void nrelay_test_exec_families(struct kunit *test)
{
	struct nrelay_net *rn = nrelay_test_rn_new(test);

	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp 80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, -EEXIST,
			nrelay_test_exec(test, rn, "add tcp *:80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			nrelay_test_exec(test, rn,
					 "add tcp 0.0.0.0:80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			nrelay_test_exec(test, rn,
					 "add tcp [2001:db8:1::1]:80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "del tcp 80"));

	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn,
					 "add tcp 0.0.0.0:80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn,
					 "add tcp [2001:db8:1::1]:80 [2001:db8:2::2]:80"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp [::]:81 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			nrelay_test_exec(test, rn,
					 "add tcp [2001:db8:1::1]:81 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "add tcp 192.0.2.1:81 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, -EADDRINUSE,
			nrelay_test_exec(test, rn, "add tcp 80 198.51.100.2:80"));
	KUNIT_EXPECT_EQ(test, (int)list_count_nodes(&rn->rules), 4);

	/* "del tcp 81" takes [::]:81, not 192.0.2.1:81; "del tcp 80" takes
	 * 0.0.0.0:80, not the IPv6 address's rule.
	 */
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "del tcp 81"));
	KUNIT_EXPECT_EQ(test, 0, nrelay_test_exec(test, rn, "del tcp 80"));
	KUNIT_EXPECT_EQ(test, (int)list_count_nodes(&rn->rules), 2);
	KUNIT_EXPECT_EQ(test, -ENOENT, nrelay_test_exec(test, rn, "del tcp *:80"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "del tcp [2001:db8:1::1]:80"));
	KUNIT_EXPECT_EQ(test, 0,
			nrelay_test_exec(test, rn, "del tcp 192.0.2.1:81"));
	KUNIT_EXPECT_TRUE(test, list_empty(&rn->rules));
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
							    &c, &service, NULL,
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
	struct nrelay_conn_info ci;
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
				  &service, NULL, 64, jiffies - HZ / 2, &err);
	KUNIT_ASSERT_NOT_NULL(test, m);
	m->relay.ip = ip4("198.51.100.1");
	bucket = 0;
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, m, nrelay_udp_seq_next(rn, NULL, &bucket));
	KUNIT_EXPECT_NULL(test, nrelay_udp_seq_next(rn, m, &bucket));
	rcu_read_unlock();
	atomic64_set(&m->bytes[NRELAY_UP], 100);
	nrelay_udp_map_info(rn, m, &ci);
	nrelay_conn_show(&seq, &ci);
	KUNIT_EXPECT_STREQ(test, seq.buf,
			   "udp 192.0.2.10:40000 198.51.100.1:40000 198.51.100.2:53 unreplied up=100 down=0 age=0 expires=4\n");

	/* Answered: the longer timeout. */
	atomic64_set(&m->bytes[NRELAY_DOWN], 2000);
	WRITE_ONCE(m->replied, true);
	seq.count = 0;
	nrelay_udp_map_info(rn, m, &ci);
	nrelay_conn_show(&seq, &ci);
	KUNIT_EXPECT_STREQ(test, seq.buf,
			   "udp 192.0.2.10:40000 198.51.100.1:40000 198.51.100.2:53 replied up=100 down=2000 age=0 expires=29\n");

	/* Idle past the timeout: expires shows 0, not a wrapped number. */
	m->created = jiffies - 100 * HZ;
	WRITE_ONCE(m->last_used, m->created);
	seq.count = 0;
	nrelay_udp_map_info(rn, m, &ci);
	nrelay_conn_show(&seq, &ci);
	KUNIT_EXPECT_STREQ(test, seq.buf,
			   "udp 192.0.2.10:40000 198.51.100.1:40000 198.51.100.2:53 replied up=100 down=2000 age=100 expires=0\n");
	nrelay_test_rn_del(test, rn);
	KUNIT_EXPECT_EQ(test, atomic_read(&rn->udp.count), 0);
}

static struct kunit_case nrelay_core_cases[] = {
	KUNIT_CASE(nrelay_test_exec_add_del),
	KUNIT_CASE(nrelay_test_exec_families),
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

kunit_test_suites(&nrelay_core_suite);
