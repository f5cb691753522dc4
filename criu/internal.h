/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of criu/ share: running the criu binary and
 * building its command lines (unit-tested alone). */
#ifndef SKIFF_CRIU_INTERNAL_H
#define SKIFF_CRIU_INTERNAL_H

#include "criu.h"

struct criu_fresh;
/* One run of criu. */
struct criu_run {
	const char *action;    /* "dump", "check": named in messages */
	char **argv;	       /* argv[0] is "criu", looked up in PATH */
	const char *log_path;  /* criu's --log-file, or NULL */
	const char *bind_root; /* restore: criu runs in a private mount
				 * namespace where this is bound onto itself */
	int (*prepare)(void *arg, pid_t pid, struct sk_err *e);
	void *prepare_arg;
	pid_t netns_of; /* > 0: run in the network namespace of that pid */
	/* restore: fresh tmpfs mounts made at @stage in the private mount
	 * namespace (needs bind_root), @stage/0, @stage/1, ... */
	const struct criu_fresh *fresh;
	const char *stage;
	int keep_fds[6]; /* inherited by criu (not close-on-exec) */
	size_t n_keep;
	char *output; /* out: criu's stdout and stderr (malloc'd) */
};

/* Run criu and wait: its wait status in *status.  -ENOENT "criu is not
 * installed" when it cannot be executed. */
__must_check int criu_run(struct criu_run *r, int *status, struct sk_err *e);
/* The one line for a criu that failed with wait status @status: "criu
 * ACTION failed: FIRST ERROR LINE (log: PATH)".  Returns -EIO. */
__must_check int criu_fail(const struct criu_run *r, int status, struct sk_err *e);
/* The first "Error (file:line): msg" line of @text, without criu's
 * timestamp; with @bare only "msg".  malloc'd, or NULL when none. */
char *criu_first_error(const char *text, bool bare);

/* /dev/console's key as an external mount (a bind of the terminal). */
#define CRIU_CONSOLE "/dev/console"

/* The command lines (args.c).  Paths of @o are used as given. */
char **criu_dump_argv(const struct sk_criu_opts *o, pid_t pid, const struct oci_config *cfg,
		      const char *log_path);
char **criu_restore_argv(const struct sk_criu_restore *r, const char *log_path, const char *pid_path);
/* stdio.c: the container's stdio pipes, replaced at restore by the
 * restore command's own (keys "pipe:[INODE]"). */
struct criu_stdio {
	int fd[3];
	char *key[3];
	size_t n;
};
/* Before a dump: keep what the init's fds 0-2 are in @image_path; *ext:
 * the files to declare external (criu's "file[MNT:INO]" ids), or NULL. */
__must_check int criu_stdio_save(const char *image_path, pid_t pid, char ***ext, struct sk_err *e);
/* Before a restore: skiff's fds 0-2 that stand for dumped pipes, dup'd
 * above 2 (none when the images say nothing). */
void criu_stdio_inherit(const char *image_path, struct criu_stdio *s);
void criu_stdio_free(struct criu_stdio *s);

/* The key of the external network namespace (dump and restore). */
#define CRIU_NETNS_KEY "skiff-netns"
/* `criu page-server` (pageserver.c), --status-fd 3. */
char **criu_page_server_argv(const struct sk_criu_page_server *ps, const char *log_path);
/* wire.c */
/* The 12-byte header: "SKMG", type, length (big-endian). */
void sk_wire_header(uint8_t hdr[SK_WIRE_HDR], uint32_t type, uint32_t len);
__must_check int sk_wire_parse_header(const uint8_t hdr[SK_WIRE_HDR], uint32_t *type, uint32_t *len,
				      struct sk_err *e);
/* XXH64 of the bytes, as the image manifest's: catches truncation and
 * corruption in transit (not an adversary). */
uint64_t sk_wire_sum(const void *data, size_t len);

/* `criu --version` output -> version as 31701 (3.17.1); -1 if none. */
int criu_parse_version(const char *text);

/* The manifest's pure parts (manifest.c): one listed file. */
struct criu_manifest_entry {
	char *name;
	uint64_t size;
	char *hash; /* 16 lowercase hex digits */
};
char *criu_manifest_text(const struct criu_manifest_entry *v, size_t n);
/* Parse a manifest: "corrupt record: ..." or a line naming the bad entry. */
__must_check int criu_manifest_parse(const char *text, struct criu_manifest_entry **out, size_t *n,
				     struct sk_err *e);
void criu_manifest_free(struct criu_manifest_entry *v, size_t n);

/* The config's fields the images depend on (confmatch.c). */
#define CRIU_CONFIG_FIELDS 7
size_t criu_config_fields(const struct oci_config *c, struct oci_kv out[CRIU_CONFIG_FIELDS]);
char *criu_config_text(const struct oci_config *c, const char *tty_key);
__must_check int criu_config_compare(const char *saved, const struct oci_config *c, char **tty_key,
				     struct sk_err *e);
__must_check int criu_config_save(const char *dir, const struct oci_config *c, const char *tty_key,
				  const char *lock, struct sk_err *e);
/* The saved name of criu's nftables lock table (malloc'd), or NULL. */
char *criu_config_lock(const char *dir);

/* What skiff makes afresh at restore (fresh.c): tmpfs mounts that hold
 * no file data (empty, or only directories, links, device nodes and
 * empty files, as /dev) and a network namespace holding only lo. */
struct criu_node {
	char *path;    /* relative to the tmpfs's root; "." the root itself */
	char *type;    /* "d", "f" (empty), "l", "c", "b", "p" */
	uint32_t mode; /* permission bits */
	uint32_t uid, gid;
	uint32_t major, minor; /* "c", "b" */
	char *target;	       /* "l" */
};
struct criu_tmpfs {
	char *dest;
	uint32_t flags;		 /* MS_* */
	char *data;		 /* the superblock's options, rw/ro left out */
	char *source;		 /* its source ("shm", "tmpfs") */
	dev_t dev;		 /* dump only */
	struct criu_node *nodes; /* parents before children */
	size_t n_nodes;
};
struct criu_fresh {
	char *netns; /* "up", "down" or NULL */
	struct criu_tmpfs *tmpfs;
	size_t n_tmpfs;
};
void criu_fresh_free(struct criu_fresh *f);
/* The tmpfs mounts of a mountinfo text that could be made afresh: the
 * superblock's root, not / (pure). */
int criu_mountinfo_tmpfs(const char *mountinfo, struct criu_tmpfs **out, size_t *n);
/* Those of @pid's whose content is only nodes (criu_node) and that @pids
 * (the container's processes; NULL: none qualifies) hold nothing of but
 * open linked files: their nodes listed. */
int criu_fresh_scan(pid_t pid, const pid_t *pids, size_t n_pids, struct criu_fresh *f);
/* Leave out those that are bind mounts of @v (a bind of a host tmpfs,
 * Podman's /dev/shm: external as a bind already, with its source). */
void criu_fresh_drop_binds(struct criu_fresh *f, const struct oci_mount *v, size_t n);
__must_check int criu_fresh_save(const char *dir, const struct criu_fresh *f, struct sk_err *e);
/* None recorded: an empty @f and 0.  Node paths are checked: relative,
 * no "." or ".." part, each below a directory listed before it. */
__must_check int criu_fresh_load(const char *dir, struct criu_fresh *f, struct sk_err *e);
/* In the private mount namespace: mount them at @stage/N, their nodes
 * made; -errno. */
int criu_fresh_mount(const char *stage, const struct criu_fresh *f);

#endif
