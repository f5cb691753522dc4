/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config_validate.c - config.json validation: required fields, names, enums. */
#include "config_fixture.h"

TEST(missing_required)
{
	bad_doc("{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: missing required field");
	bad_doc("{\"ociVersion\":\"1.2.0\"}", "config.json: root.path: missing required field");
	bad_doc("{\"ociVersion\":\"1.2.0\",\"root\":{\"readonly\":true}}",
		"root.path: missing required field");
	bad_doc("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"\"}}",
		"root.path: must not be empty");
	bad_with(",\"process\":{\"args\":[\"sh\"]}", "process.cwd: missing required field");
	bad_with(",\"process\":{\"cwd\":\"tmp\"}", "process.cwd: \"tmp\" is not an absolute path");
	bad_with(",\"mounts\":[{\"source\":\"x\"}]", "mounts[0].destination: missing required");
	bad_with(",\"mounts\":[{\"destination\":\"\"}]", "mounts[0].destination: must not be empty");
	bad_with(",\"process\":{\"cwd\":\"/\",\"consoleSize\":{\"height\":1}}",
		 "process.consoleSize.width: missing required field");
}

TEST(null_is_absent)
{
	struct oci_config *c =
		parse_ok(MIN_HEAD ",\"process\":null,\"hostname\":null,"
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
	bad_with(",\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}",
		 "unknown namespace type \"net\"");
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
		"RLIMIT_CPU",	   "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
		"RLIMIT_CORE",	   "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
		"RLIMIT_MEMLOCK",  "RLIMIT_AS",	   "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
		"RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
	};
	static const int nums[] = {
		RLIMIT_CPU,	 RLIMIT_FSIZE, RLIMIT_DATA,   RLIMIT_STACK,
		RLIMIT_CORE,	 RLIMIT_RSS,   RLIMIT_NPROC,  RLIMIT_NOFILE,
		RLIMIT_MEMLOCK,	 RLIMIT_AS,    RLIMIT_LOCKS,  RLIMIT_SIGPENDING,
		RLIMIT_MSGQUEUE, RLIMIT_NICE,  RLIMIT_RTPRIO, RLIMIT_RTTIME,
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *j = sk_xasprintf("{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"%s\","
				       "\"soft\":1,\"hard\":2}]}",
				       names[i]);
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
		"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
		"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",	   "SCMP_ACT_ALLOW",	   "SCMP_ACT_LOG",
	};
	static const char *const ops[] = {
		"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
	};
	for (size_t i = 0; i < 8; i++) {
		char *j = sk_xasprintf(MIN_HEAD
				       ",\"linux\":{\"seccomp\":{\"defaultAction\":\"%s\","
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
	static const char *const props[] = { "shared",	"slave",  "private",  "unbindable",
					     "rshared", "rslave", "rprivate", "runbindable" };
	static const char *const pols[] = { "SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
					    "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
					    "SCHED_DEADLINE" };
	static const char *const modes[] = {
		"MPOL_DEFAULT",	       "MPOL_BIND",  "MPOL_INTERLEAVE",		"MPOL_PREFERRED",
		"MPOL_PREFERRED_MANY", "MPOL_LOCAL", "MPOL_WEIGHTED_INTERLEAVE"
	};
	for (size_t i = 0; i < 8; i++) {
		char *j = sk_xasprintf(MIN_HEAD
				       ",\"process\":{\"cwd\":\"/\",\"scheduler\":"
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
	struct oci_config *c =
		parse_ok(MIN_HEAD ",\"hostname\":\"a\",\"hostname\":\"b\","
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

int main(void)
{
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
	return unit_done();
}
