// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: net.relay.* sysctls, one copy per network namespace.
 */

#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "nrelay.h"

static int nrelay_one = 1;
static int nrelay_max_secs = 7 * 24 * 3600;
static int nrelay_max_count = 1 << 24;

#define NRELAY_SYSCTL(name, max)				\
	{							\
		.procname	= #name,			\
		.maxlen		= sizeof(int),			\
		.mode		= 0644,				\
		.proc_handler	= proc_dointvec_minmax,		\
		.extra1		= &nrelay_one,			\
		.extra2		= &(max),			\
	}

/* The order matches the fields set in nrelay_sysctl_init(). */
static const struct ctl_table nrelay_sysctl_template[] = {
	NRELAY_SYSCTL(tcp_idle_timeout, nrelay_max_secs),
	NRELAY_SYSCTL(tcp_connect_timeout, nrelay_max_secs),
	NRELAY_SYSCTL(tcp_fin_timeout, nrelay_max_secs),
	NRELAY_SYSCTL(tcp_max_conns, nrelay_max_count),
	NRELAY_SYSCTL(tcp_max_per_source, nrelay_max_count),
	NRELAY_SYSCTL(udp_timeout, nrelay_max_secs),
	NRELAY_SYSCTL(udp_unreplied_timeout, nrelay_max_secs),
	NRELAY_SYSCTL(udp_max_mappings, nrelay_max_count),
	NRELAY_SYSCTL(udp_max_per_source, nrelay_max_count),
	{ }
};

int nrelay_sysctl_init(struct nrelay_net *rn)
{
	struct ctl_table *t;
	int i = 0;

	rn->tcp_idle_timeout = 300;
	rn->tcp_connect_timeout = 15;
	rn->tcp_fin_timeout = 60;
	rn->tcp_max_conns = 16384;
	rn->tcp_max_per_source = 4096;
	rn->udp_timeout = 30;
	rn->udp_unreplied_timeout = 5;
	rn->udp_max_mappings = 65536;
	rn->udp_max_per_source = 16384;

	t = kmemdup(nrelay_sysctl_template, sizeof(nrelay_sysctl_template),
		    GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t[i++].data = &rn->tcp_idle_timeout;
	t[i++].data = &rn->tcp_connect_timeout;
	t[i++].data = &rn->tcp_fin_timeout;
	t[i++].data = &rn->tcp_max_conns;
	t[i++].data = &rn->tcp_max_per_source;
	t[i++].data = &rn->udp_timeout;
	t[i++].data = &rn->udp_unreplied_timeout;
	t[i++].data = &rn->udp_max_mappings;
	t[i++].data = &rn->udp_max_per_source;

	rn->sysctl_hdr = register_net_sysctl(rn->net, "net/relay", t);
	if (!rn->sysctl_hdr) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

void nrelay_sysctl_exit(struct nrelay_net *rn)
{
	struct ctl_table *t;

	if (!rn->sysctl_hdr)
		return;
	t = rn->sysctl_hdr->ctl_table_arg;
	unregister_net_sysctl_table(rn->sysctl_hdr);
	rn->sysctl_hdr = NULL;
	kfree(t);
}
