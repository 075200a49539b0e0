// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: net.relay.* sysctls, one copy per network namespace.
 *
 * The limits (counts) bound what a namespace may hold. The owner of a user
 * namespace has CAP_NET_ADMIN in its network namespaces, so there a limit
 * cannot be raised above the initial namespace's value, as with
 * nf_conntrack_max; the timeouts are free, the counts bound the memory.
 *
 * The same values are netlink's tunables (netlink.c): one table, one
 * check, and a change made either way is announced to monitors.
 */

#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "nrelay.h"

#define NRELAY_TUNABLE_MAX_SECS		(7 * 24 * 3600)
#define NRELAY_TUNABLE_MAX_COUNT	16777216

static int nrelay_sysctl_handler(struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos);

#define NRELAY_SYSCTL(name)					\
	{							\
		.procname	= #name,			\
		.maxlen		= sizeof(int),			\
		.mode		= 0644,				\
		.proc_handler	= nrelay_sysctl_handler,	\
	}

/* The order matches nrelay_tunables[]. */
static const struct ctl_table nrelay_sysctl_template[] = {
	NRELAY_SYSCTL(tcp_idle_timeout),
	NRELAY_SYSCTL(tcp_connect_timeout),
	NRELAY_SYSCTL(tcp_fin_timeout),
	NRELAY_SYSCTL(tcp_max_conns),
	NRELAY_SYSCTL(tcp_max_per_source),
	NRELAY_SYSCTL(udp_timeout),
	NRELAY_SYSCTL(udp_unreplied_timeout),
	NRELAY_SYSCTL(udp_max_mappings),
	NRELAY_SYSCTL(udp_max_per_source),
	NRELAY_SYSCTL(max_rules),
	{ }
};

/* Each tunable's field, default and whether it is a count (a limit),
 * in the template's order.
 */
static const struct {
	size_t offset;
	int value;
	bool limit;
} nrelay_tunables[] = {
	{ offsetof(struct nrelay_net, tcp_idle_timeout), 300, false },
	{ offsetof(struct nrelay_net, tcp_connect_timeout), 15, false },
	{ offsetof(struct nrelay_net, tcp_fin_timeout), 60, false },
	{ offsetof(struct nrelay_net, tcp_max_conns), 16384, true },
	{ offsetof(struct nrelay_net, tcp_max_per_source), 4096, true },
	{ offsetof(struct nrelay_net, udp_timeout), 30, false },
	{ offsetof(struct nrelay_net, udp_unreplied_timeout), 5, false },
	{ offsetof(struct nrelay_net, udp_max_mappings), 65536, true },
	{ offsetof(struct nrelay_net, udp_max_per_source), 16384, true },
	{ offsetof(struct nrelay_net, max_rules), 1024, true },
};

static bool nrelay_sysctl_capped(const struct nrelay_net *rn)
{
	return rn->net->user_ns != &init_user_ns;
}

static int *nrelay_tunable_field(struct nrelay_net *rn, int i)
{
	return (int *)((char *)rn + nrelay_tunables[i].offset);
}

/* The largest value tunable @i may take in @rn: a limit is at most the
 * initial namespace's value where capped.
 */
static int nrelay_tunable_max(struct nrelay_net *rn, int i)
{
	int max = nrelay_tunables[i].limit ? NRELAY_TUNABLE_MAX_COUNT :
					     NRELAY_TUNABLE_MAX_SECS;

	if (nrelay_tunables[i].limit && nrelay_sysctl_capped(rn))
		max = min(max, READ_ONCE(*nrelay_tunable_field(nrelay_pernet(&init_net), i)));
	return max;
}

const char *nrelay_tunable_name(int i)
{
	return nrelay_sysctl_template[i].procname;
}

/* Return: the index of the tunable called @name, or -ENOENT. */
int nrelay_tunable_find(const char *name)
{
	int i;

	for (i = 0; i < NRELAY_TUNABLES; i++)
		if (!strcmp(name, nrelay_tunable_name(i)))
			return i;
	return -ENOENT;
}

int nrelay_tunable_get(struct nrelay_net *rn, int i)
{
	return READ_ONCE(*nrelay_tunable_field(rn, i));
}

/**
 * nrelay_tunable_check - whether tunable @i of @rn may take @value
 * @rn: the namespace's relay
 * @i: the tunable
 * @value: the new value
 * @why: on error, what is wrong
 *
 * Return: 0 or -EINVAL (out of range).
 */
int nrelay_tunable_check(struct nrelay_net *rn, int i, u64 value,
			 const char **why)
{
	if (value < 1 || value > nrelay_tunable_max(rn, i)) {
		*why = nrelay_tunables[i].limit && nrelay_sysctl_capped(rn) ?
		       "out of range (1 to the initial namespace's value)" :
		       "out of range";
		return -EINVAL;
	}
	return 0;
}

/* Set after nrelay_tunable_check(); readers use READ_ONCE(). */
void nrelay_tunable_set(struct nrelay_net *rn, int i, int value)
{
	WRITE_ONCE(*nrelay_tunable_field(rn, i), value);
}

/* Every net.relay sysctl: 1 to nrelay_tunable_max(). extra1 of the
 * registered copy is the namespace; a change is announced.
 */
static int nrelay_sysctl_handler(struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
{
	struct nrelay_net *rn = table->extra1;
	int i = table - rn->sysctl_table;
	int max = nrelay_tunable_max(rn, i);
	struct ctl_table t = *table;
	int err;

	t.extra1 = SYSCTL_ONE;
	t.extra2 = &max;
	if (!write)
		return proc_dointvec_minmax(&t, write, buffer, lenp, ppos);
	/* Announced in order with the other changes. */
	mutex_lock(&rn->lock);
	err = proc_dointvec_minmax(&t, write, buffer, lenp, ppos);
	if (!err)
		nrelay_nl_notify_tunables(rn, &i, 1);
	mutex_unlock(&rn->lock);
	return err;
}

int nrelay_sysctl_init(struct nrelay_net *rn)
{
	struct ctl_table *t;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(nrelay_tunables) != NRELAY_TUNABLES ||
		     ARRAY_SIZE(nrelay_sysctl_template) != NRELAY_TUNABLES + 1);
	t = kmemdup(nrelay_sysctl_template, sizeof(nrelay_sysctl_template),
		    GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	rn->sysctl_table = t;
	for (i = 0; i < NRELAY_TUNABLES; i++) {
		int *field = nrelay_tunable_field(rn, i);

		*field = min(nrelay_tunables[i].value,
			     nrelay_tunable_max(rn, i));
		t[i].data = field;
		t[i].extra1 = rn;
	}

	rn->sysctl_hdr = register_net_sysctl(rn->net, "net/relay", t);
	if (!rn->sysctl_hdr) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

void nrelay_sysctl_exit(struct nrelay_net *rn)
{
	struct ctl_table *t;

	if (!rn->sysctl_hdr)
		return;
	t = rn->sysctl_table;
	unregister_net_sysctl_table(rn->sysctl_hdr);
	rn->sysctl_hdr = NULL;
	rn->sysctl_table = NULL;
	kfree(t);
}
