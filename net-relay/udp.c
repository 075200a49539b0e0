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
 * ICMP errors about a relayed datagram are translated back, inner header
 * included, so the client learns at once that the backend refused it.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/icmp.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/memcontrol.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/route.h>
#include <net/udp.h>

#include "nrelay.h"

#define NRELAY_UDP_GC_SLICES	4	/* a full sweep every second */

struct nrelay_icmp_err {
	struct icmphdr icmp;
	struct iphdr ip;
};

static void nrelay_addr_v4(struct nrelay_addr *a, __be32 ip, __be16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->ip = ip;
	a->port = port;
}

/* A relayed datagram is ours alone: conntrack must not track it, and a
 * template that the raw table attached (-j CT --zone, --helper) would
 * make it tracked after our hook, and POST_ROUTING would not see it.
 */
static void nrelay_untrack(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	nf_reset_ct(skb);
	nf_ct_set(skb, NULL, IP_CT_UNTRACKED);
#endif
}

static bool nrelay_is_untracked(const struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;

	return !nf_ct_get(skb, &ctinfo) && ctinfo == IP_CT_UNTRACKED;
#else
	return true;
#endif
}

/* Rewrite an address of the packet's IP header, fixing the header
 * checksum and, when @check is given, the transport checksum too.
 */
static void nrelay_set_addr(struct sk_buff *skb, struct iphdr *iph,
			    __be32 *addr, __be32 to, __sum16 *check)
{
	if (check)
		inet_proto_csum_replace4(check, skb, *addr, to, true);
	csum_replace4(&iph->check, *addr, to);
	*addr = to;
}

static void nrelay_set_port(struct sk_buff *skb, __be16 *port, __be16 to,
			    __sum16 *check)
{
	if (check) {
		inet_proto_csum_replace2(check, skb, *port, to, false);
		/* 0 means "no checksum" in UDP */
		if (!*check)
			*check = CSUM_MANGLED_0;
	}
	*port = to;
}

static void nrelay_account(struct nrelay_net *rn, struct nrelay_udp_map *m,
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

static struct nrelay_rule *nrelay_udp_rule_find(struct nrelay_net *rn,
						__be32 daddr, __be16 dport)
{
	struct nrelay_rule *r;

	list_for_each_entry_rcu(r, &rn->rules, node) {
		if (r->proto != NRELAY_UDP || r->listen.port != dport)
			continue;
		if (nrelay_addr_is_any(&r->listen) ?
		    inet_addr_type(rn->net, daddr) == RTN_LOCAL :
		    r->listen.ip == daddr)
			return r;
	}
	return NULL;
}

/* A datagram we are about to relay must be whole and intact. */
static bool nrelay_udp_valid(struct sk_buff *skb, unsigned int iphlen,
			     const struct nf_hook_state *state)
{
	const struct udphdr *uh = (void *)ip_hdr(skb) + iphlen;
	unsigned int len = ntohs(uh->len);

	if (len < sizeof(*uh) || len > skb->len - iphlen)
		return false;
	return !uh->check ||
	       !nf_ip_checksum(skb, state->hook, iphlen, IPPROTO_UDP);
}

static unsigned int nrelay_udp_drop(struct nrelay_net *rn,
				    enum nrelay_stat why)
{
	nrelay_stat_inc(rn, why);
	return NF_DROP;
}

/* Our source address towards @daddr, as a local socket would have it. */
static __be32 nrelay_udp_route_src(struct net *net, __be32 daddr)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return 0;
	ip_rt_put(rt);
	return fl4.saddr;
}

/* Whether a conntrack entry uses @tuple, in either direction. */
static bool nrelay_ct_tuple_used(struct net *net,
				 const struct nrelay_udp_map *m, __be16 port)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_tuple tuple;

	/* The backend's datagram to our port, as conntrack would key it. */
	memset(&tuple, 0, sizeof(tuple));
	tuple.src.l3num = NFPROTO_IPV4;
	tuple.src.u3.ip = m->backend.ip;
	tuple.src.u.udp.port = m->backend.port;
	tuple.dst.u3.ip = m->relay.ip;
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
	if (!m->relay.ip)
		return false;
	if (__udp4_lib_lookup(rn->net, m->backend.ip, m->backend.port,
			      m->relay.ip, port, 0, 0, &udp_table, NULL))
		return true;
	return nrelay_ct_tuple_used(rn->net, m, port);
}

static unsigned int nrelay_udp_from_client(struct nrelay_net *rn,
					   struct nrelay_rule *rule,
					   struct sk_buff *skb,
					   const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct nrelay_addr client, service;
	struct nrelay_udp_map *m;
	struct udphdr *uh;
	struct iphdr *iph;
	__sum16 *check;
	int err;

	if (!nrelay_udp_valid(skb, iphlen, state))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);

	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	nrelay_addr_v4(&client, iph->saddr, uh->source);
	nrelay_addr_v4(&service, iph->daddr, uh->dest);
	m = nrelay_udp_lookup_orig(&rn->udp, &client, &service);
	if (!m) {
		struct mem_cgroup *memcg = set_active_memcg(rn->memcg);

		err = 0;
		m = nrelay_udp_map_create(&rn->udp, rule, &client, &service,
					  nrelay_udp_route_src(rn->net,
							       rule->backend.ip),
					  READ_ONCE(rn->udp_max_mappings),
					  jiffies, &err);
		set_active_memcg(memcg);
		if (err == -ENOSPC)
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_TABLE_FULL);
		if (err == -EADDRNOTAVAIL)
			return nrelay_udp_drop(rn,
					       NRELAY_STAT_UDP_PORTS_EXHAUSTED);
		if (err == -EDQUOT)
			return nrelay_udp_drop(rn,
					       NRELAY_STAT_UDP_SOURCE_LIMIT);
		if (!m)
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_ALLOC_FAILED);
		nrelay_stat_inc(rn, NRELAY_STAT_UDP_MAPPINGS_CREATED);
	}

	if (skb_ensure_writable(skb, iphlen + sizeof(*uh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	check = uh->check ? &uh->check : NULL;
	nrelay_set_addr(skb, iph, &iph->daddr, m->backend.ip, check);
	nrelay_set_port(skb, &uh->dest, m->backend.port, check);
	nrelay_set_port(skb, &uh->source, m->relay.port, check);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	nrelay_account(rn, m, NRELAY_UP, skb->len - iphlen);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp_from_backend(struct nrelay_net *rn,
					    struct nrelay_udp_map *m,
					    struct sk_buff *skb,
					    const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct udphdr *uh;
	struct iphdr *iph;
	__sum16 *check;

	if (!nrelay_udp_valid(skb, iphlen, state) ||
	    skb_ensure_writable(skb, iphlen + sizeof(*uh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	check = uh->check ? &uh->check : NULL;
	nrelay_set_addr(skb, iph, &iph->daddr, m->client.ip, check);
	if (!READ_ONCE(m->replied))
		WRITE_ONCE(m->replied, true);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	nrelay_account(rn, m, NRELAY_DOWN, skb->len - iphlen);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp_in(struct nrelay_net *rn, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct nrelay_addr backend;
	struct nrelay_rule *rule;
	struct nrelay_udp_map *m;
	struct udphdr *uh;
	struct iphdr *iph;

	/* Too short to be relayed: the UDP layer drops it as it would. */
	if (!pskb_may_pull(skb, iphlen + sizeof(*uh)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;

	/* Only the backend, from its port, may answer through a mapping;
	 * its answer is the mapping's before any rule's.
	 */
	nrelay_addr_v4(&backend, iph->saddr, uh->source);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, uh->dest);
	if (m && READ_ONCE(m->relay.ip) == iph->daddr)
		return nrelay_udp_from_backend(rn, m, skb, state);

	rule = nrelay_udp_rule_find(rn, iph->daddr, uh->dest);
	if (rule)
		return nrelay_udp_from_client(rn, rule, skb, state);
	return NF_ACCEPT;
}

static bool nrelay_icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/* Pull an ICMP error that quotes a UDP datagram; return the offset of
 * the quoted UDP header, or 0 if this is not such a packet.
 */
static unsigned int nrelay_icmp_pull(struct sk_buff *skb)
{
	unsigned int iphlen = ip_hdrlen(skb), off;
	struct nrelay_icmp_err *e;

	if (!pskb_may_pull(skb, iphlen + sizeof(*e)))
		return 0;
	e = (void *)ip_hdr(skb) + iphlen;
	if (!nrelay_icmp_is_error(e->icmp.type) ||
	    e->ip.protocol != IPPROTO_UDP || e->ip.ihl < 5)
		return 0;
	off = iphlen + sizeof(struct icmphdr) + e->ip.ihl * 4;
	if (!pskb_may_pull(skb, off + sizeof(struct udphdr)))
		return 0;
	return off;
}

/* The headers of an ICMP error that nrelay_icmp_pull() accepted; to be
 * taken again after skb_ensure_writable(), which may move the data.
 */
static struct iphdr *nrelay_icmp_quoted(struct sk_buff *skb, unsigned int off,
					struct iphdr **qip, struct udphdr **quh)
{
	struct iphdr *iph = ip_hdr(skb);

	*qip = (void *)iph + ip_hdrlen(skb) + sizeof(struct icmphdr);
	*quh = (void *)iph + off;
	return iph;
}

static void nrelay_icmp_fix_csum(struct sk_buff *skb)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct icmphdr *icmph = (void *)ip_hdr(skb) + iphlen;

	icmph->checksum = 0;
	icmph->checksum = csum_fold(skb_checksum(skb, iphlen,
						 skb->len - iphlen, 0));
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
}

/* Rewrite one address and port of the quoted header; the ICMP checksum
 * is recomputed afterwards, so plain incremental updates suffice.
 */
static void nrelay_quoted_set(struct iphdr *qip, struct udphdr *quh,
			      bool src, __be32 ip, __be16 port)
{
	__be32 *a = src ? &qip->saddr : &qip->daddr;
	__be16 *p = src ? &quh->source : &quh->dest;

	if (quh->check) {
		csum_replace4(&quh->check, *a, ip);
		csum_replace2(&quh->check, *p, port);
		if (!quh->check)
			quh->check = CSUM_MANGLED_0;
	}
	csum_replace4(&qip->check, *a, ip);
	*a = ip;
	*p = port;
}

/* An ICMP error from the backend's side about a datagram we relayed. */
static unsigned int nrelay_icmp_in(struct nrelay_net *rn, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb), off;
	struct nrelay_addr backend;
	struct nrelay_udp_map *m;
	struct iphdr *iph, *qip;
	struct udphdr *quh;

	off = nrelay_icmp_pull(skb);
	if (!off)
		return NF_ACCEPT;
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	nrelay_addr_v4(&backend, qip->daddr, quh->dest);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, quh->source);
	if (!m || READ_ONCE(m->relay.ip) != qip->saddr ||
	    iph->daddr != qip->saddr)
		return NF_ACCEPT;

	if (nf_ip_checksum(skb, state->hook, iphlen, IPPROTO_ICMP) ||
	    skb_ensure_writable(skb, off + sizeof(*quh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	/* The relay port stays, to name the mapping in POST_ROUTING. */
	nrelay_quoted_set(qip, quh, true, m->client.ip, quh->source);
	nrelay_set_addr(skb, iph, &iph->daddr, m->client.ip, NULL);
	nrelay_icmp_fix_csum(skb);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp_pre(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct nrelay_net *rn = priv;
	const struct iphdr *iph = ip_hdr(skb);

	/* Defrag ran before us; a fragment here is one it gave up on. */
	if (ip_is_fragment(iph))
		return NF_ACCEPT;
	if (iph->protocol == IPPROTO_UDP)
		return nrelay_udp_in(rn, skb, state);
	if (iph->protocol == IPPROTO_ICMP)
		return nrelay_icmp_in(rn, skb, state);
	return NF_ACCEPT;
}

/* Our address towards the backend, as MASQUERADE would choose it. */
static __be32 nrelay_udp_relay_ip(struct nrelay_udp_map *m,
				  struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	__be32 ip = READ_ONCE(m->relay.ip);
	struct rtable *rt = skb_rtable(skb);

	if (ip || !rt || !state->out)
		return ip;
	ip = inet_select_addr(state->out, rt_nexthop(rt, m->backend.ip),
			      RT_SCOPE_UNIVERSE);
	WRITE_ONCE(m->relay.ip, ip);
	return ip;
}

/* The mapping of a datagram that PRE_ROUTING translated: C:r -> B:b on
 * the way up (@up true), B:b -> C:r on the way down.
 */
static struct nrelay_udp_map *nrelay_udp_out_map(struct nrelay_net *rn,
						 const struct iphdr *iph,
						 const struct udphdr *uh,
						 bool *up)
{
	struct nrelay_addr backend;
	struct nrelay_udp_map *m;

	nrelay_addr_v4(&backend, iph->daddr, uh->dest);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, uh->source);
	if (m && m->client.ip == iph->saddr) {
		*up = true;
		return m;
	}
	nrelay_addr_v4(&backend, iph->saddr, uh->source);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, uh->dest);
	if (m && m->client.ip == iph->daddr) {
		*up = false;
		return m;
	}
	return NULL;
}

/* An untracked datagram without a mapping: if PRE_ROUTING translated it
 * and its mapping expired since (the GC runs on another CPU), it would
 * leave with the client's address towards the backend, or the backend's
 * towards the client. Drop such a one; let other untracked traffic pass
 * (the relay guest's own, a NOTRACK rule's).
 */
static unsigned int nrelay_udp_orphan(struct nrelay_net *rn,
				      const struct iphdr *iph,
				      const struct udphdr *uh)
{
	struct nrelay_rule *r;

	list_for_each_entry_rcu(r, &rn->rules, node) {
		if (r->proto != NRELAY_UDP || r->backend.family != AF_INET)
			continue;
		if ((r->backend.ip == iph->daddr && r->backend.port == uh->dest &&
		     inet_addr_type(rn->net, iph->saddr) != RTN_LOCAL) ||
		    (r->backend.ip == iph->saddr && r->backend.port == uh->source))
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	}
	return NF_ACCEPT;
}

static unsigned int nrelay_udp_out(struct nrelay_net *rn, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct nrelay_udp_map *m;
	struct udphdr *uh;
	struct iphdr *iph;
	__sum16 *check;
	__be32 ip = 0;
	bool up;

	if (!pskb_may_pull(skb, iphlen + sizeof(*uh)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	m = nrelay_udp_out_map(rn, iph, uh, &up);
	if (!m)
		return nrelay_udp_orphan(rn, iph, uh);
	if (up) {
		ip = nrelay_udp_relay_ip(m, skb, state);
		if (!ip)
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	}
	if (skb_ensure_writable(skb, iphlen + sizeof(*uh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	check = uh->check ? &uh->check : NULL;
	if (up) {
		nrelay_set_addr(skb, iph, &iph->saddr, ip, check);
		return NF_ACCEPT;
	}
	nrelay_set_addr(skb, iph, &iph->saddr, m->service.ip, check);
	nrelay_set_port(skb, &uh->source, m->service.port, check);
	nrelay_set_port(skb, &uh->dest, m->client.port, check);
	return NF_ACCEPT;
}

/* The ICMP error translated in PRE_ROUTING leaves as if from the service. */
static unsigned int nrelay_icmp_out(struct nrelay_net *rn, struct sk_buff *skb)
{
	unsigned int off;
	struct nrelay_addr backend;
	struct nrelay_udp_map *m;
	struct iphdr *iph, *qip;
	struct udphdr *quh;

	off = nrelay_icmp_pull(skb);
	if (!off)
		return NF_ACCEPT;
	/* It quotes C:r -> B:b, as the datagram left PRE_ROUTING. */
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	nrelay_addr_v4(&backend, qip->daddr, quh->dest);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, quh->source);
	if (!m || m->client.ip != qip->saddr)
		return NF_ACCEPT;
	if (skb_ensure_writable(skb, off + sizeof(*quh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	nrelay_quoted_set(qip, quh, true, m->client.ip, m->client.port);
	nrelay_quoted_set(qip, quh, false, m->service.ip, m->service.port);
	if (iph->saddr == m->backend.ip)
		nrelay_set_addr(skb, iph, &iph->saddr, m->service.ip, NULL);
	nrelay_icmp_fix_csum(skb);
	nrelay_stat_inc(rn, NRELAY_STAT_UDP_ICMP_TRANSLATED);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp_post(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct nrelay_net *rn = priv;
	const struct iphdr *iph = ip_hdr(skb);

	if (ip_is_fragment(iph))
		return NF_ACCEPT;
	/* An error about a relayed datagram is the backend's, translated
	 * in PRE_ROUTING, or our own (fragmentation needed, TTL exceeded
	 * on the forward path), which icmp_send() attaches to the datagram's
	 * conntrack state as "related": whatever that state, translate it.
	 */
	if (iph->protocol == IPPROTO_ICMP)
		return nrelay_icmp_out(rn, skb);
	if (iph->protocol == IPPROTO_UDP && nrelay_is_untracked(skb))
		return nrelay_udp_out(rn, skb, state);
	return NF_ACCEPT;
}

static const struct nf_hook_ops nrelay_udp_hook_ops[] = {
	{
		.hook		= nrelay_udp_pre,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK - 10,
	},
	{
		.hook		= nrelay_udp_post,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_NAT_SRC + 10,
	},
};

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
 * What inet_bind() allows TCP's listeners: the wildcard, a local,
 * broadcast or multicast address, or any with ip_nonlocal_bind. The
 * hooks see forwarded traffic too: without this check a rule could take
 * over datagrams that only pass through.
 */
bool nrelay_udp_listen_local(struct net *net, const struct nrelay_addr *a)
{
	int type;

	if (nrelay_addr_is_any(a) ||
	    READ_ONCE(net->ipv4.sysctl_ip_nonlocal_bind))
		return true;
	type = inet_addr_type(net, a->ip);
	return type == RTN_LOCAL || type == RTN_BROADCAST ||
	       type == RTN_MULTICAST;
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

int nrelay_udp_start(struct nrelay_net *rn)
{
	unsigned int i;
	int err;

	err = nrelay_udp_table_setup(rn);
	if (err)
		return err;
	rn->udp_hooks = kmemdup(nrelay_udp_hook_ops,
				sizeof(nrelay_udp_hook_ops),
				GFP_KERNEL_ACCOUNT);
	if (!rn->udp_hooks)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(nrelay_udp_hook_ops); i++)
		rn->udp_hooks[i].priv = rn;

	err = nf_defrag_ipv4_enable(rn->net);
	if (err)
		goto err_free;
	err = nf_register_net_hooks(rn->net, rn->udp_hooks,
				    ARRAY_SIZE(nrelay_udp_hook_ops));
	if (err)
		goto err_defrag;
	queue_delayed_work(nrelay_wq, &rn->udp_gc, HZ / NRELAY_UDP_GC_SLICES);
	return 0;

err_defrag:
	nf_defrag_ipv4_disable(rn->net);
err_free:
	kfree(rn->udp_hooks);
	rn->udp_hooks = NULL;
	return err;
}

void nrelay_udp_stop(struct nrelay_net *rn)
{
	nf_unregister_net_hooks(rn->net, rn->udp_hooks,
				ARRAY_SIZE(nrelay_udp_hook_ops));
	/* No packet may still be in our hooks when the table is emptied. */
	synchronize_net();
	kfree(rn->udp_hooks);
	rn->udp_hooks = NULL;
	nf_defrag_ipv4_disable(rn->net);
	cancel_delayed_work_sync(&rn->udp_gc);
	nrelay_udp_flush(&rn->udp, NULL);
}

/* /proc/net/relay/conns walks the mappings under RCU, bucket by bucket:
 * the mapping after @m (the first from bucket *@b on if @m is NULL), its
 * bucket in *@b.
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
	node = m ? rcu_dereference(hlist_next_rcu(&m->orig_node)) :
		   rcu_dereference(hlist_first_rcu(&t->orig[*b]));
	while (!node && ++*b <= t->mask)
		node = rcu_dereference(hlist_first_rcu(&t->orig[*b]));
	return node ? hlist_entry(node, struct nrelay_udp_map, orig_node) :
		      NULL;
}

void nrelay_udp_seq_show(struct seq_file *seq, struct nrelay_net *rn,
			 struct nrelay_udp_map *m)
{
	bool answered = READ_ONCE(m->replied);
	unsigned long timeout = (answered ? READ_ONCE(rn->udp_timeout) :
				 READ_ONCE(rn->udp_unreplied_timeout)) * HZ;
	unsigned long now = jiffies;
	unsigned long idle = now - READ_ONCE(m->last_used);
	struct nrelay_addr relay = m->relay;
	char c[64], r[64], b[64];

	relay.ip = READ_ONCE(m->relay.ip);
	nrelay_addr_print(c, sizeof(c), &m->client);
	nrelay_addr_print(r, sizeof(r), &relay);
	nrelay_addr_print(b, sizeof(b), &m->backend);
	seq_printf(seq, "udp %s %s %s %s up=%lld down=%lld age=%lu expires=%lu\n",
		   c, r, b, answered ? "replied" : "unreplied",
		   atomic64_read(&m->bytes[NRELAY_UP]),
		   atomic64_read(&m->bytes[NRELAY_DOWN]),
		   (now - m->created) / HZ,
		   idle < timeout ? (timeout - idle) / HZ : 0);
}
