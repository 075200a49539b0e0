// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl conns [tcp|udp] [rule [ADDR:]PORT] [state STATE]: the
 * connection dump, a line each as in /proc/net/relay/conns. The kernel
 * filters by protocol (NRELAY_A_PROTO); the rule and the state are
 * filtered here.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/net_relay.h>

#include "endpoint.h"
#include "json.h"
#include "nl.h"
#include "relayctl.h"

struct conn_filter {
	bool proto_set;
	uint8_t proto;
	bool rule_set;
	struct rk_ep rule;
	const char *state;
	bool started;		/* the header or "[" is out */
};

/* The header (or the JSON array's start), once the dump has begun: a
 * refused request prints nothing on stdout.
 */
static void conns_start(struct conn_filter *f)
{
	if (f->started)
		return;
	f->started = true;
	if (rk_opts.json)
		json_open_array();
	else
		puts("proto client relay backend state up down age idle|expires");
}

/*
 * Whether a connection's rule listens on @f->rule, the address a rule
 * del would name. The kernel stores a UDP rule's "*" in its backend's
 * family, as 0.0.0.0 or [::]: "*" matches those too.
 */
static bool conn_rule_matches(const struct conn_filter *f, uint8_t proto,
			      const struct rk_ep *listen)
{
	if (rk_ep_equal(&f->rule, listen))
		return true;
	return proto == IPPROTO_UDP && f->rule.family == AF_UNSPEC &&
	       f->rule.port == listen->port && rk_ep_is_any(listen);
}

static int conns_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *top[NRELAY_A_MAX + 1];
	const struct nlattr *tb[NRELAY_A_CONN_MAX + 1];
	char listen[RK_EP_STRLEN], client[RK_EP_STRLEN];
	char relay[RK_EP_STRLEN], backend[RK_EP_STRLEN];
	struct conn_filter *f = data;
	const char *state, *last_name;
	const struct nlattr *last;
	struct rk_ep lep;
	uint8_t proto;

	nl_parse_attrs(nlh, top, NRELAY_A_MAX);
	if (!top[NRELAY_A_CONN])
		return 0;
	nl_parse_nest(top[NRELAY_A_CONN], tb, NRELAY_A_CONN_MAX);
	proto = nl_uint(tb[NRELAY_A_CONN_PROTO]);
	state = nl_str(tb[NRELAY_A_CONN_STATE]);
	rk_ep_get(tb[NRELAY_A_CONN_LISTEN], &lep);
	if (f->rule_set && !conn_rule_matches(f, proto, &lep))
		return 0;
	if (f->state && strcmp(f->state, state))
		return 0;

	conns_start(f);
	rk_ep_format(&lep, listen, sizeof(listen));
	rk_ep_text(tb[NRELAY_A_CONN_CLIENT], client, sizeof(client));
	rk_ep_text(tb[NRELAY_A_CONN_RELAY], relay, sizeof(relay));
	rk_ep_text(tb[NRELAY_A_CONN_BACKEND], backend, sizeof(backend));
	/* TCP relays have an idle time, UDP mappings an expiry. */
	if (tb[NRELAY_A_CONN_EXPIRES]) {
		last_name = "expires";
		last = tb[NRELAY_A_CONN_EXPIRES];
	} else {
		last_name = "idle";
		last = tb[NRELAY_A_CONN_IDLE];
	}

	if (!rk_opts.json) {
		printf("%s %s %s %s %s up=%" PRIu64 " down=%" PRIu64
		       " age=%" PRIu64 " %s=%" PRIu64 "\n",
		       rk_proto_name(proto), client, relay, backend, state,
		       nl_uint(tb[NRELAY_A_CONN_BYTES_UP]),
		       nl_uint(tb[NRELAY_A_CONN_BYTES_DOWN]),
		       nl_uint(tb[NRELAY_A_CONN_AGE]), last_name,
		       nl_uint(last));
		return 0;
	}
	json_open_object();
	json_kv_str("proto", rk_proto_name(proto));
	json_kv_str("listen", listen);
	json_kv_str("client", client);
	json_kv_str("relay", relay);
	json_kv_str("backend", backend);
	json_kv_str("state", state);
	json_kv_u64("bytes_up", nl_uint(tb[NRELAY_A_CONN_BYTES_UP]));
	json_kv_u64("bytes_down", nl_uint(tb[NRELAY_A_CONN_BYTES_DOWN]));
	json_kv_u64("age", nl_uint(tb[NRELAY_A_CONN_AGE]));
	json_kv_u64(last_name, nl_uint(last));
	json_close_object();
	return 0;
}

static void conns_parse(int argc, char **argv, struct conn_filter *f)
{
	const char *why;
	int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "tcp") || !strcmp(argv[i], "udp")) {
			if (f->proto_set)
				rk_usage_error("conns: one protocol at most");
			rk_proto_parse(argv[i], &f->proto);
			f->proto_set = true;
		} else if (!strcmp(argv[i], "rule")) {
			if (++i == argc)
				rk_usage_error("conns: expected [ADDR:]PORT after \"rule\"");
			why = rk_ep_parse(argv[i], true, &f->rule);
			if (why)
				rk_usage_error("%s", why);
			f->rule_set = true;
		} else if (!strcmp(argv[i], "state")) {
			if (++i == argc)
				rk_usage_error("conns: expected a state after \"state\"");
			f->state = argv[i];
		} else {
			rk_usage_error("conns: unknown argument \"%s\" (tcp, udp, rule [ADDR:]PORT, state STATE)",
				       argv[i]);
		}
	}
}

int do_conns(int argc, char **argv)
{
	struct conn_filter f;
	struct nl_error e;
	struct nl_msg *m;
	struct nl *nl;

	if (argc && !strcmp(argv[0], "help")) {
		fputs("Usage: relayctl [OPTIONS] conns [tcp|udp] [rule [ADDR:]PORT] [state STATE]\n",
		      stdout);
		return 0;
	}
	conns_parse(argc, argv, &f);
	nl = rk_nl();
	m = nl_msg_new(nl, NRELAY_CMD_CONN_GET, NLM_F_DUMP, NL_ATTR_SPACE(1));
	if (f.proto_set)
		nl_put_u8(m, NRELAY_A_PROTO, f.proto);
	if (nl_request(nl, m, conns_cb, &f, &e))
		nl_die(&e);
	conns_start(&f);
	if (rk_opts.json)
		json_close_array();
	nl_msg_free(m);
	return 0;
}
