// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: net.relay.* sysctls, one copy per network namespace.
 *
 * The limits (counts) bound what a namespace may hold. The owner of a user
 * namespace has CAP_NET_ADMIN in its network namespaces, so there a limit
 * cannot be raised above the initial namespace's value, as with
 * nf_conntrack_max; the timeouts are free, the counts bound the memory.
 */

#include <linux/slab.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "nrelay.h"

static int nrelay_one = 1;
static int nrelay_max_secs = 7 * 24 * 3600;
static int nrelay_max_count = 1 << 24;

static int nrelay_sysctl_limit(struct ctl_table *table, int write,
			       void *buffer, size_t *lenp, loff_t *ppos);

#define NRELAY_SYSCTL(name, handler, max)			\
	{							\
		.procname	= #name,			\
		.maxlen		= sizeof(int),			\
		.mode		= 0644,				\
		.proc_handler	= handler,			\
		.extra1		= &nrelay_one,			\
		.extra2		= &(max),			\
	}
#define NRELAY_SYSCTL_SECS(name) \
	NRELAY_SYSCTL(name, proc_dointvec_minmax, nrelay_max_secs)
#define NRELAY_SYSCTL_LIMIT(name) \
	NRELAY_SYSCTL(name, nrelay_sysctl_limit, nrelay_max_count)

/* The order matches nrelay_sysctl_fields[]. */
static const struct ctl_table nrelay_sysctl_template[] = {
	NRELAY_SYSCTL_SECS(tcp_idle_timeout),
	NRELAY_SYSCTL_SECS(tcp_connect_timeout),
	NRELAY_SYSCTL_SECS(tcp_fin_timeout),
	NRELAY_SYSCTL_LIMIT(tcp_max_conns),
	NRELAY_SYSCTL_LIMIT(tcp_max_per_source),
	NRELAY_SYSCTL_SECS(udp_timeout),
	NRELAY_SYSCTL_SECS(udp_unreplied_timeout),
	NRELAY_SYSCTL_LIMIT(udp_max_mappings),
	NRELAY_SYSCTL_LIMIT(udp_max_per_source),
	NRELAY_SYSCTL_LIMIT(max_rules),
	{ }
};

/* Each sysctl's field and default, in the template's order. */
static const struct {
	size_t offset;
	int value;
} nrelay_sysctl_fields[] = {
	{ offsetof(struct nrelay_net, tcp_idle_timeout), 300 },
	{ offsetof(struct nrelay_net, tcp_connect_timeout), 15 },
	{ offsetof(struct nrelay_net, tcp_fin_timeout), 60 },
	{ offsetof(struct nrelay_net, tcp_max_conns), 16384 },
	{ offsetof(struct nrelay_net, tcp_max_per_source), 4096 },
	{ offsetof(struct nrelay_net, udp_timeout), 30 },
	{ offsetof(struct nrelay_net, udp_unreplied_timeout), 5 },
	{ offsetof(struct nrelay_net, udp_max_mappings), 65536 },
	{ offsetof(struct nrelay_net, udp_max_per_source), 16384 },
	{ offsetof(struct nrelay_net, max_rules), 1024 },
};

static bool nrelay_sysctl_capped(const struct nrelay_net *rn)
{
	return rn->net->user_ns != &init_user_ns;
}

/* The initial namespace's value of the field at @offset. */
static int nrelay_sysctl_initial(size_t offset)
{
	return READ_ONCE(*(int *)((char *)nrelay_pernet(&init_net) + offset));
}

/* A limit: at most the initial namespace's value where capped. extra1
 * of the registered copy is the namespace (the bounds are the template's).
 */
static int nrelay_sysctl_limit(struct ctl_table *table, int write,
			       void *buffer, size_t *lenp, loff_t *ppos)
{
	struct nrelay_net *rn = table->extra1;
	struct ctl_table t = *table;
	int max = nrelay_max_count;

	if (nrelay_sysctl_capped(rn))
		max = min(max, nrelay_sysctl_initial((char *)table->data -
						     (char *)rn));
	t.extra1 = &nrelay_one;
	t.extra2 = &max;
	return proc_dointvec_minmax(&t, write, buffer, lenp, ppos);
}

int nrelay_sysctl_init(struct nrelay_net *rn)
{
	struct ctl_table *t;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(nrelay_sysctl_fields) !=
		     ARRAY_SIZE(nrelay_sysctl_template) - 1);
	t = kmemdup(nrelay_sysctl_template, sizeof(nrelay_sysctl_template),
		    GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(nrelay_sysctl_fields); i++) {
		size_t offset = nrelay_sysctl_fields[i].offset;
		int *field = (int *)((char *)rn + offset);

		*field = nrelay_sysctl_fields[i].value;
		t[i].data = field;
		if (t[i].proc_handler != nrelay_sysctl_limit)
			continue;
		if (nrelay_sysctl_capped(rn))
			*field = min(*field, nrelay_sysctl_initial(offset));
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
	t = rn->sysctl_hdr->ctl_table_arg;
	unregister_net_sysctl_table(rn->sysctl_hdr);
	rn->sysctl_hdr = NULL;
	kfree(t);
}
