/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numa_ledger.c - <state_root>/numa.ledger: which CPUs skiff already
 * placed for which live container.  One line per container:
 *   ID PID STARTTIME KIND CPUS
 * KIND "o": PID is the skiff process that created the entry; "i": PID is
 * the container's init.  Every change happens under an flock on
 * <state_root>/numa.ledger.lock and rewrites the file atomically.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

struct ledger_ent {
	char *id;
	pid_t pid;
	uint64_t start;
	char kind;
	struct sk_cpuset cpus;
};

struct ledger {
	struct ledger_ent *v;
	size_t n;
};

static void ledger_clear(struct ledger *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].id);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Field 22 of /proc/PID/stat; 0 when the process does not exist. */
static uint64_t proc_start(pid_t pid)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/stat", (int)pid), *txt = NULL;
	struct sk_err ign;
	char *s;
	unsigned long long v = 0;

	if (pid <= 0 || sk_read_file_at(AT_FDCWD, p, &txt, NULL, &ign) < 0)
		return 0;
	s = strrchr(txt, ')');
	if (!s)
		return 0;
	/* after ") ": state(3) ... starttime(22) -> skip 19 fields */
	s++;
	for (int f = 0; f < 19 && s; f++)
		s = strchr(s + 1, ' ');
	if (!s || sscanf(s, " %llu", &v) != 1)
		return 0;
	return v;
}

static bool alive(pid_t pid, uint64_t start)
{
	uint64_t s = proc_start(pid);
	return s && (start == 0 || s == start);
}

static int lock_ledger(const char *root, int *lockfd, int *rootfd, struct sk_err *e)
{
	_cleanup_close_ int rfd = -1, lfd = -1;
	int r = sk_mkdir_p(root, 0700, e);

	if (r < 0)
		return r;
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return sk_err_sys(e, errno, "open %s", root);
	lfd = openat(rfd, "numa.ledger.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return sk_err_sys(e, errno, "open %s/numa.ledger.lock", root);
	while (flock(lfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return sk_err_sys(e, errno, "flock %s/numa.ledger.lock", root);
	*lockfd = sk_steal_fd(&lfd);
	*rootfd = sk_steal_fd(&rfd);
	return 0;
}

/* Read the ledger, dropping stale entries and the entry of @drop_id. */
static int ledger_read(int rootfd, const char *drop_id, struct ledger *l, struct sk_err *e)
{
	_cleanup_free_ char *txt = NULL;
	char *line, *save = NULL;
	int r = sk_read_file_at(rootfd, "numa.ledger", &txt, NULL, e);

	memset(l, 0, sizeof(*l));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char id[256], cpus[4096], kind;
		int pid;
		unsigned long long start;
		struct ledger_ent ent;
		struct stat st;
		bool has_dir, live;

		if (sscanf(line, "%255s %d %llu %c %4095s", id, &pid, &start, &kind, cpus) != 5)
			continue;
		if (drop_id && !strcmp(id, drop_id))
			continue;
		if (strchr(id, '/') || !strcmp(id, "..") || !strcmp(id, "."))
			continue;
		has_dir = fstatat(rootfd, id, &st, 0) == 0 && S_ISDIR(st.st_mode);
		live = alive(pid, start);
		if (kind == 'i' ? (!has_dir || !live) : (!has_dir && !live))
			continue; /* stale */
		memset(&ent, 0, sizeof(ent));
		if (sk_cpuset_parse(cpus, &ent.cpus) < 0)
			continue;
		ent.id = sk_xstrdup(id);
		ent.pid = pid;
		ent.start = start;
		ent.kind = kind;
		l->v = sk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = ent;
	}
	return 0;
}

static int ledger_write(int rootfd, const struct ledger *l, struct sk_err *e)
{
	_cleanup_free_ char *buf = sk_xstrdup("");

	for (size_t i = 0; i < l->n; i++) {
		_cleanup_free_ char *c = sk_cpuset_format(&l->v[i].cpus);
		char *n = sk_xasprintf("%s%s %d %llu %c %s\n", buf, l->v[i].id, (int)l->v[i].pid,
				       (unsigned long long)l->v[i].start, l->v[i].kind,
				       *c ? c : "-");
		free(buf);
		buf = n;
	}
	return sk_write_file_atomic(rootfd, "numa.ledger", buf, strlen(buf), e);
}

static void occupied_of(const struct ledger *l, struct sk_cpuset *occ)
{
	memset(occ, 0, sizeof(*occ));
	for (size_t i = 0; i < l->n; i++)
		for (size_t w = 0; w < SK_NUMA_MAX_CPUS / 64; w++)
			occ->b[w] |= l->v[i].cpus.b[w];
}

int sk_numa_ledger_place(const char *state_root, const char *id, const struct sk_numa_topo *t,
			 const struct sk_numa_req *req, struct sk_numa_result *res,
			 struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	struct sk_cpuset occ;
	int r;

	if (!id || !*id || strchr(id, '/') || strchr(id, ' ') || strchr(id, '\n'))
		return sk_err_set(e, EINVAL, "container ID \"%s\" cannot go in the NUMA ledger",
				  id ? id : "");
	r = lock_ledger(state_root, &lockfd, &rootfd, e);
	if (r < 0)
		return r;
	r = ledger_read(rootfd, id, &l, e);
	if (r < 0)
		goto out;
	occupied_of(&l, &occ);
	r = sk_numa_place(t, &occ, req, res, e);
	if (r < 0)
		goto out;
	l.v = sk_xrealloc(l.v, (l.n + 1) * sizeof(*l.v));
	l.v[l.n] = (struct ledger_ent){ sk_xstrdup(id), getpid(), proc_start(getpid()), 'o',
					res->cpus };
	l.n++;
	r = ledger_write(rootfd, &l, e);
out:
	ledger_clear(&l);
	return r;
}

int sk_numa_ledger_set_pid(const char *state_root, const char *id, pid_t pid,
			   struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	int r = lock_ledger(state_root, &lockfd, &rootfd, e);

	if (r < 0)
		return r;
	r = ledger_read(rootfd, NULL, &l, e);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++)
		if (!strcmp(l.v[i].id, id)) {
			l.v[i].pid = pid;
			l.v[i].start = proc_start(pid);
			l.v[i].kind = 'i';
		}
	r = ledger_write(rootfd, &l, e);
out:
	ledger_clear(&l);
	return r;
}

int sk_numa_ledger_release(const char *state_root, const char *id, struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	int r;

	if (access(state_root, F_OK) < 0)
		return 0;
	r = lock_ledger(state_root, &lockfd, &rootfd, e);
	if (r < 0)
		return r;
	r = ledger_read(rootfd, id, &l, e);
	if (r == 0)
		r = ledger_write(rootfd, &l, e);
	ledger_clear(&l);
	return r;
}

int sk_numa_ledger_occupied(const char *state_root, struct sk_cpuset *occ, struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	int r = lock_ledger(state_root, &lockfd, &rootfd, e);

	if (r < 0)
		return r;
	r = ledger_read(rootfd, NULL, &l, e);
	if (r == 0)
		occupied_of(&l, occ);
	ledger_clear(&l);
	return r;
}
