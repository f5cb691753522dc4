/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shim.c - find the guest PID-1 shim binary (microvm/guest/init.c): the
 * copy embedded at build time (microvm/guest/guest.mk), else
 * $SKIFF_VM_INIT, else skiff-vminit beside the running binary.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

extern const char sk_vm_init_start[] __attribute__((weak));
extern const char sk_vm_init_end[] __attribute__((weak));

int sk_vm_shim(char **data, size_t *len, struct sk_err *e)
{
	const char *env = getenv("SKIFF_VM_INIT");
	_cleanup_free_ char *path = NULL;
	if (env && *env) {
		path = sk_xstrdup(env);
	} else if ((uintptr_t)sk_vm_init_start &&
		   (uintptr_t)sk_vm_init_end > (uintptr_t)sk_vm_init_start) {
		*len = (uintptr_t)sk_vm_init_end - (uintptr_t)sk_vm_init_start;
		*data = sk_xmalloc(*len);
		memcpy(*data, sk_vm_init_start, *len);
		return 0;
	} else {
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return sk_err_sys(e, errno, "microvm: readlink /proc/self/exe");
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash)
			*slash = 0;
		path = sk_xasprintf("%s/skiff-vminit", self);
	}
	int r = sk_read_file_at(AT_FDCWD, path, data, len, e);
	if (r < 0)
		return sk_err_prefix(e, "microvm: guest shim (not built in; set SKIFF_VM_INIT)");
	return 0;
}
