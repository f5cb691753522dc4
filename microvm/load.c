/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * load.c - what goes into guest memory before the boot: the kernel image
 * read from its file, and the initramfs: the cached rootfs archive
 * (prepare.c) followed by a small per-run archive holding the shim and
 * the process description; with the rootfs on virtio-fs, that archive
 * alone, plus the kernel modules virtio-fs needs (see guest_modules).
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static int map_file(const char *path, void **p, size_t *len, struct sk_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return sk_err_sys(e, errno, "microvm: open %s", path);
	if (fstat(fd, &st) < 0)
		return sk_err_sys(e, errno, "microvm: stat %s", path);
	if (st.st_size == 0)
		return sk_err_set(e, ENOEXEC, "microvm: %s is empty", path);
	*len = st.st_size;
	*p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (*p == MAP_FAILED)
		return sk_err_sys(e, errno, "microvm: mmap %s", path);
	return 0;
}

int sk_vm_load_kernel_file(const struct sk_vm_mem *m, const char *path,
			   struct sk_vm_kernel_info *ki, struct sk_err *e)
{
	void *img = NULL;
	size_t len = 0;
	int r = map_file(path, &img, &len, e);

	if (r < 0)
		return r;
	r = sk_vm_load_kernel(m, img, len, ki, e);
	munmap(img, len);
	return r < 0 ? sk_err_prefix(e, "%s", path) : 0;
}

/* The modules of virtio-fs, in load order, for Debian's kernels where
 * they are modular: below DIR/modules-VERSION (beside a kernel file
 * named vmlinu[xz]-VERSION: microvm/guest/get-kernel.sh puts them
 * there), else /lib/modules/VERSION.  One not found is taken to be built
 * in (a kernel made for microVMs). */
static const char *const fs_modules[] = {
	"kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
	"kernel/drivers/virtio/virtio_mmio.ko", "kernel/fs/fuse/fuse.ko",
	"kernel/fs/fuse/virtiofs.ko",
};

static char *modules_dir(const char *kernel)
{
	const char *base = strrchr(kernel, '/');
	const char *ver;
	char *d;

	base = base ? base + 1 : kernel;
	if (strncmp(base, "vmlinu", 6) || !base[6] || base[7] != '-')
		return NULL;
	ver = base + 8;
	d = sk_xasprintf("%.*s/modules-%s", (int)(base - kernel), kernel, ver);
	if (access(d, F_OK) == 0)
		return d;
	free(d);
	d = sk_xasprintf("/lib/modules/%s", ver);
	if (access(d, F_OK) == 0)
		return d;
	free(d);
	return NULL;
}

bool sk_vm_fs_kernel_ok(const char *kernel)
{
	_cleanup_free_ char *dir = kernel ? modules_dir(kernel) : NULL;
	_cleanup_free_ char *ko = NULL, *builtin = NULL, *list = NULL;
	size_t len;
	struct sk_err e;

	if (!dir)
		return false;
	ko = sk_xasprintf("%s/kernel/fs/fuse/virtiofs.ko", dir);
	if (access(ko, F_OK) == 0)
		return true;
	builtin = sk_xasprintf("%s/modules.builtin", dir);
	return sk_read_file_at(AT_FDCWD, builtin, &list, &len, &e) == 0 &&
	       strstr(list, "fs/fuse/virtiofs.ko") != NULL;
}

static int add_modules(struct sk_cpio *c, const char *kernel, struct sk_err *e)
{
	_cleanup_free_ char *dir = kernel ? modules_dir(kernel) : NULL;
	size_t i;

	sk_cpio_add(c, ".skiff/modules", S_IFDIR | 0700, 0, 0, 0, 0, 0, NULL, 0);
	for (i = 0; dir && i < sizeof(fs_modules) / sizeof(fs_modules[0]); i++) {
		_cleanup_free_ char *path = sk_xasprintf("%s/%s", dir, fs_modules[i]);
		_cleanup_free_ char *data = NULL, *name = NULL;
		const char *b = strrchr(fs_modules[i], '/') + 1;
		size_t len;

		if (access(path, F_OK) < 0)
			continue;
		if (sk_read_file_at(AT_FDCWD, path, &data, &len, e) < 0)
			return sk_err_prefix(e, "microvm: guest module");
		name = sk_xasprintf(".skiff/modules/%zu-%s", i, b);
		sk_cpio_add(c, name, S_IFREG | 0600, 0, 0, 0, 0, 0, data, len);
	}
	return 0;
}

int sk_vm_initrd_extra(const struct sk_vm_opts *o, struct sk_cpio *c, struct sk_err *e)
{
	_cleanup_free_ char *shim = NULL, *desc = NULL;
	size_t shim_len, desc_len;
	int r = sk_vm_shim(&shim, &shim_len, e);

	if (r < 0)
		return r;
	r = sk_vm_procdesc(o->cfg, &desc, &desc_len, e);
	if (r < 0)
		return r;
	if (o->share)
		sk_vm_procdesc_rootfs(&desc, &desc_len, SK_VM_FS_TAG, o->share->readonly);
	sk_cpio_init(c, -1);
	sk_cpio_add(c, "dev", S_IFDIR | 0755, 0, 0, 0, 0, 0, NULL, 0);
	sk_cpio_add(c, "dev/console", S_IFCHR | 0600, 0, 0, 5, 1, 0, NULL, 0);
	sk_cpio_add(c, ".skiff", S_IFDIR | 0700, 0, 0, 0, 0, 0, NULL, 0);
	sk_cpio_add(c, ".skiff/init", S_IFREG | 0700, 0, 0, 0, 0, 0, shim, shim_len);
	sk_cpio_add(c, ".skiff/process", S_IFREG | 0600, 0, 0, 0, 0, 0, desc, desc_len);
	if (o->share) {
		r = add_modules(c, o->kernel, e);
		if (r < 0) {
			free(c->buf);
			return r;
		}
	}
	sk_cpio_finish(c);
	return 0;
}

/* Read [0, len) of @fd into @dst; a short file leaves the rest as it is. */
static int read_file_into(int fd, const char *path, uint8_t *dst, uint64_t len, struct sk_err *e)
{
	uint64_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, dst + done, len - done, done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sk_err_sys(e, errno, "microvm: read %s", path);
		if (n == 0)
			break;
		done += n;
	}
	return 0;
}

int sk_vm_load_initrd(const struct sk_vm_mem *m, const struct sk_vm_kernel_info *ki,
		      const struct sk_vm_opts *o, const char *path, uint64_t *addr, uint64_t *len,
		      struct sk_err *e)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *extra = NULL;
	struct sk_cpio c;
	struct stat st;
	uint64_t flen = 0;
	uint8_t *dst;
	int r = sk_vm_initrd_extra(o, &c, e);

	if (r < 0)
		return r;
	extra = c.buf;
	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			return sk_err_sys(e, errno, "microvm: initramfs %s", path);
		/* the second archive starts 4-byte aligned */
		flen = ((uint64_t)st.st_size + 3) & ~3ULL;
	}
	*len = flen + c.len;
	*addr = sk_vm_initrd_addr(m, ki, *len);
	dst = *addr ? sk_vm_gpa(m, *addr, *len) : NULL;
	if (!dst)
		return sk_err_set(e, ENOMEM,
				  "microvm: initramfs of %llu MiB does not fit in %llu MiB of guest memory",
				  (unsigned long long)(*len >> 20),
				  (unsigned long long)(m->size >> 20));
	/* guest RAM is zeroed: the padding to the 4-byte boundary is there */
	if (fd >= 0) {
		r = read_file_into(fd, path, dst, flen, e);
		if (r < 0)
			return r;
	}
	memcpy(dst + flen, c.buf, c.len);
	return 0;
}
