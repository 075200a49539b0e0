/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * net/relay: in-kernel TCP and UDP relay, internal declarations.
 *
 * Object ownership in a network namespace (struct nrelay_net):
 *   rules       list of struct nrelay_rule, written under nrelay_net.lock,
 *               read under RCU by the UDP hooks
 *   conns       list of struct nrelay_conn (TCP relays), under conns_lock
 *   udp         the UDP mapping table (struct nrelay_udp_table)
 */
#ifndef _NET_RELAY_NRELAY_H
#define _NET_RELAY_NRELAY_H

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

struct seq_file;
struct sk_buff;
struct socket;
struct sock;

enum nrelay_proto {
	NRELAY_TCP,
	NRELAY_UDP,
};

/* An endpoint; family-tagged so that IPv6 can follow without new types. */
struct nrelay_addr {
	sa_family_t family;
	__be16 port;
	union {
		__be32 ip;
		struct in6_addr ip6;
	};
};

enum nrelay_op {
	NRELAY_OP_ADD,
	NRELAY_OP_DEL,
	NRELAY_OP_FLUSH,
};

struct nrelay_cmd {
	enum nrelay_op op;
	enum nrelay_proto proto;
	struct nrelay_addr listen;
	struct nrelay_addr backend;
};

/* Relay directions, used to index byte counters. */
enum nrelay_dir {
	NRELAY_UP,	/* client to backend */
	NRELAY_DOWN,	/* backend to client */
	NRELAY_NDIRS,
};

enum nrelay_stat {
	NRELAY_STAT_TCP_ACCEPTED,
	NRELAY_STAT_TCP_CLOSED,
	NRELAY_STAT_TCP_CONNECT_FAILED,
	NRELAY_STAT_TCP_RESETS,
	NRELAY_STAT_TCP_TIMEOUTS,
	NRELAY_STAT_TCP_REJECTED,
	NRELAY_STAT_TCP_SOURCE_LIMIT,
	NRELAY_STAT_TCP_ALLOC_FAILED,
	NRELAY_STAT_TCP_BYTES_UP,
	NRELAY_STAT_TCP_BYTES_DOWN,
	NRELAY_STAT_UDP_MAPPINGS_CREATED,
	NRELAY_STAT_UDP_MAPPINGS_EXPIRED,
	NRELAY_STAT_UDP_TABLE_FULL,
	NRELAY_STAT_UDP_PORTS_EXHAUSTED,
	NRELAY_STAT_UDP_EVICTED,
	NRELAY_STAT_UDP_SOURCE_LIMIT,
	NRELAY_STAT_UDP_ALLOC_FAILED,
	NRELAY_STAT_UDP_PACKETS_UP,
	NRELAY_STAT_UDP_PACKETS_DOWN,
	NRELAY_STAT_UDP_BYTES_UP,
	NRELAY_STAT_UDP_BYTES_DOWN,
	NRELAY_STAT_UDP_ICMP_TRANSLATED,
	NRELAY_STAT_UDP_DROPPED,
	NRELAY_STAT_MAX,
};

struct nrelay_net;

struct nrelay_rule {
	struct list_head node;
	struct rcu_head rcu;
	struct nrelay_net *rn;
	enum nrelay_proto proto;
	struct nrelay_addr listen;
	struct nrelay_addr backend;

	/* TCP listener, present while the service runs */
	struct socket *lsock;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	struct work_struct accept_work;

	atomic_t active;	/* live TCP relays or UDP mappings */
	atomic64_t total;
	atomic64_t bytes[NRELAY_NDIRS];
};

struct nrelay_udp_map;
struct nrelay_source;

/* Flows per client address (source.c). */
struct nrelay_sources {
	spinlock_t lock;		/* head[], the entries' counts */
	struct hlist_head head[256];
	u32 seed;
};

struct nrelay_udp_table {
	struct hlist_head *orig;	/* by client and service addr:port */
	struct hlist_head *reply;	/* by backend addr:port and relay port */
	/* Set by the table's owner (NULL: none): whether a relay port
	 * towards m->backend from m->relay.ip is used outside the table.
	 */
	bool (*port_busy)(struct nrelay_udp_table *t,
			  const struct nrelay_udp_map *m, __be16 port);
	/* Set by the owner (NULL: no cap): mappings counted per client. */
	struct nrelay_sources *sources;
	const int *max_per_source;
	unsigned int mask;
	spinlock_t lock;		/* writers of both chains and count */
	atomic_t count;
	atomic_t evicted;		/* unreplied mappings made room */
	u32 seed;
	unsigned int gc_next;		/* first bucket of the next GC slice */
};

/* A UDP flow through the relay; both hash nodes live as long as it does. */
struct nrelay_udp_map {
	struct hlist_node orig_node;
	struct hlist_node reply_node;
	struct rcu_head rcu;
	struct nrelay_rule *rule;
	struct nrelay_source *source;	/* counts it, if the table counts */
	struct nrelay_addr client;	/* the requester */
	struct nrelay_addr service;	/* where the requester sent to */
	struct nrelay_addr backend;
	struct nrelay_addr relay;	/* our source towards the backend */
	unsigned long created;
	unsigned long last_used;
	bool replied;			/* the backend has answered */
	atomic64_t packets[NRELAY_NDIRS];
	atomic64_t bytes[NRELAY_NDIRS];
};

struct nrelay_net {
	struct net *net;
	struct mem_cgroup *memcg;	/* charged for it; NULL: none */
	struct mutex lock;		/* rules writers, start/stop */
	struct list_head rules;
	unsigned int nrules[2];		/* per enum nrelay_proto */
	bool running;			/* started (the default) */
	bool tcp_engaged;		/* see nrelay_engage() */
	bool udp_engaged;

	struct nrelay_sources sources;

	spinlock_t conns_lock;		/* conns, conn->node */
	struct list_head conns;
	atomic_t tcp_active;
	wait_queue_head_t conns_wait;
	struct delayed_work tcp_gc;

	struct nrelay_udp_table udp;
	bool udp_ready;			/* @udp is set up */
	struct nf_hook_ops *udp_hooks;
	struct delayed_work udp_gc;

	/* sysctl net.relay.*, seconds unless the name says otherwise */
	int tcp_idle_timeout;
	int tcp_connect_timeout;
	int tcp_fin_timeout;
	int tcp_max_conns;
	int tcp_max_per_source;
	int udp_timeout;
	int udp_unreplied_timeout;
	int udp_max_mappings;
	int udp_max_per_source;
	int max_rules;
	struct ctl_table *sysctl_table;
	struct ctl_table_header *sysctl_hdr;

	struct proc_dir_entry *proc_dir;
	atomic64_t stats[NRELAY_STAT_MAX];
};

extern struct workqueue_struct *nrelay_wq;

static inline void nrelay_stat_add(struct nrelay_net *rn, enum nrelay_stat s,
				   u64 v)
{
	atomic64_add(v, &rn->stats[s]);
}

static inline void nrelay_stat_inc(struct nrelay_net *rn, enum nrelay_stat s)
{
	atomic64_inc(&rn->stats[s]);
}

/* A tunable's new value, for nrelay_restore(). */
struct nrelay_tunable_value {
	int index;
	int value;
};

/* A TCP relay or a UDP mapping as /proc and netlink show it. */
struct nrelay_conn_info {
	const struct nrelay_rule *rule;
	struct nrelay_addr client;
	struct nrelay_addr relay;	/* our end towards the backend */
	struct nrelay_addr backend;
	const char *state;
	u64 bytes[NRELAY_NDIRS];
	unsigned long age;		/* seconds */
	unsigned long idle;		/* TCP: seconds since data moved */
	unsigned long expires;		/* UDP: seconds left */
};

/* core.c */
struct nrelay_net *nrelay_pernet(struct net *net);
int nrelay_exec(struct nrelay_net *rn, const struct nrelay_cmd *cmd,
		const char **why);
int nrelay_restore(struct nrelay_net *rn, struct nrelay_cmd *cmds,
		   unsigned int ncmds,
		   const struct nrelay_tunable_value *values,
		   unsigned int nvalues, unsigned int *failed,
		   const char **why);
int nrelay_start(struct nrelay_net *rn);
void nrelay_stop(struct nrelay_net *rn);
extern const char * const nrelay_stat_names[NRELAY_STAT_MAX];

/* rule.c */
int nrelay_addr_check(const struct nrelay_addr *a, const char **why);
int nrelay_cmd_check(struct nrelay_cmd *cmd, const char **why);
int nrelay_cmd_parse(const char *buf, struct nrelay_cmd *cmd,
		     const char **why);
int nrelay_boot_rule_parse(const char *s, struct nrelay_cmd *cmd,
			   const char **why);
bool nrelay_addr_equal(const struct nrelay_addr *a,
		       const struct nrelay_addr *b);
bool nrelay_addr_is_any(const struct nrelay_addr *a);
int nrelay_addr_to_sockaddr(const struct nrelay_addr *a,
			    struct sockaddr_storage *ss);
void nrelay_addr_from_sockaddr(struct nrelay_addr *a,
			       const struct sockaddr_storage *ss);
int nrelay_addr_print(char *buf, size_t size, const struct nrelay_addr *a);
const char *nrelay_proto_name(enum nrelay_proto proto);

/* canary.c: faults on demand, to prove the test suite's detectors */
#if IS_ENABLED(CONFIG_NET_RELAY_CANARY)
void nrelay_canary_init(void);
void nrelay_canary_exit(void);
#else
static inline void nrelay_canary_init(void) { }
static inline void nrelay_canary_exit(void) { }
#endif

/* netlink.c: the generic netlink family, its events */
int nrelay_nl_init(void);
void nrelay_nl_exit(void);
void nrelay_nl_notify(struct nrelay_net *rn, u8 cmd);
void nrelay_nl_notify_rule(struct nrelay_net *rn, const struct nrelay_cmd *c);
void nrelay_nl_notify_tunables(struct nrelay_net *rn, const int *index,
			       unsigned int n);

/* proc.c */
int nrelay_proc_init(struct nrelay_net *rn);
void nrelay_conn_show(struct seq_file *seq, const struct nrelay_conn_info *ci);
void nrelay_proc_exit(struct nrelay_net *rn);

/* source.c: flows per client address */
void nrelay_sources_init(struct nrelay_sources *s);
struct nrelay_source *nrelay_source_get(struct nrelay_sources *s,
					const struct nrelay_addr *addr,
					enum nrelay_proto proto,
					unsigned int max);
void nrelay_source_put(struct nrelay_sources *s, struct nrelay_source *src,
		       enum nrelay_proto proto);

/* sysctl.c: net.relay.*, which netlink calls tunables */
#define NRELAY_TUNABLES		10
int nrelay_sysctl_init(struct nrelay_net *rn);
void nrelay_sysctl_exit(struct nrelay_net *rn);
const char *nrelay_tunable_name(int i);
int nrelay_tunable_find(const char *name);
int nrelay_tunable_get(struct nrelay_net *rn, int i);
int nrelay_tunable_check(struct nrelay_net *rn, int i, u64 value,
			 const char **why);
void nrelay_tunable_set(struct nrelay_net *rn, int i, int value);

/* tcp.c */
int nrelay_tcp_init(void);
void nrelay_tcp_exit(void);
void nrelay_tcp_net_init(struct nrelay_net *rn);
int nrelay_tcp_listen(struct nrelay_rule *rule);
void nrelay_tcp_unlisten(struct nrelay_rule *rule);
void nrelay_tcp_close_conns(struct nrelay_net *rn, struct nrelay_rule *rule);
void nrelay_tcp_start(struct nrelay_net *rn);
void nrelay_tcp_stop(struct nrelay_net *rn);
void nrelay_tcp_seq_lock(struct nrelay_net *rn);
void nrelay_tcp_seq_unlock(struct nrelay_net *rn);
void *nrelay_tcp_seq_next(struct nrelay_net *rn, void *v);
void nrelay_tcp_conn_info(void *v, struct nrelay_conn_info *ci);

/* udp.c: what the families' packet paths share */
int nrelay_udp_start(struct nrelay_net *rn);
void nrelay_udp_stop(struct nrelay_net *rn);
void nrelay_udp_net_init(struct nrelay_net *rn);
bool nrelay_udp_listen_local(struct net *net, const struct nrelay_addr *a);
int nrelay_udp_table_setup(struct nrelay_net *rn);
void nrelay_udp_net_exit(struct nrelay_net *rn);
struct nrelay_udp_map *nrelay_udp_seq_next(struct nrelay_net *rn,
					   struct nrelay_udp_map *m,
					   unsigned int *b);
void nrelay_udp_map_info(struct nrelay_net *rn, struct nrelay_udp_map *m,
			 struct nrelay_conn_info *ci);
void nrelay_untrack(struct sk_buff *skb);
bool nrelay_is_untracked(const struct sk_buff *skb);
unsigned int nrelay_udp_drop(struct nrelay_net *rn, enum nrelay_stat why);
void nrelay_udp_account(struct nrelay_net *rn, struct nrelay_udp_map *m,
			enum nrelay_dir dir, unsigned int len);
struct nrelay_udp_map *nrelay_udp_map_get(struct nrelay_net *rn,
					  struct nrelay_rule *rule,
					  const struct nrelay_addr *client,
					  const struct nrelay_addr *service,
					  const struct nrelay_addr *relay);

/* udp_ipv4.c: the packet path of IPv4 */
#define NRELAY_UDP_HOOKS	2	/* PRE_ROUTING, POST_ROUTING */
extern const struct nf_hook_ops nrelay_udp4_hook_ops[NRELAY_UDP_HOOKS];
bool nrelay_udp4_sock_busy(struct nrelay_net *rn,
			   const struct nrelay_udp_map *m, __be16 port);
bool nrelay_udp4_listen_local(struct net *net, const struct nrelay_addr *a);

/* udp_ipv6.c: the packet path of IPv6 */
#if IS_ENABLED(CONFIG_IPV6)
#define NRELAY_UDP_ALL_HOOKS	(2 * NRELAY_UDP_HOOKS)
extern const struct nf_hook_ops nrelay_udp6_hook_ops[NRELAY_UDP_HOOKS];
bool nrelay_udp6_sock_busy(struct nrelay_net *rn,
			   const struct nrelay_udp_map *m, __be16 port);
bool nrelay_udp6_listen_local(struct net *net, const struct nrelay_addr *a);
#else
#define NRELAY_UDP_ALL_HOOKS	NRELAY_UDP_HOOKS
#endif

/* udp_table.c: the mapping table, free of packets and namespaces */
#define NRELAY_UDP_PORT_MIN	1024
#define NRELAY_UDP_PORT_MAX	65535

int nrelay_udp_cache_init(void);
void nrelay_udp_cache_exit(void);
bool nrelay_udp_cache_ready(void);
int nrelay_udp_table_init(struct nrelay_udp_table *t, unsigned int buckets);
void nrelay_udp_table_free(struct nrelay_udp_table *t);
struct nrelay_udp_map *
nrelay_udp_lookup_orig(struct nrelay_udp_table *t,
		       const struct nrelay_addr *client,
		       const struct nrelay_addr *service);
struct nrelay_udp_map *
nrelay_udp_lookup_reply(struct nrelay_udp_table *t,
			const struct nrelay_addr *backend, __be16 relay_port);
struct nrelay_udp_map *
nrelay_udp_map_create(struct nrelay_udp_table *t, struct nrelay_rule *rule,
		      const struct nrelay_addr *client,
		      const struct nrelay_addr *service,
		      const struct nrelay_addr *relay,
		      unsigned int max, unsigned long now, int *err);
unsigned int nrelay_udp_expire(struct nrelay_udp_table *t, unsigned long now,
			       unsigned long timeout, unsigned long unreplied,
			       unsigned int buckets);
unsigned int nrelay_udp_flush(struct nrelay_udp_table *t,
			      const struct nrelay_rule *rule);
u16 nrelay_port_pick(u16 preferred, u16 lo, u16 hi, u32 rnd,
		     bool (*taken)(u16 port, void *arg), void *arg);

#endif /* _NET_RELAY_NRELAY_H */
