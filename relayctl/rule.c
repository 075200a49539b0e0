// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl rule add|del|list|flush: one rule a request (add, del), the
 * rule dump (list), and the parser restore shares for its "rule add"
 * lines.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/net_relay.h>

#include "endpoint.h"
#include "json.h"
#include "nl.h"
#include "relayctl.h"

void rule_usage(void)
{
	fputs("Usage: relayctl [OPTIONS] rule add tcp|udp [ADDR:]PORT to BACKEND_ADDR:PORT\n"
	      "       relayctl [OPTIONS] rule del tcp|udp [ADDR:]PORT\n"
	      "       relayctl [OPTIONS] rule { list | show }\n"
	      "       relayctl [OPTIONS] rule flush\n"
	      "ADDR := IPV4 | [IPV6] | *  (none or *: every local address of both families;\n"
	      "        0.0.0.0 or [::]: every address of one family)\n",
	      stdout);
}

/*
 * @argv: "tcp|udp [ADDR:]PORT" and, for @add, "to BACKEND_ADDR:PORT".
 * Returns NULL or what is wrong.
 */
const char *rk_rule_parse(int argc, char **argv, bool add, struct rk_rule *r)
{
	const char *why;

	memset(r, 0, sizeof(*r));
	if (argc < 1)
		return add ? "rule add: expected tcp|udp [ADDR:]PORT to BACKEND_ADDR:PORT" :
			     "rule del: expected tcp|udp [ADDR:]PORT";
	why = rk_proto_parse(argv[0], &r->proto);
	if (why)
		return why;
	if (argc < 2)
		return "expected the listen address, [ADDR:]PORT";
	why = rk_ep_parse(argv[1], true, &r->listen);
	if (why)
		return why;
	if (!add) {
		if (argc > 2)
			return "rule del takes only the protocol and the listen address";
		return NULL;
	}
	if (argc < 3 || strcmp(argv[2], "to"))
		return "expected \"to BACKEND_ADDR:PORT\" after the listen address";
	if (argc < 4)
		return "expected the backend, BACKEND_ADDR:PORT, after \"to\"";
	if (argc > 4)
		return "too many words after the backend";
	return rk_ep_parse(argv[3], false, &r->backend);
}

/* An NRELAY_A_RULE nest of RK_RULE_SPACE bytes at most. */
void rk_rule_put(struct nl_msg *m, const struct rk_rule *r, bool add)
{
	struct nlattr *nest = nl_nest_start(m, NRELAY_A_RULE);

	nl_put_u8(m, NRELAY_A_RULE_PROTO, r->proto);
	rk_ep_put(m, NRELAY_A_RULE_LISTEN, &r->listen);
	if (add)
		rk_ep_put(m, NRELAY_A_RULE_BACKEND, &r->backend);
	nl_nest_end(m, nest);
}

static int rule_change(uint8_t cmd, int argc, char **argv)
{
	bool add = cmd == NRELAY_CMD_RULE_ADD;
	struct rk_rule r;
	const char *why;
	struct nl_msg *m;
	struct nl *nl;

	why = rk_rule_parse(argc, argv, add, &r);
	if (why)
		rk_usage_error("%s", why);
	nl = rk_nl();
	m = nl_msg_new(nl, cmd, 0, RK_RULE_SPACE);
	rk_rule_put(m, &r, add);
	nl_do(nl, m, NULL, NULL);
	return 0;
}

static int rule_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *top[NRELAY_A_MAX + 1];
	const struct nlattr *tb[NRELAY_A_RULE_MAX + 1];
	char listen[RK_EP_STRLEN], backend[RK_EP_STRLEN];
	const char *proto;

	nl_parse_attrs(nlh, top, NRELAY_A_MAX);
	if (!top[NRELAY_A_RULE])
		return 0;
	/* "[" only once the dump has begun: a refusal prints nothing. */
	if (rk_opts.json && !*(bool *)data) {
		json_open_array();
		*(bool *)data = true;
	}
	nl_parse_nest(top[NRELAY_A_RULE], tb, NRELAY_A_RULE_MAX);
	proto = rk_proto_name(nl_uint(tb[NRELAY_A_RULE_PROTO]));
	rk_ep_text(tb[NRELAY_A_RULE_LISTEN], listen, sizeof(listen));
	rk_ep_text(tb[NRELAY_A_RULE_BACKEND], backend, sizeof(backend));

	if (!rk_opts.json) {
		printf("%s %s to %s active %" PRIu64 " total %" PRIu64
		       " up %" PRIu64 " down %" PRIu64 "\n",
		       proto, listen, backend,
		       nl_uint(tb[NRELAY_A_RULE_ACTIVE]),
		       nl_uint(tb[NRELAY_A_RULE_TOTAL]),
		       nl_uint(tb[NRELAY_A_RULE_BYTES_UP]),
		       nl_uint(tb[NRELAY_A_RULE_BYTES_DOWN]));
		return 0;
	}
	json_open_object();
	json_kv_str("proto", proto);
	json_kv_str("listen", listen);
	json_kv_str("backend", backend);
	json_kv_u64("active", nl_uint(tb[NRELAY_A_RULE_ACTIVE]));
	json_kv_u64("total", nl_uint(tb[NRELAY_A_RULE_TOTAL]));
	json_kv_u64("bytes_up", nl_uint(tb[NRELAY_A_RULE_BYTES_UP]));
	json_kv_u64("bytes_down", nl_uint(tb[NRELAY_A_RULE_BYTES_DOWN]));
	json_close_object();
	return 0;
}

static int rule_list(int argc, char **argv)
{
	bool started = false;
	struct nl_error e;
	struct nl_msg *m;
	struct nl *nl;

	(void)argv;
	if (argc)
		rk_usage_error("rule list takes no arguments");
	nl = rk_nl();
	m = nl_msg_new(nl, NRELAY_CMD_RULE_GET, NLM_F_DUMP, 0);
	if (nl_request(nl, m, rule_list_cb, &started, &e))
		nl_die(&e);
	if (rk_opts.json) {
		if (!started)
			json_open_array();
		json_close_array();
	}
	nl_msg_free(m);
	return 0;
}

static int rule_flush(int argc, char **argv)
{
	struct nl *nl;

	(void)argv;
	if (argc)
		rk_usage_error("rule flush takes no arguments");
	nl = rk_nl();
	nl_do(nl, nl_msg_new(nl, NRELAY_CMD_RULE_FLUSH, 0, 0), NULL, NULL);
	return 0;
}

int do_rule(int argc, char **argv)
{
	if (!argc)
		return rule_list(0, argv);
	if (!strcmp(argv[0], "add"))
		return rule_change(NRELAY_CMD_RULE_ADD, argc - 1, argv + 1);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return rule_change(NRELAY_CMD_RULE_DEL, argc - 1, argv + 1);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "show"))
		return rule_list(argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return rule_flush(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		rule_usage();
		return 0;
	}
	rk_usage_error("unknown rule command \"%s\" (add, del, list, flush)",
		       argv[0]);
}
