/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lifecycle.c - start, kill, destroy and waiting on a container. */
#define _GNU_SOURCE
#include "internal.h"
#include "ext.h"
#include "process.h"
#include "../cgroups/cgroups.h"
#include "../namespaces/namespaces.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int sk_parse_signal(const char *s)
{
	uint64_t n;

	if (!s || !*s)
		return -EINVAL;
	/* 0: no signal, only the check that the init exists (kill(2)) */
	if (sk_parse_u64(s, &n) == 0)
		return n <= (uint64_t)SIGRTMAX ? (int)n : -EINVAL;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcasecmp(s, signals[i].name))
			return signals[i].sig;
	if (!strcasecmp(s, "RTMIN"))
		return SIGRTMIN;
	if (!strcasecmp(s, "RTMAX"))
		return SIGRTMAX;
	if (!strncasecmp(s, "RTMIN+", 6) && sk_parse_u64(s + 6, &n) == 0 &&
	    n <= (uint64_t)(SIGRTMAX - SIGRTMIN))
		return SIGRTMIN + (int)n;
	if (!strncasecmp(s, "RTMAX-", 6) && sk_parse_u64(s + 6, &n) == 0 &&
	    n <= (uint64_t)(SIGRTMAX - SIGRTMIN))
		return SIGRTMAX - (int)n;
	return -EINVAL;
}

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
		return sk_err_set(e, ESRCH, "container %s is not running", st->id);
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

int sk_container_pids(struct sk_ctx *ctx, const struct sk_state *st, pid_t **pids, size_t *n,
		      struct sk_err *e);

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
static int signal_members(struct sk_ctx *ctx, const struct sk_state *st, int sig,
			  struct sk_err *e)
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
	case SIGCHLD: case SIGCONT: case SIGSTOP: case SIGTSTP: case SIGTTIN:
	case SIGTTOU: case SIGURG: case SIGWINCH:
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
		return sk_err_set(e, ESRCH, "container %s is not running", st->id);
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
			return sk_err_set(e, ESRCH, "container %s is not running", st->id);
		if (r < 0)
			return sk_err_sys(e, -r, "kill container %s", st->id);
	}
	if (paused && sig != SIGKILL)
		return 0;   /* delivered when the container is resumed */
	if (paused)
		thaw_after_kill(ctx, st);
	/* the init is dying: return once it is gone, so that the container is
	 * stopped (and `delete` succeeds) when kill returns */
	if (ends) {
		sk_debug(&ctx->log, "kill %s: waiting for the init %d to exit", st->id,
			 (int)st->pid);
		while (poll(&p, 1, 10000) < 0 && errno == EINTR)
			;
	}
	return 0;
}

/* Fork a child that enters the namespaces of the container's init (user
 * last), so that startContainer hooks resolve and run in the container.
 * Returns the child's pid in the parent, 0 in the child. */
static pid_t fork_into_container(struct sk_ctx *ctx, const struct sk_state *st,
				 struct sk_err *e)
{
	struct ns_plan plan;
	struct sk_err err = { 0 };
	_cleanup_close_ int pidfd = sk_pidfd_open_proven(st->pid, st->start_time);
	pid_t child;
	int r;

	if (pidfd < 0)
		return sk_err_set(e, ESRCH, "container %s: the init is gone", st->id);
	r = ns_plan_from_pid(st->pid, 3, &plan, e);
	if (r < 0)
		return r;
	/* still alive after the namespaces were opened: they are its own */
	if (sk_pidfd_exited(pidfd)) {
		ns_plan_close(&plan);
		return sk_err_set(e, ESRCH, "container %s: the init is gone", st->id);
	}
	child = fork();
	if (child != 0) {
		ns_plan_close(&plan);
		return child < 0 ? sk_err_sys(e, errno, "fork") : child;
	}
	/* skiff code in the container's namespaces: not dumpable, and
	 * nothing of the host open but the --log file */
	prctl(PR_SET_DUMPABLE, 0);
	if ((plan.join_fd[OCI_NS_PID] >= 0 && setns(plan.join_fd[OCI_NS_PID], CLONE_NEWPID) < 0) ||
	    ns_join(&plan, &err) < 0)
		_exit(126);
	if (sk_fds_close_except(3, &ctx->log.fd, 1, &err) < 0)
		_exit(126);
	/* a pid namespace applies to our children: one more fork */
	if (plan.join_fd[OCI_NS_PID] >= 0) {
		pid_t g = fork();
		int st;
		if (g < 0)
			_exit(126);
		if (g > 0) {
			waitpid(g, &st, 0);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 126);
		}
	}
	return 0;
}

/* In the child that runs startContainer hooks: load the container's
 * seccomp filter, so that the hooks run under it as in runc (where they
 * run in the container's init).  There is no listener here: a
 * SCMP_ACT_NOTIFY rule makes its syscall fail with ENOSYS. */
static int load_hook_seccomp(const struct sk_seccomp_prog *p, struct sk_err *e)
{
	struct sk_seccomp_prog copy;

	if (!p)
		return 0;
	copy = *p;
	copy.flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_NEW_LISTENER;
	copy.needs_notify = false;
	return sk_seccomp_load(&copy, e);
}

static int run_start_hooks(struct sk_ctx *ctx, struct sk_state *st, struct sk_err *e)
{
	const struct oci_hook_list *l = &st->cfg->hooks[OCI_HOOK_START_CONTAINER];
	_cleanup_free_ char *json = NULL;
	struct sk_seccomp_prog *seccomp = NULL;
	pid_t child;
	int status, r;

	if (!l->n)
		return 0;
	/* the process is not executed yet: "created" (runc too) */
	json = sk_state_json(st, SK_STATUS_CREATED, false);
	if (st->cfg->process && st->cfg->lnx.seccomp.present) {
		r = sk_seccomp_compile_state_root(ctx, &st->cfg->lnx.seccomp, &seccomp, e);
		if (r < 0)
			return r;
	}
	child = fork_into_container(ctx, st, e);
	if (child < 0) {
		if (seccomp)
			sk_seccomp_free(seccomp);
		return child;
	}
	if (child == 0) {
		struct sk_err err = { 0 };
		if (load_hook_seccomp(seccomp, &err) < 0 ||
		    sk_hooks_run(&ctx->log, l, "startContainer", json, &err) < 0) {
			sk_log(&ctx->log, SK_LOG_ERROR, "%s", err.msg);
			_exit(1);
		}
		_exit(0);
	}
	if (seccomp)
		sk_seccomp_free(seccomp);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sk_err_set(e, ECANCELED, "startContainer hook failed");
	return 0;
}

/* The executable of @pid, as (dev, ino); false when it cannot be seen. */
static bool exe_id(pid_t pid, dev_t *dev, ino_t *ino)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat(path, &sb) < 0)
		return false;
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return true;
}

/* After the start byte: wait (bounded, 2 s) until the init stub has
 * executed the process, so that poststart hooks run "after the
 * user-specified process is executed" (runtime spec, lifecycle step 9). */
static void wait_executed(const struct sk_state *st, dev_t stub_dev, ino_t stub_ino)
{
	for (int i = 0; i < 2000; i++) {
		dev_t dev;
		ino_t ino;
		if (!exe_id(st->pid, &dev, &ino) || dev != stub_dev || ino != stub_ino)
			return;
		if (!sk_pid_alive(st->pid, st->start_time))
			return;
		usleep(1000);
	}
}

int sk_container_start(struct sk_ctx *ctx, struct sk_state *st, int start_fd, struct sk_err *e)
{
	_cleanup_close_ int fifo = -1;
	_cleanup_free_ char *json = NULL;
	char c = 0;
	dev_t stub_dev = 0;
	ino_t stub_ino = 0;
	bool have_stub;
	int r;

	if (!st->cfg->process)
		return sk_err_set(e, EINVAL,
				  "container %s has no process to start (config.json has no process)",
				  st->id);
	r = run_start_hooks(ctx, st, e);
	if (r < 0) {
		struct sk_err kerr = { 0 };
		sk_container_kill(ctx, st, SIGKILL, false, &kerr);
		return r;
	}
	if (start_fd < 0) {
		fifo = openat(st->dirfd, "exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fifo < 0) {
			if (errno == ENXIO)
				return sk_err_set(e, ESRCH, "container %s: the init is gone", st->id);
			return sk_err_sys(e, errno, "container %s: open exec.fifo", st->id);
		}
		start_fd = fifo;
	}
	have_stub = st->cfg->hooks[OCI_HOOK_POSTSTART].n &&
		    exe_id(st->pid, &stub_dev, &stub_ino);
	if (write(start_fd, &c, 1) != 1)
		return sk_err_sys(e, errno, "container %s: start", st->id);
	unlinkat(st->dirfd, "exec.fifo", 0);
	if (!st->cfg->hooks[OCI_HOOK_POSTSTART].n)
		return 0;
	if (have_stub)
		wait_executed(st, stub_dev, stub_ino);
	/* a failing poststart hook is a warning; the others still run */
	json = sk_state_json(st, SK_STATUS_RUNNING, false);
	sk_hooks_run_warn(&ctx->log, &st->cfg->hooks[OCI_HOOK_POSTSTART], "poststart", json);
	return 0;
}

int sk_container_destroy(struct sk_ctx *ctx, struct sk_state *st, struct sk_err *e)
{
	_cleanup_free_ char *json = NULL, *dir = NULL;
	int r;

	if (st->pid > 0) {
		/* only a proven init is signalled and waited for */
		_cleanup_close_ int pidfd = sk_pidfd_open_proven(st->pid, st->start_time);
		if (pidfd >= 0) {
			struct sk_err kerr = { 0 };
			struct pollfd p = { .fd = pidfd, .events = POLLIN };
			sk_container_kill(ctx, st, SIGKILL, true, &kerr);
			sk_pidfd_signal(pidfd, SIGKILL);
			while (poll(&p, 1, 10000) < 0 && errno == EINTR)
				;
		}
	}
	r = sk_ext_destroy(ctx, st, e);
	if (r < 0)
		return r;
	dir = sk_xasprintf("%s/%s", ctx->root, st->id);
	r = sk_rm_rf(dir);
	if (r < 0)
		return sk_err_sys(e, -r, "remove %s", dir);
	/* poststop: after the container is deleted, before delete returns;
	 * each failure is a warning and the remaining hooks still run */
	if (st->cfg && st->cfg->hooks[OCI_HOOK_POSTSTOP].n) {
		json = sk_state_json(st, SK_STATUS_STOPPED, false);
		sk_hooks_run_warn(&ctx->log, &st->cfg->hooks[OCI_HOOK_POSTSTOP], "poststop", json);
	}
	return 0;
}

/* The signals `run` and `exec` forward to the container's process: all
 * but the synchronous ones (and SIGKILL/SIGSTOP, which cannot be caught),
 * whatever their disposition in skiff: a blocked signal is queued even
 * when its disposition is SIG_IGN (a `&` job of a script ignores SIGINT
 * and SIGQUIT), so it reaches the signalfd and is forwarded. */
void sk_forwarded_set(sigset_t *mask)
{
	sigfillset(mask);
	sigdelset(mask, SIGSEGV);
	sigdelset(mask, SIGBUS);
	sigdelset(mask, SIGILL);
	sigdelset(mask, SIGFPE);
}

void sk_block_signals(sigset_t *old)
{
	sigset_t mask;

	sk_forwarded_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, old);
}

void sk_restore_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void sk_unblock_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* The kernel's struct sigaction (x86_64, arm64): glibc's sigaction()
 * refuses the two signals it reserves, which a caller may still have
 * ignored. */
struct k_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

void sk_reset_signals(void)
{
	struct k_sigaction dfl = { .handler = SIG_DFL };

	for (int sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	}
	sk_unblock_signals();
}

void sk_forward_signal(pid_t pid, int pidfd, int sig)
{
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
	else
		kill(pid, sig);   /* our child, not reaped: the pid is still its */
}

int sk_wait_forward(pid_t pid, int pidfd, int *status)
{
	sigset_t mask, old;
	_cleanup_close_ int sfd = -1;
	int st = 0;

	sk_forwarded_set(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	for (;;) {
		struct signalfd_siginfo si;
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (sfd < 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGCHLD || si.ssi_signo == SIGWINCH)
			continue;
		sk_forward_signal(pid, pidfd, (int)si.ssi_signo);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFEXITED(st))
		*status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*status = 128 + WTERMSIG(st);
	else
		*status = 255;
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

int sk_seccomp_compile_state_root(const struct sk_ctx *ctx, const struct oci_seccomp *s,
				  struct sk_seccomp_prog **out, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/seccomp-cache", ctx->root);
	_cleanup_close_ int dirfd = -1;
	struct sk_err ignore = { 0 };

	if (sk_mkdir_p(dir, 0700, &ignore) == 0)
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return sk_seccomp_compile_cached(s, dirfd, out, &ctx->log, e);
}
