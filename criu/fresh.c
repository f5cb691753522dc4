/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fresh.c - what skiff makes afresh at restore instead of having criu
 * save and restore it, because criu's way costs seconds and skiff's
 * nothing:
 *
 *   - a tmpfs mount of the container that holds no file data: an empty
 *     one (the masked directories, an empty /dev/shm or /tmp) or one of
 *     directories, symbolic links, device nodes and empty files only (the
 *     container's /dev): criu saves a tmpfs by running tar and gzip into
 *     an image and restores it by running them again (two execs each way,
 *     a quarter of a second apiece in the test VM).  A tmpfs whose root is
 *     the superblock's, whose files are only such nodes (at most
 *     MAX_NODES, MAX_DEPTH deep), and of which no process of the container
 *     has an unlinked file open, anything mapped, or its working directory
 *     is declared external to criu at dump ("mnt[DEST]:DEST"), its nodes
 *     listed (name, type, mode, owner, device numbers, link target; not
 *     times); restore mounts a new tmpfs with the same options in criu's
 *     private mount namespace, makes the nodes and gives criu that
 *     ("mnt[DEST]:PATH").  Submounts stay criu's: their mount points are
 *     nodes (what lies under a mount point is not seen, so not kept).  The
 *     container must be frozen while this is decided (checkpoint and
 *     migrate freeze it), else a file made in between would be lost;
 *   - a network namespace of the container's own that holds nothing but
 *     its loopback (the runtime decides, netsetup looks): the images
 *     say "up" or "down", and the restore makes such a namespace.
 *
 * The record is IMAGES/skiff-fresh.json (SK_CRIU_FRESH_FILE), in the
 * manifest with the images:
 *
 *   {"version": 1, "netns": "up",
 *    "tmpfs": [{"dest": "/dev", "flags": 2, "data": "size=65536k,mode=755",
 *               "source": "tmpfs", "nodes": [{"path": ".", "type": "d",
 *               "mode": 493, "uid": 0, "gid": 0, ...}, {"path": "null",
 *               "type": "c", "mode": 438, "major": 1, "minor": 3, ...},
 *               {"path": "fd", "type": "l", "target": "/proc/self/fd"}]},
 *              ...]}
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_NODES 1024
#define MAX_DEPTH 8

SK_REC_TABLE(node_fields, SK_REC_FIELD(struct criu_node, STR, "path", path),
	     SK_REC_FIELD(struct criu_node, STR, "type", type),
	     SK_REC_FIELD(struct criu_node, U32, "mode", mode),
	     SK_REC_FIELD(struct criu_node, U32, "uid", uid),
	     SK_REC_FIELD(struct criu_node, U32, "gid", gid),
	     SK_REC_FIELD(struct criu_node, U32, "major", major),
	     SK_REC_FIELD(struct criu_node, U32, "minor", minor),
	     SK_REC_FIELD(struct criu_node, STR, "target", target));

SK_REC_TABLE(tmpfs_fields, SK_REC_FIELD(struct criu_tmpfs, STR, "dest", dest),
	     SK_REC_FIELD(struct criu_tmpfs, U32, "flags", flags),
	     SK_REC_FIELD(struct criu_tmpfs, STR, "data", data),
	     SK_REC_FIELD(struct criu_tmpfs, STR, "source", source));

static void tmpfs_free(struct criu_tmpfs *t)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		sk_rec_free_fields(node_fields, &t->nodes[i]);
	free(t->nodes);
	t->nodes = NULL;
	t->n_nodes = 0;
	sk_rec_free_fields(tmpfs_fields, t);
}

void criu_fresh_free(struct criu_fresh *f)
{
	for (size_t i = 0; i < f->n_tmpfs; i++)
		tmpfs_free(&f->tmpfs[i]);
	free(f->tmpfs);
	free(f->netns);
	*f = (struct criu_fresh){ 0 };
}

/* Per-mount options ("rw,nosuid,nodev,relatime") to MS_* flags. */
static uint32_t mount_flags(const char *opts, size_t len)
{
	static const struct {
		const char *name;
		uint32_t flag;
	} known[] = {
		{ "ro", MS_RDONLY },	     { "nosuid", MS_NOSUID },
		{ "nodev", MS_NODEV },	     { "noexec", MS_NOEXEC },
		{ "noatime", MS_NOATIME },   { "nodiratime", MS_NODIRATIME },
		{ "relatime", MS_RELATIME }, { "strictatime", MS_STRICTATIME },
	};
	uint32_t f = 0;

	for (size_t i = 0; i < len;) {
		size_t n = strcspn(opts + i, ",");
		if (i + n > len)
			n = len - i;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k].name) == n && !strncmp(opts + i, known[k].name, n))
				f |= known[k].flag;
		i += n + 1;
	}
	return f;
}

/* Superblock options without rw/ro (that is a flag): the mount's data. */
static char *super_data(const char *opts, bool *ro)
{
	struct sk_strbuf b = { 0 };

	*ro = false;
	for (const char *p = opts; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 2 && !strncmp(p, "ro", 2))
			*ro = true;
		else if (n && !(n == 2 && !strncmp(p, "rw", 2)))
			sk_strbuf_addf(&b, "%s%.*s", b.len ? "," : "", (int)n, p);
		p += n;
		if (*p == ',')
			p++;
	}
	sk_strbuf_add(&b, "");
	return sk_strbuf_steal(&b);
}

/* The next space-separated field of the line strtok_r started on. */
static char *field(char **save)
{
	return strtok_r(NULL, " ", save);
}

int criu_mountinfo_tmpfs(const char *mountinfo, struct criu_tmpfs **out, size_t *n)
{
	_cleanup_free_ char *text = sk_xstrdup(mountinfo);
	struct criu_tmpfs *v = NULL;
	size_t k = 0, cap = 0;

	for (char *l = text, *end; l && *l; l = end ? end + 1 : NULL) {
		end = strchr(l, '\n');
		if (end)
			*end = '\0';
		char *save = NULL, *id = strtok_r(l, " ", &save);
		char *parent = field(&save), *dev = field(&save), *root = field(&save);
		char *mp = field(&save), *mopts = field(&save), *f = field(&save);
		while (f && strcmp(f, "-"))
			f = field(&save); /* optional fields */
		char *fstype = f ? field(&save) : NULL, *source = fstype ? field(&save) : NULL;
		char *sopts = source ? field(&save) : NULL;
		unsigned maj, min;
		bool ro;
		if (!id || !parent || !sopts || strcmp(fstype, "tmpfs") || strcmp(root, "/") ||
		    !strcmp(mp, "/") || strchr(mp, '\\') || mp[0] != '/' ||
		    sscanf(dev, "%u:%u", &maj, &min) != 2)
			continue;
		if (k == cap) {
			cap = cap ? 2 * cap : 8;
			v = sk_xrealloc(v, cap * sizeof(*v));
		}
		v[k] = (struct criu_tmpfs){ .dest = sk_xstrdup(mp),
					    .source = sk_xstrdup(source),
					    .dev = makedev(maj, min) };
		v[k].data = super_data(sopts, &ro);
		v[k].flags = mount_flags(mopts, strlen(mopts)) | (ro ? MS_RDONLY : 0);
		k++;
	}
	*out = v;
	*n = k;
	return 0;
}

static struct criu_node *add_node(struct criu_tmpfs *t, const char *path, const char *type,
				  const struct stat *st)
{
	struct criu_node *n;

	t->nodes = sk_xrealloc(t->nodes, (t->n_nodes + 1) * sizeof(*t->nodes));
	n = &t->nodes[t->n_nodes++];
	*n = (struct criu_node){ .path = sk_xstrdup(path),
				 .type = sk_xstrdup(type),
				 .mode = st->st_mode & 07777,
				 .uid = st->st_uid,
				 .gid = st->st_gid };
	return n;
}

/* List the directory @dfd (@rel in the tmpfs) into @t; false if
 * something in it cannot be made afresh. */
static bool list_dir(int dfd, const char *rel, int depth, struct criu_tmpfs *t)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	bool ok = true;

	if (!d) {
		close(dfd);
		return false;
	}
	while (ok && (de = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX];
		struct stat st;
		ssize_t n;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (t->n_nodes >= MAX_NODES ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (size_t)snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "",
				     de->d_name) >= sizeof(path)) {
			ok = false;
			break;
		}
		if (st.st_dev != t->dev) {
			/* a mount point: criu mounts the submount on it */
			struct stat under = { .st_mode = S_ISDIR(st.st_mode) ? 0755 : 0644 };
			add_node(t, path, S_ISDIR(st.st_mode) ? "d" : "f", &under);
			continue;
		}
		switch (st.st_mode & S_IFMT) {
		case S_IFDIR:
			add_node(t, path, "d", &st);
			if (depth >= MAX_DEPTH) {
				ok = false;
				break;
			}
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			ok = sub >= 0 && list_dir(sub, path, depth + 1, t);
			break;
		case S_IFREG:
			/* data, or a hard link: tar's */
			ok = st.st_size == 0 && st.st_nlink == 1;
			if (ok)
				add_node(t, path, "f", &st);
			break;
		case S_IFLNK:
			n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
			ok = n >= 0;
			if (ok) {
				target[n] = '\0';
				add_node(t, path, "l", &st)->target = sk_xstrdup(target);
			}
			break;
		case S_IFCHR:
		case S_IFBLK:
		case S_IFIFO: {
			const char *ty = S_ISCHR(st.st_mode)   ? "c"
					 : S_ISBLK(st.st_mode) ? "b"
							       : "p";
			struct criu_node *nd = add_node(t, path, ty, &st);
			nd->major = major(st.st_rdev);
			nd->minor = minor(st.st_rdev);
			break;
		}
		default:
			ok = false; /* a socket */
		}
	}
	closedir(d);
	return ok;
}

/* List the tmpfs at @t->dest of @pid's root; false on anything that is
 * not a node, or on any doubt. */
static bool list_in(pid_t pid, struct criu_tmpfs *t)
{
	_cleanup_free_ char *rp = sk_xasprintf("/proc/%d/root", (int)pid);
	_cleanup_close_ int root = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	struct stat st;

	if (root < 0)
		return false;
	int fd = (int)syscall(SYS_openat2, root, t->dest + 1, &how, sizeof(how));
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || st.st_dev != t->dev) {
		close(fd);
		return false;
	}
	add_node(t, ".", "d", &st);
	return list_dir(fd, "", 1, t);
}

/* Does @pid hold anything on device @dev that a path cannot give back:
 * an unlinked file open, its cwd or root, a mapping?  true on any
 * doubt.  (An open node, directory or empty file criu opens again by its
 * path, in the tmpfs made afresh.) */
static bool in_use(pid_t pid, dev_t dev)
{
	_cleanup_free_ char *fdp = sk_xasprintf("/proc/%d/fd", (int)pid);
	_cleanup_free_ char *mp = sk_xasprintf("/proc/%d/maps", (int)pid);
	_cleanup_free_ char *maps = NULL;
	const char *links[] = { "cwd", "root" };
	struct sk_err ignore;
	struct stat st;
	size_t len;
	bool used = false;

	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *p = sk_xasprintf("/proc/%d/%s", (int)pid, links[i]);
		if (stat(p, &st) < 0 || st.st_dev == dev)
			return true;
	}
	DIR *d = opendir(fdp);
	if (!d)
		return true;
	for (struct dirent *de; !used && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		used = fstatat(dirfd(d), de->d_name, &st, 0) < 0 ||
		       (st.st_dev == dev && st.st_nlink == 0);
	}
	closedir(d);
	if (used || sk_read_file_at(AT_FDCWD, mp, &maps, &len, &ignore) < 0)
		return true;
	/* "ADDR PERMS OFFSET MAJ:MIN INODE PATH": MAJ:MIN in hex */
	_cleanup_free_ char *pat = sk_xasprintf(" %02x:%02x ", major(dev), minor(dev));
	return strstr(maps, pat) != NULL;
}

int criu_fresh_scan(pid_t pid, const pid_t *pids, size_t n_pids, struct criu_fresh *f)
{
	_cleanup_free_ char *p = sk_xasprintf("/proc/%d/mountinfo", (int)pid), *text = NULL;
	struct criu_tmpfs *v = NULL;
	struct sk_err ignore;
	size_t n = 0, k = 0, len;

	if (sk_read_file_at(AT_FDCWD, p, &text, &len, &ignore) < 0)
		return 0; /* nothing fresh: criu saves everything */
	criu_mountinfo_tmpfs(text, &v, &n);
	for (size_t i = 0; i < n; i++) {
		bool keep = pids && list_in(pid, &v[i]);
		for (size_t j = 0; keep && j < n_pids; j++)
			keep = !in_use(pids[j], v[i].dev);
		if (keep)
			v[k++] = v[i];
		else
			tmpfs_free(&v[i]);
	}
	f->tmpfs = v;
	f->n_tmpfs = k;
	return 0;
}

void criu_fresh_drop_binds(struct criu_fresh *f, const struct oci_mount *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < f->n_tmpfs; i++) {
		bool bind = false;
		for (size_t j = 0; v && j < n && !bind; j++)
			bind = oci_mount_is_bind(&v[j]) && v[j].destination &&
			       !strcmp(v[j].destination, f->tmpfs[i].dest);
		if (bind)
			tmpfs_free(&f->tmpfs[i]);
		else
			f->tmpfs[k++] = f->tmpfs[i];
	}
	f->n_tmpfs = k;
}

int criu_fresh_save(const char *dir, const struct criu_fresh *f, struct sk_err *e)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct sk_rec *w;

	if (dirfd < 0)
		return sk_err_sys(e, errno, "images %s", dir);
	if (!f->netns && !f->n_tmpfs) {
		unlinkat(dirfd, SK_CRIU_FRESH_FILE, 0); /* an earlier dump's */
		return 0;
	}
	w = sk_rec_new();
	if (f->netns)
		sk_rec_str(w, "netns", f->netns);
	sk_rec_open(w, "tmpfs", '[');
	for (size_t i = 0; i < f->n_tmpfs; i++) {
		const struct criu_tmpfs *t = &f->tmpfs[i];
		sk_rec_open(w, NULL, '{');
		sk_rec_put_fields(w, tmpfs_fields, t);
		sk_rec_open(w, "nodes", '[');
		for (size_t j = 0; j < t->n_nodes; j++) {
			sk_rec_open(w, NULL, '{');
			sk_rec_put_fields(w, node_fields, &t->nodes[j]);
			sk_rec_close(w, '}');
		}
		sk_rec_close(w, ']');
		sk_rec_close(w, '}');
	}
	sk_rec_close(w, ']');
	return sk_rec_save(w, dirfd, SK_CRIU_FRESH_FILE, e);
}

/* Is @n a node the restore may make: a known type, a relative path of
 * plain parts below a directory listed before it (never through a link,
 * never out of the tmpfs)? */
static bool node_ok(const struct criu_tmpfs *t, size_t i)
{
	const struct criu_node *n = &t->nodes[i];
	const char *slash;

	if (!n->path || !n->type || strlen(n->type) != 1 || !strchr("dflcbp", n->type[0]) ||
	    (n->type[0] == 'l' && !n->target) || n->mode > 07777)
		return false;
	if (!strcmp(n->path, "."))
		return i == 0 && n->type[0] == 'd';
	if (i == 0 || !*n->path || n->path[0] == '/' || strlen(n->path) >= PATH_MAX - 32)
		return false;
	for (const char *p = n->path; *p; p = slash ? slash + 1 : p + strlen(p)) {
		slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (!len || (len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)))
			return false;
		if (!slash)
			break;
	}
	slash = strrchr(n->path, '/');
	if (!slash)
		return true;
	for (size_t j = 0; j < i; j++)
		if (t->nodes[j].type[0] == 'd' &&
		    strlen(t->nodes[j].path) == (size_t)(slash - n->path) &&
		    !strncmp(t->nodes[j].path, n->path, (size_t)(slash - n->path)))
			return true;
	return false;
}

static int nodes_load(const struct yajl_val_s *arr, struct criu_tmpfs *t, struct sk_err *e)
{
	size_t len = sk_rec_len(arr);
	int r = 0;

	if (len > MAX_NODES)
		return sk_err_set(e, EINVAL, "%zu nodes (at most %d)", len, MAX_NODES);
	if (len)
		t->nodes = sk_xcalloc(len, sizeof(*t->nodes));
	for (size_t i = 0; r == 0 && i < len; i++) {
		r = sk_rec_get_fields(sk_rec_at(arr, i, NULL), node_fields, &t->nodes[t->n_nodes++],
				      e);
		if (r == 0 && !node_ok(t, i))
			r = sk_err_set(e, EINVAL, "node %zu: bad path or type", i);
	}
	return r;
}

int criu_fresh_load(const char *dir, struct criu_fresh *f, struct sk_err *e)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct yajl_val_s *root = NULL;
	const struct yajl_val_s *arr;
	unsigned version;
	size_t len;
	int r;

	*f = (struct criu_fresh){ 0 };
	if (dirfd < 0 || sk_read_file_at(dirfd, SK_CRIU_FRESH_FILE, &text, &len, e) < 0)
		return 0; /* none: criu restores everything */
	r = sk_rec_parse(text, &root, &version, e);
	if (r == 0)
		r = sk_rec_get_str(root, "netns", &f->netns, e);
	if (r == 0 && f->netns && strcmp(f->netns, "up") && strcmp(f->netns, "down"))
		r = sk_err_set(e, EINVAL, "netns: %s is not up or down", f->netns);
	arr = r == 0 ? sk_rec_get(root, "tmpfs") : NULL;
	len = sk_rec_len(arr);
	if (len)
		f->tmpfs = sk_xcalloc(len, sizeof(*f->tmpfs));
	for (size_t i = 0; r == 0 && i < len; i++) {
		struct criu_tmpfs *t = &f->tmpfs[f->n_tmpfs++];
		const struct yajl_val_s *obj = sk_rec_at(arr, i, NULL);
		r = sk_rec_get_fields(obj, tmpfs_fields, t, e);
		if (r == 0 && (!t->dest || t->dest[0] != '/' || !t->data))
			r = sk_err_set(e, EINVAL, "tmpfs %zu: no destination or data", i);
		if (r == 0)
			r = nodes_load(sk_rec_get(obj, "nodes"), t, e);
		if (r < 0)
			r = sk_err_prefix(e, "tmpfs %zu", i);
	}
	sk_rec_free(root);
	if (r < 0) {
		criu_fresh_free(f);
		return sk_err_prefix(e, "images: %s", SK_CRIU_FRESH_FILE);
	}
	return 0;
}

char *sk_criu_fresh_netns(const char *image_path)
{
	struct criu_fresh f;
	struct sk_err ignore;
	char *r;

	if (criu_fresh_load(image_path, &f, &ignore) < 0)
		return NULL;
	r = f.netns;
	f.netns = NULL;
	criu_fresh_free(&f);
	return r;
}

/* Make @t's nodes in the tmpfs at @dir (checked by node_ok); -errno. */
static int make_nodes(const char *dir, const struct criu_tmpfs *t)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct criu_node *n = &t->nodes[i];
		const char *p = n->path;
		int r = 0;
		switch (n->type[0]) {
		case 'd':
			r = strcmp(p, ".") ? mkdirat(dfd, p, 0700) : 0;
			break;
		case 'f':
			r = mknodat(dfd, p, S_IFREG | 0600, 0);
			break;
		case 'l':
			r = symlinkat(n->target, dfd, p);
			break;
		default:
			r = mknodat(dfd, p,
				    (n->type[0] == 'c'	 ? S_IFCHR
				     : n->type[0] == 'b' ? S_IFBLK
							 : S_IFIFO) |
					    0600,
				    makedev(n->major, n->minor));
		}
		if (r < 0 || fchownat(dfd, p, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (n->type[0] != 'l' && fchmodat(dfd, p, n->mode, 0) < 0))
			return -errno;
	}
	return 0;
}

int criu_fresh_mount(const char *stage, const struct criu_fresh *f)
{
	if (!f->n_tmpfs)
		return 0;
	if (mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=700") < 0)
		return -errno;
	for (size_t i = 0; i < f->n_tmpfs; i++) {
		const struct criu_tmpfs *t = &f->tmpfs[i];
		char p[PATH_MAX];
		int r;
		snprintf(p, sizeof(p), "%s/%zu", stage, i);
		/* writable while its nodes are made, then as recorded */
		if (mkdir(p, 0700) < 0 || mount(t->source ? t->source : "tmpfs", p, "tmpfs",
						t->flags & ~MS_RDONLY, *t->data ? t->data : NULL) < 0)
			return -errno;
		r = make_nodes(p, t);
		if (r < 0)
			return r;
		if ((t->flags & MS_RDONLY) &&
		    mount(NULL, p, NULL, MS_REMOUNT | t->flags, *t->data ? t->data : NULL) < 0)
			return -errno;
	}
	return 0;
}
