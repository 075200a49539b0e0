// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl monitor: the "events" multicast group, an event a line (with
 * -j, a JSON object a line), flushed at once so that a pipe sees each as
 * it happens. An event is a message of the command that made the change,
 * wherever it came from (netlink, /proc, boot rules).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/net_relay.h>

#include "endpoint.h"
#include "json.h"
#include "nl.h"
#include "relayctl.h"

static void event_rule(const struct nlmsghdr *nlh, bool add)
{
	const struct nlattr *top[NRELAY_A_MAX + 1];
	const struct nlattr *tb[NRELAY_A_RULE_MAX + 1];
	char listen[RK_EP_STRLEN], backend[RK_EP_STRLEN];
	const char *proto;

	nl_parse_attrs(nlh, top, NRELAY_A_MAX);
	nl_parse_nest(top[NRELAY_A_RULE], tb, NRELAY_A_RULE_MAX);
	proto = rk_proto_name(nl_uint(tb[NRELAY_A_RULE_PROTO]));
	rk_ep_text(tb[NRELAY_A_RULE_LISTEN], listen, sizeof(listen));
	rk_ep_text(tb[NRELAY_A_RULE_BACKEND], backend, sizeof(backend));
	if (!rk_opts.json) {
		printf("rule %s %s %s", add ? "add" : "del", proto, listen);
		if (add)
			printf(" to %s", backend);
		putchar('\n');
		return;
	}
	json_open_object();
	json_kv_str("event", add ? "rule add" : "rule del");
	json_kv_str("proto", proto);
	json_kv_str("listen", listen);
	if (add)
		json_kv_str("backend", backend);
	json_close_object();
}

static void event_set(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (rk_opts.json) {
		json_open_object();
		json_kv_str("event", "set");
		json_key("tunables");
		json_open_object();
	} else {
		fputs("set", stdout);
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[NRELAY_A_NAMED_MAX + 1];
		const char *name;
		uint64_t value;

		if (mnl_attr_get_type(a) != NRELAY_A_TUNABLE)
			continue;
		nl_parse_nest(a, tb, NRELAY_A_NAMED_MAX);
		name = nl_str(tb[NRELAY_A_NAMED_NAME]);
		value = nl_uint(tb[NRELAY_A_NAMED_VALUE]);
		if (rk_opts.json)
			json_kv_u64(name, value);
		else
			printf(" %s %" PRIu64, name, value);
	}
	if (rk_opts.json) {
		json_close_object();
		json_close_object();
	} else {
		putchar('\n');
	}
}

/* Events without attributes: their name says it all. */
static void event_word(const char *word)
{
	if (rk_opts.json) {
		json_open_object();
		json_kv_str("event", word);
		json_close_object();
	} else {
		puts(word);
	}
}

static void event_print(const struct nlmsghdr *nlh)
{
	uint8_t cmd = nl_genl_cmd(nlh);
	char unknown[32];

	switch (cmd) {
	case NRELAY_CMD_RULE_ADD:
		event_rule(nlh, true);
		break;
	case NRELAY_CMD_RULE_DEL:
		event_rule(nlh, false);
		break;
	case NRELAY_CMD_RULE_FLUSH:
		event_word("rule flush");
		break;
	case NRELAY_CMD_RESTORE:
		event_word("restore");
		break;
	case NRELAY_CMD_START:
		event_word("start");
		break;
	case NRELAY_CMD_STOP:
		event_word("stop");
		break;
	case NRELAY_CMD_TUNABLE_SET:
		event_set(nlh);
		break;
	default:
		/* A newer kernel's event: say so rather than drop it. */
		snprintf(unknown, sizeof(unknown), "event %u", cmd);
		event_word(unknown);
	}
	rk_flush_stdout();
}

int do_monitor(int argc, char **argv)
{
	const struct nlmsghdr *nlh;
	struct nl *nl;
	int len;

	if (argc && !strcmp(argv[0], "help")) {
		fputs("Usage: relayctl [OPTIONS] monitor\n", stdout);
		return 0;
	}
	if (argc)
		rk_usage_error("monitor takes no arguments");
	/* One object a line, whatever -p says. */
	json_set_pretty(false);
	nl = rk_nl();
	if (!nl->events) {
		fputs("Error: the " NRELAY_GENL_NAME " family has no \"" NRELAY_GENL_MCGRP_EVENTS "\" group\n",
		      stderr);
		exit(EXIT_KERNEL);
	}
	nl_join(nl, nl->events);
	for (;;) {
		len = nl_recv(nl);
		if (len < 0) {
			if (errno == ENOBUFS) {
				fputs("Warning: events lost: the socket's receive buffer overflowed\n",
				      stderr);
				continue;
			}
			rk_die("cannot read events: %s", strerror(errno));
		}
		nlh = (const struct nlmsghdr *)nl->rbuf;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == nl->family)
				event_print(nlh);
	}
}
