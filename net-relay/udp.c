// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: the UDP relay, a NAT in two netfilter hooks.
 *
 *            client C:c  --->  relay S:s  ---> backend B:b
 *   PRE_ROUTING   C:c -> S:s   becomes  C:r -> B:b   (mapping found/made;
 *                                                     r: its relay port)
 *   POST_ROUTING  C:r -> B:b   becomes  R:r -> B:b   (R: our address
 *                                                     towards B)
 *   PRE_ROUTING   B:b -> R:r   becomes  B:b -> C:r
 *   POST_ROUTING  B:b -> C:r   becomes  S:s -> C:c
 *
 * Destination addresses change before routing so that the forward path
 * routes the datagram; source addresses change after routing, because a
 * packet whose source is one of our own addresses would be dropped as
 * martian on input. Between the hooks the relay port r stands in the
 * packet: (B:b, r) is the key that is unique to a mapping, as one client
 * port may talk to two services (two relay addresses, or two rules) that
 * share a backend.
 *
 * A relay port never equals a UDP rule's port, a local socket's that
 * would receive the backend's datagrams, or a conntrack tuple's towards
 * the backend; a datagram to a relay port is matched to its mapping
 * before any rule.
 *
 * Priorities: PRE_ROUTING at NF_IP_PRI_CONNTRACK - 10, after defrag (so
 * a fragmented datagram arrives whole) and the raw table, before
 * conntrack; POST_ROUTING at NF_IP_PRI_NAT_SRC + 10, after iptables SNAT.
 * Relayed packets are marked untracked, so conntrack and iptables NAT
 * leave them alone and their rules go on applying to all other traffic;
 * the POST_ROUTING hook only looks at untracked packets.
 *
 * ICMP errors about a relayed datagram are translated back to its sender,
 * inner header included, both ways: the client learns at once that the
 * backend refused it, the backend that the client is gone, and either the
 * path MTU towards the other.
 *
 * This file has what the families share: the mappings' life (made,
 * accounted, expired), start and stop, the conns lines; udp_ipv4.c and
 * udp_ipv6.c the packet path of each family.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/memcontrol.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>

#include "nrelay.h"

#define NRELAY_UDP_GC_SLICES	4	/* a full sweep every second */

/* A relayed datagram is ours alone: conntrack must not track it, and a
 * template that the raw table attached (-j CT --zone, --helper) would
 * make it tracked after our hook, and POST_ROUTING would not see it.
 */
void nrelay_untrack(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
}

bool nrelay_is_untracked(const struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;

	return !nf_ct_get(skb, &ctinfo) && ctinfo == IP_CT_UNTRACKED;
#else
	return true;
#endif
}

unsigned int nrelay_udp_drop(struct nrelay_net *rn, enum nrelay_stat why)
{
	nrelay_stat_inc(rn, why);
	return NF_DROP;
}

void nrelay_udp_account(struct nrelay_net *rn, struct nrelay_udp_map *m,
			enum nrelay_dir dir, unsigned int len)
{
	unsigned long now = jiffies;

	if (READ_ONCE(m->last_used) != now)
		WRITE_ONCE(m->last_used, now);
	atomic64_inc(&m->packets[dir]);
	atomic64_add(len, &m->bytes[dir]);
	atomic64_add(len, &m->rule->bytes[dir]);
	if (dir == NRELAY_UP) {
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_PACKETS_UP);
		nrelay_stat_add(rn, NRELAY_STAT_UDP_BYTES_UP, len);
	} else {
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_PACKETS_DOWN);
		nrelay_stat_add(rn, NRELAY_STAT_UDP_BYTES_DOWN, len);
	}
}

/**
 * nrelay_udp_map_get - the mapping of a client's first datagram
 * @rn: the namespace's relay
 * @rule: the rule the datagram matched
 * @client: its source
 * @service: its destination
 * @relay: our address towards the backend, NULL if not known yet
 *
 * Made in softirq, charged to the namespace's memory cgroup.
 *
 * Return: the new mapping, or NULL with the reason counted.
 */
struct nrelay_udp_map *nrelay_udp_map_get(struct nrelay_net *rn,
					  struct nrelay_rule *rule,
					  const struct nrelay_addr *client,
					  const struct nrelay_addr *service,
					  const struct nrelay_addr *relay)
{
	struct mem_cgroup *memcg = set_active_memcg(rn->memcg);
	struct nrelay_udp_map *m;
	int err = 0;

	m = nrelay_udp_map_create(&rn->udp, rule, client, service, relay,
				  READ_ONCE(rn->udp_max_mappings), jiffies,
				  &err);
	set_active_memcg(memcg);
	if (m) {
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_MAPPINGS_CREATED);
		return m;
	}
	if (err == -ENOSPC)
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_TABLE_FULL);
	else if (err == -EADDRNOTAVAIL)
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_PORTS_EXHAUSTED);
	else if (err == -EDQUOT)
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_SOURCE_LIMIT);
	else
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_ALLOC_FAILED);
	return NULL;
}

/* Whether a conntrack entry uses the backend's datagram to @port, in
 * either direction.
 */
static bool nrelay_ct_tuple_used(struct net *net,
				 const struct nrelay_udp_map *m, __be16 port)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_tuple tuple;

	/* As conntrack keys it: an IPv4 address in the first word of u3,
	 * the rest zero, which is how struct nrelay_addr holds one too.
	 */
	memset(&tuple, 0, sizeof(tuple));
	tuple.src.l3num = m->backend.family == AF_INET6 ? NFPROTO_IPV6 :
							  NFPROTO_IPV4;
	tuple.src.u3.in6 = m->backend.ip6;
	tuple.src.u.udp.port = m->backend.port;
	tuple.dst.u3.in6 = m->relay.ip6;
	tuple.dst.u.udp.port = port;
	tuple.dst.protonum = IPPROTO_UDP;
	h = nf_conntrack_find_get(net, &nf_ct_zone_dflt, &tuple);
	if (h)
		nf_ct_put(nf_ct_tuplehash_to_ctrack(h));
	return h;
#else
	return false;
#endif
}

/* The table's port_busy: @port as the relay port of @m would take the
 * backend's datagrams from someone else. Our PRE_ROUTING hook runs before
 * the rules' matching, before the sockets and before conntrack; so not a
 * UDP rule's port (the reply would be a new flow of that rule), nor a
 * local socket's or a conntrack tuple's towards the backend (for example
 * a MASQUERADE'd flow, whose replies we would steal).
 */
static bool nrelay_udp_port_busy(struct nrelay_udp_table *t,
				 const struct nrelay_udp_map *m, __be16 port)
{
	struct nrelay_net *rn = container_of(t, struct nrelay_net, udp);
	struct nrelay_rule *r;

	list_for_each_entry_rcu(r, &rn->rules, node)
		if (r->proto == NRELAY_UDP && r->listen.port == port)
			return true;
	/* IPv4 learns our address after routing: until then, nothing. */
	if (nrelay_addr_is_any(&m->relay))
		return false;
#if IS_ENABLED(CONFIG_IPV6)
	if (m->backend.family == AF_INET6 ?
	    nrelay_udp6_sock_busy(rn, m, port) :
	    nrelay_udp4_sock_busy(rn, m, port))
		return true;
#else
	if (nrelay_udp4_sock_busy(rn, m, port))
		return true;
#endif
	return nrelay_ct_tuple_used(rn->net, m, port);
}

static void nrelay_udp_gc(struct work_struct *work)
{
	struct nrelay_net *rn = container_of(to_delayed_work(work),
					     struct nrelay_net, udp_gc);
	unsigned int n;

	n = nrelay_udp_expire(&rn->udp, jiffies,
			      READ_ONCE(rn->udp_timeout) * HZ,
			      READ_ONCE(rn->udp_unreplied_timeout) * HZ,
			      (rn->udp.mask + 1) / NRELAY_UDP_GC_SLICES);
	nrelay_stat_add(rn, NRELAY_STAT_UDP_MAPPINGS_EXPIRED, n);
	/* Evictions happen in softirq, counted by the table: fold them in. */
	nrelay_stat_add(rn, NRELAY_STAT_UDP_EVICTED,
			atomic_xchg(&rn->udp.evicted, 0));
	queue_delayed_work(nrelay_wq, &rn->udp_gc, HZ / NRELAY_UDP_GC_SLICES);
}

/**
 * nrelay_udp_listen_local - whether a UDP rule may listen on @a
 * @net: the rule's namespace
 * @a: the listen address
 *
 * What bind() allows TCP's listeners: the wildcard, a local, broadcast
 * or multicast address, or any with ip_nonlocal_bind. The hooks see
 * forwarded traffic too: without this check a rule could take over
 * datagrams that only pass through.
 */
bool nrelay_udp_listen_local(struct net *net, const struct nrelay_addr *a)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (a->family == AF_INET6)
		return nrelay_udp6_listen_local(net, a);
#endif
	return nrelay_udp4_listen_local(net, a);
}

void nrelay_udp_net_init(struct nrelay_net *rn)
{
	/* Not deferrable, as the TCP sweep: mappings expire on time. The
	 * sweep runs only while UDP rules exist (nrelay_engage()).
	 */
	INIT_DELAYED_WORK(&rn->udp_gc, nrelay_udp_gc);
}

/**
 * nrelay_udp_table_setup - make the namespace's mapping table
 * @rn: the namespace's relay; its lock is held
 *
 * Made when UDP is first relayed in the namespace, kept until it goes:
 * conns may read it at any time.
 *
 * Return: 0 or -ENOMEM.
 */
int nrelay_udp_table_setup(struct nrelay_net *rn)
{
	int err;

	if (rn->udp_ready)
		return 0;
	err = nrelay_udp_table_init(&rn->udp, 4096);
	if (err)
		return err;
	rn->udp.port_busy = nrelay_udp_port_busy;
	rn->udp.sources = &rn->sources;
	rn->udp.max_per_source = &rn->udp_max_per_source;
	/* Publishes the table to conns readers: nrelay_udp_seq_next(). */
	smp_store_release(&rn->udp_ready, true);
	return 0;
}

void nrelay_udp_net_exit(struct nrelay_net *rn)
{
	nrelay_udp_table_free(&rn->udp);
}

/* Both families' defragmentation: a relayed datagram arrives whole. */
static int nrelay_udp_defrag_enable(struct net *net)
{
	int err;

	err = nf_defrag_ipv4_enable(net);
#if IS_ENABLED(CONFIG_IPV6)
	if (!err) {
		err = nf_defrag_ipv6_enable(net);
		if (err)
			nf_defrag_ipv4_disable(net);
	}
#endif
	return err;
}

static void nrelay_udp_defrag_disable(struct net *net)
{
#if IS_ENABLED(CONFIG_IPV6)
	nf_defrag_ipv6_disable(net);
#endif
	nf_defrag_ipv4_disable(net);
}

int nrelay_udp_start(struct nrelay_net *rn)
{
	unsigned int i;
	int err;

	err = nrelay_udp_table_setup(rn);
	if (err)
		return err;
	rn->udp_hooks = kcalloc(NRELAY_UDP_ALL_HOOKS, sizeof(*rn->udp_hooks),
				GFP_KERNEL_ACCOUNT);
	if (!rn->udp_hooks)
		return -ENOMEM;
	memcpy(rn->udp_hooks, nrelay_udp4_hook_ops,
	       sizeof(nrelay_udp4_hook_ops));
#if IS_ENABLED(CONFIG_IPV6)
	memcpy(rn->udp_hooks + NRELAY_UDP_HOOKS, nrelay_udp6_hook_ops,
	       sizeof(nrelay_udp6_hook_ops));
#endif
	for (i = 0; i < NRELAY_UDP_ALL_HOOKS; i++)
		rn->udp_hooks[i].priv = rn;

	err = nrelay_udp_defrag_enable(rn->net);
	if (err)
		goto err_free;
	err = nf_register_net_hooks(rn->net, rn->udp_hooks,
				    NRELAY_UDP_ALL_HOOKS);
	if (err)
		goto err_defrag;
	queue_delayed_work(nrelay_wq, &rn->udp_gc, HZ / NRELAY_UDP_GC_SLICES);
	return 0;

err_defrag:
	nrelay_udp_defrag_disable(rn->net);
err_free:
	kfree(rn->udp_hooks);
	rn->udp_hooks = NULL;
	return err;
}

void nrelay_udp_stop(struct nrelay_net *rn)
{
	nf_unregister_net_hooks(rn->net, rn->udp_hooks, NRELAY_UDP_ALL_HOOKS);
	/* No packet may still be in our hooks when the table is emptied. */
	synchronize_net();
	kfree(rn->udp_hooks);
	rn->udp_hooks = NULL;
	nrelay_udp_defrag_disable(rn->net);
	cancel_delayed_work_sync(&rn->udp_gc);
	nrelay_udp_flush(&rn->udp, NULL);
}

/* /proc/net/relay/conns and netlink's dump walk the mappings under RCU,
 * bucket by bucket: the mapping after @m (the first from bucket *@b on if
 * @m is NULL), its bucket in *@b; past the last, *@b is past the table.
 */
struct nrelay_udp_map *nrelay_udp_seq_next(struct nrelay_net *rn,
					   struct nrelay_udp_map *m,
					   unsigned int *b)
{
	struct nrelay_udp_table *t = &rn->udp;
	struct hlist_node *node;

	/* The table is complete once this reads true: pairs with the
	 * release in nrelay_udp_table_setup().
	 */
	if (!smp_load_acquire(&rn->udp_ready))
		return NULL;
	if (m)
		node = rcu_dereference(hlist_next_rcu(&m->orig_node));
	else if (*b <= t->mask)
		node = rcu_dereference(hlist_first_rcu(&t->orig[*b]));
	else
		return NULL;
	while (!node && ++*b <= t->mask)
		node = rcu_dereference(hlist_first_rcu(&t->orig[*b]));
	return node ? hlist_entry(node, struct nrelay_udp_map, orig_node) :
		      NULL;
}

void nrelay_udp_map_info(struct nrelay_net *rn, struct nrelay_udp_map *m,
			 struct nrelay_conn_info *ci)
{
	bool answered = READ_ONCE(m->replied);
	unsigned long timeout = (answered ? READ_ONCE(rn->udp_timeout) :
				 READ_ONCE(rn->udp_unreplied_timeout)) * HZ;
	unsigned long now = jiffies;
	unsigned long idle = now - READ_ONCE(m->last_used);

	memset(ci, 0, sizeof(*ci));
	ci->rule = m->rule;
	ci->client = m->client;
	ci->relay = m->relay;
	ci->relay.ip = READ_ONCE(m->relay.ip);
	ci->backend = m->backend;
	ci->state = answered ? "replied" : "unreplied";
	ci->bytes[NRELAY_UP] = atomic64_read(&m->bytes[NRELAY_UP]);
	ci->bytes[NRELAY_DOWN] = atomic64_read(&m->bytes[NRELAY_DOWN]);
	ci->age = (now - m->created) / HZ;
	ci->expires = idle < timeout ? (timeout - idle) / HZ : 0;
}
