// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: the UDP relay's IPv6 packet path, udp_ipv4.c's twin for
 * NFPROTO_IPV6 (the picture is in udp.c). What IPv6 changes:
 *   - the UDP or ICMPv6 header follows any extension headers;
 *   - a UDP checksum of 0 is invalid (RFC 8200, 8.1): such a datagram is
 *     dropped and counted, and every rewrite updates the checksum;
 *   - there is no header checksum, and ICMPv6's covers a pseudo-header;
 *   - our address towards the backend is chosen when the mapping is
 *     made: 16 bytes cannot be published later with one write, as IPv4's
 *     is in POST_ROUTING.
 * Fragments are reassembled by nf_defrag_ipv6 before our PRE_ROUTING
 * hook, and fragmented again on output to the size they came in.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "nrelay.h"

static void nrelay_addr_v6(struct nrelay_addr *a, const struct in6_addr *ip,
			   __be16 port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->ip6 = *ip;
	a->port = port;
}

/* The offset of the transport header of @skb after the extension headers
 * from @start on, its protocol in *@proto; -1 for a malformed chain or a
 * fragment: any fragment of a packet we see (nf_defrag_ipv6 gave up on
 * it), only a later one of a datagram an ICMPv6 error quotes (@quoted:
 * the first has the UDP header, and is what a router beyond us quotes
 * when the datagram left us fragmented).
 */
static int nrelay_ip6_transport(const struct sk_buff *skb, int start,
				u8 *proto, bool quoted)
{
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, start, proto, &frag_off);
	if (quoted)
		frag_off &= htons(IP6_OFFSET);
	if (off < 0 || frag_off)
		return -1;
	return off;
}

/* Set the source (@src) or the destination endpoint of the UDP datagram
 * whose header is at @off to @ip:@port, its checksum updated (it always
 * has one). May move the headers.
 */
static int nrelay_udp6_set(struct sk_buff *skb, unsigned int off, bool src,
			   const struct in6_addr *ip, __be16 port)
{
	struct ipv6hdr *ip6h;
	struct in6_addr *addr;
	struct udphdr *uh;
	__be16 *p;

	if (skb_ensure_writable(skb, off + sizeof(*uh)))
		return -ENOMEM;
	ip6h = ipv6_hdr(skb);
	uh = (void *)ip6h + off;
	addr = src ? &ip6h->saddr : &ip6h->daddr;
	p = src ? &uh->source : &uh->dest;
	inet_proto_csum_replace16(&uh->check, skb, addr->s6_addr32,
				  ip->s6_addr32, true);
	inet_proto_csum_replace2(&uh->check, skb, *p, port, false);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	*addr = *ip;
	*p = port;
	return 0;
}

static struct nrelay_rule *nrelay_udp6_rule_find(struct nrelay_net *rn,
						 const struct in6_addr *daddr,
						 __be16 dport)
{
	struct nrelay_rule *r;

	list_for_each_entry_rcu(r, &rn->rules, node) {
		if (r->proto != NRELAY_UDP || r->listen.family != AF_INET6 ||
		    r->listen.port != dport)
			continue;
		/* Not a link-local address of ours: a client using one
		 * has a link-local source, which is not forwarded.
		 */
		if (nrelay_addr_is_any(&r->listen) ?
		    ipv6_chk_addr(rn->net, daddr, NULL, 0) &&
		    !(ipv6_addr_type(daddr) & IPV6_ADDR_LINKLOCAL) :
		    ipv6_addr_equal(&r->listen.ip6, daddr))
			return r;
	}
	return NULL;
}

/* A datagram we are about to relay must be whole and intact, and IPv6
 * has no datagram without a checksum.
 */
static bool nrelay_udp6_valid(struct sk_buff *skb, unsigned int off,
			      const struct nf_hook_state *state)
{
	const struct udphdr *uh = (void *)ipv6_hdr(skb) + off;
	unsigned int len = ntohs(uh->len);

	if (len < sizeof(*uh) || len > skb->len - off || !uh->check)
		return false;
	return !nf_ip6_checksum(skb, state->hook, off, IPPROTO_UDP);
}

/* Our source address towards @daddr, as a local socket would have it. */
static int nrelay_udp6_route_src(struct net *net, const struct in6_addr *daddr,
				 struct in6_addr *saddr)
{
	struct flowi6 fl6 = {
		.daddr = *daddr,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst;
	int err;

	err = ip6_dst_lookup(net, NULL, &dst, &fl6);
	if (err)
		return err;
	dst_release(dst);
	*saddr = fl6.saddr;
	return 0;
}

/* Whether a local socket would receive the backend's datagrams to @port
 * (nrelay_udp_port_busy()).
 */
bool nrelay_udp6_sock_busy(struct nrelay_net *rn,
			   const struct nrelay_udp_map *m, __be16 port)
{
	return __udp6_lib_lookup(rn->net, &m->backend.ip6, m->backend.port,
				 &m->relay.ip6, port, 0, 0, &udp_table, NULL);
}

static unsigned int nrelay_udp6_from_client(struct nrelay_net *rn,
					    struct nrelay_rule *rule,
					    struct sk_buff *skb,
					    unsigned int off,
					    const struct nf_hook_state *state)
{
	struct nrelay_addr client, service, relay;
	struct nrelay_udp_map *m;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	if (!nrelay_udp6_valid(skb, off, state))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);

	ip6h = ipv6_hdr(skb);
	uh = (void *)ip6h + off;
	nrelay_addr_v6(&client, &ip6h->saddr, uh->source);
	nrelay_addr_v6(&service, &ip6h->daddr, uh->dest);
	m = nrelay_udp_lookup_orig(&rn->udp, &client, &service);
	if (!m) {
		nrelay_addr_v6(&relay, &in6addr_any, 0);
		if (nrelay_udp6_route_src(rn->net, &rule->backend.ip6,
					  &relay.ip6))
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
		m = nrelay_udp_map_get(rn, rule, &client, &service, &relay);
	}
	if (!m)
		return NF_DROP;
	/* C:c -> S:s becomes C:r -> B:b */
	if (nrelay_udp6_set(skb, off, false, &m->backend.ip6,
			    m->backend.port) ||
	    nrelay_udp6_set(skb, off, true, &client.ip6, m->relay.port))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	nrelay_udp_account(rn, m, NRELAY_UP, skb->len - off);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp6_from_backend(struct nrelay_net *rn,
					     struct nrelay_udp_map *m,
					     struct sk_buff *skb,
					     unsigned int off,
					     const struct nf_hook_state *state)
{
	struct udphdr *uh = (void *)ipv6_hdr(skb) + off;

	/* B:b -> R:r becomes B:b -> C:r */
	if (!nrelay_udp6_valid(skb, off, state) ||
	    nrelay_udp6_set(skb, off, false, &m->client.ip6, uh->dest))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	if (!READ_ONCE(m->replied))
		WRITE_ONCE(m->replied, true);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	nrelay_udp_account(rn, m, NRELAY_DOWN, skb->len - off);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp6_in(struct nrelay_net *rn, struct sk_buff *skb,
				   unsigned int off,
				   const struct nf_hook_state *state)
{
	struct nrelay_addr backend;
	struct nrelay_rule *rule;
	struct nrelay_udp_map *m;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	/* Too short to be relayed: the UDP layer drops it as it would. */
	if (!pskb_may_pull(skb, off + sizeof(*uh)))
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	uh = (void *)ip6h + off;

	/* Only the backend, from its port, may answer through a mapping;
	 * its answer is the mapping's before any rule's.
	 */
	nrelay_addr_v6(&backend, &ip6h->saddr, uh->source);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, uh->dest);
	if (m && ipv6_addr_equal(&m->relay.ip6, &ip6h->daddr))
		return nrelay_udp6_from_backend(rn, m, skb, off, state);

	rule = nrelay_udp6_rule_find(rn, &ip6h->daddr, uh->dest);
	if (rule)
		return nrelay_udp6_from_client(rn, rule, skb, off, state);
	return NF_ACCEPT;
}

/* Pull an ICMPv6 error at @off that quotes a UDP datagram; return the
 * offset of the quoted UDP header, or 0 if this is not such a packet.
 */
static unsigned int nrelay_icmp6_pull(struct sk_buff *skb, unsigned int off)
{
	unsigned int inner = off + sizeof(struct icmp6hdr);
	const struct icmp6hdr *ih;
	int quoted;
	u8 proto;

	if (!pskb_may_pull(skb, inner + sizeof(struct ipv6hdr)))
		return 0;
	ih = (void *)ipv6_hdr(skb) + off;
	if (!icmpv6_is_err(ih->icmp6_type))
		return 0;
	proto = ((struct ipv6hdr *)((void *)ih + sizeof(*ih)))->nexthdr;
	quoted = nrelay_ip6_transport(skb, inner + sizeof(struct ipv6hdr),
				      &proto, true);
	if (quoted < 0 || proto != IPPROTO_UDP ||
	    !pskb_may_pull(skb, quoted + sizeof(struct udphdr)))
		return 0;
	return quoted;
}

/* The headers of an ICMPv6 error that nrelay_icmp6_pull() accepted; to be
 * taken again after skb_ensure_writable(), which may move the data.
 */
static struct ipv6hdr *nrelay_icmp6_quoted(struct sk_buff *skb,
					   unsigned int off,
					   unsigned int quoted,
					   struct ipv6hdr **qip,
					   struct udphdr **quh)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);

	*qip = (void *)ip6h + off + sizeof(struct icmp6hdr);
	*quh = (void *)ip6h + quoted;
	return ip6h;
}

/* ICMPv6's checksum covers a pseudo-header: computed again, whole. */
static void nrelay_icmp6_fix_csum(struct sk_buff *skb, unsigned int off)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct icmp6hdr *ih = (void *)ip6h + off;
	unsigned int len = skb->len - off;

	ih->icmp6_cksum = 0;
	ih->icmp6_cksum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len,
					  IPPROTO_ICMPV6,
					  skb_checksum(skb, off, len, 0));
	if (skb->ip_summed == CHECKSUM_COMPLETE)
		skb->ip_summed = CHECKSUM_NONE;
}

/* Rewrite one address and port of the quoted header. */
static void nrelay_quoted6_set(struct ipv6hdr *qip, struct udphdr *quh,
			       bool src, const struct in6_addr *ip,
			       __be16 port)
{
	struct in6_addr *a = src ? &qip->saddr : &qip->daddr;
	__be16 *p = src ? &quh->source : &quh->dest;
	__be32 diff[] = {
		~a->s6_addr32[0], ~a->s6_addr32[1],
		~a->s6_addr32[2], ~a->s6_addr32[3],
		ip->s6_addr32[0], ip->s6_addr32[1],
		ip->s6_addr32[2], ip->s6_addr32[3],
	};

	if (quh->check) {
		quh->check = csum_fold(csum_partial(diff, sizeof(diff),
						    ~csum_unfold(quh->check)));
		csum_replace2(&quh->check, *p, port);
		if (!quh->check)
			quh->check = CSUM_MANGLED_0;
	}
	*a = *ip;
	*p = port;
}

/* An ICMPv6 error about a datagram we relayed, on its way in, from
 * either side: see udp_ipv4.c's nrelay_icmp_in().
 */
static unsigned int nrelay_icmp6_in(struct nrelay_net *rn, struct sk_buff *skb,
				    unsigned int off,
				    const struct nf_hook_state *state)
{
	struct ipv6hdr *ip6h, *qip;
	struct nrelay_addr dst, src;
	struct nrelay_udp_map *m;
	unsigned int quoted;
	struct udphdr *quh;
	bool up;

	quoted = nrelay_icmp6_pull(skb, off);
	if (!quoted)
		return NF_ACCEPT;
	ip6h = nrelay_icmp6_quoted(skb, off, quoted, &qip, &quh);
	/* To the address the datagram left from: ours. */
	if (!ipv6_addr_equal(&ip6h->daddr, &qip->saddr))
		return NF_ACCEPT;
	nrelay_addr_v6(&dst, &qip->daddr, quh->dest);
	m = nrelay_udp_lookup_reply(&rn->udp, &dst, quh->source);
	up = m && ipv6_addr_equal(&m->relay.ip6, &qip->saddr);
	if (!up) {
		nrelay_addr_v6(&src, &qip->saddr, quh->source);
		m = nrelay_udp_lookup_orig(&rn->udp, &dst, &src);
		if (!m)
			return NF_ACCEPT;
	}

	if (nf_ip6_checksum(skb, state->hook, off, IPPROTO_ICMPV6) ||
	    skb_ensure_writable(skb, quoted + sizeof(*quh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	ip6h = nrelay_icmp6_quoted(skb, off, quoted, &qip, &quh);
	if (up) {
		nrelay_quoted6_set(qip, quh, true, &m->client.ip6, quh->source);
		ip6h->daddr = m->client.ip6;
	} else {
		nrelay_quoted6_set(qip, quh, true, &m->backend.ip6,
				   m->backend.port);
		/* The client's port becomes the relay port. */
		nrelay_quoted6_set(qip, quh, false, &qip->daddr,
				   m->relay.port);
		ip6h->daddr = m->backend.ip6;
	}
	nrelay_icmp6_fix_csum(skb, off);
	skb_dst_drop(skb);
	nrelay_untrack(skb);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp6_pre(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct nrelay_net *rn = priv;
	int off;
	u8 proto = ipv6_hdr(skb)->nexthdr;

	/* Defrag ran before us; a fragment here is one it gave up on. */
	off = nrelay_ip6_transport(skb, sizeof(struct ipv6hdr), &proto, false);
	if (off < 0)
		return NF_ACCEPT;
	if (proto == IPPROTO_UDP)
		return nrelay_udp6_in(rn, skb, off, state);
	if (proto == IPPROTO_ICMPV6)
		return nrelay_icmp6_in(rn, skb, off, state);
	return NF_ACCEPT;
}

/* The mapping of a datagram that PRE_ROUTING translated: C:r -> B:b on
 * the way up (@up true), B:b -> C:r on the way down.
 */
static struct nrelay_udp_map *nrelay_udp6_out_map(struct nrelay_net *rn,
						  const struct ipv6hdr *ip6h,
						  const struct udphdr *uh,
						  bool *up)
{
	struct nrelay_addr backend;
	struct nrelay_udp_map *m;

	nrelay_addr_v6(&backend, &ip6h->daddr, uh->dest);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, uh->source);
	if (m && ipv6_addr_equal(&m->client.ip6, &ip6h->saddr)) {
		*up = true;
		return m;
	}
	nrelay_addr_v6(&backend, &ip6h->saddr, uh->source);
	m = nrelay_udp_lookup_reply(&rn->udp, &backend, uh->dest);
	if (m && ipv6_addr_equal(&m->client.ip6, &ip6h->daddr)) {
		*up = false;
		return m;
	}
	return NULL;
}

/* An untracked datagram without a mapping: see udp_ipv4.c. */
static unsigned int nrelay_udp6_orphan(struct nrelay_net *rn,
				       const struct ipv6hdr *ip6h,
				       const struct udphdr *uh)
{
	struct nrelay_rule *r;

	list_for_each_entry_rcu(r, &rn->rules, node) {
		if (r->proto != NRELAY_UDP || r->backend.family != AF_INET6)
			continue;
		if ((ipv6_addr_equal(&r->backend.ip6, &ip6h->daddr) &&
		     r->backend.port == uh->dest &&
		     !ipv6_chk_addr(rn->net, &ip6h->saddr, NULL, 0)) ||
		    (ipv6_addr_equal(&r->backend.ip6, &ip6h->saddr) &&
		     r->backend.port == uh->source))
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	}
	return NF_ACCEPT;
}

static unsigned int nrelay_udp6_out(struct nrelay_net *rn, struct sk_buff *skb,
				    unsigned int off)
{
	struct nrelay_udp_map *m;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	bool up;

	if (!pskb_may_pull(skb, off + sizeof(*uh)))
		return NF_ACCEPT;
	ip6h = ipv6_hdr(skb);
	uh = (void *)ip6h + off;
	m = nrelay_udp6_out_map(rn, ip6h, uh, &up);
	if (!m)
		return nrelay_udp6_orphan(rn, ip6h, uh);
	if (up) {
		/* C:r -> B:b becomes R:r -> B:b */
		if (nrelay_udp6_set(skb, off, true, &m->relay.ip6, uh->source))
			return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
		return NF_ACCEPT;
	}
	/* B:b -> C:r becomes S:s -> C:c */
	if (nrelay_udp6_set(skb, off, true, &m->service.ip6,
			    m->service.port) ||
	    nrelay_udp6_set(skb, off, false, &m->client.ip6, m->client.port))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	return NF_ACCEPT;
}

/* An ICMPv6 error about a relayed datagram on its way out, translated in
 * PRE_ROUTING or our own (Packet Too Big, Time Exceeded on the forward
 * path): see udp_ipv4.c's nrelay_icmp_out().
 */
static unsigned int nrelay_icmp6_out(struct nrelay_net *rn,
				     struct sk_buff *skb, unsigned int off)
{
	struct ipv6hdr *ip6h, *qip;
	struct nrelay_udp_map *m;
	unsigned int quoted;
	struct udphdr *quh;
	bool up;

	quoted = nrelay_icmp6_pull(skb, off);
	if (!quoted)
		return NF_ACCEPT;
	ip6h = nrelay_icmp6_quoted(skb, off, quoted, &qip, &quh);
	m = nrelay_udp6_out_map(rn, qip, quh, &up);
	if (!m)
		return NF_ACCEPT;
	if (skb_ensure_writable(skb, quoted + sizeof(*quh)))
		return nrelay_udp_drop(rn, NRELAY_STAT_UDP_DROPPED);
	ip6h = nrelay_icmp6_quoted(skb, off, quoted, &qip, &quh);
	if (up) {
		nrelay_quoted6_set(qip, quh, true, &m->client.ip6,
				   m->client.port);
		nrelay_quoted6_set(qip, quh, false, &m->service.ip6,
				   m->service.port);
		if (ipv6_addr_equal(&ip6h->saddr, &m->backend.ip6))
			ip6h->saddr = m->service.ip6;
	} else {
		nrelay_quoted6_set(qip, quh, false, &m->relay.ip6, quh->dest);
		if (ipv6_addr_equal(&ip6h->saddr, &m->client.ip6))
			ip6h->saddr = m->relay.ip6;
	}
	nrelay_icmp6_fix_csum(skb, off);
	nrelay_stat_inc(rn, NRELAY_STAT_UDP_ICMP_TRANSLATED);
	return NF_ACCEPT;
}

static unsigned int nrelay_udp6_post(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	struct nrelay_net *rn = priv;
	int off;
	u8 proto = ipv6_hdr(skb)->nexthdr;

	off = nrelay_ip6_transport(skb, sizeof(struct ipv6hdr), &proto, false);
	if (off < 0)
		return NF_ACCEPT;
	/* Whatever conntrack state our own errors carry: see udp_ipv4.c. */
	if (proto == IPPROTO_ICMPV6)
		return nrelay_icmp6_out(rn, skb, off);
	if (proto == IPPROTO_UDP && nrelay_is_untracked(skb))
		return nrelay_udp6_out(rn, skb, off);
	return NF_ACCEPT;
}

const struct nf_hook_ops nrelay_udp6_hook_ops[NRELAY_UDP_HOOKS] = {
	{
		.hook		= nrelay_udp6_pre,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK - 10,
	},
	{
		.hook		= nrelay_udp6_post,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP6_PRI_NAT_SRC + 10,
	},
};

/* nrelay_udp_listen_local() for IPv6: what inet6_bind() allows. */
bool nrelay_udp6_listen_local(struct net *net, const struct nrelay_addr *a)
{
	return nrelay_addr_is_any(a) ||
	       READ_ONCE(net->ipv6.sysctl.ip_nonlocal_bind) ||
	       ipv6_addr_is_multicast(&a->ip6) ||
	       ipv6_chk_addr(net, &a->ip6, NULL, 0);
}
