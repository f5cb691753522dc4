/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * runtime.h - runtime/'s public header, what cli/ calls: the container's
 * state and its lock, and the lifecycle commands (create, start, exec,
 * kill, delete, pause, checkpoint and restore).  What runtime/'s own files
 * share (the sync channel with the init, hooks, terminals, the init stub,
 * the handlers) is in internal.h.
 */
#ifndef SKIFF_RUNTIME_H
#define SKIFF_RUNTIME_H

#include "../oci/oci.h"

#include <signal.h>

/* What main() builds from the global options. */
struct sk_ctx {
	const char *root; /* --root */
	struct sk_log log;
	bool systemd_cgroup; /* --systemd-cgroup */
	/* not root, or root only in a user namespace (ns_rootless), or
	 * --rootless true: no cgroup unless delegated, devices bound, no
	 * skiff networks */
	bool rootless;
	bool vm_default; /* invoked as skiff-vm */
	const char *argv0;
	int fail_status; /* exit status on error: 1, `exec` 255 (runc's) */
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
	char *created;	     /* RFC 3339 */
	pid_t pid;	     /* 0 while creating */
	uint64_t start_time; /* /proc/PID/stat field 22, against pid reuse */
	uid_t owner;
	struct oci_kv *ext; /* per-module data: "cgroup", "net", "vm" */
	size_t n_ext;
	struct oci_kv *ann; /* annotations skiff adds (placement, address) */
	size_t n_ann;
	struct oci_config *cfg; /* the config.json saved at create */
	int dirfd;		/* the state directory, or -1 */
};

/* "container ID": letters, digits, _ + - . ; not "." or "..". */
__must_check int sk_validate_id(const char *id, struct sk_err *e);
/* Load ROOT/ID: state.json and config.json.  @lock: take the container's
 * exclusive lock (held while st->dirfd stays open). */
__must_check int sk_state_load(const struct sk_ctx *ctx, const char *id, bool lock,
			       struct sk_state **out, struct sk_err *e);

/* ROOT/.ID.claim, the directory create locks and renames to ROOT/ID, left
 * by a create killed in between: removed (1); none (0, @e untouched);
 * -EBUSY "being created" when a create holds it. */
__must_check int sk_claim_leftover(const struct sk_ctx *ctx, const char *id, struct sk_err *e);
void sk_state_free(struct sk_state *st);
static inline void sk_state_freep(struct sk_state **st)
{
	if (*st)
		sk_state_free(*st);
}
#define _cleanup_state_ _cleanup_(sk_state_freep)

/* A pidfd on @pid, opened first and then checked against @start_time: it
 * then refers to the very process of the state (or to one that has
 * exited since, which no signal reaches).  -ESRCH when @pid is not that
 * process any more, another -errno when no pidfd can be had (then the
 * identity is not proven: never fall back to kill(2)). */
int sk_pidfd_open_proven(pid_t pid, uint64_t start_time);
enum sk_status sk_state_status(const struct sk_ctx *ctx, const struct sk_state *st);
/* Runtime-spec state JSON (with runc's extra rootfs/created/owner). */
char *sk_state_json(const struct sk_state *st, enum sk_status status, bool pretty);

/* ------------------------------------------------------------------ hooks */

/* ---------------------------------------------------------- sync channel */

/* --------------------------------------------------------------- terminal */

/* In the parent: relay between our own terminal and @master until @pid
 * exits, forwarding signals as sk_wait_forward (through @pidfd when >= 0)
 * and SIGWINCH as the pty's size; returns after the child's exit is
 * collected in *status. */
__must_check int sk_pty_relay(int master, pid_t pid, int pidfd, int *status, struct sk_err *e);

/* ------------------------------------------------------------------- fds */

/* fds.c.  Mark every fd >= @first close-on-exec (skiff does this for all
 * fds >= 3 at start: nothing it execs inherits the caller's fds). */
int sk_fds_cloexec_from(int first);

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
	bool vm;	 /* microVM mode */
	bool foreground; /* `run` without -d: keep the init as our child */
	bool tty_here;	 /* `run -t` without --console-socket */
};

/* The result of a create kept by `run`. */
struct sk_created {
	struct sk_state *st;
	int start_fd;	/* write one byte here to start (run only), or -1 */
	int pty_master; /* run -t: the pty to relay, or -1 */
	int pidfd;	/* of the init, or -1 */
};

__must_check int sk_container_create(struct sk_ctx *ctx, const struct sk_create_opts *o,
				     struct sk_created *out, struct sk_err *e);
/* Start a created container: startContainer hooks, release the init,
 * poststart hooks.  @start_fd: run's own handle, or -1 to use the fifo. */
__must_check int sk_container_start(struct sk_ctx *ctx, struct sk_state *st, int start_fd,
				    struct sk_err *e);
/* Kill what is left, tear down cgroup/network, poststop hooks, remove the
 * state directory.  The state must be locked. */
__must_check int sk_container_destroy(struct sk_ctx *ctx, struct sk_state *st, struct sk_err *e);
/* Signal the init, or with @all every process of the container. */
__must_check int sk_container_kill(struct sk_ctx *ctx, const struct sk_state *st, int sig, bool all,
				   struct sk_err *e);
/* The container's cgroup from its saved state (NULL in *out: it has none),
 * for `update`, `pause`, `events` and `ps` (cgroups/cgroups.h). */
struct sk_cgroup;
__must_check int sk_ext_load_cgroup(struct sk_ctx *ctx, const struct sk_state *st,
				    struct sk_cgroup **out, struct sk_err *e);
/* `exec`: what the command line asks for besides the process itself. */
struct sk_exec_opts {
	const char *id;
	const char *console_socket, *pid_file; /* NULL: none */
	char **cgroups;			       /* --cgroup [CONTROLLER:]PATH, NULL-terminated */
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
__must_check int sk_container_exec(struct sk_ctx *ctx, const struct sk_exec_opts *o,
				   struct sk_err *e);
/* `checkpoint` (criu/criu.h has the options): one line with criu's own
 * reason when criu cannot work here, the container left as it was.
 * Without leave_running or pre_dump the container is removed after the
 * dump (as runc). */
struct sk_criu_opts;
__must_check int sk_container_checkpoint(struct sk_ctx *ctx, const char *id,
					 const struct sk_criu_opts *o, struct sk_err *e);
struct sk_restore_opts {
	const char *id;
	const char *bundle; /* NULL: the current directory */
	const char *pid_file, *console_socket;
	bool detach, no_pivot;
	const struct sk_criu_opts *criu;
};
/* `restore`: a running container ID from criu's images and the bundle;
 * detached 0, else the process's exit status (0-255) once it ends. */
__must_check int sk_container_restore(struct sk_ctx *ctx, const struct sk_restore_opts *o,
				      struct sk_err *e);
/* `migrate` (migrate_source.c, migrate_target.c; criu/criu.h has the
 * wire protocol): live migration of a running container to a target
 * `migrate --receive`, pre-copy rounds through criu page servers, then a
 * frozen final dump.  The source is removed only once the target says
 * the restored container runs; any failure thaws it, state unchanged. */
#define SK_MIGRATE_MAX_ROUNDS 16
struct sk_migrate_opts {
	const char *id;
	const char *target; /* tcp://HOST:PORT */
	unsigned rounds;    /* pre-copy rounds at most; 0: stop-and-copy */
	int timeout_s;	    /* each step's bound */
};
struct sk_migrate_report {
	unsigned rounds; /* pre-copy rounds done */
	/* page bytes the target's page server wrote per round, the final
	 * dump's last (n_bytes = rounds + 1) */
	uint64_t bytes[SK_MIGRATE_MAX_ROUNDS + 1];
	size_t n_bytes;
	uint64_t image_bytes; /* the final dump's other image files */
	double total_s, downtime_s, frozen_dump_s;
	pid_t pid; /* the restored init on the target */
};
__must_check int sk_container_migrate(struct sk_ctx *ctx, const struct sk_migrate_opts *o,
				      struct sk_migrate_report *rep, struct sk_err *e);
struct sk_migrate_receive_opts {
	const char *listen; /* ADDR:PORT; the page servers use PORT+1 */
	const char *bundle; /* NULL: the current directory */
	/* a terminal container's new pty master goes there (as restore's) */
	const char *console_socket;
	int timeout_s;
};
/* Receive one container; *id (malloc'd) and *pid once it runs here. */
__must_check int sk_migrate_receive(struct sk_ctx *ctx, const struct sk_migrate_receive_opts *o,
				    char **id, pid_t *pid, struct sk_err *e);
/* The report as text lines or one JSON object (malloc'd). */
char *sk_migrate_report_format(const struct sk_migrate_report *rep, const char *id, bool json);
/* Pids of the container (cgroup, or pid namespace scan). */
__must_check int sk_container_pids(struct sk_ctx *ctx, const struct sk_state *st, pid_t **pids,
				   size_t *n, struct sk_err *e);
/* Block the signals run/exec forward, before the child exists, so none is
 * lost or kills skiff in between; children start with an empty mask. */
void sk_block_signals(sigset_t *old);
/* ...and back to @old once the process is waited for (sanitizers and
 * `timeout` need them at exit). */
void sk_restore_signals(const sigset_t *old);
/* Wait for @pid (our child) forwarding signals to it (through @pidfd when
 * >= 0); exit status as a shell reports it (128+signal). */
int sk_wait_forward(pid_t pid, int pidfd, int *status);

/* Signal name ("TERM", "SIGTERM") or number. */
int sk_parse_signal(const char *s);

#endif
