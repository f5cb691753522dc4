/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_rootfs_mount_modes.c - the rootfs set up for real in other modes:
 * --no-pivot, an rshared root, a user namespace (no mknod).  Skipped when
 * not root.
 */
#include "rootfs_mount_fixture.h"

/* run last: no mount is left on the host */
TEST(nothing_leaked)
{
	check_nothing_leaked();
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
	check_ro_mount("/proc/sys", "proc");
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

	/* host nodes bound over empty files */
	check_dev("/dev/null", 'c', 1, 3, 0666, 0, 0);
	CHECK_MOUNT("/dev/null", NULL);
	CHECK_MOUNT("/dev/loop-control", NULL);
	CHECK_INT(stat("/dev/loop-control", &st), 0);
	CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 237));
	check_ro_mount("/mnt/ro", NULL);
	check_ro_mount("/sys", "sysfs");
	check_ro_mount("/proc/sys", "proc");
}

/* --------------------------------------------------------------- tests */

TEST(no_pivot)
{
	struct scenario s = { .json = nopivot_json,
			      .no_pivot = true,
			      .clone_flags = CLONE_NEWPID,
			      .checks = nopivot_checks };
	run_scenario(&s);
}

TEST(rshared_root)
{
	struct scenario s = { .json = rshared_json,
			      .clone_flags = CLONE_NEWPID,
			      .checks = rshared_checks };
	run_scenario(&s);
}

TEST(user_namespace_devices)
{
	struct scenario s = { .json = userns_json,
			      .userns = true,
			      .clone_flags = CLONE_NEWPID | CLONE_NEWNET,
			      .checks = userns_checks };
	run_scenario(&s);
}

int main(void)
{
	if (!mount_tests_setup("test_rootfs_mount_modes"))
		return 0;
	RUN(no_pivot);
	RUN(rshared_root);
	RUN(user_namespace_devices);
	RUN(nothing_leaked);
	return unit_done();
}
