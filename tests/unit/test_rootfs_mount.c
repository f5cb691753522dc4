/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_rootfs_mount.c - a full config.json mounted for real (see
 * rootfs_mount_fixture.h): mounts, devices, masked paths, sysctls, the
 * console.  Skipped when not root.
 */
#include "rootfs_mount_fixture.h"

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
	int fd;

	/* we are in the rootfs */
	CHECK_INT(stat("/bin/busybox", &st), 0);
	CHECK(stat("/work", &st) < 0 && stat(bundle, &st) < 0);
	check_ro_mount("/", NULL);
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
	check_ro_mount("/sys", "sysfs");
	check_ro_mount("/sys/fs/cgroup", "tmpfs");
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
	check_file("/mnt/ro/marker", "marker");
	m = CHECK_MOUNT("/mnt/ro", NULL);
	CHECK(has_opt(m.mnt_opts, "ro"));
	CHECK(has_opt(m.mnt_opts, "nosuid"));
	CHECK(open("/mnt/ro/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) < 0 && errno == EROFS);
	m = CHECK_MOUNT("/mnt/ro/sub", "tmpfs"); /* rbind: the submount came along, */
	CHECK(has_opt(m.mnt_opts, "rw"));	 /* "ro" is not recursive */
	m = CHECK_MOUNT("/mnt/rro/sub", "tmpfs");
	CHECK(has_opt(m.mnt_opts, "ro"));	   /* "rro" is */
	CHECK(!find_mount("/mnt/nonrec/sub", &m)); /* "bind": no submounts */
	check_file("/etc/hostfile", "hostfile");
	check_file("/rel-src/marker", "marker"); /* source relative to the bundle */

	/* tmpcopyup */
	m = CHECK_MOUNT("/copyup", "tmpfs");
	CHECK(has_opt(m.super, "mode=700"));
	check_file("/copyup/keep", "hello");
	check_file("/copyup/sub/deep", "deep");
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
	check_ro_mount("/sys/firmware", "tmpfs");
	m = CHECK_MOUNT("/proc/sys", "proc");
	CHECK(has_opt(m.mnt_opts, "ro"));
	CHECK(has_opt(m.mnt_opts, "nosuid") == has_opt(CHECK_MOUNT("/proc", NULL).mnt_opts, "nosuid"));
	check_ro_mount("/proc/bus", "proc");
	fd = open("/proc/sys/kernel/shmmax", O_WRONLY | O_CLOEXEC);
	CHECK(fd < 0 && errno == EROFS);

	/* sysctls were written before /proc/sys went read-only */
	check_file("/proc/sys/kernel/shmmax", "123456789\n");
	check_file("/proc/sys/net/ipv4/ip_forward", "1\n");
	check_file("/proc/sys/kernel/sem", "250\t32000\t32\t128\n");

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

TEST(nothing_leaked)
{
	check_nothing_leaked();
}

int main(void)
{
	if (!mount_tests_setup("test_rootfs_mount"))
		return 0;
	RUN(full_config);
	RUN(nothing_leaked);
	return unit_done();
}
