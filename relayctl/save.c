// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl save and restore: the configuration as text, and back in one
 * NRELAY_CMD_RESTORE message, which the kernel applies all or nothing.
 *
 * The text is the command line's: "set NAME VALUE" and "rule add PROTO
 * LISTEN to BACKEND" lines; blank lines and '#' comments are skipped.
 * The run state (start/stop) is left out: restoring rules does not start
 * or stop the relay.
 *
 * restore parses every line before it opens a socket: a bad line is
 * reported with its number and nothing is sent. Each top-level attribute
 * of the message remembers its line, so that the offset of the kernel's
 * extended ack, which falls inside one of them, names the line the
 * kernel refused.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/net_relay.h>

#include "endpoint.h"
#include "nl.h"
#include "relayctl.h"

/* The most words a line may have: "set" and many pairs is fine too. */
#define LINE_MAX_WORDS	256

struct rules_text {
	char **lines;
	size_t n;
};

static int save_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *top[NRELAY_A_MAX + 1];
	const struct nlattr *tb[NRELAY_A_RULE_MAX + 1];
	char listen[RK_EP_STRLEN], backend[RK_EP_STRLEN];
	struct rules_text *t = data;
	char line[2 * RK_EP_STRLEN + 32];

	nl_parse_attrs(nlh, top, NRELAY_A_MAX);
	if (!top[NRELAY_A_RULE])
		return 0;
	nl_parse_nest(top[NRELAY_A_RULE], tb, NRELAY_A_RULE_MAX);
	snprintf(line, sizeof(line), "rule add %s %s to %s",
		 rk_proto_name(nl_uint(tb[NRELAY_A_RULE_PROTO])),
		 rk_ep_text(tb[NRELAY_A_RULE_LISTEN], listen, sizeof(listen)),
		 rk_ep_text(tb[NRELAY_A_RULE_BACKEND], backend,
			    sizeof(backend)));
	t->lines = rk_alloc(t->lines, (t->n + 1) * sizeof(*t->lines));
	t->lines[t->n] = rk_alloc(NULL, strlen(line) + 1);
	strcpy(t->lines[t->n++], line);
	return 0;
}

int do_save(int argc, char **argv)
{
	struct rules_text rules = { NULL, 0 };
	struct rk_named *tunables;
	struct nl_error e;
	struct nl_msg *m;
	struct nl *nl;
	size_t n, i;

	(void)argv;
	if (argc)
		rk_usage_error("save takes no arguments (it writes to stdout)");
	if (rk_opts.json)
		rk_usage_error("save writes text only; -j does not apply");
	nl = rk_nl();
	/* Everything first, so that a refusal prints nothing. */
	tunables = rk_tunables_get(nl, &n);
	m = nl_msg_new(nl, NRELAY_CMD_RULE_GET, NLM_F_DUMP, 0);
	if (nl_request(nl, m, save_rule_cb, &rules, &e))
		nl_die(&e);
	nl_msg_free(m);

	puts("# net_relay configuration (relayctl save); relayctl restore reads it");
	for (i = 0; i < n; i++)
		printf("set %s %llu\n", tunables[i].name,
		       (unsigned long long)tunables[i].value);
	for (i = 0; i < rules.n; i++)
		puts(rules.lines[i]);
	return 0;
}

/* A line's contribution to the message: a rule or a tunable. */
struct item {
	unsigned long line;
	bool is_rule;
	struct rk_rule rule;
	char *name;
	uint32_t value;
	uint32_t start, end;	/* its attribute's place in the message */
};

struct restore {
	const char *file;	/* as messages name it */
	struct item *items;
	size_t n;
};

static void __attribute__((noreturn))
restore_parse_error(const struct restore *r, unsigned long line,
		    const char *why)
{
	fflush(stdout);
	fprintf(stderr, "relayctl: %s:%lu: %s\n", r->file, line, why);
	exit(EXIT_USAGE);
}

static struct item *restore_item(struct restore *r, unsigned long line)
{
	struct item *it;

	r->items = rk_alloc(r->items, (r->n + 1) * sizeof(*r->items));
	it = &r->items[r->n++];
	memset(it, 0, sizeof(*it));
	it->line = line;
	return it;
}

static int split_words(char *s, char **words)
{
	int n = 0;

	for (;;) {
		s += strspn(s, " \t\r\n");
		if (!*s)
			return n;
		if (n == LINE_MAX_WORDS)
			return -1;
		words[n++] = s;
		s += strcspn(s, " \t\r\n");
		if (*s)
			*s++ = '\0';
	}
}

static void restore_line(struct restore *r, unsigned long line, char *text)
{
	char *w[LINE_MAX_WORDS];
	const char *why;
	struct item *it;
	int n, i;

	n = split_words(text, w);
	if (n < 0)
		restore_parse_error(r, line, "too many words");
	if (!n || w[0][0] == '#')
		return;
	if (!strcmp(w[0], "set")) {
		if (n < 3 || n % 2 == 0)
			restore_parse_error(r, line,
					    "expected set NAME VALUE [NAME VALUE ...]");
		for (i = 1; i < n; i += 2) {
			it = restore_item(r, line);
			why = rk_tunable_parse(w[i], w[i + 1], &it->value);
			if (why)
				restore_parse_error(r, line, why);
			it->name = rk_alloc(NULL, strlen(w[i]) + 1);
			strcpy(it->name, w[i]);
		}
		return;
	}
	if (n >= 2 && !strcmp(w[0], "rule") && !strcmp(w[1], "add")) {
		it = restore_item(r, line);
		it->is_rule = true;
		why = rk_rule_parse(n - 2, w + 2, true, &it->rule);
		if (why)
			restore_parse_error(r, line, why);
		return;
	}
	restore_parse_error(r, line,
			    "expected \"set NAME VALUE\" or \"rule add PROTO [ADDR:]PORT to BACKEND_ADDR:PORT\"");
}

static void restore_read(struct restore *r, FILE *f)
{
	unsigned long line = 0;
	size_t size = 0;
	char *text = NULL;
	ssize_t len;

	while ((len = getline(&text, &size, f)) >= 0) {
		line++;
		if (strlen(text) != (size_t)len)
			restore_parse_error(r, line, "NUL byte in the line");
		restore_line(r, line, text);
	}
	if (ferror(f)) {
		fprintf(stderr, "relayctl: cannot read %s: %s\n", r->file,
			strerror(errno));
		exit(EXIT_USAGE);
	}
	free(text);
}

/* The line of the top-level attribute @offs falls in, or 0. */
static unsigned long restore_line_of(const struct restore *r, uint32_t offs)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (offs >= r->items[i].start && offs < r->items[i].end)
			return r->items[i].line;
	return 0;
}

int do_restore(int argc, char **argv)
{
	struct restore r = { NULL, NULL, 0 };
	const char *path = "-";
	unsigned long line;
	struct nl_error e;
	size_t space = 0, i;
	struct nl_msg *m;
	struct nl *nl;
	FILE *f;

	if (argc > 1)
		rk_usage_error("restore takes one file at most");
	if (argc)
		path = argv[0];
	if (!strcmp(path, "-")) {
		f = stdin;
		r.file = "<stdin>";
	} else {
		f = fopen(path, "r");
		if (!f) {
			fprintf(stderr, "relayctl: cannot open %s: %s\n", path,
				strerror(errno));
			exit(EXIT_USAGE);
		}
		r.file = path;
	}
	restore_read(&r, f);
	if (f != stdin)
		fclose(f);

	for (i = 0; i < r.n; i++)
		space += r.items[i].is_rule ? RK_RULE_SPACE :
			 rk_tunable_space(r.items[i].name);
	nl = rk_nl();
	m = nl_msg_new(nl, NRELAY_CMD_RESTORE, 0, space);
	for (i = 0; i < r.n; i++) {
		struct item *it = &r.items[i];

		it->start = m->nlh->nlmsg_len;
		if (it->is_rule)
			rk_rule_put(m, &it->rule, true);
		else
			rk_tunable_put(m, it->name, it->value);
		it->end = m->nlh->nlmsg_len;
	}
	if (!nl_request(nl, m, NULL, NULL, &e)) {
		nl_msg_free(m);
		return 0;
	}
	line = e.has_offs ? restore_line_of(&r, e.offs) : 0;
	if (!line)
		nl_die(&e);
	fflush(stdout);
	fprintf(stderr, "Error: %s:%lu: %s\n", r.file, line,
		e.msg[0] ? e.msg : strerror(e.err));
	exit(EXIT_KERNEL);
}
