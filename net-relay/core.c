// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: in-kernel TCP and UDP relay (skeleton).
 */

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

struct nrelay_net {
	struct proc_dir_entry *proc_dir;
};

static unsigned int nrelay_net_id __read_mostly;

static int __net_init nrelay_net_init(struct net *net)
{
	struct nrelay_net *rn = net_generic(net, nrelay_net_id);

	rn->proc_dir = proc_mkdir("relay", net->proc_net);
	if (!rn->proc_dir)
		return -ENOMEM;
	return 0;
}

static void __net_exit nrelay_net_exit(struct net *net)
{
	remove_proc_subtree("relay", net->proc_net);
}

static struct pernet_operations nrelay_net_ops = {
	.init = nrelay_net_init,
	.exit = nrelay_net_exit,
	.id = &nrelay_net_id,
	.size = sizeof(struct nrelay_net),
};

static int __init nrelay_init(void)
{
	return register_pernet_subsys(&nrelay_net_ops);
}

static void __exit nrelay_exit(void)
{
	unregister_pernet_subsys(&nrelay_net_ops);
}

module_init(nrelay_init);
module_exit(nrelay_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel TCP and UDP relay");
