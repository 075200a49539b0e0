/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * net/relay: the generic netlink family "net_relay" (docs/netlink.md,
 * docs/net_relay.yaml).
 *
 * One family per network namespace. Changes (rule add/del/flush/restore,
 * start, stop, tunable set) need CAP_NET_ADMIN in the namespace's user
 * namespace, as writes to /proc/net/relay do; so does the connection dump,
 * as /proc/net/relay/conns is readable by its owner only. Every other
 * read is open to all. Every change is announced on the "events"
 * multicast group, whether made here, through /proc, the net.relay
 * sysctls or boot rules. Nests must carry NLA_F_NESTED (strict policies).
 */
#ifndef _UAPI_LINUX_NET_RELAY_H
#define _UAPI_LINUX_NET_RELAY_H

#define NRELAY_GENL_NAME		"net_relay"
#define NRELAY_GENL_VERSION		1
#define NRELAY_GENL_MCGRP_EVENTS	"events"

enum {
	NRELAY_CMD_UNSPEC,
	NRELAY_CMD_RULE_ADD,		/* do: RULE (proto, listen, backend) */
	NRELAY_CMD_RULE_DEL,		/* do: RULE (proto, listen) */
	NRELAY_CMD_RULE_FLUSH,		/* do */
	NRELAY_CMD_RULE_GET,		/* dump: a RULE each, with counters */
	NRELAY_CMD_RESTORE,		/* do: RULE..., TUNABLE...: all or none */
	NRELAY_CMD_START,		/* do */
	NRELAY_CMD_STOP,		/* do */
	NRELAY_CMD_STATE_GET,		/* do: RUNNING, RULE_COUNT */
	NRELAY_CMD_CONN_GET,		/* dump: a CONN each; PROTO filters */
	NRELAY_CMD_STATS_GET,		/* do: STAT... */
	NRELAY_CMD_TUNABLE_GET,		/* do: TUNABLE... */
	NRELAY_CMD_TUNABLE_SET,		/* do: TUNABLE...: all or none */

	__NRELAY_CMD_MAX,
	NRELAY_CMD_MAX = __NRELAY_CMD_MAX - 1,
};

/* Top-level attributes. */
enum {
	NRELAY_A_UNSPEC,
	NRELAY_A_RULE,			/* nest: NRELAY_A_RULE_* */
	NRELAY_A_CONN,			/* nest: NRELAY_A_CONN_* */
	NRELAY_A_STAT,			/* nest: NRELAY_A_NAMED_* (u64) */
	NRELAY_A_TUNABLE,		/* nest: NRELAY_A_NAMED_* (u32) */
	NRELAY_A_RUNNING,		/* u8: 1 started, 0 stopped */
	NRELAY_A_RULE_COUNT,		/* u32 */
	NRELAY_A_PROTO,			/* u8: CONN_GET's filter, IPPROTO_* */

	__NRELAY_A_MAX,
	NRELAY_A_MAX = __NRELAY_A_MAX - 1,
};

/*
 * An address and port. Without ADDR4 and ADDR6 (a listen address only):
 * every local address of both families; 0.0.0.0 or :: is every address
 * of one family.
 */
enum {
	NRELAY_A_EP_UNSPEC,
	NRELAY_A_EP_ADDR4,		/* be32 */
	NRELAY_A_EP_ADDR6,		/* struct in6_addr, 16 bytes */
	NRELAY_A_EP_PORT,		/* u16, host order, 1-65535; 0 in
					 * the relay end of a TCP relay
					 * still connecting
					 */

	__NRELAY_A_EP_MAX,
	NRELAY_A_EP_MAX = __NRELAY_A_EP_MAX - 1,
};

enum {
	NRELAY_A_RULE_UNSPEC,
	NRELAY_A_RULE_PROTO,		/* u8: IPPROTO_TCP or IPPROTO_UDP */
	NRELAY_A_RULE_LISTEN,		/* nest: NRELAY_A_EP_* */
	NRELAY_A_RULE_BACKEND,		/* nest: NRELAY_A_EP_* */
	NRELAY_A_RULE_ACTIVE,		/* u32: live relays or mappings */
	NRELAY_A_RULE_TOTAL,		/* u64: relays or mappings so far */
	NRELAY_A_RULE_BYTES_UP,		/* u64: client to backend */
	NRELAY_A_RULE_BYTES_DOWN,	/* u64: backend to client */
	NRELAY_A_RULE_PAD,

	__NRELAY_A_RULE_MAX,
	NRELAY_A_RULE_MAX = __NRELAY_A_RULE_MAX - 1,
};

/* A TCP relay or a UDP mapping, as a line of /proc/net/relay/conns. */
enum {
	NRELAY_A_CONN_UNSPEC,
	NRELAY_A_CONN_PROTO,		/* u8: IPPROTO_TCP or IPPROTO_UDP */
	NRELAY_A_CONN_LISTEN,		/* nest: its rule's listen address */
	NRELAY_A_CONN_CLIENT,		/* nest */
	NRELAY_A_CONN_RELAY,		/* nest: our end towards the backend */
	NRELAY_A_CONN_BACKEND,		/* nest */
	NRELAY_A_CONN_STATE,		/* string, as in /proc */
	NRELAY_A_CONN_BYTES_UP,		/* u64 */
	NRELAY_A_CONN_BYTES_DOWN,	/* u64 */
	NRELAY_A_CONN_AGE,		/* u32: seconds */
	NRELAY_A_CONN_IDLE,		/* u32: seconds (TCP) */
	NRELAY_A_CONN_EXPIRES,		/* u32: seconds (UDP) */
	NRELAY_A_CONN_PAD,

	__NRELAY_A_CONN_MAX,
	NRELAY_A_CONN_MAX = __NRELAY_A_CONN_MAX - 1,
};

/*
 * A counter or a tunable, by the name /proc/net/relay/stats or the
 * net.relay sysctl gives it: the kernel sends every one it has, so that
 * a tool needs no list of its own.
 */
enum {
	NRELAY_A_NAMED_UNSPEC,
	NRELAY_A_NAMED_NAME,		/* string */
	NRELAY_A_NAMED_VALUE,		/* u64 */
	NRELAY_A_NAMED_PAD,

	__NRELAY_A_NAMED_MAX,
	NRELAY_A_NAMED_MAX = __NRELAY_A_NAMED_MAX - 1,
};

#endif /* _UAPI_LINUX_NET_RELAY_H */
