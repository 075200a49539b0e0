// SPDX-License-Identifier: GPL-2.0-only
/*
 * relayctl: main. Global options, then an object and its command, as
 * iproute2's tools take them; each command parses all of its arguments
 * before rk_nl() enters the network namespace (-n) and opens the socket,
 * so bad input never reaches the kernel.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/net_relay.h>

#include "json.h"
#include "nl.h"
#include "relayctl.h"

struct rk_opts rk_opts;

static void usage(FILE *out)
{
	fputs("Usage: relayctl [OPTIONS] OBJECT COMMAND [ARGS]\n"
	      "       relayctl [OPTIONS] rule add tcp|udp [ADDR:]PORT to BACKEND_ADDR:PORT\n"
	      "       relayctl [OPTIONS] rule del tcp|udp [ADDR:]PORT\n"
	      "       relayctl [OPTIONS] rule { list | show }\n"
	      "       relayctl [OPTIONS] rule flush\n"
	      "       relayctl [OPTIONS] conns [tcp|udp] [rule [ADDR:]PORT] [state STATE]\n"
	      "       relayctl [OPTIONS] stats\n"
	      "       relayctl [OPTIONS] { start | stop | status }\n"
	      "       relayctl [OPTIONS] set NAME VALUE [NAME VALUE ...]\n"
	      "       relayctl [OPTIONS] { get | tunables } [NAME ...]\n"
	      "       relayctl [OPTIONS] monitor\n"
	      "       relayctl [OPTIONS] save\n"
	      "       relayctl [OPTIONS] restore [FILE]\n"
	      "       relayctl help\n"
	      "\n"
	      "ADDR := IPV4 | [IPV6] | *    none or *: every local address of both\n"
	      "                             families; 0.0.0.0 or [::]: every address\n"
	      "                             of one family\n"
	      "\n"
	      "OPTIONS:\n"
	      "  -j, --json           JSON output (read commands and monitor)\n"
	      "  -p, --pretty         indent the JSON\n"
	      "  -n, --netns NETNS    run in network namespace NETNS (/run/netns/NETNS)\n"
	      "  -V, --version        print the version and exit\n"
	      "  -h, --help           print this help and exit\n"
	      "\n"
	      "Exit status: 0 success, 1 bad usage or input, 2 the kernel refused.\n"
	      "See relayctl(8).\n",
	      out);
}

/* "relayctl: MESSAGE" on stderr, after what stdout holds. */
static void rk_vmsg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("relayctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void rk_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rk_vmsg(fmt, ap);
	va_end(ap);
	fputs("Try 'relayctl --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

/* A local failure, not the user's input nor the kernel's refusal. */
void rk_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rk_vmsg(fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

void *rk_alloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		rk_die("out of memory");
	return p;
}

/* A write error on stdout (a full disk, a closed pipe with SIGPIPE
 * ignored) must not pass for success.
 */
void rk_flush_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "relayctl: write error on stdout: %s\n",
			strerror(errno));
		exit(EXIT_USAGE);
	}
}

/* As ip -n: a name under /run/netns, or a path (/proc/PID/ns/net). */
static void netns_enter(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rk_die("cannot open network namespace \"%s\" (%s): %s", name,
		       path, strerror(errno));
	if (setns(fd, CLONE_NEWNET))
		rk_die("cannot enter network namespace \"%s\": %s", name,
		       strerror(errno));
	close(fd);
}

/* The socket, opened on first use (after the arguments are parsed). */
struct nl *rk_nl(void)
{
	static struct nl nl;
	static bool open;

	if (!open) {
		if (rk_opts.netns)
			netns_enter(rk_opts.netns);
		nl_open(&nl);
		open = true;
	}
	return &nl;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "rule",	do_rule },
	{ "rules",	do_rule },
	{ "conns",	do_conns },
	{ "conn",	do_conns },
	{ "stats",	do_stats },
	{ "start",	do_start },
	{ "stop",	do_stop },
	{ "status",	do_status },
	{ "set",	do_set },
	{ "get",	do_get },
	{ "tunables",	do_get },
	{ "monitor",	do_monitor },
	{ "save",	do_save },
	{ "restore",	do_restore },
	{ "help",	do_help },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "pretty",	no_argument,		NULL, 'p' },
		{ "netns",	required_argument,	NULL, 'n' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 },
	};
	size_t i;
	int c, ret;

	opterr = 0;
	/* '+': options end at the object, as in ip. */
	while ((c = getopt_long(argc, argv, "+jpn:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			rk_opts.json = true;
			break;
		case 'p':
			rk_opts.pretty = true;
			break;
		case 'n':
			rk_opts.netns = optarg;
			break;
		case 'V':
			printf("relayctl %s (generic netlink family %s, version %d)\n",
			       RELAYCTL_VERSION, NRELAY_GENL_NAME,
			       NRELAY_GENL_VERSION);
			rk_flush_stdout();
			return 0;
		case 'h':
			usage(stdout);
			rk_flush_stdout();
			return 0;
		default:
			if (optopt == 'n')
				rk_usage_error("option -n needs a network namespace");
			if (optopt)
				rk_usage_error("unknown option -%c", optopt);
			rk_usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	json_set_pretty(rk_opts.pretty);
	argc -= optind;
	argv += optind;
	if (!argc)
		rk_usage_error("expected an object or a command");

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[0], commands[i].name)) {
			ret = commands[i].fn(argc - 1, argv + 1);
			rk_flush_stdout();
			return ret;
		}
	}
	rk_usage_error("unknown object or command \"%s\"", argv[0]);
}
