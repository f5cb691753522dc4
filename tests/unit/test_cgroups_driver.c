/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cgroups_driver.c - the pure parsers (mountinfo, /proc/self/cgroup,
 * cgroupsPath) and the driver on fabricated cgroup directories (plain
 * files in a temp dir): serialize/load, update, stats, freeze state,
 * pids, OOM events.
 */
#include "internal.h"
#include "../../cgroups/internal.h"
#include "unit.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

static const char mountinfo[] =
	"22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
	"30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
	"31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
	"32 30 0:28 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
	"33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw shared:12 - cgroup cgroup rw,cpu,cpuacct\n"
	"34 30 0:30 /docker/x /sys/fs/cgroup/my\\040mem rw shared:13 - cgroup cgroup rw,memory\n"
	"35 22 0:31 / /proc rw - proc proc rw\n";

static const char proc_cgroup[] = "12:memory:/docker/x/sub\n"
				  "4:cpuacct,cpu:/user.slice\n"
				  "1:name=systemd:/init.scope\n"
				  "0::/user.slice/session-1.scope\n";

TEST(parse_mountinfo)
{
	struct cg_mounts m;
	struct sk_err e = { 0 };

	CHECK_INT(cg_parse_mountinfo(mountinfo, &m, &e), 0);
	CHECK_INT(m.n, 4);
	if (m.n == 4) {
		CHECK(m.m[0].v2);
		CHECK_STR(m.m[0].mountpoint, "/sys/fs/cgroup/unified");
		CHECK_STR(m.m[1].ctrls, "name=systemd");
		CHECK_STR(m.m[2].ctrls, "cpu,cpuacct");
		CHECK(!m.m[2].v2);
		CHECK_STR(m.m[3].mountpoint, "/sys/fs/cgroup/my mem");
		CHECK_STR(m.m[3].root, "/docker/x");
		CHECK_STR(m.m[3].ctrls, "memory");
	}
	cg_mounts_clear(&m);
}

TEST(own_path)
{
	char *p;

	p = cg_own_path(proc_cgroup, "cpu,cpuacct");
	CHECK_STR(p, "/user.slice");
	free(p);
	p = cg_own_path(proc_cgroup, "memory");
	CHECK_STR(p, "/docker/x/sub");
	free(p);
	p = cg_own_path(proc_cgroup, "");
	CHECK_STR(p, "/user.slice/session-1.scope");
	free(p);
	p = cg_own_path(proc_cgroup, "name=systemd");
	CHECK_STR(p, "/init.scope");
	free(p);
	CHECK(cg_own_path(proc_cgroup, "cpu") == NULL);
	CHECK(cg_own_path(proc_cgroup, "pids") == NULL);
}

TEST(resolve_path)
{
	struct sk_err e = { 0 };
	char *p = NULL;

	CHECK_INT(cg_resolve_path(NULL, "abc", "/user.slice", &p, &e), 0);
	CHECK_STR(p, "/skiff/abc");
	free(p);
	CHECK_INT(cg_resolve_path("/a//b/", "abc", "/x", &p, &e), 0);
	CHECK_STR(p, "/a/b");
	free(p);
	CHECK_INT(cg_resolve_path("a/b", "abc", "/x/y", &p, &e), 0);
	CHECK_STR(p, "/x/y/a/b");
	free(p);
	CHECK_INT(cg_resolve_path("a", "abc", "/", &p, &e), 0);
	CHECK_STR(p, "/a");
	free(p);
	CHECK_INT(cg_resolve_path("system.slice:libpod:abc", "abc", "/", &p, &e), 0);
	CHECK_STR(p, "/system.slice/libpod-abc.scope");
	free(p);
	CHECK_INT(cg_resolve_path("machine-x.slice:crio:1", "1", "/", &p, &e), 0);
	CHECK_STR(p, "/machine.slice/machine-x.slice/crio-1.scope");
	free(p);
	CHECK(cg_resolve_path("/a/../../etc", "abc", "/", &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.cgroupsPath");
	CHECK(cg_resolve_path("bad:slice", "abc", "/", &p, &e) < 0);
	CHECK(cg_resolve_path(NULL, "../x", "/", &p, &e) < 0);
}

static void put(const char *dir, const char *f, const char *txt)
{
	char *p = sk_xasprintf("%s/%s", dir, f);
	struct sk_err e;
	if (sk_write_file_at(AT_FDCWD, p, txt, strlen(txt), O_CREAT | O_TRUNC, 0644, &e) < 0)
		printf("# %s\n", e.msg);
	free(p);
}

static char *get(const char *dir, const char *f)
{
	char *p = sk_xasprintf("%s/%s", dir, f), *t = NULL;
	struct sk_err e;
	if (sk_read_file_at(AT_FDCWD, p, &t, NULL, &e) < 0)
		t = NULL;
	free(p);
	return t;
}

TEST(serialize_roundtrip)
{
	/* version 0: an older skiff's text record still loads */
	const char *v0 =
		"skiff-cg1 mode=v1 path=/skiff/a%20b ledger=1 "
		"placement=nodes=0%20cpus=2-3 h=cpu,cpuacct@/sys/fs/cgroup/cpu,cpuacct/skiff/a%20b "
		"h=name=systemd@/sys/fs/cgroup/systemd/skiff/a%20b";
	const char *v1 =
		"{\"version\":1,\"mode\":\"v1\",\"path\":\"/skiff/a b\",\"ledger\":true,"
		"\"placement\":\"nodes=0 cpus=2-3\",\"v2\":null,\"unit\":null,\"user\":false,\"hier\":["
		"{\"ctrls\":\"cpu,cpuacct\",\"dir\":\"/sys/fs/cgroup/cpu,cpuacct/skiff/a b\"},"
		"{\"ctrls\":\"name=systemd\",\"dir\":\"/sys/fs/cgroup/systemd/skiff/a b\"}]}";
	struct sk_cgroup *cg = NULL, *cg2 = NULL;
	struct sk_err e = { 0 };
	char *out;

	CHECK_INT(sk_cgroup_load(NULL, "/run/x", "a b", v0, &cg, &e), 0);
	if (!cg)
		return;
	CHECK_STR(sk_cgroup_path(cg), "/skiff/a b");
	CHECK_STR(sk_cgroup_placement(cg), "nodes=0 cpus=2-3");
	CHECK_STR(sk_cgroup_dir(cg, "cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/skiff/a b");
	CHECK_STR(sk_cgroup_dir(cg, "name=systemd"), "/sys/fs/cgroup/systemd/skiff/a b");
	CHECK(sk_cgroup_dir(cg, "memory") == NULL);
	CHECK_INT(sk_cgroup_get_mode(cg), SK_CG_V1);
	CHECK_INT(sk_cgroup_clone_fd(cg), -1);
	out = sk_cgroup_serialize(cg);
	CHECK_STR(out, v1);
	CHECK(!strchr(out, '\n') && !strchr(out, '\t'));
	/* and the record brings the same cgroup back */
	CHECK_INT(sk_cgroup_load(NULL, "/run/x", "a b", out, &cg2, &e), 0);
	if (cg2) {
		char *again = sk_cgroup_serialize(cg2);
		CHECK_STR(again, v1);
		free(again);
		sk_cgroup_free(cg2);
	}
	free(out);
	sk_cgroup_free(cg);
	CHECK(sk_cgroup_load(NULL, "/run/x", "a", "garbage", &cg, &e) < 0);
	CHECK(sk_cgroup_load(NULL, "/run/x", "a", "skiff-cg1 mode=v2 path=/x", &cg, &e) < 0);
	CHECK(sk_cgroup_load(NULL, "/run/x", "a", "{\"version\":1,\"mode\":\"v2\"}", &cg, &e) < 0);
	CHECK_STR(e.msg, "container a: incomplete cgroup state");
	/* a record cut short by a crash: a clear error */
	CHECK(sk_cgroup_load(NULL, "/run/x", "a", "{\"version\":1,\"mode\":\"v", &cg, &e) < 0);
	CHECK_CONTAINS(e.msg, "container a: bad cgroup state: corrupt record: invalid JSON");
	CHECK(sk_cgroup_load(NULL, "/run/x", "a", "{\"mode\":1}", &cg, &e) < 0);
	CHECK_STR(e.msg, "container a: bad cgroup state: corrupt record: mode: not a string");
}

TEST(serialize_odd_strings)
{
	/* a path with a newline, quotes, a backslash and bytes that are not UTF-8 */
	const char *odd = "/sk\niff/\"q\" \\ \xff\xfe\xc3(\xee\xbe\x80 caf\xc3\xa9";
	char *s = sk_xasprintf("skiff-cg1 mode=v1 path=/x ledger=0 h=cpu@%%0A");
	struct sk_cgroup *cg = NULL, *cg2 = NULL;
	struct sk_err e = { 0 };
	char *out;

	CHECK_INT(sk_cgroup_load(NULL, "/run/x", "a", s, &cg, &e), 0);
	free(s);
	if (!cg)
		return;
	CHECK_STR(sk_cgroup_dir(cg, "cpu"), "\n");
	free(cg->path);
	cg->path = sk_xstrdup(odd);
	out = sk_cgroup_serialize(cg);
	CHECK(!strchr(out, '\n'));
	CHECK_CONTAINS(out, "caf\xc3\xa9"); /* UTF-8 stays as it is */
	CHECK_INT(sk_cgroup_load(NULL, "/run/x", "a", out, &cg2, &e), 0);
	if (cg2) {
		CHECK_STR(sk_cgroup_path(cg2), odd);
		CHECK_STR(sk_cgroup_dir(cg2, "cpu"), "\n");
		sk_cgroup_free(cg2);
	}
	free(out);
	sk_cgroup_free(cg);
}

static struct sk_cgroup *fake_v2(char *dir)
{
	struct sk_cgroup *cg = NULL;
	struct sk_err e = { 0 };
	char *s = sk_xasprintf("skiff-cg1 mode=v2 path=/skiff/t ledger=0 v2=%s", dir);
	if (sk_cgroup_load(NULL, "/tmp", "t", s, &cg, &e) < 0)
		printf("# load: %s\n", e.msg);
	free(s);
	return cg;
}

TEST(v2_fake_dir)
{
	char tmpl[] = "/tmp/skiff-test-cgv2-XXXXXX";
	char *dir = mkdtemp(tmpl), *sub, *t, *json = NULL;
	struct sk_cgroup *cg;
	struct oci_resources r;
	struct sk_err e = { 0 };
	pid_t *pids = NULL;
	size_t n = 0;

	static const char *const files[] = { "memory.max", "memory.swap.max", "pids.max",
					     "cpu.weight", "cpu.max",	      "io.weight" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(dir, files[i], "");
	put(dir, "cgroup.freeze", "0\n");
	put(dir, "cgroup.events", "populated 1\nfrozen 0\n");
	put(dir, "cgroup.procs", "42\n7\n");
	put(dir, "cpu.stat",
	    "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n"
	    "nr_periods 3\nnr_throttled 2\nthrottled_usec 7\n");
	put(dir, "memory.current", "4096\n");
	put(dir, "memory.peak", "8192\n");
	put(dir, "memory.stat", "anon 100\nfile 200\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 0\n");
	put(dir, "pids.current", "2\n");
	sub = sk_xasprintf("%s/inner", dir);
	mkdir(sub, 0755);
	put(sub, "cgroup.procs", "9\n42\n");

	cg = fake_v2(dir);
	if (!cg)
		return;
	CHECK(sk_cgroup_clone_fd(cg) >= 0);

	memset(&r, 0, sizeof(r));
	r.memory.limit.set = true;
	r.memory.limit.v = 1048576;
	r.pids.limit.set = true;
	r.pids.limit.v = -1;
	r.cpu.shares.set = true;
	r.cpu.shares.v = 1024;
	CHECK_INT(sk_cgroup_update(cg, &r, &e), 0);
	t = get(dir, "memory.max");
	CHECK_STR(t, "1048576");
	free(t);
	t = get(dir, "pids.max");
	CHECK_STR(t, "max");
	free(t);
	t = get(dir, "cpu.weight");
	CHECK_STR(t, "100");
	free(t);
	t = get(dir, "cpu.max"); /* not set: not written */
	CHECK_STR(t, "");
	free(t);

	/* a write the driver cannot do is an error naming the file */
	memset(&r, 0, sizeof(r));
	r.cpu.idle.set = true;
	CHECK(sk_cgroup_update(cg, &r, &e) < 0);
	CHECK_CONTAINS(e.msg, "cpu.idle");

	CHECK_INT(sk_cgroup_is_frozen(cg), 0);
	put(dir, "cgroup.events", "populated 1\nfrozen 1\n");
	CHECK_INT(sk_cgroup_freeze(cg, true, &e), 0);
	t = get(dir, "cgroup.freeze");
	CHECK(t && t[0] == '1');
	free(t);
	CHECK_INT(sk_cgroup_is_frozen(cg), 1);

	CHECK_INT(sk_cgroup_pids(cg, &pids, &n, &e), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_INT(pids[0], 7);
		CHECK_INT(pids[1], 9);
		CHECK_INT(pids[2], 42);
	}
	free(pids);

	CHECK_INT(sk_cgroup_stats_json(cg, "t", &json, &e), 0);
	CHECK_CONTAINS(json,
		       "{\"type\":\"stats\",\"id\":\"t\",\"data\":{\"cpu\":{\"usage\":"
		       "{\"total\":1500000,\"kernel\":500000,\"user\":1000000},"
		       "\"throttling\":{\"periods\":3,\"throttled_periods\":2,\"throttled_time\":7000}}");
	CHECK_CONTAINS(json,
		       "\"usage\":{\"limit\":1048576,\"usage\":4096,\"max\":8192,\"failcnt\":5}");
	CHECK_CONTAINS(json, "\"cache\":200");
	CHECK_CONTAINS(json, "\"raw\":{\"anon\":100,\"file\":200}");
	CHECK_CONTAINS(json, "\"pids\":{\"current\":2,\"limit\":0}");
	free(json);

	{
		struct sk_cg_oom *o = NULL;
		struct pollfd pfd;
		CHECK_INT(sk_cg_oom_open(cg, &o, &e), 0);
		if (o) {
			CHECK_INT(sk_cg_oom_read(o, &e), 0);
			put(dir, "memory.events", "low 0\nhigh 0\nmax 5\noom 3\noom_kill 2\n");
			pfd.fd = sk_cg_oom_fd(o);
			pfd.events = POLLIN;
			CHECK_INT(poll(&pfd, 1, 1000), 1);
			CHECK_INT(sk_cg_oom_read(o, &e), 2);
			CHECK_INT(sk_cg_oom_read(o, &e), 0);
			sk_cg_oom_close(o);
		}
	}
	sk_cgroup_free(cg);
	free(sub);
	sk_rm_rf(dir);
}

TEST(v1_fake_dirs)
{
	char tmpl[] = "/tmp/skiff-test-cgv1-XXXXXX";
	char *root = mkdtemp(tmpl), *s, *json = NULL, *t;
	char *cpu = sk_xasprintf("%s/cpu", root), *mem = sk_xasprintf("%s/memory", root);
	char *frz = sk_xasprintf("%s/freezer", root);
	struct sk_cgroup *cg = NULL;
	struct oci_resources r;
	struct sk_err e = { 0 };

	mkdir(cpu, 0755);
	mkdir(mem, 0755);
	mkdir(frz, 0755);
	put(cpu, "cpu.shares", "");
	put(cpu, "cpuacct.usage", "123\n");
	put(cpu, "cpuacct.usage_percpu", "100 23 \n");
	put(cpu, "cpuacct.stat", "user 1\nsystem 2\n");
	put(mem, "memory.limit_in_bytes", "9223372036854771712\n");
	put(mem, "memory.usage_in_bytes", "10\n");
	put(mem, "memory.max_usage_in_bytes", "20\n");
	put(mem, "memory.failcnt", "0\n");
	put(mem, "memory.stat", "cache 5\nrss 6\n");
	put(frz, "freezer.state", "THAWED\n");
	s = sk_xasprintf("skiff-cg1 mode=hybrid path=/t ledger=0 h=cpu,cpuacct@%s h=memory@%s "
			 "h=freezer@%s",
			 cpu, mem, frz);
	CHECK_INT(sk_cgroup_load(NULL, "/tmp", "t", s, &cg, &e), 0);
	free(s);
	if (!cg)
		return;
	memset(&r, 0, sizeof(r));
	r.cpu.shares.set = true;
	r.cpu.shares.v = 512;
	CHECK_INT(sk_cgroup_update(cg, &r, &e), 0);
	t = get(cpu, "cpu.shares");
	CHECK_STR(t, "512");
	free(t);
	r.cpu.shares.set = false;
	r.pids.limit.set = true;
	r.pids.limit.v = 5;
	CHECK(sk_cgroup_update(cg, &r, &e) < 0); /* no pids hierarchy */
	CHECK_CONTAINS(e.msg, "pids");

	CHECK_INT(sk_cgroup_is_frozen(cg), 0);
	put(frz, "freezer.state", "FROZEN\n");
	CHECK_INT(sk_cgroup_is_frozen(cg), 1);

	CHECK_INT(sk_cgroup_stats_json(cg, "t", &json, &e), 0);
	CHECK_CONTAINS(json, "\"total\":123,\"percpu\":[100,23]");
	CHECK_CONTAINS(json,
		       "\"usage\":{\"limit\":9223372036854771712,\"usage\":10,\"max\":20,\"failcnt\":0}");
	CHECK_CONTAINS(json, "\"raw\":{\"cache\":5,\"rss\":6}");
	free(json);
	sk_cgroup_free(cg);
	sk_rm_rf(root);
	free(cpu);
	free(mem);
	free(frz);
}

/* exec --cgroup: [CTRL[,CTRL]:]PATH */
TEST(sub_path)
{
	char *subs1[] = { "memory,pids:a/b", "c", NULL };
	char *subs2[] = { "../x", NULL };
	char *subs3[] = { "memory:a", NULL };
	char *out = NULL;
	struct sk_err e = { 0 };

	CHECK_INT(cg_sub_path(subs1, "memory", false, &out, &e), 0);
	CHECK_STR(out, "a/b");
	free(out);
	CHECK_INT(cg_sub_path(subs1, "cpu,cpuacct", false, &out, &e), 0);
	CHECK_STR(out, "c");
	free(out);
	CHECK_INT(cg_sub_path(subs3, "cpu", false, &out, &e), 0);
	CHECK(out == NULL);
	CHECK(cg_sub_path(subs2, "cpu", false, &out, &e) < 0);
	CHECK_CONTAINS(e.msg, "not a sub-cgroup path");
	CHECK(cg_sub_path(subs3, "", true, &out, &e) < 0);
	CHECK_CONTAINS(e.msg, "cgroup v1");
	CHECK(cg_sub_check("", &e) < 0);
	CHECK(cg_sub_check(":x", &e) < 0);
	CHECK(cg_sub_check("/", &e) < 0);
	CHECK_INT(cg_sub_check("/a", &e), 0);
	CHECK(cg_sub_names("systemd:x", "name=systemd"));
	CHECK(!cg_sub_names("cpu:x", "cpuacct"));
}

int main(void)
{
	RUN(parse_mountinfo);
	RUN(own_path);
	RUN(resolve_path);
	RUN(serialize_roundtrip);
	RUN(serialize_odd_strings);
	RUN(v2_fake_dir);
	RUN(v1_fake_dirs);
	RUN(sub_path);
	return unit_done();
}
