/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_config_spec.c - process.json, the default spec, update -r, features, load. */
#include "config_fixture.h"

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
		CHECK(YAJL_IS_TRUE(yajl_tree_get(t, p, yajl_t_any)));
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
