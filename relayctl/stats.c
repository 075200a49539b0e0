// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl stats, set, get, start, stop, status: the namespace-wide
 * commands. Counters and tunables come by name (NRELAY_A_NAMED_*), in
 * the kernel's order: relayctl keeps no list of them.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/net_relay.h>

#include "json.h"
#include "nl.h"
#include "relayctl.h"

/* Longest tunable name relayctl sends; the kernel's are far shorter. */
#define RK_NAME_MAX	64

struct named_list {
	struct rk_named *v;
	size_t n;
};

/* Collect the @type nests of a reply, in order. */
static void named_collect(const struct nlmsghdr *nlh, uint16_t type,
			  struct named_list *l)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[NRELAY_A_NAMED_MAX + 1];
		const char *name;

		if (mnl_attr_get_type(a) != type)
			continue;
		nl_parse_nest(a, tb, NRELAY_A_NAMED_MAX);
		if (!tb[NRELAY_A_NAMED_NAME])
			continue;
		name = nl_str(tb[NRELAY_A_NAMED_NAME]);
		l->v = rk_alloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n].name = rk_alloc(NULL, strlen(name) + 1);
		strcpy(l->v[l->n].name, name);
		l->v[l->n].value = nl_uint(tb[NRELAY_A_NAMED_VALUE]);
		l->n++;
	}
}

static int tunables_cb(const struct nlmsghdr *nlh, void *data)
{
	named_collect(nlh, NRELAY_A_TUNABLE, data);
	return 0;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	named_collect(nlh, NRELAY_A_STAT, data);
	return 0;
}

static struct rk_named *named_get(struct nl *nl, uint8_t cmd, nl_reply_cb cb,
				  size_t *n)
{
	struct named_list l = { NULL, 0 };

	nl_do(nl, nl_msg_new(nl, cmd, 0, 0), cb, &l);
	*n = l.n;
	return l.v;
}

struct rk_named *rk_tunables_get(struct nl *nl, size_t *n)
{
	return named_get(nl, NRELAY_CMD_TUNABLE_GET, tunables_cb, n);
}

static void named_print(const struct rk_named *v, size_t n)
{
	size_t i;

	if (rk_opts.json)
		json_open_object();
	for (i = 0; i < n; i++) {
		if (rk_opts.json)
			json_kv_u64(v[i].name, v[i].value);
		else
			printf("%s %" PRIu64 "\n", v[i].name, v[i].value);
	}
	if (rk_opts.json)
		json_close_object();
}

static void no_args(const char *cmd, int argc)
{
	if (argc)
		rk_usage_error("%s takes no arguments", cmd);
}

int do_stats(int argc, char **argv)
{
	struct rk_named *v;
	size_t n;

	(void)argv;
	no_args("stats", argc);
	v = named_get(rk_nl(), NRELAY_CMD_STATS_GET, stats_cb, &n);
	named_print(v, n);
	return 0;
}

/* A name as the kernel's sysctls have them: letters, digits, '_'. */
const char *rk_tunable_parse(const char *name, const char *value,
			     uint32_t *v)
{
	static char why[RK_NAME_MAX + 64];
	const char *p;

	if (!*name)
		return "empty tunable name";
	if (strlen(name) > RK_NAME_MAX)
		return "tunable name too long";
	for (p = name; *p; p++) {
		if ((*p < 'a' || *p > 'z') && (*p < 'A' || *p > 'Z') &&
		    (*p < '0' || *p > '9') && *p != '_') {
			snprintf(why, sizeof(why), "bad tunable name \"%s\"",
				 name);
			return why;
		}
	}
	p = rk_u32_parse(value, v);
	if (p) {
		snprintf(why, sizeof(why), "%s: %s", name, p);
		return why;
	}
	return NULL;
}

size_t rk_tunable_space(const char *name)
{
	return NL_ATTR_SPACE(0) + NL_ATTR_SPACE(strlen(name) + 1) +
	       NL_ATTR_SPACE(sizeof(uint64_t));
}

void rk_tunable_put(struct nl_msg *m, const char *name, uint32_t value)
{
	struct nlattr *nest = nl_nest_start(m, NRELAY_A_TUNABLE);

	nl_put_str(m, NRELAY_A_NAMED_NAME, name);
	nl_put_u64(m, NRELAY_A_NAMED_VALUE, value);
	nl_nest_end(m, nest);
}

/* set NAME VALUE [NAME VALUE ...]: one request, all or none. */
int do_set(int argc, char **argv)
{
	uint32_t *values;
	size_t space = 0;
	struct nl_msg *m;
	const char *why;
	struct nl *nl;
	int i;

	if (!argc)
		rk_usage_error("set: expected NAME VALUE [NAME VALUE ...]");
	if (argc % 2)
		rk_usage_error("set: expected NAME VALUE pairs; \"%s\" has no value",
			       argv[argc - 1]);
	values = rk_alloc(NULL, argc / 2 * sizeof(*values));
	for (i = 0; i < argc; i += 2) {
		why = rk_tunable_parse(argv[i], argv[i + 1], &values[i / 2]);
		if (why)
			rk_usage_error("set: %s", why);
		space += rk_tunable_space(argv[i]);
	}
	nl = rk_nl();
	m = nl_msg_new(nl, NRELAY_CMD_TUNABLE_SET, 0, space);
	for (i = 0; i < argc; i += 2)
		rk_tunable_put(m, argv[i], values[i / 2]);
	nl_do(nl, m, NULL, NULL);
	free(values);
	return 0;
}

/* get [NAME...]: every tunable, or the named ones in the order named. */
int do_get(int argc, char **argv)
{
	struct rk_named *v, *sel;
	size_t n, i;
	int j;

	v = rk_tunables_get(rk_nl(), &n);
	if (!argc) {
		named_print(v, n);
		return 0;
	}
	sel = rk_alloc(NULL, argc * sizeof(*sel));
	for (j = 0; j < argc; j++) {
		for (i = 0; i < n && strcmp(v[i].name, argv[j]); i++)
			;
		if (i == n)
			rk_usage_error("get: no tunable \"%s\" (relayctl get lists them)",
				       argv[j]);
		sel[j] = v[i];
	}
	named_print(sel, argc);
	free(sel);
	return 0;
}

static int simple(const char *name, uint8_t cmd, int argc)
{
	struct nl *nl;

	no_args(name, argc);
	nl = rk_nl();
	nl_do(nl, nl_msg_new(nl, cmd, 0, 0), NULL, NULL);
	return 0;
}

int do_start(int argc, char **argv)
{
	(void)argv;
	return simple("start", NRELAY_CMD_START, argc);
}

int do_stop(int argc, char **argv)
{
	(void)argv;
	return simple("stop", NRELAY_CMD_STOP, argc);
}

struct status {
	bool running;
	uint64_t rules;
};

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NRELAY_A_MAX + 1];
	struct status *st = data;

	nl_parse_attrs(nlh, tb, NRELAY_A_MAX);
	st->running = nl_uint(tb[NRELAY_A_RUNNING]);
	st->rules = nl_uint(tb[NRELAY_A_RULE_COUNT]);
	return 0;
}

int do_status(int argc, char **argv)
{
	struct status st = { false, 0 };
	struct nl *nl;

	(void)argv;
	no_args("status", argc);
	nl = rk_nl();
	nl_do(nl, nl_msg_new(nl, NRELAY_CMD_STATE_GET, 0, 0), status_cb, &st);
	if (rk_opts.json) {
		json_open_object();
		json_kv_bool("running", st.running);
		json_kv_u64("rules", st.rules);
		json_close_object();
	} else {
		printf("%s, %" PRIu64 " rule%s\n",
		       st.running ? "running" : "stopped", st.rules,
		       st.rules == 1 ? "" : "s");
	}
	return 0;
}
