// SPDX-License-Identifier: GPL-2.0-only
/*
 * net/relay: the TCP relay.
 *
 * Each relayed connection is a pair of kernel sockets (client side and
 * backend side) and one work item. There is no thread per connection: the
 * sockets' data_ready, write_space and state_change callbacks only queue
 * the work item, which moves bytes with non-blocking calls.
 *
 * Bytes are moved as sockmap and splice move them: tcp_read_sock() walks
 * the source's receive queue and hands each skb's data to the other
 * socket with skb_send_sock_locked(), which passes the pages on by
 * reference (sendpage) and copies only an skb's linear part. The source
 * gives up exactly what the other side took; the rest stays in its
 * receive queue, so TCP closes the window towards a sender that is faster
 * than its peer, and the relay holds no data of its own between runs.
 *
 * Lifetime: a connection holds one reference for its place in the
 * namespace's list and one per queued work item. Callbacks find the
 * connection through sk_user_data under sk_callback_lock; the close path
 * clears it under the write lock before dropping the list reference, so a
 * callback never sees a connection that may go away under it.
 */

#define pr_fmt(fmt) "net_relay: " fmt

#include <linux/memcontrol.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "nrelay.h"

#define NRELAY_TCP_BUDGET	(256 * 1024)	/* bytes a direction moves per run */
#define NRELAY_ACCEPT_BUDGET	64	/* accepts per run of the accept work */
#define NRELAY_TCP_BACKLOG	1024

enum nrelay_side_id {
	NRELAY_CLIENT,
	NRELAY_BACKEND,
};

enum nrelay_conn_flag {
	NRELAY_CONN_SETUP,	/* the accept work is still setting it up */
	NRELAY_CONN_CONNECTED,	/* the backend accepted our connect */
	NRELAY_CONN_ABORT,	/* reset both sides at the next run */
	NRELAY_CONN_TIMEOUT,	/* the abort comes from a timeout */
	NRELAY_CONN_FAILED,	/* the abort comes from a failed connect */
	NRELAY_CONN_PEER_ERROR,	/* a side was reset or failed: no FIN passes */
	NRELAY_CONN_DEAD,	/* sockets released */
};

struct nrelay_side {
	struct socket *sock;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	bool eof;		/* EOF read and passed on as a FIN */
};

struct nrelay_conn {
	struct list_head node;
	struct nrelay_net *rn;
	struct nrelay_rule *rule;
	struct nrelay_source *source;	/* counts it per client address */
	struct nrelay_side side[2];
	struct work_struct work;
	refcount_t ref;
	unsigned long flags;
	unsigned long created;
	unsigned long last_active;
	struct nrelay_addr client;
	struct nrelay_addr local;	/* our end towards the backend */
	u64 bytes[NRELAY_NDIRS];
};

static struct kmem_cache *nrelay_conn_cache __read_mostly;

static void nrelay_conn_put(struct nrelay_conn *conn)
{
	if (refcount_dec_and_test(&conn->ref))
		kmem_cache_free(nrelay_conn_cache, conn);
}

/* Queue the work item; it owns a reference while queued. */
static void nrelay_conn_queue(struct nrelay_conn *conn)
{
	refcount_inc(&conn->ref);
	if (!queue_work(nrelay_wq, &conn->work))
		refcount_dec(&conn->ref);
}

/* Also the state_change callback. A reset (or a fatal error) sets sk_err
 * before the state changes, and the send path's sock_error() may clear it
 * later: note it here, while it is sure to be seen.
 */
static void nrelay_tcp_data_ready(struct sock *sk)
{
	struct nrelay_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn) {
		if (READ_ONCE(sk->sk_err))
			set_bit(NRELAY_CONN_PEER_ERROR, &conn->flags);
		nrelay_conn_queue(conn);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void nrelay_tcp_write_space(struct sock *sk)
{
	struct nrelay_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn && sk_stream_is_writeable(sk)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		nrelay_conn_queue(conn);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void nrelay_listen_data_ready(struct sock *sk);

static void nrelay_side_hook(struct nrelay_side *side, struct nrelay_conn *conn)
{
	struct sock *sk = side->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	side->saved_data_ready = sk->sk_data_ready;
	/* An accepted socket inherits the listener's callback: keep the
	 * listener's original instead, so nothing of ours stays behind.
	 */
	if (side->saved_data_ready == nrelay_listen_data_ready)
		side->saved_data_ready = conn->rule->saved_data_ready;
	side->saved_write_space = sk->sk_write_space;
	side->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = conn;
	sk->sk_data_ready = nrelay_tcp_data_ready;
	sk->sk_write_space = nrelay_tcp_write_space;
	sk->sk_state_change = nrelay_tcp_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
}

static void nrelay_side_unhook(struct nrelay_side *side)
{
	struct sock *sk = side->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = side->saved_data_ready;
	sk->sk_write_space = side->saved_write_space;
	sk->sk_state_change = side->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* A socket released gracefully lives on as an orphan until its FIN and
 * last bytes are acknowledged. tcp_close() stops every timer of a socket
 * that holds no reference on its namespace, as kernel sockets do, and the
 * orphan would then never retransmit and stay in LAST_ACK or FIN_WAIT1
 * for good. So it takes a reference, as a user's socket holds one, and
 * drops it when TCP frees it. Return false if the namespace is going away.
 */
static bool nrelay_sk_hold_net(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (sk->sk_net_refcnt)
		return true;
	if (!maybe_get_net(net))
		return false;
	netns_tracker_alloc(net, &sk->ns_tracker, GFP_KERNEL);
	sk->sk_net_refcnt = 1;
	sock_inuse_add(net, 1);
	return true;
}

static void nrelay_conn_close(struct nrelay_conn *conn, bool reset)
{
	struct nrelay_net *rn = conn->rn;
	int i;

	if (test_and_set_bit(NRELAY_CONN_DEAD, &conn->flags))
		return;
	for (i = 0; i < ARRAY_SIZE(conn->side); i++)
		nrelay_side_unhook(&conn->side[i]);
	for (i = 0; i < ARRAY_SIZE(conn->side); i++) {
		struct sock *sk = conn->side[i].sock->sk;

		/* With a zero linger time, close sends a RST. */
		if (reset || !nrelay_sk_hold_net(sk))
			sock_no_linger(sk);
		sock_release(conn->side[i].sock);
		conn->side[i].sock = NULL;
	}

	nrelay_source_put(&rn->sources, conn->source, NRELAY_TCP);
	nrelay_stat_inc(rn, NRELAY_STAT_TCP_CLOSED);
	if (reset)
		nrelay_stat_inc(rn, NRELAY_STAT_TCP_RESETS);

	/* Count down and wake under the lock that the waiter in
	 * nrelay_tcp_close_conns() reads the counts under: once it sees
	 * none left, no closing work touches @rn or the rule again, and
	 * both may be freed.
	 */
	spin_lock(&rn->conns_lock);
	list_del(&conn->node);
	atomic_dec(&conn->rule->active);
	atomic_dec(&rn->tcp_active);
	wake_up(&rn->conns_wait);
	spin_unlock(&rn->conns_lock);
	nrelay_conn_put(conn);
}

/* Return 1 once connected, 0 while connecting, -errno if it failed. */
static int nrelay_conn_check_connect(struct nrelay_conn *conn)
{
	struct socket *sock = conn->side[NRELAY_BACKEND].sock;
	struct sockaddr_storage ss;
	int state = READ_ONCE(sock->sk->sk_state);
	int err;

	if (state == TCP_SYN_SENT)
		return 0;
	if (state != TCP_ESTABLISHED && state != TCP_CLOSE_WAIT) {
		err = READ_ONCE(sock->sk->sk_err);
		return err ? -err : -ECONNREFUSED;
	}
	if (kernel_getsockname(sock, (struct sockaddr *)&ss) >= 0)
		nrelay_addr_from_sockaddr(&conn->local, &ss);
	/* conns reads @local without our lock once it sees the flag. */
	smp_mb__before_atomic();
	set_bit(NRELAY_CONN_CONNECTED, &conn->flags);
	WRITE_ONCE(conn->last_active, jiffies);
	return 1;
}

/* tcp_read_sock() actor: pass @len bytes of @skb from @offset on to the
 * socket in desc->arg.data, which the caller holds locked. Returns what
 * was taken; nothing taken (-EAGAIN when the socket is full) stops the
 * walk, and TCP then calls write_space once there is room again.
 */
static int nrelay_send_actor(read_descriptor_t *desc, struct sk_buff *skb,
			     unsigned int offset, size_t len)
{
	int sent;

	len = min_t(size_t, len, desc->count);
	if (!len)
		return 0;
	sent = skb_send_sock_locked(desc->arg.data, skb, offset, len);
	if (sent > 0)
		desc->count -= sent;
	return sent;
}

/* tcp_read_sock() stops at urgent data for good: only tcp_recvmsg()
 * moves past the urgent mark. The relay keeps urgent bytes in line
 * (SOCK_URGINLINE) and passes such a byte on as data, the way it moved
 * everything before read_sock: peek, send, then drop what was sent.
 * Return 1 when the byte went through, 0 if @to is full, or -errno.
 */
static int nrelay_pass_urgent(struct socket *from, struct socket *to)
{
	struct msghdr msg = {};
	struct kvec vec;
	char byte;
	int n;

	vec.iov_base = &byte;
	vec.iov_len = 1;
	n = kernel_recvmsg(from, &msg, &vec, 1, 1, MSG_DONTWAIT | MSG_PEEK);
	if (n <= 0)
		return n == -EAGAIN ? 0 : n;
	memset(&msg, 0, sizeof(msg));
	msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
	n = kernel_sendmsg(to, &msg, &vec, 1, 1);
	if (n <= 0)
		return n == -EAGAIN ? 0 : n;
	memset(&msg, 0, sizeof(msg));
	n = kernel_recvmsg(from, &msg, NULL, 0, 1, MSG_DONTWAIT | MSG_TRUNC);
	return n == 1 ? 1 : -EIO;
}

/* Urgent bytes stay in the stream (SO_OOBINLINE), see above. */
static void nrelay_sk_set_urginline(struct sock *sk)
{
	lock_sock(sk);
	sock_set_flag(sk, SOCK_URGINLINE);
	release_sock(sk);
}

static bool nrelay_urgent_next(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	return (tp->urg_data & TCP_URG_VALID) && tp->urg_seq == tp->copied_seq;
}

/* Move what one side has received to the other side, as much as the
 * other side can take. Return 1 when there is more to do at once (budget
 * spent, urgent byte passed), 0 when this direction must wait for a
 * callback, or -errno.
 */
static int nrelay_pump(struct nrelay_conn *conn, enum nrelay_dir dir)
{
	struct nrelay_side *from, *to;
	read_descriptor_t desc = {};
	struct sock *fsk, *tsk;
	bool eof, urgent;
	int moved;

	from = &conn->side[dir == NRELAY_UP ? NRELAY_CLIENT : NRELAY_BACKEND];
	to = &conn->side[dir == NRELAY_UP ? NRELAY_BACKEND : NRELAY_CLIENT];
	if (from->eof)
		return 0;
	fsk = from->sock->sk;
	tsk = to->sock->sk;

	desc.count = NRELAY_TCP_BUDGET;
	desc.arg.data = tsk;
	/* Only this work item locks both sockets of a relay, always the
	 * source first: the order cannot invert.
	 */
	lock_sock(fsk);
	lock_sock_nested(tsk, SINGLE_DEPTH_NESTING);
	moved = tcp_read_sock(fsk, &desc, nrelay_send_actor);
	/* read_sock stops at the mark, whether or not it moved bytes
	 * before it: pass the urgent byte now and come back for the rest,
	 * as no callback will come for data already queued.
	 */
	urgent = nrelay_urgent_next(fsk);
	/* The FIN was queued after the data and read_sock ate it last. */
	eof = (fsk->sk_shutdown & RCV_SHUTDOWN) &&
	      skb_queue_empty(&fsk->sk_receive_queue);
	/* ACKs that made room in @tsk while we held it are processed here,
	 * after a failed send set SOCK_NOSPACE: write_space cannot be missed.
	 */
	release_sock(tsk);
	release_sock(fsk);

	if (moved > 0) {
		WRITE_ONCE(conn->bytes[dir], conn->bytes[dir] + moved);
		WRITE_ONCE(conn->last_active, jiffies);
		atomic64_add(moved, &conn->rule->bytes[dir]);
		nrelay_stat_add(conn->rn, dir == NRELAY_UP ?
				NRELAY_STAT_TCP_BYTES_UP :
				NRELAY_STAT_TCP_BYTES_DOWN, moved);
	} else if (moved < 0 && moved != -EAGAIN) {
		return moved;
	}
	if (urgent)
		return nrelay_pass_urgent(from->sock, to->sock);
	/* A reset also shuts the receive side down: it must reach the other
	 * side as a reset, not as the FIN of a clean end.
	 */
	if (eof && test_bit(NRELAY_CONN_PEER_ERROR, &conn->flags))
		return -ECONNRESET;
	if (eof) {
		WRITE_ONCE(from->eof, true);
		WRITE_ONCE(conn->last_active, jiffies);
		return kernel_sock_shutdown(to->sock, SHUT_WR);
	}
	return desc.count ? 0 : 1;
}

static bool nrelay_conn_has_error(struct nrelay_conn *conn)
{
	return test_bit(NRELAY_CONN_PEER_ERROR, &conn->flags) ||
	       READ_ONCE(conn->side[NRELAY_CLIENT].sock->sk->sk_err) ||
	       READ_ONCE(conn->side[NRELAY_BACKEND].sock->sk->sk_err);
}

static void nrelay_conn_fail(struct nrelay_conn *conn, int err)
{
	char addr[64];

	nrelay_stat_inc(conn->rn, NRELAY_STAT_TCP_CONNECT_FAILED);
	nrelay_addr_print(addr, sizeof(addr), &conn->rule->backend);
	pr_info_ratelimited("backend %s: connect failed: %d\n", addr, err);
	nrelay_conn_close(conn, true);
}

static void nrelay_conn_work(struct work_struct *work)
{
	struct nrelay_conn *conn = container_of(work, struct nrelay_conn,
						work);
	int up, down;

	if (test_bit(NRELAY_CONN_DEAD, &conn->flags))
		goto out;
	/* A client segment handled on another CPU can queue us while the
	 * accept work is between hooking the client and issuing the
	 * connect: the backend, still in CLOSE, would read as refused and
	 * the pair be freed under the accept work. Leave the pair alone
	 * until set-up is complete; the accept work queues us then, and
	 * every flag set meanwhile is still there.
	 */
	if (test_bit_acquire(NRELAY_CONN_SETUP, &conn->flags))
		goto out;
	if (test_bit(NRELAY_CONN_FAILED, &conn->flags)) {
		nrelay_conn_fail(conn, -ECONNREFUSED);
		goto out;
	}
	if (test_bit(NRELAY_CONN_ABORT, &conn->flags)) {
		bool timeout = test_bit(NRELAY_CONN_TIMEOUT, &conn->flags);

		/* A backend too slow to accept is a failed connect. */
		if (timeout && !test_bit(NRELAY_CONN_CONNECTED, &conn->flags)) {
			nrelay_conn_fail(conn, -ETIMEDOUT);
			goto out;
		}
		if (timeout)
			nrelay_stat_inc(conn->rn, NRELAY_STAT_TCP_TIMEOUTS);
		nrelay_conn_close(conn, true);
		goto out;
	}
	if (!test_bit(NRELAY_CONN_CONNECTED, &conn->flags)) {
		int ret = nrelay_conn_check_connect(conn);

		if (ret < 0)
			nrelay_conn_fail(conn, ret);
		if (ret <= 0)
			goto out;
	}

	up = nrelay_pump(conn, NRELAY_UP);
	down = up < 0 ? 0 : nrelay_pump(conn, NRELAY_DOWN);

	if (up < 0 || down < 0 || nrelay_conn_has_error(conn))
		nrelay_conn_close(conn, true);
	else if (conn->side[NRELAY_CLIENT].eof &&
		 conn->side[NRELAY_BACKEND].eof)
		nrelay_conn_close(conn, false);
	else if (up > 0 || down > 0)
		nrelay_conn_queue(conn);
out:
	nrelay_conn_put(conn);
}

static void nrelay_child_restore(struct socket *sock, struct nrelay_rule *rule)
{
	struct sock *sk = sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_data_ready == nrelay_listen_data_ready)
		sk->sk_data_ready = rule->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
}

static void nrelay_conn_new(struct nrelay_rule *rule, struct socket *csock)
{
	struct nrelay_net *rn = rule->rn;
	struct nrelay_source *source;
	struct sockaddr_storage ss;
	struct nrelay_addr client;
	struct nrelay_conn *conn;
	struct socket *bsock;
	int len, err;

	if (atomic_read(&rn->tcp_active) >= READ_ONCE(rn->tcp_max_conns)) {
		nrelay_stat_inc(rn, NRELAY_STAT_TCP_REJECTED);
		goto reset;
	}
	if (kernel_getpeername(csock, (struct sockaddr *)&ss) < 0)
		goto reset;
	nrelay_addr_from_sockaddr(&client, &ss);
	source = nrelay_source_get(&rn->sources, &client, NRELAY_TCP,
				   READ_ONCE(rn->tcp_max_per_source));
	if (!source) {
		nrelay_stat_inc(rn, NRELAY_STAT_TCP_SOURCE_LIMIT);
		goto reset;
	}
	conn = kmem_cache_zalloc(nrelay_conn_cache, GFP_KERNEL_ACCOUNT);
	if (!conn)
		goto no_mem;
	err = sock_create_kern(rn->net, rule->backend.family, SOCK_STREAM,
			       IPPROTO_TCP, &bsock);
	if (err) {
		kmem_cache_free(nrelay_conn_cache, conn);
		goto no_mem;
	}

	conn->rn = rn;
	conn->rule = rule;
	__set_bit(NRELAY_CONN_SETUP, &conn->flags);
	INIT_WORK(&conn->work, nrelay_conn_work);
	refcount_set(&conn->ref, 1);
	conn->created = jiffies;
	conn->last_active = conn->created;
	conn->source = source;
	conn->client = client;
	conn->side[NRELAY_CLIENT].sock = csock;
	conn->side[NRELAY_BACKEND].sock = bsock;
	/* Relay small writes at once; the peers chose their own Nagle. */
	tcp_sock_set_nodelay(csock->sk);
	tcp_sock_set_nodelay(bsock->sk);
	nrelay_sk_set_urginline(csock->sk);
	nrelay_sk_set_urginline(bsock->sk);

	atomic_inc(&rn->tcp_active);
	atomic_inc(&rule->active);
	atomic64_inc(&rule->total);
	nrelay_stat_inc(rn, NRELAY_STAT_TCP_ACCEPTED);
	spin_lock(&rn->conns_lock);
	list_add_tail(&conn->node, &rn->conns);
	spin_unlock(&rn->conns_lock);

	nrelay_side_hook(&conn->side[NRELAY_CLIENT], conn);
	nrelay_side_hook(&conn->side[NRELAY_BACKEND], conn);

	len = nrelay_addr_to_sockaddr(&rule->backend, &ss);
	err = kernel_connect(bsock, (struct sockaddr *)&ss, len, O_NONBLOCK);
	if (err && err != -EINPROGRESS)
		set_bit(NRELAY_CONN_FAILED, &conn->flags);
	/* Publishes the set-up to the work; see nrelay_conn_work(). Data
	 * may have arrived before the callbacks were ours: run it once.
	 */
	clear_bit_unlock(NRELAY_CONN_SETUP, &conn->flags);
	nrelay_conn_queue(conn);
	return;

no_mem:
	nrelay_source_put(&rn->sources, source, NRELAY_TCP);
	nrelay_stat_inc(rn, NRELAY_STAT_TCP_ALLOC_FAILED);
reset:
	nrelay_child_restore(csock, rule);
	sock_no_linger(csock->sk);
	sock_release(csock);
}

static void nrelay_accept_work(struct work_struct *work)
{
	struct nrelay_rule *rule = container_of(work, struct nrelay_rule,
						accept_work);
	struct mem_cgroup *memcg;
	int budget;

	/* The workqueue belongs to no memory cgroup: charge the relays to
	 * the namespace's.
	 */
	memcg = set_active_memcg(rule->rn->memcg);
	for (budget = NRELAY_ACCEPT_BUDGET; budget; budget--) {
		struct socket *csock;
		int err;

		err = kernel_accept(rule->lsock, &csock, O_NONBLOCK);
		if (err == -EAGAIN)
			goto out;
		/* One child's failure (aborted before we took it, no memory
		 * for its socket) is not the queue's: go on with the others.
		 */
		if (err)
			continue;
		nrelay_conn_new(rule, csock);
	}
	queue_work(nrelay_wq, &rule->accept_work);
out:
	set_active_memcg(memcg);
}

static void nrelay_listen_data_ready(struct sock *sk)
{
	struct nrelay_rule *rule;

	/* Accepted sockets run this callback until they get their own. */
	if (sk->sk_state != TCP_LISTEN)
		return;
	read_lock_bh(&sk->sk_callback_lock);
	rcu_read_lock();
	rule = __rcu_dereference_sk_user_data_with_flags(sk,
							 SK_USER_DATA_NOCOPY);
	if (rule)
		queue_work(nrelay_wq, &rule->accept_work);
	rcu_read_unlock();
	read_unlock_bh(&sk->sk_callback_lock);
}

/* The listening socket of @rule. The wildcard of both families
 * (AF_UNSPEC) is an IPv6 socket that takes IPv4 too, whatever
 * net.ipv6.bindv6only says, or an IPv4 one where IPv6 is off; an IPv6
 * rule's socket takes IPv6 only, so that an IPv4 rule on its port can be
 * there too, as nrelay_rule_clash() allows.
 */
static int nrelay_tcp_listen_sock(struct nrelay_rule *rule,
				  struct socket **sockp)
{
	struct nrelay_addr listen = rule->listen;
	struct sockaddr_storage ss;
	struct socket *sock;
	int len, err;

	err = sock_create_kern(rule->rn->net,
			       listen.family == AF_INET ? AF_INET : AF_INET6,
			       SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err == -EAFNOSUPPORT && listen.family == AF_UNSPEC) {
		listen.family = AF_INET;
		err = sock_create_kern(rule->rn->net, AF_INET, SOCK_STREAM,
				       IPPROTO_TCP, &sock);
	}
	if (err)
		return err;
	if (listen.family != AF_INET) {
		lock_sock(sock->sk);
		sock->sk->sk_ipv6only = listen.family == AF_INET6;
		release_sock(sock->sk);
	}
	/* A restart must not wait for the last run's TIME_WAIT sockets. */
	sock_set_reuseaddr(sock->sk);
	len = nrelay_addr_to_sockaddr(&listen, &ss);
	err = kernel_bind(sock, (struct sockaddr *)&ss, len);
	if (!err)
		err = kernel_listen(sock, NRELAY_TCP_BACKLOG);
	if (err) {
		sock_release(sock);
		return err;
	}
	*sockp = sock;
	return 0;
}

/**
 * nrelay_tcp_listen - open the listener of a TCP rule
 * @rule: the rule; its namespace's lock is held
 *
 * Return: 0 or -errno (-EADDRINUSE, -EADDRNOTAVAIL...).
 */
int nrelay_tcp_listen(struct nrelay_rule *rule)
{
	struct socket *sock;
	struct sock *sk;
	int err;

	err = nrelay_tcp_listen_sock(rule, &sock);
	if (err)
		return err;
	sk = sock->sk;

	INIT_WORK(&rule->accept_work, nrelay_accept_work);
	rule->lsock = sock;
	write_lock_bh(&sk->sk_callback_lock);
	rule->saved_data_ready = sk->sk_data_ready;
	/* NOCOPY: accepted sockets must not inherit a pointer to the rule. */
	__rcu_assign_sk_user_data_with_flags(sk, rule, SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = nrelay_listen_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	/* A child that completed before the callback was ours waits. */
	queue_work(nrelay_wq, &rule->accept_work);
	return 0;
}

void nrelay_tcp_unlisten(struct nrelay_rule *rule)
{
	struct sock *sk = rule->lsock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = rule->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_work_sync(&rule->accept_work);
	sock_release(rule->lsock);
	rule->lsock = NULL;
}

/* Whether the relays of @rule (all if NULL) are gone: read under the lock
 * that their closing work counts down and wakes under.
 */
static bool nrelay_tcp_conns_gone(struct nrelay_net *rn,
				  struct nrelay_rule *rule)
{
	bool gone;

	spin_lock(&rn->conns_lock);
	gone = rule ? !atomic_read(&rule->active) :
		      !atomic_read(&rn->tcp_active);
	spin_unlock(&rn->conns_lock);
	return gone;
}

/**
 * nrelay_tcp_close_conns - reset relays and wait until they are gone
 * @rn: the namespace's relay
 * @rule: only the relays of this rule, or NULL for all
 *
 * No new relay may start meanwhile (listeners closed). Each close is a
 * reset, so this takes bounded time whatever the peers do.
 */
void nrelay_tcp_close_conns(struct nrelay_net *rn, struct nrelay_rule *rule)
{
	struct nrelay_conn *conn;

	spin_lock(&rn->conns_lock);
	list_for_each_entry(conn, &rn->conns, node) {
		if (rule && conn->rule != rule)
			continue;
		set_bit(NRELAY_CONN_ABORT, &conn->flags);
		nrelay_conn_queue(conn);
	}
	spin_unlock(&rn->conns_lock);

	wait_event(rn->conns_wait, nrelay_tcp_conns_gone(rn, rule));
}

/* Once a second: end relays idle, half-closed or connecting for too long. */
static void nrelay_tcp_gc(struct work_struct *work)
{
	struct nrelay_net *rn = container_of(to_delayed_work(work),
					     struct nrelay_net, tcp_gc);
	unsigned long idle = READ_ONCE(rn->tcp_idle_timeout) * HZ;
	unsigned long connect = READ_ONCE(rn->tcp_connect_timeout) * HZ;
	unsigned long fin = READ_ONCE(rn->tcp_fin_timeout) * HZ;
	unsigned long now = jiffies;
	struct nrelay_conn *conn;

	spin_lock(&rn->conns_lock);
	list_for_each_entry(conn, &rn->conns, node) {
		unsigned long limit = idle;

		if (!test_bit(NRELAY_CONN_CONNECTED, &conn->flags))
			limit = connect;
		else if (READ_ONCE(conn->side[NRELAY_CLIENT].eof) ||
			 READ_ONCE(conn->side[NRELAY_BACKEND].eof))
			limit = fin;
		if (time_after(now, READ_ONCE(conn->last_active) + limit)) {
			set_bit(NRELAY_CONN_TIMEOUT, &conn->flags);
			set_bit(NRELAY_CONN_ABORT, &conn->flags);
			nrelay_conn_queue(conn);
		}
	}
	spin_unlock(&rn->conns_lock);
	queue_delayed_work(nrelay_wq, &rn->tcp_gc, HZ);
}

void nrelay_tcp_start(struct nrelay_net *rn)
{
	queue_delayed_work(nrelay_wq, &rn->tcp_gc, HZ);
}

void nrelay_tcp_stop(struct nrelay_net *rn)
{
	cancel_delayed_work_sync(&rn->tcp_gc);
}

void nrelay_tcp_net_init(struct nrelay_net *rn)
{
	spin_lock_init(&rn->conns_lock);
	INIT_LIST_HEAD(&rn->conns);
	atomic_set(&rn->tcp_active, 0);
	init_waitqueue_head(&rn->conns_wait);
	/* Not deferrable: a deferrable timer waits for its CPU to wake for
	 * something else, and on an idle SMP guest a connect outlived
	 * tcp_connect_timeout by over 20 s. The sweep runs only while TCP
	 * rules exist (nrelay_engage()).
	 */
	INIT_DELAYED_WORK(&rn->tcp_gc, nrelay_tcp_gc);
}

static const char *nrelay_conn_state(const struct nrelay_conn *conn)
{
	bool ceof = READ_ONCE(conn->side[NRELAY_CLIENT].eof);
	bool beof = READ_ONCE(conn->side[NRELAY_BACKEND].eof);

	if (!test_bit(NRELAY_CONN_CONNECTED, &conn->flags))
		return "connecting";
	if (ceof && beof)
		return "closing";
	if (ceof || beof)
		return "half-closed";
	return "established";
}

/* /proc/net/relay/conns and netlink's dump walk the relays under
 * conns_lock, from
 * nrelay_tcp_seq_lock() to nrelay_tcp_seq_unlock(), a read(2) at a time.
 */
void nrelay_tcp_seq_lock(struct nrelay_net *rn)
	__acquires(&rn->conns_lock)
{
	spin_lock(&rn->conns_lock);
}

void nrelay_tcp_seq_unlock(struct nrelay_net *rn)
	__releases(&rn->conns_lock)
{
	spin_unlock(&rn->conns_lock);
}

/* The relay after @v, the first if @v is NULL; NULL after the last. */
void *nrelay_tcp_seq_next(struct nrelay_net *rn, void *v)
{
	struct nrelay_conn *conn = v;

	if (!conn)
		return list_first_entry_or_null(&rn->conns, struct nrelay_conn,
						node);
	if (list_is_last(&conn->node, &rn->conns))
		return NULL;
	return list_next_entry(conn, node);
}

void nrelay_tcp_conn_info(void *v, struct nrelay_conn_info *ci)
{
	struct nrelay_conn *conn = v;
	unsigned long now = jiffies;

	memset(ci, 0, sizeof(*ci));
	if (test_bit(NRELAY_CONN_CONNECTED, &conn->flags)) {
		smp_rmb();	/* pairs with nrelay_conn_check_connect() */
		ci->relay = conn->local;
	}
	ci->rule = conn->rule;
	ci->client = conn->client;
	ci->backend = conn->rule->backend;
	ci->state = nrelay_conn_state(conn);
	ci->bytes[NRELAY_UP] = READ_ONCE(conn->bytes[NRELAY_UP]);
	ci->bytes[NRELAY_DOWN] = READ_ONCE(conn->bytes[NRELAY_DOWN]);
	ci->age = (now - conn->created) / HZ;
	ci->idle = (now - READ_ONCE(conn->last_active)) / HZ;
}

int nrelay_tcp_init(void)
{
	nrelay_conn_cache = KMEM_CACHE(nrelay_conn, SLAB_ACCOUNT);
	return nrelay_conn_cache ? 0 : -ENOMEM;
}

void nrelay_tcp_exit(void)
{
	kmem_cache_destroy(nrelay_conn_cache);
}
