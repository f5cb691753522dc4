/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * namespaces.h - the only header of namespaces/: which namespaces a
 * container gets, joining them by path, and user namespace id maps.
 */
#ifndef SKIFF_NAMESPACES_H
#define SKIFF_NAMESPACES_H

#include "../oci/oci.h"

/* The namespaces of a container: which are new, and open fds of the ones
 * joined by path (checked to be of the right type). */
struct ns_plan {
	int new_flags;		  /* CLONE_NEW* to create */
	int join_fd[OCI_NS__MAX]; /* -1 or an fd to setns() */
	int root_fd;		  /* -1, or the root to chroot to after the joins */
	bool new_userns;
	bool join_userns;
};

/* An empty plan (no fds), safe to ns_plan_close. */
void ns_plan_init(struct ns_plan *plan);

/* Validate and open: a path of the wrong namespace type, a missing path,
 * a new user namespace without mappings are errors naming the field.
 * Fds are opened at or above @min_fd (so --preserve-fds stays free). */
__must_check int ns_plan_open(const struct oci_config *cfg, int min_fd, struct ns_plan *plan,
			      struct sk_err *e);
void ns_plan_close(struct ns_plan *plan);

/* The namespaces of a running process that differ from ours, to join
 * (`skiff exec`, startContainer hooks), and its root directory (as
 * nsenter --root): a container without a mount namespace of its own is
 * a chroot in ours, or in one it joined. */
__must_check int ns_plan_from_pid(pid_t pid, int min_fd, struct ns_plan *plan, struct sk_err *e);

/* Unprivileged (not root): only the container's user namespace gives
 * the rights to join its other namespaces, so join it first (and drop it
 * from @plan; join_userns stays set).  Root joins it last (ns_join), as
 * a namespace of the host it also joins needs root's rights there. */
__must_check int ns_join_user_first(struct ns_plan *plan, struct sk_err *e);

/* Make our next children start in the pid namespace @fd, and afterwards
 * back in our own (*saved), so that no later child of ours (a hook, a
 * sanitizer's thread) lands in the container's. */
__must_check int ns_enter_pid_for_children(int fd, int *saved, struct sk_err *e);
void ns_leave_pid_for_children(int *saved);

/* Join every namespace in @plan but user, pid and time (those affect only
 * children and are joined by the parent); chroot to root_fd when there is
 * one; then the user namespace. */
__must_check int ns_join(const struct ns_plan *plan, struct sk_err *e);

/* Write uid_map and gid_map of @pid from the config's mappings.  An
 * @unprivileged caller (not root in the parent namespace) writes a map
 * of its own id alone itself (gid_map after setgroups "deny", the kernel's
 * rule), any other map through newuidmap/newgidmap. */
__must_check int ns_write_id_maps(pid_t pid, const struct oci_config *cfg, bool unprivileged,
				  struct sk_err *e);

/* Is this process rootless: not root, or root only inside a user
 * namespace (Podman's rootless runtime calls), where cgroups, mknod and
 * most mounts are out of reach?  /proc/self/uid_map other than the
 * initial namespace's full identity map says the latter. */
bool ns_rootless(void);

/* Set hostname/domainname in the current UTS namespace (new or joined). */
__must_check int ns_set_hostnames(const struct oci_config *cfg, struct sk_err *e);

#endif
