// SPDX-License-Identifier: GPL-2.0
/*
 * relaykit exec agent: runs commands inside a UML guest on behalf of the
 * host (uml/exec.sh), through a spool directory shared over hostfs.
 *
 * Usage: agent SPOOL_DIR
 *
 * Protocol (see docs/rootfs.md and the contract):
 *   host:  ID.argv (NUL-separated argv), optional ID.in, then ID.tmp -> ID.go
 *   agent: ID.go -> ID.run, runs the command in its own session with
 *          stdin ID.in (or /dev/null), stdout ID.out, stderr ID.err;
 *          on exit fsyncs out/err, writes ID.rc.tmp and renames it to ID.rc
 *          (decimal exit code, 128+N for death by signal N).
 *   host:  may create ID.kill; the agent SIGKILLs the job's process group.
 *
 * There is no inotify for hostfs (changes are made by the host, behind the
 * guest kernel's back), so the directory is polled every 20 ms.
 *
 * Built statically on the host (make agent) so the same binary runs in any
 * guest image: gcc -static -O2 -Wall -Wextra -o build/agent uml/guest/agent.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_NS		(20 * 1000 * 1000)
#define ID_MAX		200
/* /usr/local/sbin: relayctl, linked there by init.sh. */
#define CHILD_PATH	"/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"

struct job {
	pid_t pid;
	int killed;
	char id[ID_MAX + 1];
};

static const char *spool;
static int spool_fd;
static struct job *jobs;
static size_t njobs, jobs_cap;

static void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("agent: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* Strip SUFFIX from NAME into ID; 0 when NAME is "<id>SUFFIX" with a sane id. */
static int id_of(const char *name, const char *suffix, char *id)
{
	size_t len = strlen(name), slen = strlen(suffix);

	if (len <= slen || len - slen > ID_MAX || name[0] == '.')
		return -1;
	if (strcmp(name + len - slen, suffix))
		return -1;
	memcpy(id, name, len - slen);
	id[len - slen] = '\0';
	/* The id names several files; a '/' would escape the spool. */
	if (strchr(id, '/'))
		return -1;
	return 0;
}

static void spool_name(char *buf, size_t size, const char *id, const char *ext)
{
	snprintf(buf, size, "%s.%s", id, ext);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * hostfs writes go through the guest's page cache: without fsync the host
 * may read a short ID.out after it has already seen ID.rc.
 */
static void fsync_spool_file(const char *id, const char *ext)
{
	char name[ID_MAX + 16];
	int fd;

	spool_name(name, sizeof(name), id, ext);
	fd = openat(spool_fd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fsync(fd) && errno != EINVAL)
		log_msg("%s: fsync %s: %s", spool, name, strerror(errno));
	close(fd);
}

/* Publish the exit code atomically: the host treats ID.rc as "done". */
static void write_rc(const char *id, int rc)
{
	char tmp[ID_MAX + 16], name[ID_MAX + 16], buf[16];
	int fd, len;

	fsync_spool_file(id, "out");
	fsync_spool_file(id, "err");

	spool_name(tmp, sizeof(tmp), id, "rc.tmp");
	spool_name(name, sizeof(name), id, "rc");
	len = snprintf(buf, sizeof(buf), "%d\n", rc);
	fd = openat(spool_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_msg("%s: create %s: %s", spool, tmp, strerror(errno));
		return;
	}
	if (write_all(fd, buf, len) || fsync(fd))
		log_msg("%s: write %s: %s", spool, tmp, strerror(errno));
	close(fd);
	if (renameat(spool_fd, tmp, spool_fd, name))
		log_msg("%s: rename %s: %s", spool, tmp, strerror(errno));
}

/* Read ID.argv into a NULL-terminated vector; the strings point into it. */
static char **read_argv(const char *id)
{
	char name[ID_MAX + 16], *buf = NULL, **argv;
	size_t len = 0, cap = 0, argc = 0, i, j;
	int fd;

	spool_name(name, sizeof(name), id, "argv");
	fd = openat(spool_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "agent: open %s: %s\n", name, strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			if (!buf)
				goto oom;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "agent: read %s: %s\n", name, strerror(errno));
			close(fd);
			return NULL;
		}
		if (!n)
			break;
		len += n;
	}
	close(fd);
	/* Tolerate a missing final NUL. */
	if (len && buf[len - 1] != '\0')
		buf[len++] = '\0';

	for (i = 0; i < len; i++)
		argc += buf[i] == '\0';
	if (!argc) {
		fprintf(stderr, "agent: %s is empty: no command to run\n", name);
		return NULL;
	}
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv)
		goto oom;
	for (i = 0, j = 0; j < argc; j++) {
		argv[j] = buf + i;
		i += strlen(buf + i) + 1;
	}
	return argv;
oom:
	fprintf(stderr, "agent: out of memory reading %s\n", name);
	return NULL;
}

/*
 * Open spool file ID.EXT onto descriptor TARGET in the child; FALLBACK is
 * opened instead when the spool file does not exist (optional ID.in).
 */
static int redirect(const char *id, const char *ext, int flags, int target,
		    const char *fallback)
{
	char name[ID_MAX + 16];
	int fd;

	spool_name(name, sizeof(name), id, ext);
	fd = openat(spool_fd, name, flags, 0644);
	if (fd < 0 && fallback && errno == ENOENT)
		fd = open(fallback, flags);
	if (fd < 0) {
		fprintf(stderr, "agent: open %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (fd != target) {
		if (dup2(fd, target) < 0)
			return -1;
		close(fd);
	}
	return 0;
}

static void reset_signals(void)
{
	sigset_t set;
	int sig;

	/*
	 * init.sh starts us with '&', which leaves SIGINT/SIGQUIT ignored;
	 * ignored signals survive exec, and commands must behave as usual.
	 */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

/* In the child: set up the job's environment and exec it; never returns. */
static void run_child(const char *id)
{
	char **argv;

	setsid();
	/* stderr first, so every later failure lands in ID.err. */
	if (redirect(id, "err", O_WRONLY | O_CREAT | O_TRUNC, 2, NULL) ||
	    redirect(id, "out", O_WRONLY | O_CREAT | O_TRUNC, 1, NULL) ||
	    redirect(id, "in", O_RDONLY, 0, "/dev/null"))
		_exit(127);

	/* spool_fd is O_CLOEXEC: the command never sees it. */
	argv = read_argv(id);
	if (!argv)
		_exit(127);
	if (chdir("/root") && chdir("/"))
		fprintf(stderr, "agent: chdir: %s\n", strerror(errno));
	setenv("PATH", CHILD_PATH, 1);
	setenv("HOME", "/root", 1);
	execvp(argv[0], argv);
	/* Same codes a shell uses: not executable vs. not found. */
	fprintf(stderr, "agent: exec %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static struct job *job_add(void)
{
	if (njobs == jobs_cap) {
		size_t cap = jobs_cap ? jobs_cap * 2 : 16;
		struct job *n = realloc(jobs, cap * sizeof(*jobs));

		if (!n)
			return NULL;
		jobs = n;
		jobs_cap = cap;
	}
	return &jobs[njobs++];
}

static void start_job(const char *id)
{
	char go[ID_MAX + 16], run[ID_MAX + 16];
	struct job *job;
	pid_t pid;

	/* Claim the job first so it never runs twice. */
	spool_name(go, sizeof(go), id, "go");
	spool_name(run, sizeof(run), id, "run");
	if (renameat(spool_fd, go, spool_fd, run)) {
		if (errno != ENOENT)
			log_msg("%s: rename %s: %s", spool, go, strerror(errno));
		return;
	}

	job = job_add();
	if (!job) {
		log_msg("out of memory for job %s", id);
		write_rc(id, 125);
		return;
	}
	pid = fork();
	if (pid < 0) {
		log_msg("fork for job %s: %s", id, strerror(errno));
		njobs--;
		write_rc(id, 125);
		return;
	}
	if (pid == 0)
		run_child(id);

	job->pid = pid;
	job->killed = 0;
	snprintf(job->id, sizeof(job->id), "%s", id);
}

static struct job *find_job(const char *id)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		if (!strcmp(jobs[i].id, id))
			return &jobs[i];
	return NULL;
}

static void kill_job(struct job *job)
{
	if (job->killed)
		return;
	job->killed = 1;
	/* The child may not have reached setsid() yet: then kill it alone. */
	if (kill(-job->pid, SIGKILL) && errno == ESRCH)
		kill(job->pid, SIGKILL);
	log_msg("job %s: killed on request", job->id);
}

/* Collect every finished child and report its exit code. */
static void reap(void)
{
	for (;;) {
		struct job *job = NULL;
		int status, rc;
		pid_t pid;
		size_t i;

		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		for (i = 0; i < njobs; i++)
			if (jobs[i].pid == pid)
				job = &jobs[i];
		if (!job)
			continue;
		if (WIFSIGNALED(status))
			rc = 128 + WTERMSIG(status);
		else
			rc = WEXITSTATUS(status);
		write_rc(job->id, rc);
		*job = jobs[--njobs];
	}
}

/* One pass over the spool: start new jobs, deliver kill requests. */
static void scan(void)
{
	char id[ID_MAX + 1];
	struct dirent *de;
	DIR *dir;
	int fd;

	/* A fresh descriptor each pass: hostfs readdir asks the host anew. */
	fd = openat(spool_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		log_msg("%s: cannot read spool: %s", spool, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (!id_of(de->d_name, ".go", id)) {
			start_job(id);
		} else if (!id_of(de->d_name, ".kill", id)) {
			struct job *job = find_job(id);

			if (job)
				kill_job(job);
		}
	}
	closedir(dir);
}

/*
 * A .run without a job belongs to an agent that died (or a guest that was
 * rebooted); fail it so that exec.sh reports an error instead of waiting for
 * its timeout.
 */
static void fail_stale_jobs(void)
{
	char id[ID_MAX + 1], name[ID_MAX + 16];
	struct dirent *de;
	int fd, err_fd;
	DIR *dir;

	fd = openat(spool_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		if (id_of(de->d_name, ".run", id))
			continue;
		spool_name(name, sizeof(name), id, "rc");
		if (!faccessat(spool_fd, name, F_OK, 0))
			continue;
		log_msg("job %s: left running by a previous agent, failing it", id);
		spool_name(name, sizeof(name), id, "err");
		err_fd = openat(spool_fd, name,
				O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (err_fd >= 0) {
			dprintf(err_fd, "agent: job lost: the agent restarted while it ran\n");
			close(err_fd);
		}
		write_rc(id, 255);
	}
	closedir(dir);
}

static void sleep_poll(void)
{
	struct timespec ts = { 0, POLL_NS };

	/* An interrupted sleep only shortens one poll interval. */
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s SPOOL_DIR\n", argv[0]);
		return 2;
	}
	spool = argv[1];
	reset_signals();
	/* One line per write: agent.log is read from the host while we run. */
	setvbuf(stderr, NULL, _IOLBF, 0);

	spool_fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (spool_fd < 0) {
		log_msg("cannot open spool dir %s: %s", spool, strerror(errno));
		return 1;
	}
	log_msg("serving %s (pid %d)", spool, (int)getpid());
	fail_stale_jobs();

	for (;;) {
		reap();
		scan();
		sleep_poll();
	}
}
