/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * checkpoint.c - `checkpoint` and `restore` (criu/ does the work).
 *
 * checkpoint: criu must be usable here (else one line with criu's own
 * reason, and the container is left as it was); the container must be
 * running; criu dumps its init's tree.  As runc: a dump that stops the
 * container (no --leave-running, no --pre-dump) also removes it, cgroup
 * and state, so the ID is free for `restore`: with skiff's networking,
 * the lease, veth and nft rules go as at delete.  The network namespace
 * is external to criu: skiff makes it again at restore.
 *
 * restore: like create up to the clone -- claim the ID, the cgroup from
 * the bundle's config -- then criu restores the tree with criu's own
 * process moved into that cgroup first, and the state records the
 * restored init (pid and start time) as `running`.  With skiff's
 * networking, a fresh network namespace gets its veth, address (the
 * checkpointed one when free), routes and port forwards before criu
 * restores the container into it.  Any failure removes what was made.
 * migrate's target runs it in two steps (sk_restore_prepare, then
 * sk_restore_run): what needs no image -- the claim, the cgroup, the
 * network namespace -- while the pre-copy rounds still run, then only
 * the image checks and criu's restore once the final images are in.
 */
#define _GNU_SOURCE
#include "ext.h"
#include "../cgroups/cgroups.h"
#include "../criu/criu.h"
#include "../netsetup/netsetup.h"
#include "../rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>

/* The network namespace the config joins by path, or NULL: external to
 * criu as skiff's own are (the images do not carry it, the restore
 * enters the namespace at that path). */
static const char *joined_netns(const struct oci_config *cfg)
{
	const struct oci_namespace *ns = cfg ? &cfg->lnx.namespaces[OCI_NS_NET] : NULL;
	return ns && ns->present && ns->path ? ns->path : NULL;
}

static int joined_netns_ino(const struct oci_config *cfg, struct sk_criu_opts *co, struct sk_err *e)
{
	const char *path = joined_netns(cfg);
	struct stat sb;

	if (!path || co->netns_ino)
		return 0;
	if (stat(path, &sb) < 0)
		return sk_err_sys(e, errno, "linux.namespaces: network %s", path);
	co->netns_ino = (unsigned long long)sb.st_ino;
	return 0;
}

static int joined_netns_fd(const struct oci_config *cfg, int *fd, struct sk_err *e)
{
	const char *path = joined_netns(cfg);

	if (!path || *fd >= 0)
		return 0;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return sk_err_sys(e, errno, "restore: linux.namespaces: network %s", path);
	/* criu gets it at its own number: not one of stdio's */
	if (sk_fd_move_above(fd, 3, e) < 0)
		return sk_err_prefix(e, "restore: linux.namespaces: network %s", path);
	return 0;
}

static void dump_thaw(struct sk_ctx *ctx, struct sk_cgroup *cg, bool frozen)
{
	struct sk_err e;

	if (frozen && sk_cgroup_freeze(cg, false, &e) < 0)
		sk_warn(&ctx->log, "checkpoint: thaw: %s", e.msg);
}

int sk_container_checkpoint(struct sk_ctx *ctx, const char *id, const struct sk_criu_opts *o,
			    struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_net_ struct sk_net *net = NULL;
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct sk_criu_opts co = *o;
	bool frozen = false;
	struct sk_err me;
	enum sk_status s;
	int r, mr;

	sk_debug(&ctx->log, "checkpoint %s", id);
	r = sk_criu_usable(ctx->root, e);
	if (r < 0)
		return r;
	r = sk_state_load(ctx, id, true, &st, e);
	if (r < 0)
		return r;
	s = sk_state_status(ctx, st);
	if (s != SK_STATUS_RUNNING)
		return sk_err_set(e, EINVAL, "cannot checkpoint container %s: it is %s, not running",
				  st->id, sk_status_name(s));
	r = sk_ext_checkpoint_net(ctx, st, st->pid, &co, &net, e);
	if (r == 0)
		r = joined_netns_ino(st->cfg, &co, e);
	if (r < 0)
		return sk_err_prefix(e, "checkpoint %s", st->id);
	/* a full dump freezes the container first (criu's --freeze-cgroup),
	 * so that what skiff decides to make afresh at restore (an empty
	 * tmpfs, a network namespace with only lo) stays so until criu has
	 * the tasks */
	if (!o->pre_dump) {
		r = sk_ext_load_cgroup(ctx, st, &cg, e);
		if (r == 0 && cg && (r = sk_cgroup_freeze(cg, true, e)) == 0) {
			frozen = true;
			co.freeze_cgroup = sk_cgroup_freezer_dir(cg);
		}
		if (r == 0 && frozen)
			r = sk_dump_prepare(ctx, st, &co, &pids, e);
		if (r < 0) {
			dump_thaw(ctx, cg, frozen);
			return sk_err_prefix(e, "checkpoint %s", st->id);
		}
	}
	sk_debug(&ctx->log, "checkpoint %s: prepared (frozen: %s)", st->id, frozen ? "yes" : "no");
	r = sk_criu_dump(&ctx->log, &co, st->pid, st->cfg, e);
	sk_debug(&ctx->log, "checkpoint %s: criu done", st->id);
	/* criu leaves a cgroup frozen as it found it */
	dump_thaw(ctx, cg, frozen);
	if (r < 0)
		return sk_err_prefix(e, "checkpoint %s", st->id);
	/* what restore checks the images against */
	mr = sk_criu_manifest_write(o->image_path, &me);
	sk_debug(&ctx->log, "checkpoint %s: manifest written", st->id);
	/* criu ended the tree: the container is gone, as with runc */
	if (!o->leave_running && !o->pre_dump) {
		r = sk_container_destroy(ctx, st, e);
		if (r < 0)
			return r;
	}
	if (mr < 0) {
		*e = me;
		return sk_err_prefix(e, "checkpoint %s", id);
	}
	return 0;
}

/* What restore made, undone in reverse on failure. */
struct restore_job {
	struct sk_ctx *ctx;
	const struct sk_restore_opts *o;
	char *cfg_text;
	size_t cfg_len;
	struct oci_config *cfg;
	char *bundle, *rootfs, *state_dir;
	int dirfd;
	struct sk_ext ext;
	char *address; /* the checkpointed container's */
	int netns_fd;
	int spare_netns;		      /* made before the images say what criu needs */
	const struct oci_mount *copts_mounts; /* skiff's networking's binds */
	size_t n_copts_mounts;
	struct oci_kv intent[2]; /* "cgroup", "net" */
	size_t n_intent;
	pid_t pid;
	char *tty_key, *tty_path; /* a terminal container's */
	int pty_master, pty_slave;
};

static int intent_record(void *arg, const char *key, const char *value, struct sk_err *e)
{
	struct restore_job *j = arg;
	size_t i;

	for (i = 0; i < j->n_intent && strcmp(j->intent[i].key, key); i++)
		;
	if (i == sizeof(j->intent) / sizeof(j->intent[0]))
		return sk_err_set(e, EINVAL, "intent record: unexpected %s", key);
	if (i == j->n_intent) {
		j->intent[i].key = sk_xstrdup(key);
		j->n_intent++;
	} else {
		free(j->intent[i].value);
	}
	j->intent[i].value = sk_xstrdup(value);
	return sk_state_save_intent(j->dirfd, 0, 0, j->intent, j->n_intent, e);
}

static int load_bundle(struct restore_job *j, struct sk_err *e)
{
	int r = sk_bundle_load(j->o->bundle, &j->bundle, &j->cfg_text, &j->cfg_len, &j->cfg, e);

	if (r < 0)
		return r;
	r = rootfs_validate(j->cfg, j->bundle, &j->rootfs, e);
	if (r < 0)
		return r;
	bool terminal = j->cfg->process && j->cfg->process->terminal;
	if (terminal && !j->o->console_socket)
		return sk_err_set(e, EINVAL,
				  "restore: process.terminal is true: --console-socket is required");
	if (!terminal && j->o->console_socket)
		return sk_err_set(e, EINVAL,
				  "restore: --console-socket given but process.terminal is false");
	return 0;
}

/* A terminal container: a new pty, whose slave criu gives the restored
 * processes in place of the checkpointed one (and binds on
 * /dev/console), and whose master goes to --console-socket. */
static int open_pty(struct restore_job *j, struct sk_err *e)
{
	const struct oci_process *p = j->cfg->process;
	int unlock = 0, n;

	if (!j->tty_key)
		return sk_err_set(e, EINVAL,
				  "restore: the images record no terminal (not made by skiff from a "
				  "container with process.terminal)");
	j->pty_master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (j->pty_master < 0)
		return sk_err_sys(e, errno, "restore: open /dev/ptmx");
	if (ioctl(j->pty_master, TIOCSPTLCK, &unlock) < 0 || ioctl(j->pty_master, TIOCGPTN, &n) < 0)
		return sk_err_sys(e, errno, "restore: unlock the new pty");
	j->pty_slave = ioctl(j->pty_master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (j->pty_slave < 0)
		return sk_err_sys(e, errno, "restore: open the new pty's slave");
	/* criu gets it at its own number: not one of stdio's */
	if (sk_fd_move_above(&j->pty_slave, 3, e) < 0)
		return sk_err_prefix(e, "restore: the new pty's slave");
	if (fchown(j->pty_slave, p->user.uid, p->user.gid) < 0)
		return sk_err_sys(e, errno, "restore: chown the pty to %u:%u", p->user.uid,
				  p->user.gid);
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		sk_ignore(ioctl(j->pty_slave, TIOCSWINSZ, &ws));
	}
	j->tty_path = sk_xasprintf("/dev/pts/%d", n);
	return 0;
}

static int enter_cgroup(void *arg, pid_t criu_pid, struct sk_err *e)
{
	struct restore_job *j = arg;
	return sk_ext_enter(j->ctx, &j->ext, criu_pid, e);
}

static void job_undo(struct restore_job *j)
{
	if (j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	sk_closep(&j->netns_fd);
	sk_closep(&j->spare_netns);
	sk_ext_abort(j->ctx, &j->ext);
	if (j->state_dir)
		sk_rm_rf(j->state_dir);
}

static void job_free(struct restore_job *j)
{
	sk_closep(&j->dirfd);
	sk_closep(&j->netns_fd);
	sk_closep(&j->spare_netns);
	for (size_t i = 0; i < j->n_intent; i++) {
		free(j->intent[i].key);
		free(j->intent[i].value);
	}
	free(j->address);
	sk_closep(&j->pty_master);
	sk_closep(&j->pty_slave);
	free(j->tty_key);
	free(j->tty_path);
	oci_config_freep(&j->cfg);
	sk_ext_free(&j->ext);
	free(j->state_dir);
	free(j->rootfs);
	free(j->bundle);
	free(j->cfg_text);
}

static int save_state(struct restore_job *j, struct sk_err *e)
{
	struct sk_state *st = sk_state_of_init(j->o->id, j->bundle, j->rootfs, j->pid, j->dirfd);
	int r;

	sk_ext_save(&j->ext, st);
	r = sk_state_save(st, e);
	if (r == 0)
		unlinkat(st->dirfd, SK_INTENT_FILE, 0);
	st->dirfd = -1;
	sk_state_free(st);
	return r;
}

/* What needs no image: the ID and bundle, criu here. */
static int job_begin(struct restore_job *j, struct sk_err *e)
{
	int r = sk_validate_id(j->o->id, e);

	if (r == 0)
		r = sk_criu_usable(j->ctx->root, e);
	if (r == 0)
		r = load_bundle(j, e);
	return r;
}

/* The images: whole, the checkpointed container's, its terminal. */
static int job_images(struct restore_job *j, struct sk_err *e)
{
	const char *img = j->o->criu->image_path;

	/* images that are not what the dump left (truncated, corrupted)
	 * are refused here, criu never sees them */
	if (sk_criu_manifest_check(img, e) < 0)
		return sk_err_prefix(e, "restore");
	/* ...and a bundle that is not the checkpointed container's */
	if (sk_criu_config_check(img, j->cfg, &j->tty_key, e) < 0)
		return sk_err_prefix(e, "restore");
	if (j->cfg->process && j->cfg->process->terminal)
		return open_pty(j, e);
	return 0;
}

/* Claim the ID and make the cgroup and the namespaces criu restores
 * into (undone by job_undo).  The images are read only for the
 * checkpointed address (skiff's networking), when they are there. */
static int job_prepare(struct restore_job *j, struct sk_err *e)
{
	struct sk_create_opts co = { .id = j->o->id, .bundle = j->o->bundle };
	int r = sk_claim_id(j->ctx, j->o->id, &j->state_dir, &j->dirfd, e);

	if (r < 0) {
		free(j->state_dir);
		j->state_dir = NULL; /* someone else's */
		return r;
	}
	r = sk_state_save_intent(j->dirfd, 0, 0, NULL, 0, e);
	if (r == 0)
		r = sk_write_file_at(j->dirfd, "config.json", j->cfg_text, j->cfg_len,
				     O_CREAT | O_EXCL, 0600, e);
	if (r < 0)
		return r;
	j->ext.record = intent_record;
	j->ext.record_arg = j;
	j->address = sk_ext_checkpoint_address(j->o->criu ? j->o->criu->image_path : NULL);
	j->ext.prefer_address = j->address;
	r = sk_ext_prepare(j->ctx, &j->ext, &co, j->cfg, j->state_dir, true, e);
	if (r == 0)
		r = sk_ext_restore_netns(&j->ext, &j->netns_fd, e);
	if (r == 0)
		r = joined_netns_fd(j->cfg, &j->netns_fd, e);
	if (r == 0)
		r = sk_restore_spare_netns(j->cfg, j->netns_fd, &j->spare_netns, e);
	if (r < 0)
		return r;
	j->copts_mounts = sk_ext_mounts(&j->ext, &j->n_copts_mounts);
	r = rootfs_make_bind_targets(j->cfg, j->copts_mounts, j->n_copts_mounts, j->rootfs, e);
	if (r < 0)
		return sk_err_prefix(e, "restore %s", j->o->id);
	sk_debug(&j->ctx->log, "restore %s: cgroup and namespaces ready", j->o->id);
	return 0;
}

/* criu's restore into what job_prepare made, then the state. */
static int job_run(struct restore_job *j, struct sk_err *e)
{
	const struct sk_restore_opts *o = j->o;
	int r = sk_restore_fresh_netns(j->cfg, o->criu->image_path, &j->netns_fd, &j->spare_netns, e);

	if (r < 0)
		return r;
	struct sk_criu_opts copts = *o->criu;
	copts.extra_mounts = j->copts_mounts;
	copts.n_extra_mounts = j->n_copts_mounts;
	struct sk_criu_restore rs = {
		.o = &copts,
		.cfg = j->cfg,
		.rootfs = j->rootfs,
		.cgroup_root = j->ext.cg ? sk_cgroup_path(j->ext.cg) : NULL,
		.prepare = enter_cgroup,
		.prepare_arg = j,
		.netns_fd = j->netns_fd,
		.tty_fd = j->pty_slave > 2 ? j->pty_slave : 0,
		.tty_path = j->tty_path,
		.tty_key = j->tty_key,
	};
	r = sk_criu_restore(&j->ctx->log, &rs, &j->pid, e);
	sk_debug(&j->ctx->log, "restore %s: criu done", o->id);
	sk_closep(&j->netns_fd); /* the restored tree holds the namespace */
	if (r < 0)
		return sk_err_prefix(e, "restore %s", o->id);
	if (j->pty_master >= 0) {
		r = sk_console_socket_send(o->console_socket, j->pty_master, e);
		if (r < 0)
			return r;
	}
	r = save_state(j, e);
	if (r == 0 && o->pid_file)
		r = sk_write_pid_file(o->pid_file, j->pid, e);
	return r;
}

static void job_init(struct restore_job *j, struct sk_ctx *ctx, const struct sk_restore_opts *o)
{
	*j = (struct restore_job){ .ctx = ctx,
				   .o = o,
				   .dirfd = -1,
				   .netns_fd = -1,
				   .spare_netns = -1,
				   .pty_master = -1,
				   .pty_slave = -1 };
}

int sk_container_restore(struct sk_ctx *ctx, const struct sk_restore_opts *o, struct sk_err *e)
{
	struct restore_job j;
	int r, status;

	job_init(&j, ctx, o);
	sk_debug(&ctx->log, "restore %s", o->id);
	r = job_begin(&j, e);
	/* before anything is made */
	if (r == 0)
		r = job_images(&j, e);
	if (r < 0)
		goto out;
	sk_debug(&ctx->log, "restore %s: images and bundle checked", o->id);
	r = job_prepare(&j, e);
	if (r == 0)
		r = job_run(&j, e);
	if (r < 0)
		goto fail;
	if (o->detach)
		goto out;
	/* in the foreground: skiff waits, as for `run`, and exits with the
	 * process's status */
	r = sk_wait_forward(j.pid, -1, &status);
	r = r < 0 ? r : status;
	goto out;
fail:
	job_undo(&j);
out:
	job_free(&j);
	return r;
}

/* The two steps of migrate's target: the job keeps its own copy of the
 * options (their strings are the caller's, alive until the job ends). */
struct sk_restore_job {
	struct restore_job j;
	struct sk_restore_opts o;
};

int sk_restore_prepare(struct sk_ctx *ctx, const struct sk_restore_opts *o,
		       struct sk_restore_job **out, struct sk_err *e)
{
	struct sk_restore_job *rj = sk_xcalloc(1, sizeof(*rj));
	int r;

	rj->o = *o;
	rj->o.criu = NULL; /* no images yet */
	rj->o.detach = true;
	job_init(&rj->j, ctx, &rj->o);
	sk_debug(&ctx->log, "restore %s: preparing", o->id);
	r = job_begin(&rj->j, e);
	if (r == 0)
		r = job_prepare(&rj->j, e);
	if (r < 0) {
		sk_restore_drop(&rj);
		return r;
	}
	*out = rj;
	return 0;
}

int sk_restore_run(struct sk_restore_job **rjp, const struct sk_criu_opts *criu, pid_t *pid,
		   struct sk_err *e)
{
	struct sk_restore_job *rj = *rjp;
	int r;

	rj->o.criu = criu;
	r = job_images(&rj->j, e);
	if (r == 0)
		r = job_run(&rj->j, e);
	if (r < 0) {
		sk_restore_drop(rjp);
		return r;
	}
	*pid = rj->j.pid;
	job_free(&rj->j);
	free(rj);
	*rjp = NULL;
	return 0;
}

void sk_restore_drop(struct sk_restore_job **rjp)
{
	struct sk_restore_job *rj = *rjp;

	if (!rj)
		return;
	job_undo(&rj->j);
	job_free(&rj->j);
	free(rj);
	*rjp = NULL;
}
