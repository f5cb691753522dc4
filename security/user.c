/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * user.c - process.user: supplementary groups, gid, uid.
 *
 * The uid change keeps the permitted capabilities (PR_SET_KEEPCAPS) so
 * that caps.c can then set exactly the configured sets; the kernel clears
 * the effective set on the change, caps.c restores it.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>

/* /proc/self/setgroups says "deny" in a user namespace whose gid map was
 * written by an unprivileged process. */
static bool setgroups_denied(void)
{
	_cleanup_free_ char *s = NULL;
	struct sk_err ignored;

	if (sk_read_file_at(AT_FDCWD, "/proc/self/setgroups", &s, NULL, &ignored) < 0)
		return false;
	return strncmp(s, "deny", 4) == 0;
}

/* setresgid/setresuid (@call) to @id failed: errno says why. */
static int id_fail(struct sk_err *e, const char *what, const char *call, unsigned id)
{
	int r = errno;

	return sk_err_sys(e, r, "process.user.%s: %s(%u)%s", what, call, id,
			  r == EINVAL ? (*what == 'g' ? " (gid not mapped in the user namespace)"
						      : " (uid not mapped in the user namespace)")
				      : "");
}

int sk_user_apply(const struct oci_user *u, const struct sk_log *log, struct sk_err *e)
{
	_cleanup_free_ gid_t *gids = NULL;

	if (setgroups_denied()) {
		if (u->n_additional_gids > 0)
			return sk_err_set(e, EPERM,
					  "process.user.additionalGids: cannot set additional groups: setgroups is denied in this user namespace");
		sk_debug(log, "setgroups denied in the user namespace: keeping the groups");
	} else {
		gids = sk_xcalloc(u->n_additional_gids, sizeof(gid_t));
		for (size_t i = 0; i < u->n_additional_gids; i++)
			gids[i] = (gid_t)u->additional_gids[i];
		if (setgroups(u->n_additional_gids, gids) < 0)
			return sk_err_sys(e, errno, "process.user.additionalGids: setgroups");
	}

	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return id_fail(e, "gid", "setresgid", u->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sk_err_sys(e, errno, "prctl(PR_SET_KEEPCAPS)");
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return id_fail(e, "uid", "setresuid", u->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return sk_err_sys(e, errno, "prctl(PR_SET_KEEPCAPS, 0)");
	return 0;
}
