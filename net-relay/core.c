// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: in-kernel TCP and UDP relay.
 *
 * Module and namespace life cycle, the rule set, start and stop. The TCP
 * relay lives in tcp.c, the UDP NAT in udp.c and udp_table.c, the user
 * interfaces in netlink.c, proc.c and sysctl.c: each parses and checks
 * its input, then calls nrelay_exec(), nrelay_restore(), nrelay_start()
 * or nrelay_stop() here, which announce what they change.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/memcontrol.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include <uapi/linux/net_relay.h>

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
static bool nrelay_listen_clash(enum nrelay_proto pa,
				const struct nrelay_addr *a,
				enum nrelay_proto pb,
				const struct nrelay_addr *b)
{
	if (pa != pb || a->port != b->port)
		return false;
	if (a->family == AF_UNSPEC || b->family == AF_UNSPEC)
		return true;
	if (a->family != b->family)
		return false;
	return nrelay_addr_is_any(a) || nrelay_addr_is_any(b) ||
	       nrelay_addr_equal(a, b);
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
		if (nrelay_listen_clash(r->proto, &r->listen, cmd->proto,
					&cmd->listen))
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

/* Why nrelay_exec() or nrelay_restore() refused, for the kernel log and
 * netlink's extended ack alike.
 */
static const char *nrelay_exec_why(int err)
{
	switch (err) {
	case -EEXIST:
		return "a rule for this protocol and address exists";
	case -EADDRINUSE:
		return "the address and port are in use";
	case -ENOENT:
		return "no such rule";
	case -EADDRNOTAVAIL:
		return "the listen address is not local";
	case -ENOSPC:
		return "the namespace has net.relay.max_rules rules";
	default:
		return "cannot apply the rule";
	}
}

static int nrelay_exec_locked(struct nrelay_net *rn,
			      const struct nrelay_cmd *cmd)
{
	struct nrelay_rule *r, *tmp;
	int err = 0;

	switch (cmd->op) {
	case NRELAY_OP_ADD:
		err = nrelay_rule_add(rn, cmd);
		break;
	case NRELAY_OP_DEL:
		err = -ENOENT;
		list_for_each_entry_safe(r, tmp, &rn->rules, node) {
			if (!nrelay_rule_deleted(r, cmd))
				continue;
			nrelay_rule_del(rn, r);
			err = 0;
		}
		break;
	case NRELAY_OP_FLUSH:
		nrelay_rules_flush(rn);
		break;
	}
	return err;
}

/**
 * nrelay_exec - carry out one parsed command, whoever gave it
 * @rn: the namespace's relay
 * @cmd: the command, checked by nrelay_cmd_check()
 * @why: on error, what is wrong
 *
 * A change is announced to netlink's monitors.
 *
 * Return: 0 or a negative errno; on error nothing has changed.
 */
int nrelay_exec(struct nrelay_net *rn, const struct nrelay_cmd *cmd,
		const char **why)
{
	int err;

	mutex_lock(&rn->lock);
	err = nrelay_exec_locked(rn, cmd);
	if (err)
		*why = nrelay_exec_why(err);
	else
		nrelay_nl_notify_rule(rn, cmd);
	mutex_unlock(&rn->lock);
	return err;
}

/* What can be known of @cmds before the rule set changes: no two clash,
 * they fit in @max_rules, a UDP rule's address is local. Return: 0 or
 * the errno nrelay_rule_add() would give, the culprit in *@failed.
 */
static int nrelay_restore_check(struct nrelay_net *rn,
				const struct nrelay_cmd *cmds,
				unsigned int ncmds, int max_rules,
				unsigned int *failed)
{
	unsigned int i, j;

	for (i = 0; i < ncmds; i++) {
		*failed = i;
		if (i >= max_rules)
			return -ENOSPC;
		for (j = 0; j < i; j++) {
			if (cmds[j].proto == cmds[i].proto &&
			    nrelay_addr_equal(&cmds[j].listen, &cmds[i].listen))
				return -EEXIST;
			if (nrelay_listen_clash(cmds[j].proto, &cmds[j].listen,
						cmds[i].proto, &cmds[i].listen))
				return -EADDRINUSE;
		}
		if (cmds[i].proto == NRELAY_UDP && rn->net &&
		    !nrelay_udp_listen_local(rn->net, &cmds[i].listen))
			return -EADDRNOTAVAIL;
	}
	return 0;
}

/* The rule set as add commands, for nrelay_restore()'s way back. */
static struct nrelay_cmd *nrelay_rules_save(struct nrelay_net *rn,
					    unsigned int *n)
{
	struct nrelay_cmd *cmds;
	struct nrelay_rule *r;
	unsigned int i = 0;

	cmds = kcalloc(rn->nrules[NRELAY_TCP] + rn->nrules[NRELAY_UDP] + 1,
		       sizeof(*cmds), GFP_KERNEL);
	if (!cmds)
		return NULL;
	list_for_each_entry(r, &rn->rules, node) {
		cmds[i].op = NRELAY_OP_ADD;
		cmds[i].proto = r->proto;
		cmds[i].listen = r->listen;
		cmds[i].backend = r->backend;
		i++;
	}
	*n = i;
	return cmds;
}

static int nrelay_rules_replace(struct nrelay_net *rn,
				const struct nrelay_cmd *cmds,
				unsigned int ncmds, unsigned int *failed)
{
	unsigned int i;
	int err;

	nrelay_rules_flush(rn);
	for (i = 0; i < ncmds; i++) {
		err = nrelay_rule_add(rn, &cmds[i]);
		if (err) {
			*failed = i;
			return err;
		}
	}
	return 0;
}

/**
 * nrelay_restore - replace the rule set and set tunables, all or nothing
 * @rn: the namespace's relay
 * @cmds: add commands, each checked by nrelay_cmd_check()
 * @ncmds: how many
 * @values: tunables' new values, each checked by nrelay_tunable_check()
 * @nvalues: how many
 * @failed: on error, the index in @cmds of the rule refused
 * @why: on error, what is wrong
 *
 * The old rules go, with their relays, mappings and counters; the new
 * ones start from zero. What can be checked beforehand is; if a new rule
 * still fails (its TCP port is taken), the old set is put back.
 *
 * Return: 0 or a negative errno; on error the rules and tunables are as
 * they were (counters reset, relays closed if it got to replacing).
 */
int nrelay_restore(struct nrelay_net *rn, struct nrelay_cmd *cmds,
		   unsigned int ncmds,
		   const struct nrelay_tunable_value *values,
		   unsigned int nvalues, unsigned int *failed,
		   const char **why)
{
	int max_rules = READ_ONCE(rn->max_rules);
	int saved[NRELAY_TUNABLES];
	struct nrelay_cmd *old;
	unsigned int i, nold, bad;
	int err;

	for (i = 0; i < nvalues; i++)
		if (values[i].index == nrelay_tunable_find("max_rules"))
			max_rules = values[i].value;
	mutex_lock(&rn->lock);
	err = nrelay_restore_check(rn, cmds, ncmds, max_rules, failed);
	if (err)
		goto out;
	old = nrelay_rules_save(rn, &nold);
	if (!old) {
		err = -ENOMEM;
		*failed = 0;
		goto out;
	}
	for (i = 0; i < NRELAY_TUNABLES; i++)
		saved[i] = nrelay_tunable_get(rn, i);
	for (i = 0; i < nvalues; i++)
		nrelay_tunable_set(rn, values[i].index, values[i].value);
	err = nrelay_rules_replace(rn, cmds, ncmds, failed);
	if (err) {
		for (i = 0; i < NRELAY_TUNABLES; i++)
			nrelay_tunable_set(rn, i, saved[i]);
		if (nrelay_rules_replace(rn, old, nold, &bad))
			pr_warn("restore: the old rule %u could not be put back\n",
				bad);
	} else {
		nrelay_nl_notify(rn, NRELAY_CMD_RESTORE);
	}
	kfree(old);
out:
	if (err)
		*why = nrelay_exec_why(err);
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

/* Start and stop, from /proc or netlink, announced when they change the
 * state.
 */
int nrelay_start(struct nrelay_net *rn)
{
	bool was;
	int err;

	mutex_lock(&rn->lock);
	was = rn->running;
	err = nrelay_start_locked(rn);
	if (!err && !was)
		nrelay_nl_notify(rn, NRELAY_CMD_START);
	mutex_unlock(&rn->lock);
	return err;
}

void nrelay_stop(struct nrelay_net *rn)
{
	mutex_lock(&rn->lock);
	if (rn->running) {
		nrelay_stop_locked(rn);
		nrelay_nl_notify(rn, NRELAY_CMD_STOP);
	}
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
			err = nrelay_exec(rn, &cmd, &why);
		if (err)
			pr_err("rules=%s: %s (%d)\n", item, why, err);
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
	/* After the namespaces' state, which its requests use; before the
	 * boot rules, which it announces.
	 */
	err = nrelay_nl_init();
	if (err)
		goto err_pernet;
	nrelay_boot_rules(nrelay_pernet(&init_net));
	nrelay_canary_init();
	pr_info("loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&nrelay_net_ops);
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
	nrelay_nl_exit();
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
