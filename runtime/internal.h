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
__must_check int sk_write_pid_file(const char *path, pid_t pid, struct sk_err *e);

/* ------------------------------------------------------------------ hooks */

/* Run one list of hooks with @state_json on stdin.  Errors name the hook. */
__must_check int sk_hooks_run(const struct sk_log *log, const struct oci_hook_list *hooks,
			      const char *kind, const char *state_json, struct sk_err *e);
/* Run every hook of the list; each failure is a warning (poststart and
 * poststop: the spec's "log a warning, the remaining hooks and the
 * lifecycle continue").  Returns the number of hooks that failed. */
int sk_hooks_run_warn(const struct sk_log *log, const struct oci_hook_list *hooks, const char *kind,
		      const char *state_json);
const char *sk_hook_kind_name(enum oci_hook_kind k);

/* ---------------------------------------------------------- sync channel */

enum sk_msg_type {
	SK_MSG_GO = 1,	     /* parent → child: maps written, cgroup joined */
	SK_MSG_PREPARED,     /* child → parent: rootfs mounted, run host hooks */
	SK_MSG_HOOKS_DONE,   /* parent → child: carries the state JSON */
	SK_MSG_PID,	     /* child → parent: the real init pid (double fork) */
	SK_MSG_PTY,	     /* child → parent: pty master (SCM_RIGHTS) */
	SK_MSG_EXEC,	     /* child → parent: about to exec */
	SK_MSG_ERROR,	     /* child → parent: code + one-line message */
	SK_MSG_CGROUP,	     /* parent → child: the init is in its cgroup */
	SK_MSG_SECCOMP,	     /* child → parent: seccomp notify fd (SCM_RIGHTS) */
	SK_MSG_SECCOMP_DONE, /* parent → child: the fd went to listenerPath */
};

int sk_msg_send(int sock, enum sk_msg_type t, int code, const void *data, size_t len, int fd);
/* Receive one message; *data malloc'd and NUL terminated; *fd or -1.
 * Returns the type, 0 on EOF, or -errno. */
int sk_msg_recv(int sock, int *code, char **data, size_t *len, int *fd);
/* Child side: give the seccomp notify @fd to the parent (a process_ctx
 * listener; @opaque points to the channel's int) and wait until it was
 * handed to listenerPath. */
__must_check int sk_msg_seccomp_listener(int fd, void *opaque, struct sk_err *e);
/* Child side: report @e to the parent and _exit(1). */
void __attribute__((noreturn)) sk_child_fail(int sock, const struct sk_err *e);

/* ------------------------------------------------------------------ stub */

__must_check int sk_stub_memfd(int min_fd, struct sk_err *e);
__must_check int sk_stub_exec(int memfd, int waitfd, const char *path, char *const *args,
			      char *const *env, struct sk_err *e);

/* --------------------------------------------------------------- lifecycle */

/* Compile a seccomp profile, through the cache in ROOT/seccomp-cache
 * (a profile is compiled once per skiff/libseccomp/kernel version). */
struct sk_seccomp_prog;
__must_check int sk_seccomp_compile_state_root(const struct sk_ctx *ctx, const struct oci_seccomp *s,
					       struct sk_seccomp_prog **out, struct sk_err *e);

bool sk_reserved_name(const char *name);
/* Open ROOT/ID (O_DIRECTORY); "container ID does not exist". */
__must_check int sk_state_dir_open(const struct sk_ctx *ctx, const char *id, int *dirfd,
				   struct sk_err *e);
__must_check int sk_state_save(const struct sk_state *st, struct sk_err *e);
/* Take the container's lock on @dirfd (ROOT/@id).  Held by create from the
 * moment it claims the ID: then, while there is no state.json yet, fail
 * at once with "container ID is being created" (EBUSY); otherwise wait.
 * ENOENT when the directory was removed while we waited. */
__must_check int sk_state_lock(const struct sk_ctx *ctx, const char *id, int dirfd, struct sk_err *e);
/* The intent record ROOT/ID/intent.json: what a create is about to make
 * (the init's pid and start time, "cgroup" and "net" as in state.json),
 * rewritten atomically before each of them exists, so that delete -f and a
 * later create of the ID can undo a create that was killed.  state.json
 * supersedes it; sk_state_load() reads it when there is no state.json. */
#define SK_INTENT_FILE "intent.json"
__must_check int sk_state_save_intent(int dirfd, pid_t pid, uint64_t start_time,
				      const struct oci_kv *ext, size_t n_ext, struct sk_err *e);
/* Is the init alive and the same process (start time)?  Only a hint: the
 * pid may be reused right after.  To signal or join a pid of the state,
 * use sk_pidfd_open_proven(). */
bool sk_pid_alive(pid_t pid, uint64_t start_time);
uint64_t sk_pid_start_time(pid_t pid);
/* Has the process of @pidfd exited (or is @pidfd invalid)? */
bool sk_pidfd_exited(int pidfd);
/* pidfd_send_signal(2); 0 or -errno. */
int sk_pidfd_signal(int pidfd, int sig);
/* Send @fd over the unix socket at @path (runc's --console-socket). */
__must_check int sk_console_socket_send(const char *path, int fd, struct sk_err *e);
/* In the child: open a pty in the container's /dev/ptmx, make the slave
 * the controlling terminal on 0,1,2; returns the master fd. */
__must_check int sk_pty_setup(const struct oci_process *p, bool bind_console, struct sk_err *e);
/* Close every fd >= @first except the @n in @keep (fds < @first and -1
 * are ignored).  A kept fd that is a directory is an error: what stays
 * open until the exec must not be usable as a cwd. */
__must_check int sk_fds_close_except(int first, const int *keep, size_t n, struct sk_err *e);
/* At the start of create/run/exec, with --preserve-fds: fds [@first,
 * @last) are the caller's to pass on.  Move *@log_fd above them, and take
 * every one that is not open with /dev/null, so that nothing skiff opens
 * later (the state directory, a pidfd) gets a preserved number and
 * reaches the container; *@holes (malloc'd) lists them, to close in the
 * child (sk_fds_close_list) after sk_fds_keep_for_exec. */
__must_check int sk_fds_reserve(int first, int last, int *log_fd, int **holes, size_t *n_holes,
				struct sk_err *e);
void sk_fds_close_list(const int *fds, size_t n);
/* Clear close-on-exec on the preserved fds [@first, @last). */
__must_check int sk_fds_keep_for_exec(int first, int last, struct sk_err *e);
/* Is the container's cgroup frozen (paused)? */
bool sk_container_frozen(const struct sk_ctx *ctx, const struct sk_state *st);
/* The signals run/exec forward: every one but SIGKILL, SIGSTOP and the
 * synchronous SIGSEGV, SIGBUS, SIGILL, SIGFPE. */
void sk_forwarded_set(sigset_t *mask);
/* Send @sig to the container's process: through @pidfd when >= 0, else
 * with kill(2) to @pid, which must be our unreaped child. */
void sk_forward_signal(pid_t pid, int pidfd, int sig);

/* create.c: the state of a container whose init is @pid, created now by
 * us, in the state directory @dirfd (now the state's). */
struct sk_state *sk_state_of_init(const char *id, const char *bundle, const char *rootfs, pid_t pid,
				  int dirfd);

/* fds.c: move *fd (close-on-exec) to the lowest number >= @min_fd when
 * it is below (a number the container's preserved fds take). */
__must_check int sk_fd_move_above(int *fd, int min_fd, struct sk_err *e);

/* bundle.c: @bundle (NULL: the current directory) made absolute in *abs,
 * its config.json's text and the parsed config (each malloc'd, set as far
 * as it got on failure). */
__must_check int sk_bundle_load(const char *bundle, char **abs, char **text, size_t *len,
				struct oci_config **cfg, struct sk_err *e);

/* claim.c: flock(LOCK_EX) that waits at most about a second (a killed
 * create's init may hold the lock an instant longer); 0 or -errno. */
int sk_lock_briefly(int fd);
/* claim.c: claim ID for create: *state_dir (malloc'd, set even on
 * failure) is ROOT/ID, *dirfd its open, locked directory.  Remains of a
 * killed create are undone first; an ID in use or being created is an
 * error (EEXIST, EBUSY). */
__must_check int sk_claim_id(struct sk_ctx *ctx, const char *id, char **state_dir, int *dirfd,
			     struct sk_err *e);

/* checkpoint.c: a detached restore in two steps, for migrate's target.
 * sk_restore_prepare() does what needs no image (@o->criu unused): the ID
 * claimed, the config saved, the cgroup, the network namespace; the
 * job keeps @o's strings, which must outlive it.  sk_restore_run()
 * checks the images of @criu and restores them into that (*pid the
 * restored init); it ends the job (*job NULL), and on failure undoes all
 * the preparation made.  sk_restore_drop() undoes and ends a job that
 * is not run (NULL: nothing). */
struct sk_restore_job;
__must_check int sk_restore_prepare(struct sk_ctx *ctx, const struct sk_restore_opts *o,
				    struct sk_restore_job **job, struct sk_err *e);
__must_check int sk_restore_run(struct sk_restore_job **job, const struct sk_criu_opts *criu,
				pid_t *pid, struct sk_err *e);
void sk_restore_drop(struct sk_restore_job **job);

/* migrate_dir.c: a fresh work directory ROOT/PREFIXxxxxxx in *@path
 * (malloc'd), held locked by *@lockfd while the migrate lives; the
 * unlocked ones of killed migrates of that PREFIX are removed first. */
__must_check int sk_migrate_workdir(const char *root, const char *prefix, char **path, int *lockfd,
				    struct sk_err *e);

/* migrate_plan.c */
/* After @n rounds of @bytes: another pre-copy round?  Not past @max; the
 * first two always (the full copy, then the first dirty set); then only
 * while the dirty set shrank by more than a tenth and is still over
 * 256 KiB. */
bool sk_migrate_more_rounds(const uint64_t *bytes, size_t n, unsigned max);
/* Does the target's config (@dst, rootfs @dst_rootfs) match the
 * checkpointed one: process args, env and cwd, the absolute rootfs and
 * the mounts (destination, type, source, options, in order)?  0, or
 * -EINVAL naming the first difference. */
__must_check int sk_migrate_config_match(const struct oci_config *src, const char *src_rootfs,
					 const struct oci_config *dst, const char *dst_rootfs,
					 struct sk_err *e);

#endif
