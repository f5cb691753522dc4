/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config.c - config.json parser, default spec and features JSON. */
#include "internal.h"
#include "../../oci/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <yajl/yajl_tree.h>

#define MIN_HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}"

static struct oci_config *parse_ok(const char *json)
{
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	int r = oci_config_parse(json, strlen(json), &c, &e);

	if (r < 0)
		printf("# unexpected error: %s\n", e.msg);
	CHECK_INT(r, 0);
	return c;
}

/* Parse, expect failure; return the message in @e. */
static void parse_bad(const char *json, struct sk_err *e)
{
	struct oci_config *c = (struct oci_config *)1;
	int r = oci_config_parse(json, strlen(json), &c, e);

	CHECK_INT(r, -EINVAL);
	CHECK_INT(e->code, EINVAL);
	CHECK(c == NULL);
	CHECK(strchr(e->msg, '\n') == NULL);
	CHECK(strncmp(e->msg, "config.json: ", 13) == 0);
}

/* MIN_HEAD + @tail + "}" must fail with @needle in the message. */
static void bad_with(const char *tail, const char *needle)
{
	struct sk_err e = { 0 };
	char *json = sk_xasprintf(MIN_HEAD "%s}", tail);

	parse_bad(json, &e);
	CHECK_CONTAINS(e.msg, needle);
	free(json);
}

TEST(minimal)
{
	struct oci_config *c = parse_ok(MIN_HEAD "}");

	if (!c)
		return;
	CHECK_STR(c->oci_version, "1.2.0");
	CHECK_STR(c->root_path, "rootfs");
	CHECK(!c->root_readonly);
	CHECK(c->process == NULL);
	CHECK_INT(c->n_mounts, 0);
	CHECK(c->hostname == NULL);
	for (int i = 0; i < OCI_NS__MAX; i++)
		CHECK(!c->lnx.namespaces[i].present);
	CHECK(!c->lnx.resources.present);
	CHECK(!c->lnx.seccomp.present);
	oci_config_free(c);
}

static const char full_config[] =
	"{\"ociVersion\":\"1.2.0\","
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"box\",\"domainname\":\"example.org\","
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	" {\"destination\":\"/data\",\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\"],"
	"  \"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
	"  \"gidMappings\":[{\"containerID\":0,\"hostID\":2000,\"size\":2}]}],"
	"\"process\":{\"terminal\":true,\"consoleSize\":{\"height\":25,\"width\":80},"
	" \"user\":{\"uid\":1,\"gid\":2,\"umask\":18,\"additionalGids\":[5,6],\"username\":\"bob\"},"
	" \"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"PATH=/bin\",\"A=b\"],\"cwd\":\"/tmp\","
	" \"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_SYS_ADMIN\"],\"effective\":[\"CAP_KILL\"],"
	"  \"inheritable\":[],\"permitted\":[\"CAP_CHECKPOINT_RESTORE\"],\"ambient\":[\"CAP_CHOWN\"]},"
	" \"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096},"
	"  {\"type\":\"RLIMIT_CORE\",\"soft\":18446744073709551615,\"hard\":18446744073709551615}],"
	" \"apparmorProfile\":\"aa\",\"selinuxLabel\":\"se\",\"noNewPrivileges\":true,"
	" \"oomScoreAdj\":-500,"
	" \"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"nice\":-5,\"priority\":3,"
	"  \"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_RECLAIM\"],"
	"  \"runtime\":100,\"deadline\":200,\"period\":300},"
	" \"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":4},"
	" \"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"1-3\"}},"
	"\"hooks\":{\"prestart\":[{\"path\":\"/bin/pre\",\"args\":[\"pre\",\"x\"],\"env\":[\"K=V\"],"
	"  \"timeout\":5}],"
	" \"createRuntime\":[{\"path\":\"/a\"},{\"path\":\"/b\"}],"
	" \"createContainer\":[{\"path\":\"/c\"}],\"startContainer\":[{\"path\":\"/d\"}],"
	" \"poststart\":[{\"path\":\"/e\"}],\"poststop\":[{\"path\":\"/f\"}]},"
	"\"annotations\":{\"z\":\"1\",\"a\":\"2\",\"m\":\"3\"},"
	"\"linux\":{"
	" \"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},"
	"  {\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"user\"},"
	"  {\"type\":\"cgroup\"},{\"type\":\"time\"}],"
	" \"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
	" \"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":65536},"
	"  {\"containerID\":70000,\"hostID\":300000,\"size\":10}],"
	" \"timeOffsets\":{\"monotonic\":{\"secs\":-10,\"nanosecs\":5},"
	"  \"boottime\":{\"secs\":20,\"nanosecs\":999999999}},"
	" \"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
	"  \"fileMode\":438,\"uid\":0,\"gid\":0},{\"path\":\"/dev/fifo\",\"type\":\"p\"}],"
	" \"cgroupsPath\":\"/skiff/x\","
	" \"resources\":{"
	"  \"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	"   {\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}],"
	"  \"memory\":{\"limit\":-1,\"reservation\":1048576,\"swap\":2097152,\"kernel\":1,"
	"   \"kernelTCP\":2,\"swappiness\":60,\"disableOOMKiller\":true,\"useHierarchy\":true,"
	"   \"checkBeforeUpdate\":true},"
	"  \"cpu\":{\"shares\":1024,\"quota\":50000,\"burst\":10,\"period\":100000,"
	"   \"realtimeRuntime\":950000,\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"0\","
	"   \"idle\":1},"
	"  \"pids\":{\"limit\":32},"
	"  \"blockIO\":{\"weight\":500,\"leafWeight\":300,"
	"   \"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600}],"
	"   \"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1000}],"
	"   \"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":1,\"rate\":2000}],"
	"   \"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":2,\"rate\":3000}],"
	"   \"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":3,\"rate\":4000}]},"
	"  \"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200}],"
	"  \"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":500}]},"
	"  \"unified\":{\"memory.high\":\"max\",\"io.weight\":\"100\"}},"
	" \"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"4096\"},"
	" \"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
	"  \"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
	"  \"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
	"  \"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":\"meta\","
	"  \"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
	"   {\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,"
	"    \"args\":[{\"index\":0,\"value\":8,\"valueTwo\":9,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	"   {\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]},"
	" \"rootfsPropagation\":\"rslave\","
	" \"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\",\"/proc/bus\"],"
	" \"mountLabel\":\"ml\","
	" \"memoryPolicy\":{\"mode\":\"MPOL_INTERLEAVE\",\"nodes\":\"0-1\","
	"  \"flags\":[\"MPOL_F_STATIC_NODES\"]},"
	" \"personality\":{\"domain\":\"LINUX32\"}}}";

TEST(full_top_and_mounts)
{
	struct oci_config *c = parse_ok(full_config);

	if (!c)
		return;
	CHECK(c->root_readonly);
	CHECK_STR(c->hostname, "box");
	CHECK_STR(c->domainname, "example.org");
	CHECK_INT(c->n_mounts, 2);
	CHECK_STR(c->mounts[0].destination, "/proc");
	CHECK_STR(c->mounts[0].type, "proc");
	CHECK_STR(c->mounts[0].source, "proc");
	CHECK(c->mounts[0].options == NULL);
	CHECK(c->mounts[1].type == NULL);
	CHECK_INT(c->mounts[1].n_options, 2);
	CHECK_STR(c->mounts[1].options[1], "ro");
	CHECK(c->mounts[1].options[2] == NULL);
	CHECK_INT(c->mounts[1].n_uid_mappings, 1);
	CHECK_INT(c->mounts[1].uid_mappings[0].host_id, 1000);
	CHECK_INT(c->mounts[1].gid_mappings[0].size, 2);
	CHECK_INT(c->n_annotations, 3);
	CHECK_STR(c->annotations[0].key, "z");
	CHECK_STR(c->annotations[2].key, "m");
	CHECK_STR(oci_annotation(c, "a"), "2");
	CHECK(oci_annotation(c, "nope") == NULL);
	oci_config_free(c);
}

TEST(full_process)
{
	struct oci_config *c = parse_ok(full_config);
	struct oci_process *p;

	if (!c)
		return;
	p = c->process;
	CHECK(p != NULL);
	if (!p)
		goto out;
	CHECK(p->terminal);
	CHECK(p->has_console_size);
	CHECK_INT(p->console_height, 25);
	CHECK_INT(p->console_width, 80);
	CHECK_INT(p->user.uid, 1);
	CHECK_INT(p->user.gid, 2);
	CHECK(p->user.has_umask);
	CHECK_INT(p->user.umask, 18);
	CHECK_INT(p->user.n_additional_gids, 2);
	CHECK_INT(p->user.additional_gids[1], 6);
	CHECK_STR(p->user.username, "bob");
	CHECK_INT(p->n_args, 3);
	CHECK_STR(p->args[2], "true");
	CHECK(p->args[3] == NULL);
	CHECK_INT(p->n_env, 2);
	CHECK_STR(p->env[1], "A=b");
	CHECK_STR(p->cwd, "/tmp");
	CHECK(p->caps.present);
	CHECK(p->caps.bounding == ((UINT64_C(1) << 5) | (UINT64_C(1) << 21)));
	CHECK(p->caps.effective == (UINT64_C(1) << 5));
	CHECK(p->caps.inheritable == 0);
	CHECK(p->caps.permitted == (UINT64_C(1) << 40));
	CHECK(p->caps.ambient == 1);
	CHECK_INT(p->n_rlimits, 2);
	CHECK_INT(p->rlimits[0].resource, RLIMIT_NOFILE);
	CHECK_STR(p->rlimits[0].type, "RLIMIT_NOFILE");
	CHECK_INT(p->rlimits[0].soft, 1024);
	CHECK_INT(p->rlimits[0].hard, 4096);
	CHECK_INT(p->rlimits[1].resource, RLIMIT_CORE);
	CHECK(p->rlimits[1].hard == UINT64_MAX);
	CHECK_STR(p->apparmor_profile, "aa");
	CHECK_STR(p->selinux_label, "se");
	CHECK(p->no_new_privileges);
	CHECK(p->oom_score_adj.set);
	CHECK_INT(p->oom_score_adj.v, -500);
	CHECK(p->scheduler.set);
	CHECK_INT(p->scheduler.policy, 6);
	CHECK_INT(p->scheduler.nice, -5);
	CHECK_INT(p->scheduler.priority, 3);
	CHECK_INT(p->scheduler.flags, 3);
	CHECK_INT(p->scheduler.runtime, 100);
	CHECK_INT(p->scheduler.deadline, 200);
	CHECK_INT(p->scheduler.period, 300);
	CHECK(p->io_priority.set);
	CHECK_INT(p->io_priority.class, 2);
	CHECK_INT(p->io_priority.priority, 4);
	CHECK_STR(p->exec_cpu_affinity.initial, "0");
	CHECK_STR(p->exec_cpu_affinity.final, "1-3");
out:
	oci_config_free(c);
}

TEST(full_hooks)
{
	struct oci_config *c = parse_ok(full_config);
	const struct oci_hook *h;

	if (!c)
		return;
	CHECK_INT(c->hooks[OCI_HOOK_PRESTART].n, 1);
	h = &c->hooks[OCI_HOOK_PRESTART].v[0];
	CHECK_STR(h->path, "/bin/pre");
	CHECK_INT(h->n_args, 2);
	CHECK_STR(h->args[1], "x");
	CHECK_INT(h->n_env, 1);
	CHECK_STR(h->env[0], "K=V");
	CHECK_INT(h->timeout, 5);
	CHECK_INT(c->hooks[OCI_HOOK_CREATE_RUNTIME].n, 2);
	CHECK_STR(c->hooks[OCI_HOOK_CREATE_RUNTIME].v[1].path, "/b");
	CHECK_INT(c->hooks[OCI_HOOK_CREATE_RUNTIME].v[1].timeout, 0);
	CHECK_STR(c->hooks[OCI_HOOK_CREATE_CONTAINER].v[0].path, "/c");
	CHECK_STR(c->hooks[OCI_HOOK_START_CONTAINER].v[0].path, "/d");
	CHECK_STR(c->hooks[OCI_HOOK_POSTSTART].v[0].path, "/e");
	CHECK_STR(c->hooks[OCI_HOOK_POSTSTOP].v[0].path, "/f");
	oci_config_free(c);
}

TEST(full_linux)
{
	struct oci_config *c = parse_ok(full_config);
	const struct oci_linux *l;

	if (!c)
		return;
	l = &c->lnx;
	for (int i = 0; i < OCI_NS__MAX; i++)
		CHECK(l->namespaces[i].present);
	CHECK_STR(l->namespaces[OCI_NS_NET].path, "/run/netns/x");
	CHECK(l->namespaces[OCI_NS_PID].path == NULL);
	CHECK_INT(l->n_uid_mappings, 1);
	CHECK_INT(l->uid_mappings[0].host_id, 100000);
	CHECK_INT(l->n_gid_mappings, 2);
	CHECK_INT(l->gid_mappings[1].container_id, 70000);
	CHECK(l->time_offsets.set_monotonic);
	CHECK_INT(l->time_offsets.monotonic_secs, -10);
	CHECK_INT(l->time_offsets.monotonic_nanosecs, 5);
	CHECK(l->time_offsets.set_boottime);
	CHECK_INT(l->time_offsets.boottime_nanosecs, 999999999);
	CHECK_INT(l->n_devices, 2);
	CHECK_STR(l->devices[0].path, "/dev/fuse");
	CHECK_INT(l->devices[0].type, 'c');
	CHECK_INT(l->devices[0].major, 10);
	CHECK_INT(l->devices[0].minor, 229);
	CHECK(l->devices[0].has_file_mode);
	CHECK_INT(l->devices[0].file_mode, 0666);
	CHECK(l->devices[0].has_uid && l->devices[0].has_gid);
	CHECK_INT(l->devices[1].type, 'p');
	CHECK(!l->devices[1].has_file_mode);
	CHECK_STR(l->cgroups_path, "/skiff/x");
	CHECK_INT(l->n_sysctl, 2);
	CHECK_STR(l->sysctl[0].key, "net.ipv4.ip_forward");
	CHECK_STR(l->sysctl[1].value, "4096");
	CHECK_STR(l->rootfs_propagation, "rslave");
	CHECK_INT(l->n_masked_paths, 1);
	CHECK_STR(l->masked_paths[0], "/proc/kcore");
	CHECK_INT(l->n_readonly_paths, 2);
	CHECK_STR(l->readonly_paths[1], "/proc/bus");
	CHECK_STR(l->mount_label, "ml");
	CHECK(l->memory_policy.set);
	CHECK_STR(l->memory_policy.mode, "MPOL_INTERLEAVE");
	CHECK_STR(l->memory_policy.nodes, "0-1");
	CHECK_INT(l->memory_policy.n_flags, 1);
	CHECK_STR(l->memory_policy.flags[0], "MPOL_F_STATIC_NODES");
	CHECK(l->personality.set);
	CHECK_STR(l->personality.domain, "LINUX32");
	oci_config_free(c);
}

TEST(full_resources)
{
	struct oci_config *c = parse_ok(full_config);
	const struct oci_resources *r;

	if (!c)
		return;
	r = &c->lnx.resources;
	CHECK(r->present);
	CHECK_INT(r->n_devices, 2);
	CHECK(!r->devices[0].allow);
	CHECK_INT(r->devices[0].type, 'a');
	CHECK_INT(r->devices[0].major, -1);
	CHECK_INT(r->devices[0].minor, -1);
	CHECK_STR(r->devices[0].access, "rwm");
	CHECK(r->devices[1].allow);
	CHECK_INT(r->devices[1].type, 'c');
	CHECK_INT(r->devices[1].major, 1);
	CHECK_INT(r->devices[1].minor, 3);
	CHECK_STR(r->devices[1].access, "rw");
	CHECK(r->memory.limit.set);
	CHECK_INT(r->memory.limit.v, -1);
	CHECK_INT(r->memory.reservation.v, 1048576);
	CHECK_INT(r->memory.swap.v, 2097152);
	CHECK_INT(r->memory.kernel.v, 1);
	CHECK_INT(r->memory.kernel_tcp.v, 2);
	CHECK(r->memory.swappiness.set);
	CHECK_INT(r->memory.swappiness.v, 60);
	CHECK(r->memory.disable_oom_killer && r->memory.use_hierarchy);
	CHECK(r->memory.check_before_update);
	CHECK_INT(r->cpu.shares.v, 1024);
	CHECK_INT(r->cpu.quota.v, 50000);
	CHECK_INT(r->cpu.burst.v, 10);
	CHECK_INT(r->cpu.period.v, 100000);
	CHECK_INT(r->cpu.realtime_runtime.v, 950000);
	CHECK_INT(r->cpu.realtime_period.v, 1000000);
	CHECK(r->cpu.idle.set);
	CHECK_INT(r->cpu.idle.v, 1);
	CHECK_STR(r->cpu.cpus, "0-1");
	CHECK_STR(r->cpu.mems, "0");
	CHECK(r->pids.limit.set);
	CHECK_INT(r->pids.limit.v, 32);
	CHECK_INT(r->blkio.weight.v, 500);
	CHECK_INT(r->blkio.leaf_weight.v, 300);
	CHECK_INT(r->blkio.n_weight_device, 1);
	CHECK_INT(r->blkio.weight_device[0].major, 8);
	CHECK_INT(r->blkio.weight_device[0].weight.v, 600);
	CHECK(!r->blkio.weight_device[0].leaf_weight.set);
	CHECK_INT(r->blkio.n_throttle_read_bps, 1);
	CHECK_INT(r->blkio.throttle_read_bps[0].rate, 1000);
	CHECK_INT(r->blkio.throttle_write_bps[0].minor, 1);
	CHECK_INT(r->blkio.throttle_read_iops[0].rate, 3000);
	CHECK_INT(r->blkio.n_throttle_write_iops, 1);
	CHECK_INT(r->blkio.throttle_write_iops[0].rate, 4000);
	CHECK_INT(r->n_hugepage_limits, 1);
	CHECK_STR(r->hugepage_limits[0].page_size, "2MB");
	CHECK_INT(r->hugepage_limits[0].limit, 209715200);
	CHECK_INT(r->network.class_id.v, 1048577);
	CHECK_INT(r->network.n_priorities, 1);
	CHECK_STR(r->network.priorities[0].key, "eth0");
	CHECK_STR(r->network.priorities[0].value, "500");
	CHECK_INT(r->n_unified, 2);
	CHECK_STR(r->unified[0].key, "memory.high");
	CHECK_STR(r->unified[0].value, "max");
	oci_config_free(c);
}

TEST(full_seccomp)
{
	struct oci_config *c = parse_ok(full_config);
	const struct oci_seccomp *s;

	if (!c)
		return;
	s = &c->lnx.seccomp;
	CHECK(s->present);
	CHECK_INT(s->default_action, OCI_SCMP_ERRNO);
	CHECK(s->has_default_errno_ret);
	CHECK_INT(s->default_errno_ret, 1);
	CHECK_INT(s->n_architectures, 2);
	CHECK_STR(s->architectures[1], "SCMP_ARCH_X86");
	CHECK_INT(s->n_flags, 1);
	CHECK_STR(s->flags[0], "SECCOMP_FILTER_FLAG_LOG");
	CHECK_STR(s->listener_path, "/run/l.sock");
	CHECK_STR(s->listener_metadata, "meta");
	CHECK_INT(s->n_syscalls, 3);
	CHECK_INT(s->syscalls[0].n_names, 2);
	CHECK_STR(s->syscalls[0].names[1], "write");
	CHECK_INT(s->syscalls[0].action, OCI_SCMP_ALLOW);
	CHECK(!s->syscalls[0].has_errno_ret);
	CHECK_INT(s->syscalls[1].action, OCI_SCMP_ERRNO);
	CHECK(s->syscalls[1].has_errno_ret);
	CHECK_INT(s->syscalls[1].errno_ret, 38);
	CHECK_INT(s->syscalls[1].n_args, 1);
	CHECK_INT(s->syscalls[1].args[0].index, 0);
	CHECK_INT(s->syscalls[1].args[0].value, 8);
	CHECK_INT(s->syscalls[1].args[0].value_two, 9);
	CHECK_INT(s->syscalls[1].args[0].op, OCI_SCMP_CMP_MASKED_EQ);
	CHECK_INT(s->syscalls[2].action, OCI_SCMP_NOTIFY);
	oci_config_free(c);
}

TEST(wrong_type_paths)
{
	bad_with(",\"process\":{\"cwd\":\"/\",\"args\":[\"a\",1]}",
		 "config.json: process.args[1]: expected string");
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}",
		 "config.json: linux.resources.memory.limit: expected integer");
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":1.5}}}",
		 "linux.resources.memory.limit: expected integer");
	bad_with(",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":-1}}",
		 "process.user.uid: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"user\":{\"uid\":4294967296}}",
		 "process.user.uid: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"user\":{\"gid\":\"0\"}}",
		 "process.user.gid: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"terminal\":\"yes\"}",
		 "process.terminal: expected boolean");
	bad_with(",\"mounts\":{}", "config.json: mounts: expected array");
	bad_with(",\"mounts\":[{\"destination\":\"/x\",\"options\":\"ro\"}]",
		 "mounts[0].options: expected array");
	bad_with(",\"hostname\":5", "config.json: hostname: expected string");
	bad_with(",\"annotations\":{\"a\":1}", "annotations.a: expected string");
	bad_with(",\"linux\":{\"sysctl\":[]}", "linux.sysctl: expected object");
	bad_with(",\"linux\":[]", "config.json: linux: expected object");
	bad_with(",\"process\":3", "config.json: process: expected object");
	bad_with(",\"linux\":{\"resources\":{\"cpu\":{\"shares\":-2}}}",
		 "linux.resources.cpu.shares: expected non-negative integer");
	bad_with(",\"linux\":{\"resources\":{\"cpu\":{\"cpus\":0}}}",
		 "linux.resources.cpu.cpus: expected string");
	bad_with(",\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":"
		 "[{\"major\":8,\"minor\":0,\"rate\":-1}]}}}",
		 "linux.resources.blockIO.throttleReadBpsDevice[0].rate: expected non-negative");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		 "\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
		 "[{\"index\":0,\"value\":\"x\",\"op\":\"SCMP_CMP_EQ\"}]}]}}",
		 "linux.seccomp.syscalls[0].args[0].value: expected non-negative integer");
	bad_with(",\"root\":{\"path\":\"r\",\"readonly\":1}", "root.readonly: expected boolean");
}

TEST(huge_numbers)
{
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":99999999999999999999}}}",
		 "linux.resources.memory.limit: integer out of 64-bit range");
	bad_with(",\"process\":{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CPU\","
		 "\"soft\":1,\"hard\":18446744073709551616}]}",
		 "process.rlimits[0].hard: expected non-negative integer below 2^64");
	bad_with(",\"linux\":{\"resources\":{\"pids\":{\"limit\":"
		 "-99999999999999999999999999999999999999999}}}",
		 "linux.resources.pids.limit: integer out of 64-bit range");
	bad_with(",\"linux\":{\"resources\":{\"pids\":{\"limit\":1e3}}}",
		 "linux.resources.pids.limit: expected integer");
	bad_with(",\"linux\":{\"resources\":{\"memory\":{\"limit\":-2}}}",
		 "linux.resources.memory.limit: expected integer >= -1");
}

TEST(extreme_int64_values)
{
	struct oci_config *c = parse_ok(MIN_HEAD ",\"linux\":{\"resources\":{\"cpu\":{"
					"\"quota\":-9223372036854775808,\"idle\":9223372036854775807,"
					"\"period\":18446744073709551615}}}}");
	if (!c)
		return;
	CHECK(c->lnx.resources.cpu.quota.v == INT64_MIN);
	CHECK(c->lnx.resources.cpu.idle.v == INT64_MAX);
	CHECK(c->lnx.resources.cpu.period.v == UINT64_MAX);
	oci_config_free(c);
}

TEST(malformed_json)
{
	static const char *const bad[] = {
		"", "{", "{\"ociVersion\":}", "[1,2", "{\"a\":1}}", "nul", "{'a':1}",
		"{\"ociVersion\":\"1\" \"root\":{}}", "\"\\x\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sk_err e = { 0 };
		parse_bad(bad[i], &e);
		CHECK_CONTAINS(e.msg, "config.json: invalid JSON: ");
	}
}

TEST(malformed_json_embedded_nul)
{
	static const char json[] = MIN_HEAD "}\0garbage";
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };

	CHECK_INT(oci_config_parse(json, sizeof(json) - 1, &c, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "invalid JSON: NUL byte");
	/* but the length is honoured: no NUL needed at the end */
	CHECK_INT(oci_config_parse(json, strlen(json), &c, &e), 0);
	oci_config_free(c);
}

TEST(nul_in_string)
{
	struct sk_err e = { 0 };

	parse_bad(MIN_HEAD ",\"hostname\":\"a\\u0000b\"}", &e);
	CHECK_CONTAINS(e.msg, "invalid JSON: string contains a NUL character");
	parse_bad(MIN_HEAD ",\"annotations\":{\"k\\u0000\":\"v\"}}", &e);
	CHECK_CONTAINS(e.msg, "invalid JSON: string contains a NUL character");
}

TEST(tree_layout)
{
	static const char json[] = "{\"a\":[1,-2.5,\"s\",true,false,null,{}],\n"
				   " \"b\":{\"k\":\"v\",\"k\":\"w\"}, \"n\":12345678901234567890}";
	const char *pa[] = { "a", NULL }, *pb[] = { "b", NULL }, *pn[] = { "n", NULL };
	struct sk_err e = { 0 };
	yajl_val t = NULL, a, b, n;

	CHECK_INT(cj_parse_tree(json, strlen(json), &t, &e), 0);
	if (!t)
		return;
	a = yajl_tree_get(t, pa, yajl_t_array);
	b = yajl_tree_get(t, pb, yajl_t_object);
	n = yajl_tree_get(t, pn, yajl_t_number);
	CHECK(a && a->u.array.len == 7);
	if (a && a->u.array.len == 7) {
		CHECK(YAJL_IS_INTEGER(a->u.array.values[0]));
		CHECK_INT(YAJL_GET_INTEGER(a->u.array.values[0]), 1);
		CHECK(YAJL_IS_DOUBLE(a->u.array.values[1]));
		CHECK(!YAJL_IS_INTEGER(a->u.array.values[1]));
		CHECK_STR(a->u.array.values[1]->u.number.r, "-2.5");
		CHECK_STR(YAJL_GET_STRING(a->u.array.values[2]), "s");
		CHECK(YAJL_IS_TRUE(a->u.array.values[3]));
		CHECK(YAJL_IS_FALSE(a->u.array.values[4]));
		CHECK(YAJL_IS_NULL(a->u.array.values[5]));
		CHECK(YAJL_IS_OBJECT(a->u.array.values[6]));
		CHECK_INT(a->u.array.values[6]->u.object.len, 0);
	}
	/* duplicate keys are all kept, in order (cj_get takes the last) */
	CHECK(b && b->u.object.len == 2);
	CHECK_STR(YAJL_GET_STRING(cj_get(b, "k")), "w");
	/* beyond long long: the text is kept, not the integer */
	CHECK(n && !YAJL_IS_INTEGER(n));
	CHECK_STR(n ? n->u.number.r : NULL, "12345678901234567890");
	yajl_tree_free(t);
}

/* 150,000 elements: arrays grow geometrically (yajl_tree_parse grew them
 * by one, minutes under ASan). */
TEST(tree_large_array)
{
	size_t n = 150000, len = 0;
	char *json = sk_xmalloc(n * 16 + 16);
	struct sk_err e = { 0 };
	yajl_val t = NULL;

	json[len++] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(json + len, "%s\"E%zu\"", i ? "," : "", i);
	json[len++] = ']';
	CHECK_INT(cj_parse_tree(json, len, &t, &e), 0);
	CHECK(YAJL_IS_ARRAY(t) && t->u.array.len == n);
	if (YAJL_IS_ARRAY(t) && t->u.array.len == n)
		CHECK_STR(YAJL_GET_STRING(t->u.array.values[n - 1]), "E149999");
	yajl_tree_free(t);
	free(json);
}

/* Syntax errors name the line and column as well as the byte; a partial
 * tree is freed (ASan's leak check). */
TEST(tree_error_position)
{
	static const char json[] = "{\"a\": [1, 2,\n  {\"b\": tru}]}";
	static const char nul[] = "[[1,{\"x\":\"a\\u0000\"}]]";
	struct sk_err e = { 0 };
	yajl_val t = (yajl_val)1;

	CHECK_INT(cj_parse_tree(json, strlen(json), &t, &e), -EINVAL);
	CHECK(t == NULL);
	CHECK_CONTAINS(e.msg, "invalid JSON: ");
	CHECK_CONTAINS(e.msg, "line 2 column ");
	CHECK(strchr(e.msg, '\n') == NULL);
	CHECK_INT(cj_parse_tree(nul, strlen(nul), &t, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "string contains a NUL character");
	CHECK_CONTAINS(e.msg, "line 1 column ");
}

TEST(deep_nesting)
{
	size_t depth = 100000;
	char *json = sk_xmalloc(2 * depth + 64);
	struct sk_err e = { 0 };
	struct oci_config *c = NULL;
	size_t n = 0;

	n += (size_t)sprintf(json, "{\"ociVersion\":\"1\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		json[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		json[n++] = ']';
	json[n++] = '}';
	json[n] = '\0';
	CHECK_INT(oci_config_parse(json, n, &c, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "nesting deeper than");
	free(json);

	/* moderately deep unknown fields are fine */
	c = parse_ok(MIN_HEAD ",\"x\":[[[[[[[[[[{\"a\":[[[]]]}]]]]]]]]]]}");
	oci_config_free(c);
}

TEST(not_an_object)
{
	struct sk_err e = { 0 };

	parse_bad("[]", &e);
	CHECK_CONTAINS(e.msg, "expected a JSON object");
	parse_bad("42", &e);
	CHECK_CONTAINS(e.msg, "expected a JSON object");
}

TEST(missing_required)
{
	struct sk_err e = { 0 };

	parse_bad("{\"root\":{\"path\":\"r\"}}", &e);
	CHECK_CONTAINS(e.msg, "config.json: ociVersion: missing required field");
	parse_bad("{\"ociVersion\":\"1.2.0\"}", &e);
	CHECK_CONTAINS(e.msg, "config.json: root.path: missing required field");
	parse_bad("{\"ociVersion\":\"1.2.0\",\"root\":{\"readonly\":true}}", &e);
	CHECK_CONTAINS(e.msg, "root.path: missing required field");
	parse_bad("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"\"}}", &e);
	CHECK_CONTAINS(e.msg, "root.path: must not be empty");
	bad_with(",\"process\":{\"args\":[\"sh\"]}", "process.cwd: missing required field");
	bad_with(",\"process\":{\"cwd\":\"tmp\"}", "process.cwd: \"tmp\" is not an absolute path");
	bad_with(",\"mounts\":[{\"source\":\"x\"}]", "mounts[0].destination: missing required");
	bad_with(",\"mounts\":[{\"destination\":\"\"}]", "mounts[0].destination: must not be empty");
	bad_with(",\"process\":{\"cwd\":\"/\",\"consoleSize\":{\"height\":1}}",
		 "process.consoleSize.width: missing required field");
}

TEST(null_is_absent)
{
	struct oci_config *c = parse_ok(MIN_HEAD ",\"process\":null,\"hostname\":null,"
					"\"linux\":{\"namespaces\":null,\"resources\":null}}");
	if (!c)
		return;
	CHECK(c->process == NULL);
	CHECK(c->hostname == NULL);
	CHECK(!c->lnx.resources.present);
	oci_config_free(c);
}

TEST(process_defaults)
{
	struct oci_config *c = parse_ok(MIN_HEAD ",\"process\":{\"cwd\":\"/\"}}");
	struct oci_process *p;

	if (!c)
		return;
	p = c->process;
	CHECK(p != NULL);
	if (p) {
		CHECK_INT(p->user.uid, 0);
		CHECK_INT(p->user.gid, 0);
		CHECK(!p->user.has_umask);
		CHECK_INT(p->n_args, 0);
		CHECK(p->args == NULL);
		CHECK(!p->caps.present);
		CHECK(!p->oom_score_adj.set);
		CHECK(!p->terminal);
		CHECK(!p->has_console_size);
	}
	oci_config_free(c);
}

TEST(unknown_namespace)
{
	bad_with(",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"},"
		 "{\"type\":\"foo\"}]}",
		 "config.json: linux.namespaces[2].type: unknown namespace type \"foo\"");
	bad_with(",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
		 "linux.namespaces[1].type: duplicate namespace type \"pid\"");
	bad_with(",\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}",
		 "linux.namespaces[0].type: missing required field");
	bad_with(",\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}", "unknown namespace type \"net\"");
	bad_with(",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"x\"}]}",
		 "linux.namespaces[0].path: \"x\" is not an absolute path");
}

TEST(unknown_capability)
{
	bad_with(",\"process\":{\"cwd\":\"/\",\"capabilities\":{\"bounding\":"
		 "[\"CAP_KILL\",\"CAP_CHOWN\",\"CAP_SYS_ADMIN\",\"CAP_FOO\"]}}",
		 "config.json: process.capabilities.bounding[3]: unknown capability \"CAP_FOO\"");
	bad_with(",\"process\":{\"cwd\":\"/\",\"capabilities\":{\"ambient\":[7]}}",
		 "process.capabilities.ambient[0]: expected string");
}

TEST(rlimit_validation)
{
	bad_with(",\"process\":{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\","
		 "\"soft\":1,\"hard\":1}]}",
		 "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	bad_with(",\"process\":{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CPU\","
		 "\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":1}]}",
		 "process.rlimits[1].type: duplicate rlimit \"RLIMIT_CPU\"");
	bad_with(",\"process\":{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CPU\","
		 "\"soft\":5,\"hard\":1}]}",
		 "process.rlimits[0]: soft limit 5 exceeds hard limit 1");
	bad_with(",\"process\":{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CPU\",\"soft\":5}]}",
		 "process.rlimits[0].hard: missing required field");
}

TEST(rlimit_names_all)
{
	static const char *const names[] = {
		"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
		"RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
		"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
		"RLIMIT_RTPRIO", "RLIMIT_RTTIME",
	};
	static const int nums[] = {
		RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE,
		RLIMIT_RSS, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS,
		RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE,
		RLIMIT_RTPRIO, RLIMIT_RTTIME,
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *j = sk_xasprintf("{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"%s\","
				       "\"soft\":1,\"hard\":2}]}", names[i]);
		struct oci_process *p = NULL;
		struct sk_err e = { 0 };

		CHECK_INT(oci_process_parse(j, strlen(j), &p, &e), 0);
		if (p) {
			CHECK_INT(p->rlimits[0].resource, nums[i]);
			oci_process_free(p);
		}
		free(j);
	}
}

TEST(seccomp_validation)
{
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}",
		 "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"");
	bad_with(",\"linux\":{\"seccomp\":{}}",
		 "linux.seccomp.defaultAction: missing required field");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
		 "[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
		 "[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_FOO\"}]}]}}",
		 "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_FOO\"");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
		 "[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":"
		 "[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}",
		 "linux.seccomp.syscalls[0].args[0].index: expected integer in 0..5");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
		 "[{\"action\":\"SCMP_ACT_ERRNO\"}]}}",
		 "linux.seccomp.syscalls[0].names: missing required field");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
		 "[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}",
		 "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		 "\"architectures\":[\"SCMP_ARCH_Z80\"]}}",
		 "linux.seccomp.architectures[0]: unknown seccomp architecture \"SCMP_ARCH_Z80\"");
	bad_with(",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		 "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\",\"BOGUS\"]}}",
		 "linux.seccomp.flags[1]: unknown seccomp flag \"BOGUS\"");
}

TEST(seccomp_all_names)
{
	static const char *const acts[] = {
		"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
		"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
	};
	static const char *const ops[] = {
		"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
		"SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
	};
	for (size_t i = 0; i < 8; i++) {
		char *j = sk_xasprintf(MIN_HEAD ",\"linux\":{\"seccomp\":{\"defaultAction\":\"%s\","
				       "\"syscalls\":[{\"names\":[\"x\"],\"action\":\"%s\",\"args\":"
				       "[{\"index\":1,\"value\":2,\"op\":\"%s\"}]}]}}}",
				       acts[i], acts[7 - i], ops[i % 7]);
		struct oci_config *c = parse_ok(j);
		if (c) {
			CHECK_INT(c->lnx.seccomp.default_action, i);
			CHECK_INT(c->lnx.seccomp.syscalls[0].action, 7 - i);
			CHECK_INT(c->lnx.seccomp.syscalls[0].args[0].op, i % 7);
			oci_config_free(c);
		}
		free(j);
	}
}

TEST(device_validation)
{
	bad_with(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\","
		 "\"major\":1,\"minor\":1}]}",
		 "linux.devices[0].type: unknown device type \"z\"");
	bad_with(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"minor\":1}]}",
		 "linux.devices[0].major: missing required field for type c");
	bad_with(",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":1}]}",
		 "linux.devices[0].minor: missing required field for type b");
	bad_with(",\"linux\":{\"devices\":[{\"type\":\"p\"}]}",
		 "linux.devices[0].path: missing required field");
	bad_with(",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"p\"}]}}",
		 "linux.resources.devices[0].type: unknown device type \"p\"");
	bad_with(",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}}",
		 "linux.resources.devices[0].access: \"rx\" is not a combination of r, w and m");
	bad_with(",\"linux\":{\"resources\":{\"devices\":[{\"type\":\"a\"}]}}",
		 "linux.resources.devices[0].allow: missing required field");
	bad_with(",\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"major\":-2}]}}",
		 "linux.resources.devices[0].major: expected integer >= -1");
}

TEST(propagation_and_enums)
{
	bad_with(",\"linux\":{\"rootfsPropagation\":\"rshard\"}",
		 "linux.rootfsPropagation: unknown propagation \"rshard\"");
	bad_with(",\"process\":{\"cwd\":\"/\",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}}",
		 "process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\"");
	bad_with(",\"process\":{\"cwd\":\"/\",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\","
		 "\"priority\":8}}",
		 "process.ioPriority.priority: expected integer in 0..7");
	bad_with(",\"process\":{\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_WHATEVER\"}}",
		 "process.scheduler.policy: unknown scheduler policy \"SCHED_WHATEVER\"");
	bad_with(",\"process\":{\"cwd\":\"/\",\"scheduler\":{\"nice\":1}}",
		 "process.scheduler.policy: missing required field");
	bad_with(",\"process\":{\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_FIFO\","
		 "\"flags\":[\"SCHED_FLAG_NOPE\"]}}",
		 "process.scheduler.flags[0]: unknown scheduler flag \"SCHED_FLAG_NOPE\"");
	bad_with(",\"linux\":{\"personality\":{\"domain\":\"LINUX64\"}}",
		 "linux.personality.domain: unknown personality domain \"LINUX64\"");
	bad_with(",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_FOO\"}}",
		 "linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_FOO\"");
	bad_with(",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"flags\":[\"X\"]}}",
		 "linux.memoryPolicy.flags[0]: unknown memory policy flag \"X\"");
	bad_with(",\"linux\":{\"timeOffsets\":{\"boottime\":{\"secs\":1,\"nanosecs\":1000000000}}}",
		 "linux.timeOffsets.boottime.nanosecs: expected integer in 0..999999999");
}

TEST(all_propagations_and_policies)
{
	static const char *const props[] = { "shared", "slave", "private", "unbindable",
					     "rshared", "rslave", "rprivate", "runbindable" };
	static const char *const pols[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
					    "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE" };
	static const char *const modes[] = { "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
					     "MPOL_PREFERRED", "MPOL_PREFERRED_MANY",
					     "MPOL_LOCAL", "MPOL_WEIGHTED_INTERLEAVE" };
	for (size_t i = 0; i < 8; i++) {
		char *j = sk_xasprintf(MIN_HEAD ",\"process\":{\"cwd\":\"/\",\"scheduler\":"
				       "{\"policy\":\"%s\"}},\"linux\":{\"rootfsPropagation\":\"%s\","
				       "\"memoryPolicy\":{\"mode\":\"%s\"},"
				       "\"personality\":{\"domain\":\"LINUX\"}}}",
				       pols[i % 7], props[i], modes[i % 7]);
		struct oci_config *c = parse_ok(j);
		if (c) {
			CHECK_STR(c->lnx.rootfs_propagation, props[i]);
			CHECK_INT(c->process->scheduler.policy, i % 7);
			CHECK_STR(c->lnx.memory_policy.mode, modes[i % 7]);
			oci_config_free(c);
		}
		free(j);
	}
}

TEST(hook_validation)
{
	bad_with(",\"hooks\":{\"prestart\":[{\"path\":\"relative\"}]}",
		 "hooks.prestart[0].path: \"relative\" is not an absolute path");
	bad_with(",\"hooks\":{\"poststop\":[{\"args\":[]}]}",
		 "hooks.poststop[0].path: missing required field");
	bad_with(",\"hooks\":{\"createRuntime\":[{\"path\":\"/x\",\"timeout\":0}]}",
		 "hooks.createRuntime[0].timeout: must be a positive number of seconds");
	bad_with(",\"hooks\":{\"createRuntime\":[{\"path\":\"/x\",\"timeout\":-3}]}",
		 "hooks.createRuntime[0].timeout: must be a positive");
	bad_with(",\"hooks\":{\"startContainer\":{}}", "hooks.startContainer: expected array");
	bad_with(",\"hooks\":{\"poststart\":[{\"path\":\"/x\",\"env\":[1]}]}",
		 "hooks.poststart[0].env[0]: expected string");
}

TEST(oom_and_console)
{
	bad_with(",\"process\":{\"cwd\":\"/\",\"oomScoreAdj\":1001}",
		 "process.oomScoreAdj: expected integer in -1000..1000");
	bad_with(",\"process\":{\"cwd\":\"/\",\"oomScoreAdj\":-1001}",
		 "process.oomScoreAdj: expected integer in -1000..1000");
	bad_with(",\"process\":{\"cwd\":\"/\",\"consoleSize\":{\"height\":-1,\"width\":1}}",
		 "process.consoleSize.height: expected non-negative integer below 2^32");
	bad_with(",\"process\":{\"cwd\":\"/\",\"consoleSize\":[]}",
		 "process.consoleSize: expected object");
}

TEST(idmap_validation)
{
	bad_with(",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1}]}",
		 "linux.uidMappings[0].size: missing required field");
	bad_with(",\"linux\":{\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}",
		 "linux.gidMappings[0].size: must be at least 1");
	bad_with(",\"linux\":{\"uidMappings\":[{\"containerID\":4294967295,\"hostID\":1,"
		 "\"size\":2}]}",
		 "linux.uidMappings[0]: containerID + size exceeds 2^32");
	bad_with(",\"mounts\":[{\"destination\":\"/x\",\"uidMappings\":[{\"containerID\":0,"
		 "\"hostID\":-1,\"size\":1}]}]",
		 "mounts[0].uidMappings[0].hostID: expected non-negative integer below 2^32");
}

TEST(unknown_fields_ignored)
{
	struct oci_config *c = parse_ok(
		MIN_HEAD ",\"whatever\":{\"deep\":[1,2,{\"x\":null}]},\"windows\":{\"a\":1},"
		"\"vm\":{\"hypervisor\":{\"path\":\"/x\"}},"
		"\"process\":{\"cwd\":\"/\",\"commandLine\":\"x\",\"unknownField\":7,"
		"\"user\":{\"uid\":3,\"extra\":\"y\"}},"
		"\"linux\":{\"intelRdt\":{\"closID\":\"x\"},\"netDevices\":{\"eth0\":{}},"
		"\"resources\":{\"rdma\":{\"x\":{\"hcaHandles\":1}},\"memory\":{\"limit\":5,"
		"\"zzz\":\"a\"}}}}");
	if (!c)
		return;
	CHECK_INT(c->process->user.uid, 3);
	CHECK_INT(c->lnx.resources.memory.limit.v, 5);
	oci_config_free(c);
}

TEST(duplicate_keys_last_wins)
{
	struct oci_config *c = parse_ok(MIN_HEAD ",\"hostname\":\"a\",\"hostname\":\"b\","
					"\"annotations\":{\"k\":\"1\",\"j\":\"2\",\"k\":\"3\"}}");
	if (!c)
		return;
	CHECK_STR(c->hostname, "b");
	CHECK_INT(c->n_annotations, 2);
	CHECK_STR(c->annotations[0].key, "k");
	CHECK_STR(c->annotations[0].value, "3");
	CHECK_STR(oci_annotation(c, "j"), "2");
	oci_config_free(c);
}

TEST(many_annotations)
{
	size_t n = 5000, cap = n * 40 + 128, len;
	char *json = sk_xmalloc(cap);
	struct oci_config *c;

	len = (size_t)snprintf(json, cap, "%s,\"annotations\":{", MIN_HEAD);
	for (size_t i = 0; i < 2 * n; i++)
		len += (size_t)snprintf(json + len, cap - len, "%s\"k%zu\":\"%zu\"", i ? "," : "",
					i % n, i);
	snprintf(json + len, cap - len, "}}");
	c = parse_ok(json);
	if (c) {
		CHECK_INT(c->n_annotations, n);
		CHECK_STR(c->annotations[0].key, "k0");
		CHECK_STR(c->annotations[0].value, "5000");
		CHECK_STR(c->annotations[4999].key, "k4999");
		CHECK_STR(oci_annotation(c, "k17"), "5017");
		oci_config_free(c);
	}
	free(json);
}

TEST(process_parse_alone)
{
	static const char j[] = "{\"terminal\":false,\"user\":{\"uid\":1000,\"gid\":100},"
				"\"args\":[\"/bin/ls\",\"-l\"],\"env\":[\"X=1\"],\"cwd\":\"/home\","
				"\"noNewPrivileges\":true}";
	struct oci_process *p = NULL;
	struct sk_err e = { 0 };

	CHECK_INT(oci_process_parse(j, strlen(j), &p, &e), 0);
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_INT(p->user.uid, 1000);
	CHECK_INT(p->user.gid, 100);
	CHECK_INT(p->n_args, 2);
	CHECK_STR(p->args[0], "/bin/ls");
	CHECK_STR(p->cwd, "/home");
	CHECK(p->no_new_privileges);
	oci_process_free(p);
}

TEST(process_parse_errors)
{
	struct oci_process *p = NULL;
	struct sk_err e = { 0 };
	static const char a[] = "{\"cwd\":\"/\",\"args\":[\"x\",{}]}";
	static const char b[] = "[\"x\"]";
	static const char c[] = "{\"cwd\":";

	CHECK_INT(oci_process_parse(a, strlen(a), &p, &e), -EINVAL);
	CHECK_STR(e.msg, "process.args[1]: expected string");
	CHECK(p == NULL);
	CHECK_INT(oci_process_parse(b, strlen(b), &p, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "expected a JSON object");
	CHECK_INT(oci_process_parse(c, strlen(c), &p, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "invalid JSON: ");
	oci_process_free(NULL);
}

TEST(caps_table)
{
	CHECK_INT(oci_cap_last(), 40);
	CHECK_INT(oci_cap_from_name("CAP_CHOWN"), 0);
	CHECK_INT(oci_cap_from_name("CAP_SYS_ADMIN"), 21);
	CHECK_INT(oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	CHECK_INT(oci_cap_from_name("CAP_BPF"), 39);
	CHECK_INT(oci_cap_from_name("CAP_FOO"), -1);
	CHECK_INT(oci_cap_from_name("cap_chown"), -1);
	CHECK_INT(oci_cap_from_name(NULL), -1);
	CHECK_STR(oci_cap_name(13), "CAP_NET_RAW");
	CHECK(oci_cap_name(41) == NULL);
	CHECK(oci_cap_name(-1) == NULL);
	for (int i = 0; i <= oci_cap_last(); i++)
		CHECK_INT(oci_cap_from_name(oci_cap_name(i)), i);
}

TEST(ns_names)
{
	CHECK_STR(oci_ns_name(OCI_NS_PID), "pid");
	CHECK_STR(oci_ns_name(OCI_NS_NET), "network");
	CHECK_STR(oci_ns_name(OCI_NS_IPC), "ipc");
	CHECK_STR(oci_ns_name(OCI_NS_MNT), "mount");
	CHECK_STR(oci_ns_name(OCI_NS_UTS), "uts");
	CHECK_STR(oci_ns_name(OCI_NS_USER), "user");
	CHECK_STR(oci_ns_name(OCI_NS_CGROUP), "cgroup");
	CHECK_STR(oci_ns_name(OCI_NS_TIME), "time");
	CHECK(oci_ns_name(OCI_NS__MAX) == NULL);
}

TEST(spec_default_roundtrip)
{
	char *s = oci_spec_default(false, true);
	struct oci_config *c;

	CHECK(s != NULL);
	c = parse_ok(s);
	if (c) {
		CHECK_STR(c->oci_version, SKIFF_OCI_VERSION);
		CHECK_STR(c->root_path, "rootfs");
		CHECK(c->root_readonly);
		CHECK_STR(c->hostname, "skiff");
		CHECK(c->process && c->process->terminal);
		CHECK(c->process && c->process->no_new_privileges);
		CHECK_STR(c->process->args[0], "sh");
		CHECK_INT(c->process->n_env, 2);
		CHECK_STR(c->process->cwd, "/");
		CHECK(c->process->caps.bounding ==
		      ((UINT64_C(1) << 29) | (UINT64_C(1) << 5) | (UINT64_C(1) << 10)));
		CHECK_INT(c->process->caps.ambient, 0); /* as runc: ambient needs inheritable */
		CHECK_INT(c->process->n_rlimits, 1);
		CHECK_INT(c->process->rlimits[0].resource, RLIMIT_NOFILE);
		CHECK_INT(c->process->rlimits[0].soft, 1024);
		CHECK_INT(c->n_mounts, 7);
		CHECK_STR(c->mounts[0].destination, "/proc");
		CHECK_STR(c->mounts[6].destination, "/sys/fs/cgroup");
		CHECK_STR(c->mounts[5].type, "sysfs");
		CHECK(c->lnx.namespaces[OCI_NS_NET].present);
		CHECK(c->lnx.namespaces[OCI_NS_CGROUP].present);
		CHECK(!c->lnx.namespaces[OCI_NS_USER].present);
		CHECK(c->lnx.resources.present);
		CHECK_INT(c->lnx.n_masked_paths, 10);
		CHECK_INT(c->lnx.n_readonly_paths, 5);
		oci_config_free(c);
	}
	free(s);
}

TEST(spec_default_rootless)
{
	char *s = oci_spec_default(true, false);
	struct oci_config *c = parse_ok(s);

	if (c) {
		CHECK(!c->lnx.namespaces[OCI_NS_NET].present);
		CHECK(c->lnx.namespaces[OCI_NS_USER].present);
		CHECK(!c->lnx.namespaces[OCI_NS_CGROUP].present);
		CHECK_INT(c->lnx.n_uid_mappings, 1);
		CHECK_INT(c->lnx.uid_mappings[0].host_id, geteuid());
		CHECK_INT(c->lnx.gid_mappings[0].host_id, getegid());
		CHECK_INT(c->lnx.uid_mappings[0].size, 1);
		CHECK(!c->lnx.resources.present);
		CHECK_STR(c->mounts[5].destination, "/sys");
		CHECK_STR(c->mounts[5].source, "/sys");
		CHECK_STR(c->mounts[5].options[0], "rbind");
		/* no gid=5 on devpts */
		for (size_t i = 0; i < c->mounts[2].n_options; i++)
			CHECK(strncmp(c->mounts[2].options[i], "gid=", 4) != 0);
		CHECK_INT(c->mounts[2].n_options, 5);
		oci_config_free(c);
	}
	free(s);
}

/* update -r: devices are not read (runc's update ignores them) */
TEST(update_resources)
{
	static const char j[] = "{\"devices\":[{\"allow\":true,\"access\":\"rwa\"},{\"allow\":1}],"
				"\"memory\":{\"limit\":1048576,\"kernelTCP\":4096}}";
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	bool dev = false;

	CHECK_INT(oci_update_resources_parse(j, strlen(j), &c, &dev, &e), 0);
	CHECK(dev);
	if (c) {
		CHECK_INT(c->lnx.resources.n_devices, 0);
		CHECK_INT(c->lnx.resources.memory.limit.v, 1048576);
		CHECK_INT(c->lnx.resources.memory.kernel_tcp.v, 4096);
		oci_config_free(c);
	}
	c = NULL;
	CHECK(oci_update_resources_parse("{\"memory\":{\"limit\":\"x\"}}", 24, &c, &dev, &e) < 0);
	CHECK(!dev);
	CHECK(c == NULL);
	CHECK_CONTAINS(e.msg, "memory.limit");
	CHECK(oci_update_resources_parse("[1]", 3, &c, &dev, &e) < 0);
	CHECK_CONTAINS(e.msg, "JSON object");
}

/* runc's spec: a cgroup namespace on a cgroup v2 host only */
TEST(spec_default_cgroupns)
{
	for (int rootless = 0; rootless < 2; rootless++)
		for (int cgns = 0; cgns < 2; cgns++) {
			char *s = oci_spec_default(rootless, cgns);
			struct oci_config *c = parse_ok(s);
			if (c) {
				CHECK(c->lnx.namespaces[OCI_NS_CGROUP].present == (bool)cgns);
				CHECK(c->lnx.namespaces[OCI_NS_USER].present == (bool)rootless);
				CHECK(c->lnx.namespaces[OCI_NS_MNT].present);
				oci_config_free(c);
			}
			free(s);
		}
}

static yajl_val tree_get(yajl_val v, const char *a, const char *b)
{
	const char *path[] = { a, b, NULL };
	return yajl_tree_get(v, path, yajl_t_any);
}

static bool array_has(yajl_val a, const char *s)
{
	for (size_t i = 0; YAJL_IS_ARRAY(a) && i < a->u.array.len; i++)
		if (YAJL_IS_STRING(a->u.array.values[i]) && !strcmp(a->u.array.values[i]->u.string, s))
			return true;
	return false;
}

TEST(features_json)
{
	char *s = oci_features_json();
	char err[256];
	yajl_val t = yajl_tree_parse(s, err, sizeof(err));
	yajl_val v;

	CHECK(t != NULL);
	if (!t) {
		printf("# %s\n", err);
		free(s);
		return;
	}
	CHECK_STR(YAJL_GET_STRING(tree_get(t, "ociVersionMin", NULL)), "1.0.0");
	CHECK_STR(YAJL_GET_STRING(tree_get(t, "ociVersionMax", NULL)), "1.2.0");
	v = tree_get(t, "hooks", NULL);
	CHECK(YAJL_IS_ARRAY(v) && v->u.array.len == 6);
	CHECK(array_has(v, "createRuntime"));
	v = tree_get(t, "mountOptions", NULL);
	CHECK(array_has(v, "rbind") && array_has(v, "tmpcopyup") && array_has(v, "nosymfollow"));
	v = tree_get(t, "linux", "namespaces");
	CHECK(YAJL_IS_ARRAY(v) && v->u.array.len == 8);
	v = tree_get(t, "linux", "capabilities");
	CHECK(YAJL_IS_ARRAY(v) && v->u.array.len == 41);
	CHECK(array_has(v, "CAP_CHECKPOINT_RESTORE"));
	{
		const char *p[] = { "linux", "cgroup", "v2", NULL };
		CHECK(YAJL_IS_TRUE(yajl_tree_get(t, p, yajl_t_any)));
	}
	{
		const char *p[] = { "linux", "cgroup", "systemd", NULL };
		CHECK(YAJL_IS_FALSE(yajl_tree_get(t, p, yajl_t_any)));
	}
	{
		const char *p[] = { "linux", "seccomp", "actions", NULL };
		v = yajl_tree_get(t, p, yajl_t_any);
		CHECK(YAJL_IS_ARRAY(v) && v->u.array.len == 9);
		CHECK(array_has(v, "SCMP_ACT_NOTIFY"));
	}
	{
		const char *p[] = { "linux", "seccomp", "archs", NULL };
		CHECK(array_has(yajl_tree_get(t, p, yajl_t_any), "SCMP_ARCH_X86_64"));
	}
	{
		const char *p[] = { "linux", "seccomp", "supportedFlags", NULL };
		CHECK(array_has(yajl_tree_get(t, p, yajl_t_any), "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
	}
	{
		const char *p[] = { "linux", "apparmor", "enabled", NULL };
		CHECK(YAJL_IS_FALSE(yajl_tree_get(t, p, yajl_t_any)));
	}
	CHECK_STR(YAJL_GET_STRING(tree_get(t, "annotations", "org.skiff.version")), SKIFF_VERSION);
	yajl_tree_free(t);
	free(s);
}

TEST(load_from_bundle)
{
	char dir[] = "/tmp/skiff-test-cfg.XXXXXX";
	struct oci_config *c = NULL;
	struct sk_err e = { 0 };
	char *path;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(oci_config_load(dir, &c, &e), -ENOENT);
	CHECK_CONTAINS(e.msg, "/config.json: No such file or directory");
	CHECK(strncmp(e.msg, dir, strlen(dir)) == 0);

	path = sk_xasprintf("%s/config.json", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, MIN_HEAD ",\"hostname\":7}", strlen(MIN_HEAD) + 14) > 0);
	close(fd);
	CHECK_INT(oci_config_load(dir, &c, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "/config.json: hostname: expected string");
	CHECK(strncmp(e.msg, dir, strlen(dir)) == 0);

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(write(fd, MIN_HEAD "}", strlen(MIN_HEAD) + 1) > 0);
	close(fd);
	CHECK_INT(oci_config_load(dir, &c, &e), 0);
	CHECK(c && !strcmp(c->root_path, "rootfs"));
	oci_config_free(c);
	unlink(path);
	rmdir(dir);
	free(path);
}

TEST(free_null)
{
	oci_config_free(NULL);
	{
		_cleanup_config_ struct oci_config *c = parse_ok(MIN_HEAD "}");
		CHECK(c != NULL);
	}
}

int main(void)
{
	RUN(minimal);
	RUN(full_top_and_mounts);
	RUN(full_process);
	RUN(full_hooks);
	RUN(full_linux);
	RUN(full_resources);
	RUN(full_seccomp);
	RUN(wrong_type_paths);
	RUN(huge_numbers);
	RUN(extreme_int64_values);
	RUN(malformed_json);
	RUN(malformed_json_embedded_nul);
	RUN(nul_in_string);
	RUN(tree_layout);
	RUN(tree_large_array);
	RUN(tree_error_position);
	RUN(deep_nesting);
	RUN(not_an_object);
	RUN(missing_required);
	RUN(null_is_absent);
	RUN(process_defaults);
	RUN(unknown_namespace);
	RUN(unknown_capability);
	RUN(rlimit_validation);
	RUN(rlimit_names_all);
	RUN(seccomp_validation);
	RUN(seccomp_all_names);
	RUN(device_validation);
	RUN(propagation_and_enums);
	RUN(all_propagations_and_policies);
	RUN(hook_validation);
	RUN(oom_and_console);
	RUN(idmap_validation);
	RUN(unknown_fields_ignored);
	RUN(duplicate_keys_last_wins);
	RUN(many_annotations);
	RUN(process_parse_alone);
	RUN(process_parse_errors);
	RUN(caps_table);
	RUN(ns_names);
	RUN(spec_default_roundtrip);
	RUN(spec_default_rootless);
	RUN(spec_default_cgroupns);
	RUN(update_resources);
	RUN(features_json);
	RUN(load_from_bundle);
	RUN(free_null);
	return unit_done();
}
