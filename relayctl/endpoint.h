/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * relayctl: endpoints and rules as nests: struct rk_ep to and from
 * NRELAY_A_EP_* (endpoint.c; the text side is declared in relayctl.h),
 * struct rk_rule to NRELAY_A_RULE (rule.c).
 */
#ifndef RELAYCTL_ENDPOINT_H
#define RELAYCTL_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_msg;
struct nlattr;
struct rk_ep;
struct rk_rule;

void rk_ep_put(struct nl_msg *m, uint16_t type, const struct rk_ep *ep);
void rk_ep_get(const struct nlattr *nest, struct rk_ep *ep);
const char *rk_ep_text(const struct nlattr *nest, char *buf, size_t size);

/* Room an NRELAY_A_EP_* nest takes at most (an IPv6 address). */
#define RK_EP_NEST_SPACE \
	(NL_ATTR_SPACE(0) + NL_ATTR_SPACE(16) + NL_ATTR_SPACE(2))

/* An NRELAY_A_RULE nest of at most RK_RULE_SPACE bytes. */
void rk_rule_put(struct nl_msg *m, const struct rk_rule *r, bool add);
#define RK_RULE_SPACE \
	(NL_ATTR_SPACE(0) + NL_ATTR_SPACE(1) + 2 * RK_EP_NEST_SPACE)

#endif /* RELAYCTL_ENDPOINT_H */
