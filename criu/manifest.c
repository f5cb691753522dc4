/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * manifest.c - the images' manifest: what a dump left, checked before a
 * restore.
 *
 * After a successful dump or pre-dump, IMAGES/skiff-images.json lists
 * every image file there at that moment (criu's *.img and skiff's own
 * SK_CRIU_CONFIG_FILE) with its size and its XXH64 (base/xxh64.c):
 *
 *   {"version": 1, "hash": "xxh64",
 *    "files": [{"name": "pages-1.img", "size": 4096, "xxh64": "0123..."}, ...]}
 *
 * Before `criu restore` every listed file must be there with that size
 * and that checksum, else one line names the first that is not
 * ("image pages-1.img is corrupted (checksum mismatch)") and criu does
 * not run.  A directory without a manifest (images of runc, of an older
 * skiff, or copied without it) is accepted as it is.  A pre-dump's
 * parent directory has its own manifest but is not checked through
 * "parent": criu's --auto-dedup punches holes in the parent's pages, as
 * it is meant to.  Logs are not listed (a restore writes restore.log).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#define HASH_NAME "xxh64"

SK_REC_TABLE(entry_fields, SK_REC_FIELD(struct criu_manifest_entry, STR, "name", name),
	     SK_REC_FIELD(struct criu_manifest_entry, U64, "size", size),
	     SK_REC_FIELD(struct criu_manifest_entry, STR, HASH_NAME, hash));

void criu_manifest_free(struct criu_manifest_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sk_rec_free_fields(entry_fields, &v[i]);
	free(v);
}

/* Is @name a file of the images that the manifest lists? */
static bool listed(const char *name)
{
	size_t n = strlen(name);

	if (!strcmp(name, SK_CRIU_CONFIG_FILE) || !strcmp(name, SK_CRIU_FRESH_FILE))
		return true;
	return n > 4 && !strcmp(name + n - 4, ".img");
}

/* A plain name inside the directory: no path, no dot entries. */
static bool plain_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

char *criu_manifest_text(const struct criu_manifest_entry *v, size_t n)
{
	struct sk_rec *w = sk_rec_new();

	sk_rec_str(w, "hash", HASH_NAME);
	sk_rec_open(w, "files", '[');
	for (size_t i = 0; i < n; i++) {
		sk_rec_open(w, NULL, '{');
		sk_rec_put_fields(w, entry_fields, &v[i]);
		sk_rec_close(w, '}');
	}
	sk_rec_close(w, ']');
	return sk_rec_finish(w);
}

int criu_manifest_parse(const char *text, struct criu_manifest_entry **out, size_t *n,
			struct sk_err *e)
{
	struct yajl_val_s *root = NULL;
	_cleanup_free_ char *hash = NULL;
	const struct yajl_val_s *files;
	struct criu_manifest_entry *v = NULL;
	size_t k = 0, len;
	unsigned version;
	int r;

	*out = NULL;
	*n = 0;
	r = sk_rec_parse(text, &root, &version, e);
	if (r < 0)
		return r;
	r = sk_rec_get_str(root, "hash", &hash, e);
	if (r < 0)
		goto out;
	r = -EINVAL;
	if (!hash || strcmp(hash, HASH_NAME)) {
		sk_err_set(e, EINVAL, "hash %s is not %s", hash ? hash : "(none)", HASH_NAME);
		goto out;
	}
	files = sk_rec_get(root, "files");
	len = sk_rec_len(files);
	if (!len) {
		sk_err_set(e, EINVAL, "it lists no files");
		goto out;
	}
	v = sk_xcalloc(len, sizeof(*v));
	for (; k < len; k++) {
		const struct yajl_val_s *f = sk_rec_at(files, k, NULL);
		uint64_t h;
		r = sk_rec_get_fields(f, entry_fields, &v[k], e);
		if (r < 0)
			goto out;
		r = -EINVAL;
		if (!plain_name(v[k].name)) {
			sk_err_set(e, EINVAL, "file %zu: bad name %s", k,
				   v[k].name ? v[k].name : "(none)");
			goto out;
		}
		if (!v[k].hash || strlen(v[k].hash) != 16 ||
		    strspn(v[k].hash, "0123456789abcdef") != 16 ||
		    sscanf(v[k].hash, "%" SCNx64, &h) != 1) {
			sk_err_set(e, EINVAL, "file %s: bad checksum", v[k].name);
			goto out;
		}
	}
	*out = v;
	*n = len;
	v = NULL;
	r = 0;
out:
	criu_manifest_free(v, v ? len : 0);
	sk_rec_free(root);
	return r;
}

/* Size and XXH64 of @name in @dirfd; -errno (no message) on failure. */
static int hash_file(int dirfd, const char *name, uint64_t *size, uint64_t *hash)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	struct sk_xxh64 h;
	struct stat st;
	ssize_t got;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = (uint64_t)st.st_size;
	if (!hash)
		return 0;
	buf = sk_xmalloc(1 << 20);
	sk_xxh64_init(&h, 0);
	while ((got = read(fd, buf, 1 << 20)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		sk_xxh64_update(&h, buf, (size_t)got);
	}
	*hash = sk_xxh64_digest(&h);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct criu_manifest_entry *)a)->name,
		      ((const struct criu_manifest_entry *)b)->name);
}

int sk_criu_manifest_write(const char *dir, struct sk_err *e)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct criu_manifest_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *d;
	DIR *dh;
	int r = 0;

	if (dirfd < 0)
		return sk_err_sys(e, errno, "images %s", dir);
	dh = fdopendir(dup(dirfd));
	if (!dh)
		return sk_err_sys(e, errno, "images %s", dir);
	while ((d = readdir(dh))) {
		uint64_t size, hash;
		if (!listed(d->d_name))
			continue;
		r = hash_file(dirfd, d->d_name, &size, &hash);
		if (r == -EINVAL || r == -ELOOP || r == -ENOENT) {
			r = 0; /* not a plain file, or gone: not an image */
			continue;
		}
		if (r < 0) {
			sk_err_sys(e, -r, "images: %s/%s", dir, d->d_name);
			break;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			v = sk_xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = (struct criu_manifest_entry){
			.name = sk_xstrdup(d->d_name),
			.size = size,
			.hash = sk_xasprintf("%016" PRIx64, hash),
		};
	}
	closedir(dh);
	if (r == 0 && n == 0)
		r = sk_err_set(e, ENOENT, "images %s: no image files", dir);
	if (r == 0) {
		qsort(v, n, sizeof(*v), cmp_entry);
		_cleanup_free_ char *text = criu_manifest_text(v, n);
		r = sk_write_file_atomic(dirfd, SK_CRIU_MANIFEST_FILE, text, strlen(text), e);
	}
	criu_manifest_free(v, n);
	return r;
}

int sk_criu_manifest_check(const char *dir, struct sk_err *e)
{
	_cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct criu_manifest_entry *v = NULL;
	size_t len, n = 0;
	int r;

	if (dirfd < 0 && errno == ENOENT)
		return 0; /* criu says what is missing */
	if (dirfd < 0)
		return sk_err_sys(e, errno, "images %s", dir);
	r = sk_read_file_at(dirfd, SK_CRIU_MANIFEST_FILE, &text, &len, e);
	if (r == -ENOENT)
		return 0; /* runc's images, or an older skiff's */
	if (r < 0)
		return r;
	r = criu_manifest_parse(text, &v, &n, e);
	if (r < 0) {
		criu_manifest_free(v, n);
		return sk_err_prefix(e, "images %s: corrupt %s", dir, SK_CRIU_MANIFEST_FILE);
	}
	/* sizes first (cheap: a truncated copy is named at once), then sums */
	for (size_t i = 0; i < n && r == 0; i++) {
		uint64_t size = 0;
		r = hash_file(dirfd, v[i].name, &size, NULL);
		if (r == -ENOENT)
			r = sk_err_set(e, ENOENT, "image %s is missing (in %s)", v[i].name, dir);
		else if (r < 0)
			r = sk_err_sys(e, -r, "image %s/%s", dir, v[i].name);
		else if (size != v[i].size)
			r = sk_err_set(e, EIO,
				       "image %s is %s (%" PRIu64 " bytes, %" PRIu64 " expected)",
				       v[i].name, size < v[i].size ? "truncated" : "corrupted",
				       size, v[i].size);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		uint64_t size, hash, want = 0;
		sscanf(v[i].hash, "%" SCNx64, &want);
		r = hash_file(dirfd, v[i].name, &size, &hash);
		if (r < 0)
			r = sk_err_sys(e, -r, "image %s/%s", dir, v[i].name);
		else if (hash != want || size != v[i].size)
			r = sk_err_set(e, EIO, "image %s is corrupted (checksum mismatch)",
				       v[i].name);
	}
	criu_manifest_free(v, n);
	return r;
}
