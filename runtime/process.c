/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.c - process_validate() in the parent and process_apply() in the
 * container's init: the order in which the process's security context is
 * put in place.
 *
 * Where seccomp goes.  seccomp(SECCOMP_SET_MODE_FILTER) needs either
 * no_new_privs or CAP_SYS_ADMIN (effective, in the current user ns).
 *  - noNewPrivileges true: no_new_privs is set and the filter is loaded
 *    last, right before the caller's execveat, so the profile only has to
 *    allow the exec itself (execve/execveat, and what the exec'd stub uses).
 *  - noNewPrivileges false and CAP_SYS_ADMIN stays in the effective set:
 *    also loaded last - we are still privileged after capset.
 *  - noNewPrivileges false and CAP_SYS_ADMIN dropped: no_new_privs cannot
 *    be set "temporarily" (it is one-way), so the filter is loaded before
 *    the bounding-set drop / user switch / capset, while still privileged.
 *    This is what runc does, with the same documented consequence: the
 *    profile must then also allow prctl, setgroups, setresgid, setresuid,
 *    capset, umask, the exec and, when the cwd is only reachable as the
 *    container's user, openat2, fchdir and getcwd (Docker's default
 *    profile does).
 *    A failure there is reported naming the step that was denied.
 */
#include "process.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define CAP_SYS_ADMIN_BIT 21
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool seccomp_late(const struct oci_process *p)
{
	if (p->no_new_privileges)
		return true;
	return p->caps.present && (p->caps.effective & (UINT64_C(1) << CAP_SYS_ADMIN_BIT));
}

static int load_seccomp(const struct process_ctx *c, const char *when, struct sk_err *e)
{
	int fd = -1, r;

	if (c->seccomp && c->seccomp->needs_notify && !c->listener)
		return sk_err_set(e, ENOTSUP, "linux.seccomp: SCMP_ACT_NOTIFY needs a listener");
	r = sk_seccomp_load_listener(c->seccomp, &fd, e);
	if (r < 0)
		return r;
	if (fd >= 0) {
		r = c->listener(fd, c->opaque, e);
		close(fd);
		if (r < 0)
			return r;
	}
	sk_debug(c->log, "seccomp filter loaded %s (%u instructions)", when,
		 sk_seccomp_prog_len(c->seccomp));
	return 0;
}

/* A step failed after an early seccomp load: say that the profile may be
 * the cause, since the error alone (EPERM) would be puzzling. */
static int hint_seccomp(const struct process_ctx *c, bool early_loaded, int r, struct sk_err *e)
{
	if (early_loaded && c->seccomp)
		return sk_err_prefix(e,
				     "(seccomp profile loaded before this step, as noNewPrivileges is false)");
	return r;
}

/* chdir to @cwd resolved in the current root (the container's): openat2
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, so neither ".." nor a symlink
 * nor a /proc/self/fd/N magic link leads out of it.  0 or -errno. */
static int enter_cwd(const char *cwd)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;

	if (root < 0)
		return -errno;
	fd = rootfs_open_in_root(root, cwd, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	if (fchdir(fd) < 0)
		return -errno;
	return 0;
}

/* Is the working directory below the current root?  The kernel's getcwd
 * starts with "(unreachable)" when it is not (runc's check).  A path too
 * long for it is checked by walking "..": the walk stops at our root, and
 * from outside it never meets the root. */
static int cwd_inside_root(void)
{
	char buf[PATH_MAX + 1];
	struct stat root, cur, up;
	_cleanup_close_ int fd = -1;
	long n = syscall(SYS_getcwd, buf, sizeof(buf));

	if (n > 0)
		return buf[0] == '/' ? 0 : -EXDEV;
	if (errno != ENAMETOOLONG)
		return -errno;
	if (stat("/", &root) < 0)
		return -errno;
	fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int depth = 0; fd >= 0 && depth < PATH_MAX; depth++) {
		int parent;

		if (fstat(fd, &cur) < 0)
			return -errno;
		if (cur.st_dev == root.st_dev && cur.st_ino == root.st_ino)
			return 0;
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0)
			return -errno;
		close(fd);
		fd = parent;
		if (fstat(fd, &up) < 0)
			return -errno;
		if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
			return -EXDEV; /* the top of another tree */
	}
	return fd < 0 ? -errno : -EXDEV;
}

/* process.cwd, resolved inside the container and verified to be there
 * after the chdir (CVE-2024-21626).  0, or -errno with @e filled in;
 * EACCES and EPERM come back with @e untouched (retried as the user). */
static int set_cwd(const char *cwd, bool quiet_eacces, struct sk_err *e)
{
	int r = enter_cwd(cwd);

	if (r == -ELOOP || r == -EXDEV)
		return sk_err_set(e, EXDEV,
				  "process.cwd %s: refused: it leads out of the container's root (a /proc magic link or a symlink loop)",
				  cwd);
	if (r < 0) {
		if (quiet_eacces && (r == -EACCES || r == -EPERM))
			return r;
		return sk_err_sys(e, -r, "process.cwd: %s", cwd);
	}
	r = cwd_inside_root();
	if (r == -EXDEV)
		return sk_err_set(e, EXDEV,
				  "process.cwd %s: refused: the working directory is outside the container's root",
				  cwd);
	if (r < 0)
		return sk_err_sys(e, -r, "process.cwd %s: cannot verify it is inside the container",
				  cwd);
	return 0;
}

typedef int (*attr_fn)(const struct oci_process *p, struct sk_err *e);

static int apply_all(const struct oci_process *p, const attr_fn *fns, size_t n, struct sk_err *e)
{
	for (size_t i = 0; i < n; i++) {
		int r = fns[i](p, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int process_apply(const struct process_ctx *c, struct sk_err *e)
{
	/* the attributes set as root, in order (the session keyring between) */
	static const attr_fn first[] = { sk_rlimits_apply, sk_oom_score_adj_apply },
			     then[] = { sk_ioprio_apply, sk_scheduler_apply, sk_lsm_apply };
	const struct oci_process *p = c->p;
	bool late = seccomp_late(p);
	bool early_loaded = false;
	bool chdir_done = false;
	int r;

	if (!p)
		return sk_err_set(e, EINVAL, "process: missing");

	r = apply_all(p, first, sizeof(first) / sizeof(first[0]), e);
	if (r == 0 && c->new_keyring)
		r = sk_keyring_join(c->container_id, c->log, e);
	if (r == 0)
		r = apply_all(p, then, sizeof(then) / sizeof(then[0]), e);
	if (r < 0)
		return r;

	/* cwd first as root (runc): a directory the container user cannot
	 * reach but root can still works.  Permission errors are retried
	 * as the container user below. */
	r = set_cwd(p->cwd, true, e);
	if (r == 0)
		chdir_done = true;
	else if (r != -EACCES && r != -EPERM)
		return r;

	if (c->seccomp && !late) {
		r = load_seccomp(c, "before dropping privileges", e);
		if (r < 0)
			return r;
		early_loaded = true;
	}

	r = sk_caps_drop_bounding(&p->caps, e);
	if (r < 0)
		return hint_seccomp(c, early_loaded, r, e);
	r = sk_user_apply(&p->user, c->log, e);
	if (r < 0)
		return hint_seccomp(c, early_loaded, r, e);
	r = sk_caps_apply(&p->caps, c->log, e);
	if (r < 0)
		return hint_seccomp(c, early_loaded, r, e);

	umask(p->user.has_umask ? (mode_t)p->user.umask : 0022);

	if (!chdir_done && (r = set_cwd(p->cwd, false, e)) < 0)
		return hint_seccomp(c, early_loaded, r, e);

	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hint_seccomp(c, early_loaded,
				    sk_err_sys(e, errno, "process.noNewPrivileges: prctl"), e);

	if (c->seccomp && late) {
		r = load_seccomp(c, "last", e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ------------------------------------------------------------- validate */

int process_validate(const struct oci_process *p, const struct oci_seccomp *s, struct sk_err *e)
{
	int r;

	if (!p)
		return sk_err_set(e, EINVAL, "process: required to start a container");
	if (p->n_args == 0 || !p->args || !p->args[0])
		return sk_err_set(e, EINVAL, "process.args: must have at least one element");
	if (!p->cwd || p->cwd[0] != '/')
		return sk_err_set(e, EINVAL, "process.cwd: \"%s\" is not an absolute path",
				  p->cwd ? p->cwd : "");
	if (p->user.has_umask && p->user.umask > 0777)
		return sk_err_set(e, EINVAL, "process.user.umask: %#o is not a valid umask",
				  p->user.umask);
	r = sk_rlimits_validate(p, e);
	if (r < 0)
		return r;
	if (p->caps.present) {
		uint64_t extra = p->caps.effective & ~p->caps.permitted;
		if (extra)
			return sk_err_set(e, EINVAL,
					  "process.capabilities.effective: capability %d is not in process.capabilities.permitted",
					  __builtin_ctzll(extra));
	}
	r = sk_lsm_validate(p, e);
	if (r < 0)
		return r;
	return sk_seccomp_validate(s, e);
}

/* ------------------------------------------------------ find executable */

/* Go's exec.LookPath rules (what runc uses) plus runc's eaccess check:
 * a regular file (not a directory) with an x bit, and executable for us
 * (which also refuses noexec mounts). */
static int check_exec(const char *path, bool *stat_failed)
{
	struct stat st;

	*stat_failed = false;
	if (stat(path, &st) < 0) {
		*stat_failed = true;
		return -errno;
	}
	if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
		return -EACCES;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

/* @rel resolved against the absolute @cwd (not the current directory, so
 * that the caller may run this before or after chdir). */
static char *join_cwd(const char *cwd, const char *rel)
{
	size_t n;

	while (rel[0] == '.' && rel[1] == '/')
		for (rel += 2; *rel == '/';)
			rel++;
	if (rel[0] == '/')
		return sk_xstrdup(rel);
	if (!cwd || !*cwd)
		cwd = "/";
	n = strlen(cwd);
	if (strcmp(rel, ".") == 0 || !*rel)
		return sk_xstrdup(cwd);
	return sk_xasprintf("%s%s%s", cwd, n && cwd[n - 1] == '/' ? "" : "/", rel);
}

static const char *env_path(const struct oci_process *p)
{
	const char *path = NULL;

	for (size_t i = 0; p->env && p->env[i]; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			path = p->env[i] + 5; /* the last one wins, as in the env */
	return path ? path : DEFAULT_PATH;
}

int process_find_executable(const struct oci_process *p, char **out, struct sk_err *e)
{
	const char *name = p && p->n_args ? p->args[0] : NULL;
	_cleanup_free_ char *pathv = NULL;
	bool stat_failed;
	char *dir;
	int r;

	*out = NULL;
	if (!name)
		return sk_err_set(e, EINVAL, "process.args: must have at least one element");

	if (strchr(name, '/')) {
		_cleanup_free_ char *abs = join_cwd(p->cwd, name);
		r = check_exec(abs, &stat_failed);
		if (r < 0) {
			if (stat_failed)
				return sk_err_sys(e, -r, "exec: \"%s\": stat %s", name, name);
			return sk_err_sys(e, -r, "exec: \"%s\"", name);
		}
		*out = sk_steal_ptr(&abs);
		return 0;
	}

	pathv = sk_xstrdup(env_path(p));
	if (*name) {
		/* strsep keeps empty elements, which mean "." as in POSIX. */
		for (char *rest = pathv; (dir = strsep(&rest, ":"));) {
			_cleanup_free_ char *d = join_cwd(p->cwd, *dir ? dir : ".");
			_cleanup_free_ char *cand =
				sk_xasprintf("%s%s%s", d, d[strlen(d) - 1] == '/' ? "" : "/", name);
			if (check_exec(cand, &stat_failed) == 0) {
				*out = sk_steal_ptr(&cand);
				return 0;
			}
		}
	}
	return sk_err_set(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}
