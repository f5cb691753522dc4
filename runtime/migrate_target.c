/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * migrate_target.c - `skiff migrate --receive --listen ADDR:PORT`: the
 * receiving side of a live migration (see migrate_source.c for the
 * exchange).
 *
 * One source is accepted.  Its HELLO names the container and carries
 * the checkpointed config: the ID must be free here and the bundle's
 * config must match it (sk_migrate_config_match), else the source gets
 * the one-line reason.  Then, before OK and out of the downtime, the
 * restore's preparation (sk_restore_prepare: the ID claimed, the
 * cgroup, a network namespace) while the rounds run.  Each ROUND N starts `criu page-server` on
 * ADDR:PORT+1 into TMP/N (parent ../N-1) and answers READY only once it
 * listens; DUMPED waits for its exit and answers the page bytes it wrote.
 * The final round's other images come as FILE messages, each checked
 * (size and checksum) before it is written; END restores them into
 * what was prepared (sk_restore_run: restore's own path, detached) and
 * answers RESTORED PID.  Any failure answers ERROR with the line and
 * removes all it made: TMP (ROOT/.migrate.XXXXXX), and the prepared
 * restore (claimed ID, cgroup) undoes itself.  TMP is locked
 * (flock) while its target lives: a target killed with SIGKILL leaves it,
 * and the next `migrate --receive` on that root removes every unlocked
 * one (its page servers died with it: PR_SET_PDEATHSIG).
 *
 * Test hook (tests/vm/migrate.bats only): SKIFF_TEST_MIGRATE_CORRUPT=NAME
 * flips one byte of the received image file NAME before it is checked.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "../criu/criu.h"
#include "../rootfs/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>

struct tgt_job {
	struct sk_ctx *ctx;
	const struct sk_migrate_receive_opts *o;
	char *bundle, *rootfs, *cfg_text;
	size_t cfg_len;
	struct oci_config *cfg;
	struct sk_wire_addr addr;
	struct sk_wire w;
	char *tmp;
	char *id;
	unsigned round;
	unsigned files;
	struct sk_restore_job *prep; /* the restore made ready (prepare) */
	pid_t pid;
	struct timespec t0; /* --debug phases: ms since the connection */
};

static void phase(const struct tgt_job *j, const char *what)
{
	sk_debug_phase(&j->ctx->log, &j->t0, "migrate --receive", j->id ? j->id : "-", what);
}

static int hello(struct tgt_job *j, struct sk_wire_msg *m, struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_(oci_config_freep) struct oci_config *src = NULL;
	const char *id = m->data, *rootfs, *cfg;
	size_t il = strnlen(m->data, m->len), rl;
	struct sk_err ign;
	int r;

	if (m->type != SK_WIRE_HELLO || il >= m->len)
		return sk_err_set(e, EPROTO, "migrate: expected HELLO from the source");
	rootfs = m->data + il + 1;
	rl = strnlen(rootfs, m->len - il - 1);
	if (il + 1 + rl >= m->len)
		return sk_err_set(e, EPROTO, "migrate: a malformed HELLO");
	cfg = rootfs + rl + 1;
	r = sk_validate_id(id, e);
	if (r < 0)
		return r;
	j->id = sk_xstrdup(id);
	/* (the remains of a killed create or target, no state.json: the
	 * restore's claim removes them) */
	if (sk_state_load(j->ctx, id, false, &st, &ign) == 0 && st->created)
		return sk_err_set(e, EEXIST, "migrate: container %s already exists on the target",
				  id);
	r = oci_config_parse(cfg, m->len - il - rl - 2, &src, e);
	if (r < 0)
		return sk_err_prefix(e, "migrate: the container's config");
	return sk_migrate_config_match(src, rootfs, j->cfg, j->rootfs, e);
}

/* Page bytes a round's page server wrote: its pages-*.img. */
static uint64_t page_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t sum = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat sb;
		if (!strncmp(de->d_name, "pages-", 6) &&
		    fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(sb.st_mode))
			sum += (uint64_t)sb.st_size;
	}
	closedir(d);
	return sum;
}

static int round_recv(struct tgt_job *j, struct sk_wire_msg *m, struct sk_err *e)
{
	uint64_t n;
	pid_t ps = -1;
	struct sk_wire_msg done = { 0 };
	char num[32];
	int r;

	if (sk_parse_u64(m->data, &n) < 0 || n != j->round + 1 || n > SK_MIGRATE_MAX_ROUNDS + 1)
		return sk_err_set(e, EPROTO, "migrate: round %s out of order", m->data);
	_cleanup_free_ char *dir = sk_xasprintf("%s/%llu", j->tmp, (unsigned long long)n);
	_cleanup_free_ char *prev = n > 1 ? sk_xasprintf("../%llu", (unsigned long long)n - 1) : NULL;
	struct sk_criu_page_server ps_opts = {
		.images_dir = dir,
		.prev_dir = prev,
		.address = j->addr.host,
		.port = (uint16_t)(j->addr.port + 1),
	};
	j->round = (unsigned)n;
	r = sk_criu_page_server_start(&j->ctx->log, &ps_opts, j->w.timeout_ms, &ps, e);
	if (r < 0)
		return r;
	snprintf(num, sizeof(num), "%u", ps_opts.port);
	r = sk_wire_send_str(&j->w, SK_WIRE_READY, num, e);
	if (r == 0)
		r = sk_wire_expect(&j->w, SK_WIRE_DUMPED, &done, e);
	if (r < 0) {
		sk_criu_page_server_kill(ps);
		return r;
	}
	free(done.data);
	r = sk_criu_page_server_wait(ps, dir, j->w.timeout_ms, j->w.cancel_fd, e);
	if (r < 0)
		return r;
	phase(j, "a round's pages in");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)page_bytes(dir));
	return sk_wire_send_str(&j->w, SK_WIRE_BYTES, num, e);
}

static int file_recv(struct tgt_job *j, struct sk_wire_msg *m, struct sk_err *e)
{
	const char *corrupt = getenv("SKIFF_TEST_MIGRATE_CORRUPT");
	struct sk_wire_file f;
	int r;

	if (j->round == 0)
		return sk_err_set(e, EPROTO, "migrate: an image file before any dump");
	if (corrupt && *corrupt && m->len > 0) {
		r = sk_wire_file_unpack(m->data, m->len, &f, e);
		if (r == 0 && !strcmp(f.name, corrupt) && f.size > 0)
			m->data[m->len - 1] ^= 0x5a; /* test-only: see the header */
	}
	r = sk_wire_file_unpack(m->data, m->len, &f, e);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = sk_xasprintf("%s/%u/%s", j->tmp, j->round, f.name);
	j->files++;
	return sk_write_file_at(AT_FDCWD, path, f.data, f.size, O_CREAT | O_EXCL | O_WRONLY, 0600, e);
}

/* Once the config matched: the restore's preparation (the ID claimed,
 * the cgroup, the network namespace) while the pre-copy rounds run, out
 * of the downtime. */
static int prepare(struct tgt_job *j, struct sk_err *e)
{
	struct sk_restore_opts ro = {
		.id = j->id,
		.bundle = j->bundle,
		.detach = true,
		.console_socket = j->o->console_socket,
	};
	int r = sk_restore_prepare(j->ctx, &ro, &j->prep, e);

	if (r == 0)
		phase(j, "restore prepared");
	return r;
}

static int restore_here(struct tgt_job *j, struct sk_wire_msg *m, struct sk_err *e)
{
	_cleanup_free_ char *img = sk_xasprintf("%s/%u", j->tmp, j->round);
	_cleanup_free_ char *work = sk_xasprintf("%s/restore.work", j->tmp);
	uint64_t n;

	if (sk_parse_u64(m->data, &n) < 0 || n != j->files)
		return sk_err_set(e, EIO, "migrate: %u image files received, the source sent %s",
				  j->files, m->data);
	/* stopped until the source has removed its copy (commit()) */
	struct sk_criu_opts co = { .image_path = img, .work_path = work, .leave_stopped = true };
	return sk_restore_run(&j->prep, &co, &j->pid, e);
}

/* Remove what a restore made: the source runs on. */
static void undo_restore(struct tgt_job *j)
{
	_cleanup_state_ struct sk_state *st = NULL;
	struct sk_err ign;

	if (sk_state_load(j->ctx, j->id, true, &st, &ign) == 0)
		sk_ignore(sk_container_destroy(j->ctx, st, &ign));
}

static int resume(struct tgt_job *j, struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	int r = sk_state_load(j->ctx, j->id, false, &st, e);

	return r < 0 ? r : sk_container_kill(j->ctx, st, SIGCONT, true, e);
}

/* The restored tasks wait stopped (criu's --leave-stopped) while the
 * source removes its frozen copy; they resume only on its COMMIT.  Its
 * ERROR (it runs on): ours goes.  No word at all (the connection lost,
 * the source killed): it may have removed its copy or not, so ours stays,
 * stopped, for the operator -- never both running, and the container
 * never lost. */
static int commit(struct tgt_job *j, struct sk_err *e)
{
	struct sk_wire_msg m = { 0 };
	struct sk_err ign;
	char num[32];
	int r;

	snprintf(num, sizeof(num), "%d", (int)j->pid);
	r = sk_wire_send_str(&j->w, SK_WIRE_RESTORED, num, e);
	if (r == 0)
		r = sk_wire_recv(&j->w, &m, e);
	if (r == 0 && m.type != SK_WIRE_COMMIT) {
		r = m.type == SK_WIRE_ERROR || m.type == SK_WIRE_ABORT
			    ? sk_err_set(e, ECANCELED, "migrate: the source gave up: %s", m.data)
			    : sk_err_set(e, EPROTO, "migrate: unexpected %s from the source",
					 sk_wire_type_name(m.type));
		undo_restore(j);
	} else if (r < 0) {
		sk_err_prefix(e,
			      "migrate: %s is restored here but stopped, as the source did not confirm "
			      "it removed its copy (`skiff kill --all %s CONT` resumes it, `skiff "
			      "delete -f %s` drops it)",
			      j->id, j->id, j->id);
	} else {
		phase(j, "commit, resuming");
		r = resume(j, e);
		/* the source's copy is gone: a RUNNING it does not get is
		 * only a message lost */
		if (r == 0)
			sk_ignore(sk_wire_send_str(&j->w, SK_WIRE_RUNNING, num, &ign));
	}
	free(m.data);
	return r;
}

static int serve(struct tgt_job *j, int lfd, struct sk_err *e)
{
	struct sk_wire_msg m = { 0 };
	int r = sk_wire_accept(&j->w, lfd, e);

	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	if (r == 0)
		r = sk_wire_recv(&j->w, &m, e);
	if (r == 0)
		r = hello(j, &m, e);
	if (r == 0)
		r = prepare(j, e);
	free(m.data);
	m.data = NULL;
	if (r == 0)
		r = sk_wire_send(&j->w, SK_WIRE_OK, NULL, 0, e);
	while (r == 0) {
		r = sk_wire_recv(&j->w, &m, e);
		if (r < 0)
			break;
		switch (m.type) {
		case SK_WIRE_ROUND:
			r = round_recv(j, &m, e);
			break;
		case SK_WIRE_FILE:
			r = file_recv(j, &m, e);
			break;
		case SK_WIRE_END:
			phase(j, "images in, restoring");
			r = restore_here(j, &m, e);
			if (r < 0)
				break;
			phase(j, "restored (stopped)");
			free(m.data);
			return commit(j, e);
		case SK_WIRE_ERROR:
		case SK_WIRE_ABORT:
			r = sk_err_set(e, ECANCELED, "migrate: the source gave up: %s", m.data);
			break;
		default:
			r = sk_err_set(e, EPROTO, "migrate: unexpected %s from the source",
				       sk_wire_type_name(m.type));
		}
		free(m.data);
		m.data = NULL;
	}
	return r;
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

int sk_migrate_receive(struct sk_ctx *ctx, const struct sk_migrate_receive_opts *o, char **id,
		       pid_t *pid, struct sk_err *e)
{
	struct tgt_job j = { .ctx = ctx, .o = o, .w = { .fd = -1, .cancel_fd = -1 } };
	_cleanup_close_ int lfd = -1, tmpfd = -1;
	struct sk_err ign;
	sigset_t set, old;
	int r;

	j.w.timeout_ms = o->timeout_s * 1000;
	r = sk_wire_parse_addr(o->listen, &j.addr, e);
	if (r == 0 && j.addr.port == 65535)
		r = sk_err_set(e, EINVAL, "--listen: the page servers need PORT+1: use a lower port");
	if (r == 0)
		r = sk_criu_usable(ctx->root, e);
	if (r == 0)
		r = sk_bundle_load(o->bundle, &j.bundle, &j.cfg_text, &j.cfg_len, &j.cfg, e);
	if (r == 0)
		r = rootfs_validate(j.cfg, j.bundle, &j.rootfs, e);
	/* a terminal container restores onto a new pty: its master goes to
	 * the console socket, as with restore (checked before listening) */
	bool terminal = r == 0 && j.cfg->process && j.cfg->process->terminal;
	if (r == 0 && terminal && !o->console_socket)
		r = sk_err_set(e, EINVAL,
			       "migrate --receive: process.terminal is true: "
			       "--console-socket is required");
	if (r == 0 && !terminal && o->console_socket)
		r = sk_err_set(e, EINVAL,
			       "migrate --receive: --console-socket given but "
			       "process.terminal is false");
	if (r == 0)
		r = sk_mkdir_p(ctx->root, 0711, e);
	if (r == 0)
		r = sk_wire_listen(&j.addr, &lfd, e);
	if (r == 0)
		r = sk_migrate_workdir(ctx->root, ".migrate.", &j.tmp, &tmpfd, e);
	if (r < 0)
		goto out;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	j.w.cancel_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	r = serve(&j, lfd, e);
	if (r < 0 && j.w.fd >= 0 && r != -EREMOTEIO && r != -ECANCELED &&
	    sk_wire_send_str(&j.w, SK_WIRE_ERROR, e->msg, &ign) == 0)
		sk_wire_close_after_error(&j.w);
	drain_signals(j.w.cancel_fd);
	close(j.w.cancel_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == 0) {
		*id = sk_steal_ptr(&j.id);
		*pid = j.pid;
	}
out:
	/* a restore prepared and never run: undone (the source runs on) */
	sk_restore_drop(&j.prep);
	if (j.w.fd >= 0)
		close(j.w.fd);
	if (j.tmp && access(j.tmp, F_OK) == 0)
		sk_rm_rf(j.tmp);
	free(j.tmp);
	free(j.id);
	free(j.bundle);
	free(j.rootfs);
	free(j.cfg_text);
	oci_config_freep(&j.cfg);
	return r;
}
