/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_cgroups.c - the commands that act on a container's cgroup: `update`,
 * `pause`, `resume`, `events` and `placement`.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "../cgroups/cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ helpers */

/* Load container @id, check it is alive (not creating, not stopped) and
 * rebuild its cgroup handle. */
static int load_live(struct sk_ctx *ctx, const char *cmd, const char *id, bool lock,
		     struct sk_state **stp, struct sk_cgroup **cgp, enum sk_status *status,
		     struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	enum sk_status s;
	int r = sk_state_load(ctx, id, lock, &st, e);

	if (r < 0)
		return r;
	s = sk_state_status(ctx, st);
	if (s == SK_STATUS_CREATING)
		return sk_err_set(e, EBUSY, "%s: container %s is still being created", cmd, st->id);
	if (s == SK_STATUS_STOPPED)
		return sk_err_set(e, ESRCH, "%s: container %s is stopped", cmd, st->id);
	r = sk_ext_load_cgroup(ctx, st, &cg, e);
	if (r < 0)
		return r;
	if (!cg && ctx->rootless)
		return sk_err_set(e, ENOTSUP,
				  "%s: container %s has no cgroup (rootless without a delegated "
				  "cgroup: use cgroup v2 with systemd's user delegation)",
				  cmd, st->id);
	if (!cg)
		return sk_err_set(e, ENOTSUP, "%s: container %s has no cgroup", cmd, st->id);
	*status = s;
	*stp = sk_steal_ptr(&st);
	*cgp = sk_steal_ptr(&cg);
	return 0;
}

/* ------------------------------------------------------- pause/resume */

static int freeze_cmd(struct sk_ctx *ctx, const char *cmd, bool freeze, int argc, char **argv,
		      struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	enum sk_status s;
	int r = sk_cmd_one_id(cmd, argc, argv, e);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = load_live(ctx, cmd, argv[optind], true, &st, &cg, &s, e);
	if (r < 0)
		return r;
	if (freeze && s == SK_STATUS_PAUSED)
		return sk_err_set(e, EINVAL, "pause: container %s is already paused", st->id);
	if (!freeze && s != SK_STATUS_PAUSED)
		return sk_err_set(e, EINVAL, "resume: container %s is not paused (it is %s)",
				  st->id, sk_status_name(s));
	r = sk_cgroup_freeze(cg, freeze, e);
	if (r < 0)
		return sk_err_prefix(e, "%s %s", cmd, st->id);
	return 0;
}

int cmd_pause(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	return freeze_cmd(ctx, "pause", true, argc, argv, e);
}

int cmd_resume(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	return freeze_cmd(ctx, "resume", false, argc, argv, e);
}

/* ------------------------------------------------------------ update */

/* --resources FILE|-: a linux.resources object, parsed by the config
 * parser inside a minimal config. */
static int load_resources(struct sk_ctx *ctx, const char *path, struct oci_config **cfg,
			  struct sk_err *e)
{
	_cleanup_free_ char *txt = NULL;
	size_t len = 0;
	bool devices = false;
	int r;

	if (!strcmp(path, "-")) {
		size_t cap = 0;
		for (;;) {
			ssize_t n;
			if (cap - len < 4096) {
				cap = cap ? cap * 2 : 8192;
				txt = sk_xrealloc(txt, cap + 1);
			}
			n = read(STDIN_FILENO, txt + len, cap - len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return sk_err_sys(e, errno, "update: read --resources from stdin");
			if (n == 0)
				break;
			len += (size_t)n;
		}
		if (!txt)
			txt = sk_xstrdup("");
		txt[len] = '\0';
	} else {
		r = sk_read_file_at(AT_FDCWD, path, &txt, &len, e);
		if (r < 0)
			return sk_err_prefix(e, "update: --resources");
	}
	if (strspn(txt, " \t\r\n") == len)
		return sk_err_set(e, EINVAL, "update: --resources %s is empty", path);
	r = oci_update_resources_parse(txt, len, cfg, &devices, e);
	if (r < 0)
		return sk_err_prefix(e, "update: --resources %s", path);
	if (devices)
		sk_warn(&ctx->log, "update: --resources %s: devices ignored (fixed at create)", path);
	return 0;
}

#define OPT_FLAG 0x100 /* OPT_FLAG + i: sk_update_flags[i] */

/* The getopt options: --resources, the table's flags, --help. */
static void update_options(struct option *o)
{
	*o++ = (struct option){ "resources", required_argument, NULL, 'r' };
	for (size_t i = 0; i < SK_N_UPDATE_FLAGS; i++) {
		const struct sk_update_flag *f = &sk_update_flags[i];

		*o++ = (struct option){ f->name, required_argument, NULL, OPT_FLAG + (int)i };
		if (f->alias)
			*o++ = (struct option){ f->alias, required_argument, NULL, OPT_FLAG + (int)i };
	}
	*o++ = (struct option){ "help", no_argument, NULL, 'h' };
	*o = (struct option){ NULL, 0, NULL, 0 };
}

int cmd_update(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	struct option opts[1 + 2 * SK_N_UPDATE_FLAGS + 2];
	_cleanup_config_ struct oci_config *rcfg = NULL;
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	struct oci_resources flags = { 0 }, res = { 0 };
	const char *rfile = NULL;
	enum sk_status s;
	bool any = false;
	int c, r = 0;

	update_options(opts);
	/* no "+": options may follow the container ID (runc's update
	 * accepts `update ID --cpu-rt-period N`) */
	while ((c = sk_getopt("update", argc, argv, "r:h", opts, e)) != -1) {
		switch (c) {
		case 'h':
			sk_cmd_help("update");
			return 0;
		case 'r':
			rfile = optarg;
			continue;
		}
		if (c < OPT_FLAG || c >= OPT_FLAG + SK_N_UPDATE_FLAGS)
			return -EINVAL;
		r = sk_update_flag_parse(&sk_update_flags[c - OPT_FLAG], optarg, &flags, e);
		if (r < 0)
			return r;
		if (r > 0)
			sk_warn(&ctx->log, "%s", sk_update_flags[c - OPT_FLAG].msg);
		else
			any = true;
	}
	r = sk_need_args("update", argc, argv, 1, "container ID", e);
	if (r < 0)
		return r;
	if (!rfile && !any)
		return sk_err_set(e, EINVAL,
				  "update: nothing to change (give --resources or a limit option, see skiff update --help)");
	if (rfile) {
		r = load_resources(ctx, rfile, &rcfg, e);
		if (r < 0)
			return r;
		res = rcfg->lnx.resources;
	}
	/* the flags win over the file, as runc's */
	sk_update_flags_apply(&flags, &res);
	/* devices are fixed at create (as runc's update ignores them) */
	res.devices = NULL;
	res.n_devices = 0;

	r = load_live(ctx, "update", argv[optind], true, &st, &cg, &s, e);
	if (r < 0)
		return r;
	r = sk_cgroup_update(cg, &res, e);
	if (r < 0)
		return sk_err_prefix(e, "update %s", st->id);
	return 0;
}

/* ------------------------------------------------------------ events */

/* "5", "5s", "1.5s", "500ms", "1m" -> milliseconds (> 0). */
static int parse_interval(const char *s, long *ms, struct sk_err *e)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v <= 0)
		goto bad;
	if (!*end || !strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "m"))
		v *= 60000;
	else if (!strcmp(end, "h"))
		v *= 3600000;
	else if (strcmp(end, "ms"))
		goto bad;
	if (v < 1 || v > (double)INT_MAX)
		goto bad;
	*ms = (long)v;
	return 0;
bad:
	return sk_err_set(e, EINVAL, "events: --interval \"%s\": want a duration like 5s or 500ms",
			  s);
}

static void put_line(const char *s)
{
	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int print_stats(const struct sk_cgroup *cg, const char *id, struct sk_err *e)
{
	_cleanup_free_ char *json = NULL;
	int r = sk_cgroup_stats_json(cg, id, &json, e);

	if (r < 0)
		return r;
	put_line(json);
	return 0;
}

/* Print @n {"type":"oom"} lines. */
static void print_oom(const char *id, int n)
{
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *l = sk_xasprintf("{\"type\":\"oom\",\"id\":\"%s\"}", id);
		put_line(l);
	}
}

static int stream_events(struct sk_ctx *ctx, struct sk_state *st, struct sk_cgroup *cg,
			 long interval_ms, struct sk_err *e)
{
	struct sk_cg_oom *oom = NULL;
	_cleanup_close_ int pidfd = -1;
	int64_t next;
	int r;

	pidfd = sk_pidfd_open_proven(st->pid, st->start_time);
	if (pidfd < 0)
		return sk_err_set(e, ESRCH, "events: container %s is stopped", st->id);
	r = sk_cg_oom_open(cg, &oom, e);
	if (r < 0) {
		sk_warn(&ctx->log, "events: %s: no OOM events", e->msg);
		oom = NULL;
	}
	r = 0;
	next = now_ms() + interval_ms;
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = oom ? sk_cg_oom_fd(oom) : -1, .events = POLLIN },
		};
		int64_t wait = next - now_ms();
		int n;

		if (wait <= 0) {
			r = print_stats(cg, st->id, e);
			if (r < 0)
				break;
			next = now_ms() + interval_ms;
			continue;
		}
		n = poll(p, 2, (int)wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = sk_err_sys(e, errno, "events: poll");
			break;
		}
		if (oom && (p[1].revents & (POLLIN | POLLERR | POLLHUP))) {
			struct sk_err oe = { 0 };
			int k = sk_cg_oom_read(oom, &oe);
			if (k > 0)
				print_oom(st->id, k);
			else if (k < 0) /* the cgroup went away: the container is gone */
				break;
		}
		if (p[0].revents) {
			/* the init exited: report an OOM kill that raced with it, then end */
			if (oom) {
				struct sk_err oe = { 0 };
				int k = sk_cg_oom_read(oom, &oe);
				if (k > 0)
					print_oom(st->id, k);
			}
			break;
		}
	}
	sk_cg_oom_close(oom);
	return r;
}

int cmd_events(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_state_ struct sk_state *st = NULL;
	_cleanup_cgroup_ struct sk_cgroup *cg = NULL;
	enum sk_status s;
	bool stats = false;
	long interval = 5000;
	int c, r;

	while ((c = sk_getopt("events", argc, argv, "+h", opts, e)) != -1) {
		switch (c) {
		case 's':
			stats = true;
			break;
		case 'i':
			r = parse_interval(optarg, &interval, e);
			if (r < 0)
				return r;
			break;
		case 'h':
			sk_cmd_help("events");
			return 0;
		default:
			return -EINVAL;
		}
	}
	r = sk_need_args("events", argc, argv, 1, "container ID", e);
	if (r < 0)
		return r;
	r = load_live(ctx, "events", argv[optind], false, &st, &cg, &s, e);
	if (r < 0)
		return r;
	if (stats)
		return print_stats(cg, st->id, e);
	return stream_events(ctx, st, cg, interval, e);
}

/* --------------------------------------------------------- placement */

int cmd_placement(struct sk_ctx *ctx, int argc, char **argv, struct sk_err *e)
{
	_cleanup_state_ struct sk_state *st = NULL;
	const char *v = NULL;
	int r = sk_cmd_load(ctx, "placement", argc, argv, false, &st, e);

	if (r != 0)
		return r > 0 ? 0 : r;
	for (size_t i = 0; i < st->n_ann; i++)
		if (!strcmp(st->ann[i].key, "org.skiff.numa.placement"))
			v = st->ann[i].value;
	printf("%s\n", v && *v ? v : "none");
	return 0;
}
