/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp_cache.c - reuse compiled seccomp programs across container starts.
 *
 * libseccomp needs ~7 ms to compile Docker's default profile for
 * x86_64+x86+x32 (more than the rest of a container start); engines pass
 * the same profile every time.  An entry is keyed by a canonical text of
 * the whole profile plus the libseccomp version and the kernel release.
 * The file name is a 64-bit FNV-1a hash of that text, but the entry holds
 * the full text and is compared byte for byte: a hash collision can only
 * cause a miss, never load another profile's filter.  Any cache problem
 * falls back to compiling; only a failed compile is an error.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>
#include <sys/utsname.h>

#define CACHE_MAGIC "SKSC2\n" /* 2: filters carry the ENOSYS stub */
#define MAGIC_LEN 6

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = sk_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Length-prefixed, so no two profiles share a text. */
static void buf_str(struct buf *b, const char *s)
{
	s = s ? s : "";
	buf_printf(b, "%zu:", strlen(s));
	buf_add(b, s, strlen(s));
	buf_add(b, ";", 1);
}

static void profile_text(const struct oci_seccomp *s, struct buf *b)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	buf_printf(b, "skiff %s libseccomp %u.%u.%u kernel ", SKIFF_VERSION, v ? v->major : 0,
		   v ? v->minor : 0, v ? v->micro : 0);
	buf_str(b, u.release);
	buf_printf(b, "\ndefault %d %d %u\narch %zu ", (int)s->default_action,
		   s->has_default_errno_ret, s->default_errno_ret, s->n_architectures);
	for (size_t i = 0; i < s->n_architectures; i++)
		buf_str(b, s->architectures[i]);
	buf_printf(b, "\nflags %zu ", s->n_flags);
	for (size_t i = 0; i < s->n_flags; i++)
		buf_str(b, s->flags[i]);
	buf_str(b, s->listener_path);
	buf_printf(b, "\nsyscalls %zu\n", s->n_syscalls);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_syscall *sc = &s->syscalls[i];
		buf_printf(b, "%d %d %u %zu ", (int)sc->action, sc->has_errno_ret, sc->errno_ret,
			   sc->n_names);
		for (size_t k = 0; k < sc->n_names; k++)
			buf_str(b, sc->names[k]);
		buf_printf(b, "args %zu", sc->n_args);
		for (size_t k = 0; k < sc->n_args; k++)
			buf_printf(b, " %u/%d/%llu/%llu", sc->args[k].index, (int)sc->args[k].op,
				   (unsigned long long)sc->args[k].value,
				   (unsigned long long)sc->args[k].value_two);
		buf_add(b, "\n", 1);
	}
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct entry_hdr {
	uint32_t flags;
	uint32_t needs_notify;
	uint64_t keylen;
	uint64_t bpflen;
};

/* 0 and *out on a hit; <0 on any miss. */
static int cache_lookup(int dirfd, const char *name, const struct buf *key,
			struct sk_seccomp_prog **out)
{
	_cleanup_free_ char *data = NULL;
	struct entry_hdr h;
	struct sk_seccomp_prog *p;
	struct sk_err ignored;
	size_t len;

	if (sk_read_file_at(dirfd, name, &data, &len, &ignored) < 0)
		return -ENOENT;
	if (len < MAGIC_LEN + sizeof(h) || memcmp(data, CACHE_MAGIC, MAGIC_LEN) != 0)
		return -EINVAL;
	memcpy(&h, data + MAGIC_LEN, sizeof(h));
	if (h.keylen != key->len || h.bpflen == 0 || h.bpflen % sizeof(struct sock_filter) ||
	    h.bpflen / sizeof(struct sock_filter) > BPF_MAXINSNS ||
	    len != MAGIC_LEN + sizeof(h) + h.keylen + h.bpflen)
		return -EINVAL;
	if (memcmp(data + MAGIC_LEN + sizeof(h), key->p, key->len) != 0)
		return -ESTALE;
	p = sk_xcalloc(1, sizeof(*p));
	p->prog = sk_xmalloc(sizeof(*p->prog));
	p->prog->len = (unsigned short)(h.bpflen / sizeof(struct sock_filter));
	p->prog->filter = sk_xmalloc(h.bpflen);
	memcpy(p->prog->filter, data + MAGIC_LEN + sizeof(h) + h.keylen, h.bpflen);
	p->flags = h.flags;
	p->needs_notify = h.needs_notify != 0;
	*out = p;
	return 0;
}

static void cache_store(int dirfd, const char *name, const struct buf *key,
			const struct sk_seccomp_prog *p, const struct sk_log *log)
{
	struct entry_hdr h = { .flags = p->flags,
			       .needs_notify = p->needs_notify,
			       .keylen = key->len,
			       .bpflen = (uint64_t)p->prog->len * sizeof(struct sock_filter) };
	struct buf out = { 0 };
	struct sk_err e;

	buf_add(&out, CACHE_MAGIC, MAGIC_LEN);
	buf_add(&out, &h, sizeof(h));
	buf_add(&out, key->p, key->len);
	buf_add(&out, p->prog->filter, h.bpflen);
	if (sk_write_file_atomic(dirfd, name, out.p, out.len, &e) < 0)
		sk_debug(log, "seccomp cache: %s", e.msg);
	free(out.p);
}

int sk_seccomp_compile_cached(const struct oci_seccomp *s, int cache_dirfd,
			      struct sk_seccomp_prog **out, const struct sk_log *log,
			      struct sk_err *e)
{
	struct buf key = { 0 };
	char name[32];
	int r;

	*out = NULL;
	if (!s || !s->present)
		return 0;
	if (cache_dirfd < 0)
		return sk_seccomp_compile(s, out, log, e);
	/* Errors that need no compilation stay errors with a cache. */
	r = sk_seccomp_validate(s, e);
	if (r < 0)
		return r;

	profile_text(s, &key);
	snprintf(name, sizeof(name), "%016llx.bpf", (unsigned long long)fnv1a(key.p, key.len));
	if (cache_lookup(cache_dirfd, name, &key, out) == 0) {
		sk_debug(log, "seccomp: cached filter %s (%u instructions)", name,
			 sk_seccomp_prog_len(*out));
		free(key.p);
		return 0;
	}
	r = sk_seccomp_compile(s, out, log, e);
	if (r == 0 && *out)
		cache_store(cache_dirfd, name, &key, *out, log);
	free(key.p);
	return r;
}
