// SPDX-License-Identifier: GPL-2.0
/*
 * rrload: small load generator for bench/bench.sh, built static on the host
 * (gcc -static) and run inside the UML guests from /relaykit/kit/build/.
 * One process, one epoll loop, no threads: the guests have one CPU.
 *
 *   rrload serve PORT
 *	TCP echo server (the server guest's :7 in the bench topology): each
 *	connection gets back what it sent; closed after the peer's EOF.
 *   rrload rr HOST PORT CONNS SECONDS SIZE
 *	request/response: CONNS connections, each with one SIZE-byte request
 *	outstanding; a transaction is a request and its full echo.
 *   rrload connrate HOST PORT SECONDS PARALLEL [SRC_IP...]
 *	new connections: connect, one 32-byte request, its echo, close;
 *	PARALLEL of them in flight; sources rotate over SRC_IP.
 *   rrload hold HOST PORT COUNT PARALLEL OPEN_SECONDS STATUS_FILE MAX_HOLD
 *	open up to COUNT idle connections (at most OPEN_SECONDS), check each
 *	with a one-byte echo, write the result to STATUS_FILE and hold them
 *	until SIGUSR1 (or MAX_HOLD seconds).
 *   rrload dns HOST PORT SECONDS WINDOW SOCKETS NAME
 *	DNS A queries for NAME over SOCKETS UDP sockets with WINDOW queries
 *	outstanding; a query unanswered after 1 s is lost.
 *
 * HOST and SRC_IP are literal addresses of either family, an IPv6 one
 * without brackets; SRC_IPs are of HOST's family. serve listens on both.
 *
 * Every mode prints one line of key=value pairs on stdout, for the script.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define MAX_EVENTS 256
#define CHECK_WINDOW 200	/* hold: echo checks in flight */
#define CLOSE_BATCH 50	/* hold: connections closed every 50 ms */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "rrload: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long num(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0)
		die("%s: '%s' is not a number", what, s);
	return v;
}

/* Thousands of sockets: lift the descriptor limit as far as root may. */
static void raise_nofile(void)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };

	while (setrlimit(RLIMIT_NOFILE, &rl) < 0 && rl.rlim_max > 4096)
		rl.rlim_cur = rl.rlim_max = rl.rlim_max / 2;
}

/* A socket address of either family, as bind() and connect() take it. */
union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static socklen_t addr_len(const union addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->in6) : sizeof(a->in);
}

static union addr addr_of(const char *host, long port)
{
	union addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, host, &a.in.sin_addr) == 1) {
		a.in.sin_family = AF_INET;
		a.in.sin_port = htons(port);
	} else if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) == 1) {
		a.in6.sin6_family = AF_INET6;
		a.in6.sin6_port = htons(port);
	} else {
		die("'%s' is not an IPv4 or IPv6 address", host);
	}
	return a;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void ep_ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	if (epoll_ctl(ep, op, fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		die("epoll_ctl: %s", strerror(errno));
}

/*
 * A non-blocking connect from SRC (or any address; of DST's family); -1 on
 * a local error.
 */
static int start_connect(const union addr *dst, const union addr *src)
{
	int fd = socket(dst->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src) {
		/*
		 * Let connect() pick the port for the full 4-tuple. An IPv6
		 * socket takes this IPPROTO_IP option too (inet6_bind honours
		 * it).
		 */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, &src->sa, addr_len(src)) < 0) {
			int err = errno;

			close(fd);
			errno = err;
			return -1;
		}
	}
	if (connect(fd, &dst->sa, addr_len(dst)) < 0 && errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	return err;
}

/* ---- serve ---- */

static int cmd_serve(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };	/* [::] */
	struct epoll_event evs[MAX_EVENTS];
	static char buf[65536];
	int lfd, ep, one = 1, zero = 0;

	if (argc != 1)
		die("usage: rrload serve PORT");
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sa.sin6_port = htons(num(argv[0], "PORT"));
	/* One socket for both families: IPv4 clients come as ::ffff:a.b.c.d. */
	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0)
		die("listen on port %s: %s", argv[0], strerror(errno));
	ep = epoll_create1(0);
	ep_ctl(ep, EPOLL_CTL_ADD, lfd, EPOLLIN, (uint64_t)-1);
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);

		for (int i = 0; i < n; i++) {
			int fd;
			ssize_t r;

			if (evs[i].data.u64 == (uint64_t)-1) {
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ep_ctl(ep, EPOLL_CTL_ADD, fd, EPOLLIN, fd);
				}
				continue;
			}
			fd = evs[i].data.u64;
			/*
			 * Requests are small: echo what arrived with a blocking-free
			 * send; a short send (a peer that does not read) ends it.
			 */
			r = read(fd, buf, sizeof(buf));
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0 && send(fd, buf, r, MSG_DONTWAIT | MSG_NOSIGNAL) == r)
				continue;
			close(fd);
		}
	}
	return 0;
}

/* ---- rr ---- */

static int cmd_rr(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	union addr dst;
	long conns, size, *got;
	double secs, t0, t_end;
	unsigned long done = 0, errors = 0;
	static char req[65536], buf[65536];
	int *fds, ep;

	if (argc != 5)
		die("usage: rrload rr HOST PORT CONNS SECONDS SIZE");
	dst = addr_of(argv[0], num(argv[1], "PORT"));
	conns = num(argv[2], "CONNS");
	secs = num(argv[3], "SECONDS");
	size = num(argv[4], "SIZE");
	if (conns < 1 || size < 1 || size > (long)sizeof(req))
		die("rr: bad CONNS or SIZE");
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	memset(req, 'r', size);
	fds = calloc(conns, sizeof(*fds));
	got = calloc(conns, sizeof(*got));
	ep = epoll_create1(0);
	for (long i = 0; i < conns; i++) {
		int one = 1;

		fds[i] = socket(dst.sa.sa_family, SOCK_STREAM, 0);
		setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fds[i], &dst.sa, addr_len(&dst)) < 0)
			die("rr: connect %s:%s: %s", argv[0], argv[1], strerror(errno));
		set_nonblock(fds[i]);
		ep_ctl(ep, EPOLL_CTL_ADD, fds[i], EPOLLIN, i);
	}
	t0 = now();
	t_end = t0 + secs;
	for (long i = 0; i < conns; i++)
		if (send(fds[i], req, size, MSG_NOSIGNAL) != size)
			die("rr: send: %s", strerror(errno));
	while (now() < t_end) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, 100);

		for (int k = 0; k < n; k++) {
			long i = evs[k].data.u64;
			ssize_t r = read(fds[i], buf, sizeof(buf));

			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				/* A dead connection is an error, not a quiet slowdown. */
				errors++;
				ep_ctl(ep, EPOLL_CTL_DEL, fds[i], 0, 0);
				continue;
			}
			got[i] += r;
			if (got[i] < size)
				continue;
			got[i] = 0;
			done++;
			if (send(fds[i], req, size, MSG_NOSIGNAL) != size) {
				errors++;
				ep_ctl(ep, EPOLL_CTL_DEL, fds[i], 0, 0);
			}
		}
	}
	secs = now() - t0;
	printf("rr conns=%ld size=%ld secs=%.2f transactions=%lu rate=%.1f errors=%lu\n",
	       conns, size, secs, done, done / secs, errors);
	return errors ? 1 : 0;
}

/* ---- connrate ---- */

struct slot {
	int fd;
	int state;		/* 0 free, 1 connecting, 2 waiting for the echo */
	int got;
	double started;
};

static int cmd_connrate(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	union addr dst, src[16];
	static const char req[32] = "connrate-request-0123456789abcd";
	char buf[64];
	long parallel, nsrc = 0, next_src = 0;
	double secs, t0, t_end, t_last = 0;
	unsigned long done = 0, failed = 0, timeouts = 0;
	struct slot *slots;
	int ep, active = 0;
	unsigned long errs[4] = { 0 };	/* refused, reset, addrnotavail, other */

	if (argc < 4)
		die("usage: rrload connrate HOST PORT SECONDS PARALLEL [SRC_IP...]");
	dst = addr_of(argv[0], num(argv[1], "PORT"));
	secs = num(argv[2], "SECONDS");
	parallel = num(argv[3], "PARALLEL");
	for (int i = 4; i < argc && nsrc < 16; i++) {
		src[nsrc] = addr_of(argv[i], 0);
		if (src[nsrc++].sa.sa_family != dst.sa.sa_family)
			die("connrate: SRC_IP %s is not of HOST's family", argv[i]);
	}
	if (parallel < 1)
		die("connrate: PARALLEL must be at least 1");
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	slots = calloc(parallel, sizeof(*slots));
	ep = epoll_create1(0);
	t0 = now();
	t_end = t0 + secs;

#define FAIL(s, e) do { \
		errs[(e) == ECONNREFUSED ? 0 : (e) == ECONNRESET ? 1 : \
		     (e) == EADDRNOTAVAIL ? 2 : 3]++; \
		failed++; close((s)->fd); (s)->state = 0; active--; \
	} while (0)

	for (;;) {
		double t = now();
		int n;

		/* Refill while the clock runs; afterwards only drain. */
		for (long i = 0; i < parallel && t < t_end; i++) {
			struct slot *s = &slots[i];

			if (s->state)
				continue;
			s->fd = start_connect(&dst, nsrc ? &src[next_src++ % nsrc] : NULL);
			if (s->fd < 0) {
				errs[errno == EADDRNOTAVAIL ? 2 : 3]++;
				failed++;
				continue;
			}
			s->state = 1;
			s->got = 0;
			s->started = t;
			active++;
			ep_ctl(ep, EPOLL_CTL_ADD, s->fd, EPOLLOUT, i);
		}
		if (t >= t_end && (!active || t > t_end + 3))
			break;
		/* Once a second, give up on attempts older than 3 s. */
		if (t - t_last > 1) {
			t_last = t;
			for (long i = 0; i < parallel; i++)
				if (slots[i].state && t - slots[i].started > 3) {
					timeouts++;
					FAIL(&slots[i], ETIMEDOUT);
				}
		}
		n = epoll_wait(ep, evs, MAX_EVENTS, 50);
		for (int k = 0; k < n; k++) {
			struct slot *s = &slots[evs[k].data.u64];
			int err;
			ssize_t r;

			if (!s->state)
				continue;
			if (s->state == 1) {
				err = sock_error(s->fd);
				if (err) {
					FAIL(s, err);
					continue;
				}
				if (send(s->fd, req, sizeof(req), MSG_NOSIGNAL) != sizeof(req)) {
					FAIL(s, errno);
					continue;
				}
				s->state = 2;
				ep_ctl(ep, EPOLL_CTL_MOD, s->fd, EPOLLIN, evs[k].data.u64);
				continue;
			}
			r = read(s->fd, buf, sizeof(buf));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				FAIL(s, r < 0 ? errno : ECONNRESET);
				continue;
			}
			s->got += r;
			if (s->got < (int)sizeof(req))
				continue;
			close(s->fd);
			s->state = 0;
			active--;
			/* Only connections completed in the window count. */
			if (now() <= t_end)
				done++;
		}
	}
	printf("connrate secs=%.2f parallel=%ld completed=%lu rate=%.1f failed=%lu "
	       "refused=%lu reset=%lu addrnotavail=%lu timeouts=%lu other=%lu\n",
	       secs, parallel, done, done / secs, failed, errs[0], errs[1], errs[2],
	       timeouts, errs[3] - timeouts);
	return 0;
}

/* ---- hold ---- */

static volatile sig_atomic_t released;

static void on_usr1(int sig)
{
	(void)sig;
	released = 1;
}

static void write_status(const char *path, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die("hold: cannot write %s: %s", tmp, strerror(errno));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	/* hostfs: the data must reach the host before the name does. */
	fflush(f);
	fsync(fileno(f));
	fclose(f);
	if (rename(tmp, path) < 0)
		die("hold: rename %s: %s", tmp, strerror(errno));
}

static int cmd_hold(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	union addr dst;
	long count, parallel, inflight = 0, next = 0, connected = 0, failed = 0;
	long verified = 0;
	double open_secs, max_hold, t0, t_open, deadline;
	int *fds, *st, ep;	/* st: 0 unused, 1 connecting, 2 open, 4 checking, 3 echo ok, -1 failed */
	const char *status;

	if (argc != 7)
		die("usage: rrload hold HOST PORT COUNT PARALLEL OPEN_SECONDS STATUS_FILE MAX_HOLD");
	dst = addr_of(argv[0], num(argv[1], "PORT"));
	count = num(argv[2], "COUNT");
	parallel = num(argv[3], "PARALLEL");
	open_secs = num(argv[4], "OPEN_SECONDS");
	status = argv[5];
	max_hold = num(argv[6], "MAX_HOLD");
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	fds = calloc(count, sizeof(*fds));
	st = calloc(count, sizeof(*st));
	ep = epoll_create1(0);
	t0 = now();
	deadline = t0 + open_secs;

	/* Open: PARALLEL connects in flight until COUNT or the deadline. */
	while ((next < count && now() < deadline) || inflight) {
		int n;

		while (next < count && inflight < parallel && now() < deadline) {
			fds[next] = start_connect(&dst, NULL);
			if (fds[next] < 0) {
				st[next++] = -1;
				failed++;
				continue;
			}
			st[next] = 1;
			ep_ctl(ep, EPOLL_CTL_ADD, fds[next], EPOLLOUT, next);
			next++;
			inflight++;
		}
		if (now() > deadline + 5)
			break;
		n = epoll_wait(ep, evs, MAX_EVENTS, 50);
		for (int k = 0; k < n; k++) {
			long i = evs[k].data.u64;

			if (st[i] != 1)
				continue;
			inflight--;
			if (sock_error(fds[i])) {
				st[i] = -1;
				failed++;
				ep_ctl(ep, EPOLL_CTL_DEL, fds[i], 0, 0);
				close(fds[i]);
				continue;
			}
			st[i] = 2;
			connected++;
			/*
			 * Out of the set until its check: a connection reset
			 * meanwhile would be ready for ever and, level-triggered,
			 * crowd out the events that matter.
			 */
			ep_ctl(ep, EPOLL_CTL_DEL, fds[i], 0, 0);
		}
	}
	t_open = now() - t0;

	/*
	 * Check: one byte each way on every open connection, at most
	 * CHECK_WINDOW at a time. A burst of thousands overflows UML's network
	 * queues, and the retransmissions would take longer than the check.
	 */
	deadline = now() + 120;
	for (long i = 0, outstanding = 0; (i < next || outstanding) && now() < deadline;) {
		int n;

		for (; i < next && outstanding < CHECK_WINDOW; i++) {
			if (st[i] != 2)
				continue;
			if (send(fds[i], "h", 1, MSG_NOSIGNAL) == 1) {
				st[i] = 4;
				outstanding++;
				ep_ctl(ep, EPOLL_CTL_ADD, fds[i], EPOLLIN, i);
			}
		}
		n = epoll_wait(ep, evs, MAX_EVENTS, 100);
		for (int k = 0; k < n; k++) {
			long j = evs[k].data.u64;
			ssize_t r;
			char c;

			if (st[j] != 4)
				continue;
			r = read(fds[j], &c, 1);
			if (r < 0 && errno == EAGAIN)
				continue;
			outstanding--;
			if (r == 1) {
				st[j] = 3;
				verified++;
				ep_ctl(ep, EPOLL_CTL_DEL, fds[j], 0, 0);
			} else {
				/* Closed or reset by the way: it will never echo. */
				st[j] = -1;
				close(fds[j]);
			}
		}
	}
	write_status(status, "hold attempted=%ld connected=%ld failed=%ld held=%ld "
		     "open_secs=%.2f pid=%d\n", next, connected, failed, verified,
		     t_open, (int)getpid());
	t0 = now();
	while (!released && now() - t0 < max_hold)
		usleep(50000);
	printf("hold attempted=%ld connected=%ld failed=%ld held=%ld open_secs=%.2f\n",
	       next, connected, failed, verified, t_open);
	/*
	 * Orderly closes, paced: a burst of RSTs loses some, and the peers then
	 * keep stale connections that disturb the next case.
	 */
	for (long i = 0; i < next; i++) {
		if (st[i] >= 1)
			close(fds[i]);
		if (i % CLOSE_BATCH == CLOSE_BATCH - 1)
			usleep(50000);
	}
	usleep(500000);
	return 0;
}

/* ---- dns ---- */

#define DNS_TIMEOUT 1.0

struct query {
	double sent;		/* 0: not outstanding */
	int sock;
};

static size_t dns_query(unsigned char *p, uint16_t id, const char *name)
{
	size_t n = 12;
	const char *label = name;

	memset(p, 0, 12);
	p[0] = id >> 8;
	p[1] = id;
	p[2] = 0x01;		/* RD */
	p[5] = 1;		/* QDCOUNT */
	while (*label) {
		const char *dot = strchrnul(label, '.');
		size_t len = dot - label;

		p[n++] = len;
		memcpy(p + n, label, len);
		n += len;
		label = *dot ? dot + 1 : dot;
	}
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = 1;		/* A */
	p[n++] = 0;
	p[n++] = 1;		/* IN */
	return n;
}

static int cmd_dns(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	union addr dst;
	static struct query q[65536];
	unsigned char pkt[512], buf[4096];
	unsigned long sent = 0, answered = 0, lost = 0, bad = 0, send_err = 0;
	long window, nsock, outstanding = 0;
	uint32_t seq = 0, head = 0;
	double secs, t0, t_end;
	int *socks, ep;

	if (argc != 6)
		die("usage: rrload dns HOST PORT SECONDS WINDOW SOCKETS NAME");
	dst = addr_of(argv[0], num(argv[1], "PORT"));
	secs = num(argv[2], "SECONDS");
	window = num(argv[3], "WINDOW");
	nsock = num(argv[4], "SOCKETS");
	if (window < 1 || window > 4096 || nsock < 1 || nsock > 1024)
		die("dns: WINDOW must be 1..4096, SOCKETS 1..1024");
	socks = calloc(nsock, sizeof(*socks));
	ep = epoll_create1(0);
	for (long i = 0; i < nsock; i++) {
		socks[i] = socket(dst.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (connect(socks[i], &dst.sa, addr_len(&dst)) < 0)
			die("dns: connect: %s", strerror(errno));
		ep_ctl(ep, EPOLL_CTL_ADD, socks[i], EPOLLIN, i);
	}
	t0 = now();
	t_end = t0 + secs;
	for (;;) {
		double t = now();
		int n;

		/* Retire the oldest queries: answered, or lost after the timeout. */
		while (head != seq) {
			struct query *o = &q[head & 0xffff];

			if (o->sent && t - o->sent < DNS_TIMEOUT)
				break;
			if (o->sent) {
				o->sent = 0;
				lost++;
				outstanding--;
			}
			head++;
		}
		while (t < t_end && outstanding < window && seq - head < 65536) {
			uint16_t id = seq;
			int s = seq % nsock;
			size_t len = dns_query(pkt, id, argv[5]);

			if (send(socks[s], pkt, len, 0) != (ssize_t)len) {
				send_err++;
				break;
			}
			q[id].sent = t;
			q[id].sock = s;
			seq++;
			sent++;
			outstanding++;
		}
		if (t >= t_end && (!outstanding || t > t_end + DNS_TIMEOUT + 0.5))
			break;
		n = epoll_wait(ep, evs, MAX_EVENTS, 10);
		for (int k = 0; k < n; k++) {
			int s = evs[k].data.u64;
			ssize_t r;

			while ((r = recv(socks[s], buf, sizeof(buf), 0)) >= 0) {
				uint16_t id;

				/* QR set, RCODE 0, at least one answer. */
				if (r < 12 || !(buf[2] & 0x80) || (buf[3] & 0x0f) ||
				    !(buf[6] | buf[7])) {
					bad++;
					continue;
				}
				id = buf[0] << 8 | buf[1];
				if (!q[id].sent || q[id].sock != s) {
					bad++;	/* late (already counted lost) or stray */
					continue;
				}
				q[id].sent = 0;
				answered++;
				outstanding--;
			}
		}
	}
	lost += outstanding;
	secs = now() - t0;
	if (secs > (t_end - t0))
		secs = t_end - t0;
	printf("dns secs=%.2f window=%ld sockets=%ld sent=%lu answered=%lu lost=%lu "
	       "late_or_bad=%lu send_errors=%lu rate=%.1f\n", secs, window, nsock, sent,
	       answered, lost, bad, send_err, answered / secs);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		die("usage: rrload serve|rr|connrate|hold|dns ARGS...");
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 2, argv + 2);
	if (!strcmp(argv[1], "rr"))
		return cmd_rr(argc - 2, argv + 2);
	if (!strcmp(argv[1], "connrate"))
		return cmd_connrate(argc - 2, argv + 2);
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc - 2, argv + 2);
	if (!strcmp(argv[1], "dns"))
		return cmd_dns(argc - 2, argv + 2);
	die("unknown mode '%s' (serve, rr, connrate, hold, dns)", argv[1]);
	return 1;
}
