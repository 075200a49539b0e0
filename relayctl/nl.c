// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl: the generic netlink socket (libmnl), family and group
 * resolution with CTRL_CMD_GETFAMILY, requests with their acks, dumps.
 *
 * Acks are read here rather than with mnl_cb_run(), which keeps only the
 * errno of an NLMSG_ERROR: relayctl wants the extended ack too, its
 * message (NLMSGERR_ATTR_MSG) for every error and its offset
 * (NLMSGERR_ATTR_OFFS) for restore's line numbers. NETLINK_CAP_ACK keeps
 * the kernel from copying the request back into the ack: a restore of a
 * thousand rules would come back whole.
 *
 * Buffers are sized by what goes through them, not MNL_SOCKET_BUFFER_SIZE:
 * a request gets the room its maker asks for and the socket's send buffer
 * is raised to fit it; a reply is peeked at (MSG_PEEK | MSG_TRUNC) for its
 * size before it is read.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/net_relay.h>
#include <linux/netlink.h>

#include "nl.h"
#include "relayctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define NL_RBUF_MIN	32768

static void *nl_xalloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		rk_die("out of memory");
	return p;
}

struct nl_msg *nl_msg_new(struct nl *nl, uint8_t cmd, uint16_t flags,
			  size_t payload)
{
	struct nl_msg *m = nl_xalloc(NULL, sizeof(*m));
	struct genlmsghdr *genl;

	m->size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)) + payload;
	m->nlh = nl_xalloc(NULL, m->size);
	memset(m->nlh, 0, m->size);
	m->overflow = false;
	mnl_nlmsg_put_header(m->nlh);
	m->nlh->nlmsg_type = nl->family;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->family == GENL_ID_CTRL ? 1 : NRELAY_GENL_VERSION;
	return m;
}

void nl_msg_free(struct nl_msg *m)
{
	if (m) {
		free(m->nlh);
		free(m);
	}
}

void nl_put(struct nl_msg *m, uint16_t type, size_t len, const void *data)
{
	if (!mnl_attr_put_check(m->nlh, m->size, type, len, data))
		m->overflow = true;
}

void nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	nl_put(m, type, sizeof(v), &v);
}

void nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	nl_put(m, type, sizeof(v), &v);
}

void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, sizeof(v), &v);
}

void nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	nl_put(m, type, sizeof(v), &v);
}

void nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_put(m, type, strlen(s) + 1, s);
}

/* libmnl sets NLA_F_NESTED, which strict validation requires. */
struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *nest = mnl_attr_nest_start_check(m->nlh, m->size, type);

	if (!nest) {
		m->overflow = true;
		/* Never used as a nest: the request is not sent. */
		return (struct nlattr *)mnl_nlmsg_get_payload_tail(m->nlh);
	}
	return nest;
}

void nl_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (!m->overflow)
		mnl_attr_nest_end(m->nlh, nest);
}

struct nl_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int nl_parse_cb(const struct nlattr *a, void *data)
{
	struct nl_table *t = data;
	unsigned int type = mnl_attr_get_type(a);

	/* Newer kernels may send more: ignore what we do not know. */
	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

void nl_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    unsigned int max)
{
	struct nl_table t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nl_parse_cb, &t);
}

void nl_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		   unsigned int max)
{
	struct nl_table t = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nest)
		mnl_attr_parse_nested(nest, nl_parse_cb, &t);
}

/* An unsigned attribute of any width (a u32 read as such if the kernel
 * ever widens it to u64); 0 if missing or malformed.
 */
uint64_t nl_uint(const struct nlattr *a)
{
	if (!a)
		return 0;
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	case 4:
		return mnl_attr_get_u32(a);
	case 8:
		return mnl_attr_get_u64(a);
	}
	return 0;
}

/* A string attribute, "?" if missing or not NUL-terminated. */
const char *nl_str(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return "?";
	return mnl_attr_get_str(a);
}

uint8_t nl_genl_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*genl))
		return 0;
	return genl->cmd;
}

/* Read one datagram into nl->rbuf, growing it first if needed; its
 * length or -1 (errno).
 */
int nl_recv(struct nl *nl)
{
	int fd = mnl_socket_get_fd(nl->sock);
	ssize_t len;

	for (;;) {
		len = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((size_t)len > nl->rbuf_size) {
			nl->rbuf_size = len;
			nl->rbuf = nl_xalloc(nl->rbuf, nl->rbuf_size);
		}
		len = recv(fd, nl->rbuf, nl->rbuf_size, 0);
		if (len < 0 && errno == EINTR)
			continue;
		return len;
	}
}

/* The extended ack's attributes, after @hlen bytes of @nlh's payload. */
static void nl_parse_extack(const struct nlmsghdr *nlh, size_t hlen,
			    struct nl_error *e)
{
	const struct nlattr *attr;
	const char *payload = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	bool miss = false, miss_nest = false;
	uint32_t miss_type = 0, miss_offs = 0;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || hlen > len)
		return;
	/* The macro's cursor is named attr. */
	mnl_attr_for_each_payload((void *)(payload + hlen), len - hlen) {
		const struct nlattr *a = attr;

		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(e->msg, sizeof(e->msg), "%s", nl_str(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				e->has_offs = true;
				e->offs = mnl_attr_get_u32(a);
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				miss = true;
				miss_type = mnl_attr_get_u32(a);
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				miss_nest = true;
				miss_offs = mnl_attr_get_u32(a);
			}
			break;
		}
	}
	/* The nest that lacks an attribute points into the request too. */
	if (miss_nest && !e->has_offs) {
		e->has_offs = true;
		e->offs = miss_offs;
	}
	/* GENL_REQ_ATTR_CHECK() says which attribute, without words. */
	if (miss && !e->msg[0])
		snprintf(e->msg, sizeof(e->msg),
			 "missing attribute %u", (unsigned int)miss_type);
}

/* NLMSG_ERROR: 0 for an ack, else -1 and @e. */
static int nl_parse_error(const struct nlmsghdr *nlh, struct nl_error *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t hlen = sizeof(*err);

	memset(e, 0, sizeof(*e));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		e->err = EBADMSG;
		return -1;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += mnl_nlmsg_get_payload_len(&err->msg);
	nl_parse_extack(nlh, hlen, e);
	if (!err->error) {
		/* An ack may carry a warning. */
		if (e->msg[0])
			fprintf(stderr, "Warning: %s\n", e->msg);
		return 0;
	}
	e->err = -err->error;
	return -1;
}

/* NLMSG_DONE: its payload is the dump's status, then maybe an extack. */
static int nl_parse_done(const struct nlmsghdr *nlh, struct nl_error *e)
{
	int status = 0;

	memset(e, 0, sizeof(*e));
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(status))
		memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
	if (!status)
		return 0;
	nl_parse_extack(nlh, sizeof(status), e);
	e->err = -status;
	return -1;
}

/* Raise the send buffer to fit a request of @len bytes: netlink refuses
 * one larger than it (EMSGSIZE). SO_SNDBUFFORCE passes net.core.wmem_max
 * with CAP_NET_ADMIN, which every large request (restore) needs anyway.
 */
static void nl_fit_sndbuf(struct nl *nl, size_t len)
{
	int fd = mnl_socket_get_fd(nl->sock);
	int cur = 0, want;
	socklen_t optlen = sizeof(cur);

	if (!getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &optlen) &&
	    (size_t)cur >= len + 1024)
		return;
	want = len + 4096;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

int nl_request(struct nl *nl, struct nl_msg *m, nl_reply_cb cb, void *data,
	       struct nl_error *e)
{
	struct nlmsghdr *req = m->nlh;
	bool dump = req->nlmsg_flags & NLM_F_DUMP;
	bool interrupted = false;
	int len, ret;

	memset(e, 0, sizeof(*e));
	if (m->overflow) {
		fprintf(stderr, "relayctl: internal error: request too large for its buffer\n");
		abort();
	}
	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	nl_fit_sndbuf(nl, req->nlmsg_len);
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0) {
		e->err = errno;
		return -1;
	}

	for (;;) {
		const struct nlmsghdr *nlh;

		len = nl_recv(nl);
		if (len < 0) {
			e->err = errno;
			return -1;
		}
		nlh = (const struct nlmsghdr *)nl->rbuf;
		for (; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Left over from an earlier request: not ours. */
			if (nlh->nlmsg_seq != req->nlmsg_seq ||
			    (nlh->nlmsg_pid && nlh->nlmsg_pid != nl->portid))
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				return nl_parse_error(nlh, e);
			case NLMSG_DONE:
				ret = nl_parse_done(nlh, e);
				if (!ret && interrupted)
					fputs("Warning: the kernel's tables changed during the dump; it may be inconsistent\n",
					      stderr);
				return ret;
			case NLMSG_OVERRUN:
				e->err = ENOBUFS;
				return -1;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !cb)
				continue;
			ret = cb(nlh, data);
			if (ret)
				return ret;
		}
	}
}

void nl_die(const struct nl_error *e)
{
	fflush(stdout);
	if (e->msg[0])
		fprintf(stderr, "Error: %s\n", e->msg);
	else
		fprintf(stderr, "Error: %s\n", strerror(e->err));
	exit(EXIT_KERNEL);
}

void nl_do(struct nl *nl, struct nl_msg *m, nl_reply_cb cb, void *data)
{
	struct nl_error e;

	if (nl_request(nl, m, cb, data, &e))
		nl_die(&e);
	nl_msg_free(m);
}

static void nl_family_groups(struct nl *nl, const struct nlattr *groups)
{
	const struct nlattr *g;

	mnl_attr_for_each_nested(g, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		nl_parse_nest(g, tb, CTRL_ATTR_MCAST_GRP_MAX);
		if (tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(nl_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    NRELAY_GENL_MCGRP_EVENTS))
			nl->events = nl_uint(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nl *nl = data;

	nl_parse_attrs(nlh, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		nl->family = nl_uint(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		nl_family_groups(nl, tb[CTRL_ATTR_MCAST_GROUPS]);
	return 0;
}

static void nl_setsockopt(struct nl *nl, int opt, const char *name)
{
	int one = 1;

	if (mnl_socket_setsockopt(nl->sock, opt, &one, sizeof(one)))
		rk_die("cannot set %s on the netlink socket: %s", name,
		       strerror(errno));
}

void nl_open(struct nl *nl)
{
	struct nl_error e;
	struct nl_msg *m;

	memset(nl, 0, sizeof(*nl));
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		rk_die("cannot open a generic netlink socket: %s",
		       strerror(errno));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID))
		rk_die("cannot bind the netlink socket: %s", strerror(errno));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl_setsockopt(nl, NETLINK_EXT_ACK, "NETLINK_EXT_ACK");
	nl_setsockopt(nl, NETLINK_CAP_ACK, "NETLINK_CAP_ACK");
	nl->rbuf_size = NL_RBUF_MIN;
	nl->rbuf = nl_xalloc(NULL, nl->rbuf_size);

	nl->family = GENL_ID_CTRL;
	m = nl_msg_new(nl, CTRL_CMD_GETFAMILY, 0,
		       NL_ATTR_SPACE(sizeof(NRELAY_GENL_NAME)));
	nl_put_str(m, CTRL_ATTR_FAMILY_NAME, NRELAY_GENL_NAME);
	nl->family = 0;
	if (nl_request(nl, m, nl_family_cb, nl, &e)) {
		if (e.err != ENOENT)
			nl_die(&e);
		nl->family = 0;
	}
	nl_msg_free(m);
	if (!nl->family) {
		fflush(stdout);
		fputs("Error: the " NRELAY_GENL_NAME " generic netlink family is not there (is net_relay loaded?)\n",
		      stderr);
		exit(EXIT_KERNEL);
	}
}

void nl_join(struct nl *nl, uint32_t group)
{
	int size = 1 << 20;

	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)))
		rk_die("cannot join the " NRELAY_GENL_MCGRP_EVENTS " group: %s",
		       strerror(errno));
	/* Bursts of events (a restore, a flush): room to keep up. */
	setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
		   &size, sizeof(size));
}
