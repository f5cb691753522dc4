/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootfs_mount_fixture.h - rootfs_prepare/rootfs_finalize for real, as root,
 * without the runtime: a child unshares its namespaces, a grandchild (pid
 * 1 of the new pid namespace) builds the container's filesystem from a
 * config.json text over a busybox rootfs, then checks it from inside and
 * exits with the number of failed checks.  The mount namespace dies with
 * it; the parent then checks that nothing leaked to the host.
 */
#ifndef SKIFF_ROOTFS_MOUNT_FIXTURE_H
#define SKIFF_ROOTFS_MOUNT_FIXTURE_H
#include "../../rootfs/rootfs.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>

static char bundle[64];

/* ------------------------------------------------------------- helpers */

struct mi {
	char mountpoint[512], mnt_opts[256], optional[256], fstype[64], super[512];
};

/* The topmost mount at @mp in our mountinfo; false when none. */
static inline bool find_mount(const char *mp, struct mi *out)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		struct mi m;
		char *sep = strstr(line, " - "), *p;
		int n = 0;
		if (!sep)
			continue;
		*sep = '\0';
		memset(&m, 0, sizeof(m));
		if (sscanf(line, "%*d %*d %*s %*s %511s %255s %n", m.mountpoint, m.mnt_opts, &n) < 2)
			continue;
		snprintf(m.optional, sizeof(m.optional), "%s", n ? line + n : "");
		if (sscanf(sep + 3, "%63s %*s %511s", m.fstype, m.super) < 2)
			continue;
		p = strchr(m.super, '\n');
		if (p)
			*p = '\0';
		if (!strcmp(m.mountpoint, mp)) {
			*out = m;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static inline bool has_opt(const char *opts, const char *o)
{
	size_t n = strlen(o);
	for (const char *p = opts; (p = strstr(p, o)); p += n)
		if ((p == opts || p[-1] == ',' || p[-1] == ' ') &&
		    (p[n] == ',' || p[n] == ' ' || p[n] == ':' || !p[n]))
			return true;
	return false;
}

#define CHECK_MOUNT(mp, type)                                                          \
	({                                                                             \
		struct mi _m = { 0 };                                                  \
		bool _f = find_mount((mp), &_m);                                       \
		if (!_f)                                                               \
			printf("# %s:%d: no mount at %s\n", __FILE__, __LINE__, (mp)); \
		CHECK(_f);                                                             \
		if (_f && (type))                                                      \
			CHECK_STR(_m.fstype, (const char *)(type));                    \
		_m;                                                                    \
	})

static inline void check_dev(const char *path, char type, unsigned maj, unsigned min, mode_t mode,
			     uid_t uid, gid_t gid)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		printf("# %s: %s\n", path, strerror(errno));
		CHECK(0);
		return;
	}
	CHECK(type == 'c' ? S_ISCHR(st.st_mode) : S_ISBLK(st.st_mode));
	CHECK_INT(major(st.st_rdev), maj);
	CHECK_INT(minor(st.st_rdev), min);
	CHECK_INT(st.st_mode & 07777, mode);
	CHECK_INT(st.st_uid, uid);
	CHECK_INT(st.st_gid, gid);
}

static inline void check_link(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, target);
}

static inline char *slurp(const char *path)
{
	char *s = NULL;
	struct sk_err e = { 0 };
	if (sk_read_file_at(AT_FDCWD, path, &s, NULL, &e) < 0)
		return sk_xstrdup("");
	return s;
}

static inline void put(const char *path, const char *text)
{
	struct sk_err e = { 0 };
	CHECK_INT(sk_write_file_at(AT_FDCWD, path, text, strlen(text), O_CREAT | O_TRUNC, 0644, &e),
		  0);
}

/* -------------------------------------------------------------- bundle */

static inline void make_bundle(void)
{
	char p[512];
	static const char *dirs[] = { "rootfs",	     "rootfs/bin",    "rootfs/etc",
				      "rootfs/proc", "rootfs/sys",    "rootfs/dev",
				      "rootfs/tmp",  "rootfs/copyup", "rootfs/copyup/sub",
				      "hostdir",     "hostdir/sub" };
	struct sk_err e = { 0 };
	char *bb = NULL;
	size_t len = 0;

	snprintf(bundle, sizeof(bundle), "/tmp/skiff-test-rootfs.XXXXXX");
	CHECK(mkdtemp(bundle) != NULL);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", bundle, dirs[i]);
		CHECK_INT(mkdir(p, 0755), 0);
	}
	CHECK_INT(sk_read_file_at(AT_FDCWD, "/bin/busybox", &bb, &len, &e), 0);
	snprintf(p, sizeof(p), "%s/rootfs/bin/busybox", bundle);
	CHECK_INT(sk_write_file_at(AT_FDCWD, p, bb, len, O_CREAT, 0755, &e), 0);
	free(bb);
	snprintf(p, sizeof(p), "%s/rootfs/bin/sh", bundle);
	CHECK_INT(symlink("busybox", p), 0);
	snprintf(p, sizeof(p), "%s/rootfs/copyup/keep", bundle);
	put(p, "hello");
	snprintf(p, sizeof(p), "%s/rootfs/copyup/link", bundle);
	CHECK_INT(symlink("keep", p), 0);
	snprintf(p, sizeof(p), "%s/rootfs/copyup/sub/deep", bundle);
	put(p, "deep");
	/* symlinks leading out of the rootfs */
	snprintf(p, sizeof(p), "%s/rootfs/escape", bundle);
	CHECK_INT(symlink("/var/lib", p), 0);
	snprintf(p, sizeof(p), "%s/rootfs/up", bundle);
	CHECK_INT(symlink("../../../../../../../../tmp", p), 0);
	snprintf(p, sizeof(p), "%s/hostdir/marker", bundle);
	put(p, "marker");
	snprintf(p, sizeof(p), "%s/hostfile", bundle);
	put(p, "hostfile");
}

/* ----------------------------------------------------- running a config */

typedef void (*check_fn)(void);

struct scenario {
	const char *json; /* with %1$s = bundle */
	bool no_pivot;
	bool userns;
	int clone_flags;
	check_fn checks;
};

static inline void __attribute__((noreturn)) grandchild(const struct scenario *s)
{
	_cleanup_free_ char *json = NULL, *rootfs = NULL;
	struct oci_config *cfg = NULL;
	struct sk_err e = { 0 };
	struct sk_log log = { .fd = -1 };
	char p[128];

	json = sk_xasprintf(s->json, bundle);
	if (oci_config_parse(json, strlen(json), &cfg, &e) < 0) {
		printf("# config: %s\n", e.msg);
		fflush(stdout);
		_exit(100);
	}
	if (rootfs_validate(cfg, bundle, &rootfs, &e) < 0) {
		printf("# validate: %s\n", e.msg);
		fflush(stdout);
		_exit(100);
	}
	struct rootfs_ctx c = {
		.cfg = cfg,
		.bundle = bundle,
		.rootfs = rootfs,
		.no_pivot = s->no_pivot,
		.new_userns = s->userns,
		.new_netns = s->clone_flags & CLONE_NEWNET,
		.new_cgroupns = s->clone_flags & CLONE_NEWCGROUP,
		.log = &log,
	};
	/* a shared submount below the bind source, for rbind/rro checks */
	snprintf(p, sizeof(p), "%s/hostdir/sub", bundle);
	if (mount("tmpfs", p, "tmpfs", 0, NULL) < 0) {
		printf("# mount tmpfs %s: %s\n", p, strerror(errno));
		_exit(100);
	}
	if (rootfs_prepare(&c, &e) < 0) {
		printf("# rootfs_prepare: %s\n", e.msg);
		fflush(stdout);
		_exit(100);
	}
	if (rootfs_finalize(&c, &e) < 0) {
		printf("# rootfs_finalize: %s\n", e.msg);
		fflush(stdout);
		_exit(100);
	}
	if (rootfs_finalize_readonly(&c, &e) < 0) {
		printf("# rootfs_finalize_readonly: %s\n", e.msg);
		fflush(stdout);
		_exit(100);
	}
	if (rootfs_apply_sysctl(cfg, &e) < 0) {
		printf("# rootfs_apply_sysctl: %s\n", e.msg);
		fflush(stdout);
		_exit(100);
	}
	unit_st.cur_failed = 0;
	s->checks();
	fflush(stdout);
	_exit(unit_st.cur_failed > 99 ? 99 : unit_st.cur_failed);
}

static inline int wait_for(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 101;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	printf("# killed by signal %d\n", WTERMSIG(st));
	return 102;
}

/* Run @s in fresh namespaces; the failed checks count as ours. */
static inline void run_scenario(const struct scenario *s)
{
	pid_t pid;
	int r;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		pid_t g;
		if (s->userns) {
			char map[] = "0 0 1";
			if (unshare(CLONE_NEWUSER) < 0 ||
			    sk_write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny", 4, 0, 0,
					     NULL) < 0 ||
			    sk_write_file_at(AT_FDCWD, "/proc/self/uid_map", map, 5, 0, 0, NULL) < 0 ||
			    sk_write_file_at(AT_FDCWD, "/proc/self/gid_map", map, 5, 0, 0, NULL) < 0) {
				printf("# user namespace: %s\n", strerror(errno));
				_exit(100);
			}
		}
		if (unshare(CLONE_NEWNS | s->clone_flags) < 0) {
			printf("# unshare: %s\n", strerror(errno));
			_exit(100);
		}
		g = fork();
		if (g == 0)
			grandchild(s);
		_exit(wait_for(g));
	}
	r = wait_for(pid);
	if (r >= 100)
		printf("# scenario failed before its checks (%d)\n", r);
	unit_st.cur_failed += r;
}

/* ------------------------------------------------------ common checks */

/* The file at @path holds @want. */
static inline void check_file(const char *path, const char *want)
{
	_cleanup_free_ char *s = slurp(path);

	CHECK_STR(s, want);
}

/* A read-only mount at @path (of @type when not NULL). */
static inline void check_ro_mount(const char *path, const char *type)
{
	struct mi m = CHECK_MOUNT(path, type);

	CHECK(has_opt(m.mnt_opts, "ro"));
}

/* After the scenarios: no mount of theirs is left on the host, and the
 * bundle is removed. */
static inline void check_nothing_leaked(void)
{
	_cleanup_free_ char *mi = slurp("/proc/self/mountinfo");
	CHECK(!strstr(mi, bundle));
	CHECK(!strstr(mi, "skiff-test-rootfs"));
	CHECK_INT(sk_rm_rf(bundle), 0);
	CHECK(access(bundle, F_OK) < 0);
}

/* Make the bundle; not root: print the skipped plan of @prog and return
 * false. */
static inline bool mount_tests_setup(const char *prog)
{
	if (geteuid() != 0) {
		printf("ok 1 # skip %s needs root\n1..1\n", prog);
		return false;
	}
	make_bundle();
	return true;
}
#endif
