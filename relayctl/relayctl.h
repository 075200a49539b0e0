/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * relayctl: the user-space tool of net/relay's generic netlink family
 * "net_relay" (include/uapi/linux/net_relay.h), in the style of iproute2.
 *
 * How the files share the work:
 *   relayctl.c  main: global options, network namespace, dispatch, usage
 *   nl.c nl.h   the genetlink socket: family and group ids, requests,
 *               acks with extended ack, dumps, message building
 *   endpoint.c  [ADDR:]PORT in and out, and the protocol names
 *   json.c      a small JSON writer (-j, -p)
 *   rule.c      rule add/del/list/flush
 *   conn.c      conns
 *   stats.c     stats, tunables (set/get), start/stop/status
 *   monitor.c   the "events" multicast group
 *   save.c      save and restore
 *
 * Exit status: 0 success, 1 bad usage or input (nothing sent) or a local
 * failure, 2 the kernel refused or net_relay is not there.
 */
#ifndef RELAYCTL_H
#define RELAYCTL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAYCTL_VERSION	"1.0"

#define EXIT_USAGE	1
#define EXIT_KERNEL	2

struct nl;
struct nl_msg;

/* Global options, set by main() before a command runs. */
struct rk_opts {
	bool json;
	bool pretty;
	const char *netns;
};
extern struct rk_opts rk_opts;

/*
 * An endpoint as the UAPI has it: AF_UNSPEC (no address: every local
 * address of both families), AF_INET or AF_INET6 (an all-zero address is
 * every address of that family); port in host order.
 */
struct rk_ep {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint16_t port;
};

/* A rule as relayctl sends it (rule add/del, restore). */
struct rk_rule {
	uint8_t proto;
	struct rk_ep listen;
	struct rk_ep backend;
};

/* A counter or a tunable by name (NRELAY_A_NAMED_*). */
struct rk_named {
	char *name;
	uint64_t value;
};

/* Longest text of an endpoint: "[" IPv6 "]:" port. */
#define RK_EP_STRLEN	(1 + 46 + 2 + 5 + 1)

/* relayctl.c */
void __attribute__((noreturn, format(printf, 1, 2)))
rk_usage_error(const char *fmt, ...);
void __attribute__((noreturn, format(printf, 1, 2)))
rk_die(const char *fmt, ...);
struct nl *rk_nl(void);
void *rk_alloc(void *p, size_t size);
void rk_flush_stdout(void);

/* endpoint.c: the parsers return NULL or what is wrong with the input. */
const char *rk_proto_parse(const char *s, uint8_t *proto);
const char *rk_proto_name(uint8_t proto);
const char *rk_ep_parse(const char *s, bool listen, struct rk_ep *ep);
const char *rk_u32_parse(const char *s, uint32_t *v);
void rk_ep_format(const struct rk_ep *ep, char *buf, size_t size);
bool rk_ep_equal(const struct rk_ep *a, const struct rk_ep *b);
bool rk_ep_is_any(const struct rk_ep *ep);

/* rule.c */
const char *rk_rule_parse(int argc, char **argv, bool add,
			  struct rk_rule *r);
int do_rule(int argc, char **argv);
void rule_usage(void);

/* conn.c */
int do_conns(int argc, char **argv);

/* stats.c */
const char *rk_tunable_parse(const char *name, const char *value,
			     uint32_t *v);
size_t rk_tunable_space(const char *name);
void rk_tunable_put(struct nl_msg *m, const char *name, uint32_t value);
struct rk_named *rk_tunables_get(struct nl *nl, size_t *n);
int do_stats(int argc, char **argv);
int do_set(int argc, char **argv);
int do_get(int argc, char **argv);
int do_start(int argc, char **argv);
int do_stop(int argc, char **argv);
int do_status(int argc, char **argv);

/* monitor.c */
int do_monitor(int argc, char **argv);

/* save.c */
int do_save(int argc, char **argv);
int do_restore(int argc, char **argv);

#endif /* RELAYCTL_H */
