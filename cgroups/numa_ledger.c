/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * numa_ledger.c - <state_root>/numa.ledger: which CPUs skiff already
 * placed for which live container.  A record (oci.h's format):
 *   {"version": 1, "entries": [{"id": ID, "pid": PID, "start": STARTTIME,
 *    "kind": KIND, "cpus": "0-3,8"}, ...]}
 * KIND "o": PID is the skiff process that created the entry; "i": PID is
 * the container's init.  Every change happens under an flock on
 * <state_root>/numa.ledger.lock and rewrites the file atomically.  An
 * older skiff's ledger (version 0: lines "ID PID STARTTIME KIND CPUS") is
 * still read.
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

#define ENT(kind, key, m) SK_REC_FIELD(struct ledger_ent, kind, key, m)
SK_REC_TABLE(ent_fields, ENT(STR, "id", id), ENT(I32, "pid", pid), ENT(U64, "start", start));
#undef ENT

/* Keep @ent (taken over) unless it is @drop_id's, stale or bad. */
static void keep(int rootfd, const char *drop_id, struct ledger *l, struct ledger_ent *ent,
		 const char *cpus)
{
	struct stat st;
	bool has_dir, live;
	const char *id = ent->id;

	if (!id || (drop_id && !strcmp(id, drop_id)) || strchr(id, '/') || !strcmp(id, "..") ||
	    !strcmp(id, ".") || !*id)
		goto drop;
	has_dir = fstatat(rootfd, id, &st, 0) == 0 && S_ISDIR(st.st_mode);
	live = alive(ent->pid, ent->start);
	if (ent->kind == 'i' ? (!has_dir || !live) : (!has_dir && !live))
		goto drop; /* stale */
	if (!cpus || sk_cpuset_parse(cpus, &ent->cpus) < 0)
		goto drop;
	l->v = sk_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = *ent;
	return;
drop:
	free(ent->id);
}

/* A ledger that does not parse is read as empty, as bad lines were
 * skipped: placement and delete go on, and the next write replaces it. */
static void read_record(int rootfd, const char *drop_id, const char *txt, struct ledger *l)
{
	struct yajl_val_s *root = NULL;
	const struct yajl_val_s *ents;
	unsigned version;
	struct sk_err ign;

	if (sk_rec_parse(txt, &root, &version, &ign) < 0)
		return;
	ents = sk_rec_get(root, "entries");
	for (size_t i = 0; i < sk_rec_len(ents); i++) {
		const struct yajl_val_s *x = sk_rec_at(ents, i, NULL);
		struct ledger_ent ent = { 0 };
		_cleanup_free_ char *kind = NULL, *cpus = NULL;
		struct sk_err ign;
		/* a bad entry is dropped, as a bad line was */
		if (sk_rec_get_fields(x, ent_fields, &ent, &ign) < 0 ||
		    sk_rec_get_str(x, "kind", &kind, &ign) < 0 ||
		    sk_rec_get_str(x, "cpus", &cpus, &ign) < 0 || !kind || strlen(kind) != 1) {
			sk_rec_free_fields(ent_fields, &ent);
			continue;
		}
		ent.kind = *kind;
		keep(rootfd, drop_id, l, &ent, cpus);
	}
	sk_rec_free(root);
}

static void read_v0(int rootfd, const char *drop_id, char *txt, struct ledger *l)
{
	char *line, *save = NULL;

	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char id[256], cpus[4096], kind;
		int pid;
		unsigned long long start;

		if (sscanf(line, "%255s %d %llu %c %4095s", id, &pid, &start, &kind, cpus) != 5)
			continue;
		keep(rootfd, drop_id, l,
		     &(struct ledger_ent){
			     .id = sk_xstrdup(id), .pid = pid, .start = start, .kind = kind },
		     cpus);
	}
}

/* Read the ledger, dropping stale entries and the entry of @drop_id. */
static int ledger_read(int rootfd, const char *drop_id, struct ledger *l, struct sk_err *e)
{
	_cleanup_free_ char *txt = NULL;
	int r = sk_read_file_at(rootfd, "numa.ledger", &txt, NULL, e);

	memset(l, 0, sizeof(*l));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (sk_rec_is_json(txt))
		read_record(rootfd, drop_id, txt, l);
	else
		read_v0(rootfd, drop_id, txt, l);
	return 0;
}

static int ledger_write(int rootfd, const struct ledger *l, struct sk_err *e)
{
	struct sk_rec *w = sk_rec_new();

	sk_rec_open(w, "entries", '[');
	for (size_t i = 0; i < l->n; i++) {
		_cleanup_free_ char *c = sk_cpuset_format(&l->v[i].cpus);
		sk_rec_open(w, NULL, '{');
		sk_rec_put_fields(w, ent_fields, &l->v[i]);
		sk_rec_str(w, "kind", (char[2]){ l->v[i].kind, 0 });
		sk_rec_str(w, "cpus", c);
		sk_rec_close(w, '}');
	}
	sk_rec_close(w, ']');
	return sk_rec_save(w, rootfd, "numa.ledger", e);
}

/* Lock the ledger and read it (without @drop_id's entry). */
static int ledger_open(const char *state_root, const char *drop_id, int *lockfd, int *rootfd,
		       struct ledger *l, struct sk_err *e)
{
	int r = lock_ledger(state_root, lockfd, rootfd, e);

	return r < 0 ? r : ledger_read(*rootfd, drop_id, l, e);
}

static void occupied_of(const struct ledger *l, struct sk_cpuset *occ)
{
	memset(occ, 0, sizeof(*occ));
	for (size_t i = 0; i < l->n; i++)
		for (size_t w = 0; w < SK_NUMA_MAX_CPUS / 64; w++)
			occ->b[w] |= l->v[i].cpus.b[w];
}

int sk_numa_ledger_place(const char *state_root, const char *id, const struct sk_numa_topo *t,
			 const struct sk_numa_req *req, struct sk_numa_result *res, struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	struct sk_cpuset occ;
	int r;

	if (!id || !*id || strchr(id, '/') || strchr(id, ' ') || strchr(id, '\n'))
		return sk_err_set(e, EINVAL, "container ID \"%s\" cannot go in the NUMA ledger",
				  id ? id : "");
	r = ledger_open(state_root, id, &lockfd, &rootfd, &l, e);
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

int sk_numa_ledger_set_pid(const char *state_root, const char *id, pid_t pid, struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	int r = ledger_open(state_root, NULL, &lockfd, &rootfd, &l, e);

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
	r = ledger_open(state_root, id, &lockfd, &rootfd, &l, e);
	if (r == 0)
		r = ledger_write(rootfd, &l, e);
	ledger_clear(&l);
	return r;
}

int sk_numa_ledger_occupied(const char *state_root, struct sk_cpuset *occ, struct sk_err *e)
{
	_cleanup_close_ int lockfd = -1, rootfd = -1;
	struct ledger l = { 0 };
	int r = ledger_open(state_root, NULL, &lockfd, &rootfd, &l, e);

	if (r == 0)
		occupied_of(&l, occ);
	ledger_clear(&l);
	return r;
}
