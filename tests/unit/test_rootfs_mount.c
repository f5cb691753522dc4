/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_rootfs_mount.c - rootfs_prepare/rootfs_finalize for real, as root,
 * without the runtime: a child unshares its namespaces, a grandchild (pid
 * 1 of the new pid namespace) builds the container's filesystem from a
 * config.json text over a busybox rootfs, then checks it from inside and
 * exits with the number of failed checks.  The mount namespace dies with
 * it; the parent then checks that nothing leaked to the host.
 * Skipped when not root.
 */
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
static bool find_mount(const char *mp, struct mi *out)
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

static bool has_opt(const char *opts, const char *o)
{
	size_t n = strlen(o);
	for (const char *p = opts; (p = strstr(p, o)); p += n)
		if ((p == opts || p[-1] == ',' || p[-1] == ' ') &&
		    (p[n] == ',' || p[n] == ' ' || p[n] == ':' || !p[n]))
			return true;
	return false;
}

#define CHECK_MOUNT(mp, type)                                            \
	({                                                               \
		struct mi _m = { 0 };                                    \
		bool _f = find_mount((mp), &_m);                         \
		if (!_f)                                                 \
			printf("# %s:%d: no mount at %s\n", __FILE__, __LINE__, (mp)); \
		CHECK(_f);                                               \
		if (_f && (type))                                        \
			CHECK_STR(_m.fstype, (const char *)(type));       \
		_m;                                                      \
	})

static void check_dev(const char *path, char type, unsigned maj, unsigned min, mode_t mode,
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

static void check_link(const char *path, const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	CHECK(n > 0);
	buf[n > 0 ? n : 0] = '\0';
	CHECK_STR(buf, target);
}

static char *slurp(const char *path)
{
	char *s = NULL;
	struct sk_err e = { 0 };
	if (sk_read_file_at(AT_FDCWD, path, &s, NULL, &e) < 0)
		return sk_xstrdup("");
	return s;
}

static void put(const char *path, const char *text)
{
	struct sk_err e = { 0 };
	CHECK_INT(sk_write_file_at(AT_FDCWD, path, text, strlen(text), O_CREAT | O_TRUNC, 0644,
				   &e), 0);
}

/* -------------------------------------------------------------- bundle */

static void make_bundle(void)
{
	char p[512];
	static const char *dirs[] = { "rootfs", "rootfs/bin", "rootfs/etc", "rootfs/proc",
				      "rootfs/sys", "rootfs/dev", "rootfs/tmp", "rootfs/copyup",
				      "rootfs/copyup/sub", "hostdir", "hostdir/sub" };
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
	const char *json;       /* with %1$s = bundle */
	bool no_pivot;
	bool userns;
	int clone_flags;
	check_fn checks;
};

static void __attribute__((noreturn)) grandchild(const struct scenario *s)
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
		.cfg = cfg, .bundle = bundle, .rootfs = rootfs, .no_pivot = s->no_pivot,
		.new_userns = s->userns, .new_netns = s->clone_flags & CLONE_NEWNET,
		.new_cgroupns = s->clone_flags & CLONE_NEWCGROUP, .log = &log,
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

static int wait_for(pid_t pid)
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
static void run_scenario(const struct scenario *s)
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

/* ------------------------------------------------------ scenario: full */

static const char full_json[] =
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
	"  [\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":"
	"  [\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":"
	"  [\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\",\"options\":"
	"  [\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":"
	"  [\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":"
	"  [\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]},"
	"{\"destination\":\"/mnt/ro\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\",\"options\":"
	"  [\"rbind\",\"ro\",\"nosuid\"]},"
	"{\"destination\":\"/mnt/rro\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\",\"options\":"
	"  [\"rbind\",\"rro\"]},"
	"{\"destination\":\"/mnt/nonrec\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\",\"options\":"
	"  [\"bind\"]},"
	"{\"destination\":\"/etc/hostfile\",\"type\":\"bind\",\"source\":\"%1$s/hostfile\","
	"  \"options\":[\"bind\"]},"
	"{\"destination\":\"/copyup\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":"
	"  [\"tmpcopyup\",\"mode=0700\",\"size=1m\"]},"
	"{\"destination\":\"/mnt/shared\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\",\"options\":"
	"  [\"rbind\",\"shared\"]},"
	"{\"destination\":\"/mnt/slave\",\"source\":\"%1$s/rootfs/mnt/shared\",\"options\":"
	"  [\"bind\",\"slave\"]},"
	"{\"destination\":\"/mnt/private\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\","
	"  \"options\":[\"rbind\",\"rprivate\"]},"
	"{\"destination\":\"/mnt/unbindable\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\","
	"  \"options\":[\"rbind\",\"unbindable\"]},"
	"{\"destination\":\"/escape/skiff-esc\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
	"{\"destination\":\"/up/skiff-up\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
	"{\"destination\":\"/../../dotdot\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
	"{\"destination\":\"/rel-src\",\"type\":\"bind\",\"source\":\"hostdir\","
	"  \"options\":[\"bind\"]}"
	"],\"linux\":{"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	"  {\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"cgroup\"}],"
	"\"devices\":["
	"  {\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":384,"
	"   \"uid\":1000,\"gid\":1001},"
	"  {\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":432},"
	"  {\"path\":\"/dev/sub/zero2\",\"type\":\"c\",\"major\":1,\"minor\":5}],"
	"\"sysctl\":{\"kernel.shmmax\":\"123456789\",\"net.ipv4.ip_forward\":\"1\","
	"  \"kernel.sem\":\"250 32000 32 128\"},"
	"\"maskedPaths\":[\"/proc/keys\",\"/sys/firmware\",\"/proc/does-not-exist\"],"
	"\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\",\"/nope\"]"
	"}}";

static void full_checks(void)
{
	struct mi m;
	struct stat st;
	_cleanup_free_ char *s = NULL;
	int fd;

	/* we are in the rootfs */
	CHECK_INT(stat("/bin/busybox", &st), 0);
	CHECK(stat("/work", &st) < 0 && stat(bundle, &st) < 0);
	m = CHECK_MOUNT("/", NULL);
	CHECK(has_opt(m.mnt_opts, "ro"));
	CHECK(open("/newfile", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS);

	CHECK_MOUNT("/proc", "proc");
	m = CHECK_MOUNT("/dev", "tmpfs");
	CHECK(has_opt(m.super, "size=65536k"));
	CHECK(has_opt(m.super, "mode=755"));
	CHECK(has_opt(m.mnt_opts, "nosuid"));
	m = CHECK_MOUNT("/dev/pts", "devpts");
	CHECK(has_opt(m.super, "ptmxmode=666"));
	CHECK(has_opt(m.super, "mode=620"));
	CHECK(has_opt(m.mnt_opts, "noexec"));
	m = CHECK_MOUNT("/dev/shm", "tmpfs");
	CHECK_INT(stat("/dev/shm", &st), 0);
	CHECK_INT(st.st_mode & 07777, 01777); /* tmpfs's default: not in mountinfo */
	CHECK(has_opt(m.mnt_opts, "nodev"));
	CHECK_MOUNT("/dev/mqueue", "mqueue");
	m = CHECK_MOUNT("/sys", "sysfs");
	CHECK(has_opt(m.mnt_opts, "ro"));
	m = CHECK_MOUNT("/sys/fs/cgroup", "tmpfs");
	CHECK(has_opt(m.mnt_opts, "ro"));
	{
		/* every hierarchy of the host, fresh (new cgroup namespace) */
		FILE *f = fopen("/proc/1/cgroup", "re");
		char line[512];
		int n = 0;
		while (f && fgets(line, sizeof(line), f)) {
			char *c = strchr(line, ':'), *c2 = c ? strchr(c + 1, ':') : NULL;
			if (!c2)
				continue;
			CHECK_STR(c2 + 1, "/\n"); /* we are the root of our cgroupns */
			n++;
		}
		if (f)
			fclose(f);
		CHECK(n > 0);
	}
	if (stat("/sys/fs/cgroup/memory", &st) == 0 || errno != ENOENT) {
		m = CHECK_MOUNT("/sys/fs/cgroup/memory", "cgroup");
		CHECK(has_opt(m.super, "memory"));
		CHECK(has_opt(m.mnt_opts, "ro"));
		CHECK_INT(stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st), 0);
	}

	/* bind mounts */
	s = slurp("/mnt/ro/marker");
	CHECK_STR(s, "marker");
	m = CHECK_MOUNT("/mnt/ro", NULL);
	CHECK(has_opt(m.mnt_opts, "ro"));
	CHECK(has_opt(m.mnt_opts, "nosuid"));
	CHECK(open("/mnt/ro/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS);
	m = CHECK_MOUNT("/mnt/ro/sub", "tmpfs"); /* rbind: the submount came along, */
	CHECK(has_opt(m.mnt_opts, "rw"));         /* "ro" is not recursive */
	m = CHECK_MOUNT("/mnt/rro/sub", "tmpfs");
	CHECK(has_opt(m.mnt_opts, "ro"));         /* "rro" is */
	CHECK(!find_mount("/mnt/nonrec/sub", &m)); /* "bind": no submounts */
	free(s);
	s = slurp("/etc/hostfile");
	CHECK_STR(s, "hostfile");
	free(s);
	s = slurp("/rel-src/marker"); /* source relative to the bundle */
	CHECK_STR(s, "marker");

	/* tmpcopyup */
	m = CHECK_MOUNT("/copyup", "tmpfs");
	CHECK(has_opt(m.super, "mode=700"));
	free(s);
	s = slurp("/copyup/keep");
	CHECK_STR(s, "hello");
	free(s);
	s = slurp("/copyup/sub/deep");
	CHECK_STR(s, "deep");
	check_link("/copyup/link", "keep");

	/* propagation */
	m = CHECK_MOUNT("/mnt/shared", NULL);
	CHECK_CONTAINS(m.optional, "shared:");
	m = CHECK_MOUNT("/mnt/slave", NULL);
	CHECK_CONTAINS(m.optional, "master:");
	m = CHECK_MOUNT("/mnt/private", NULL);
	CHECK(!strstr(m.optional, "shared:") && !strstr(m.optional, "master:"));
	m = CHECK_MOUNT("/mnt/unbindable", NULL);
	CHECK_CONTAINS(m.optional, "unbindable");

	/* destinations through symlinks stay inside */
	CHECK_MOUNT("/var/lib/skiff-esc", "tmpfs");
	CHECK_MOUNT("/tmp/skiff-up", "tmpfs");
	CHECK_MOUNT("/dotdot", "tmpfs");

	/* devices */
	check_dev("/dev/null", 'c', 1, 3, 0660, 0, 0);
	check_dev("/dev/zero", 'c', 1, 5, 0666, 0, 0);
	check_dev("/dev/full", 'c', 1, 7, 0666, 0, 0);
	check_dev("/dev/random", 'c', 1, 8, 0666, 0, 0);
	check_dev("/dev/urandom", 'c', 1, 9, 0666, 0, 0);
	check_dev("/dev/tty", 'c', 5, 0, 0666, 0, 0);
	check_dev("/dev/fuse", 'c', 10, 229, 0600, 1000, 1001);
	check_dev("/dev/sub/zero2", 'c', 1, 5, 0666, 0, 0);
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	if (fd >= 0) {
		char c = 1;
		CHECK_INT(read(fd, &c, 1), 1);
		CHECK_INT(c, 0);
		close(fd);
	}
	check_link("/dev/ptmx", "pts/ptmx");
	check_link("/dev/fd", "/proc/self/fd");
	check_link("/dev/stdin", "/proc/self/fd/0");
	check_link("/dev/stdout", "/proc/self/fd/1");
	check_link("/dev/stderr", "/proc/self/fd/2");

	/* masked and read-only paths */
	if (stat("/proc/keys", &st) == 0) {
		CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	}
	m = CHECK_MOUNT("/sys/firmware", "tmpfs");
	CHECK(has_opt(m.mnt_opts, "ro"));
	m = CHECK_MOUNT("/proc/sys", "proc");
	CHECK(has_opt(m.mnt_opts, "ro"));
	CHECK(has_opt(m.mnt_opts, "nosuid") == has_opt(CHECK_MOUNT("/proc", NULL).mnt_opts, "nosuid"));
	m = CHECK_MOUNT("/proc/bus", "proc");
	CHECK(has_opt(m.mnt_opts, "ro"));
	fd = open("/proc/sys/kernel/shmmax", O_WRONLY | O_CLOEXEC);
	CHECK(fd < 0 && errno == EROFS);

	/* sysctls were written before /proc/sys went read-only */
	free(s);
	s = slurp("/proc/sys/kernel/shmmax");
	CHECK_STR(s, "123456789\n");
	free(s);
	s = slurp("/proc/sys/net/ipv4/ip_forward");
	CHECK_STR(s, "1\n");
	free(s);
	s = slurp("/proc/sys/kernel/sem");
	CHECK_STR(s, "250\t32000\t32\t128\n");

	/* console: a pty of the container's devpts over /dev/console */
	{
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC), unlock = 0, slave;
		struct sk_err e = { 0 };
		struct stat a, b;
		CHECK(master >= 0);
		CHECK_INT(ioctl(master, TIOCSPTLCK, &unlock), 0);
		slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		CHECK(slave >= 0);
		CHECK_INT(rootfs_setup_console(slave, &e), 0);
		if (e.code)
			printf("# console: %s\n", e.msg);
		CHECK_INT(stat("/dev/console", &a), 0);
		CHECK_INT(fstat(slave, &b), 0);
		CHECK(S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev);
		close(slave);
		close(master);
	}

	/* and the rootfs's busybox runs */
	{
		pid_t pid = fork();
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", "test -c /dev/null && exit 7", (char *)NULL);
			_exit(99);
		}
		CHECK_INT(wait_for(pid), 7);
	}
}

/* -------------------------------------------- scenario: --no-pivot */

static const char nopivot_json[] =
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"%1$s/rootfs\"},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],"
	"\"maskedPaths\":[\"/proc/timer_list\"],\"readonlyPaths\":[\"/proc/sys\"]}}";

static void nopivot_checks(void)
{
	struct stat st;
	struct mi m;

	CHECK_INT(stat("/bin/busybox", &st), 0);
	CHECK(stat("/work", &st) < 0);
	CHECK_MOUNT("/proc", "proc");
	m = CHECK_MOUNT("/", NULL);
	CHECK(has_opt(m.mnt_opts, "rw"));
	check_dev("/dev/null", 'c', 1, 3, 0666, 0, 0);
	if (stat("/proc/timer_list", &st) == 0)
		CHECK(S_ISCHR(st.st_mode));
	m = CHECK_MOUNT("/proc/sys", "proc");
	CHECK(has_opt(m.mnt_opts, "ro"));
}

/* ----------------------------------- scenario: rshared root propagation */

static const char rshared_json[] =
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/mnt/a\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}],"
	"\"rootfsPropagation\":\"rshared\"}}";

static void rshared_checks(void)
{
	struct mi m = CHECK_MOUNT("/", NULL);
	CHECK_CONTAINS(m.optional, "shared:");
	m = CHECK_MOUNT("/mnt/a", "tmpfs");
	CHECK_CONTAINS(m.optional, "shared:");
}

/* ---------------------------- scenario: a user namespace (no mknod) */

static const char userns_json[] =
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"  \"options\":[\"nosuid\",\"mode=755\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\"]},"
	"{\"destination\":\"/mnt/ro\",\"type\":\"bind\",\"source\":\"%1$s/hostdir\","
	"  \"options\":[\"rbind\",\"ro\"]}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"user\"},"
	"  {\"type\":\"network\"}],"
	"\"devices\":[{\"path\":\"/dev/loop-control\",\"type\":\"c\",\"major\":10,\"minor\":237}],"
	"\"maskedPaths\":[\"/proc/timer_list\"],\"readonlyPaths\":[\"/proc/sys\"]}}";

static void userns_checks(void)
{
	struct stat st;
	struct mi m;

	/* host nodes bound over empty files */
	check_dev("/dev/null", 'c', 1, 3, 0666, 0, 0);
	CHECK_MOUNT("/dev/null", NULL);
	CHECK_MOUNT("/dev/loop-control", NULL);
	CHECK_INT(stat("/dev/loop-control", &st), 0);
	CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 237));
	m = CHECK_MOUNT("/mnt/ro", NULL);
	CHECK(has_opt(m.mnt_opts, "ro"));
	m = CHECK_MOUNT("/sys", "sysfs");
	CHECK(has_opt(m.mnt_opts, "ro"));
	m = CHECK_MOUNT("/proc/sys", "proc");
	CHECK(has_opt(m.mnt_opts, "ro"));
}

/* --------------------------------------------------------------- tests */

TEST(full_config)
{
	struct scenario s = { .json = full_json,
			      .clone_flags = CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
					     CLONE_NEWNET | CLONE_NEWCGROUP,
			      .checks = full_checks };
	struct stat st;
	run_scenario(&s);
	/* nothing was created on the host through the image's symlinks */
	CHECK(stat("/var/lib/skiff-esc", &st) < 0);
	CHECK(stat("/tmp/skiff-up", &st) < 0);
	CHECK(stat("/dotdot", &st) < 0);
}

TEST(no_pivot)
{
	struct scenario s = { .json = nopivot_json, .no_pivot = true,
			      .clone_flags = CLONE_NEWPID, .checks = nopivot_checks };
	run_scenario(&s);
}

TEST(rshared_root)
{
	struct scenario s = { .json = rshared_json, .clone_flags = CLONE_NEWPID,
			      .checks = rshared_checks };
	run_scenario(&s);
}

TEST(user_namespace_devices)
{
	struct scenario s = { .json = userns_json, .userns = true,
			      .clone_flags = CLONE_NEWPID | CLONE_NEWNET,
			      .checks = userns_checks };
	run_scenario(&s);
}

TEST(nothing_leaked)
{
	_cleanup_free_ char *mi = slurp("/proc/self/mountinfo");
	CHECK(!strstr(mi, bundle));
	CHECK(!strstr(mi, "skiff-test-rootfs"));
	CHECK_INT(sk_rm_rf(bundle), 0);
	CHECK(access(bundle, F_OK) < 0);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("ok 1 # skip test_rootfs_mount needs root\n1..1\n");
		return 0;
	}
	make_bundle();
	RUN(full_config);
	RUN(no_pivot);
	RUN(rshared_root);
	RUN(user_namespace_devices);
	RUN(nothing_leaked);
	return unit_done();
}
