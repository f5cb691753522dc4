/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migrate_source.c - `skiff migrate ID tcp://HOST:PORT`: the sending side
 * of a live migration (the target is migrate_target.c, the frames
 * criu/wire.c).
 *
 *   HELLO (ID, rootfs, config.json)           -> OK or ERROR
 *   per round N: ROUND N -> READY PORT, criu pre-dump --track-mem through
 *                the target's page server, DUMPED -> BYTES
 *   final:       ROUND N -> READY PORT, freeze the cgroup, criu dump
 *                --leave-running --track-mem with round N-1 as parent,
 *                DUMPED -> BYTES, FILE... END -> RESTORED PID or ERROR
 *   hand-over:   (the source is killed) COMMIT -> RUNNING PID
 *
 * The container stays frozen from the final dump until the target
 * answers; criu leaves a cgroup frozen before the dump frozen after it.
 * The target restores it stopped (criu's --leave-stopped).  RESTORED: the
 * source's processes are killed, then COMMIT lets the target's copy run;
 * the source's cgroup and state go after RUNNING (out of the downtime).
 * Anything before that -- an error line from the target, a lost or
 * timed-out connection, a failed dump, SIGINT/SIGTERM/SIGHUP -- thaws the
 * source, its state untouched, and the target drops its copy.  The
 * target keeps a stopped copy it was never told to resume or drop (the
 * COMMIT lost): never both running, and never neither holding it.  The
 * local images live in a work directory ROOT/.migrate-src.XXXXXX, always
 * removed (migrate_dir.c: one a killed source left, by the next migrate).
 *
 * Test hook (tests/vm/migrate.bats only): SKIFF_TEST_MIGRATE_DIE_RESTORED
 * makes the source exit (status 9) on RESTORED, before it kills its copy.
 */
#define _GNU_SOURCE
#include "ext.h"
#include "../cgroups/cgroups.h"
#include "../criu/criu.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>

struct src_job {
	struct sk_ctx *ctx;
	const struct sk_migrate_opts *o;
	struct sk_migrate_report *rep;
	struct sk_state *st;
	struct sk_cgroup *cg;
	struct sk_wire_addr addr;
	struct sk_wire w;
	char *tmp;
	bool frozen;
	struct timespec t_freeze;
};

/* --debug: a downtime phase, in ms since the freeze */
static void phase(const struct src_job *j, const char *what)
{
	sk_debug_phase(&j->ctx->log, &j->t_freeze, "migrate", j->st->id, what);
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int hello(struct src_job *j, struct sk_err *e)
{
	_cleanup_free_ char *cfg = NULL, *buf = NULL;
	struct sk_wire_msg m;
	size_t len, il = strlen(j->st->id), rl = strlen(j->st->rootfs);
	int r = sk_read_file_at(j->st->dirfd, "config.json", &cfg, &len, e);

	if (r < 0)
		return r;
	buf = sk_xmalloc(il + rl + 2 + len);
	memcpy(buf, j->st->id, il + 1);
	memcpy(buf + il + 1, j->st->rootfs, rl + 1);
	memcpy(buf + il + rl + 2, cfg, len);
	r = sk_wire_send(&j->w, SK_WIRE_HELLO, buf, il + rl + 2 + len, e);
	if (r == 0)
		r = sk_wire_expect(&j->w, SK_WIRE_OK, &m, e);
	if (r == 0)
		free(m.data);
	return r;
}

static int expect_u64(struct src_job *j, uint32_t type, uint64_t max, uint64_t *v, struct sk_err *e)
{
	struct sk_wire_msg m;
	int r = sk_wire_expect(&j->w, type, &m, e);

	if (r < 0)
		return r;
	if (sk_parse_u64(m.data, v) < 0 || *v > max)
		r = sk_err_set(e, EPROTO, "migrate: bad %s message from the target",
			       sk_wire_type_name(type));
	free(m.data);
	return r;
}

/* One round: pre-dump (or, @final, the frozen dump) into TMP/N, its pages
 * through the target's page server. */
static int round_dump(struct src_job *j, unsigned n, bool final, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/%u", j->tmp, n);
	_cleanup_free_ char *work = sk_xasprintf("%s/%u.work", j->tmp, n);
	_cleanup_free_ char *parent = n > 1 ? sk_xasprintf("../%u", n - 1) : NULL;
	_cleanup_free_ pid_t *pids = NULL;
	char num[16];
	uint64_t port, bytes;
	struct sk_err ign;
	int r;

	snprintf(num, sizeof(num), "%u", n);
	r = sk_wire_send_str(&j->w, SK_WIRE_ROUND, num, e);
	if (r == 0)
		r = expect_u64(j, SK_WIRE_READY, 65535, &port, e);
	if (r < 0)
		return r;
	struct sk_criu_opts co = {
		.image_path = dir,
		.work_path = work,
		.parent_path = parent,
		.pre_dump = !final,
		.leave_running = true,
		.ps_address = j->addr.host,
		.ps_port = (uint16_t)port,
		.freeze_cgroup = final ? sk_cgroup_freezer_dir(j->cg) : NULL,
	};
	struct timespec t0;
	if (final) {
		/* downtime starts here */
		clock_gettime(CLOCK_MONOTONIC, &j->t_freeze);
		r = sk_cgroup_freeze(j->cg, true, e);
		if (r < 0)
			return sk_err_prefix(e, "migrate: freeze %s", j->st->id);
		j->frozen = true;
		/* frozen: what the target may make afresh (ext.h) */
		r = sk_dump_prepare(j->ctx, j->st, &co, &pids, e);
		if (r < 0)
			return sk_err_prefix(e, "migrate %s", j->st->id);
		phase(j, "frozen, final dump");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sk_criu_dump(&j->ctx->log, &co, j->st->pid, j->st->cfg, e);
	if (final)
		j->rep->frozen_dump_s = since(&t0);
	if (final && r == 0 && !sk_container_frozen(j->ctx, j->st)) {
		/* criu with --freeze-cgroup leaves a cgroup frozen as it found
		 * it; should one not, the source must not run on */
		sk_warn(&j->ctx->log, "migrate: criu thawed %s after the dump: freezing it again",
			j->st->id);
		r = sk_cgroup_freeze(j->cg, true, e);
	}
	if (final && r == 0) {
		/* the target matched the config already (absolute rootfs: its
		 * bundle may live elsewhere); the manifest (sizes, checksums
		 * of what is sent) is checked again by its restore */
		_cleanup_free_ char *cf = sk_xasprintf("%s/%s", dir, SK_CRIU_CONFIG_FILE);
		/* ...except a terminal container's: the restore needs its
		 * terminal's key from it */
		const struct oci_process *p = j->st->cfg ? j->st->cfg->process : NULL;
		if (!p || !p->terminal)
			unlink(cf);
		r = sk_criu_manifest_write(dir, e);
	}
	if (r < 0) {
		sk_ignore(sk_wire_send_str(&j->w, SK_WIRE_ABORT, e->msg, &ign));
		return r;
	}
	r = sk_wire_send(&j->w, SK_WIRE_DUMPED, NULL, 0, e);
	if (r == 0)
		r = expect_u64(j, SK_WIRE_BYTES, UINT64_MAX, &bytes, e);
	if (r < 0)
		return r;
	j->rep->bytes[j->rep->n_bytes++] = bytes;
	return 0;
}

static int send_file(struct src_job *j, int dfd, const char *name, struct sk_err *e)
{
	_cleanup_free_ char *data = NULL, *msg = NULL;
	size_t len, mlen;
	int r = sk_read_file_at(dfd, name, &data, &len, e);

	if (r < 0)
		return r;
	msg = sk_wire_file_pack(name, data, len, &mlen);
	j->rep->image_bytes += len;
	return sk_wire_send(&j->w, SK_WIRE_FILE, msg, mlen, e);
}

/* The final dump's local images (pages went through the page server). */
static int send_images(struct src_job *j, unsigned n, struct sk_err *e)
{
	_cleanup_free_ char *dir = sk_xasprintf("%s/%u", j->tmp, n);
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned count = 0;
	char num[16];
	int r = 0;

	if (!d)
		return sk_err_sys(e, errno, "migrate: %s", dir);
	while (r == 0 && (de = readdir(d))) {
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(sb.st_mode))
			continue; /* ".", "..", the parent link */
		r = send_file(j, dirfd(d), de->d_name, e);
		count++;
	}
	closedir(d);
	if (r < 0)
		return r;
	snprintf(num, sizeof(num), "%u", count);
	return sk_wire_send_str(&j->w, SK_WIRE_END, num, e);
}

static int transfer(struct src_job *j, struct sk_err *e)
{
	unsigned n = 0;
	uint64_t pid;
	int r;

	r = sk_wire_connect(&j->w, &j->addr, e);
	if (r == 0)
		r = hello(j, e);
	while (r == 0 && sk_migrate_more_rounds(j->rep->bytes, j->rep->n_bytes, j->o->rounds)) {
		r = round_dump(j, ++n, false, e);
		j->rep->rounds = n;
	}
	if (r == 0)
		r = round_dump(j, ++n, true, e);
	if (r == 0) {
		phase(j, "final dump done");
		r = send_images(j, n, e);
	}
	if (r == 0) {
		phase(j, "images sent");
		r = expect_u64(j, SK_WIRE_RESTORED, INT32_MAX, &pid, e);
	}
	if (r == 0)
		phase(j, "restored on the target");
	return r;
}

/* The target holds the container restored and stopped: the frozen source
 * is killed (it never runs again once that succeeded), then COMMIT lets
 * the target's copy run.  A source that cannot be killed runs on
 * instead: the caller thaws it and the target drops its copy. */
static int hand_over(struct src_job *j, struct sk_err *e)
{
	struct sk_err ign;
	uint64_t pid;
	int r;

	/* test hook (tests/vm/migrate.bats only): the source dies here */
	if (getenv("SKIFF_TEST_MIGRATE_DIE_RESTORED"))
		_exit(9);
	r = sk_container_kill(j->ctx, j->st, SIGKILL, true, e);
	if (r < 0)
		return sk_err_prefix(e, "migrate: killing the source");
	j->frozen = false;
	phase(j, "source killed, commit");
	/* its processes are gone: the target may run; the source's cgroup
	 * and state are removed after, out of the downtime */
	r = sk_wire_send(&j->w, SK_WIRE_COMMIT, NULL, 0, e);
	if (r == 0)
		r = expect_u64(j, SK_WIRE_RUNNING, INT32_MAX, &pid, e);
	if (r == 0) {
		j->rep->downtime_s = since(&j->t_freeze);
		phase(j, "running on the target");
	}
	if (sk_container_destroy(j->ctx, j->st, &ign) < 0)
		sk_warn(&j->ctx->log, "migrate: removing the source %s: %s", j->st->id, ign.msg);
	if (r < 0)
		return sk_err_prefix(e,
				     "migrate: the source is removed, but the target did not confirm "
				     "that %s runs there (see the target)",
				     j->st->id);
	j->rep->pid = (pid_t)pid;
	return 0;
}

/* Take the signals that ended the migration from the signalfd: still
 * pending when the mask is restored, they would kill skiff before it
 * has removed what it made and said why (its error line names them). */
static void drain_signals(int fd)
{
	struct signalfd_siginfo si;

	while (fd >= 0 && read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
}

/* SIGINT, SIGTERM and SIGHUP end the migration through the wire's cancel
 * fd (the source is thawed), not skiff. */
static int cancel_fd(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int sk_container_migrate(struct sk_ctx *ctx, const struct sk_migrate_opts *o,
			 struct sk_migrate_report *rep, struct sk_err *e)
{
	struct src_job j = { .ctx = ctx, .o = o, .rep = rep, .w = { .fd = -1, .cancel_fd = -1 } };
	_cleanup_close_ int tmpfd = -1;
	struct timespec t0;
	struct sk_err ign;
	sigset_t old;
	enum sk_status s;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(rep, 0, sizeof(*rep));
	j.w.timeout_ms = o->timeout_s * 1000;
	if (strncmp(o->target, "tcp://", 6))
		return sk_err_set(e, EINVAL, "migrate: the target must be tcp://HOST:PORT, not %s",
				  o->target);
	r = sk_wire_parse_addr(o->target, &j.addr, e);
	if (r == 0)
		r = sk_criu_usable(ctx->root, e);
	if (r == 0)
		r = sk_state_load(ctx, o->id, true, &j.st, e);
	if (r < 0)
		return r;
	s = sk_state_status(ctx, j.st);
	if (s != SK_STATUS_RUNNING) {
		r = sk_err_set(e, EINVAL, "cannot migrate container %s: it is %s, not running",
			       j.st->id, sk_status_name(s));
		goto out;
	}
	if (sk_state_ext(j.st, "net")) {
		/* its network lives on this host (veth, lease, nft rules) */
		r = sk_err_set(e, ENOTSUP,
			       "cannot migrate container %s: skiff's networking is not supported yet",
			       j.st->id);
		goto out;
	}
	r = sk_ext_load_cgroup(ctx, j.st, &j.cg, e);
	if (r == 0 && !j.cg)
		r = sk_err_set(e, ENOTSUP,
			       "cannot migrate container %s: it has no cgroup to freeze", j.st->id);
	if (r < 0)
		goto out;
	r = sk_migrate_workdir(ctx->root, ".migrate-src.", &j.tmp, &tmpfd, e);
	if (r < 0)
		goto out;
	j.w.cancel_fd = cancel_fd(&old);
	r = transfer(&j, e);
	if (r == 0)
		r = hand_over(&j, e);
	if (r < 0 && j.w.fd >= 0 && r != -EREMOTEIO)
		sk_ignore(sk_wire_send_str(&j.w, SK_WIRE_ERROR, e->msg, &ign));
	if (r < 0 && j.frozen) {
		/* the target has not taken it: the source runs on */
		if (sk_cgroup_freeze(j.cg, false, &ign) < 0)
			sk_err_prefix(e, "%s; and resuming the source failed (%s)", ign.msg,
				      j.st->id);
	}
	drain_signals(j.w.cancel_fd);
	close(j.w.cancel_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	rep->total_s = since(&t0);
out:
	if (j.w.fd >= 0)
		close(j.w.fd);
	if (j.tmp)
		sk_rm_rf(j.tmp);
	free(j.tmp);
	sk_cgroup_freep(&j.cg);
	sk_state_freep(&j.st);
	return r;
}
