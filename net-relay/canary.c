// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: canaries for the test suite's detectors.
 *
 * A test suite that runs on a debug kernel must show that its detectors
 * would catch a fault in net/relay: writing a fault's name to
 * /sys/kernel/debug/net_relay/canary commits that fault here, in the
 * module's own code, so that the report's backtrace passes through
 * net/relay as a real bug's would. Test kernels only (NET_RELAY_CANARY).
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "nrelay.h"

static struct dentry *nrelay_canary_dir;
static DEFINE_MUTEX(nrelay_canary_a);
static DEFINE_MUTEX(nrelay_canary_b);
static DEFINE_SPINLOCK(nrelay_canary_spin);

/* Lose the only pointer to an object: kmemleak must report it. */
static noinline void nrelay_canary_leak(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	if (p)
		memset(p, 0x5a, 128);
	pr_info("canary: leaked %d bytes\n", p ? 128 : 0);
}

/* Read one byte past an allocation: KASAN must report it. */
static noinline void nrelay_canary_oob(void)
{
	char *p = kmalloc(16, GFP_KERNEL);
	size_t i = 16;

	if (!p)
		return;
	/* Keep the compiler from seeing the index is out of bounds. */
	OPTIMIZER_HIDE_VAR(i);
	pr_info("canary: out-of-bounds read %d\n", READ_ONCE(p[i]));
	kfree(p);
}

/* A sleeping allocation with a spinlock held, the usual form of this bug:
 * DEBUG_ATOMIC_SLEEP must report it (might_sleep() in the allocator). It
 * seldom really sleeps, so the kernel stays usable after the report.
 */
static noinline void nrelay_canary_atomic_sleep(void)
{
	void *p;

	spin_lock(&nrelay_canary_spin);
	p = kmalloc(64, GFP_KERNEL);
	spin_unlock(&nrelay_canary_spin);
	kfree(p);
}

/* Take two locks in both orders: lockdep must report a possible deadlock. */
static noinline void nrelay_canary_lock_order(void)
{
	mutex_lock(&nrelay_canary_a);
	mutex_lock(&nrelay_canary_b);
	mutex_unlock(&nrelay_canary_b);
	mutex_unlock(&nrelay_canary_a);

	mutex_lock(&nrelay_canary_b);
	mutex_lock(&nrelay_canary_a);
	mutex_unlock(&nrelay_canary_a);
	mutex_unlock(&nrelay_canary_b);
}

static ssize_t nrelay_canary_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char buf[32];
	size_t len = min(count, sizeof(buf) - 1);

	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);

	if (!strcmp(buf, "leak"))
		nrelay_canary_leak();
	else if (!strcmp(buf, "oob"))
		nrelay_canary_oob();
	else if (!strcmp(buf, "atomic-sleep"))
		nrelay_canary_atomic_sleep();
	else if (!strcmp(buf, "lock-order"))
		nrelay_canary_lock_order();
	else
		return -EINVAL;
	return count;
}

static const struct file_operations nrelay_canary_fops = {
	.owner = THIS_MODULE,
	.write = nrelay_canary_write,
	.llseek = noop_llseek,
};

void nrelay_canary_init(void)
{
	nrelay_canary_dir = debugfs_create_dir("net_relay", NULL);
	debugfs_create_file("canary", 0200, nrelay_canary_dir, NULL,
			    &nrelay_canary_fops);
}

void nrelay_canary_exit(void)
{
	debugfs_remove(nrelay_canary_dir);
}
