/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysctl.c - linux.sysctl: only namespaced keys, allowed only when the
 * namespace they belong to is the container's own (runc's rules), written
 * to the container's /proc/sys.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* IPC namespace sysctls (besides fs.mqueue.*). */
static const char *const ipc_sysctls[] = {
	"kernel.msgmax",      "kernel.msgmnb",	    "kernel.msgmni",	  "kernel.sem",
	"kernel.shmall",      "kernel.shmmax",	    "kernel.shmmni",	  "kernel.shm_rmid_forced",
	"kernel.msg_next_id", "kernel.sem_next_id", "kernel.shm_next_id", NULL,
};

static bool is_ipc_sysctl(const char *k)
{
	for (const char *const *p = ipc_sysctls; *p; p++)
		if (!strcmp(*p, k))
			return true;
	return !strncmp(k, "fs.mqueue.", 10);
}

/* A namespace of the container: new, or joined by path (then it must not
 * be the one skiff itself is in, i.e. the host's). */
static bool own_ns(const struct oci_config *cfg, enum oci_ns_type t, const char *procname)
{
	const struct oci_namespace *ns = &cfg->lnx.namespaces[t];
	struct stat a, b;
	char self[64];

	if (!ns->present)
		return false;
	if (!ns->path)
		return true;
	snprintf(self, sizeof(self), "/proc/self/ns/%s", procname);
	if (stat(ns->path, &a) < 0 || stat(self, &b) < 0)
		return true; /* the namespace code reports a bad path */
	return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

/* Key syntax: dotted or slashed words, no "..", no empty component. */
static bool key_ok(const char *k)
{
	const char *p = k;
	if (!*k || *k == '.' || *k == '/')
		return false;
	for (; *p; p++) {
		if ((p[0] == '.' || p[0] == '/') && (p[1] == '.' || p[1] == '/' || !p[1]))
			return false;
		if (*p < 0x21 || *p > 0x7e)
			return false;
	}
	return true;
}

int rootfs_validate_sysctl(const struct oci_config *cfg, struct sk_err *e)
{
	for (size_t i = 0; i < cfg->lnx.n_sysctl; i++) {
		const char *k = cfg->lnx.sysctl[i].key;

		if (!k || !key_ok(k))
			return sk_err_set(e, EINVAL, "linux.sysctl: invalid key \"%s\"", k ? k : "");
		if (!cfg->lnx.sysctl[i].value)
			return sk_err_set(e, EINVAL, "linux.sysctl.%s: missing value", k);
		if (is_ipc_sysctl(k)) {
			if (own_ns(cfg, OCI_NS_IPC, "ipc"))
				continue;
			return sk_err_set(e, EPERM,
					  "linux.sysctl.%s: not allowed in the host's ipc namespace",
					  k);
		}
		if (!strncmp(k, "net.", 4) || !strncmp(k, "net/", 4)) {
			if (own_ns(cfg, OCI_NS_NET, "net"))
				continue;
			return sk_err_set(e, EPERM,
					  "linux.sysctl.%s: not allowed in the host's network namespace",
					  k);
		}
		if (!strcmp(k, "kernel.hostname") || !strcmp(k, "kernel.domainname")) {
			if (own_ns(cfg, OCI_NS_UTS, "uts"))
				continue;
			return sk_err_set(e, EPERM,
					  "linux.sysctl.%s: not allowed in the host's uts namespace",
					  k);
		}
		return sk_err_set(e, EPERM, "linux.sysctl.%s: not a namespaced sysctl, not allowed",
				  k);
	}
	return 0;
}

static bool same_value(const char *cur, const char *want)
{
	/* /proc/sys prints "a\tb\tc\n" for "a b c" (kernel.sem): compare the
	 * whitespace-separated words. */
	for (;;) {
		size_t a, b;
		cur += strspn(cur, " \t\n");
		want += strspn(want, " \t\n");
		a = strcspn(cur, " \t\n");
		b = strcspn(want, " \t\n");
		if (a != b || strncmp(cur, want, a))
			return false;
		if (!a)
			return true;
		cur += a;
		want += b;
	}
}

int rootfs_write_sysctls(const struct oci_config *cfg, int procsysfd, struct sk_err *e)
{
	for (size_t i = 0; i < cfg->lnx.n_sysctl; i++) {
		const struct oci_kv *kv = &cfg->lnx.sysctl[i];
		_cleanup_free_ char *rel = sk_xstrdup(kv->key);
		_cleanup_free_ char *cur = NULL;
		struct sk_err tmp = { 0 };
		int r;

		for (char *p = rel; *p; p++)
			if (*p == '.')
				*p = '/';
		if (sk_read_file_at(procsysfd, rel, &cur, NULL, &tmp) == 0 &&
		    same_value(cur, kv->value))
			continue;
		r = sk_write_file_at(procsysfd, rel, kv->value, strlen(kv->value), 0, 0, &tmp);
		if (r < 0)
			return sk_err_set(e, tmp.code, "linux.sysctl.%s: write /proc/sys/%s: %s",
					  kv->key, rel, strerror(tmp.code));
	}
	return 0;
}

int rootfs_apply_sysctl(const struct oci_config *cfg, struct sk_err *e)
{
	_cleanup_close_ int fd = -1;

	if (!cfg->lnx.n_sysctl)
		return 0;
	fd = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sk_err_sys(e, errno, "linux.sysctl: open /proc/sys");
	return rootfs_write_sysctls(cfg, fd, e);
}
