/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.h - (internal to runtime/) the container's process made from
 * its config: security/'s pieces applied in order, plus umask, cwd and
 * no_new_privs, and the executable's lookup.
 */
#ifndef SKIFF_PROCESS_H
#define SKIFF_PROCESS_H

#include "internal.h"
#include "../security/security.h"

struct process_ctx {
	const struct oci_process *p;
	const struct sk_seccomp_prog *seccomp; /* may be NULL */
	const char *container_id;	       /* for the session keyring name */
	bool new_keyring;		       /* false with --no-new-keyring */
	bool in_new_userns;
	const struct sk_log *log;
	/* With SCMP_ACT_NOTIFY: called with the listener fd right after the
	 * filter is loaded (the runtime sends it to listenerPath); the fd is
	 * closed afterwards. */
	int (*listener)(int fd, void *opaque, struct sk_err *e);
	void *opaque;
};

/* Apply everything, in order: rlimits, oom_score_adj, session keyring,
 * ioprio/scheduler, groups+gid+uid (keeping capabilities), capability
 * sets (bounding, ambient, permitted/effective/inheritable), umask, cwd,
 * no_new_privs, seccomp.  Afterwards the caller only execs.  Runs in the
 * container's init after rootfs_finalize, and in `skiff exec` children. */
__must_check int process_apply(const struct process_ctx *c, struct sk_err *e);

/* Resolve args[0] with PATH from process.env (default PATH as runc's),
 * in the current root: malloc'd absolute path of a regular executable.
 * Error: "exec: \"foo\": executable file not found in $PATH". */
__must_check int process_find_executable(const struct oci_process *p, char **out, struct sk_err *e);

/* Early checks done in the parent: rlimit values, user/cwd sanity,
 * apparmor/selinux requested but unavailable, seccomp (NOTIFY without
 * listenerPath, or as the default action). */
__must_check int process_validate(const struct oci_process *p, const struct oci_seccomp *s,
				  struct sk_err *e);

#endif
