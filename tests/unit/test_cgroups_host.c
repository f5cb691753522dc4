/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cgroups_host.c - the driver for real on this host's cgroup v1 /
 * hybrid hierarchies (root only; skipped elsewhere).  Everything lives
 * under /skiff-test-<pid> in each hierarchy and is removed at the end.
 * Also loads the v2 eBPF device program into a throwaway cgroup of the
 * unified hierarchy when there is one.
 */
#include "internal.h"
#include "../../cgroups/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static enum sk_cg_mode mode;
static char top[64];

static struct oci_config *cfg_of(const char *cgpath, const char *resources, const char *ann)
{
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	char *j = sk_xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			       "\"annotations\":{%s},"
			       "\"linux\":{\"cgroupsPath\":\"%s\",\"resources\":%s}}",
			       ann ? ann : "", cgpath, resources);
	if (oci_config_parse(j, strlen(j), &c, &e) < 0)
		printf("# parse: %s\n", e.msg);
	free(j);
	return c;
}

static char *get_all(const char *ctrl, const char *rel, const char *file)
{
	char *p = sk_xasprintf("/sys/fs/cgroup/%s%s/%s", ctrl, rel, file), *t = NULL;
	struct sk_err e;
	if (sk_read_file_at(AT_FDCWD, p, &t, NULL, &e) < 0)
		t = NULL;
	free(p);
	return t;
}

/* The first line of the file (get_all without the newline). */
static char *get(const char *ctrl, const char *rel, const char *file)
{
	char *t = get_all(ctrl, rel, file);

	if (t)
		t[strcspn(t, "\n")] = '\0';
	return t;
}

/* The first line of the file is @want. */
static void check_get(const char *ctrl, const char *rel, const char *file, const char *want)
{
	char *t = get(ctrl, rel, file);

	if (!t || strcmp(t, want))
		printf("# %s%s/%s\n", ctrl, rel, file);
	CHECK_STR(t, want);
	free(t);
}

static bool exists(const char *ctrl, const char *rel)
{
	char *p = sk_xasprintf("/sys/fs/cgroup/%s%s", ctrl, rel);
	bool r = access(p, F_OK) == 0;
	free(p);
	return r;
}

static void rm_top(void)
{
	static const char *const ctrls[] = { "cpu",	"cpuacct", "cpuset",	  "memory",
					     "devices", "freezer", "blkio",	  "pids",
					     "systemd", "unified", "cpu,cpuacct", "net_cls",
					     "hugetlb" };
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		char *p = sk_xasprintf("/sys/fs/cgroup/%s%s", ctrls[i], top);
		rmdir(p);
		free(p);
	}
}

TEST(lifecycle)
{
	char *path = sk_xasprintf("%s/c1", top), *t, *ser, *json = NULL;
	char state[] = "/tmp/skiff-test-state-XXXXXX";
	struct oci_config *c = cfg_of(path,
				      "{\"memory\":{\"limit\":67108864,\"swappiness\":10},"
				      "\"pids\":{\"limit\":50},"
				      "\"cpu\":{\"shares\":512,\"quota\":20000,\"period\":100000},"
				      "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}",
				      NULL);
	struct sk_cgroup_req req = { .state_root = mkdtemp(state), .id = "c1", .cfg = c };
	struct sk_cgroup *cg = NULL, *cg2 = NULL;
	struct sk_err e = { 0 };
	pid_t child, *pids = NULL;
	size_t n = 0;
	int st;

	if (!c)
		return;
	CHECK_INT(sk_cgroup_create(&req, &cg, &e), 0);
	if (!cg) {
		printf("# create: %s\n", e.msg);
		goto out;
	}
	CHECK_STR(sk_cgroup_path(cg), path);
	CHECK(sk_cgroup_placement(cg) == NULL);
	check_get("memory", path, "memory.limit_in_bytes", "67108864");
	check_get("memory", path, "memory.swappiness", "10");
	check_get("pids", path, "pids.max", "50");
	check_get("cpu", path, "cpu.shares", "512");
	check_get("cpu", path, "cpu.cfs_quota_us", "20000");
	t = get("cpuset", path, "cpuset.cpus");
	CHECK(t && *t);
	free(t);
	t = get_all("devices", path, "devices.list");
	CHECK_CONTAINS(t, "c 1:3 rwm");
	CHECK(t && !strstr(t, "a *:* rwm"));
	free(t);
	if (mode == SK_CG_HYBRID)
		CHECK(exists("unified", path));

	/* the state string brings the same cgroup back */
	ser = sk_cgroup_serialize(cg);
	CHECK_INT(sk_cgroup_load(NULL, req.state_root, "c1", ser, &cg2, &e), 0);
	free(ser);

	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CHECK_INT(sk_cgroup_enter(cg2, child, &e), 0);
	CHECK_INT(sk_cgroup_pids(cg2, &pids, &n, &e), 0);
	CHECK_INT(n, 1);
	if (n)
		CHECK_INT(pids[0], child);
	free(pids);
	t = get("memory", path, "cgroup.procs");
	CHECK_INT(t ? atoi(t) : 0, child);
	free(t);

	CHECK_INT(sk_cgroup_freeze(cg2, true, &e), 0);
	CHECK_INT(sk_cgroup_is_frozen(cg2), 1);
	CHECK_INT(sk_cgroup_freeze(cg2, false, &e), 0);
	CHECK_INT(sk_cgroup_is_frozen(cg2), 0);

	{
		struct oci_resources r;
		memset(&r, 0, sizeof(r));
		r.memory.limit.set = true;
		r.memory.limit.v = 33554432;
		CHECK_INT(sk_cgroup_update(cg2, &r, &e), 0);
		check_get("memory", path, "memory.limit_in_bytes", "33554432");
		check_get("pids", path, "pids.max", "50"); /* untouched */
	}

	CHECK_INT(sk_cgroup_stats_json(cg2, "c1", &json, &e), 0);
	CHECK_CONTAINS(json, "\"pids\":{\"current\":1,\"limit\":50}");
	CHECK_CONTAINS(json, "\"limit\":33554432");
	free(json);

	{
		struct sk_cg_oom *o = NULL;
		CHECK_INT(sk_cg_oom_open(cg2, &o, &e), 0);
		if (o)
			CHECK_INT(sk_cg_oom_read(o, &e), 0);
		sk_cg_oom_close(o);
	}

	/* freeze, then delete --force: killed although frozen, all gone */
	{
		char *sib = sk_xasprintf("/sys/fs/cgroup/memory%s/sibling", top);
		CHECK_INT(mkdir(sib, 0755), 0); /* another container under the parent */
		free(sib);
	}
	CHECK_INT(sk_cgroup_freeze(cg2, true, &e), 0);
	CHECK_INT(sk_cgroup_destroy(cg2, true, &e), 0);
	CHECK_INT(waitpid(child, &st, 0), child);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(!exists("memory", path));
	CHECK(!exists("cpu", path));
	CHECK(!exists("unified", path));
	CHECK(exists("memory", top)); /* the parent stays for other containers */
	CHECK(!exists("cpu", top));   /* an empty skiff* parent goes */
	{
		char *sib = sk_xasprintf("/sys/fs/cgroup/memory%s/sibling", top);
		CHECK_INT(rmdir(sib), 0);
		free(sib);
	}
	CHECK_INT(sk_cgroup_destroy(cg, false, &e), 0); /* twice is fine */
out:
	sk_cgroup_free(cg);
	sk_cgroup_free(cg2);
	oci_config_free(c);
	sk_rm_rf(req.state_root);
	free(path);
}

TEST(failure_leaves_nothing)
{
	char *path = sk_xasprintf("%s/new/bad", top);
	char *newdir = sk_xasprintf("%s/new", top);
	char state[] = "/tmp/skiff-test-state-XXXXXX";
	struct oci_config *c = cfg_of(path, "{\"memory\":{\"limit\":2000000,\"swap\":1000000}}",
				      "\"org.skiff.numa.cpus\":\"1\"");
	struct sk_cgroup_req req = { .state_root = mkdtemp(state), .id = "bad", .cfg = c };
	struct sk_cgroup *cg = NULL;
	struct sk_err e = { 0 };
	struct sk_cpuset occ;

	if (!c)
		return;
	CHECK(sk_cgroup_create(&req, &cg, &e) < 0);
	CHECK_CONTAINS(e.msg, "swap");
	CHECK(!exists("memory", newdir));
	CHECK(!exists("cpu", newdir));
	CHECK(!exists("unified", newdir));
	CHECK_INT(sk_numa_ledger_occupied(req.state_root, &occ, &e), 0);
	CHECK_INT(sk_cpuset_count(&occ), 0);
	sk_cgroup_free(cg);
	oci_config_free(c);
	sk_rm_rf(req.state_root);
	free(path);
	free(newdir);
}

TEST(placement)
{
	char *path = sk_xasprintf("%s/numa", top), *t, *idd;
	char state[] = "/tmp/skiff-test-state-XXXXXX";
	struct oci_config *c = cfg_of(path, "{}", "\"org.skiff.numa.cpus\":\"1\"");
	struct sk_cgroup_req req = { .state_root = mkdtemp(state), .id = "numa", .cfg = c };
	struct sk_cgroup *cg = NULL;
	struct sk_err e = { 0 };
	struct sk_cpuset occ;
	char *expect;

	if (!c)
		return;
	idd = sk_xasprintf("%s/numa", req.state_root);
	mkdir(idd, 0700);
	CHECK_INT(sk_cgroup_create(&req, &cg, &e), 0);
	if (!cg) {
		printf("# create: %s\n", e.msg);
		goto out;
	}
	CHECK_CONTAINS(sk_cgroup_placement(cg), "nodes=0 cpus=");
	t = get("cpuset", path, "cpuset.cpus");
	expect = sk_xasprintf("nodes=0 cpus=%s", t ? t : "?");
	CHECK_STR(sk_cgroup_placement(cg), expect);
	free(expect);
	free(t);
	check_get("cpuset", path, "cpuset.mems", "0");
	CHECK_INT(sk_numa_ledger_occupied(req.state_root, &occ, &e), 0);
	CHECK_INT(sk_cpuset_count(&occ), 1);
	CHECK_INT(sk_cgroup_set_init_pid(cg, getpid(), &e), 0);
	CHECK_INT(sk_cgroup_destroy(cg, true, &e), 0);
	CHECK_INT(sk_numa_ledger_occupied(req.state_root, &occ, &e), 0);
	CHECK_INT(sk_cpuset_count(&occ), 0);
	CHECK(!exists("cpuset", path));
out:
	sk_cgroup_free(cg);
	oci_config_free(c);
	sk_rm_rf(req.state_root);
	free(idd);
	free(path);
}

TEST(bpf_devices)
{
	char *dir = sk_xasprintf("/sys/fs/cgroup/unified%s-bpf", top);
	struct oci_device_rule rules[] = {
		{ false, 'a', -1, -1, "rwm" },
		{ true, 'c', 1, 3, "r" },   /* /dev/null read only */
		{ true, 'c', 1, 5, "rwm" }, /* /dev/zero */
		{ false, 'c', 1, 5, "w" },  /* ... but not written */
	};
	struct sk_err e = { 0 };
	int fd, st, pipefd[2];
	pid_t child;

	if (mkdir(dir, 0755) < 0) {
		printf("# no unified hierarchy: %s\n", strerror(errno));
		CHECK(mode == SK_CG_V1);
		free(dir);
		return;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK_INT(cg_bpf_attach_devices(fd, rules, 4, &e), 0);
	if (e.code)
		printf("# %s\n", e.msg);
	CHECK(pipe(pipefd) == 0);
	child = fork();
	if (child == 0) {
		char b;
		int res = 0, f;
		close(pipefd[1]);
		(void)!read(pipefd[0], &b, 1); /* wait to be moved */
		f = open("/dev/null", O_RDONLY);
		res |= f < 0 ? 1 : 0;
		f = open("/dev/null", O_WRONLY);
		res |= f >= 0 || errno != EPERM ? 2 : 0;
		f = open("/dev/zero", O_RDONLY);
		res |= f < 0 ? 4 : 0;
		f = open("/dev/zero", O_WRONLY);
		res |= f >= 0 ? 8 : 0;
		f = open("/dev/full", O_RDONLY);
		res |= f >= 0 ? 16 : 0;
		_exit(res);
	}
	close(pipefd[0]);
	{
		char *procs = sk_xasprintf("%s/cgroup.procs", dir), buf[32];
		snprintf(buf, sizeof(buf), "%d", child);
		CHECK_INT(sk_write_file_at(AT_FDCWD, procs, buf, strlen(buf), 0, 0, &e), 0);
		free(procs);
	}
	(void)!write(pipefd[1], "x", 1);
	close(pipefd[1]);
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st));
	CHECK_INT(WEXITSTATUS(st), 0);
	close(fd);
	rmdir(dir);
	free(dir);
}

int main(void)
{
	struct sk_err e;

	if (geteuid() != 0 || sk_cgroup_mode(&mode, &e) < 0 || mode == SK_CG_V2 ||
	    access("/sys/fs/cgroup/memory", F_OK) < 0) {
		printf("ok 1 # SKIP needs root and cgroup v1/hybrid hierarchies\n1..1\n");
		return 0;
	}
	snprintf(top, sizeof(top), "/skiff-test-%d", (int)getpid());
	RUN(lifecycle);
	RUN(failure_leaves_nothing);
	RUN(placement);
	RUN(bpf_devices);
	rm_top();
	return unit_done();
}
