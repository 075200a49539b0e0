// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: the UDP mapping table.
 *
 * Every mapping is reachable by two keys: from the client side by
 * (client address:port, service address:port), and from the backend side
 * by (backend address:port, relay port). The service is part of the first
 * key, as one client port may ask two services that share a backend; the
 * second key is unique, so the relay port names its mapping on the way
 * through the relay (see udp.c). Lookups run under RCU on the
 * packet path; insertions and removals take the table lock, which keeps
 * both keys unique together. Mappings are freed after a grace period.
 * Expiry is one periodic sweep over a bounded slice of buckets rather
 * than a timer per mapping, so that stopping is cancelling one work item.
 *
 * Nothing here knows about packets or namespaces, so KUnit tests it as is.
 */

#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/ipv6.h>

#include "nrelay.h"

/* Port allocation: tries per round, halved each round, down to this. */
#define NRELAY_PORT_TRIES	128
#define NRELAY_PORT_MIN_TRIES	16
/* Buckets searched for an unreplied mapping to evict when full: enough
 * to find one in a table far bigger than its mappings, still bounded.
 */
#define NRELAY_EVICT_BUCKETS	256
/* Unreplied mappings compared before one is evicted. */
#define NRELAY_EVICT_SAMPLE	8

static struct kmem_cache *nrelay_map_cache __read_mostly;

int nrelay_udp_cache_init(void)
{
	nrelay_map_cache = KMEM_CACHE(nrelay_udp_map, SLAB_ACCOUNT);
	return nrelay_map_cache ? 0 : -ENOMEM;
}

void nrelay_udp_cache_exit(void)
{
	kmem_cache_destroy(nrelay_map_cache);
	nrelay_map_cache = NULL;
}

bool nrelay_udp_cache_ready(void)
{
	return nrelay_map_cache;
}

static u32 nrelay_addr_hash(const struct nrelay_addr *a, u32 seed)
{
	if (a->family == AF_INET6)
		return jhash2((const u32 *)&a->ip6, 4,
			      seed ^ (__force u32)a->port);
	return jhash_2words((__force u32)a->ip, (__force u32)a->port, seed);
}

static unsigned int nrelay_orig_bucket(const struct nrelay_udp_table *t,
				       const struct nrelay_addr *client,
				       const struct nrelay_addr *service)
{
	return nrelay_addr_hash(client, nrelay_addr_hash(service, t->seed)) &
	       t->mask;
}

static unsigned int nrelay_reply_bucket(const struct nrelay_udp_table *t,
					const struct nrelay_addr *backend,
					__be16 relay_port)
{
	return nrelay_addr_hash(backend, t->seed ^ (__force u32)relay_port) &
	       t->mask;
}

int nrelay_udp_table_init(struct nrelay_udp_table *t, unsigned int buckets)
{
	unsigned int i;

	if (!is_power_of_2(buckets))
		return -EINVAL;
	t->orig = kvmalloc_array(buckets, sizeof(*t->orig), GFP_KERNEL_ACCOUNT);
	t->reply = kvmalloc_array(buckets, sizeof(*t->reply),
				  GFP_KERNEL_ACCOUNT);
	if (!t->orig || !t->reply) {
		kvfree(t->orig);
		kvfree(t->reply);
		return -ENOMEM;
	}
	for (i = 0; i < buckets; i++) {
		INIT_HLIST_HEAD(&t->orig[i]);
		INIT_HLIST_HEAD(&t->reply[i]);
	}
	t->mask = buckets - 1;
	spin_lock_init(&t->lock);
	atomic_set(&t->count, 0);
	atomic_set(&t->evicted, 0);
	t->seed = get_random_u32();
	t->gc_next = 0;
	t->port_busy = NULL;
	return 0;
}

/* The table must be empty of readers (hooks gone, grace period over). */
void nrelay_udp_table_free(struct nrelay_udp_table *t)
{
	nrelay_udp_flush(t, NULL);
	kvfree(t->orig);
	kvfree(t->reply);
	t->orig = NULL;
	t->reply = NULL;
}

struct nrelay_udp_map *
nrelay_udp_lookup_orig(struct nrelay_udp_table *t,
		       const struct nrelay_addr *client,
		       const struct nrelay_addr *service)
{
	struct nrelay_udp_map *m;
	unsigned int b = nrelay_orig_bucket(t, client, service);

	hlist_for_each_entry_rcu(m, &t->orig[b], orig_node)
		if (nrelay_addr_equal(&m->client, client) &&
		    nrelay_addr_equal(&m->service, service))
			return m;
	return NULL;
}

struct nrelay_udp_map *
nrelay_udp_lookup_reply(struct nrelay_udp_table *t,
			const struct nrelay_addr *backend, __be16 relay_port)
{
	struct nrelay_udp_map *m;
	unsigned int b = nrelay_reply_bucket(t, backend, relay_port);

	hlist_for_each_entry_rcu(m, &t->reply[b], reply_node)
		if (m->relay.port == relay_port &&
		    nrelay_addr_equal(&m->backend, backend))
			return m;
	return NULL;
}

/**
 * nrelay_port_pick - choose a free port in [@lo, @hi]
 * @preferred: tried first (the client's own port, as NAT does)
 * @lo: lowest port
 * @hi: highest port
 * @rnd: random seed for the starting offsets
 * @taken: tells whether a port is in use
 * @arg: passed to @taken
 *
 * A bounded number of tries: a round from a random offset, then rounds
 * half as long from new offsets, so a nearly full range fails fast
 * instead of scanning it all in softirq.
 *
 * Return: the port in host order, or 0 if none was found.
 */
u16 nrelay_port_pick(u16 preferred, u16 lo, u16 hi, u32 rnd,
		     bool (*taken)(u16 port, void *arg), void *arg)
{
	unsigned int range = hi - lo + 1;
	unsigned int tries = min_t(unsigned int, range, NRELAY_PORT_TRIES);
	unsigned int round = 0;

	if (preferred >= lo && preferred <= hi && !taken(preferred, arg))
		return preferred;
	for (;;) {
		unsigned int off = jhash_1word(round, rnd);
		unsigned int i;

		for (i = 0; i < tries; i++) {
			u16 port = lo + (off + i) % range;

			if (!taken(port, arg))
				return port;
		}
		if (tries >= range || tries <= NRELAY_PORT_MIN_TRIES)
			return 0;
		tries /= 2;
		round++;
	}
}

struct nrelay_port_query {
	struct nrelay_udp_table *t;
	const struct nrelay_udp_map *m;
};

static bool nrelay_port_taken(u16 port, void *arg)
{
	struct nrelay_port_query *q = arg;

	if (nrelay_udp_lookup_reply(q->t, &q->m->backend, htons(port)))
		return true;
	return q->t->port_busy && q->t->port_busy(q->t, q->m, htons(port));
}

static void nrelay_udp_map_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(nrelay_map_cache,
			container_of(head, struct nrelay_udp_map, rcu));
}

/* Called with the table lock held. */
static void nrelay_udp_map_unlink(struct nrelay_udp_table *t,
				  struct nrelay_udp_map *m)
{
	hlist_del_rcu(&m->orig_node);
	hlist_del_rcu(&m->reply_node);
	if (m->source)
		nrelay_source_put(t->sources, m->source, NRELAY_UDP);
	atomic_dec(&t->count);
	atomic_dec(&m->rule->active);
	call_rcu(&m->rcu, nrelay_udp_map_free_rcu);
}

/* Make room as conntrack's early_drop does: unlink a mapping that never
 * saw a reply (towards @backend, if given); a flood of spoofed sources
 * makes only such mappings. Of the first few found in a bounded walk from
 * a random bucket, the one idle longest goes: not a legitimate flow that
 * still waits for its answer, while the flood turns the table over.
 * Return its relay port, or 0 if none was found. Table lock held.
 */
static __be16 nrelay_udp_evict(struct nrelay_udp_table *t,
			       const struct nrelay_addr *backend)
{
	struct nrelay_udp_map *m, *victim = NULL;
	unsigned int b = get_random_u32(), i, seen = 0;
	__be16 port;

	for (i = 0; i < NRELAY_EVICT_BUCKETS && i <= t->mask &&
	     seen < NRELAY_EVICT_SAMPLE; i++, b++) {
		hlist_for_each_entry(m, &t->orig[b & t->mask], orig_node) {
			if (READ_ONCE(m->replied) ||
			    (backend && !nrelay_addr_equal(&m->backend, backend)))
				continue;
			if (!victim || time_before(READ_ONCE(m->last_used),
						   READ_ONCE(victim->last_used)))
				victim = m;
			seen++;
		}
	}
	if (!victim)
		return 0;
	port = victim->relay.port;
	nrelay_udp_map_unlink(t, victim);
	atomic_inc(&t->evicted);
	return port;
}

/**
 * nrelay_udp_map_create - map a new flow, or return the one a racing
 *	packet of the same flow just mapped
 * @t: the table
 * @rule: the UDP rule the flow matched
 * @client: the requester's address and port
 * @service: where the requester sent the datagram (relay address, port)
 * @relay: our address towards the backend (its port is ignored), or
 *	NULL if not known yet (IPv4 learns it after routing)
 * @max: the table's size limit
 * @now: jiffies
 * @err: set on failure: -ENOSPC (table full), -EADDRNOTAVAIL (no free
 *	relay port), -EDQUOT (the client's address has its share), -ENOMEM
 *
 * A full table or port space evicts a mapping that never saw a reply, if
 * one is found quickly; only then does the new flow fail.
 *
 * Context: any, including softirq.
 * Return: the mapping or NULL.
 */
struct nrelay_udp_map *
nrelay_udp_map_create(struct nrelay_udp_table *t, struct nrelay_rule *rule,
		      const struct nrelay_addr *client,
		      const struct nrelay_addr *service,
		      const struct nrelay_addr *relay,
		      unsigned int max, unsigned long now, int *err)
{
	struct nrelay_port_query q = { .t = t };
	struct nrelay_udp_map *m, *old;
	u16 port;

	m = kmem_cache_zalloc(nrelay_map_cache, GFP_ATOMIC | __GFP_ACCOUNT);
	if (!m) {
		*err = -ENOMEM;
		return NULL;
	}
	m->rule = rule;
	m->client = *client;
	m->service = *service;
	m->backend = rule->backend;
	if (relay)
		m->relay = *relay;
	m->relay.family = rule->backend.family;
	m->relay.port = 0;
	m->created = now;
	m->last_used = now;
	q.m = m;

	spin_lock_bh(&t->lock);
	old = nrelay_udp_lookup_orig(t, client, service);
	if (old) {
		spin_unlock_bh(&t->lock);
		kmem_cache_free(nrelay_map_cache, m);
		return old;
	}
	if (t->sources) {
		m->source = nrelay_source_get(t->sources, client, NRELAY_UDP,
					      READ_ONCE(*t->max_per_source));
		if (!m->source) {
			*err = -EDQUOT;
			goto fail;
		}
	}
	if (atomic_read(&t->count) >= max && !nrelay_udp_evict(t, NULL)) {
		*err = -ENOSPC;
		goto fail;
	}
	port = nrelay_port_pick(ntohs(client->port), NRELAY_UDP_PORT_MIN,
				NRELAY_UDP_PORT_MAX, get_random_u32(),
				nrelay_port_taken, &q);
	if (!port) {
		/* The evicted mapping's port is free towards this backend. */
		port = ntohs(nrelay_udp_evict(t, &rule->backend));
		if (!port || nrelay_port_taken(port, &q)) {
			*err = -EADDRNOTAVAIL;
			goto fail;
		}
	}
	m->relay.port = htons(port);
	hlist_add_head_rcu(&m->orig_node,
			   &t->orig[nrelay_orig_bucket(t, client, service)]);
	hlist_add_head_rcu(&m->reply_node,
			   &t->reply[nrelay_reply_bucket(t, &rule->backend,
							 m->relay.port)]);
	atomic_inc(&t->count);
	atomic_inc(&rule->active);
	atomic64_inc(&rule->total);
	spin_unlock_bh(&t->lock);
	return m;

fail:
	if (m->source)
		nrelay_source_put(t->sources, m->source, NRELAY_UDP);
	spin_unlock_bh(&t->lock);
	kmem_cache_free(nrelay_map_cache, m);
	return NULL;
}

/**
 * nrelay_udp_expire - drop the mappings unused for their timeout in the
 *	next @buckets buckets
 * @t: the table
 * @now: jiffies
 * @timeout: idle time after which a mapping goes
 * @unreplied: the same for a mapping that never saw a reply (as
 *	conntrack's shorter timeout for unreplied UDP)
 * @buckets: size of the slice; the next call goes on from where this ended
 *
 * Return: the number of mappings dropped.
 */
unsigned int nrelay_udp_expire(struct nrelay_udp_table *t, unsigned long now,
			       unsigned long timeout, unsigned long unreplied,
			       unsigned int buckets)
{
	struct nrelay_udp_map *m;
	struct hlist_node *tmp;
	unsigned int n = 0;

	buckets = min(buckets, t->mask + 1);
	while (buckets--) {
		unsigned int b = t->gc_next;

		t->gc_next = (b + 1) & t->mask;
		if (hlist_empty(&t->orig[b]))
			continue;
		spin_lock_bh(&t->lock);
		hlist_for_each_entry_safe(m, tmp, &t->orig[b], orig_node) {
			unsigned long limit = READ_ONCE(m->replied) ?
					      timeout : unreplied;

			if (time_after(now, READ_ONCE(m->last_used) + limit)) {
				nrelay_udp_map_unlink(t, m);
				n++;
			}
		}
		spin_unlock_bh(&t->lock);
	}
	return n;
}

/**
 * nrelay_udp_flush - drop every mapping of @rule, or all if @rule is NULL
 * @t: the table
 * @rule: the rule, or NULL
 *
 * Return: the number of mappings dropped.
 */
unsigned int nrelay_udp_flush(struct nrelay_udp_table *t,
			      const struct nrelay_rule *rule)
{
	struct nrelay_udp_map *m;
	struct hlist_node *tmp;
	unsigned int b, n = 0;

	if (!t->orig)		/* never set up */
		return 0;
	for (b = 0; b <= t->mask; b++) {
		if (hlist_empty(&t->orig[b]))
			continue;
		spin_lock_bh(&t->lock);
		hlist_for_each_entry_safe(m, tmp, &t->orig[b], orig_node) {
			if (!rule || m->rule == rule) {
				nrelay_udp_map_unlink(t, m);
				n++;
			}
		}
		spin_unlock_bh(&t->lock);
		cond_resched();
	}
	return n;
}
