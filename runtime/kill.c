/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill.c - the container's processes (`ps`, `kill --all`) and `kill`. */
#define _GNU_SOURCE
#include "internal.h"
#include "ext.h"
#include "../cgroups/cgroups.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static int ns_inode(pid_t pid, const char *ns, ino_t *ino)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns);
	if (stat(path, &sb) < 0)
		return -errno;
	*ino = sb.st_ino;
	return 0;
}

static pid_t stat_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || strlen(p) < 5)
		return -1;
	return (pid_t)strtol(p + 4, NULL, 10);
}

/* Without a cgroup of our own: every process in the init's pid namespace
 * when it has one, else the init and its descendants. */
static int pids_by_proc(const struct sk_state *st, pid_t **out, size_t *n, struct sk_err *e)
{
	ino_t own, theirs;
	bool private_ns;
	DIR *d;
	struct dirent *de;
	pid_t *v = NULL;
	size_t cnt = 0, cap = 0;

	if (ns_inode(st->pid, "pid", &theirs) < 0)
		return sk_err_set(e, ESRCH, "cannot signal container %s: container not running",
				  st->id);
	private_ns = ns_inode(getpid(), "pid", &own) == 0 && own != theirs;
	d = opendir("/proc");
	if (!d)
		return sk_err_sys(e, errno, "open /proc");
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)strtol(de->d_name, NULL, 10);
		ino_t ino;
		bool member;

		if (pid <= 0)
			continue;
		if (private_ns) {
			member = ns_inode(pid, "pid", &ino) == 0 && ino == theirs;
		} else {
			pid_t p = pid;
			member = false;
			for (int depth = 0; p > 1 && depth < 64; depth++) {
				if (p == st->pid) {
					member = true;
					break;
				}
				p = stat_ppid(p);
			}
		}
		if (!member)
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			v = sk_xrealloc(v, cap * sizeof(*v));
		}
		v[cnt++] = pid;
	}
	closedir(d);
	*out = v;
	*n = cnt;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* Every process of the container, each through a pidfd whose process is
 * proven a member: the pidfds are opened on the pids of one scan, and a
 * pid is signalled only when a second scan, made after its pidfd was
 * opened, still finds it (the pidfd then refers to that member, or to a
 * process that has exited).  A pid reused meanwhile outside the
 * container is never signalled. */
static int signal_members(struct sk_ctx *ctx, const struct sk_state *st, int sig, struct sk_err *e)
{
	_cleanup_free_ pid_t *before = NULL, *after = NULL;
	_cleanup_free_ int *fds = NULL;
	size_t n = 0, m = 0;
	int r = sk_container_pids(ctx, st, &before, &n, e);

	if (r < 0)
		return r;
	fds = sk_xcalloc(n ? n : 1, sizeof(int));
	for (size_t i = 0; i < n; i++)
		fds[i] = (int)syscall(SYS_pidfd_open, before[i], 0);
	r = sk_container_pids(ctx, st, &after, &m, e);
	if (r == 0) {
		qsort(after, m, sizeof(pid_t), cmp_pid);
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0 && bsearch(&before[i], after, m, sizeof(pid_t), cmp_pid))
				sk_pidfd_signal(fds[i], sig);
	}
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return r;
}

/* Signals whose default action ends the process (term or core). */
static bool default_fatal(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
	case SIGURG:
	case SIGWINCH:
		return false;
	default:
		return sig > 0;
	}
}

/* Bit @sig of the "FIELD:\t<hex>" mask in /proc/PID/status text. */
static bool mask_has(const char *status, const char *field, int sig)
{
	const char *p = strstr(status, field);
	unsigned long long m;

	if (!p || sscanf(p + strlen(field), " %llx", &m) != 1)
		return false;
	return (m >> (sig - 1)) & 1;
}

/* "NSpid:\t4242\t1": PID 1 of a pid namespace below ours. */
static bool is_child_ns_init(const char *status)
{
	const char *p = strstr(status, "NSpid:");
	int n = 0;
	long last = 0;

	if (!p)
		return false;
	p += 6;
	while (*p && *p != '\n') {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		last = v;
		n++;
		p = end;
	}
	return n >= 2 && last == 1;
}

/* Will @sig end the init as the kernel delivers it?  KILL always; another
 * signal when its default action ends a process and the init neither
 * blocks, ignores nor catches it -- and not when the init is PID 1 of its
 * own pid namespace: the kernel drops those signals when sent from outside
 * (pid_namespaces(7)), so `kill TERM` leaves a plain `sleep` running as
 * PID 1, as with runc. */
static bool signal_ends(pid_t pid, int sig)
{
	_cleanup_free_ char *txt = NULL, *path = NULL;
	struct sk_err ign;

	if (sig == SIGKILL)
		return true;
	if (!default_fatal(sig))
		return false;
	path = sk_xasprintf("/proc/%d/status", (int)pid);
	if (sk_read_file_at(AT_FDCWD, path, &txt, NULL, &ign) < 0)
		return false;
	return !mask_has(txt, "SigBlk:", sig) && !mask_has(txt, "SigIgn:", sig) &&
	       !mask_has(txt, "SigCgt:", sig) && !is_child_ns_init(txt);
}

/* Thaw a paused container after SIGKILL: a task frozen by the v1 freezer
 * dies only once it runs again (runc's kill and delete --force do the
 * same). */
static void thaw_after_kill(struct sk_ctx *ctx, const struct sk_state *st)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	struct sk_err ign = { 0 };

	if (sk_ext_load_cgroup(ctx, st, &cg, &ign) < 0 || !cg || sk_cgroup_is_frozen(cg) != 1)
		return;
	if (sk_cgroup_freeze(cg, false, &ign) < 0)
		sk_warn(&ctx->log, "thaw container %s after SIGKILL: %s", st->id, ign.msg);
}

int sk_container_kill(struct sk_ctx *ctx, const struct sk_state *st, int sig, bool all,
		      struct sk_err *e)
{
	/* the init's identity first: pidfd, then its start time */
	_cleanup_close_ int pidfd = sk_pidfd_open_proven(st->pid, st->start_time);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	bool ends, paused;
	int r;

	if (pidfd == -ESRCH)
		return sk_err_set(e, ESRCH, "cannot signal container %s: container not running",
				  st->id);
	if (pidfd < 0)
		return sk_err_sys(e, -pidfd,
				  "kill container %s: cannot prove the init's identity (pidfd_open)",
				  st->id);
	paused = sk_container_frozen(ctx, st);
	ends = signal_ends(st->pid, sig);
	if (all) {
		r = signal_members(ctx, st, sig, e);
		if (r < 0)
			return r;
	} else {
		r = sk_pidfd_signal(pidfd, sig);
		if (r == -ESRCH)
			return sk_err_set(e, ESRCH,
					  "cannot signal container %s: container not running",
					  st->id);
		if (r < 0)
			return sk_err_sys(e, -r, "kill container %s", st->id);
	}
	if (paused && sig != SIGKILL)
		return 0; /* delivered when the container is resumed */
	if (paused)
		thaw_after_kill(ctx, st);
	/* the init is dying: return once it is gone, so that the container is
	 * stopped (and `delete` succeeds) when kill returns */
	if (ends) {
		sk_debug(&ctx->log, "kill %s: waiting for the init %d to exit", st->id, (int)st->pid);
		while (poll(&p, 1, 10000) < 0 && errno == EINTR)
			;
	}
	return 0;
}

int sk_container_pids(struct sk_ctx *ctx, const struct sk_state *st, pid_t **pids, size_t *n,
		      struct sk_err *e)
{
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	int r = sk_ext_load_cgroup(ctx, st, &cg, e);

	if (r < 0)
		return r;
	if (cg)
		return sk_cgroup_pids(cg, pids, n, e);
	return pids_by_proc(st, pids, n, e);
}
