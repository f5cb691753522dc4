/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cgroups_map.c - linux.resources -> cgroup v1/v2 file writes. */
#include "internal.h"
#include "../../cgroups/internal.h"
#include "unit.h"

#include <linux/bpf.h>

static struct oci_config *cfg_with(const char *resources, const char *extra_linux)
{
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	char *j = sk_xasprintf("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
			       "\"linux\":{\"resources\":%s%s%s}}",
			       resources, extra_linux ? "," : "", extra_linux ? extra_linux : "");
	if (oci_config_parse(j, strlen(j), &c, &e) < 0)
		printf("# parse failed: %s\n", e.msg);
	free(j);
	return c;
}

/* Value written to @file (the @nth such write), or NULL. */
static const char *val(const struct cg_plan *p, const char *file, int nth)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->w[i].file, file) && nth-- == 0)
			return p->w[i].value;
	return NULL;
}

static int idx(const struct cg_plan *p, const char *file)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->w[i].file, file))
			return (int)i;
	return -1;
}

static bool warned(const struct cg_plan *p, const char *needle)
{
	for (size_t i = 0; i < p->warnings.n; i++)
		if (strstr(p->warnings.v[i], needle))
			return true;
	return false;
}

static const struct cg_env env_all = { .swap = true, .io_bfq = false, .io_weight = true };

static int map(int v, const char *res, const struct cg_env *env, struct cg_plan *p, struct sk_err *e)
{
	struct oci_config *c = cfg_with(res, NULL);
	int r;
	if (!c) {
		memset(p, 0, sizeof(*p));
		return -999;
	}
	r = v == 2 ? cg_map_v2(&c->lnx.resources, env, p, e)
		   : cg_map_v1(&c->lnx.resources, env, p, e);
	oci_config_free(c);
	return r;
}

TEST(shares_to_weight)
{
	CHECK_INT(sk_cg_shares_to_weight(0), 0);
	CHECK_INT(sk_cg_shares_to_weight(1), 1);
	CHECK_INT(sk_cg_shares_to_weight(2), 1);
	CHECK_INT(sk_cg_shares_to_weight(1024), 100);
	CHECK_INT(sk_cg_shares_to_weight(262144), 10000);
	CHECK_INT(sk_cg_shares_to_weight(1000000), 10000);
	CHECK_INT(sk_cg_shares_to_weight(512), 59);
	CHECK_INT(sk_cg_shares_to_weight(100), 17);
	CHECK_INT(sk_cg_blkio_to_io_weight(10), 1);
	CHECK_INT(sk_cg_blkio_to_io_weight(1000), 10000);
	CHECK_INT(sk_cg_blkio_to_io_weight(500), 4950);
}

TEST(v2_cpu)
{
	struct cg_plan p;
	struct sk_err e = { 0 };

	CHECK_INT(map(2,
		      "{\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":200000,"
		      "\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":1,\"burst\":1000}}",
		      &env_all, &p, &e),
		  0);
	CHECK_STR(val(&p, "cpu.weight", 0), "100");
	CHECK_STR(val(&p, "cpu.max", 0), "50000 200000");
	CHECK_STR(val(&p, "cpuset.cpus", 0), "0-1");
	CHECK_STR(val(&p, "cpuset.mems", 0), "0");
	CHECK_STR(val(&p, "cpu.idle", 0), "1");
	CHECK_STR(val(&p, "cpu.max.burst", 0), "1000");
	CHECK_STR(p.w[idx(&p, "cpu.weight")].ctrl, "cpu");
	CHECK_STR(p.w[idx(&p, "cpuset.cpus")].ctrl, "cpuset");
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"cpu\":{\"quota\":-1}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "cpu.max", 0), "max 100000");
	CHECK(idx(&p, "cpu.weight") < 0);
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"cpu\":{\"quota\":20000}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "cpu.max", 0), "20000 100000");
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"cpu\":{\"shares\":0}}", &env_all, &p, &e), 0);
	CHECK_INT(p.n, 0);
	cg_plan_clear(&p);

	CHECK(map(2, "{\"cpu\":{\"realtimeRuntime\":1000}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "realtime");
	cg_plan_clear(&p);
}

TEST(v2_memory)
{
	struct cg_plan p;
	struct sk_err e = { 0 };
	struct cg_env noswap = env_all;

	CHECK_INT(map(2,
		      "{\"memory\":{\"limit\":1073741824,\"reservation\":536870912,"
		      "\"swap\":2147483648}}",
		      &env_all, &p, &e),
		  0);
	CHECK_STR(val(&p, "memory.max", 0), "1073741824");
	CHECK_STR(val(&p, "memory.low", 0), "536870912");
	CHECK_STR(val(&p, "memory.swap.max", 0), "1073741824");
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"memory\":{\"limit\":-1,\"swap\":-1}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "memory.max", 0), "max");
	CHECK_STR(val(&p, "memory.swap.max", 0), "max");
	cg_plan_clear(&p);

	CHECK(map(2, "{\"memory\":{\"limit\":2000000,\"swap\":1000000}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.resources.memory.swap");
	cg_plan_clear(&p);

	CHECK(map(2, "{\"memory\":{\"swap\":1000000}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "needs a memory limit");
	cg_plan_clear(&p);

	noswap.swap = false;
	CHECK_INT(map(2, "{\"memory\":{\"limit\":1000,\"swap\":2000,\"swappiness\":10}}", &noswap,
		      &p, &e),
		  0);
	CHECK(idx(&p, "memory.swap.max") < 0);
	CHECK(warned(&p, "memory.swap"));
	CHECK(warned(&p, "swappiness"));
	cg_plan_clear(&p);
}

TEST(v2_pids_hugetlb_io)
{
	struct cg_plan p;
	struct sk_err e = { 0 };
	struct cg_env bfq = { .swap = true, .io_bfq = true, .io_weight = true }, none = { 0 };

	CHECK_INT(map(2, "{\"pids\":{\"limit\":-1}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "pids.max", 0), "max");
	cg_plan_clear(&p);
	CHECK_INT(map(2, "{\"pids\":{\"limit\":0}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "pids.max", 0), "max");
	cg_plan_clear(&p);
	CHECK_INT(map(2, "{\"pids\":{\"limit\":64}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "pids.max", 0), "64");
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}",
		      &env_all, &p, &e),
		  0);
	CHECK_STR(val(&p, "hugetlb.2MB.max", 0), "4194304");
	cg_plan_clear(&p);
	CHECK(map(2, "{\"hugepageLimits\":[{\"pageSize\":\"../x\",\"limit\":1}]}", &env_all, &p,
		  &e) < 0);
	CHECK_CONTAINS(e.msg, "pageSize");
	cg_plan_clear(&p);

	CHECK_INT(map(2,
		      "{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":300}],"
		      "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
		      "\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":100}]}}",
		      &env_all, &p, &e),
		  0);
	CHECK_STR(val(&p, "io.weight", 0), "default 4950");
	CHECK_STR(val(&p, "io.weight", 1), "8:0 2930");
	CHECK_STR(val(&p, "io.max", 0), "8:0 rbps=1048576");
	CHECK_STR(val(&p, "io.max", 1), "8:16 wiops=100");
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"blockIO\":{\"weight\":500}}", &bfq, &p, &e), 0);
	CHECK_STR(val(&p, "io.bfq.weight", 0), "500");
	CHECK(idx(&p, "io.weight") < 0);
	cg_plan_clear(&p);

	CHECK_INT(map(2, "{\"blockIO\":{\"weight\":500}}", &none, &p, &e), 0);
	CHECK_INT(p.n, 0);
	CHECK(warned(&p, "blockIO.weight"));
	cg_plan_clear(&p);
}

TEST(v2_unified)
{
	struct cg_plan p;
	struct sk_err e = { 0 };

	CHECK_INT(map(2, "{\"unified\":{\"memory.high\":\"1000000\",\"io.latency\":\"8:0 target=10\"}}",
		      &env_all, &p, &e),
		  0);
	CHECK_STR(val(&p, "memory.high", 0), "1000000");
	CHECK_STR(p.w[idx(&p, "memory.high")].ctrl, "memory");
	CHECK_STR(val(&p, "io.latency", 0), "8:0 target=10");
	cg_plan_clear(&p);

	CHECK(map(2, "{\"unified\":{\"../../etc/passwd\":\"x\"}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "../../etc/passwd");
	cg_plan_clear(&p);
	CHECK(map(2, "{\"unified\":{\"sub/memory.max\":\"x\"}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "sub/memory.max");
	cg_plan_clear(&p);
	CHECK(map(1, "{\"unified\":{\"memory.high\":\"1\"}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "memory.high");
	/* runc's words */
	CHECK_CONTAINS(e.msg, "invalid configuration: cannot use unified on cgroup v1");
	cg_plan_clear(&p);
}

TEST(v1_all)
{
	struct cg_plan p;
	struct sk_err e = { 0 };
	struct cg_env bfq = { .swap = true, .io_bfq = true, .io_weight = true };

	CHECK_INT(map(1,
		      "{\"cpu\":{\"shares\":512,\"quota\":-1,\"period\":100000,"
		      "\"realtimePeriod\":1000000,\"realtimeRuntime\":950000,\"cpus\":\"1\",\"mems\":\"0\"},"
		      "\"memory\":{\"limit\":1048576,\"reservation\":524288,\"swap\":2097152,"
		      "\"swappiness\":60,\"disableOOMKiller\":true},"
		      "\"pids\":{\"limit\":-1},"
		      "\"hugepageLimits\":[{\"pageSize\":\"1GB\",\"limit\":0}],"
		      "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
		      "\"blockIO\":{\"weight\":300,\"leafWeight\":200,"
		      "\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":500}]}}",
		      &env_all, &p, &e),
		  0);
	CHECK_STR(val(&p, "cpu.shares", 0), "512");
	CHECK_STR(val(&p, "cpu.cfs_period_us", 0), "100000");
	CHECK_STR(val(&p, "cpu.cfs_quota_us", 0), "-1");
	CHECK(idx(&p, "cpu.cfs_period_us") < idx(&p, "cpu.cfs_quota_us"));
	CHECK_STR(val(&p, "cpu.rt_period_us", 0), "1000000");
	CHECK_STR(val(&p, "cpu.rt_runtime_us", 0), "950000");
	CHECK_STR(val(&p, "cpuset.cpus", 0), "1");
	CHECK_STR(val(&p, "cpuset.mems", 0), "0");
	CHECK_STR(val(&p, "memory.limit_in_bytes", 0), "1048576");
	CHECK_STR(val(&p, "memory.soft_limit_in_bytes", 0), "524288");
	CHECK_STR(val(&p, "memory.memsw.limit_in_bytes", 0), "2097152");
	CHECK(idx(&p, "memory.limit_in_bytes") < idx(&p, "memory.memsw.limit_in_bytes"));
	CHECK_STR(val(&p, "memory.swappiness", 0), "60");
	CHECK_STR(val(&p, "memory.oom_control", 0), "1");
	CHECK_STR(val(&p, "pids.max", 0), "max");
	CHECK_STR(val(&p, "hugetlb.1GB.limit_in_bytes", 0), "0");
	CHECK_STR(val(&p, "net_cls.classid", 0), "1048577");
	CHECK_STR(val(&p, "net_prio.ifpriomap", 0), "eth0 5");
	CHECK_STR(val(&p, "blkio.weight", 0), "300");
	CHECK_STR(val(&p, "blkio.leaf_weight", 0), "200");
	CHECK_STR(val(&p, "blkio.throttle.write_bps_device", 0), "8:0 500");
	CHECK_STR(p.w[idx(&p, "blkio.weight")].ctrl, "blkio");
	CHECK_STR(p.w[idx(&p, "memory.oom_control")].ctrl, "memory");
	cg_plan_clear(&p);

	CHECK_INT(map(1, "{\"blockIO\":{\"weight\":300}}", &bfq, &p, &e), 0);
	CHECK_STR(val(&p, "blkio.bfq.weight", 0), "300");
	cg_plan_clear(&p);

	CHECK_INT(map(1, "{\"memory\":{\"limit\":-1,\"swap\":-1}}", &env_all, &p, &e), 0);
	CHECK_STR(val(&p, "memory.limit_in_bytes", 0), "-1");
	CHECK_STR(val(&p, "memory.memsw.limit_in_bytes", 0), "-1");
	cg_plan_clear(&p);

	CHECK(map(1, "{\"memory\":{\"limit\":2000,\"swap\":1000}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "swap");
	cg_plan_clear(&p);
	CHECK(map(1, "{\"memory\":{\"swappiness\":101}}", &env_all, &p, &e) < 0);
	CHECK_CONTAINS(e.msg, "swappiness");
	cg_plan_clear(&p);
}

/* kernelTCP: v1 memory.kmem.tcp.limit_in_bytes where the kernel has it
 * (crun); kernel: ignored (runc); v2: ignored, with a warning */
TEST(kernel_tcp)
{
	struct cg_plan p;
	struct sk_err e = { 0 };
	struct cg_env tcp = env_all;

	tcp.kmem_tcp = true;
	CHECK_INT(map(1, "{\"memory\":{\"kernelTCP\":16777216,\"kernel\":1048576}}", &tcp, &p, &e),
		  0);
	CHECK_STR(val(&p, "memory.kmem.tcp.limit_in_bytes", 0), "16777216");
	CHECK_STR(p.w[idx(&p, "memory.kmem.tcp.limit_in_bytes")].ctrl, "memory");
	CHECK(idx(&p, "memory.kmem.limit_in_bytes") < 0);
	CHECK(warned(&p, "memory.kernel: deprecated, ignored"));
	cg_plan_clear(&p);
	CHECK_INT(map(1, "{\"memory\":{\"kernelTCP\":-1}}", &tcp, &p, &e), 0);
	CHECK_STR(val(&p, "memory.kmem.tcp.limit_in_bytes", 0), "-1");
	cg_plan_clear(&p);
	CHECK_INT(map(1, "{\"memory\":{\"kernelTCP\":4096}}", &env_all, &p, &e), 0);
	CHECK(idx(&p, "memory.kmem.tcp.limit_in_bytes") < 0);
	CHECK(warned(&p, "kernelTCP: no memory.kmem.tcp.limit_in_bytes"));
	cg_plan_clear(&p);
	CHECK_INT(map(2, "{\"memory\":{\"kernelTCP\":4096}}", &tcp, &p, &e), 0);
	CHECK_INT(p.n, 0);
	CHECK(warned(&p, "kernelTCP: not supported on cgroup v2"));
	cg_plan_clear(&p);
}

TEST(device_rules)
{
	struct oci_config *c =
		cfg_with("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
			 "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rw\"}]}",
			 "\"devices\":[{\"path\":\"/dev/fuse2\",\"type\":\"c\",\"major\":10,\"minor\":230},"
			 "{\"path\":\"/dev/fifo\",\"type\":\"p\"}]");
	struct oci_device_rule *r = NULL;
	struct sk_err e = { 0 };
	size_t n = 0;
	char *s;
	void *insns = NULL;
	size_t ni = 0;

	CHECK(c != NULL);
	if (!c)
		return;
	CHECK_INT(cg_device_rules(c, &c->lnx.resources, &r, &n, &e), 0);
	CHECK(n >= 5);
	s = cg_device_rule_str(&r[0]);
	CHECK_STR(s, "a *:* rwm");
	CHECK(!r[0].allow);
	free(s);
	s = cg_device_rule_str(&r[1]); /* user's deny all */
	CHECK_STR(s, "a *:* rwm");
	free(s);
	s = cg_device_rule_str(&r[2]);
	CHECK_STR(s, "c 10:229 rw");
	CHECK(r[2].allow);
	free(s);
	s = cg_device_rule_str(&r[3]); /* defaults follow */
	CHECK_STR(s, "c *:* m");
	free(s);
	s = cg_device_rule_str(&r[n - 1]); /* defaults last (net/tun) */
	CHECK_STR(s, "c 10:200 rwm");
	free(s);
	{
		bool pts = false, fuse2 = false;
		for (size_t i = 0; i < n; i++) {
			s = cg_device_rule_str(&r[i]);
			pts |= !strcmp(s, "c 136:* rwm");
			fuse2 |= strstr(s, "10:230") != NULL;
			free(s);
		}
		CHECK(pts);
		CHECK(!fuse2); /* as runc: linux.devices are not allowed by themselves */
	}

	CHECK_INT(cg_bpf_build(r, n, &insns, &ni, &e), 0);
	CHECK(ni > 6 + n * 2);
	{
		struct bpf_insn *p = insns;
		CHECK_INT(p[ni - 1].code, BPF_JMP | BPF_EXIT);
		CHECK_INT(p[ni - 2].imm, 0); /* default deny */
		/* first block is the last rule (10:200): its major test */
		CHECK_INT(p[6].code, BPF_JMP | BPF_JNE | BPF_K);
		CHECK_INT(p[6].imm, BPF_DEVCG_DEV_CHAR);
		CHECK_INT(p[7].imm, 10);
		CHECK_INT(p[8].imm, 200);
		CHECK_INT(p[6].off, 4); /* skips to the next block */
		CHECK_INT(p[9].imm, 1);
	}
	free(insns);
	free(r);
	oci_config_free(c);

	{ /* a last "allow all" makes everything before it dead code */
		struct oci_device_rule two[2] = { { false, 'a', -1, -1, "rwm" },
						  { true, 'a', -1, -1, "rwm" } };
		CHECK_INT(cg_bpf_build(two, 2, &insns, &ni, &e), 0);
		CHECK_INT(ni, 8);
		CHECK_INT(((struct bpf_insn *)insns)[6].imm, 1);
		free(insns);
	}
}

static char *plan_str(const struct cg_plan *p)
{
	char *s = sk_xstrdup("");
	for (size_t i = 0; i < p->n; i++) {
		char *t = sk_xasprintf("%s%s%s=%s", s, i ? ";" : "",
				       !strcmp(p->w[i].file, "devices.allow") ? "allow" : "deny",
				       p->w[i].value);
		free(s);
		s = t;
	}
	return s;
}

TEST(devices_v1_plan)
{
	struct oci_device_rule rules[] = {
		{ false, 'a', -1, -1, "rwm" }, { true, 'c', 1, 3, "rwm" },
		{ true, 'c', 136, -1, "rw" },  { true, 'c', 136, -1, "m" },
		{ false, 'c', 1, 3, "m" },
	};
	struct cg_plan p = { 0 };
	char *s;

	/* a new cgroup (allow all, or unknown): every rule, deny all first */
	cg_devices_v1_plan("a *:* rwm\n", rules, 5, &p);
	s = plan_str(&p);
	CHECK_STR(s, "deny=a *:* rwm;allow=c 1:3 rwm;allow=c 136:* rw;allow=c 136:* m;deny=c 1:3 m");
	free(s);
	cg_plan_clear(&p);
	cg_devices_v1_plan(NULL, rules, 5, &p);
	CHECK_INT(p.n, 5);
	cg_plan_clear(&p);

	/* already there (the kernel merged 136:*): nothing to write */
	cg_devices_v1_plan("c 1:3 rw\nc 136:* rwm\n", rules, 5, &p);
	CHECK_INT(p.n, 0);
	cg_plan_clear(&p);

	/* a running container's cgroup: only the differences, allows first,
	 * and never "a" (no allow-all, no deny-all window) */
	cg_devices_v1_plan("c 1:3 rwm\nc 1:11 rw\nc 136:* r\n", rules, 5, &p);
	s = plan_str(&p);
	CHECK_STR(s, "allow=c 136:* rwm;deny=c 1:3 m;deny=c 1:11 rw");
	free(s);
	cg_plan_clear(&p);

	/* deny-all cgroup to deny-all target: allows only */
	cg_devices_v1_plan("", rules, 5, &p);
	s = plan_str(&p);
	CHECK_STR(s, "allow=c 1:3 rw;allow=c 136:* rwm");
	free(s);
	cg_plan_clear(&p);

	/* a target that ends in allow-all: rules in order */
	{
		struct oci_device_rule two[2] = { { false, 'a', -1, -1, "rwm" },
						  { true, 'a', -1, -1, "rwm" } };
		cg_devices_v1_plan("c 1:3 rwm\n", two, 2, &p);
		s = plan_str(&p);
		CHECK_STR(s, "deny=a *:* rwm;allow=a *:* rwm");
		free(s);
		cg_plan_clear(&p);
	}
	/* an unreadable list: rules in order */
	cg_devices_v1_plan("garbage\n", rules, 5, &p);
	CHECK_INT(p.n, 5);
	cg_plan_clear(&p);
}

int main(void)
{
	RUN(shares_to_weight);
	RUN(v2_cpu);
	RUN(v2_memory);
	RUN(v2_pids_hugetlb_io);
	RUN(v2_unified);
	RUN(v1_all);
	RUN(kernel_tcp);
	RUN(device_rules);
	RUN(devices_v1_plan);
	return unit_done();
}
