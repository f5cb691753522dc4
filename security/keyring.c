/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * keyring.c - a fresh session keyring for the container (runc's
 * "_ses.<id>"), so it does not share the caller's keys.  Skipped with
 * --no-new-keyring.
 */
#include "internal.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <string.h>
#include <sys/syscall.h>

#define KEY_GRP_SEARCH 0x00080000u

int sk_keyring_join(const char *container_id, const struct sk_log *log, struct sk_err *e)
{
	_cleanup_free_ char *name = sk_xasprintf("_ses.%s", container_id ? container_id : "");
	char desc[512];
	unsigned long perm;
	char *f;
	long id, n;

	id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
	if (id < 0) {
		/* No keyrings (old kernel, or an outer user namespace/LSM
		 * denying them): best effort, as runc. */
		if (errno == ENOSYS || errno == EACCES || errno == EPERM || errno == EDQUOT) {
			sk_debug(log, "session keyring %s not created: %s", name, strerror(errno));
			return 0;
		}
		return sk_err_sys(e, errno, "join session keyring %s", name);
	}
	/* Make it searchable by the possessor's group too (as runc): once
	 * joined, a failure here is an error, not a keyring with odd perms. */
	n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof(desc) - 1, 0);
	if (n < 0)
		return sk_err_sys(e, errno, "describe session keyring %s", name);
	desc[(size_t)n < sizeof(desc) ? (size_t)n : sizeof(desc) - 1] = '\0';
	/* "type;uid;gid;perm;description" */
	f = desc;
	for (int i = 0; i < 3 && f; i++) {
		f = strchr(f, ';');
		if (f)
			f++;
	}
	if (!f)
		return sk_err_set(e, EINVAL, "session keyring %s: odd description \"%s\"", name,
				  desc);
	perm = strtoul(f, NULL, 16) | KEY_GRP_SEARCH;
	if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm, 0, 0) < 0)
		return sk_err_sys(e, errno, "set permissions of session keyring %s", name);
	return 0;
}
