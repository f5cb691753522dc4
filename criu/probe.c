/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe.c - can criu checkpoint here?  `criu --version` and `criu check`
 * cost a few hundred milliseconds (criu probes every kernel feature), and
 * Podman asks `checkpoint --help` often: the answer is kept in
 * ROOT/criu.check, keyed by the boot (/proc/sys/kernel/random/boot_id)
 * and by criu's binary (its inode, size and change time), so a reboot or
 * a new criu asks again.
 *
 * ROOT/criu.check: "KEY\nok\n" or "KEY\nno\nONE LINE REASON\n".
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CACHE_FILE "criu.check"
#define MIN_VERSION 31500 /* --restore-sibling, cgroup v2 freezing */

int criu_parse_version(const char *text)
{
	const char *p = text ? strstr(text, "Version: ") : NULL;
	unsigned a = 0, b = 0, c = 0;

	if (!p || sscanf(p + 9, "%u.%u.%u", &a, &b, &c) < 2 || a > 99 || b > 99 || c > 99)
		return -1;
	return (int)(a * 10000 + b * 100 + c);
}

/* criu's binary as found in PATH, for the cache key; NULL if none. */
static char *criu_key(void)
{
	_cleanup_free_ char *boot = NULL;
	const char *path = getenv("PATH");
	struct sk_err e;
	size_t len;

	if (sk_read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", &boot, &len, &e) < 0)
		return NULL;
	boot[strcspn(boot, "\n")] = '\0';
	for (const char *p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		_cleanup_free_ char *f = sk_xasprintf("%.*s/criu", (int)n, p);
		struct stat st;
		if (n && stat(f, &st) == 0 && S_ISREG(st.st_mode))
			return sk_xasprintf("boot=%s criu=%s ino=%llu size=%lld ctime=%lld.%09ld",
					    boot, f, (unsigned long long)st.st_ino,
					    (long long)st.st_size, (long long)st.st_ctim.tv_sec,
					    st.st_ctim.tv_nsec);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

/* Ask criu itself: 0 usable, -ENOTSUP/-ENOENT with the reason in @e. */
static int ask(struct sk_err *e)
{
	char *ver_argv[] = { "criu", "--version", NULL };
	char *check_argv[] = { "criu", "check", NULL };
	struct criu_run v = { .action = "--version", .argv = ver_argv };
	struct criu_run c = { .action = "check", .argv = check_argv };
	int status, r, version;

	r = criu_run(&v, &status, e);
	if (r < 0)
		return r;
	version = criu_parse_version(v.output);
	free(v.output);
	if (version < 0)
		return sk_err_set(e, ENOTSUP, "criu --version printed no version");
	if (version < MIN_VERSION)
		return sk_err_set(e, ENOTSUP, "criu %d.%d.%d is too old: skiff needs 3.15 or later",
				  version / 10000, version / 100 % 100, version % 100);
	r = criu_run(&c, &status, e);
	if (r < 0)
		return r;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(c.output);
		return 0;
	}
	_cleanup_free_ char *why = criu_first_error(c.output, true);
	if (!why && c.output && *c.output) {
		why = sk_xstrdup(c.output);
		why[strcspn(why, "\n")] = '\0';
	}
	free(c.output);
	return sk_err_set(e, ENOTSUP, "criu cannot checkpoint on this kernel: %s",
			  why ? why : "criu check failed and printed nothing");
}

int sk_criu_usable(const char *state_root, struct sk_err *e)
{
	_cleanup_free_ char *key = criu_key(), *cached = NULL, *rec = NULL;
	_cleanup_close_ int dirfd = -1;
	struct sk_err ignore;
	size_t len, klen;
	int r;

	if (!key)
		return sk_err_set(e, ENOENT, "criu is not installed (no criu in PATH)");
	klen = strlen(key);
	dirfd = open(state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0 && sk_read_file_at(dirfd, CACHE_FILE, &cached, &len, &ignore) == 0 &&
	    !strncmp(cached, key, klen) && cached[klen] == '\n') {
		const char *s = cached + klen + 1;
		if (!strcmp(s, "ok\n"))
			return 0;
		if (!strncmp(s, "no\n", 3) && s[3]) {
			char *reason = (char *)s + 3;
			reason[strcspn(reason, "\n")] = '\0';
			return sk_err_set(e, ENOTSUP, "%s", reason);
		}
	}
	r = ask(e);
	if (r == -ENOENT)
		return r;
	if (dirfd < 0 && sk_mkdir_p(state_root, 0711, &ignore) == 0)
		dirfd = open(state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd >= 0) {
		rec = r == 0 ? sk_xasprintf("%s\nok\n", key)
			     : sk_xasprintf("%s\nno\n%s\n", key, e->msg);
		/* a cache that cannot be written only costs time */
		sk_ignore(sk_write_file_atomic(dirfd, CACHE_FILE, rec, strlen(rec), &ignore));
	}
	return r;
}
