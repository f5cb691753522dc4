/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_criu.c - criu/'s pure parts: the command lines for dump, pre-dump and
 * restore, criu's version, and the first error line of its log. */
#include "../../criu/internal.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The argv joined with spaces (static buffer). */
static const char *joined(char **v)
{
	static char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	for (; v && *v; v++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "", *v);
	return buf;
}

static char *bind_opts[] = { "rbind", "ro", NULL };

static struct oci_mount mounts[] = {
	{ .destination = "/proc", .type = "proc", .source = "proc" },
	{ .destination = "/data", .source = "/srv/data", .options = bind_opts, .n_options = 2 },
	{ .destination = "/etc/x", .type = "bind", .source = "/etc/y" },
};

TEST(dump_argv_runc_flags)
{
	struct oci_config cfg = { .mounts = mounts, .n_mounts = 3 };
	struct sk_criu_opts o = {
		.image_path = "/img",
		.work_path = "/work",
		.leave_running = true,
		.tcp_established = true,
		.ext_unix_sk = true,
		.shell_job = true,
		.file_locks = true,
		.cg_mode = SK_CRIU_CG_STRICT,
		.empty_netns = true,
		.auto_dedup = true,
	};
	char **v = criu_dump_argv(&o, 42, &cfg, "/work/dump.log");

	CHECK_STR(joined(v),
		  "criu dump --tree 42 --images-dir /img --work-dir /work --log-file /work/dump.log"
		  " -v4 --tcp-established --ext-unix-sk --shell-job --file-locks"
		  " --manage-cgroups=strict --leave-running --auto-dedup --network-lock nftables"
		  " --empty-ns net"
		  " --external mnt[/data]:/data --external mnt[/etc/x]:/etc/x");
	sk_strv_free(v);
}

TEST(pre_dump_and_parent_track_memory)
{
	struct sk_criu_opts o = { .image_path = "/img/1", .pre_dump = true, .leave_running = true };
	char **v = criu_dump_argv(&o, 7, NULL, "/img/1/pre-dump.log");

	CHECK_STR(joined(v), "criu pre-dump --tree 7 --images-dir /img/1 --work-dir /img/1"
			     " --log-file /img/1/pre-dump.log -v4 --manage-cgroups --track-mem");
	sk_strv_free(v);
	o = (struct sk_criu_opts){ .image_path = "/img/2", .parent_path = "../1" };
	v = criu_dump_argv(&o, 7, NULL, "/img/2/dump.log");
	CHECK_STR(joined(v), "criu dump --tree 7 --images-dir /img/2 --work-dir /img/2"
			     " --log-file /img/2/dump.log -v4 --manage-cgroups"
			     " --prev-images-dir ../1 --track-mem --network-lock nftables");
	sk_strv_free(v);
}

TEST(mountinfo_tmpfs_candidates)
{
	/* a rootfs (never), /dev (submounts are criu's), /dev/shm (rw,
	 * nosuid...), a masked directory (ro), a file bind of /dev's tmpfs
	 * (root not /: never), /run and its submount, a path with an escaped
	 * space (never), proc */
	const char *mi =
		"58 57 0:33 / / rw,relatime - tmpfs tmp rw,inode64\n"
		"60 58 0:37 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755,inode64\n"
		"62 60 0:39 / /dev/shm rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs shm "
		"rw,size=65536k,inode64\n"
		"45 59 0:42 / /proc/acpi ro,relatime - tmpfs tmpfs ro,inode64\n"
		"51 59 0:37 /null /proc/kcore rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
		"70 58 0:50 / /run rw - tmpfs tmpfs rw\n"
		"71 70 0:51 / /run/x rw - tmpfs tmpfs rw\n"
		"72 58 0:52 / /a\\040b rw - tmpfs tmpfs rw\n"
		"59 58 0:36 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n";
	struct criu_tmpfs *v = NULL;
	size_t n = 0;

	CHECK(criu_mountinfo_tmpfs(mi, &v, &n) == 0);
	CHECK(n == 5);
	CHECK_STR(v[0].dest, "/dev");
	CHECK(v[0].flags == MS_NOSUID);
	CHECK_STR(v[0].data, "size=65536k,mode=755,inode64");
	CHECK_STR(v[1].dest, "/dev/shm");
	CHECK(v[1].flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME));
	CHECK_STR(v[1].data, "size=65536k,inode64");
	CHECK(v[1].dev == makedev(0, 39));
	CHECK_STR(v[1].source, "shm");
	CHECK_STR(v[2].dest, "/proc/acpi");
	CHECK(v[2].flags == (MS_RDONLY | MS_RELATIME));
	CHECK_STR(v[2].data, "inode64");
	CHECK_STR(v[3].dest, "/run");
	CHECK_STR(v[4].dest, "/run/x");
	struct criu_fresh f = { .tmpfs = v, .n_tmpfs = n };
	/* a bind of the config (Podman's /dev/shm) stays a bind */
	static char *bind[] = { "bind" };
	struct oci_mount binds[] = {
		{ .destination = "/dev/shm", .source = "/var/shm", .options = bind, .n_options = 1 },
		{ .destination = "/run/x", .type = "tmpfs", .source = "tmpfs" },
	};
	criu_fresh_drop_binds(&f, binds, 2);
	CHECK(f.n_tmpfs == 4);
	CHECK_STR(f.tmpfs[0].dest, "/dev");
	CHECK_STR(f.tmpfs[1].dest, "/proc/acpi");
	CHECK_STR(f.tmpfs[3].dest, "/run/x");
	criu_fresh_free(&f);
}

static int fresh_load_text(const char *text, struct criu_fresh *f, struct sk_err *e)
{
	char dir[] = "/tmp/skiff-fresh-XXXXXX";
	int r;

	CHECK(mkdtemp(dir) != NULL);
	_cleanup_free_ char *p = sk_xasprintf("%s/%s", dir, SK_CRIU_FRESH_FILE);
	CHECK(sk_write_file_at(AT_FDCWD, p, text, strlen(text), O_CREAT | O_TRUNC, 0600, e) == 0);
	r = criu_fresh_load(dir, f, e);
	sk_rm_rf(dir);
	return r;
}

TEST(fresh_nodes_round_trip_and_checked)
{
	struct criu_node nodes[] = {
		{ .path = ".", .type = "d", .mode = 0755 },
		{ .path = "pts", .type = "d", .mode = 0755 },
		{ .path = "null", .type = "c", .mode = 0666, .major = 1, .minor = 3 },
		{ .path = "fd", .type = "l", .mode = 0777, .target = "/proc/self/fd" },
		{ .path = "pts/x", .type = "f", .mode = 0600, .uid = 5, .gid = 6 },
	};
	struct criu_tmpfs t = {
		.dest = "/dev", .data = "mode=755", .source = "tmpfs", .nodes = nodes, .n_nodes = 5
	};
	struct criu_fresh in = { .tmpfs = &t, .n_tmpfs = 1 }, out = { 0 };
	char dir[] = "/tmp/skiff-fresh-XXXXXX";
	struct sk_err e = { 0 };

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(criu_fresh_save(dir, &in, &e), 0);
	CHECK_INT(criu_fresh_load(dir, &out, &e), 0);
	sk_rm_rf(dir);
	CHECK(out.n_tmpfs == 1 && out.tmpfs[0].n_nodes == 5);
	CHECK_STR(out.tmpfs[0].nodes[2].type, "c");
	CHECK(out.tmpfs[0].nodes[2].major == 1 && out.tmpfs[0].nodes[2].minor == 3);
	CHECK(out.tmpfs[0].nodes[2].mode == 0666);
	CHECK_STR(out.tmpfs[0].nodes[3].target, "/proc/self/fd");
	CHECK_STR(out.tmpfs[0].nodes[4].path, "pts/x");
	CHECK(out.tmpfs[0].nodes[4].uid == 5 && out.tmpfs[0].nodes[4].gid == 6);
	criu_fresh_free(&out);

	/* paths the restore must never make: out of the tmpfs, through a
	 * link, below something not listed as a directory before, a bad type */
	static const char *const bad[] = {
		"{\"path\":\"../x\",\"type\":\"f\"}",	 "{\"path\":\"/etc/x\",\"type\":\"f\"}",
		"{\"path\":\"a//b\",\"type\":\"f\"}",	 "{\"path\":\"fd/x\",\"type\":\"f\"}",
		"{\"path\":\"nodir/x\",\"type\":\"f\"}", "{\"path\":\"x\",\"type\":\"s\"}",
		"{\"path\":\"x\",\"type\":\"l\"}",	 "{\"path\":\".\",\"type\":\"d\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_free_ char *text =
			sk_xasprintf("{\"version\":1,\"tmpfs\":[{\"dest\":\"/dev\",\"data\":\"\",\"nodes\":"
				     "[{\"path\":\".\",\"type\":\"d\"},"
				     "{\"path\":\"fd\",\"type\":\"l\",\"target\":\"/etc\"},%s]}]}",
				     bad[i]);
		struct criu_fresh f = { 0 };
		e = (struct sk_err){ 0 };
		CHECK(fresh_load_text(text, &f, &e) < 0);
		CHECK_CONTAINS(e.msg, "node 2: bad path or type");
		CHECK(f.n_tmpfs == 0);
	}
}

TEST(restore_argv)
{
	struct oci_config cfg = { .mounts = mounts, .n_mounts = 3 };
	struct sk_criu_opts o = { .image_path = "/img", .lsm_mount_context = "ctx" };
	struct sk_criu_restore r = {
		.o = &o, .cfg = &cfg, .rootfs = "/b/rootfs", .cgroup_root = "/skiff/c1"
	};
	char **v = criu_restore_argv(&r, "/img/restore.log", "/img/restore.pid");

	CHECK_STR(joined(v),
		  "criu restore --images-dir /img --work-dir /img --log-file /img/restore.log -v4"
		  " --manage-cgroups --root /b/rootfs --restore-detached --restore-sibling"
		  " --pidfile /img/restore.pid --cgroup-root /skiff/c1 --lsm-mount-context ctx"
		  " --external mnt[/data]:/srv/data --external mnt[/etc/x]:/etc/y");
	sk_strv_free(v);
	/* ignore: the tasks stay in the cgroup criu was put into */
	o.cg_mode = SK_CRIU_CG_IGNORE;
	o.lsm_mount_context = NULL;
	r.cfg = NULL;
	v = criu_restore_argv(&r, "/img/restore.log", "/img/restore.pid");
	CHECK(!strstr(joined(v), "--cgroup-root"));
	CHECK(strstr(joined(v), "--manage-cgroups=ignore") != NULL);
	sk_strv_free(v);
}

/* skiff's networking: its binds external as the config's, and the network
 * namespace external at dump, inherited at restore */
TEST(skiff_network_externals)
{
	struct oci_mount net[] = {
		{ .destination = "/etc/hosts", .type = "bind", .source = "/run/s/c1/hosts" },
	};
	struct sk_criu_opts o = {
		.image_path = "/img", .extra_mounts = net, .n_extra_mounts = 1, .netns_ino = 4026532
	};
	char **v = criu_dump_argv(&o, 9, NULL, "/img/dump.log");

	CHECK(strstr(joined(v), " --external mnt[/etc/hosts]:/etc/hosts"
				" --external net[4026532]:skiff-netns") != NULL);
	sk_strv_free(v);
	struct sk_criu_restore r = { .o = &o, .rootfs = "/r", .netns_fd = 7 };
	v = criu_restore_argv(&r, "/img/restore.log", "/img/restore.pid");
	CHECK(strstr(joined(v), " --external mnt[/etc/hosts]:/run/s/c1/hosts"
				" --inherit-fd fd[7]:skiff-netns") != NULL);
	sk_strv_free(v);
	/* no descriptor (or a stdio one): nothing inherited */
	r.netns_fd = 0;
	v = criu_restore_argv(&r, "/img/restore.log", "/img/restore.pid");
	CHECK(!strstr(joined(v), "--inherit-fd"));
	sk_strv_free(v);
}

/* --lazy-pages: criu serves the pages itself at the address (no
 * --page-server, which would send them there), with the caller's status
 * descriptor; restore fetches them from the lazy-pages daemon */
TEST(lazy_pages_argv)
{
	struct sk_criu_opts o = { .image_path = "/img",
				  .lazy_pages = true,
				  .ps_address = "127.0.0.1",
				  .ps_port = 27277,
				  .has_status_fd = true,
				  .status_fd = 5 };
	char **v = criu_dump_argv(&o, 9, NULL, "/img/dump.log");

	CHECK_STR(joined(v), "criu dump --tree 9 --images-dir /img --work-dir /img"
			     " --log-file /img/dump.log -v4 --manage-cgroups --network-lock nftables"
			     " --lazy-pages --address 127.0.0.1 --port 27277 --status-fd 5");
	sk_strv_free(v);
	/* no status descriptor: none passed; a plain page server otherwise */
	o.has_status_fd = false;
	v = criu_dump_argv(&o, 9, NULL, "/img/dump.log");
	CHECK(strstr(joined(v), " --lazy-pages --address 127.0.0.1 --port 27277") != NULL);
	CHECK(!strstr(joined(v), "--status-fd"));
	sk_strv_free(v);
	o.lazy_pages = false;
	o.has_status_fd = true;
	v = criu_dump_argv(&o, 9, NULL, "/img/dump.log");
	CHECK(strstr(joined(v), " --page-server --address 127.0.0.1 --port 27277") != NULL);
	CHECK(!strstr(joined(v), "--lazy-pages"));
	CHECK(!strstr(joined(v), "--status-fd"));
	sk_strv_free(v);

	struct sk_criu_opts ro = { .image_path = "/img",
				   .work_path = "/w",
				   .lazy_pages = true,
				   .lsm_profile = "apparmor:skiff-x" };
	struct sk_criu_restore r = { .o = &ro, .rootfs = "/r" };
	v = criu_restore_argv(&r, "/w/restore.log", "/w/restore.pid");
	CHECK_STR(joined(v), "criu restore --images-dir /img --work-dir /w --log-file /w/restore.log"
			     " -v4 --manage-cgroups --root /r --restore-detached --restore-sibling"
			     " --pidfile /w/restore.pid --lsm-profile apparmor:skiff-x --lazy-pages");
	sk_strv_free(v);
}

TEST(lsm_profile_shape)
{
	struct sk_err e = { 0 };

	CHECK_INT(sk_criu_lsm_profile_check("apparmor:skiff-default", &e), 0);
	CHECK_INT(sk_criu_lsm_profile_check("selinux:system_u:system_r:container_t:s0", &e), 0);
	CHECK_INT(sk_criu_lsm_profile_check("none:", &e), 0);
	CHECK_INT(sk_criu_lsm_profile_check("apparmor", &e), -EINVAL);
	CHECK_STR(e.msg, "--lsm-profile: apparmor is not TYPE:NAME");
	CHECK_INT(sk_criu_lsm_profile_check("smack:x", &e), -EINVAL);
	CHECK(strstr(e.msg, "--lsm-profile: unknown type in smack:x") != NULL);
	CHECK_INT(sk_criu_lsm_profile_check("apparmor:", &e), -EINVAL);
	CHECK_STR(e.msg, "--lsm-profile: apparmor: names no profile");
}

TEST(status_fd_parse)
{
	struct sk_err e = { 0 };
	int p[2], fd = -1;

	CHECK(pipe2(p, 0) == 0);
	_cleanup_free_ char *w = sk_xasprintf("%d", p[1]), *r = sk_xasprintf("%d", p[0]);
	CHECK_INT(sk_criu_status_fd_parse(w, &fd, &e), 0);
	CHECK_INT(fd, p[1]);
	/* close-on-exec in skiff: only criu gets it */
	CHECK(fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	CHECK_INT(sk_criu_status_fd_parse(r, &fd, &e), -EBADF);
	CHECK(strstr(e.msg, "is not open for writing") != NULL);
	close(p[0]);
	close(p[1]);
	CHECK_INT(sk_criu_status_fd_parse(w, &fd, &e), -EBADF);
	CHECK(strncmp(e.msg, "--status-fd: descriptor ", 24) == 0);
	CHECK_INT(sk_criu_status_fd_parse("x3", &fd, &e), -EINVAL);
	CHECK_STR(e.msg, "--status-fd: x3 is not a descriptor number");
	CHECK_INT(sk_criu_status_fd_parse("-1", &fd, &e), -EINVAL);
}

TEST(cgmode_names)
{
	enum sk_criu_cgmode m;
	struct sk_err e = { 0 };

	CHECK_INT(sk_criu_cgmode_parse("soft", &m, &e), 0);
	CHECK_INT(m, SK_CRIU_CG_SOFT);
	CHECK_INT(sk_criu_cgmode_parse("ignore", &m, &e), 0);
	CHECK_INT(m, SK_CRIU_CG_IGNORE);
	CHECK_INT(sk_criu_cgmode_parse("props", &m, &e), -EINVAL);
	CHECK(strstr(e.msg, "props") != NULL);
}

TEST(version)
{
	CHECK_INT(criu_parse_version("Version: 3.17.1\n"), 31701);
	CHECK_INT(criu_parse_version("Version: 3.15\nGitID: v3.15\n"), 31500);
	CHECK_INT(criu_parse_version("criu: not found"), -1);
	CHECK_INT(criu_parse_version(NULL), -1);
}

TEST(first_error_line)
{
	const char *log =
		"(00.000010) Version: 3.17.1\n"
		"(00.001000) Warn (criu/x.c:1): not this\n"
		"(00.002000) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
		"(00.003000) Error (criu/vdso.c:613): vdso: second\n";
	char *s = criu_first_error(log, false);

	CHECK_STR(s, "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds");
	free(s);
	s = criu_first_error(log, true);
	CHECK_STR(s, "vdso: Unexpected rt vDSO area bounds");
	free(s);
	CHECK(criu_first_error("all fine\n", false) == NULL);
	/* the last line needs no newline */
	s = criu_first_error("Error (a.c:1): last", true);
	CHECK_STR(s, "last");
	free(s);
}

int main(void)
{
	RUN(dump_argv_runc_flags);
	RUN(skiff_network_externals);
	RUN(pre_dump_and_parent_track_memory);
	RUN(mountinfo_tmpfs_candidates);
	RUN(fresh_nodes_round_trip_and_checked);
	RUN(restore_argv);
	RUN(lazy_pages_argv);
	RUN(lsm_profile_shape);
	RUN(status_fd_parse);
	RUN(cgmode_names);
	RUN(version);
	RUN(first_error_line);
	return unit_done();
}
