/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_process.c - process_validate and process_find_executable.
 */
#include "process_fixture.h"

/* ------------------------------------------------------------ validate */

TEST(validate_basics)
{
	struct oci_process p;
	struct oci_seccomp s = { .present = true, .default_action = OCI_SCMP_ALLOW };
	struct oci_rlimit rl[2] = {
		{ .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 10, .hard = 20 },
		{ .resource = RLIMIT_NOFILE, .type = "RLIMIT_NOFILE", .soft = 10, .hard = 20 },
	};
	struct sk_err e = { 0 };

	base_process(&p);
	CHECK_INT(process_validate(&p, &s, &e), 0);
	CHECK_INT(process_validate(&p, NULL, &e), 0);

	CHECK(process_validate(NULL, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process");

	p.n_args = 0;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.args");
	base_process(&p);

	p.cwd = "relative/dir";
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.cwd");
	base_process(&p);

	p.user.has_umask = true;
	p.user.umask = 01000;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.user.umask");
	base_process(&p);

	p.rlimits = rl;
	p.n_rlimits = 2;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.rlimits[1]");
	CHECK_CONTAINS(e.msg, "duplicate");
	p.n_rlimits = 1;
	rl[0].soft = 30;
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "soft limit 30 is greater than hard limit 20");
	rl[0].resource = -1;
	rl[0].type = "RLIMIT_BOGUS";
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "RLIMIT_BOGUS");
	base_process(&p);

	p.caps.present = true;
	p.caps.effective = BIT(C_KILL) | BIT(C_CHOWN);
	p.caps.permitted = BIT(C_KILL);
	CHECK(process_validate(&p, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "process.capabilities.effective");
	base_process(&p);

	/* a listener is supported; the default action cannot notify */
	s.listener_path = "/run/l.sock";
	CHECK_INT(process_validate(&p, &s, &e), 0);
	s.default_action = OCI_SCMP_NOTIFY;
	CHECK(process_validate(&p, &s, &e) < 0);
	CHECK_CONTAINS(e.msg, "linux.seccomp.defaultAction");
}

/* A process with an LSM label validates when the LSM is enabled (@on), and
 * otherwise fails with a message that contains @a and @b (is @a when @b is
 * NULL). */
static void check_lsm(const struct oci_process *p, const char *lsm, bool on, const char *a,
		      const char *b)
{
	struct sk_err e = { 0 };

	if (on) {
		printf("# %s enabled: only the no-error case is checked\n", lsm);
		CHECK_INT(process_validate(p, NULL, &e), 0);
		return;
	}
	CHECK(process_validate(p, NULL, &e) < 0);
	if (b) {
		CHECK_CONTAINS(e.msg, a);
		CHECK_CONTAINS(e.msg, b);
	} else {
		CHECK_STR(e.msg, a);
	}
}

TEST(validate_lsm)
{
	struct oci_process p;
	struct sk_err e = { 0 };
	char *s = NULL;
	size_t n;
	bool aa = false, se;
	struct stat st;

	if (sk_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &s, &n, &e) == 0)
		aa = s[0] == 'Y';
	free(s);
	se = stat("/sys/fs/selinux/enforce", &st) == 0;

	base_process(&p);
	p.apparmor_profile = "docker-default";
	check_lsm(&p, "AppArmor", aa, "process.apparmorProfile", "AppArmor is not enabled");
	base_process(&p);
	p.selinux_label = "system_u:system_r:container_t:s0";
	check_lsm(&p, "SELinux", se,
		  "process.selinuxLabel: selinux label is specified in config, but selinux is "
		  "disabled or not supported",
		  NULL);
}

/* ----------------------------------------------------- find executable */

static char tmpdir[PATH_MAX];

static void make_file(const char *rel, mode_t mode)
{
	char path[PATH_MAX * 2];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		(void)!write(fd, "#!/bin/sh\n", 10);
		fchmod(fd, mode);
		close(fd);
	}
}

/* Look up @name for @p: the result must be @want, and then the path found
 * (want 0) or the message is @str (when not NULL). */
static void find_case(struct oci_process *p, const char *name, int want, const char *str)
{
	char *args[] = { (char *)name, NULL };
	char *out = NULL;
	struct sk_err e = { 0 };
	int r;

	p->args = args;
	r = process_find_executable(p, &out, &e);
	p->args = NULL;
	if (r != want)
		printf("# looking up %s\n", name);
	CHECK_INT(r, want);
	if (want < 0)
		CHECK(out == NULL);
	if (str)
		CHECK_STR(want == 0 ? out : e.msg, str);
	free(out);
}

TEST(find_executable)
{
	struct oci_process p;
	struct sk_err e = { 0 };
	char *out = NULL, buf[PATH_MAX * 2], pathenv[PATH_MAX * 3], expect[PATH_MAX * 2];
	char *args[] = { "sh", NULL };
	char *env[] = { pathenv, NULL };

	strcpy(tmpdir, "/tmp/skiff-test-proc-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		CHECK(0);
		return;
	}
	snprintf(buf, sizeof(buf), "%s/bin", tmpdir);
	mkdir(buf, 0755);
	snprintf(buf, sizeof(buf), "%s/bin/adir", tmpdir);
	mkdir(buf, 0755);
	make_file("bin/tool", 0755);
	make_file("bin/noexec", 0644);
	make_file("other", 0700);

	base_process(&p);
	p.env = env;
	p.n_env = 1;
	p.cwd = tmpdir;
	snprintf(pathenv, sizeof(pathenv), "PATH=%s/none:%s/bin", tmpdir, tmpdir);

	snprintf(expect, sizeof(expect), "%s/bin/tool", tmpdir);
	find_case(&p, "tool", 0, expect);
	find_case(&p, "noexec", -ENOENT, "exec: \"noexec\": executable file not found in $PATH");
	find_case(&p, "adir", -ENOENT, NULL);

	/* a relative PATH entry is relative to process.cwd */
	strcpy(pathenv, "PATH=bin");
	find_case(&p, "tool", 0, expect);

	/* with a '/', used as is, relative to process.cwd */
	find_case(&p, "./bin/tool", 0, expect);
	find_case(&p, expect, 0, expect);
	find_case(&p, "./missing", -ENOENT,
		  "exec: \"./missing\": stat ./missing: No such file or directory");
	find_case(&p, "bin/noexec", -EACCES, "exec: \"bin/noexec\": Permission denied");

	/* no PATH in the env: runc's default PATH */
	p.env = env_default;
	p.args = args;
	CHECK_INT(process_find_executable(&p, &out, &e), 0);
	CHECK(out && (strcmp(out, "/usr/bin/sh") == 0 || strcmp(out, "/bin/sh") == 0 ||
		      strcmp(out, "/usr/local/bin/sh") == 0));
	free(out);
	find_case(&p, "other", -ENOENT, NULL); /* not on the default PATH */
	/* the last PATH= wins, as in the environment */
	{
		char first[] = "PATH=/nonexistent";
		char *env2[] = { first, pathenv, NULL };
		snprintf(pathenv, sizeof(pathenv), "PATH=%s", tmpdir);
		p.env = env2;
		find_case(&p, "other", 0, NULL);
		p.env = env_default;
	}

	sk_rm_rf(tmpdir);
}

int main(void)
{
	RUN(validate_basics);
	RUN(validate_lsm);
	RUN(find_executable);
	return unit_done();
}
