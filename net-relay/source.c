// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: per-source counts, so that one client address cannot hold
 * all of a namespace's TCP relays or UDP mappings (tcp_max_per_source,
 * udp_max_per_source), as connlimit caps conntrack's.
 *
 * An entry exists while its address has a relay or a mapping, so a flood
 * from spoofed sources makes at most as many entries as it has mappings.
 * One lock per namespace: entries change only when flows start and end.
 *
 * Nothing here knows about packets or namespaces, so KUnit tests it as is.
 */

#include <linux/jhash.h>
#include <linux/slab.h>

#include "nrelay.h"

struct nrelay_source {
	struct hlist_node node;
	struct nrelay_addr addr;	/* port 0 */
	unsigned int count[2];		/* by enum nrelay_proto */
};

static bool nrelay_source_idle(const struct nrelay_source *src)
{
	return !src->count[NRELAY_TCP] && !src->count[NRELAY_UDP];
}

void nrelay_sources_init(struct nrelay_sources *s)
{
	unsigned int i;

	spin_lock_init(&s->lock);
	for (i = 0; i < ARRAY_SIZE(s->head); i++)
		INIT_HLIST_HEAD(&s->head[i]);
	s->seed = get_random_u32();
}

static struct hlist_head *nrelay_source_head(struct nrelay_sources *s,
					     const struct nrelay_addr *a)
{
	u32 h;

	if (a->family == AF_INET6)
		h = jhash2((const u32 *)&a->ip6, 4, s->seed);
	else
		h = jhash_1word((__force u32)a->ip, s->seed);
	return &s->head[h % ARRAY_SIZE(s->head)];
}

/**
 * nrelay_source_get - count one more flow of @proto from @addr's address
 * @s: the namespace's sources
 * @addr: the client (its port is ignored)
 * @proto: NRELAY_TCP or NRELAY_UDP
 * @max: how many flows of @proto one address may have
 *
 * Context: any, including softirq.
 * Return: the entry to give back to nrelay_source_put(), or NULL when the
 * address has @max flows already or no memory is left.
 */
struct nrelay_source *nrelay_source_get(struct nrelay_sources *s,
					const struct nrelay_addr *addr,
					enum nrelay_proto proto,
					unsigned int max)
{
	struct hlist_head *head = nrelay_source_head(s, addr);
	struct nrelay_addr key = *addr;
	struct nrelay_source *src;

	key.port = 0;
	spin_lock_bh(&s->lock);
	hlist_for_each_entry(src, head, node)
		if (nrelay_addr_equal(&src->addr, &key))
			goto found;
	src = kzalloc(sizeof(*src), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!src)
		goto out;
	src->addr = key;
	hlist_add_head(&src->node, head);
found:
	if (src->count[proto] < max) {
		src->count[proto]++;
	} else {
		if (nrelay_source_idle(src)) {
			hlist_del(&src->node);
			kfree(src);
		}
		src = NULL;
	}
out:
	spin_unlock_bh(&s->lock);
	return src;
}

/* Give back a flow counted by nrelay_source_get(); the entry goes with
 * its address's last flow.
 */
void nrelay_source_put(struct nrelay_sources *s, struct nrelay_source *src,
		       enum nrelay_proto proto)
{
	spin_lock_bh(&s->lock);
	src->count[proto]--;
	if (nrelay_source_idle(src)) {
		hlist_del(&src->node);
		kfree(src);
	}
	spin_unlock_bh(&s->lock);
}
