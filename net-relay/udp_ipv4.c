// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: the UDP relay's IPv4 packet path. The PRE_ROUTING and
 * POST_ROUTING hooks for NFPROTO_IPV4 (the picture is in udp.c): header
 * checks, the rewriting of addresses, ports and checksums, and the
 * translation of ICMP errors about relayed datagrams.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/icmp.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/udp.h>

#include "nrelay.h"

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

/* Rewrite an address of an ICMP error's IP header and its checksum; the
 * ICMP checksum is computed again afterwards.
 */
static void nrelay_icmp_set_addr(struct iphdr *iph, __be32 *addr, __be32 to)
{
	csum_replace4(&iph->check, *addr, to);
	*addr = to;
}

/* Set the source (@src) or the destination endpoint of a UDP datagram to
 * @ip:@port, as nf_nat_proto.c's udp_manip_pkt() does: the IP header's
 * checksum, and the UDP one when the datagram has one or the device is
 * to fill it in (CHECKSUM_PARTIAL); a UDP checksum that comes out 0 is
 * sent as CSUM_MANGLED_0, since 0 means none. May move the headers.
 */
static int nrelay_udp4_set(struct sk_buff *skb, bool src, __be32 ip,
			   __be16 port)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct udphdr *uh;
	struct iphdr *iph;
	__be32 *addr;
	__be16 *p;

	if (skb_ensure_writable(skb, iphlen + sizeof(*uh)))
		return -ENOMEM;
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	addr = src ? &iph->saddr : &iph->daddr;
	p = src ? &uh->source : &uh->dest;
	if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
		inet_proto_csum_replace4(&uh->check, skb, *addr, ip, true);
		inet_proto_csum_replace2(&uh->check, skb, *p, port, false);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	csum_replace4(&iph->check, *addr, ip);
	*addr = ip;
	*p = port;
	return 0;
}

static struct nrelay_rule *nrelay_udp_rule_find(struct nrelay_net *rn,
						__be32 daddr, __be16 dport)
{
	struct nrelay_rule *r;

	list_for_each_entry_rcu(r, &rn->rules, node) {
		if (r->proto != NRELAY_UDP || r->listen.family != AF_INET ||
		    r->listen.port != dport)
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

/* Whether a local socket would receive the backend's datagrams to @port
 * (nrelay_udp_port_busy()).
 */
bool nrelay_udp4_sock_busy(struct nrelay_net *rn,
			   const struct nrelay_udp_map *m, __be16 port)
{
	return __udp4_lib_lookup(rn->net, m->backend.ip, m->backend.port,
				 m->relay.ip, port, 0, 0, &udp_table, NULL);
}

static unsigned int nrelay_udp_from_client(struct nrelay_net *rn,
					   struct nrelay_rule *rule,
					   struct sk_buff *skb,
					   const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct nrelay_addr client, service, relay;
	struct nrelay_udp_map *m;
	struct udphdr *uh;
	struct iphdr *iph;

	if (!nrelay_udp_valid(skb, iphlen, state))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);

	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	nrelay_addr_v4(&client, iph->saddr, uh->source);
	nrelay_addr_v4(&service, iph->daddr, uh->dest);
	m = nrelay_udp_lookup_orig(&rn->udp, &client, &service);
	if (!m) {
		nrelay_addr_v4(&relay, nrelay_udp_route_src(rn->net,
							    rule->backend.ip),
			       0);
		m = nrelay_udp_map_get(rn, rule, &client, &service, &relay);
	}
	if (!m)
		return NF_DROP;
	/* C:c -> S:s becomes C:r -> B:b */
	if (nrelay_udp4_set(skb, false, m->backend.ip, m->backend.port) ||
	    nrelay_udp4_set(skb, true, client.ip, m->relay.port))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	nrelay_udp_account(rn, m, NRELAY_UP, skb->len - iphlen);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp_from_backend(struct nrelay_net *rn,
					    struct nrelay_udp_map *m,
					    struct sk_buff *skb,
					    const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb);
	struct udphdr *uh = (void *)ip_hdr(skb) + iphlen;

	/* B:b -> R:r becomes B:b -> C:r */
	if (!nrelay_udp_valid(skb, iphlen, state) ||
	    nrelay_udp4_set(skb, false, m->client.ip, uh->dest))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	if (!READ_ONCE(m->replied))
		WRITE_ONCE(m->replied, true);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	nrelay_udp_account(rn, m, NRELAY_DOWN, skb->len - iphlen);
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

/* An ICMP error about a datagram we relayed, on its way in: from the
 * backend's side about one towards the backend (it quotes R:r -> B:b), or
 * from the client's side about one towards the client (S:s -> C:c: the
 * client's socket is gone, or a router between us cannot pass our
 * reply). Either is routed on to the datagram's sender, quoting the
 * datagram as PRE_ROUTING left it (C:r -> B:b, B:b -> C:r): the relay
 * port names the mapping in POST_ROUTING, which finishes the translation.
 */
static unsigned int nrelay_icmp_in(struct nrelay_net *rn, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	unsigned int iphlen = ip_hdrlen(skb), off;
	struct nrelay_addr dst, src;
	struct nrelay_udp_map *m;
	struct iphdr *iph, *qip;
	struct udphdr *quh;
	bool up;

	off = nrelay_icmp_pull(skb);
	if (!off)
		return NF_ACCEPT;
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	/* To the address the datagram left from: ours. */
	if (iph->daddr != qip->saddr)
		return NF_ACCEPT;
	nrelay_addr_v4(&dst, qip->daddr, quh->dest);
	m = nrelay_udp_lookup_reply(&rn->udp, &dst, quh->source);
	up = m && READ_ONCE(m->relay.ip) == qip->saddr;
	if (!up) {
		nrelay_addr_v4(&src, qip->saddr, quh->source);
		m = nrelay_udp_lookup_orig(&rn->udp, &dst, &src);
		if (!m)
			return NF_ACCEPT;
	}

	if (nf_ip_checksum(skb, state->hook, iphlen, IPPROTO_ICMP) ||
	    skb_ensure_writable(skb, off + sizeof(*quh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	if (up) {
		nrelay_quoted_set(qip, quh, true, m->client.ip, quh->source);
		nrelay_icmp_set_addr(iph, &iph->daddr, m->client.ip);
	} else {
		nrelay_quoted_set(qip, quh, true, m->backend.ip,
				  m->backend.port);
		/* The client's port becomes the relay port. */
		nrelay_quoted_set(qip, quh, false, qip->daddr, m->relay.port);
		nrelay_icmp_set_addr(iph, &iph->daddr, m->backend.ip);
	}
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
	__be32 ip;
	bool up;

	if (!pskb_may_pull(skb, iphlen + sizeof(*uh)))
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	uh = (void *)iph + iphlen;
	m = nrelay_udp_out_map(rn, iph, uh, &up);
	if (!m)
		return nrelay_udp_orphan(rn, iph, uh);
	if (up) {
		/* C:r -> B:b becomes R:r -> B:b */
		ip = nrelay_udp_relay_ip(m, skb, state);
		if (!ip || nrelay_udp4_set(skb, true, ip, uh->source))
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
		return NF_ACCEPT;
	}
	/* B:b -> C:r becomes S:s -> C:c */
	if (nrelay_udp4_set(skb, true, m->service.ip, m->service.port) ||
	    nrelay_udp4_set(skb, false, m->client.ip, m->client.port))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	return NF_ACCEPT;
}

/* An ICMP error about a relayed datagram on its way out, translated in
 * PRE_ROUTING or our own (fragmentation needed, TTL exceeded on the
 * forward path): it quotes the datagram as PRE_ROUTING left it. One about
 * C:r -> B:b leaves for the client as if from the service, about S:s ->
 * C:c; one about B:b -> C:r leaves for the backend as if from us, about
 * B:b -> R:r, so that the backend's socket, which sent to R:r, learns of
 * it (a path MTU towards us, a client gone).
 */
static unsigned int nrelay_icmp_out(struct nrelay_net *rn, struct sk_buff *skb)
{
	struct nrelay_udp_map *m;
	struct iphdr *iph, *qip;
	struct udphdr *quh;
	unsigned int off;
	__be32 relay_ip;
	bool up;

	off = nrelay_icmp_pull(skb);
	if (!off)
		return NF_ACCEPT;
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	m = nrelay_udp_out_map(rn, qip, quh, &up);
	relay_ip = m ? READ_ONCE(m->relay.ip) : 0;
	if (!m || (!up && !relay_ip))
		return NF_ACCEPT;
	if (skb_ensure_writable(skb, off + sizeof(*quh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	iph = nrelay_icmp_quoted(skb, off, &qip, &quh);
	if (up) {
		nrelay_quoted_set(qip, quh, true, m->client.ip, m->client.port);
		nrelay_quoted_set(qip, quh, false, m->service.ip,
				  m->service.port);
		if (iph->saddr == m->backend.ip)
			nrelay_icmp_set_addr(iph, &iph->saddr, m->service.ip);
	} else {
		nrelay_quoted_set(qip, quh, false, relay_ip, quh->dest);
		if (iph->saddr == m->client.ip)
			nrelay_icmp_set_addr(iph, &iph->saddr, relay_ip);
	}
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

const struct nf_hook_ops nrelay_udp4_hook_ops[NRELAY_UDP_HOOKS] = {
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

/* nrelay_udp_listen_local() for IPv4: what inet_bind() allows. */
bool nrelay_udp4_listen_local(struct net *net, const struct nrelay_addr *a)
{
	int type;

	if (nrelay_addr_is_any(a) ||
	    READ_ONCE(net->ipv4.sysctl_ip_nonlocal_bind))
		return true;
	type = inet_addr_type(net, a->ip);
	return type == RTN_LOCAL || type == RTN_BROADCAST ||
	       type == RTN_MULTICAST;
}
