/* SPDX-License-Identifier: GPL-2.0-or-later */
/* init.h - (internal to runtime/) what create.c hands the container's init. */
#ifndef SKIFF_INIT_H
#define SKIFF_INIT_H

#include "internal.h"

#include <time.h>

struct ns_plan;
struct sk_handler;

struct sk_init_args {
	struct sk_ctx *ctx;
	const struct sk_create_opts *o;
	const struct oci_config *cfg;
	const char *bundle;
	const char *rootfs;
	const struct ns_plan *plan;
	/* how the process runs (handler.h), and what its prepare made */
	const struct sk_handler *handler;
	const void *handler_data;
	const struct oci_mount *extra; /* mounts added by skiff */
	size_t n_extra;
	/* preserved fds the caller had not open (/dev/null placeholders,
	 * see sk_fds_reserve): closed before the exec */
	const int *fd_holes;
	size_t n_fd_holes;
	const int *src_fds; /* bind sources opened by skiff (rootfs_ctx.src_fds) */
	pid_t parent_pid;
	int sock;	 /* our end of the sync channel */
	int parent_sock; /* the parent's end, closed in the child */
	int waitfd;	 /* read end the stub waits on for `start` */
	int stubfd;	 /* sealed memfd with skiff-init */
	/* The parent joins the cgroup while we mount (a cgroup migration can
	 * wait a whole RCU grace period).  With a cgroup mount we wait for
	 * SK_MSG_CGROUP first; else the cgroup namespace is unshared after
	 * HOOKS_DONE, by when the parent has joined. */
	bool cgroup_early;
	struct timespec t0; /* create's start, for --debug phase timings */
	/* optional step right before the security context is applied */
	int (*before_exec)(const struct sk_init_args *a, struct sk_err *e);
	void *opaque;
};

/* --debug: the init's step @what, timed from create's start. */
void sk_init_phase(const struct sk_init_args *a, const char *what);
/* The createContainer hooks, in the init's current directory, with
 * @state_json on stdin; a failure ends the init (sk_child_fail). */
void sk_init_create_container_hooks(const struct sk_init_args *a, const char *state_json);

/* process.terminal: a pty in the container (the slave bound over
 * /dev/console when @bind_console) whose master goes to the parent;
 * otherwise a new session. */
void sk_init_terminal(const struct sk_init_args *a, bool bind_console);

/* The child side of create; never returns. */
void __attribute__((noreturn)) sk_init_main(const struct sk_init_args *a);

#endif
