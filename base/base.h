/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * base.h - the base library every folder of skiff stands on.
 *
 * It holds what every part of skiff shares: the error object, cleanup
 * helpers, small string and file utilities and the logging context.  Conventions:
 * functions return 0 or -errno and, on failure, fill a struct sk_err with
 * a one-line human message that names the field, path or ID at fault.
 */
#ifndef SKIFF_BASE_H
#define SKIFF_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define SKIFF_VERSION "0.1.0"
#define SKIFF_DEFAULT_ROOT "/run/skiff"

/* The result of a function that fills a struct sk_err must be looked at:
 * it is the only sign that the function failed.  Best-effort calls (undo
 * on an error path) say so with sk_ignore(). */
#define __must_check __attribute__((warn_unused_result))
#define sk_ignore(expr)           \
	do {                      \
		if ((expr) < 0) { \
		}                 \
	} while (0)

/* ---------------------------------------------------------------- errors */

struct sk_err {
	int code;	/* positive errno, 0 when no error */
	char msg[1024]; /* one line, no trailing newline */
};

/* Set @e and return -code.  @code may be given positive or negative. */
#define sk_err_set(e, code, ...) sk_err_fill((e), (code), false, __VA_ARGS__)
/* Like sk_err_set but appends ": strerror(code)". */
#define sk_err_sys(e, code, ...) sk_err_fill((e), (code), true, __VA_ARGS__)
/* Both: @sys appends ": strerror(code)". */
int sk_err_fill(struct sk_err *e, int code, bool sys, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Prefix the message already in @e with "fmt: " and return -e->code. */
int sk_err_prefix(struct sk_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How a message is escaped where it is written out (escape.c).  Messages
 * (struct sk_err, sk_log's arguments) hold raw text: whatever a config
 * string, path or argument held.  Only the writer escapes, once. */
enum sk_esc {
	SK_ESC_PLAIN,  /* one line for a terminal: control characters as \n \t
			  * \xNN, C1 controls and U+2028/9 as \uNNNN, bytes that are
			  * not UTF-8 as \xNN; quotes and backslashes as they are */
	SK_ESC_QUOTED, /* as PLAIN, and \" \\: inside "..." (logrus' text, Go's %q) */
	SK_ESC_JSON,   /* inside a JSON string: \" \\ \n \u00NN; not UTF-8: \ufffd */
};
/* Escape @s into @out (@size bytes, NUL-terminated; a long text is cut
 * before a whole character or escape).  Returns the length written.
 * At most 6 bytes of output per byte of @s. */
size_t sk_escape(char *out, size_t size, const char *s, enum sk_esc mode);

/* --------------------------------------------------------------- cleanup */

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void sk_freep(void *p)
{
	free(*(void **)p);
}
static inline void sk_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void sk_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
void sk_strv_free(char **v);
static inline void sk_strv_freep(char ***v)
{
	sk_strv_free(*v);
}

#define _cleanup_free_ _cleanup_(sk_freep)
#define _cleanup_close_ _cleanup_(sk_closep)
#define _cleanup_fclose_ _cleanup_(sk_fclosep)
#define _cleanup_strv_ _cleanup_(sk_strv_freep)

/* Take ownership away from a cleanup variable. */
/* -1, 0 or 1 as @a is below, equal to or above @b (qsort tie-breaks). */
static inline int sk_cmp_size(size_t a, size_t b)
{
	return a < b ? -1 : a > b;
}

static inline int sk_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}
#define sk_steal_ptr(pp)                      \
	({                                    \
		__typeof__(*(pp)) _p = *(pp); \
		*(pp) = NULL;                 \
		_p;                           \
	})

/* ------------------------------------------------------- small utilities */

/* Allocation that aborts on out-of-memory (as crun's xmalloc does). */
void *sk_xmalloc(size_t n);
void *sk_xcalloc(size_t n, size_t sz);
void *sk_xrealloc(void *p, size_t n);
char *sk_xstrdup(const char *s);
char *sk_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
size_t sk_strv_len(char *const *v);
char **sk_strv_dup(char *const *v);
/* A NULL-terminated string vector built by appending: v is NULL while
 * empty, n its length; the capacity doubles (amortised O(1) appends). */
struct sk_strv_buf {
	char **v;
	size_t n, cap;
};
/* Append a copy of @s. */
void sk_strv_buf_add(struct sk_strv_buf *b, const char *s);
static inline void sk_strv_buf_freep(struct sk_strv_buf *b)
{
	sk_strv_free(b->v);
}
/* A builder that appends to the existing vector @v (taken over). */
static inline struct sk_strv_buf sk_strv_buf_of(char **v)
{
	size_t n = sk_strv_len(v);
	return (struct sk_strv_buf){ .v = v, .n = n, .cap = v ? n + 1 : 0 };
}
/* A string built by appending (strbuf.c): s is NULL while nothing was
 * added, else NUL-terminated; len excludes the NUL; the capacity doubles.
 * Start from (struct sk_strbuf){ 0 }. */
struct sk_strbuf {
	char *s;
	size_t len, cap;
};
void sk_strbuf_add(struct sk_strbuf *b, const char *s);
void sk_strbuf_addf(struct sk_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (malloc'd; "" when empty); @b is empty again. */
char *sk_strbuf_steal(struct sk_strbuf *b);
static inline void sk_strbuf_free(struct sk_strbuf *b)
{
	free(b->s);
	*b = (struct sk_strbuf){ 0 };
}
#define _cleanup_strbuf_ _cleanup_(sk_strbuf_free)
/* Apply @k "KEY=VALUE" overrides to the @n entries of @env (NULL-terminated,
 * reallocated), as one by one: an override replaces the first entry of
 * its key in place, or is appended (envmerge.c). */
void sk_env_override(char ***env, size_t *n, char *const *over, size_t k);

/* @uid's login name from /etc/passwd (malloc'd), or NULL (passwd.c). */
char *sk_user_name(uid_t uid);

/* The current time as RFC 3339 in UTC with nanoseconds (malloc'd). */
char *sk_now_rfc3339(void);

/* Whole-file helpers; *out is NUL terminated. */
__must_check int sk_read_file_at(int dirfd, const char *path, char **out, size_t *len,
				 struct sk_err *e);
__must_check int sk_write_file_at(int dirfd, const char *path, const void *data, size_t len,
				  int flags, mode_t mode, struct sk_err *e);
/* Write a whole file atomically inside @dirfd: a temporary file beside it
 * (O_CLOEXEC), renamed over @name.  A reader sees the old file or the new
 * one, also when skiff is killed at any moment.  No fsync: what the
 * records describe (processes, cgroups, links, rules) does not outlive a
 * power loss either, the state root is normally a tmpfs (/run), and four
 * fsyncs on a disk cost a create about 2 ms (runc and crun do not sync). */
__must_check int sk_write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
				      struct sk_err *e);
/* write(2) all of @buf, retrying on EINTR and short writes. */
int sk_write_all(int fd, const void *buf, size_t len);
/* Connect socket @s to the unix socket at @path: 0, -ENAMETOOLONG when
 * @path does not fit, or -errno (unixsock.c). */
int sk_unix_connect(int s, const char *path);
/* Send @len bytes of @buf (at least one) with @fd as SCM_RIGHTS in one
 * sendmsg: the bytes sent (maybe fewer than @len) or -errno. */
ssize_t sk_send_fd(int s, int fd, const void *buf, size_t len);
int sk_parse_u64(const char *s, uint64_t *out);
int sk_parse_i64(const char *s, int64_t *out);
/* mkdir -p; mode for created components. */
__must_check int sk_mkdir_p(const char *path, mode_t mode, struct sk_err *e);
/* rm -rf below and including @path; missing is fine. */
int sk_rm_rf(const char *path);

/* Every signal's disposition back to the default (a caller's SIG_IGN
 * survives exec) and an empty mask (sigreset.c): what the container's
 * process, the hooks and criu start with, as with runc. */
void sk_reset_signals(void);

/* XXH64 (xxh64.c): a fast 64-bit non-cryptographic hash, 8 bytes a step
 * in four lanes; streaming (init, update..., digest) or one buffer. */
struct sk_xxh64 {
	uint64_t v[4], total, seed;
	unsigned char buf[32];
	size_t buffered;
};
void sk_xxh64_init(struct sk_xxh64 *h, uint64_t seed);
void sk_xxh64_update(struct sk_xxh64 *h, const void *data, size_t len);
uint64_t sk_xxh64_digest(const struct sk_xxh64 *h);
uint64_t sk_xxh64(const void *data, size_t len, uint64_t seed);

/* --------------------------------------------------------------- logging */

enum sk_log_level { SK_LOG_ERROR, SK_LOG_WARN, SK_LOG_INFO, SK_LOG_DEBUG };

/* Made in main() and passed down; nothing global. */
struct sk_log {
	int fd;	    /* --log file, or -1: then warnings go to stderr */
	bool json;  /* --log-format json */
	bool debug; /* --debug */
	int errfd;  /* > 2: "stderr" for messages when fd is -1 (a child whose
			* own fd 2 became the container's terminal keeps skiff's) */
};

/* One line: "skiff: [warning: ]MSG" on stderr (no --log), runc's
 * time= level= msg="..." text or its JSON object in the --log file.  MSG
 * is formatted raw and escaped here (sk_escape), once: arguments must not
 * be escaped by the caller. */
void sk_log(const struct sk_log *log, enum sk_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A command's failure @msg: into the --log file when there is one, and
 * always "skiff: MSG" (escaped) on stderr. */
void sk_log_failure(const struct sk_log *log, const char *msg);
struct timespec;
/* --debug: "WHO ID: WHAT at N ms" since @t0 (CLOCK_MONOTONIC). */
void sk_debug_phase(const struct sk_log *log, const struct timespec *t0, const char *who,
		    const char *id, const char *what);
#define sk_warn(log, ...) sk_log((log), SK_LOG_WARN, __VA_ARGS__)
#define sk_debug(log, ...) sk_log((log), SK_LOG_DEBUG, __VA_ARGS__)

#endif
