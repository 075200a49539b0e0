/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * relayctl: the generic netlink side. One socket per run: nl_open()
 * resolves the net_relay family and its "events" group; nl_request()
 * sends a request and reads the replies up to the ack (do) or the end of
 * the dump, handing each reply to a callback; a refusal comes back as an
 * nl_error with the extended ack's message and offset.
 */
#ifndef RELAYCTL_NL_H
#define RELAYCTL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
	uint16_t family;	/* genetlink id of net_relay */
	uint32_t events;	/* id of its "events" group, 0 if none */
	char *rbuf;		/* receive buffer, grown to the largest reply */
	size_t rbuf_size;
};

/* A request being built, in a buffer sized by its maker. */
struct nl_msg {
	struct nlmsghdr *nlh;
	size_t size;
	bool overflow;		/* an attribute did not fit: a bug */
};

/* Why the kernel refused a request. */
struct nl_error {
	int err;		/* positive errno value */
	char msg[256];		/* extack message, "" if none */
	bool has_offs;		/* offs is the extack's NLMSGERR_ATTR_OFFS */
	uint32_t offs;		/* from the start of the request */
};

/* A reply; nonzero stops the request with that value. */
typedef int (*nl_reply_cb)(const struct nlmsghdr *nlh, void *data);

void nl_open(struct nl *nl);
struct nl_msg *nl_msg_new(struct nl *nl, uint8_t cmd, uint16_t flags,
			  size_t payload);
void nl_msg_free(struct nl_msg *m);
int nl_request(struct nl *nl, struct nl_msg *m, nl_reply_cb cb, void *data,
	       struct nl_error *e);
void __attribute__((noreturn)) nl_die(const struct nl_error *e);
void nl_do(struct nl *nl, struct nl_msg *m, nl_reply_cb cb, void *data);

/* Building: the attribute helpers note an overflow instead of writing. */
void nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
void nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);
void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
void nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v);
void nl_put(struct nl_msg *m, uint16_t type, size_t len, const void *data);
void nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct nlattr *nest);

/* Room an attribute with @len bytes of payload takes. */
#define NL_ATTR_SPACE(len)	MNL_ALIGN(MNL_ATTR_HDRLEN + (len))

/* Reading: tb[type] = the last attribute of each type up to @max. */
void nl_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb,
		    unsigned int max);
void nl_parse_nest(const struct nlattr *nest, const struct nlattr **tb,
		   unsigned int max);
uint64_t nl_uint(const struct nlattr *a);
const char *nl_str(const struct nlattr *a);
uint8_t nl_genl_cmd(const struct nlmsghdr *nlh);

/* monitor: membership, and one datagram of messages at a time. */
void nl_join(struct nl *nl, uint32_t group);
int nl_recv(struct nl *nl);

#endif /* RELAYCTL_NL_H */
