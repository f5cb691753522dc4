/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * criu.h - the one header of criu/ that other folders include: skiff's
 * driver of Debian's criu(8) binary, through its command line.
 *
 *   sk_criu_usable()   is criu here, and does `criu check` pass?  Asked
 *                      once per boot, the answer cached under --root;
 *   sk_criu_dump()     `criu dump` / `criu pre-dump` of a container's init
 *                      and its tree, with the config's bind mounts and
 *                      masked files declared as external mounts;
 *   sk_criu_restore()  `criu restore` of such images onto the bundle's
 *                      rootfs, in a private mount namespace of its own.
 *
 * A failure of criu is one line: the first error line of criu's log and
 * the log's path, never just "criu failed".
 */
#ifndef SKIFF_CRIU_H
#define SKIFF_CRIU_H

#include "../oci/oci.h"

#include <sys/socket.h>

/* --manage-cgroups-mode, runc's names */
enum sk_criu_cgmode {
	SK_CRIU_CG_DEFAULT = 0, /* criu's own default (soft) */
	SK_CRIU_CG_SOFT,
	SK_CRIU_CG_FULL,
	SK_CRIU_CG_STRICT,
	SK_CRIU_CG_IGNORE,
};
__must_check int sk_criu_cgmode_parse(const char *s, enum sk_criu_cgmode *out, struct sk_err *e);
/* --lsm-profile TYPE:NAME, criu's types: apparmor:NAME, selinux:NAME or
 * none: (NAME empty only for none).  One line naming the flag otherwise. */
__must_check int sk_criu_lsm_profile_check(const char *s, struct sk_err *e);
/* --status-fd FD: a decimal descriptor open for writing in this process;
 * one line naming the flag otherwise.  Above 2 it becomes close-on-exec
 * here: the dump hands it to criu alone. */
__must_check int sk_criu_status_fd_parse(const char *s, int *fd, struct sk_err *e);

/* What checkpoint and restore pass on to criu (runc's flags). */
struct sk_criu_opts {
	const char *image_path;	 /* --image-path (required) */
	const char *work_path;	 /* --work-path; NULL: the image path */
	const char *parent_path; /* --parent-path: criu's --prev-images-dir */
	bool leave_running, tcp_established, ext_unix_sk, shell_job, file_locks;
	bool pre_dump, auto_dedup;
	enum sk_criu_cgmode cg_mode;
	bool empty_netns; /* --empty-ns network */
	const char *lsm_mount_context;
	const char *lsm_profile; /* restore: --lsm-profile TYPE:NAME */
	/* --lazy-pages: at dump, criu serves the memory pages itself at
	 * ps_address:ps_port (criu's --lazy-pages --address --port) until a
	 * `criu lazy-pages` daemon of the target has fetched them all; at
	 * restore, criu gets them from that daemon (same --work-dir) */
	bool lazy_pages;
	/* dump with lazy_pages: the caller's descriptor criu writes a byte to
	 * once it serves the pages (criu's --status-fd); has_status_fd false:
	 * none */
	bool has_status_fd;
	int status_fd;
	/* set by the runtime, not flags: binds skiff itself adds to the
	 * container (its networking's /etc/hosts and /etc/resolv.conf),
	 * external as the config's are */
	const struct oci_mount *extra_mounts;
	size_t n_extra_mounts;
	/* dump: the inode of the container's network namespace when skiff
	 * makes it again at restore (declared external, key "skiff-netns");
	 * 0: criu dumps the namespace as usual */
	unsigned long long netns_ino;
	/* --page-server ADDR:PORT: memory pages go to criu's page server
	 * there (criu's --page-server --address --port) */
	const char *ps_address;
	uint16_t ps_port;
	/* criu's --freeze-cgroup: the container's freezer cgroup directory.
	 * criu seizes the tasks of a cgroup frozen before the dump (it hangs
	 * on them otherwise) and leaves it frozen after a --leave-running
	 * dump, as it found it. */
	const char *freeze_cgroup;
	/* restore: criu's --leave-stopped, the restored tasks stopped
	 * (SIGSTOP) until someone sends them SIGCONT */
	bool leave_stopped;
	/* dump, set by the runtime: the container's processes, all frozen
	 * (then its empty, unused tmpfs mounts are made afresh at restore
	 * instead of saved by criu; NULL: criu saves them), and, with
	 * netns_ino, the state of the loopback of a network namespace that
	 * holds nothing else ("up", "down"), made afresh at restore */
	const pid_t *pids;
	size_t n_pids;
	const char *fresh_netns;
};

/* What the images record of a network namespace made afresh at restore:
 * "up" or "down" (its loopback), or NULL (malloc'd). */
char *sk_criu_fresh_netns(const char *image_path);

/* 0 when checkpoint/restore can work here: `criu --version` is 3.15 or
 * later and `criu check` passes.  Otherwise -ENOTSUP (or -ENOENT: no
 * criu) with one line in @e, "criu cannot checkpoint on this kernel:
 * REASON" with criu's own reason.  The answer is cached in
 * @state_root/criu.check, keyed by the boot and criu's binary. */
__must_check int sk_criu_usable(const char *state_root, struct sk_err *e);

/* Dump (or pre-dump) the process tree of @pid.  @cfg: the container's
 * saved config (its bind mounts and masked files become external
 * mounts).  The container keeps running only with leave_running or
 * pre_dump. */
__must_check int sk_criu_dump(const struct sk_log *log, const struct sk_criu_opts *o, pid_t pid,
			      const struct oci_config *cfg, struct sk_err *e);

struct sk_criu_restore {
	const struct sk_criu_opts *o;
	const struct oci_config *cfg; /* the bundle's config */
	const char *rootfs;	      /* absolute */
	const char *cgroup_root;      /* criu's --cgroup-root, or NULL */
	/* a descriptor above 2 of the network namespace to restore into (for
	 * images dumped with netns_ino), else none */
	int netns_fd;
	/* Called in skiff once criu's process exists and before it runs
	 * (e.g. to move it into the container's cgroup). */
	int (*prepare)(void *arg, pid_t criu_pid, struct sk_err *e);
	void *prepare_arg;
	/* a terminal container: the new pty's slave (an fd of 3 or more,
	 * given to criu at that number), its path, and the terminal's key
	 * from sk_criu_config_check; tty_fd 0 otherwise */
	int tty_fd;
	const char *tty_path, *tty_key;
};
/* Restore; *pid is the restored init, a child of the caller. */
__must_check int sk_criu_restore(const struct sk_log *log, const struct sk_criu_restore *r,
				 pid_t *pid, struct sk_err *e);

/* The images' manifest (manifest.c): SK_CRIU_MANIFEST_FILE in the images
 * directory lists every image file (criu's *.img, SK_CRIU_CONFIG_FILE)
 * with its size and XXH64 checksum.  sk_criu_manifest_write() after a
 * successful dump or pre-dump of @dir; sk_criu_manifest_check() before a
 * restore: 0 when every listed file is there, whole and unchanged, and
 * when @dir has no manifest (runc's images, an older skiff's); else one
 * line naming the first bad file: "image pages-1.img is corrupted
 * (checksum mismatch)", "... is truncated (N bytes, M expected)", "...
 * is missing". */
#define SK_CRIU_MANIFEST_FILE "skiff-images.json"
#define SK_CRIU_CONFIG_FILE "skiff-config.json"
#define SK_CRIU_FRESH_FILE "skiff-fresh.json"
__must_check int sk_criu_manifest_write(const char *dir, struct sk_err *e);
__must_check int sk_criu_manifest_check(const char *dir, struct sk_err *e);

/* The config the images were made against (confmatch.c): a dump saves
 * SK_CRIU_CONFIG_FILE (process args/env/cwd/user/terminal, root path,
 * mounts, namespaces; the terminal's criu key).  0 when @dir has none
 * (runc's images) or when the bundle's config @c matches it, *tty_key
 * then the saved terminal key (malloc'd) or NULL; otherwise one line
 * naming the first field that differs: "the bundle's process.args
 * differs from the checkpointed config's". */
__must_check int sk_criu_config_check(const char *dir, const struct oci_config *c, char **tty_key,
				      struct sk_err *e);
/* ------------------------------------------------------- page server */

/* `criu page-server` (pageserver.c): the receiving end of a dump's
 * pages, for migrate's pre-copy rounds. */
struct sk_criu_page_server {
	const char *images_dir; /* made when missing */
	const char *prev_dir;	/* --prev-images-dir (relative to it), or NULL */
	const char *address;	/* numeric, to listen on */
	uint16_t port;
};
/* Start it in the background and return once it listens (criu's
 * --status-fd byte), within @timeout_ms (else it is killed, -ETIMEDOUT).
 * It dies with the caller (PR_SET_PDEATHSIG).  Its log is
 * IMAGES_DIR/page-server.log. */
__must_check int sk_criu_page_server_start(const struct sk_log *log,
					   const struct sk_criu_page_server *ps, int timeout_ms,
					   pid_t *pid, struct sk_err *e);
/* Wait for its exit (it serves one dump, then exits): 0 when it exited
 * with 0; killed and -ETIMEDOUT after @timeout_ms; @cancel_fd (or -1)
 * readable: killed, -EINTR. */
__must_check int sk_criu_page_server_wait(pid_t pid, const char *images_dir, int timeout_ms,
					  int cancel_fd, struct sk_err *e);
/* Kill and reap it (best effort). */
void sk_criu_page_server_kill(pid_t pid);

/* -------------------------------------------------------- wire (wire.c) */

/* Typed, length-prefixed frames between `migrate` and `migrate --receive`. */
enum sk_wire_type {
	SK_WIRE_HELLO = 1, /* source: ID \0 rootfs \0 config.json */
	SK_WIRE_OK,	   /* target: the config matches */
	SK_WIRE_ERROR,	   /* either: one line, then the sender gives up */
	SK_WIRE_ROUND,	   /* source: round N (text), start a page server */
	SK_WIRE_READY,	   /* target: it listens; its port (text) */
	SK_WIRE_DUMPED,	   /* source: criu's (pre-)dump is done */
	SK_WIRE_BYTES,	   /* target: page bytes the round wrote (text) */
	SK_WIRE_FILE,	   /* source: one image file of the final dump */
	SK_WIRE_END,	   /* source: all files sent; their number (text) */
	SK_WIRE_RUNNING,   /* target: restored, running; its pid (text) */
	SK_WIRE_ABORT,	   /* source: giving up */
	SK_WIRE_RESTORED,  /* target: restored, stopped; its pid (text) */
	SK_WIRE_COMMIT,	   /* source: its copy is gone, resume yours */
	SK_WIRE__MAX,
};
#define SK_WIRE_HDR 12
#define SK_WIRE_MAX_PAYLOAD (256u << 20)

const char *sk_wire_type_name(uint32_t type);
struct sk_wire_addr {
	char host[64];
	uint16_t port;
	struct sockaddr_storage ss;
	socklen_t len;
};
/* "tcp://HOST:PORT", "HOST:PORT" or "[V6]:PORT"; HOST numeric. */
__must_check int sk_wire_parse_addr(const char *s, struct sk_wire_addr *a, struct sk_err *e);

/* One connection: every call waits at most timeout_ms, and gives up
 * (-EINTR) as soon as cancel_fd (a signalfd, or -1) is readable. */
struct sk_wire {
	int fd;
	int cancel_fd;
	int timeout_ms;
};
struct sk_wire_msg {
	uint32_t type;
	uint32_t len;
	char *data; /* malloc'd, NUL-terminated after len bytes */
};
__must_check int sk_wire_listen(const struct sk_wire_addr *a, int *fd, struct sk_err *e);
__must_check int sk_wire_accept(struct sk_wire *w, int lfd, struct sk_err *e);
__must_check int sk_wire_connect(struct sk_wire *w, const struct sk_wire_addr *a, struct sk_err *e);
__must_check int sk_wire_send(struct sk_wire *w, uint32_t type, const void *data, size_t len,
			      struct sk_err *e);
__must_check int sk_wire_send_str(struct sk_wire *w, uint32_t type, const char *s, struct sk_err *e);
__must_check int sk_wire_recv(struct sk_wire *w, struct sk_wire_msg *m, struct sk_err *e);
/* Receive a @type message; an ERROR is returned as its line (-EREMOTEIO),
 * any other type is a protocol error. */
__must_check int sk_wire_expect(struct sk_wire *w, uint32_t type, struct sk_wire_msg *m,
				struct sk_err *e);

/* After sending ERROR: stop sending, read and drop what the peer still
 * sends until it closes (within the timeout), then close: the peer reads
 * the ERROR instead of a reset connection. */
void sk_wire_close_after_error(struct sk_wire *w);
/* An image file in a FILE payload (malloc'd, *len bytes), and back:
 * unpack checks the name (no '/'), the size and the checksum. */
char *sk_wire_file_pack(const char *name, const void *data, uint64_t size, size_t *len);
struct sk_wire_file {
	char name[256];
	uint64_t size, sum;
	const char *data; /* into the payload */
};
__must_check int sk_wire_file_unpack(const char *payload, size_t len, struct sk_wire_file *f,
				     struct sk_err *e);

#endif
