/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config_full.c - a minimal and a full config.json, every field read back. */
#include "config_fixture.h"

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

int main(void)
{
	RUN(minimal);
	RUN(full_top_and_mounts);
	RUN(full_process);
	RUN(full_hooks);
	RUN(full_linux);
	RUN(full_resources);
	RUN(full_seccomp);
	return unit_done();
}
