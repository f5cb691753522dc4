/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel.c - find and validate the guest kernel: the annotation
 * org.skiff.vm.kernel, else $SKIFF_VM_KERNEL, else the newest
 * /boot/vmlinuz-*.  A vmlinux ELF next to a bzImage is preferred (no
 * decompression at boot).
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int check_file(const char *path, struct sk_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_err_sys(e, errno, "microvm: kernel %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sk_err_sys(e, errno, "microvm: kernel %s", path);
	if (!S_ISREG(st.st_mode))
		return sk_err_set(e, ENOEXEC, "microvm: kernel %s: not a regular file", path);
	uint8_t head[4096];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return sk_err_sys(e, errno, "microvm: kernel %s", path);
	if (n < (ssize_t)sizeof(head) && n < st.st_size)
		return sk_err_set(e, EIO, "microvm: kernel %s: short read", path);
	int r = sk_vm_kernel_check(head, n, path, e);
	if (r < 0 && n == (ssize_t)sizeof(head) && st.st_size > n && strstr(e->msg, "truncated") &&
	    !strstr(e->msg, "ELF"))
		return 0; /* bzImage checked on its header only */
	return r;
}

/* Compare version-like suffixes: "6.1.0-56-cloud-amd64" style. */
static int vercmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			char *ea, *eb;
			unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
		} else {
			if (*a != *b)
				return (unsigned char)*a - (unsigned char)*b;
			a++;
			b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static char *newest_boot_kernel(void)
{
	DIR *d = opendir("/boot");
	if (!d)
		return NULL;
	char *best = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vmlinuz-", 8))
			continue;
		if (!best || vercmp(de->d_name + 8, best + 8) > 0) {
			free(best);
			best = sk_xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (!best)
		return NULL;
	char *p = sk_xasprintf("/boot/%s", best);
	free(best);
	return p;
}

int sk_vm_resolve_kernel(const struct oci_config *cfg, char **path, struct sk_err *e)
{
	const char *p = sk_vm_annotation(cfg, "org.skiff.vm.kernel");
	const char *from = "annotation org.skiff.vm.kernel";
	_cleanup_free_ char *boot = NULL;
	if (!p || !*p) {
		p = getenv("SKIFF_VM_KERNEL");
		from = "SKIFF_VM_KERNEL";
	}
	if (!p || !*p) {
		boot = newest_boot_kernel();
		if (!boot)
			return sk_err_set(e, ENOENT,
					  "microvm: no guest kernel: set annotation org.skiff.vm.kernel or SKIFF_VM_KERNEL, or install one in /boot");
		p = boot;
		from = "/boot";
	}
	int r = check_file(p, e);
	if (r < 0)
		return sk_err_prefix(e, "%s", from);
	/* Prefer an uncompressed vmlinux beside a vmlinuz. */
	const char *base = strrchr(p, '/');
	base = base ? base + 1 : p;
	if (!strncmp(base, "vmlinuz", 7)) {
		_cleanup_free_ char *alt =
			sk_xasprintf("%.*svmlinux%s", (int)(base - p), p, base + 7);
		struct sk_err e2;
		if (check_file(alt, &e2) == 0) {
			*path = sk_steal_ptr(&alt);
			return 0;
		}
	}
	*path = sk_xstrdup(p);
	return 0;
}
