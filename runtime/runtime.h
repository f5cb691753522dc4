/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * container.h - (internal to runtime/) container state, lifecycle and the
 * pieces the commands share: the sync channel between skiff and the
 * container's init, hooks, terminals and the init stub.
 */
#ifndef SKIFF_RUNTIME_H
#define SKIFF_RUNTIME_H

#include "../oci/oci.h"

#include <signal.h>


/* What main() builds from the global options. */
struct sk_ctx {
	const char *root;          /* --root */
	struct sk_log log;
	bool systemd_cgroup;       /* --systemd-cgroup */
	bool vm_default;           /* invoked as skiff-vm */
	const char *argv0;
	int fail_status;           /* exit status on error: 1, `exec` 255 (runc's) */
};

/* ------------------------------------------------------------------ state */

enum sk_status {
	SK_STATUS_CREATING,
	SK_STATUS_CREATED,
	SK_STATUS_RUNNING,
	SK_STATUS_PAUSED,
	SK_STATUS_STOPPED,
};
const char *sk_status_name(enum sk_status s);

struct sk_state {
	char *id;
	char *bundle;
	char *rootfs;
	char *created;             /* RFC 3339 */
	pid_t pid;                 /* 0 while creating */
	uint64_t start_time;       /* /proc/PID/stat field 22, against pid reuse */
	uid_t owner;
	struct oci_kv *ext;        /* per-module data: "cgroup", "net", "vm" */
	size_t n_ext;
	struct oci_kv *ann;        /* annotations skiff adds (placement, address) */
	size_t n_ann;
	struct oci_config *cfg;    /* the config.json saved at create */
	int dirfd;                 /* the state directory, or -1 */
};

bool sk_reserved_name(const char *name);
/* "container ID": letters, digits, _ + - . ; not "." or "..". */
int sk_validate_id(const char *id, struct sk_err *e);
/* Open ROOT/ID (O_DIRECTORY); "container ID does not exist". */
int sk_state_dir_open(const struct sk_ctx *ctx, const char *id, int *dirfd, struct sk_err *e);
/* Load ROOT/ID: state.json and config.json.  @lock: take the container's
 * exclusive lock (held while st->dirfd stays open). */
int sk_state_load(const struct sk_ctx *ctx, const char *id, bool lock, struct sk_state **out,
		  struct sk_err *e);
int sk_state_save(const struct sk_state *st, struct sk_err *e);
/* Take the container's lock on @dirfd (ROOT/@id).  Held by create from the
 * moment it claims the ID: then, while there is no state.json yet, fail
 * at once with "container ID is being created" (EBUSY); otherwise wait.
 * ENOENT when the directory was removed while we waited. */
int sk_state_lock(const struct sk_ctx *ctx, const char *id, int dirfd, struct sk_err *e);

/* The intent record ROOT/ID/intent.json: what a create is about to make
 * (the init's pid and start time, "cgroup" and "net" as in state.json),
 * rewritten atomically before each of them exists, so that delete -f and a
 * later create of the ID can undo a create that was killed.  state.json
 * supersedes it; sk_state_load() reads it when there is no state.json. */
#define SK_INTENT_FILE "intent.json"
/* ROOT/.ID.claim, the directory create locks and renames to ROOT/ID, left
 * by a create killed in between: removed (1); none (0, @e untouched);
 * -EBUSY "being created" when a create holds it. */
int sk_claim_leftover(const struct sk_ctx *ctx, const char *id, struct sk_err *e);
int sk_state_save_intent(int dirfd, pid_t pid, uint64_t start_time, const struct oci_kv *ext,
			 size_t n_ext, struct sk_err *e);
void sk_state_free(struct sk_state *st);
static inline void sk_state_freep(struct sk_state **st)
{
	if (*st)
		sk_state_free(*st);
}
#define _cleanup_state_ _cleanup_(sk_state_freep)

/* Is the init alive and the same process (start time)?  Only a hint: the
 * pid may be reused right after.  To signal or join a pid of the state,
 * use sk_pidfd_open_proven(). */
bool sk_pid_alive(pid_t pid, uint64_t start_time);
uint64_t sk_pid_start_time(pid_t pid);
/* A pidfd on @pid, opened first and then checked against @start_time: it
 * then refers to the very process of the state (or to one that has
 * exited since, which no signal reaches).  -ESRCH when @pid is not that
 * process any more, another -errno when no pidfd can be had (then the
 * identity is not proven: never fall back to kill(2)). */
int sk_pidfd_open_proven(pid_t pid, uint64_t start_time);
/* Has the process of @pidfd exited (or is @pidfd invalid)? */
bool sk_pidfd_exited(int pidfd);
/* pidfd_send_signal(2); 0 or -errno. */
int sk_pidfd_signal(int pidfd, int sig);
enum sk_status sk_state_status(const struct sk_ctx *ctx, const struct sk_state *st);
/* Runtime-spec state JSON (with runc's extra rootfs/created/owner). */
char *sk_state_json(const struct sk_state *st, enum sk_status status, bool pretty);

/* ------------------------------------------------------------------ hooks */

/* ---------------------------------------------------------- sync channel */

/* --------------------------------------------------------------- terminal */

/* Send @fd over the unix socket at @path (runc's --console-socket). */
int sk_console_socket_send(const char *path, int fd, struct sk_err *e);
/* In the child: open a pty in the container's /dev/ptmx, make the slave
 * the controlling terminal on 0,1,2; returns the master fd. */
int sk_pty_setup(const struct oci_process *p, bool bind_console, struct sk_err *e);
/* In the parent: relay between our own terminal and @master until @pid
 * exits, forwarding signals as sk_wait_forward (through @pidfd when >= 0)
 * and SIGWINCH as the pty's size; returns after the child's exit is
 * collected in *status. */
int sk_pty_relay(int master, pid_t pid, int pidfd, int *status, struct sk_err *e);

/* ------------------------------------------------------------------- fds */

/* fds.c.  Mark every fd >= @first close-on-exec (skiff does this for all
 * fds >= 3 at start: nothing it execs inherits the caller's fds). */
int sk_fds_cloexec_from(int first);
/* Close every fd >= @first except the @n in @keep (fds < @first and -1
 * are ignored).  A kept fd that is a directory is an error: what stays
 * open until the exec must not be usable as a cwd. */
int sk_fds_close_except(int first, const int *keep, size_t n, struct sk_err *e);
/* At the start of create/run/exec, with --preserve-fds: fds [@first,
 * @last) are the caller's to pass on.  Move *@log_fd above them, and take
 * every one that is not open with /dev/null, so that nothing skiff opens
 * later (the state directory, a pidfd) gets a preserved number and
 * reaches the container; *@holes (malloc'd) lists them, to close in the
 * child (sk_fds_close_list) after sk_fds_keep_for_exec. */
int sk_fds_reserve(int first, int last, int *log_fd, int **holes, size_t *n_holes,
		   struct sk_err *e);
void sk_fds_close_list(const int *fds, size_t n);
/* Clear close-on-exec on the preserved fds [@first, @last). */
int sk_fds_keep_for_exec(int first, int last, struct sk_err *e);

/* ------------------------------------------------------------------ stub */

/* --------------------------------------------------------------- lifecycle */

struct sk_create_opts {
	const char *id;
	const char *bundle;
	const char *console_socket;
	const char *pid_file;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	bool vm;              /* microVM mode */
	bool foreground;      /* `run` without -d: keep the init as our child */
	bool tty_here;        /* `run -t` without --console-socket */
};

/* The result of a create kept by `run`. */
struct sk_created {
	struct sk_state *st;
	int start_fd;         /* write one byte here to start (run only), or -1 */
	int pty_master;       /* run -t: the pty to relay, or -1 */
	int pidfd;            /* of the init, or -1 */
};

int sk_container_create(struct sk_ctx *ctx, const struct sk_create_opts *o,
			struct sk_created *out, struct sk_err *e);
/* Start a created container: startContainer hooks, release the init,
 * poststart hooks.  @start_fd: run's own handle, or -1 to use the fifo. */
int sk_container_start(struct sk_ctx *ctx, struct sk_state *st, int start_fd,
		       struct sk_err *e);
/* Kill what is left, tear down cgroup/network, poststop hooks, remove the
 * state directory.  The state must be locked. */
int sk_container_destroy(struct sk_ctx *ctx, struct sk_state *st, struct sk_err *e);
/* Signal the init, or with @all every process of the container. */
int sk_container_kill(struct sk_ctx *ctx, const struct sk_state *st, int sig, bool all,
		      struct sk_err *e);
/* The container's cgroup from its saved state (NULL in *out: it has none),
 * for `update`, `pause`, `events` and `ps` (cgroups/cgroups.h). */
struct sk_cgroup;
int sk_ext_load_cgroup(struct sk_ctx *ctx, const struct sk_state *st, struct sk_cgroup **out,
		       struct sk_err *e);
/* `exec`: what the command line asks for besides the process itself. */
struct sk_exec_opts {
	const char *id;
	const char *console_socket, *pid_file;   /* NULL: none */
	char **cgroups;            /* --cgroup [CONTROLLER:]PATH, NULL-terminated */
	bool detach, ignore_paused;
	int preserve_fds;
	/* Makes the process from the loaded state (its config's process and
	 * the caller's overrides); called once the container may take one. */
	int (*build)(const struct sk_state *st, void *arg, struct oci_process **out,
		     struct sk_err *e);
	void *build_arg;
};
/* Run a new process in a running (or created/paused with ignore_paused)
 * container: its exit status (0-255) when in the foreground, 0 detached;
 * skiff's own failures are -errno with @e set (runc's exit 255). */
int sk_container_exec(struct sk_ctx *ctx, const struct sk_exec_opts *o, struct sk_err *e);
/* Is the container's cgroup frozen (paused)? */
bool sk_container_frozen(const struct sk_ctx *ctx, const struct sk_state *st);
/* Pids of the container (cgroup, or pid namespace scan). */
int sk_container_pids(struct sk_ctx *ctx, const struct sk_state *st, pid_t **pids, size_t *n,
		      struct sk_err *e);
/* Block the signals run/exec forward, before the child exists, so none is
 * lost or kills skiff in between; children start with an empty mask. */
void sk_block_signals(sigset_t *old);
/* ...and back to @old once the process is waited for (sanitizers and
 * `timeout` need them at exit). */
void sk_restore_signals(const sigset_t *old);
void sk_unblock_signals(void);
/* Every signal's disposition back to the default (a caller's SIG_IGN
 * survives exec) and an empty mask: what the container's process and the
 * hooks start with, as with runc. */
void sk_reset_signals(void);
/* The signals run/exec forward: every one but SIGKILL, SIGSTOP and the
 * synchronous SIGSEGV, SIGBUS, SIGILL, SIGFPE. */
void sk_forwarded_set(sigset_t *mask);
/* Send @sig to the container's process: through @pidfd when >= 0, else
 * with kill(2) to @pid, which must be our unreaped child. */
void sk_forward_signal(pid_t pid, int pidfd, int sig);
/* Wait for @pid (our child) forwarding signals to it (through @pidfd when
 * >= 0); exit status as a shell reports it (128+signal). */
int sk_wait_forward(pid_t pid, int pidfd, int *status);

/* Signal name ("TERM", "SIGTERM") or number. */
int sk_parse_signal(const char *s);

#endif
