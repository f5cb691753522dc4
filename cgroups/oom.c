/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oom.c - OOM event source for `events`.
 * v2: inotify on memory.events; a read compares oom_kill with the last
 *     value seen.  v1: an eventfd registered through cgroup.event_control
 *     for memory.oom_control; each notification counts one.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

struct sk_cg_oom {
	bool v2;
	int fd;	       /* inotify or eventfd */
	int ctl_fd;    /* v1: memory.oom_control, kept open */
	char *events;  /* v2: path of memory.events */
	uint64_t last; /* oom_kill seen so far */
	bool has_kill; /* v1: memory.oom_control has oom_kill */
};

/* "oom_kill N" in a flat-keyed text; false when absent. */
static bool find_oom_kill(const char *txt, uint64_t *out)
{
	const char *p;

	*out = 0;
	for (p = txt; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, "oom_kill ", 9)) {
			*out = strtoull(p + 9, NULL, 10);
			return true;
		}
	return false;
}

static int read_oom_kill(const char *path, uint64_t *out, struct sk_err *e)
{
	_cleanup_free_ char *txt = NULL;
	int r = sk_read_file_at(AT_FDCWD, path, &txt, NULL, e);

	if (r < 0)
		return r;
	find_oom_kill(txt, out);
	return 0;
}

/* v1: oom_kill of the open memory.oom_control; -errno when the cgroup is
 * gone, 0 with *has false on kernels without the field. */
static int v1_oom_kill(int ctl_fd, uint64_t *out, bool *has, struct sk_err *e)
{
	char buf[512];
	ssize_t n = pread(ctl_fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		return sk_err_sys(e, errno, "read memory.oom_control");
	buf[n] = '\0';
	*has = find_oom_kill(buf, out);
	return 0;
}

void sk_cg_oom_close(struct sk_cg_oom *o)
{
	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	if (o->ctl_fd >= 0)
		close(o->ctl_fd);
	free(o->events);
	free(o);
}

int sk_cg_oom_fd(const struct sk_cg_oom *o)
{
	return o->fd;
}

int sk_cg_oom_open(const struct sk_cgroup *cg, struct sk_cg_oom **out, struct sk_err *e)
{
	const char *dir = sk_cgroup_dir(cg, "memory");
	struct sk_cg_oom *o;
	int r;

	if (!dir)
		return sk_err_set(e, ENOENT, "memory cgroup not available: no OOM events");
	o = sk_xcalloc(1, sizeof(*o));
	o->fd = o->ctl_fd = -1;
	if (sk_cgroup_get_mode(cg) == SK_CG_V2) {
		o->v2 = true;
		o->events = sk_xasprintf("%s/memory.events", dir);
		r = read_oom_kill(o->events, &o->last, e);
		if (r < 0)
			goto fail;
		o->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (o->fd < 0) {
			r = sk_err_sys(e, errno, "inotify_init1");
			goto fail;
		}
		if (inotify_add_watch(o->fd, o->events, IN_MODIFY) < 0) {
			r = sk_err_sys(e, errno, "inotify_add_watch %s", o->events);
			goto fail;
		}
	} else {
		_cleanup_free_ char *ctl = sk_xasprintf("%s/memory.oom_control", dir);
		_cleanup_free_ char *ec = sk_xasprintf("%s/cgroup.event_control", dir);
		_cleanup_free_ char *line = NULL;
		o->ctl_fd = open(ctl, O_RDONLY | O_CLOEXEC);
		if (o->ctl_fd < 0) {
			r = sk_err_sys(e, errno, "open %s", ctl);
			goto fail;
		}
		o->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (o->fd < 0) {
			r = sk_err_sys(e, errno, "eventfd");
			goto fail;
		}
		r = v1_oom_kill(o->ctl_fd, &o->last, &o->has_kill, e);
		if (r < 0)
			goto fail;
		line = sk_xasprintf("%d %d", o->fd, o->ctl_fd);
		r = sk_write_file_at(AT_FDCWD, ec, line, strlen(line), 0, 0, e);
		if (r < 0)
			goto fail;
	}
	*out = o;
	return 0;
fail:
	sk_cg_oom_close(o);
	return r;
}

int sk_cg_oom_read(struct sk_cg_oom *o, struct sk_err *e)
{
	if (o->v2) {
		char buf[4096];
		uint64_t now;
		int r;
		while (read(o->fd, buf, sizeof(buf)) > 0)
			; /* drain */
		r = read_oom_kill(o->events, &now, e);
		if (r < 0)
			return r;
		if (now <= o->last)
			return 0;
		r = (int)(now - o->last);
		o->last = now;
		return r;
	} else {
		uint64_t n = 0, now = 0;
		bool has = false;
		ssize_t r = read(o->fd, &n, sizeof(n));
		int k;

		if (r < 0 && errno == EAGAIN)
			n = 0; /* still look at oom_kill: a kill may race a wake-up */
		else if (r != (ssize_t)sizeof(n))
			return sk_err_sys(e, r < 0 ? errno : EIO, "read OOM eventfd");
		/* it also fires once when the cgroup is removed: then the read fails */
		k = v1_oom_kill(o->ctl_fd, &now, &has, e);
		if (k < 0)
			return k;
		if (!o->has_kill)
			return (int)n;
		if (now <= o->last)
			return 0;
		k = (int)(now - o->last);
		o->last = now;
		return k;
	}
}
