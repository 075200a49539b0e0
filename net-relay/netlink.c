// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: the generic netlink family "net_relay", one per network
 * namespace (include/uapi/linux/net_relay.h, docs/netlink.md).
 *
 * Requests are checked here against strict policies and turned into the
 * commands /proc's writes and the boot rules give too; the same core
 * functions carry them out (nrelay_exec(), nrelay_restore(),
 * nrelay_start(), nrelay_stop(), nrelay_tunable_*()), so the interfaces
 * cannot disagree. A refusal gives an errno and, in the extended ack, the
 * words the kernel log gives for /proc, naming the attribute at fault.
 * The core announces every change on the "events" group.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <uapi/linux/net_relay.h>

#include "nrelay.h"

/* Names and values of counters and tunables are short. */
#define NRELAY_NL_NAME_MAX	32
/* A restore carries at most as many rules as a namespace may hold. */
#define NRELAY_NL_RESTORE_MAX	65536

enum nrelay_nl_mcgrp {
	NRELAY_NL_MCGRP_EVENTS,
};

static const struct genl_multicast_group nrelay_nl_mcgrps[] = {
	[NRELAY_NL_MCGRP_EVENTS] = { .name = NRELAY_GENL_MCGRP_EVENTS },
};

static bool nrelay_nl_proto(const struct nlattr *attr, enum nrelay_proto *p)
{
	switch (nla_get_u8(attr)) {
	case IPPROTO_TCP:
		*p = NRELAY_TCP;
		return true;
	case IPPROTO_UDP:
		*p = NRELAY_UDP;
		return true;
	}
	return false;
}

static int nrelay_nl_proto_check(const struct nlattr *attr,
				 struct netlink_ext_ack *extack)
{
	enum nrelay_proto p;

	if (nrelay_nl_proto(attr, &p))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr, "protocol must be tcp or udp");
	return -EINVAL;
}

static const struct nla_policy nrelay_ep_policy[NRELAY_A_EP_MAX + 1] = {
	[NRELAY_A_EP_ADDR4]	= { .type = NLA_BE32 },
	[NRELAY_A_EP_ADDR6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[NRELAY_A_EP_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
};

/* Only what a request may carry: the counters are the kernel's to say. */
static const struct nla_policy nrelay_rule_policy[NRELAY_A_RULE_MAX + 1] = {
	[NRELAY_A_RULE_PROTO]	= NLA_POLICY_VALIDATE_FN(NLA_U8,
							 nrelay_nl_proto_check),
	[NRELAY_A_RULE_LISTEN]	= NLA_POLICY_NESTED(nrelay_ep_policy),
	[NRELAY_A_RULE_BACKEND]	= NLA_POLICY_NESTED(nrelay_ep_policy),
};

static const struct nla_policy nrelay_named_policy[NRELAY_A_NAMED_MAX + 1] = {
	[NRELAY_A_NAMED_NAME]	= { .type = NLA_NUL_STRING,
				    .len = NRELAY_NL_NAME_MAX - 1 },
	[NRELAY_A_NAMED_VALUE]	= { .type = NLA_U64 },
};

/* Each command's own policy, the family's for those that take no
 * attribute: an attribute a command does not take is refused
 * ("Unsupported attribute"), not ignored.
 */
static const struct nla_policy nrelay_no_attr_policy[NRELAY_A_MAX + 1];

static const struct nla_policy nrelay_rule_cmd_policy[NRELAY_A_MAX + 1] = {
	[NRELAY_A_RULE]		= NLA_POLICY_NESTED(nrelay_rule_policy),
};

static const struct nla_policy nrelay_restore_policy[NRELAY_A_MAX + 1] = {
	[NRELAY_A_RULE]		= NLA_POLICY_NESTED(nrelay_rule_policy),
	[NRELAY_A_TUNABLE]	= NLA_POLICY_NESTED(nrelay_named_policy),
};

static const struct nla_policy nrelay_tunable_set_policy[NRELAY_A_MAX + 1] = {
	[NRELAY_A_TUNABLE]	= NLA_POLICY_NESTED(nrelay_named_policy),
};

static const struct nla_policy nrelay_conn_get_policy[NRELAY_A_MAX + 1] = {
	[NRELAY_A_PROTO]	= NLA_POLICY_VALIDATE_FN(NLA_U8,
							 nrelay_nl_proto_check),
};

static struct genl_family nrelay_nl_family;
/* Set while the family is registered: events before or after go nowhere. */
static bool nrelay_nl_registered;

static struct nrelay_net *nrelay_nl_rn(struct genl_info *info)
{
	return nrelay_pernet(genl_info_net(info));
}

/* A refusal: @why is a static string, as in the kernel log. */
static int nrelay_nl_refuse(struct netlink_ext_ack *extack,
			    const struct nlattr *attr, const char *why,
			    int err)
{
	extack->_msg = why;
	extack->bad_attr = attr;
	return err;
}

/* Refusals of changes are logged as /proc's are, with the same words. */
static int nrelay_nl_log(const char *what, const char *why, int err)
{
	pr_info_ratelimited("netlink: %s: %s (%d)\n", what, why, err);
	return err;
}

/* An endpoint nest; a listen address may be left out (both families'
 * wildcard), a backend's may not.
 */
static int nrelay_nl_ep_parse(const struct nlattr *nest, bool listen,
			      struct nrelay_addr *a,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NRELAY_A_EP_MAX + 1];
	const char *why;
	int err;

	err = nla_parse_nested(tb, NRELAY_A_EP_MAX, nest, nrelay_ep_policy,
			       extack);
	if (err)
		return err;
	memset(a, 0, sizeof(*a));
	a->family = AF_UNSPEC;
	if (!tb[NRELAY_A_EP_PORT]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NRELAY_A_EP_PORT);
		return nrelay_nl_refuse(extack, nest, "missing port", -EINVAL);
	}
	a->port = htons(nla_get_u16(tb[NRELAY_A_EP_PORT]));
	if (tb[NRELAY_A_EP_ADDR4] && tb[NRELAY_A_EP_ADDR6])
		return nrelay_nl_refuse(extack, tb[NRELAY_A_EP_ADDR6],
					"give one address, IPv4 or IPv6",
					-EINVAL);
	if (tb[NRELAY_A_EP_ADDR4]) {
		a->family = AF_INET;
		a->ip = nla_get_in_addr(tb[NRELAY_A_EP_ADDR4]);
	} else if (tb[NRELAY_A_EP_ADDR6]) {
		a->family = AF_INET6;
		a->ip6 = nla_get_in6_addr(tb[NRELAY_A_EP_ADDR6]);
	} else if (!listen) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NRELAY_A_EP_ADDR4);
		return nrelay_nl_refuse(extack, nest,
					"backend address missing", -EINVAL);
	}
	err = nrelay_addr_check(a, &why);
	if (err)
		return nrelay_nl_refuse(extack, tb[NRELAY_A_EP_ADDR6], why,
					err);
	return 0;
}

/* A rule nest into an add or del command, checked as /proc's are. */
static int nrelay_nl_rule_parse(const struct nlattr *nest, enum nrelay_op op,
				struct nrelay_cmd *cmd,
				struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NRELAY_A_RULE_MAX + 1];
	const char *why;
	int err;

	err = nla_parse_nested(tb, NRELAY_A_RULE_MAX, nest, nrelay_rule_policy,
			       extack);
	if (err)
		return err;
	memset(cmd, 0, sizeof(*cmd));
	cmd->op = op;
	if (!tb[NRELAY_A_RULE_PROTO]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NRELAY_A_RULE_PROTO);
		return nrelay_nl_refuse(extack, nest, "missing protocol",
					-EINVAL);
	}
	/* Its policy has checked it is one of the two. */
	nrelay_nl_proto(tb[NRELAY_A_RULE_PROTO], &cmd->proto);
	if (!tb[NRELAY_A_RULE_LISTEN]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NRELAY_A_RULE_LISTEN);
		return nrelay_nl_refuse(extack, nest, "missing listen address",
					-EINVAL);
	}
	err = nrelay_nl_ep_parse(tb[NRELAY_A_RULE_LISTEN], true, &cmd->listen,
				 extack);
	if (err)
		return err;
	if (op == NRELAY_OP_DEL) {
		if (tb[NRELAY_A_RULE_BACKEND])
			return nrelay_nl_refuse(extack,
						tb[NRELAY_A_RULE_BACKEND],
						"del takes no backend",
						-EINVAL);
		return 0;
	}
	if (!tb[NRELAY_A_RULE_BACKEND]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NRELAY_A_RULE_BACKEND);
		return nrelay_nl_refuse(extack, nest, "missing backend",
					-EINVAL);
	}
	err = nrelay_nl_ep_parse(tb[NRELAY_A_RULE_BACKEND], false,
				 &cmd->backend, extack);
	if (err)
		return err;
	err = nrelay_cmd_check(cmd, &why);
	if (err)
		return nrelay_nl_refuse(extack, tb[NRELAY_A_RULE_BACKEND], why,
					err);
	return 0;
}

/* How many top-level attributes of @type the request has. */
static unsigned int nrelay_nl_count(struct genl_info *info, int type)
{
	const struct nlattr *attr;
	unsigned int n = 0;
	int rem;

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(attr) == type;
	return n;
}

static int nrelay_nl_rule_change(struct sk_buff *skb, struct genl_info *info,
				 enum nrelay_op op)
{
	struct nlattr *nest = info->attrs[NRELAY_A_RULE];
	const char *what = op == NRELAY_OP_ADD ? "rule add" : "rule del";
	struct nrelay_cmd cmd;
	const char *why;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NRELAY_A_RULE))
		return nrelay_nl_refuse(info->extack, NULL, "missing rule",
					-EINVAL);
	if (nrelay_nl_count(info, NRELAY_A_RULE) > 1)
		return nrelay_nl_refuse(info->extack, nest,
					"one rule per request (restore takes many)",
					-EINVAL);
	err = nrelay_nl_rule_parse(nest, op, &cmd, info->extack);
	if (err)
		return nrelay_nl_log(what, info->extack->_msg ?: "bad rule",
				     err);
	err = nrelay_exec(nrelay_nl_rn(info), &cmd, &why);
	if (err)
		return nrelay_nl_log(what, why,
				     nrelay_nl_refuse(info->extack, nest, why,
						      err));
	return 0;
}

static int nrelay_nl_rule_add(struct sk_buff *skb, struct genl_info *info)
{
	return nrelay_nl_rule_change(skb, info, NRELAY_OP_ADD);
}

static int nrelay_nl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	return nrelay_nl_rule_change(skb, info, NRELAY_OP_DEL);
}

static int nrelay_nl_rule_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nrelay_cmd cmd = { .op = NRELAY_OP_FLUSH };
	const char *why;

	return nrelay_exec(nrelay_nl_rn(info), &cmd, &why);
}

static int nrelay_nl_put_ep(struct sk_buff *skb, int type,
			    const struct nrelay_addr *a)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if ((a->family == AF_INET &&
	     nla_put_in_addr(skb, NRELAY_A_EP_ADDR4, a->ip)) ||
	    (a->family == AF_INET6 &&
	     nla_put_in6_addr(skb, NRELAY_A_EP_ADDR6, &a->ip6)) ||
	    nla_put_u16(skb, NRELAY_A_EP_PORT, ntohs(a->port))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static u8 nrelay_nl_ipproto(enum nrelay_proto proto)
{
	return proto == NRELAY_TCP ? IPPROTO_TCP : IPPROTO_UDP;
}

/* A rule nest: what an event says (@r NULL: @cmd's addresses only) or a
 * dump gives (@r: with its counters).
 */
static int nrelay_nl_put_rule(struct sk_buff *skb,
			      const struct nrelay_cmd *cmd,
			      const struct nrelay_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, NRELAY_A_RULE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, NRELAY_A_RULE_PROTO,
		       nrelay_nl_ipproto(cmd->proto)) ||
	    nrelay_nl_put_ep(skb, NRELAY_A_RULE_LISTEN, &cmd->listen) ||
	    (cmd->op == NRELAY_OP_ADD &&
	     nrelay_nl_put_ep(skb, NRELAY_A_RULE_BACKEND, &cmd->backend)))
		goto cancel;
	if (r &&
	    (nla_put_u32(skb, NRELAY_A_RULE_ACTIVE, atomic_read(&r->active)) ||
	     nla_put_u64_64bit(skb, NRELAY_A_RULE_TOTAL,
			       atomic64_read(&r->total), NRELAY_A_RULE_PAD) ||
	     nla_put_u64_64bit(skb, NRELAY_A_RULE_BYTES_UP,
			       atomic64_read(&r->bytes[NRELAY_UP]),
			       NRELAY_A_RULE_PAD) ||
	     nla_put_u64_64bit(skb, NRELAY_A_RULE_BYTES_DOWN,
			       atomic64_read(&r->bytes[NRELAY_DOWN]),
			       NRELAY_A_RULE_PAD)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* A rule a message at a time, from the cb->args[0]th on. */
static int nrelay_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nrelay_net *rn = nrelay_pernet(sock_net(skb->sk));
	struct nrelay_rule *r;
	long i = 0;
	void *hdr;

	mutex_lock(&rn->lock);
	list_for_each_entry(r, &rn->rules, node) {
		struct nrelay_cmd cmd = {
			.op = NRELAY_OP_ADD,
			.proto = r->proto,
			.listen = r->listen,
			.backend = r->backend,
		};

		if (i++ < cb->args[0])
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &nrelay_nl_family,
				  NLM_F_MULTI, NRELAY_CMD_RULE_GET);
		if (!hdr)
			break;
		if (nrelay_nl_put_rule(skb, &cmd, r)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = i;
	}
	mutex_unlock(&rn->lock);
	return skb->len;
}

static int nrelay_nl_tunable_parse(const struct nlattr *nest, struct net *net,
				   struct nrelay_tunable_value *v,
				   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NRELAY_A_NAMED_MAX + 1];
	const char *why;
	int err;

	err = nla_parse_nested(tb, NRELAY_A_NAMED_MAX, nest,
			       nrelay_named_policy, extack);
	if (err)
		return err;
	if (!tb[NRELAY_A_NAMED_NAME] || !tb[NRELAY_A_NAMED_VALUE]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, tb[NRELAY_A_NAMED_NAME] ?
				     NRELAY_A_NAMED_VALUE :
				     NRELAY_A_NAMED_NAME);
		return nrelay_nl_refuse(extack, nest,
					"a tunable needs a name and a value",
					-EINVAL);
	}
	v->index = nrelay_tunable_find(nla_data(tb[NRELAY_A_NAMED_NAME]));
	if (v->index < 0)
		return nrelay_nl_refuse(extack, tb[NRELAY_A_NAMED_NAME],
					"no such tunable", -EINVAL);
	err = nrelay_tunable_check(nrelay_pernet(net), v->index,
				   nla_get_u64(tb[NRELAY_A_NAMED_VALUE]), &why);
	if (err)
		return nrelay_nl_refuse(extack, tb[NRELAY_A_NAMED_VALUE], why,
					err);
	v->value = nla_get_u64(tb[NRELAY_A_NAMED_VALUE]);
	return 0;
}

/* Every NRELAY_A_TUNABLE of a request, each tunable at most once. */
static int nrelay_nl_tunables_parse(struct genl_info *info,
				    struct nrelay_tunable_value *v,
				    unsigned int *n)
{
	const struct nlattr *attr;
	unsigned int i;
	int rem, err;

	*n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != NRELAY_A_TUNABLE)
			continue;
		if (*n == NRELAY_TUNABLES)
			return nrelay_nl_refuse(info->extack, attr,
						"a tunable is given twice",
						-EINVAL);
		err = nrelay_nl_tunable_parse(attr, genl_info_net(info),
					      &v[*n], info->extack);
		if (err)
			return err;
		for (i = 0; i < *n; i++)
			if (v[i].index == v[*n].index)
				return nrelay_nl_refuse(info->extack, attr,
							"a tunable is given twice",
							-EINVAL);
		++*n;
	}
	return 0;
}

static int nrelay_nl_restore(struct sk_buff *skb, struct genl_info *info)
{
	struct nrelay_tunable_value v[NRELAY_TUNABLES];
	const struct nlattr **nests = NULL;
	struct nrelay_cmd *cmds = NULL;
	unsigned int n = 0, nv, failed;
	const struct nlattr *attr;
	const char *why;
	int rem, err;

	err = nrelay_nl_tunables_parse(info, v, &nv);
	if (err)
		goto log;
	n = nrelay_nl_count(info, NRELAY_A_RULE);
	if (n > NRELAY_NL_RESTORE_MAX) {
		err = nrelay_nl_refuse(info->extack, NULL, "too many rules",
				       -E2BIG);
		goto log;
	}
	cmds = kvcalloc(n ?: 1, sizeof(*cmds), GFP_KERNEL);
	nests = kvcalloc(n ?: 1, sizeof(*nests), GFP_KERNEL);
	err = -ENOMEM;
	if (!cmds || !nests)
		goto out;
	n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != NRELAY_A_RULE)
			continue;
		nests[n] = attr;
		err = nrelay_nl_rule_parse(attr, NRELAY_OP_ADD, &cmds[n++],
					   info->extack);
		if (err)
			goto log;
	}
	err = nrelay_restore(nrelay_nl_rn(info), cmds, n, v, nv, &failed,
			     &why);
	if (err)
		nrelay_nl_refuse(info->extack, nests[failed], why, err);
log:
	if (err)
		nrelay_nl_log("restore", info->extack->_msg ?: "bad request",
			      err);
out:
	kvfree(nests);
	kvfree(cmds);
	return err;
}

static int nrelay_nl_start(struct sk_buff *skb, struct genl_info *info)
{
	return nrelay_start(nrelay_nl_rn(info));
}

static int nrelay_nl_stop(struct sk_buff *skb, struct genl_info *info)
{
	nrelay_stop(nrelay_nl_rn(info));
	return 0;
}

/* A reply to @info of command @cmd, its attributes put by @fill. */
static int nrelay_nl_reply(struct genl_info *info, u8 cmd,
			   int (*fill)(struct sk_buff *skb,
				       struct nrelay_net *rn))
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nrelay_nl_family, 0, cmd);
	err = -EMSGSIZE;
	if (!hdr)
		goto fail;
	err = fill(msg, nrelay_nl_rn(info));
	if (err)
		goto fail;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

fail:
	nlmsg_free(msg);
	return err;
}

static int nrelay_nl_fill_state(struct sk_buff *skb, struct nrelay_net *rn)
{
	unsigned int n;

	mutex_lock(&rn->lock);
	n = rn->nrules[NRELAY_TCP] + rn->nrules[NRELAY_UDP];
	mutex_unlock(&rn->lock);
	if (nla_put_u8(skb, NRELAY_A_RUNNING, READ_ONCE(rn->running)) ||
	    nla_put_u32(skb, NRELAY_A_RULE_COUNT, n))
		return -EMSGSIZE;
	return 0;
}

static int nrelay_nl_state_get(struct sk_buff *skb, struct genl_info *info)
{
	return nrelay_nl_reply(info, NRELAY_CMD_STATE_GET,
			       nrelay_nl_fill_state);
}

static int nrelay_nl_put_named(struct sk_buff *skb, int type,
			       const char *name, u64 value)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = nla_put_string(skb, NRELAY_A_NAMED_NAME, name);
	if (!err)
		err = nla_put_u64_64bit(skb, NRELAY_A_NAMED_VALUE, value,
					NRELAY_A_NAMED_PAD);
	if (err) {
		nla_nest_cancel(skb, nest);
		return err;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* As /proc/net/relay/stats: the gauges, then the counters. */
static int nrelay_nl_fill_stats(struct sk_buff *skb, struct nrelay_net *rn)
{
	int i;

	if (nrelay_nl_put_named(skb, NRELAY_A_STAT, "tcp_active",
				atomic_read(&rn->tcp_active)) ||
	    nrelay_nl_put_named(skb, NRELAY_A_STAT, "udp_mappings",
				atomic_read(&rn->udp.count)))
		return -EMSGSIZE;
	for (i = 0; i < NRELAY_STAT_MAX; i++)
		if (nrelay_nl_put_named(skb, NRELAY_A_STAT,
					nrelay_stat_names[i],
					atomic64_read(&rn->stats[i])))
			return -EMSGSIZE;
	return 0;
}

static int nrelay_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return nrelay_nl_reply(info, NRELAY_CMD_STATS_GET,
			       nrelay_nl_fill_stats);
}

static int nrelay_nl_fill_tunables(struct sk_buff *skb, struct nrelay_net *rn)
{
	int i;

	for (i = 0; i < NRELAY_TUNABLES; i++)
		if (nrelay_nl_put_named(skb, NRELAY_A_TUNABLE,
					nrelay_tunable_name(i),
					nrelay_tunable_get(rn, i)))
			return -EMSGSIZE;
	return 0;
}

static int nrelay_nl_tunable_get(struct sk_buff *skb, struct genl_info *info)
{
	return nrelay_nl_reply(info, NRELAY_CMD_TUNABLE_GET,
			       nrelay_nl_fill_tunables);
}

/* All or none: every value is checked before any is set. */
static int nrelay_nl_tunable_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nrelay_net *rn = nrelay_nl_rn(info);
	struct nrelay_tunable_value v[NRELAY_TUNABLES];
	int index[NRELAY_TUNABLES];
	unsigned int i, n;
	int err;

	err = nrelay_nl_tunables_parse(info, v, &n);
	if (err)
		return nrelay_nl_log("set", info->extack->_msg ?: "bad request",
				     err);
	if (!n)
		return nrelay_nl_refuse(info->extack, NULL, "no tunable given",
					-EINVAL);
	mutex_lock(&rn->lock);
	for (i = 0; i < n; i++) {
		nrelay_tunable_set(rn, v[i].index, v[i].value);
		index[i] = v[i].index;
	}
	nrelay_nl_notify_tunables(rn, index, n);
	mutex_unlock(&rn->lock);
	return 0;
}

static int nrelay_nl_put_conn(struct sk_buff *skb, struct netlink_callback *cb,
			      const struct nrelay_conn_info *ci)
{
	bool tcp = ci->rule->proto == NRELAY_TCP;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &nrelay_nl_family, NLM_F_MULTI, NRELAY_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, NRELAY_A_CONN);
	if (!nest ||
	    nla_put_u8(skb, NRELAY_A_CONN_PROTO,
		       nrelay_nl_ipproto(ci->rule->proto)) ||
	    nrelay_nl_put_ep(skb, NRELAY_A_CONN_LISTEN, &ci->rule->listen) ||
	    nrelay_nl_put_ep(skb, NRELAY_A_CONN_CLIENT, &ci->client) ||
	    nrelay_nl_put_ep(skb, NRELAY_A_CONN_RELAY, &ci->relay) ||
	    nrelay_nl_put_ep(skb, NRELAY_A_CONN_BACKEND, &ci->backend) ||
	    nla_put_string(skb, NRELAY_A_CONN_STATE, ci->state) ||
	    nla_put_u64_64bit(skb, NRELAY_A_CONN_BYTES_UP, ci->bytes[NRELAY_UP],
			      NRELAY_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, NRELAY_A_CONN_BYTES_DOWN,
			      ci->bytes[NRELAY_DOWN], NRELAY_A_CONN_PAD) ||
	    nla_put_u32(skb, NRELAY_A_CONN_AGE, ci->age) ||
	    nla_put_u32(skb, tcp ? NRELAY_A_CONN_IDLE : NRELAY_A_CONN_EXPIRES,
			tcp ? ci->idle : ci->expires)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

/* The dump's place, kept between its calls. */
enum {
	NRELAY_NL_CONN_PHASE,	/* 0: TCP relays, 1: UDP mappings, 2: done */
	NRELAY_NL_CONN_SKIP,	/* relays done, or the bucket of the next */
	NRELAY_NL_CONN_IN_BUCKET, /* mappings of that bucket done */
};

/* The TCP relays a message each, under conns_lock; the place resumed is
 * the count done so far, as /proc's is.
 */
static int nrelay_nl_conn_dump_tcp(struct sk_buff *skb,
				   struct netlink_callback *cb,
				   struct nrelay_net *rn)
{
	long *done = &cb->args[NRELAY_NL_CONN_SKIP];
	struct nrelay_conn_info ci;
	void *v = NULL;
	long i = 0;
	int err = 0;

	nrelay_tcp_seq_lock(rn);
	while ((v = nrelay_tcp_seq_next(rn, v))) {
		if (i++ < *done)
			continue;
		nrelay_tcp_conn_info(v, &ci);
		err = nrelay_nl_put_conn(skb, cb, &ci);
		if (err)
			break;
		*done = i;
	}
	nrelay_tcp_seq_unlock(rn);
	return err;
}

/* The UDP mappings, bucket by bucket under RCU. */
static int nrelay_nl_conn_dump_udp(struct sk_buff *skb,
				   struct netlink_callback *cb,
				   struct nrelay_net *rn)
{
	long *bucket = &cb->args[NRELAY_NL_CONN_SKIP];
	long *done = &cb->args[NRELAY_NL_CONN_IN_BUCKET];
	struct nrelay_udp_map *m = NULL;
	struct nrelay_conn_info ci;
	unsigned int b = *bucket;
	long i = 0;
	int err = 0;

	rcu_read_lock();
	while ((m = nrelay_udp_seq_next(rn, m, &b))) {
		if (b != *bucket) {
			*bucket = b;
			*done = 0;
			i = 0;
		}
		if (i++ < *done)
			continue;
		nrelay_udp_map_info(rn, m, &ci);
		err = nrelay_nl_put_conn(skb, cb, &ci);
		if (err)
			break;
		*done = i;
	}
	rcu_read_unlock();
	return err;
}

static int nrelay_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct nlattr *filter = genl_dumpit_info(cb)->attrs[NRELAY_A_PROTO];
	struct nrelay_net *rn = nrelay_pernet(sock_net(skb->sk));
	long *phase = &cb->args[NRELAY_NL_CONN_PHASE];
	enum nrelay_proto only = NRELAY_TCP;
	bool any = !filter;

	/* Its policy has checked it is one of the two. */
	if (filter)
		nrelay_nl_proto(filter, &only);

	if (*phase == 0) {
		if ((any || only == NRELAY_TCP) &&
		    nrelay_nl_conn_dump_tcp(skb, cb, rn))
			return skb->len;
		*phase = 1;
		cb->args[NRELAY_NL_CONN_SKIP] = 0;
		cb->args[NRELAY_NL_CONN_IN_BUCKET] = 0;
	}
	if (*phase == 1) {
		if ((any || only == NRELAY_UDP) &&
		    nrelay_nl_conn_dump_udp(skb, cb, rn))
			return skb->len;
		*phase = 2;
	}
	return skb->len;
}

/* genl_ops, not genl_small_ops: only they carry a policy. The policies
 * span NRELAY_A_MAX, the family's maxattr, which the ops take.
 */
static const struct genl_ops nrelay_nl_ops[] = {
	{
		.cmd	= NRELAY_CMD_RULE_ADD,
		.doit	= nrelay_nl_rule_add,
		.policy	= nrelay_rule_cmd_policy,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_RULE_DEL,
		.doit	= nrelay_nl_rule_del,
		.policy	= nrelay_rule_cmd_policy,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_RULE_FLUSH,
		.doit	= nrelay_nl_rule_flush,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_RULE_GET,
		.dumpit	= nrelay_nl_rule_dump,
	},
	{
		.cmd	= NRELAY_CMD_RESTORE,
		.doit	= nrelay_nl_restore,
		.policy	= nrelay_restore_policy,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_START,
		.doit	= nrelay_nl_start,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_STOP,
		.doit	= nrelay_nl_stop,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_STATE_GET,
		.doit	= nrelay_nl_state_get,
	},
	{
		/* /proc/net/relay/conns is its owner's only. */
		.cmd	= NRELAY_CMD_CONN_GET,
		.dumpit	= nrelay_nl_conn_dump,
		.policy	= nrelay_conn_get_policy,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= NRELAY_CMD_STATS_GET,
		.doit	= nrelay_nl_stats_get,
	},
	{
		.cmd	= NRELAY_CMD_TUNABLE_GET,
		.doit	= nrelay_nl_tunable_get,
	},
	{
		.cmd	= NRELAY_CMD_TUNABLE_SET,
		.doit	= nrelay_nl_tunable_set,
		.policy	= nrelay_tunable_set_policy,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family nrelay_nl_family = {
	.name		= NRELAY_GENL_NAME,
	.version	= NRELAY_GENL_VERSION,
	.maxattr	= NRELAY_A_MAX,
	.policy		= nrelay_no_attr_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= nrelay_nl_ops,
	.n_ops		= ARRAY_SIZE(nrelay_nl_ops),
	.resv_start_op	= NRELAY_CMD_MAX + 1,
	.mcgrps		= nrelay_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nrelay_nl_mcgrps),
};

/* An event message of @cmd, or NULL when no one listens in @rn's
 * namespace (KUnit's rule sets have none).
 */
static struct sk_buff *nrelay_nl_event(struct nrelay_net *rn, u8 cmd,
				       void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(nrelay_nl_registered) || !rn->net ||
	    !genl_has_listeners(&nrelay_nl_family, rn->net,
				NRELAY_NL_MCGRP_EVENTS))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &nrelay_nl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

static void nrelay_nl_event_send(struct nrelay_net *rn, struct sk_buff *skb,
				 void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&nrelay_nl_family, rn->net, skb, 0,
				NRELAY_NL_MCGRP_EVENTS, GFP_KERNEL);
}

/* An event without attributes: flush, restore, start, stop. */
void nrelay_nl_notify(struct nrelay_net *rn, u8 cmd)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nrelay_nl_event(rn, cmd, &hdr);
	if (skb)
		nrelay_nl_event_send(rn, skb, hdr);
}

void nrelay_nl_notify_rule(struct nrelay_net *rn, const struct nrelay_cmd *c)
{
	static const u8 cmds[] = {
		[NRELAY_OP_ADD] = NRELAY_CMD_RULE_ADD,
		[NRELAY_OP_DEL] = NRELAY_CMD_RULE_DEL,
		[NRELAY_OP_FLUSH] = NRELAY_CMD_RULE_FLUSH,
	};
	struct sk_buff *skb;
	void *hdr;

	skb = nrelay_nl_event(rn, cmds[c->op], &hdr);
	if (!skb)
		return;
	if (c->op != NRELAY_OP_FLUSH && nrelay_nl_put_rule(skb, c, NULL)) {
		nlmsg_free(skb);
		return;
	}
	nrelay_nl_event_send(rn, skb, hdr);
}

void nrelay_nl_notify_tunables(struct nrelay_net *rn, const int *index,
			       unsigned int n)
{
	struct sk_buff *skb;
	unsigned int i;
	void *hdr;

	skb = nrelay_nl_event(rn, NRELAY_CMD_TUNABLE_SET, &hdr);
	if (!skb)
		return;
	for (i = 0; i < n; i++) {
		if (nrelay_nl_put_named(skb, NRELAY_A_TUNABLE,
					nrelay_tunable_name(index[i]),
					nrelay_tunable_get(rn, index[i]))) {
			nlmsg_free(skb);
			return;
		}
	}
	nrelay_nl_event_send(rn, skb, hdr);
}

int __init nrelay_nl_init(void)
{
	int err = genl_register_family(&nrelay_nl_family);

	if (!err)
		WRITE_ONCE(nrelay_nl_registered, true);
	return err;
}

void nrelay_nl_exit(void)
{
	WRITE_ONCE(nrelay_nl_registered, false);
	genl_unregister_family(&nrelay_nl_family);
}
