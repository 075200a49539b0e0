// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of rule.c: parsing of commands and boot rules, and the
 * endpoint helpers (comparison, sockaddr conversion, printing).
 */

#include <kunit/test.h>
#include <net/ipv6.h>

#include "nrelay.h"
#include "nrelay_test.h"

/* NRELAY_MAX_WORD of rule.c: words are shorter than this. */
#define NRELAY_TEST_WORD	64

static void nrelay_test_parse_add_tcp(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 80 198.51.100.2:8080\n",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_OP_ADD);
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_TCP);
	/* A port alone: every local address of both families. */
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_UNSPEC);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&cmd.listen));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip), ntohl(ip4("198.51.100.2")));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 8080);
}

static void nrelay_test_parse_add_udp_addr(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("  add\tudp 192.0.2.1:53   198.51.100.2:5353 ",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_UDP);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), ntohl(ip4("192.0.2.1")));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 53);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 5353);
}

static void nrelay_test_parse_del_flush(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("del udp 53", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_OP_DEL);
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 53);
	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("flush\n", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_OP_FLUSH);
}

static void nrelay_test_parse_errors(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "   ", "add", "add tcp", "add tcp 80",
		"add tcp 80 198.51.100.2", "add tcp 0 198.51.100.2:80",
		"add tcp 65536 198.51.100.2:80", "add tcp 80 198.51.100.2:0",
		"add tcp -1 198.51.100.2:80", "add tcp +80 198.51.100.2:80",
		"add tcp 0x50 198.51.100.2:80", "add sctp 80 198.51.100.2:80",
		"add tcp 80 198.51.100.2:80 extra", "add tcp 80 0.0.0.0:80",
		"add tcp 80 198.51.100:80", "add tcp 80 198.51.100.256:80",
		"add tcp 1.2.3.4:80:90 198.51.100.2:80", "del tcp",
		"del tcp 80 198.51.100.2:80", "flush now", "ADD tcp 80 1.2.3.4:80",
		"add tcp 80 1.2.3.4:80\x01", "add tcp 80 1.2.3.4:\xff\xfe",
		"add tcp 80 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1",
	};
	struct nrelay_cmd cmd;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, -EINVAL,
				    nrelay_cmd_parse(bad[i], &cmd, &why),
				    "input \"%s\"", bad[i]);
		KUNIT_EXPECT_NOT_ERR_OR_NULL_MSG(test, why, "input \"%s\"",
						 bad[i]);
	}
}

static void nrelay_test_parse_ipv6(struct kunit *test)
{
	struct nrelay_addr backend = nrelay_test_addr6("2001:db8:2::2", 8080);
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp [2001:db8:1::1]:80 [2001:db8:2::2]:8080",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&cmd.backend, &backend));

	/* Across families: TCP is terminated, either side may be either. */
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 80 [2001:db8:2::2]:80",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_UNSPEC);
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp [::]:80 198.51.100.2:80",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&cmd.listen));
	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("del tcp *:80", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_UNSPEC);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);

	/* UDP's port-only wildcard is the backend's family's. */
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add udp *:53 198.51.100.2:53",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_INET);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&cmd.listen));
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add udp 53 [2001:db8:2::2]:53",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&cmd.listen));
}

static void nrelay_test_boot_rules(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("tcp:80:198.51.100.2:80", &cmd,
					       &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_OP_ADD);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip), ntohl(ip4("198.51.100.2")));

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("udp:192.0.2.1:53:198.51.100.2:53",
					       &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.proto, NRELAY_UDP);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), ntohl(ip4("192.0.2.1")));

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("tcp:[2001:db8:1::1]:80:[2001:db8:2::2]:8080",
					       &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 8080);
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("tcp:80:[2001:db8:2::2]:80",
					       &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.listen.family, AF_UNSPEC);
	KUNIT_EXPECT_EQ(test, cmd.backend.family, AF_INET6);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:80:[2001:db8:2::2:80",
					       &cmd, &why));

	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:80", &cmd, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:1:2:3:4:5:6", &cmd, &why));
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("icmp:80:1.2.3.4:80", &cmd,
					       &why));
}

static void nrelay_test_addr_print(struct kunit *test)
{
	struct nrelay_addr a = {
		.family = AF_INET, .ip = ip4("192.0.2.1"), .port = htons(53),
	};
	char buf[64];

	nrelay_addr_print(buf, sizeof(buf), &a);
	KUNIT_EXPECT_STREQ(test, buf, "192.0.2.1:53");
	/* The wildcard of both families, as ss(8) shows a dual socket. */
	a.family = AF_UNSPEC;
	a.ip = 0;
	nrelay_addr_print(buf, sizeof(buf), &a);
	KUNIT_EXPECT_STREQ(test, buf, "*:53");
}

/* Every syntax error names its cause: one input per branch of the parser. */
static void nrelay_test_parse_why(struct kunit *test)
{
	static const struct {
		const char *in;
		int err;
		const char *why;
	} cases[] = {
		{ "", -EINVAL, "empty command" },
		{ " \t\n", -EINVAL, "empty command" },
		{ "flush\x7f", -EINVAL,
		  "command contains control or non-ASCII bytes" },
		{ "add tcp 80 1.2.3.4:80 x y", -EINVAL, "too many words" },
		{ "add tcp 80 1234567890123456789012345678901234567890123456789012345678901.2:80",
		  -EINVAL, "word too long" },
		{ "flush now", -EINVAL, "flush takes no arguments" },
		{ "add tcp 80", -EINVAL,
		  "usage: add tcp|udp [IP:]PORT BACKEND_IP:PORT" },
		{ "add tcp 80 1.2.3.4:80 x", -EINVAL,
		  "usage: add tcp|udp [IP:]PORT BACKEND_IP:PORT" },
		{ "del udp", -EINVAL, "usage: del tcp|udp [IP:]PORT" },
		{ "del udp 53 1.2.3.4:53", -EINVAL,
		  "usage: del tcp|udp [IP:]PORT" },
		{ "list", -EINVAL, "unknown command (add, del, flush)" },
		{ "Flush", -EINVAL, "unknown command (add, del, flush)" },
		{ "add TCP 80 1.2.3.4:80", -EINVAL,
		  "protocol must be tcp or udp" },
		{ "del icmp 80", -EINVAL, "protocol must be tcp or udp" },
		{ "add udp 2001:db8::1:53 1.2.3.4:53", -EINVAL,
		  "IPv6 addresses go in brackets: [IPV6]:PORT" },
		{ "add tcp 80 [2001:db8::1]", -EINVAL, "expected [IPV6]:PORT" },
		{ "add tcp 80 [2001:db8::1:80", -EINVAL,
		  "expected [IPV6]:PORT" },
		{ "add tcp [2001:db8::1]x:80 1.2.3.4:80", -EINVAL,
		  "expected [IPV6]:PORT" },
		{ "add tcp 80 [2001:db8::g]:80", -EINVAL, "bad IPv6 address" },
		{ "add tcp 80 [1.2.3.4]:80", -EINVAL, "bad IPv6 address" },
		{ "add tcp 80 [::ffff:1.2.3.4]:80", -EINVAL,
		  "write an IPv4-mapped address as IPv4" },
		{ "add tcp 80 [fe80::1%eth1]:80", -EINVAL,
		  "IPv6 addresses with a scope (link-local) are not supported" },
		{ "add tcp 80 [fe80::1]:80", -EINVAL,
		  "IPv6 addresses with a scope (link-local) are not supported" },
		{ "add tcp 80 [::]:80", -EINVAL,
		  "backend address must not be the wildcard" },
		{ "add tcp 80 *:80", -EINVAL, "bad IPv4 address" },
		{ "add udp 192.0.2.1:53 [2001:db8::2]:53", -EINVAL,
		  "a UDP rule relays within one family" },
		{ "add udp [2001:db8::1]:53 198.51.100.2:53", -EINVAL,
		  "a UDP rule relays within one family" },
		{ "add tcp 80 1.2.3.4", -EINVAL, "expected ADDRESS:PORT" },
		{ "add tcp 80 backend", -EINVAL, "expected ADDRESS:PORT" },
		{ "add tcp 0 1.2.3.4:80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "add tcp http 1.2.3.4:80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "del tcp 80x", -EINVAL, "bad port (expected 1-65535)" },
		{ "add tcp 1.2.3.4:80:90 1.2.3.4:80", -EINVAL, "bad address" },
		{ "add tcp 80 1.2.3.4::80", -EINVAL, "bad address" },
		{ "add tcp 80 host:1:80", -EINVAL, "bad address" },
		{ "add tcp 1.2.3:80 1.2.3.4:80", -EINVAL, "bad IPv4 address" },
		{ "add tcp 1.2.3.4x:80 1.2.3.4:80", -EINVAL,
		  "bad IPv4 address" },
		{ "del tcp :80", -EINVAL, "bad IPv4 address" },
		{ "add tcp 80 host:80", -EINVAL, "bad IPv4 address" },
		{ "add tcp 1.2.3.4:0 1.2.3.4:80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "del tcp 1.2.3.4:", -EINVAL, "bad port (expected 1-65535)" },
		{ "add tcp 80 1.2.3.4:65536", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "add tcp 80 1.2.3.4:+80", -EINVAL,
		  "bad port (expected 1-65535)" },
		{ "add udp 53 0.0.0.0:53", -EINVAL,
		  "backend address must not be the wildcard" },
	};
	struct nrelay_cmd cmd;
	const char *why;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, cases[i].err,
				    nrelay_cmd_parse(cases[i].in, &cmd, &why),
				    "input \"%s\"", cases[i].in);
		KUNIT_ASSERT_NOT_NULL_MSG(test, why, "input \"%s\"",
					  cases[i].in);
		KUNIT_EXPECT_STREQ_MSG(test, why, cases[i].why,
				       "input \"%s\"", cases[i].in);
	}
}

/* Words of 63 bytes are the longest taken; the parser then judges them. */
static void nrelay_test_parse_word_length(struct kunit *test)
{
	char buf[128], word[NRELAY_TEST_WORD + 2];
	struct nrelay_cmd cmd;
	const char *why;

	memset(word, '1', sizeof(word));
	word[NRELAY_TEST_WORD - 1] = '\0';
	snprintf(buf, sizeof(buf), "del tcp %s", word);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_cmd_parse(buf, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "bad port (expected 1-65535)");

	memset(word, '1', sizeof(word));
	word[NRELAY_TEST_WORD] = '\0';
	snprintf(buf, sizeof(buf), "del tcp %s", word);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_cmd_parse(buf, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "word too long");

	/* Five words are read; the sixth is refused before its length. */
	snprintf(buf, sizeof(buf), "a b c d e %s", word);
	KUNIT_EXPECT_EQ(test, -EINVAL, nrelay_cmd_parse(buf, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "too many words");
}

static void nrelay_test_parse_ports(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add udp 1 198.51.100.2:65535",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 1);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 65535);
	KUNIT_EXPECT_EQ(test, cmd.backend.family, AF_INET);

	/* Leading zeros are still decimal, not octal. */
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 010 198.51.100.2:0080",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 10);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 80);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("del tcp 65535\n", &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 65535);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), INADDR_ANY);
}

static void nrelay_test_parse_listen_forms(struct kunit *test)
{
	struct nrelay_cmd cmd;
	const char *why;

	/* The wildcard may be written out for the listen side. */
	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add tcp 0.0.0.0:80 198.51.100.2:80",
					 &cmd, &why));
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&cmd.listen));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 80);
	KUNIT_EXPECT_NULL(test, why);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("add udp 255.255.255.255:53 10.0.0.1:53",
					 &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip), 0x0a000001U);

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_cmd_parse("del udp 192.0.2.1:53", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_OP_DEL);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), ntohl(ip4("192.0.2.1")));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 53);

	/* A successful parse leaves no stale fields of an earlier one. */
	KUNIT_ASSERT_EQ(test, 0, nrelay_cmd_parse("\tflush\t\n", &cmd, &why));
	KUNIT_EXPECT_EQ(test, cmd.op, NRELAY_OP_FLUSH);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 0);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.listen.ip), INADDR_ANY);
}

static void nrelay_test_boot_rule_errors(struct kunit *test)
{
	char *longrule = kunit_kzalloc(test, 300, GFP_KERNEL);
	struct nrelay_cmd cmd;
	const char *why;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, longrule);
	memset(longrule, '1', 299);
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse(longrule, &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "rule too long");

	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("", &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why,
			   "expected proto:[ip:]port:backend_ip:backend_port");
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("udp:1:2:3:4:5", &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why,
			   "expected proto:[ip:]port:backend_ip:backend_port");
	/* The fields go through the /proc grammar and its messages. */
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:0:198.51.100.2:80", &cmd,
					       &why));
	KUNIT_EXPECT_STREQ(test, why, "bad port (expected 1-65535)");
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("udp:53:0.0.0.0:53", &cmd,
					       &why));
	KUNIT_EXPECT_STREQ(test, why,
			   "backend address must not be the wildcard");
	KUNIT_EXPECT_EQ(test, -EINVAL,
			nrelay_boot_rule_parse("tcp:1.2.3:80:198.51.100.2:80",
					       &cmd, &why));
	KUNIT_EXPECT_STREQ(test, why, "bad IPv4 address");

	KUNIT_ASSERT_EQ(test, 0,
			nrelay_boot_rule_parse("udp:192.0.2.1:5353:198.51.100.2:53",
					       &cmd, &why));
	KUNIT_EXPECT_EQ(test, ntohs(cmd.listen.port), 5353);
	KUNIT_EXPECT_EQ(test, ntohs(cmd.backend.port), 53);
	KUNIT_EXPECT_EQ(test, ntohl(cmd.backend.ip),
			ntohl(ip4("198.51.100.2")));
}

static void nrelay_test_addr_equal(struct kunit *test)
{
	struct nrelay_addr a = nrelay_test_client("192.0.2.1", 53);
	struct nrelay_addr b = a;
	struct nrelay_addr a6 = nrelay_test_addr6("2001:db8::1", 53);
	struct nrelay_addr b6 = a6;
	struct nrelay_addr any6 = nrelay_test_addr6("::", 53);

	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&a, &b));
	b.port = htons(54);
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a, &b));
	b = nrelay_test_client("192.0.2.2", 53);
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a, &b));

	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&a6, &b6));
	b6.ip6.s6_addr[15] = 2;
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a6, &b6));
	/* Same bits in another family are another address. */
	b = a;
	b.family = AF_INET6;
	KUNIT_EXPECT_FALSE(test, nrelay_addr_equal(&a, &b));

	KUNIT_EXPECT_FALSE(test, nrelay_addr_is_any(&a));
	KUNIT_EXPECT_FALSE(test, nrelay_addr_is_any(&a6));
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&any6));
	a.ip = 0;
	KUNIT_EXPECT_TRUE(test, nrelay_addr_is_any(&a));

	KUNIT_EXPECT_STREQ(test, nrelay_proto_name(NRELAY_TCP), "tcp");
	KUNIT_EXPECT_STREQ(test, nrelay_proto_name(NRELAY_UDP), "udp");
}

static void nrelay_test_addr_sockaddr(struct kunit *test)
{
	struct nrelay_addr a = nrelay_test_client("198.51.100.2", 8080);
	struct nrelay_addr a6 = nrelay_test_addr6("2001:db8::2", 443);
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct nrelay_addr back;

	KUNIT_EXPECT_EQ(test, (int)sizeof(*sin),
			nrelay_addr_to_sockaddr(&a, &ss));
	KUNIT_EXPECT_EQ(test, sin->sin_family, AF_INET);
	KUNIT_EXPECT_EQ(test, ntohs(sin->sin_port), 8080);
	KUNIT_EXPECT_EQ(test, ntohl(sin->sin_addr.s_addr),
			ntohl(ip4("198.51.100.2")));
	memset(&back, 0xff, sizeof(back));
	nrelay_addr_from_sockaddr(&back, &ss);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&back, &a));

	KUNIT_EXPECT_EQ(test, (int)sizeof(*sin6),
			nrelay_addr_to_sockaddr(&a6, &ss));
	KUNIT_EXPECT_EQ(test, sin6->sin6_family, AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(sin6->sin6_port), 443);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&sin6->sin6_addr, &a6.ip6));
	KUNIT_EXPECT_EQ(test, ntohl(sin6->sin6_flowinfo), 0U);
	KUNIT_EXPECT_EQ(test, sin6->sin6_scope_id, 0);
	memset(&back, 0xff, sizeof(back));
	nrelay_addr_from_sockaddr(&back, &ss);
	KUNIT_EXPECT_EQ(test, back.family, AF_INET6);
	KUNIT_EXPECT_TRUE(test, nrelay_addr_equal(&back, &a6));
}

static void nrelay_test_addr_print6(struct kunit *test)
{
	struct nrelay_addr a6 = nrelay_test_addr6("2001:db8:0:0:0:0:0:1", 443);
	struct nrelay_addr a = nrelay_test_client("255.255.255.255", 65535);
	char buf[64];

	KUNIT_EXPECT_EQ(test, 17, nrelay_addr_print(buf, sizeof(buf), &a6));
	KUNIT_EXPECT_STREQ(test, buf, "[2001:db8::1]:443");
	KUNIT_EXPECT_EQ(test, 21, nrelay_addr_print(buf, sizeof(buf), &a));
	KUNIT_EXPECT_STREQ(test, buf, "255.255.255.255:65535");
	/* A short buffer is cut, not overrun. */
	KUNIT_EXPECT_EQ(test, 7, nrelay_addr_print(buf, 8, &a));
	KUNIT_EXPECT_STREQ(test, buf, "255.255");
}

static struct kunit_case nrelay_rule_cases[] = {
	KUNIT_CASE(nrelay_test_parse_add_tcp),
	KUNIT_CASE(nrelay_test_parse_add_udp_addr),
	KUNIT_CASE(nrelay_test_parse_del_flush),
	KUNIT_CASE(nrelay_test_parse_errors),
	KUNIT_CASE(nrelay_test_parse_ipv6),
	KUNIT_CASE(nrelay_test_boot_rules),
	KUNIT_CASE(nrelay_test_addr_print),
	KUNIT_CASE(nrelay_test_parse_why),
	KUNIT_CASE(nrelay_test_parse_word_length),
	KUNIT_CASE(nrelay_test_parse_ports),
	KUNIT_CASE(nrelay_test_parse_listen_forms),
	KUNIT_CASE(nrelay_test_boot_rule_errors),
	KUNIT_CASE(nrelay_test_addr_equal),
	KUNIT_CASE(nrelay_test_addr_sockaddr),
	KUNIT_CASE(nrelay_test_addr_print6),
	{}
};

static struct kunit_suite nrelay_rule_suite = {
	.name = "nrelay_rule",
	.test_cases = nrelay_rule_cases,
};

kunit_test_suites(&nrelay_rule_suite);
