/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lsm.c - process.apparmorProfile and process.selinuxLabel.
 *
 * Both are exec-time transitions: the label written here takes effect at
 * the execve of the container's program.  Asking for one on a host where
 * the LSM is not enabled is an error (as runc), not a silent downgrade.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define SELINUX_MAGIC 0xf97cff8c

static bool apparmor_enabled(void)
{
	_cleanup_free_ char *s = NULL;
	struct sk_err ignored;

	if (sk_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &s, NULL,
			    &ignored) < 0)
		return false;
	return s[0] == 'Y';
}

static bool selinux_enabled(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/selinux", &sfs) == 0 && (uint32_t)sfs.f_type == SELINUX_MAGIC)
		return true;
	return statfs("/selinux", &sfs) == 0 && (uint32_t)sfs.f_type == SELINUX_MAGIC;
}

int sk_lsm_validate(const struct oci_process *p, struct sk_err *e)
{
	if (p->apparmor_profile && p->apparmor_profile[0] && !apparmor_enabled())
		return sk_err_set(e, EINVAL,
				  "process.apparmorProfile: profile \"%s\" is specified in config, but AppArmor is not enabled on this system",
				  p->apparmor_profile);
	if (p->selinux_label && p->selinux_label[0] && !selinux_enabled())
		return sk_err_set(e, EINVAL,
				  "process.selinuxLabel: selinux label is specified in config, but selinux is disabled or not supported");
	return 0;
}

int sk_lsm_apply(const struct oci_process *p, struct sk_err *e)
{
	int r;

	if (p->apparmor_profile && p->apparmor_profile[0]) {
		_cleanup_free_ char *cmd = sk_xasprintf("exec %s", p->apparmor_profile);
		/* Newer kernels have a per-LSM directory; older ones only
		 * the shared attr/exec. */
		r = sk_write_file_at(AT_FDCWD, "/proc/thread-self/attr/apparmor/exec", cmd,
				     strlen(cmd), 0, 0, e);
		if (r == -ENOENT)
			r = sk_write_file_at(AT_FDCWD, "/proc/thread-self/attr/exec", cmd,
					     strlen(cmd), 0, 0, e);
		if (r < 0)
			return sk_err_prefix(e, "process.apparmorProfile");
	}
	if (p->selinux_label && p->selinux_label[0]) {
		r = sk_write_file_at(AT_FDCWD, "/proc/thread-self/attr/exec", p->selinux_label,
				     strlen(p->selinux_label), 0, 0, e);
		if (r < 0)
			return sk_err_prefix(e, "process.selinuxLabel");
	}
	return 0;
}
