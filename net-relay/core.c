// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: in-kernel TCP and UDP relay.
 *
 * Module and namespace life cycle, the rule set, start and stop. The TCP
 * relay lives in tcp.c, the UDP NAT in udp.c and udp_table.c, the user
 * interface in proc.c and sysctl.c.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "nrelay.h"

static unsigned int nrelay_net_id __read_mostly;
struct workqueue_struct *nrelay_wq;

static char *rules;
module_param(rules, charp, 0444);
MODULE_PARM_DESC(rules,
		 "rules for the initial namespace, e.g. tcp:80:198.51.100.2:80,udp:53:198.51.100.2:53");

const char * const nrelay_stat_names[NRELAY_STAT_MAX] = {
	[NRELAY_STAT_TCP_ACCEPTED] = "tcp_accepted",
	[NRELAY_STAT_TCP_CLOSED] = "tcp_closed",
	[NRELAY_STAT_TCP_CONNECT_FAILED] = "tcp_connect_failed",
	[NRELAY_STAT_TCP_RESETS] = "tcp_resets",
	[NRELAY_STAT_TCP_TIMEOUTS] = "tcp_timeouts",
	[NRELAY_STAT_TCP_REJECTED] = "tcp_rejected",
	[NRELAY_STAT_TCP_SOURCE_LIMIT] = "tcp_source_limit",
	[NRELAY_STAT_TCP_ALLOC_FAILED] = "tcp_alloc_failed",
	[NRELAY_STAT_TCP_BYTES_UP] = "tcp_bytes_up",
	[NRELAY_STAT_TCP_BYTES_DOWN] = "tcp_bytes_down",
	[NRELAY_STAT_UDP_MAPPINGS_CREATED] = "udp_mappings_created",
	[NRELAY_STAT_UDP_MAPPINGS_EXPIRED] = "udp_mappings_expired",
	[NRELAY_STAT_UDP_TABLE_FULL] = "udp_table_full",
	[NRELAY_STAT_UDP_PORTS_EXHAUSTED] = "udp_ports_exhausted",
	[NRELAY_STAT_UDP_EVICTED] = "udp_evicted",
	[NRELAY_STAT_UDP_SOURCE_LIMIT] = "udp_source_limit",
	[NRELAY_STAT_UDP_ALLOC_FAILED] = "udp_alloc_failed",
	[NRELAY_STAT_UDP_PACKETS_UP] = "udp_packets_up",
	[NRELAY_STAT_UDP_PACKETS_DOWN] = "udp_packets_down",
	[NRELAY_STAT_UDP_BYTES_UP] = "udp_bytes_up",
	[NRELAY_STAT_UDP_BYTES_DOWN] = "udp_bytes_down",
	[NRELAY_STAT_UDP_ICMP_TRANSLATED] = "udp_icmp_translated",
	[NRELAY_STAT_UDP_DROPPED] = "udp_dropped",
};

struct nrelay_net *nrelay_pernet(struct net *net)
{
	return net_generic(net, nrelay_net_id);
}

/* Two rules clash when one would take the other's packets: on one port,
 * a wildcard of both families (AF_UNSPEC) clashes with every rule, a
 * family's wildcard with that family's rules.
 */
static bool nrelay_rule_clash(const struct nrelay_rule *r,
			      const struct nrelay_cmd *cmd)
{
	if (r->proto != cmd->proto || r->listen.port != cmd->listen.port)
		return false;
	if (r->listen.family == AF_UNSPEC || cmd->listen.family == AF_UNSPEC)
		return true;
	if (r->listen.family != cmd->listen.family)
		return false;
	return nrelay_addr_is_any(&r->listen) ||
	       nrelay_addr_is_any(&cmd->listen) ||
	       nrelay_addr_equal(&r->listen, &cmd->listen);
}

/* What "del PROTO PORT" names: the wildcards of both families. */
static bool nrelay_rule_deleted(const struct nrelay_rule *r,
				const struct nrelay_cmd *cmd)
{
	if (r->proto != cmd->proto)
		return false;
	if (cmd->listen.family == AF_UNSPEC)
		return r->listen.port == cmd->listen.port &&
		       nrelay_addr_is_any(&r->listen);
	return nrelay_addr_equal(&r->listen, &cmd->listen);
}

static struct nrelay_rule *nrelay_rule_find(struct nrelay_net *rn,
					    enum nrelay_proto proto,
					    const struct nrelay_addr *listen)
{
	struct nrelay_rule *r;

	list_for_each_entry(r, &rn->rules, node)
		if (r->proto == proto && nrelay_addr_equal(&r->listen, listen))
			return r;
	return NULL;
}

/* A namespace pays for what a protocol's relay costs (netfilter hooks
 * and IPv4 defragmentation of all its traffic, the UDP table, periodic
 * works) only while it is running with rules of that protocol: one that
 * relays nothing, as most containers on a host with the module loaded,
 * pays nothing. Called under rn->lock after each change of either;
 * only switching on can fail.
 */
static int nrelay_engage(struct nrelay_net *rn)
{
	bool tcp = rn->running && rn->nrules[NRELAY_TCP];
	bool udp = rn->running && rn->nrules[NRELAY_UDP];
	int err;

	if (udp != rn->udp_engaged) {
		if (udp) {
			err = nrelay_udp_start(rn);
			if (err)
				return err;
		} else {
			nrelay_udp_stop(rn);
		}
		rn->udp_engaged = udp;
	}
	if (tcp != rn->tcp_engaged) {
		if (tcp)
			nrelay_tcp_start(rn);
		else
			nrelay_tcp_stop(rn);
		rn->tcp_engaged = tcp;
	}
	return 0;
}

static int nrelay_rule_add(struct nrelay_net *rn, const struct nrelay_cmd *cmd)
{
	struct nrelay_rule *r;
	int err;

	if (nrelay_rule_find(rn, cmd->proto, &cmd->listen))
		return -EEXIST;
	list_for_each_entry(r, &rn->rules, node)
		if (nrelay_rule_clash(r, cmd))
			return -EADDRINUSE;

	/* TCP's bind() says this for its listeners. KUnit's rule sets
	 * have no namespace.
	 */
	if (cmd->proto == NRELAY_UDP && rn->net &&
	    !nrelay_udp_listen_local(rn->net, &cmd->listen))
		return -EADDRNOTAVAIL;

	if (rn->nrules[NRELAY_TCP] + rn->nrules[NRELAY_UDP] >=
	    READ_ONCE(rn->max_rules))
		return -ENOSPC;
	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r->rn = rn;
	r->proto = cmd->proto;
	r->listen = cmd->listen;
	r->backend = cmd->backend;

	rn->nrules[r->proto]++;
	err = nrelay_engage(rn);
	if (!err && rn->running && r->proto == NRELAY_TCP)
		err = nrelay_tcp_listen(r);
	if (err) {
		rn->nrules[r->proto]--;
		nrelay_engage(rn);
		kfree(r);
		return err;
	}
	list_add_tail_rcu(&r->node, &rn->rules);
	return 0;
}

/* Free @r, out of the rule set for a grace period (so that no packet
 * can still map a flow to it); its relays and mappings go with it.
 * Readers of the dropped mappings may use @r until the RCU free.
 */
static void nrelay_rule_retire(struct nrelay_net *rn, struct nrelay_rule *r)
{
	if (r->proto == NRELAY_TCP) {
		if (r->lsock)
			nrelay_tcp_unlisten(r);
		nrelay_tcp_close_conns(rn, r);
	} else {
		nrelay_udp_flush(&rn->udp, r);
	}
	rn->nrules[r->proto]--;
	kfree_rcu(r, rcu);
}

static void nrelay_rule_del(struct nrelay_net *rn, struct nrelay_rule *r)
{
	list_del_rcu(&r->node);
	if (r->proto == NRELAY_UDP)
		synchronize_net();
	nrelay_rule_retire(rn, r);
	nrelay_engage(rn);
}

/* All rules at once: one grace period for all, not one per UDP rule. */
static void nrelay_rules_flush(struct nrelay_net *rn)
{
	struct nrelay_rule *r, *tmp;
	LIST_HEAD(gone);

	list_splice_init_rcu(&rn->rules, &gone, synchronize_net);
	list_for_each_entry_safe(r, tmp, &gone, node)
		nrelay_rule_retire(rn, r);
	nrelay_engage(rn);
}

/**
 * nrelay_exec - carry out one parsed command
 * @rn: the namespace's relay
 * @cmd: the command
 *
 * Return: 0 or a negative errno; on error nothing has changed.
 */
int nrelay_exec(struct nrelay_net *rn, const struct nrelay_cmd *cmd)
{
	struct nrelay_rule *r, *tmp;
	int err = 0;

	mutex_lock(&rn->lock);
	switch (cmd->op) {
	case NRELAY_CMD_ADD:
		err = nrelay_rule_add(rn, cmd);
		break;
	case NRELAY_CMD_DEL:
		err = -ENOENT;
		list_for_each_entry_safe(r, tmp, &rn->rules, node) {
			if (!nrelay_rule_deleted(r, cmd))
				continue;
			nrelay_rule_del(rn, r);
			err = 0;
		}
		break;
	case NRELAY_CMD_FLUSH:
		nrelay_rules_flush(rn);
		break;
	}
	mutex_unlock(&rn->lock);
	return err;
}

static void nrelay_stop_locked(struct nrelay_net *rn)
{
	struct nrelay_rule *r;

	if (!rn->running)
		return;
	WRITE_ONCE(rn->running, false);
	list_for_each_entry(r, &rn->rules, node)
		if (r->lsock)
			nrelay_tcp_unlisten(r);
	nrelay_engage(rn);
	nrelay_tcp_close_conns(rn, NULL);
}

static int nrelay_start_locked(struct nrelay_net *rn)
{
	struct nrelay_rule *r;
	int err;

	if (rn->running)
		return 0;
	WRITE_ONCE(rn->running, true);
	err = nrelay_engage(rn);
	if (err) {
		WRITE_ONCE(rn->running, false);
		return err;
	}
	list_for_each_entry(r, &rn->rules, node) {
		if (r->proto != NRELAY_TCP)
			continue;
		err = nrelay_tcp_listen(r);
		if (err) {
			char addr[64];

			nrelay_addr_print(addr, sizeof(addr), &r->listen);
			pr_warn_ratelimited("start: cannot listen on %s: %d\n",
					    addr, err);
			nrelay_stop_locked(rn);
			return err;
		}
	}
	return 0;
}

int nrelay_start(struct nrelay_net *rn)
{
	int err;

	mutex_lock(&rn->lock);
	err = nrelay_start_locked(rn);
	mutex_unlock(&rn->lock);
	return err;
}

void nrelay_stop(struct nrelay_net *rn)
{
	mutex_lock(&rn->lock);
	nrelay_stop_locked(rn);
	mutex_unlock(&rn->lock);
}

static void nrelay_boot_rules(struct nrelay_net *rn)
{
	char *list, *p, *item;
	struct nrelay_cmd cmd;
	const char *why;
	int err;

	if (!rules || !*rules)
		return;
	list = kstrdup(rules, GFP_KERNEL);
	if (!list)
		return;
	p = list;
	while ((item = strsep(&p, ",")) != NULL) {
		if (!*item)
			continue;
		err = nrelay_boot_rule_parse(item, &cmd, &why);
		if (!err)
			err = nrelay_exec(rn, &cmd);
		else
			pr_err("rules=%s: %s\n", item, why);
		if (err)
			pr_err("rules=%s: not added (%d)\n", item, err);
		else
			pr_info("rule %s added\n", item);
	}
	kfree(list);
}

static int __net_init nrelay_net_init(struct net *net)
{
	struct nrelay_net *rn = nrelay_pernet(net);
	int err;

	rn->net = net;
	/* What the relay allocates for a namespace, also in softirq and
	 * in its works, is charged to the memory cgroup the namespace was
	 * made in (a container's). The initial one is the host's.
	 */
	if (!net_eq(net, &init_net))
		rn->memcg = get_mem_cgroup_from_mm(current->mm);
	mutex_init(&rn->lock);
	INIT_LIST_HEAD(&rn->rules);
	nrelay_sources_init(&rn->sources);
	nrelay_tcp_net_init(rn);
	nrelay_udp_net_init(rn);
	/* Started, with nothing to do until its first rule. */
	rn->running = true;
	err = nrelay_sysctl_init(rn);
	if (err)
		goto err_memcg;
	err = nrelay_proc_init(rn);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	nrelay_sysctl_exit(rn);
err_memcg:
	mem_cgroup_put(rn->memcg);
	return err;
}

static void __net_exit nrelay_net_exit(struct net *net)
{
	struct nrelay_net *rn = nrelay_pernet(net);

	nrelay_proc_exit(rn);
	nrelay_sysctl_exit(rn);
	mutex_lock(&rn->lock);
	nrelay_stop_locked(rn);
	nrelay_rules_flush(rn);
	mutex_unlock(&rn->lock);
	nrelay_udp_net_exit(rn);
	mem_cgroup_put(rn->memcg);
}

static struct pernet_operations nrelay_net_ops = {
	.init = nrelay_net_init,
	.exit = nrelay_net_exit,
	.id = &nrelay_net_id,
	.size = sizeof(struct nrelay_net),
};

static int __init nrelay_init(void)
{
	int err;

	nrelay_wq = alloc_workqueue("nrelay", 0, 0);
	if (!nrelay_wq)
		return -ENOMEM;
	err = nrelay_tcp_init();
	if (err)
		goto err_wq;
	err = nrelay_udp_cache_init();
	if (err)
		goto err_tcp;
	err = register_pernet_subsys(&nrelay_net_ops);
	if (err)
		goto err_udp;
	nrelay_boot_rules(nrelay_pernet(&init_net));
	nrelay_canary_init();
	pr_info("loaded\n");
	return 0;

err_udp:
	nrelay_udp_cache_exit();
err_tcp:
	nrelay_tcp_exit();
err_wq:
	destroy_workqueue(nrelay_wq);
	return err;
}

static void __exit nrelay_exit(void)
{
	nrelay_canary_exit();
	unregister_pernet_subsys(&nrelay_net_ops);
	/* Mappings and rules are freed by RCU callbacks; let them run. */
	rcu_barrier();
	destroy_workqueue(nrelay_wq);
	nrelay_udp_cache_exit();
	nrelay_tcp_exit();
	pr_info("unloaded\n");
}

module_init(nrelay_init);
module_exit(nrelay_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel TCP and UDP relay");
MODULE_AUTHOR("relaykit developers");
