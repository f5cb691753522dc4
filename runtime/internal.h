/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of runtime/ share with each other (and unit
 * tests); other folders include only runtime.h. */
#ifndef SKIFF_RUNTIME_INTERNAL_H
#define SKIFF_RUNTIME_INTERNAL_H

#include "runtime.h"

/* ------------------------------------------------------------------ state */

const char *sk_state_ext(const struct sk_state *st, const char *key);
void sk_state_set_ext(struct sk_state *st, const char *key, const char *value);
void sk_state_set_ann(struct sk_state *st, const char *key, const char *value);

/* Write a pid file atomically (tmp + rename), as runc does. */
int sk_write_pid_file(const char *path, pid_t pid, struct sk_err *e);

/* ------------------------------------------------------------------ hooks */

/* Run one list of hooks with @state_json on stdin.  Errors name the hook. */
int sk_hooks_run(const struct sk_log *log, const struct oci_hook_list *hooks, const char *kind,
		 const char *state_json, struct sk_err *e);
/* Run every hook of the list; each failure is a warning (poststart and
 * poststop: the spec's "log a warning, the remaining hooks and the
 * lifecycle continue").  Returns the number of hooks that failed. */
int sk_hooks_run_warn(const struct sk_log *log, const struct oci_hook_list *hooks,
		      const char *kind, const char *state_json);
const char *sk_hook_kind_name(enum oci_hook_kind k);

/* ---------------------------------------------------------- sync channel */

enum sk_msg_type {
	SK_MSG_GO = 1,        /* parent → child: maps written, cgroup joined */
	SK_MSG_PREPARED,      /* child → parent: rootfs mounted, run host hooks */
	SK_MSG_HOOKS_DONE,    /* parent → child: carries the state JSON */
	SK_MSG_PID,           /* child → parent: the real init pid (double fork) */
	SK_MSG_PTY,           /* child → parent: pty master (SCM_RIGHTS) */
	SK_MSG_EXEC,          /* child → parent: about to exec */
	SK_MSG_ERROR,         /* child → parent: code + one-line message */
	SK_MSG_CGROUP,        /* parent → child: the init is in its cgroup */
	SK_MSG_SECCOMP,       /* child → parent: seccomp notify fd (SCM_RIGHTS) */
	SK_MSG_SECCOMP_DONE,  /* parent → child: the fd went to listenerPath */
};

int sk_msg_send(int sock, enum sk_msg_type t, int code, const void *data, size_t len, int fd);
/* Receive one message; *data malloc'd and NUL terminated; *fd or -1.
 * Returns the type, 0 on EOF, or -errno. */
int sk_msg_recv(int sock, int *code, char **data, size_t *len, int *fd);
/* Child side: give the seccomp notify @fd to the parent (a process_ctx
 * listener; @opaque points to the channel's int) and wait until it was
 * handed to listenerPath. */
int sk_msg_seccomp_listener(int fd, void *opaque, struct sk_err *e);
/* Child side: report @e to the parent and _exit(1). */
void __attribute__((noreturn)) sk_child_fail(int sock, const struct sk_err *e);

/* ------------------------------------------------------------------ stub */

int sk_stub_memfd(int min_fd, struct sk_err *e);
int sk_stub_exec(int memfd, int waitfd, const char *path, char *const *args,
		 char *const *env, struct sk_err *e);

/* --------------------------------------------------------------- lifecycle */

/* Compile a seccomp profile, through the cache in ROOT/seccomp-cache
 * (a profile is compiled once per skiff/libseccomp/kernel version). */
struct sk_seccomp_prog;
int sk_seccomp_compile_state_root(const struct sk_ctx *ctx, const struct oci_seccomp *s,
				  struct sk_seccomp_prog **out, struct sk_err *e);

#endif
