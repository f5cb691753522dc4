/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_rootfs.c - rootfs/ pure logic: options, validation, paths in root. */
#include "../../rootfs/rootfs.h"
#include "../../rootfs/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#define MS_PROPAGATION_MASK (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

static struct oci_mount mnt(const char *dest, const char *src, const char *type, char **opts)
{
	struct oci_mount m = { .destination = (char *)dest,
			       .source = (char *)src,
			       .type = (char *)type,
			       .options = opts };
	m.n_options = sk_strv_len(opts);
	return m;
}

TEST(clean_path)
{
	const char *cases[][2] = {
		{ "/", "/" },
		{ "", "/" },
		{ "/a/b", "/a/b" },
		{ "a/b/", "/a/b" },
		{ "//a//./b/", "/a/b" },
		{ "/a/../b", "/b" },
		{ "../../etc", "/etc" },
		{ "/../..", "/" },
		{ "/a/b/../../../c", "/c" },
		{ "/dev/../../x", "/x" },
		{ "/a/.", "/a" },
		{ "/..a/b..", "/..a/b.." },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = rootfs_clean_path(cases[i][0]);
		CHECK_STR(c, cases[i][1]);
		free(c);
	}
}

TEST(opts_bind_ro)
{
	char *o[] = { "rbind", "ro", "nosuid", "rprivate", NULL };
	struct oci_mount m = mnt("/x", "/tmp", "bind", o);
	struct rootfs_mount_opts r;
	struct sk_err e = { 0 };

	CHECK_INT(rootfs_parse_mount_opts(&m, "mounts[0]", &r, &e), 0);
	CHECK_INT(r.kind, ROOTFS_MNT_BIND);
	CHECK(r.rbind);
	CHECK_INT(r.flags, MS_RDONLY | MS_NOSUID);
	CHECK_INT(r.n_propagation, 1);
	CHECK_INT(r.propagation[0], MS_PRIVATE | MS_REC);
	CHECK(r.data == NULL);
	rootfs_mount_opts_free(&r);
}

TEST(opts_bind_without_type)
{
	char *o[] = { "bind", "shared", "runbindable", "rw", NULL };
	struct oci_mount m = mnt("/x", "/tmp", NULL, o);
	struct rootfs_mount_opts r;
	struct sk_err e = { 0 };

	CHECK_INT(rootfs_parse_mount_opts(&m, "mounts[0]", &r, &e), 0);
	CHECK_INT(r.kind, ROOTFS_MNT_BIND);
	CHECK(!r.rbind);
	CHECK_INT(r.flags, 0);
	CHECK_INT(r.clr_flags & MS_RDONLY, MS_RDONLY);
	CHECK_INT(r.n_propagation, 2);
	CHECK_INT(r.propagation[0], MS_SHARED);
	CHECK_INT(r.propagation[1], MS_UNBINDABLE | MS_REC);
	rootfs_mount_opts_free(&r);
}

TEST(opts_later_wins)
{
	char *o[] = { "ro", "rw", "noexec", "exec", "nodev", NULL };
	struct oci_mount m = mnt("/x", "tmpfs", "tmpfs", o);
	struct rootfs_mount_opts r;

	CHECK_INT(rootfs_parse_mount_opts(&m, "mounts[0]", &r, NULL), 0);
	CHECK_INT(r.flags, MS_NODEV);
	CHECK_INT(r.flags & MS_PROPAGATION_MASK, 0);
	rootfs_mount_opts_free(&r);
}

TEST(opts_tmpfs_data)
{
	char *o[] = { "nosuid",	   "size=65536k", "mode=1777", "x-podman.foo", "nofail", "defaults",
		      "tmpcopyup", "strictatime", NULL };
	struct oci_mount m = mnt("/dev/shm", "shm", "tmpfs", o);
	struct rootfs_mount_opts r;
	struct sk_err e = { 0 };

	CHECK_INT(rootfs_parse_mount_opts(&m, "mounts[2]", &r, &e), 0);
	CHECK_INT(r.kind, ROOTFS_MNT_TMPFS);
	CHECK_INT(r.flags, MS_NOSUID | MS_STRICTATIME);
	CHECK_STR(r.data, "size=65536k,mode=1777");
	CHECK(r.tmpcopyup);
	rootfs_mount_opts_free(&r);
}

TEST(opts_comma_in_one_element)
{
	char *o[] = { "nosuid,noexec,nodev", "newinstance,ptmxmode=0666", "mode=0620", NULL };
	struct oci_mount m = mnt("/dev/pts", "devpts", "devpts", o);
	struct rootfs_mount_opts r;
	struct sk_err e = { 0 };

	CHECK_INT(rootfs_parse_mount_opts(&m, "mounts[3]", &r, &e), 0);
	CHECK_INT(r.kind, ROOTFS_MNT_DEVPTS);
	CHECK_INT(r.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	CHECK_STR(r.data, "newinstance,ptmxmode=0666,mode=0620");
	rootfs_mount_opts_free(&r);
}

TEST(opts_overlay_passthrough)
{
	char *o[] = { "lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "ro", NULL };
	struct oci_mount m = mnt("/x", "overlay", "overlay", o);
	struct rootfs_mount_opts r;

	CHECK_INT(rootfs_parse_mount_opts(&m, "mounts[0]", &r, NULL), 0);
	CHECK_INT(r.kind, ROOTFS_MNT_OTHER);
	CHECK_INT(r.flags, MS_RDONLY);
	CHECK_STR(r.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w");
	rootfs_mount_opts_free(&r);
}

TEST(opts_kinds)
{
	const struct {
		const char *type;
		enum rootfs_mount_kind k;
	} t[] = {
		{ "proc", ROOTFS_MNT_PROC },	 { "sysfs", ROOTFS_MNT_SYSFS },
		{ "mqueue", ROOTFS_MNT_MQUEUE }, { "devpts", ROOTFS_MNT_DEVPTS },
		{ "cgroup", ROOTFS_MNT_CGROUP }, { "cgroup2", ROOTFS_MNT_OTHER },
		{ "tmpfs", ROOTFS_MNT_TMPFS },	 { "bind", ROOTFS_MNT_BIND },
	};
	char *bind_o[] = { "bind", NULL };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct oci_mount m =
			mnt("/x", "src", t[i].type, t[i].k == ROOTFS_MNT_BIND ? bind_o : NULL);
		struct rootfs_mount_opts r;
		CHECK_INT(rootfs_parse_mount_opts(&m, "m", &r, NULL), 0);
		CHECK_INT(r.kind, t[i].k);
		rootfs_mount_opts_free(&r);
	}
	/* bind/rbind options make any type a bind mount (as runc) */
	{
		char *o[] = { "rbind", NULL };
		struct oci_mount m = mnt("/x", "/y", "none", o);
		struct rootfs_mount_opts r;
		CHECK_INT(rootfs_parse_mount_opts(&m, "m", &r, NULL), 0);
		CHECK_INT(r.kind, ROOTFS_MNT_BIND);
		CHECK(r.rbind);
		rootfs_mount_opts_free(&r);
	}
}

TEST(opts_recursive_attrs)
{
	char *o[] = { "rbind", "rro", "rnosuid", "rnoatime", "rnodev", "rdev", NULL };
	struct oci_mount m = mnt("/x", "/y", "bind", o);
	struct rootfs_mount_opts r;

	CHECK_INT(rootfs_parse_mount_opts(&m, "m", &r, NULL), 0);
	CHECK_INT(r.rec_attr_set, 0x1 | 0x2 | 0x10); /* RDONLY NOSUID NOATIME */
	CHECK_INT(r.rec_attr_clr, 0x70 | 0x4);	     /* __ATIME NODEV */
	CHECK_INT(r.flags, 0);
	rootfs_mount_opts_free(&r);
}

TEST(opts_errors)
{
	struct {
		const char *type;
		char *opt;
		const char *msg;
	} t[] = {
		{ "tmpfs", "sizee=1m", "mounts[4]: unknown option \"sizee=1m\" for tmpfs" },
		{ "proc", "hidepid=2,bogus", "unknown option \"bogus\" for proc" },
		{ "sysfs", "foo", "unknown option \"foo\" for sysfs" },
		{ "bind", "idmap", "idmapped mounts are not supported" },
		{ "tmpfs", "remount", "mounts[4]: option \"remount\" is not allowed" },
		{ NULL, "ro", "mounts[4]: no type and no \"bind\"/\"rbind\" option" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *o[] = { "bind", t[i].opt, NULL };
		struct oci_mount m = mnt("/x", "/y", t[i].type,
					 t[i].type && !strcmp(t[i].type, "bind") ? o : o + 1);
		struct rootfs_mount_opts r;
		struct sk_err e = { 0 };
		CHECK(rootfs_parse_mount_opts(&m, "mounts[4]", &r, &e) < 0);
		CHECK_CONTAINS(e.msg, t[i].msg);
		CHECK(r.data == NULL);
	}
}

/* as runc: options that do not apply to a bind mount are ignored */
TEST(opts_bind_ignores_data)
{
	char *o[] = { "rbind", "mode=755", "size=1m", "tmpcopyup", "rpriavte", NULL };
	struct oci_mount m = mnt("/x", "/y", "bind", o);
	struct rootfs_mount_opts r;
	struct sk_err e = { 0 };

	CHECK(rootfs_parse_mount_opts(&m, "mounts[4]", &r, &e) == 0);
	CHECK(r.kind == ROOTFS_MNT_BIND && r.rbind);
	CHECK(r.data == NULL && !r.tmpcopyup);
	rootfs_mount_opts_free(&r);
}

TEST(validate_mount)
{
	char *o[] = { "rbind", NULL };
	struct oci_mount rel = mnt("relative/dir", "/y", "bind", o);
	struct oci_mount nosrc = mnt("/x", NULL, "bind", o);
	struct oci_mount good = mnt("/x", "/y", "bind", o);
	struct sk_err e = { 0 };

	CHECK(rootfs_validate_mount(&rel, "mounts[1]", &e) < 0);
	CHECK_CONTAINS(e.msg, "mounts[1].destination: \"relative/dir\" is not an absolute path");
	CHECK(rootfs_validate_mount(&nosrc, "mounts[2]", &e) < 0);
	CHECK_CONTAINS(e.msg, "mounts[2].source");
	CHECK_INT(rootfs_validate_mount(&good, "mounts[3]", &e), 0);
}

TEST(validate_device)
{
	struct oci_device ok = { .path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229 };
	struct oci_device fifo = { .path = "/dev/sub/fifo", .type = 'p' };
	struct oci_device out = { .path = "/etc/passwd", .type = 'c', .major = 1, .minor = 3 };
	struct oci_device dotdot = { .path = "/dev/../etc/x", .type = 'c', .major = 1, .minor = 3 };
	struct oci_device devitself = { .path = "/dev/", .type = 'c', .major = 1, .minor = 3 };
	struct oci_device rel = { .path = "dev/null", .type = 'c', .major = 1, .minor = 3 };
	struct oci_device badtype = { .path = "/dev/x", .type = 'x' };
	struct oci_device badmode = {
		.path = "/dev/x", .type = 'c', .has_file_mode = true, .file_mode = 020666
	};
	struct oci_device badnum = { .path = "/dev/x", .type = 'b', .major = -1, .minor = 0 };
	struct sk_err e = { 0 };

	CHECK_INT(rootfs_validate_device(&ok, 0, &e), 0);
	CHECK_INT(rootfs_validate_device(&fifo, 0, &e), 0);
	CHECK(rootfs_validate_device(&out, 2, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.devices[2].path: \"/etc/passwd\" is not under /dev");
	CHECK(rootfs_validate_device(&dotdot, 3, &e) < 0);
	CHECK_CONTAINS(e.msg, "not under /dev");
	CHECK(rootfs_validate_device(&devitself, 3, &e) < 0);
	CHECK(rootfs_validate_device(&rel, 1, &e) < 0);
	CHECK_CONTAINS(e.msg, "not an absolute path");
	CHECK(rootfs_validate_device(&badtype, 0, &e) < 0);
	CHECK_CONTAINS(e.msg, "invalid type");
	CHECK(rootfs_validate_device(&badmode, 0, &e) < 0);
	CHECK_CONTAINS(e.msg, "fileMode");
	CHECK(rootfs_validate_device(&badnum, 0, &e) < 0);
	CHECK_CONTAINS(e.msg, "major/minor");
}

static int sysctl_check(const char *key, bool ipc, bool net, bool uts, struct sk_err *e)
{
	struct oci_config c;
	struct oci_kv kv = { .key = (char *)key, .value = "1" };

	memset(&c, 0, sizeof(c));
	c.lnx.sysctl = &kv;
	c.lnx.n_sysctl = 1;
	c.lnx.namespaces[OCI_NS_IPC].present = ipc;
	c.lnx.namespaces[OCI_NS_NET].present = net;
	c.lnx.namespaces[OCI_NS_UTS].present = uts;
	return rootfs_validate_sysctl(&c, e);
}

/* sysctl_check(key, host ipc, host net, host uts): NULL accepted, else
 * refused with a message containing the text. */
TEST(validate_sysctl)
{
	static const struct {
		const char *key;
		bool ipc, net, uts;
		const char *refused;
	} t[] = {
		{ "kernel.shmmax", true, false, false, NULL },
		{ "kernel.msgmnb", true, false, false, NULL },
		{ "kernel.sem", true, false, false, NULL },
		{ "fs.mqueue.msg_max", true, false, false, NULL },
		{ "net.ipv4.ip_forward", false, true, false, NULL },
		{ "kernel.domainname", false, false, true, NULL },
		{ "kernel.hostname", false, false, true, NULL },
		{ "kernel.shmmax", false, true, true,
		  "linux.sysctl.kernel.shmmax: not allowed in the host's ipc namespace" },
		{ "fs.mqueue.msg_max", false, true, true, "" },
		{ "net.ipv4.ip_forward", true, false, true,
		  "net.ipv4.ip_forward: not allowed in the host's network namespace" },
		{ "kernel.domainname", true, true, false, "uts namespace" },
		{ "vm.swappiness", true, true, true,
		  "linux.sysctl.vm.swappiness: not a namespaced sysctl" },
		{ "kernel.shm", true, true, true, "" },
		{ "net..x", true, true, true, "invalid key" },
		{ "net/../../x", true, true, true, "" },
		{ "", true, true, true, "" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sk_err e = { 0 };
		int r = sysctl_check(t[i].key, t[i].ipc, t[i].net, t[i].uts, &e);

		if ((r < 0) != (t[i].refused != NULL))
			printf("# sysctl %s: %d\n", t[i].key, r);
		if (!t[i].refused) {
			CHECK_INT(r, 0);
			continue;
		}
		CHECK(r < 0);
		CHECK_CONTAINS(e.msg, t[i].refused);
	}
}

TEST(validate_sysctl_joined_host_netns)
{
	struct oci_config c;
	struct oci_kv kv = { .key = "net.ipv4.ip_forward", .value = "1" };
	struct sk_err e = { 0 };

	memset(&c, 0, sizeof(c));
	c.lnx.sysctl = &kv;
	c.lnx.n_sysctl = 1;
	c.lnx.namespaces[OCI_NS_NET].present = true;
	c.lnx.namespaces[OCI_NS_NET].path = "/proc/self/ns/net"; /* the host's own */
	CHECK(rootfs_validate_sysctl(&c, &e) < 0);
	CHECK_CONTAINS(e.msg, "host's network namespace");
}

static char *mktmp(void)
{
	char t[] = "/tmp/skiff-test-rootfs.XXXXXX";
	CHECK(mkdtemp(t) != NULL);
	return sk_xstrdup(t);
}

TEST(validate_rootfs_path)
{
	_cleanup_free_ char *b = mktmp();
	_cleanup_free_ char *rootdir = sk_xasprintf("%s/rootfs", b);
	_cleanup_free_ char *missing = sk_xasprintf("root.path: %s/nope: no such directory", b);
	struct oci_config c;
	struct sk_err e = { 0 };
	char *out = NULL;

	memset(&c, 0, sizeof(c));
	c.root_path = "nope";
	CHECK(rootfs_validate(&c, b, &out, &e) < 0);
	CHECK_STR(e.msg, missing);

	CHECK_INT(mkdir(rootdir, 0755), 0);
	c.root_path = "rootfs";
	CHECK_INT(rootfs_validate(&c, b, &out, &e), 0);
	CHECK_STR(out, rootdir);
	free(out);
	out = NULL;
	c.root_path = rootdir; /* absolute */
	CHECK_INT(rootfs_validate(&c, "/nonexistent-bundle", &out, &e), 0);
	CHECK_STR(out, rootdir);
	free(out);

	/* a file is not a rootfs */
	{
		_cleanup_free_ char *f = sk_xasprintf("%s/file", b);
		close(open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
		c.root_path = "file";
		CHECK(rootfs_validate(&c, b, &out, &e) < 0);
		CHECK_CONTAINS(e.msg, "not a directory");
	}
	/* a bad mount is reported by validate too */
	{
		char *o[] = { "bogus", NULL };
		struct oci_mount m = mnt("/x", "tmpfs", "tmpfs", o);
		c.root_path = "rootfs";
		c.mounts = &m;
		c.n_mounts = 1;
		CHECK(rootfs_validate(&c, b, &out, &e) < 0);
		CHECK_CONTAINS(e.msg, "mounts[0]: unknown option \"bogus\"");
	}
	sk_rm_rf(b);
}

/* @fd is open (a failure counts as a failed check); closes it. */
static void opened(int fd)
{
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
}

/* stat of @rel under the directory @root. */
static int stat_in(const char *root, const char *rel, struct stat *st)
{
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", root, rel);

	return stat(p, st);
}

/* Paths are created inside the root even through symlinks pointing out. */
TEST(mkdir_in_root_symlink_escape)
{
	_cleanup_free_ char *b = mktmp();
	_cleanup_free_ char *root = sk_xasprintf("%s/root", b);
	_cleanup_free_ char *p = NULL;
	_cleanup_close_ int rootfd = -1;
	struct sk_err e = { 0 };
	struct stat st;

	CHECK_INT(mkdir(root, 0755), 0);
	p = sk_xasprintf("%s/etc", root);
	CHECK_INT(mkdir(p, 0755), 0);
	free(p);
	p = sk_xasprintf("%s/evil", root);
	CHECK_INT(symlink("/etc", p), 0); /* absolute, to the "host" /etc */
	free(p);
	p = sk_xasprintf("%s/up", root);
	CHECK_INT(symlink("../../../../..", p), 0); /* climbs out */
	free(p);
	p = sk_xasprintf("%s/dangling", root);
	CHECK_INT(symlink("/nonexistent-skiff-dir/sub", p), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(rootfd >= 0);

	opened(rootfs_mkdir_in_root(rootfd, "/evil/skiff-escape-test/x", 0755, &e));
	CHECK_INT(stat_in(root, "etc/skiff-escape-test/x", &st), 0);
	CHECK(stat("/etc/skiff-escape-test", &st) < 0);

	opened(rootfs_mkdir_in_root(rootfd, "/up/skiff-up-test", 0755, &e));
	CHECK_INT(stat_in(root, "skiff-up-test", &st), 0);
	CHECK(stat("/skiff-up-test", &st) < 0);

	/* "../.." in the destination itself is kept inside */
	opened(rootfs_mkdir_in_root(rootfd, "../../skiff-dotdot", 0755, &e));
	CHECK_INT(stat_in(root, "skiff-dotdot", &st), 0);

	/* a file through a dangling absolute symlink: created at its target,
	 * inside the root */
	opened(rootfs_touch_in_root(rootfd, "/dangling/file", 0644, &e));
	CHECK_INT(stat_in(root, "nonexistent-skiff-dir/sub/file", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK(stat("/nonexistent-skiff-dir", &st) < 0);

	/* open_in_root resolves the same way */
	opened(rootfs_open_in_root(rootfd, "/evil/skiff-escape-test", O_PATH | O_DIRECTORY, 0));
	CHECK_INT(rootfs_open_in_root(rootfd, "/evil/passwd-not-here", O_RDONLY, 0), -ENOENT);

	/* the userspace walk (no openat2) agrees */
	{
		const char *paths[] = { "/evil/skiff-escape-test", "/up/skiff-up-test",
					"up/../../evil/skiff-escape-test/x", "/dangling/file" };
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			int a = rootfs_open_in_root(rootfd, paths[i], O_PATH, 0);
			int b = rootfs_open_in_root_walk(rootfd, paths[i], O_PATH, 0);
			struct stat sa, sb;
			CHECK(a >= 0 && b >= 0);
			if (a >= 0 && b >= 0) {
				CHECK_INT(fstat(a, &sa), 0);
				CHECK_INT(fstat(b, &sb), 0);
				CHECK(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev);
			}
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		}
		CHECK_INT(rootfs_open_in_root_walk(rootfd, "/evil/passwd", O_RDONLY, 0), -ENOENT);
		opened(rootfs_open_in_root_walk(rootfd, "/evil/skiff-walk-new", O_CREAT | O_WRONLY,
						0644));
		CHECK_INT(stat_in(root, "etc/skiff-walk-new", &st), 0);
		opened(rootfs_open_in_root_walk(rootfd, "/dangling/file", O_RDONLY, 0));
	}

	/* an existing file is kept; a file in the way of a directory errors */
	opened(rootfs_touch_in_root(rootfd, "/evil/skiff-escape-test", 0644, &e));
	CHECK(rootfs_mkdir_in_root(rootfd, "/dangling/file/sub", 0755, &e) < 0);
	CHECK_CONTAINS(e.msg, "/dangling/file/sub");
	sk_rm_rf(b);
}

/* readonlyPaths/maskedPaths: a place named twice is mounted once; what
 * lies below which path when its turn comes; 20,000 entries. */
TEST(path_plan_duplicates_and_below)
{
	char *canon[] = { "/proc/sys", "/a",   "/proc/sys", NULL, "/a/b",
			  "/a",	       "/c/d", "/c-x",	    "/c", "/" };
	char *mnts[] = { "/", "/proc", "/proc/sys/fs/binfmt_misc", "/a!x" };
	bool skip[10], below[10];
	size_t n = 20000;
	char **big;

	rootfs_plan_compute(canon, 10, mnts, 4, skip, below);
	CHECK(!skip[0] && !skip[1] && skip[2] && !skip[3] && !skip[4] && skip[5]);
	CHECK(!skip[6] && !skip[7] && !skip[8] && !skip[9]);
	/* a mount below; a NULL canon; "/a/b" comes after "/a"; nothing
	 * below "/c/d", "/c-x"; "/c/d" (earlier) below "/c"; all below "/" */
	CHECK(below[0] && below[3]);
	CHECK(!below[1] && !below[4]);
	CHECK(!below[6] && !below[7] && below[8] && below[9]);
	rootfs_plan_compute(canon, 10, NULL, 0, skip, below);
	CHECK(below[1] && below[4] && below[6]);
	/* "/" with no mount but itself, earlier entries below it */
	rootfs_plan_compute(canon + 6, 4, mnts, 1, skip, below);
	CHECK(!below[0] && !below[1] && below[2] && below[3]);

	big = calloc(n, sizeof(char *));
	bool *bs = calloc(n, sizeof(bool)), *bb = calloc(n, sizeof(bool));
	for (size_t i = 0; i < n; i++)
		big[i] = sk_xasprintf("/d/%zu", i % (n / 2));
	rootfs_plan_compute(big, n, mnts, 1, bs, bb);
	size_t dups = 0, nbelow = 0;
	for (size_t i = 0; i < n; i++) {
		dups += bs[i];
		nbelow += bb[i];
	}
	CHECK_INT(dups, n / 2);
	CHECK(!bs[0] && bs[n / 2]);
	/* "/d/1" is below nothing ("/d/10".. are siblings) */
	CHECK_INT(nbelow, 0);
	for (size_t i = 0; i < n; i++)
		free(big[i]);
	free(big);
	free(bs);
	free(bb);
}

int main(void)
{
	RUN(clean_path);
	RUN(opts_bind_ro);
	RUN(opts_bind_without_type);
	RUN(opts_later_wins);
	RUN(opts_tmpfs_data);
	RUN(opts_comma_in_one_element);
	RUN(opts_overlay_passthrough);
	RUN(opts_kinds);
	RUN(opts_recursive_attrs);
	RUN(opts_errors);
	RUN(opts_bind_ignores_data);
	RUN(validate_mount);
	RUN(validate_device);
	RUN(validate_sysctl);
	RUN(validate_sysctl_joined_host_netns);
	RUN(validate_rootfs_path);
	RUN(mkdir_in_root_symlink_escape);
	RUN(path_plan_duplicates_and_below);
	return unit_done();
}
