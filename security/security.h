/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * security.h - the process's security context, one piece per file:
 * seccomp (compile, cache, load, notify listener), rlimits, oom_score_adj,
 * I/O priority and scheduler, session keyring, user and groups,
 * capabilities, LSM labels.  Stands on oci/ and base/.
 */
#ifndef SKIFF_SECURITY_H
#define SKIFF_SECURITY_H

#include "../oci/oci.h"

struct sock_fprog;

/* A seccomp filter compiled in the parent (before clone) so that bad
 * rules fail early and the child only has to load it. */
struct sk_seccomp_prog {
	struct sock_fprog *prog; /* BPF program, owned */
	unsigned int flags;	 /* SECCOMP_FILTER_FLAG_* */
	bool needs_notify;	 /* SCMP_ACT_NOTIFY used */
};

/* sk_seccomp_compile() through a cache of compiled programs in the
 * directory @cache_dirfd (owned by root, 0700; e.g. <state root>/seccomp):
 * the same profile is compiled once per libseccomp/kernel version.  Entries
 * are matched on the whole profile text, never on a hash alone.  A cache
 * that cannot be read or written only costs a compile; -1 = no cache. */
__must_check int sk_seccomp_compile_cached(const struct oci_seccomp *s, int cache_dirfd,
					   struct sk_seccomp_prog **out, const struct sk_log *log,
					   struct sk_err *e);
/* Load in the calling thread (after no_new_privs or with CAP_SYS_ADMIN). */
__must_check int sk_seccomp_load(const struct sk_seccomp_prog *p, struct sk_err *e);
/* The same; a program with SCMP_ACT_NOTIFY is loaded with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER and *listener gets the notify fd
 * (close-on-exec); otherwise *listener = -1.  sk_seccomp_load refuses
 * such a program. */
__must_check int sk_seccomp_load_listener(const struct sk_seccomp_prog *p, int *listener,
					  struct sk_err *e);

/* seccomp_notify.c: the runtime-spec "container process state" JSON sent
 * with the notify fd (@state_json: the container's state), malloc'd. */
char *sk_seccomp_process_state(const char *metadata, pid_t pid, const char *state_json);
/* Connect to @path (listenerPath), send @fd with @json, close. */
__must_check int sk_seccomp_send_listener(const char *path, int fd, const char *json,
					  struct sk_err *e);
void sk_seccomp_free(struct sk_seccomp_prog *p);

/* ------------------------------------------------------------------
 * The pieces runtime/process.c's process_apply() is made of.  Each one
 * fills @e with a message naming the config field at fault.
 */

/* seccomp.c: checks that need no compilation (listenerPath, NOTIFY). */
__must_check int sk_seccomp_validate(const struct oci_seccomp *s, struct sk_err *e);
/* Number of BPF instructions in @p (0 for NULL). */
unsigned int sk_seccomp_prog_len(const struct sk_seccomp_prog *p);

/* rlimits.c: early checks (type known, no duplicates, soft <= hard) and
 * prlimit(2) of every process.rlimits entry on the calling process. */
__must_check int sk_rlimits_validate(const struct oci_process *p, struct sk_err *e);
__must_check int sk_rlimits_apply(const struct oci_process *p, struct sk_err *e);

/* sched.c: oom_score_adj, ioprio_set(2), sched_setattr(2). */
__must_check int sk_oom_score_adj_apply(const struct oci_process *p, struct sk_err *e);
__must_check int sk_ioprio_apply(const struct oci_process *p, struct sk_err *e);
__must_check int sk_scheduler_apply(const struct oci_process *p, struct sk_err *e);

/* keyring.c: join a new session keyring "_ses.<id>" (as runc does);
 * ENOSYS/EACCES/EPERM/EDQUOT are ignored with a debug message. */
__must_check int sk_keyring_join(const char *container_id, const struct sk_log *log,
				 struct sk_err *e);

/* user.c: setgroups(additionalGids) (skipped when the user namespace
 * denies setgroups and no additional gid is asked for), setresgid,
 * setresuid keeping the permitted capabilities (PR_SET_KEEPCAPS). */
__must_check int sk_user_apply(const struct oci_user *u, const struct sk_log *log, struct sk_err *e);

/* Drop from the bounding set every capability not in c->bounding (all of
 * them when !c->present).  Needs CAP_SETPCAP: call before the uid change. */
__must_check int sk_caps_drop_bounding(const struct oci_caps *c, struct sk_err *e);
/* capset(effective, permitted, inheritable), then the ambient set:
 * cleared, then each raised; an ambient capability the kernel refuses
 * (not in permitted and inheritable) is skipped with a warning. */
__must_check int sk_caps_apply(const struct oci_caps *c, const struct sk_log *log, struct sk_err *e);

/* lsm.c: AppArmor profile / SELinux label requested but unavailable is an
 * error; apply writes the exec-time transition (effective at execve). */
__must_check int sk_lsm_validate(const struct oci_process *p, struct sk_err *e);
__must_check int sk_lsm_apply(const struct oci_process *p, struct sk_err *e);

#endif
