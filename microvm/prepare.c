/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * prepare.c - the rootfs initramfs, built once and cached under
 * CACHE_DIR/initrd-HASH.cpio, where HASH covers the metadata of every
 * file of the rootfs (path, mode, owner, size, mtime, ctime, inode).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_FORMAT 1

/* With a memory limit, the guest must fit beside an initramfs of @size. */
static int check_fits(const struct sk_vm_opts *o, uint64_t size, struct sk_err *e)
{
	uint64_t guest;
	return o->mem_limit ? sk_vm_guest_mem(o->mem_limit, size, &guest, e) : 0;
}

int sk_vm_prepare(const struct sk_vm_opts *o, char **initrd_path, struct sk_err *e)
{
	const char *cache = o->cache_dir && *o->cache_dir ? o->cache_dir : "/var/cache/skiff";
	if (!o->rootfs || o->rootfs[0] != '/')
		return sk_err_set(e, EINVAL, "microvm: rootfs path must be absolute");
	_cleanup_close_ int root = open(o->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sk_err_sys(e, errno, "microvm: rootfs %s", o->rootfs);
	uint64_t hash;
	int r = sk_cpio_add_tree(NULL, root, &hash, e);
	if (r < 0)
		return r;
	hash ^= CACHE_FORMAT;
	_cleanup_free_ char *dir = sk_xasprintf("%s/microvm", cache);
	r = sk_mkdir_p(dir, 0700, e);
	if (r < 0)
		return sk_err_prefix(e, "microvm: cache");
	_cleanup_free_ char *path =
		sk_xasprintf("%s/initrd-%016llx.cpio", dir, (unsigned long long)hash);
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		sk_debug(o->log, "microvm: initramfs cache hit %s", path);
		r = check_fits(o, (uint64_t)st.st_size, e);
		if (r < 0)
			return r;
		*initrd_path = sk_steal_ptr(&path);
		return 0;
	}
	_cleanup_free_ char *tmp = sk_xasprintf("%s/.initrd-%016llx.%d.tmp", dir,
						(unsigned long long)hash, (int)getpid());
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sk_err_sys(e, errno, "microvm: cache file %s", tmp);
	struct sk_cpio c;
	sk_cpio_init(&c, fd);
	r = sk_cpio_add_tree(&c, root, NULL, e);
	if (r == 0 && sk_cpio_finish(&c) < 0)
		r = sk_err_sys(e, -c.err, "microvm: write %s", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = sk_err_sys(e, errno, "microvm: rename %s", tmp);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	sk_debug(o->log, "microvm: initramfs built %s (%llu KiB)", path,
		 (unsigned long long)(c.off >> 10));
	r = check_fits(o, c.off, e);
	if (r < 0)
		return r;
	*initrd_path = sk_steal_ptr(&path);
	return 0;
}
