// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: /proc/net/relay/{rules,control,conns,stats}.
 *
 * rules and control are writable: one command per write(2). Anyone may
 * open them, so that the capability check happens in write() and a caller
 * without CAP_NET_ADMIN in the namespace gets EPERM, as from a system
 * call, rather than EACCES from the file mode.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/capability.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "nrelay.h"

static struct nrelay_net *nrelay_seq_rn(struct seq_file *seq)
{
	return nrelay_pernet(seq_file_single_net(seq));
}

static struct nrelay_net *nrelay_file_rn(struct file *file)
{
	return nrelay_seq_rn(file->private_data);
}

static bool nrelay_may_write(struct file *file, struct nrelay_net *rn)
{
	return file_ns_capable(file, rn->net->user_ns, CAP_NET_ADMIN);
}

static int nrelay_rules_show(struct seq_file *seq, void *v)
{
	struct nrelay_net *rn = nrelay_seq_rn(seq);
	struct nrelay_rule *r;
	char l[64], b[64];

	mutex_lock(&rn->lock);
	list_for_each_entry(r, &rn->rules, node) {
		nrelay_addr_print(l, sizeof(l), &r->listen);
		nrelay_addr_print(b, sizeof(b), &r->backend);
		seq_printf(seq, "%s %s %s active=%d total=%lld up=%lld down=%lld\n",
			   nrelay_proto_name(r->proto), l, b,
			   atomic_read(&r->active), atomic64_read(&r->total),
			   atomic64_read(&r->bytes[NRELAY_UP]),
			   atomic64_read(&r->bytes[NRELAY_DOWN]));
	}
	mutex_unlock(&rn->lock);
	return 0;
}

static int nrelay_rules_write(struct file *file, char *buf, size_t size)
{
	struct nrelay_net *rn = nrelay_file_rn(file);
	struct nrelay_cmd cmd;
	const char *why = NULL;
	int err;

	if (!nrelay_may_write(file, rn))
		return -EPERM;
	err = nrelay_cmd_parse(buf, &cmd, &why);
	if (!err)
		err = nrelay_exec(rn, &cmd, &why);
	if (err)
		pr_info_ratelimited("rules: \"%.*s\": %s (%d)\n",
				    (int)strcspn(buf, "\n"), buf, why, err);
	return err;
}

static int nrelay_control_show(struct seq_file *seq, void *v)
{
	struct nrelay_net *rn = nrelay_seq_rn(seq);

	seq_puts(seq, READ_ONCE(rn->running) ? "running\n" : "stopped\n");
	return 0;
}

static int nrelay_control_write(struct file *file, char *buf, size_t size)
{
	struct nrelay_net *rn = nrelay_file_rn(file);
	char *word = strim(buf);
	int err;

	if (!nrelay_may_write(file, rn))
		return -EPERM;
	if (!strcmp(word, "start")) {
		err = nrelay_start(rn);
	} else if (!strcmp(word, "stop")) {
		nrelay_stop(rn);
		err = 0;
	} else {
		pr_info_ratelimited("control: expected start or stop\n");
		err = -EINVAL;
	}
	return err;
}

/* conns: a header, the TCP relays, then the UDP mappings, a line each
 * and a read(2) at a time (under conns_lock and RCU), rather than
 * everything into one buffer under one lock. A read of a few bytes gets
 * one line, so the next must find its place cheaply: it goes to the
 * bucket of mappings the last one stopped in and counts from there (as
 * tcp_seek_last_pos() does); counting from the first line made reading
 * the file so take time quadratic in its lines. The relays, one list, are
 * counted from its head. Lines that come or go between two reads may be
 * missed or shown twice, as in /proc/net/tcp.
 */
struct nrelay_conns_iter {
	struct seq_net_private p;	/* first, for seq_file_net() */
	bool udp;			/* past the relays, in the mappings */
	unsigned int bucket;		/* of the current mapping */
	unsigned int offset;		/* of the current line in its list */
	loff_t pos;			/* of the current line */
};

static struct nrelay_net *nrelay_conns_rn(struct seq_file *seq)
{
	return nrelay_pernet(seq_file_net(seq));
}

static void *nrelay_conns_udp_first(struct nrelay_conns_iter *it,
				    struct nrelay_net *rn)
{
	it->udp = true;
	it->bucket = 0;
	it->offset = 0;
	return nrelay_udp_seq_next(rn, NULL, &it->bucket);
}

static void *nrelay_conns_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct nrelay_conns_iter *it = seq->private;
	struct nrelay_net *rn = nrelay_conns_rn(seq);
	unsigned int bucket = it->bucket;

	it->pos = ++*pos;
	if (it->udp) {
		v = nrelay_udp_seq_next(rn, v, &it->bucket);
		it->offset = it->bucket == bucket ? it->offset + 1 : 0;
		return v;
	}
	if (v == SEQ_START_TOKEN) {
		it->offset = 0;
		v = nrelay_tcp_seq_next(rn, NULL);
	} else {
		it->offset++;
		v = nrelay_tcp_seq_next(rn, v);
	}
	return v ?: nrelay_conns_udp_first(it, rn);
}

/* The line the last read stopped at: the it->offset-th of its list, or
 * the next list's first if that list has grown shorter since.
 */
static void *nrelay_conns_seek(struct seq_file *seq)
{
	struct nrelay_conns_iter *it = seq->private;
	struct nrelay_net *rn = nrelay_conns_rn(seq);
	unsigned int bucket = it->bucket, n;
	void *v;

	if (!it->udp) {
		v = nrelay_tcp_seq_next(rn, NULL);
		for (n = it->offset; v && n; n--)
			v = nrelay_tcp_seq_next(rn, v);
		return v ?: nrelay_conns_udp_first(it, rn);
	}
	v = nrelay_udp_seq_next(rn, NULL, &it->bucket);
	for (n = it->offset; v && n && it->bucket == bucket; n--)
		v = nrelay_udp_seq_next(rn, v, &it->bucket);
	if (it->bucket != bucket)
		it->offset = 0;
	return v;
}

static void *nrelay_conns_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct nrelay_conns_iter *it = seq->private;
	void *v = SEQ_START_TOKEN;
	loff_t n;

	rcu_read_lock();
	nrelay_tcp_seq_lock(nrelay_conns_rn(seq));
	if (*pos && *pos == it->pos)
		return nrelay_conns_seek(seq);
	it->udp = false;
	it->bucket = 0;
	for (n = 0; v && n < *pos; )
		v = nrelay_conns_next(seq, v, &n);
	it->pos = *pos;
	return v;
}

static void nrelay_conns_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	nrelay_tcp_seq_unlock(nrelay_conns_rn(seq));
	rcu_read_unlock();
}

/* A line of conns: a TCP relay or a UDP mapping. */
void nrelay_conn_show(struct seq_file *seq, const struct nrelay_conn_info *ci)
{
	bool tcp = ci->rule->proto == NRELAY_TCP;
	char c[64], r[64], b[64];

	nrelay_addr_print(c, sizeof(c), &ci->client);
	nrelay_addr_print(r, sizeof(r), &ci->relay);
	nrelay_addr_print(b, sizeof(b), &ci->backend);
	seq_printf(seq, "%s %s %s %s %s up=%llu down=%llu age=%lu %s=%lu\n",
		   nrelay_proto_name(ci->rule->proto), c, r, b, ci->state,
		   ci->bytes[NRELAY_UP], ci->bytes[NRELAY_DOWN], ci->age,
		   tcp ? "idle" : "expires", tcp ? ci->idle : ci->expires);
}

static int nrelay_conns_show(struct seq_file *seq, void *v)
{
	struct nrelay_conns_iter *it = seq->private;
	struct nrelay_conn_info ci;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "proto client relay backend state up down age idle|expires\n");
		return 0;
	}
	if (it->udp)
		nrelay_udp_map_info(nrelay_conns_rn(seq), v, &ci);
	else
		nrelay_tcp_conn_info(v, &ci);
	nrelay_conn_show(seq, &ci);
	return 0;
}

static const struct seq_operations nrelay_conns_seq_ops = {
	.start	= nrelay_conns_start,
	.next	= nrelay_conns_next,
	.stop	= nrelay_conns_stop,
	.show	= nrelay_conns_show,
};

static int nrelay_stats_show(struct seq_file *seq, void *v)
{
	struct nrelay_net *rn = nrelay_seq_rn(seq);
	int i;

	seq_printf(seq, "tcp_active %d\n", atomic_read(&rn->tcp_active));
	seq_printf(seq, "udp_mappings %d\n", atomic_read(&rn->udp.count));
	for (i = 0; i < NRELAY_STAT_MAX; i++)
		seq_printf(seq, "%s %lld\n", nrelay_stat_names[i],
			   atomic64_read(&rn->stats[i]));
	return 0;
}

int nrelay_proc_init(struct nrelay_net *rn)
{
	struct proc_dir_entry *dir;

	dir = proc_net_mkdir(rn->net, "relay", rn->net->proc_net);
	if (!dir)
		return -ENOMEM;
	rn->proc_dir = dir;
	if (!proc_create_net_single_write("rules", 0666, dir, nrelay_rules_show,
					  nrelay_rules_write, NULL) ||
	    !proc_create_net_single_write("control", 0666, dir,
					  nrelay_control_show,
					  nrelay_control_write, NULL) ||
	    !proc_create_net("conns", 0440, dir, &nrelay_conns_seq_ops,
			     sizeof(struct nrelay_conns_iter)) ||
	    !proc_create_net_single("stats", 0444, dir, nrelay_stats_show,
				    NULL)) {
		nrelay_proc_exit(rn);
		return -ENOMEM;
	}
	return 0;
}

void nrelay_proc_exit(struct nrelay_net *rn)
{
	if (rn->proc_dir)
		remove_proc_subtree("relay", rn->net->proc_net);
	rn->proc_dir = NULL;
}
