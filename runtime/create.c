/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * create.c - `create`: everything up to the container's init waiting for
 * `start`, in one process and one clone (no re-exec of skiff).
 *
 *  parent (skiff)                         child (init.c)
 *  validate config, rootfs, namespaces
 *  claim the ID: state dir, locked
 *  exec fifo, stub memfd
 *  clone3(CLONE_NEW*, INTO_CGROUP) ------> wait GO
 *  init pid + start time recorded
 *  uid/gid maps, cgroup                    .
 *  GO ----------------------------------->  join namespaces, mounts
 *  prestart + createRuntime hooks <-------- PREPARED
 *  HOOKS_DONE (state JSON) -------------->  createContainer hooks, pivot_root
 *  pty to --console-socket <------------- PTY (terminal only)
 *  EOF on the channel: exec'd  <--------- security context, exec skiff-init
 *  state.json, --pid-file                   (blocks until start)
 *
 * Any failure kills the child and removes everything made so far.
 *
 * A create killed at any point (SIGKILL) leaves nothing that cannot be
 * found again: the ID is claimed by renaming a locked directory into
 * place (so the lock covers the whole create; a concurrent delete says the
 * container is being created), and before each thing is made -- NUMA
 * ledger entry and cgroup, network lease and links, the init -- what is
 * needed to remove it is written into ROOT/ID/intent.json.  `delete -f ID`
 * and a later `create ID` read it when there is no state.json and undo it
 * (sk_container_destroy).  An init that outlives a killed create is either
 * still waiting for GO (it exits on the channel's EOF, or PDEATHSIG) or
 * named by the recorded pid and start time.
 */
#define _GNU_SOURCE
#include "ext.h"
#include "handler.h"
#include "init.h"
#include "process.h"
#include "../namespaces/namespaces.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* Everything create made, undone in reverse on failure. */
struct create_job {
	struct sk_ctx *ctx;
	const struct sk_create_opts *o;
	struct oci_config *cfg;
	char *cfg_text;
	size_t cfg_len;
	char *bundle;
	char *rootfs;
	struct ns_plan plan;
	const struct sk_handler *handler;
	void *handler_data; /* what handler->prepare made for the init */
	struct sk_ext ext;
	char *state_dir;
	int dirfd;
	int waitfd, startfd;
	int stubfd;
	int sock[2];
	pid_t pid;   /* the init */
	pid_t child; /* our direct child (differs after a double fork) */
	int pidfd;
	int pty_master;
	bool made_dir;
	struct oci_kv *intent; /* recorded ext ("cgroup", "net") */
	size_t n_intent;
	struct sk_state *st; /* once saved: create's result */
	int *fd_holes;	     /* see sk_fds_reserve */
	size_t n_fd_holes;
	struct timespec t0; /* for --debug phase timings */
};

static void phase(const struct create_job *j, const char *what)
{
	sk_debug_phase(&j->ctx->log, &j->t0, "create", j->o->id, what);
}

static void job_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void job_cleanup(struct create_job *j, bool failed)
{
	if (failed) {
		if (j->child > 0) {
			kill(j->child, SIGKILL);
			waitpid(j->child, NULL, 0);
		}
		/* the init after a double fork is not our child: only
		 * through its pidfd */
		if (j->pid > 0 && j->pid != j->child && j->pidfd >= 0)
			sk_pidfd_signal(j->pidfd, SIGKILL);
		sk_ext_abort(j->ctx, &j->ext);
		if (j->made_dir)
			sk_rm_rf(j->state_dir);
		job_close_fd(&j->pidfd);
		job_close_fd(&j->pty_master);
		job_close_fd(&j->startfd);
	}
	ns_plan_close(&j->plan);
	if (j->handler)
		j->handler->free_data(j->handler_data);
	job_close_fd(&j->dirfd);
	job_close_fd(&j->waitfd);
	job_close_fd(&j->stubfd);
	job_close_fd(&j->sock[0]);
	job_close_fd(&j->sock[1]);
	sk_ext_free(&j->ext);
	if (j->cfg)
		oci_config_free(j->cfg);
	free(j->cfg_text);
	free(j->bundle);
	free(j->rootfs);
	free(j->state_dir);
	sk_fds_close_list(j->fd_holes, j->n_fd_holes);
	free(j->fd_holes);
	for (size_t i = 0; i < j->n_intent; i++) {
		free(j->intent[i].key);
		free(j->intent[i].value);
	}
	free(j->intent);
}

/* Rewrite the intent record (atomically): the init's pid and start time
 * once it exists, and every ext entry recorded so far. */
static int intent_save(struct create_job *j, struct sk_err *e)
{
	uint64_t start = j->pid > 0 ? sk_pid_start_time(j->pid) : 0;
	int r = sk_state_save_intent(j->dirfd, j->pid, start, j->intent, j->n_intent, e);

	return r < 0 ? sk_err_prefix(e, "container %s: intent record", j->o->id) : 0;
}

static int intent_record(void *arg, const char *key, const char *value, struct sk_err *e)
{
	struct create_job *j = arg;
	size_t i;

	for (i = 0; i < j->n_intent && strcmp(j->intent[i].key, key); i++)
		;
	if (i == j->n_intent) {
		j->intent = sk_xrealloc(j->intent, (j->n_intent + 1) * sizeof(*j->intent));
		j->intent[i].key = sk_xstrdup(key);
		j->intent[i].value = NULL;
		j->n_intent++;
	}
	free(j->intent[i].value);
	j->intent[i].value = sk_xstrdup(value);
	return intent_save(j, e);
}

static int load_config(struct create_job *j, struct sk_err *e)
{
	return sk_bundle_load(j->o->bundle, &j->bundle, &j->cfg_text, &j->cfg_len, &j->cfg, e);
}

/* Every check that can fail before anything exists. */
static int validate(struct create_job *j, struct sk_err *e)
{
	const struct sk_create_opts *o = j->o;
	const struct oci_process *p = j->cfg->process;
	int min_fd = 3 + o->preserve_fds, r;

	if (o->preserve_fds < 0)
		return sk_err_set(e, EINVAL, "--preserve-fds: must not be negative");
	r = rootfs_validate(j->cfg, j->bundle, &j->rootfs, e);
	if (r < 0)
		return r;
	if (p) {
		r = process_validate(p, &j->cfg->lnx.seccomp, e);
		if (r < 0)
			return r;
		if (p->terminal && !o->console_socket && !o->tty_here)
			return sk_err_set(e, EINVAL,
					  "process.terminal is true: --console-socket is required when the container is detached");
		if (!p->terminal && o->console_socket)
			return sk_err_set(e, EINVAL,
					  "--console-socket given but process.terminal is false");
	} else if (o->foreground) {
		return sk_err_set(e, EINVAL, "process: the config has no process to run");
	}
	r = ns_plan_open(j->cfg, min_fd, &j->plan, e);
	if (r < 0)
		return r;
	j->handler = sk_handler_for(o, j->cfg);
	return j->handler->prepare(j->ctx, j->cfg, j->rootfs, &j->plan, &j->handler_data, e);
}

static int make_state_dir(struct create_job *j, struct sk_err *e)
{
	int r = sk_claim_id(j->ctx, j->o->id, &j->state_dir, &j->dirfd, e);

	if (r < 0)
		return r;
	j->made_dir = true;
	/* an empty record first: the directory is then known to be create's */
	r = intent_save(j, e);
	if (r < 0)
		return r;
	return sk_write_file_at(j->dirfd, "config.json", j->cfg_text, j->cfg_len, O_CREAT | O_EXCL,
				0600, e);
}

static int make_fds(struct create_job *j, struct sk_err *e)
{
	int min_fd = 3 + j->o->preserve_fds, r;

	if (j->o->foreground) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			return sk_err_sys(e, errno, "pipe");
		j->waitfd = p[0];
		j->startfd = p[1];
	} else {
		if (mkfifoat(j->dirfd, "exec.fifo", 0600) < 0)
			return sk_err_sys(e, errno, "mkfifo exec.fifo");
		/* O_RDWR never blocks, and keeps a reader for `start` */
		j->waitfd = openat(j->dirfd, "exec.fifo", O_RDWR | O_CLOEXEC);
		if (j->waitfd < 0)
			return sk_err_sys(e, errno, "open exec.fifo");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, j->sock) < 0)
		return sk_err_sys(e, errno, "socketpair");
	j->stubfd = sk_stub_memfd(min_fd, e);
	if (j->stubfd < 0)
		return j->stubfd;
	if ((r = sk_fd_move_above(&j->waitfd, min_fd, e)) < 0 ||
	    (r = sk_fd_move_above(&j->startfd, min_fd, e)) < 0 ||
	    (r = sk_fd_move_above(&j->sock[0], min_fd, e)) < 0 ||
	    (r = sk_fd_move_above(&j->sock[1], min_fd, e)) < 0 ||
	    (r = sk_fd_move_above(&j->dirfd, min_fd, e)) < 0)
		return r;
	return 0;
}

/* Must the init be in its cgroup before it mounts (a cgroup mount)? */
static bool needs_cgroup_early(const struct oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct oci_mount *m = &cfg->mounts[i];
		if ((m->type && !strncmp(m->type, "cgroup", 6)) ||
		    !strncmp(m->destination, "/sys/fs/cgroup", 14))
			return true;
	}
	return false;
}

static int do_clone(struct create_job *j, struct sk_err *e)
{
	struct sk_init_args a = {
		.ctx = j->ctx,
		.o = j->o,
		.cfg = j->cfg,
		.bundle = j->bundle,
		.rootfs = j->rootfs,
		.plan = &j->plan,
		.handler = j->handler,
		.handler_data = j->handler_data,
		.parent_pid = getpid(),
		.sock = j->sock[1],
		.parent_sock = j->sock[0],
		.waitfd = j->waitfd,
		.stubfd = j->stubfd,
		.fd_holes = j->fd_holes,
		.n_fd_holes = j->n_fd_holes,
	};
	struct clone_args ca = { 0 };
	int cgfd = sk_ext_clone_cgroup_fd(&j->ext);
	uint64_t flags = 0;
	long pid;
	int own_pidns = -1, saved_errno;
	_cleanup_free_ int *src_fds = NULL;
	size_t n_src = 0;

	a.cgroup_early = needs_cgroup_early(j->cfg);
	a.t0 = j->t0;
	sk_ext_init_args(&j->ext, &a);
	/* pid and time namespaces are joined for our children only */
	if (j->plan.join_fd[OCI_NS_PID] >= 0 &&
	    ns_enter_pid_for_children(j->plan.join_fd[OCI_NS_PID], &own_pidns, e) < 0)
		return sk_err_prefix(e, "%s", j->cfg->lnx.namespaces[OCI_NS_PID].path);
	/* the init inherits them */
	n_src = j->handler->open_sources(&a, 3 + j->o->preserve_fds, &src_fds, e);
	a.src_fds = src_fds;
	if (!j->plan.join_userns)
		flags = (uint64_t)(j->plan.new_flags & ~CLONE_NEWCGROUP);

	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&j->pidfd;
	ca.exit_signal = SIGCHLD;
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
	}
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL) && cgfd < 0) {
		j->pidfd = -1;
		pid = syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
	}
	if (pid == 0)
		sk_init_main(&a);
	saved_errno = errno;
	for (size_t i = 0; i < n_src; i++)
		if (src_fds[i] >= 0)
			close(src_fds[i]);
	ns_leave_pid_for_children(&own_pidns);
	if (pid < 0)
		return sk_err_sys(e, saved_errno, "clone");
	j->pid = j->child = (pid_t)pid;
	job_close_fd(&j->sock[1]);
	/* its user namespace's ID maps, while it waits for GO */
	return j->plan.new_userns ? ns_write_id_maps(j->pid, j->cfg, geteuid() != 0, e) : 0;
}

/* The state during create.  prestart, createRuntime and createContainer
 * hooks get status "created", as the runtime spec's lifecycle says (the
 * create operation's environment exists: steps 3-5 come after step 2;
 * runc 1.1 sends "creating" there, the spec wins); the seccomp listener
 * gets "creating" (the container is still being created then). */
static char *hook_state_json(struct create_job *j, enum sk_status status)
{
	struct sk_state st = {
		.id = (char *)j->o->id,
		.bundle = j->bundle,
		.rootfs = j->rootfs,
		.pid = j->pid,
		.cfg = j->cfg,
		.dirfd = -1,
	};
	return sk_state_json(&st, status, false);
}

/* One message to the init (@data: NULL or a string). */
static int tell_init(struct create_job *j, enum sk_msg_type type, const char *data, struct sk_err *e)
{
	int r = sk_msg_send(j->sock[0], type, 0, data, data ? strlen(data) : 0, -1);

	return r < 0 ? sk_err_sys(e, -r, "sync with the container's init") : 0;
}

/* PREPARED: the init's namespaces exist.  Its network, the prestart and
 * createRuntime hooks, then HOOKS_DONE with the state. */
static int on_prepared(struct create_job *j, struct sk_err *e)
{
	_cleanup_free_ char *json = NULL;
	int r = sk_ext_after_init(j->ctx, &j->ext, j->pid, j->state_dir, e);

	if (r < 0)
		return r;
	json = hook_state_json(j, SK_STATUS_CREATED);
	r = sk_hooks_run(&j->ctx->log, &j->cfg->hooks[OCI_HOOK_PRESTART], "prestart", json, e);
	if (r < 0)
		return r;
	r = sk_hooks_run(&j->ctx->log, &j->cfg->hooks[OCI_HOOK_CREATE_RUNTIME], "createRuntime",
			 json, e);
	if (r < 0)
		return r;
	return tell_init(j, SK_MSG_HOOKS_DONE, json, e);
}

/* SECCOMP: the init's seccomp notify @fd (ours to close), for
 * linux.seccomp.listenerPath. */
static int on_seccomp(struct create_job *j, int fd, struct sk_err *e)
{
	const struct oci_seccomp *s = &j->cfg->lnx.seccomp;
	_cleanup_free_ char *state = NULL, *json = NULL;
	int r;

	if (fd < 0)
		return sk_err_set(e, EPROTO, "init sent no seccomp fd");
	state = hook_state_json(j, SK_STATUS_CREATING);
	json = sk_seccomp_process_state(s->listener_metadata, j->pid, state);
	r = sk_seccomp_send_listener(s->listener_path, fd, json, e);
	close(fd);
	if (r < 0)
		return r;
	return tell_init(j, SK_MSG_SECCOMP_DONE, NULL, e);
}

/* Talk with the init until it has exec'd the stub (EOF on the channel). */
static int converse(struct create_job *j, struct sk_err *e)
{
	for (;;) {
		_cleanup_free_ char *data = NULL;
		int code = 0, fd = -1, t, r = 0;

		t = sk_msg_recv(j->sock[0], &code, &data, NULL, &fd);
		if (t < 0)
			return sk_err_sys(e, -t, "sync with the container's init");
		switch (t) {
		case 0:
			/* the init exec'd, or died (then it is still our child) */
			if (j->child > 0 && waitpid(j->child, NULL, WNOHANG) == j->child) {
				j->child = 0;
				return sk_err_set(e, ECHILD,
						  "the container's init died during create");
			}
			return 0;
		case SK_MSG_PID:
			/* the intermediate child exits; the grandchild is the init */
			waitpid(j->child, NULL, 0);
			j->child = 0;
			job_close_fd(&j->pidfd);
			j->pid = code;
			j->pidfd = (int)syscall(SYS_pidfd_open, j->pid, 0);
			r = intent_save(j, e);
			break;
		case SK_MSG_PREPARED:
			r = on_prepared(j, e);
			break;
		case SK_MSG_PTY:
			if (fd < 0)
				return sk_err_set(e, EPROTO, "init sent no pty");
			if (j->o->console_socket) {
				r = sk_console_socket_send(j->o->console_socket, fd, e);
				close(fd);
			} else {
				job_close_fd(&j->pty_master);
				j->pty_master = fd;
			}
			break;
		case SK_MSG_SECCOMP:
			r = on_seccomp(j, fd, e);
			break;
		case SK_MSG_ERROR:
			return sk_err_set(e, code, "%s", data ? data : "container init failed");
		default:
			if (fd >= 0)
				close(fd);
			return sk_err_set(e, EPROTO, "unexpected message %d from the init", t);
		}
		if (r < 0)
			return r;
	}
}

/* The ID and --preserve-fds; then the preserved fds' numbers are taken
 * before skiff opens anything that could get one (the state directory
 * would reach the container). */
static int check_opts(struct create_job *j, struct sk_err *e)
{
	const struct sk_create_opts *o = j->o;
	int r = sk_validate_id(o->id, e);

	if (r < 0)
		return r;
	if (o->preserve_fds < 0 || o->preserve_fds > 1024)
		return sk_err_set(e, EINVAL, "--preserve-fds: must be 0 to 1024");
	return sk_fds_reserve(3, 3 + o->preserve_fds, &j->ctx->log.fd, &j->fd_holes, &j->n_fd_holes,
			      e);
}

static int reserve_ext(struct create_job *j, struct sk_err *e)
{
	int r;

	j->ext.record = intent_record;
	j->ext.record_arg = j;
	r = sk_ext_prepare(j->ctx, &j->ext, j->o, j->cfg, j->state_dir, needs_cgroup_early(j->cfg),
			   e);
	if (r == 0)
		phase(j, j->ext.cg_deferred ? "network reserved" : "cgroup and network reserved");
	return r;
}

/* GO first: the init mounts while we wait for the cgroup migration (with
 * a cgroup mount, it waits for CGROUP before it mounts). */
static int release_init(struct create_job *j, struct sk_err *e)
{
	int r = tell_init(j, SK_MSG_GO, NULL, e);

	if (r < 0)
		return r;
	r = sk_ext_enter(j->ctx, &j->ext, j->pid, e);
	if (r < 0 || !needs_cgroup_early(j->cfg))
		return r;
	return tell_init(j, SK_MSG_CGROUP, NULL, e);
}

struct sk_state *sk_state_of_init(const char *id, const char *bundle, const char *rootfs, pid_t pid,
				  int dirfd)
{
	struct sk_state *st = sk_xcalloc(1, sizeof(*st));

	st->id = sk_xstrdup(id);
	st->bundle = sk_xstrdup(bundle);
	st->rootfs = sk_xstrdup(rootfs);
	st->created = sk_now_rfc3339();
	st->pid = pid;
	st->start_time = sk_pid_start_time(pid);
	st->owner = geteuid();
	st->dirfd = dirfd;
	return st;
}

/* state.json (it supersedes the intent record), then --pid-file. */
static int save_state(struct create_job *j, struct sk_err *e)
{
	struct sk_state *st =
		sk_state_of_init(j->o->id, j->bundle, j->rootfs, j->pid, sk_steal_fd(&j->dirfd));
	int r;

	st->cfg = sk_steal_ptr(&j->cfg);
	sk_ext_save(&j->ext, st);
	r = sk_state_save(st, e);
	if (r == 0)
		unlinkat(st->dirfd, SK_INTENT_FILE, 0);
	if (r == 0 && j->o->pid_file)
		r = sk_write_pid_file(j->o->pid_file, j->pid, e);
	if (r < 0) {
		j->cfg = sk_steal_ptr(&st->cfg);
		j->dirfd = sk_steal_fd(&st->dirfd);
		sk_state_free(st);
		return r;
	}
	j->st = st;
	return 0;
}

/* create, in order (the diagram at the top); @done: the --debug phase
 * once the step succeeded. */
static const struct create_step {
	int (*run)(struct create_job *j, struct sk_err *e);
	const char *done;
} create_steps[] = {
	{ check_opts, NULL },
	{ load_config, NULL },
	{ validate, "validated" },
	{ make_state_dir, "state dir" },
	{ reserve_ext, NULL },
	{ make_fds, "fds" },
	{ do_clone, NULL },
	/* the init waits for GO: it cannot block on the exec fifo before
	 * delete -f can find it by pid and start time */
	{ intent_save, "cloned" },
	{ release_init, "in cgroup" },
	{ converse, "the init is waiting for start" },
	{ save_state, "state saved" },
};

int sk_container_create(struct sk_ctx *ctx, const struct sk_create_opts *o, struct sk_created *out,
			struct sk_err *e)
{
	struct create_job j = {
		.ctx = ctx,
		.o = o,
		.dirfd = -1,
		.waitfd = -1,
		.startfd = -1,
		.stubfd = -1,
		.sock = { -1, -1 },
		.pidfd = -1,
		.pty_master = -1,
	};
	int r;

	clock_gettime(CLOCK_MONOTONIC, &j.t0);
	ns_plan_init(&j.plan);
	for (size_t i = 0; i < sizeof(create_steps) / sizeof(create_steps[0]); i++) {
		r = create_steps[i].run(&j, e);
		if (r < 0) {
			job_cleanup(&j, true);
			return r;
		}
		if (create_steps[i].done)
			phase(&j, create_steps[i].done);
	}
	out->st = j.st;
	out->start_fd = sk_steal_fd(&j.startfd);
	out->pty_master = sk_steal_fd(&j.pty_master);
	out->pidfd = sk_steal_fd(&j.pidfd);
	job_cleanup(&j, false);
	return 0;
}
