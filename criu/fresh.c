/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fresh.c - what skiff makes afresh at restore instead of having criu
 * save and restore it, because criu's way costs seconds and skiff's
 * nothing:
 *
 *   - an empty tmpfs mount of the container (the masked directories, an
 *     empty /dev/shm or /tmp): criu saves a tmpfs by running tar and gzip
 *     into an image and restores it by running them again (two execs
 *     each way, a quarter of a second apiece in the test VM).  A tmpfs
 *     whose root is the superblock's, that holds no file, no submount,
 *     and that no process of the container has open, mapped or as its
 *     working directory, is declared external to criu at dump
 *     ("mnt[DEST]:DEST"); restore mounts a new tmpfs with the same
 *     options in criu's private mount namespace and gives criu that
 *     ("mnt[DEST]:PATH").  The container must be frozen while this is
 *     decided (checkpoint and migrate freeze it), else a file made in
 *     between would be lost;
 *   - a network namespace of the container's own that holds nothing but
 *     its loopback (the runtime decides, netsetup looks): the images
 *     say "up" or "down", and the restore makes such a namespace.
 *
 * The record is IMAGES/skiff-fresh.json (SK_CRIU_FRESH_FILE), in the
 * manifest with the images:
 *
 *   {"version": 1, "netns": "up",
 *    "tmpfs": [{"dest": "/tmp", "flags": 6, "data": "size=65536k",
 *               "source": "tmpfs"}, ...]}
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

SK_REC_TABLE(tmpfs_fields, SK_REC_FIELD(struct criu_tmpfs, STR, "dest", dest),
	     SK_REC_FIELD(struct criu_tmpfs, U32, "flags", flags),
	     SK_REC_FIELD(struct criu_tmpfs, STR, "data", data),
	     SK_REC_FIELD(struct criu_tmpfs, STR, "source", source));

void criu_fresh_free(struct criu_fresh *f)
{
	for (size_t i = 0; i < f->n_tmpfs; i++)
		sk_rec_free_fields(tmpfs_fields, &f->tmpfs[i]);
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
	struct sk_strv_buf mps = { 0 };
	struct criu_tmpfs *v = NULL;
	size_t k = 0, cap = 0;

	/* the mount points first: a candidate has no submount */
	for (char *l = text, *end; l && *l; l = end ? end + 1 : NULL) {
		end = strchr(l, '\n');
		_cleanup_free_ char *line = end ? strndup(l, (size_t)(end - l)) : strdup(l);
		char *save = NULL;
		if (!line)
			abort();
		char *f = strtok_r(line, " ", &save);
		for (int i = 0; f && i < 4; i++)
			f = field(&save);
		if (f)
			sk_strv_buf_add(&mps, f);
	}
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
		bool ro, sub = false;
		if (!id || !parent || !sopts || strcmp(fstype, "tmpfs") || strcmp(root, "/") ||
		    !strcmp(mp, "/") || !strcmp(mp, "/dev") || strchr(mp, '\\') || mp[0] != '/' ||
		    sscanf(dev, "%u:%u", &maj, &min) != 2)
			continue;
		size_t mlen = strlen(mp);
		for (size_t i = 0; i < mps.n && !sub; i++)
			sub = !strncmp(mps.v[i], mp, mlen) && mps.v[i][mlen] == '/';
		if (sub)
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
	sk_strv_free(mps.v);
	*out = v;
	*n = k;
	return 0;
}

/* Is the directory @dest of @pid's root empty?  false on any doubt. */
static bool empty_in(pid_t pid, const char *dest)
{
	_cleanup_free_ char *rp = sk_xasprintf("/proc/%d/root", (int)pid);
	_cleanup_close_ int root = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	struct dirent *de;
	bool empty = true;

	if (root < 0)
		return false;
	int fd = (int)syscall(SYS_openat2, root, dest + 1, &how, sizeof(how));
	if (fd < 0)
		return false;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

/* Does @pid hold anything on device @dev: an fd, its cwd or root, a
 * mapping?  true on any doubt. */
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
		used = fstatat(dirfd(d), de->d_name, &st, 0) == 0 && st.st_dev == dev;
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
		bool keep = pids && empty_in(pid, v[i].dest);
		for (size_t j = 0; keep && j < n_pids; j++)
			keep = !in_use(pids[j], v[i].dev);
		if (keep)
			v[k++] = v[i];
		else
			sk_rec_free_fields(tmpfs_fields, &v[i]);
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
			sk_rec_free_fields(tmpfs_fields, &f->tmpfs[i]);
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
		sk_rec_open(w, NULL, '{');
		sk_rec_put_fields(w, tmpfs_fields, &f->tmpfs[i]);
		sk_rec_close(w, '}');
	}
	sk_rec_close(w, ']');
	return sk_rec_save(w, dirfd, SK_CRIU_FRESH_FILE, e);
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
		r = sk_rec_get_fields(sk_rec_at(arr, i, NULL), tmpfs_fields, t, e);
		if (r == 0 && (!t->dest || t->dest[0] != '/' || !t->data))
			r = sk_err_set(e, EINVAL, "tmpfs %zu: no destination or data", i);
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

int criu_fresh_mount(const char *stage, const struct criu_fresh *f)
{
	if (!f->n_tmpfs)
		return 0;
	if (mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=700") < 0)
		return -errno;
	for (size_t i = 0; i < f->n_tmpfs; i++) {
		const struct criu_tmpfs *t = &f->tmpfs[i];
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%zu", stage, i);
		if (mkdir(p, 0700) < 0 || mount(t->source ? t->source : "tmpfs", p, "tmpfs",
						t->flags, *t->data ? t->data : NULL) < 0)
			return -errno;
	}
	return 0;
}
