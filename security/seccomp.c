/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp.c - linux.seccomp: compile the profile to classic BPF in the
 * parent (libseccomp), load it in the container's init with seccomp(2).
 *
 * Compiling in the parent means a bad profile fails `skiff create` before
 * any process exists, and the child only runs one syscall.  libseccomp
 * 2.5 has no seccomp_export_bpf_mem(), so the program is exported into a
 * memfd and read back.  Filter flags are not libseccomp attributes here:
 * we never call seccomp_load(), so they are kept in prog->flags and given
 * to seccomp(2) directly.
 */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define ARCH_PREFIX "SCMP_ARCH_"

static const struct {
	const char *name;
	unsigned int flag;
} seccomp_flags[] = {
	/* Threads: the container's init is single-threaded when it loads
	 * the filter, so TSYNC changes nothing; accepted as runc does. */
	{ "SECCOMP_FILTER_FLAG_TSYNC", 0 },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	/* Accepted; skiff's listener handling does not need it. */
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 0 },
};

static const char *action_name(enum oci_seccomp_action a)
{
	const char *n = oci_seccomp_action_name(a);
	return n ? n : "?";
}

/* The libseccomp action value; ERRNO and TRACE carry errnoRet (EPERM
 * when absent, as runc). */
static int action_value(enum oci_seccomp_action a, bool has_ret, uint32_t ret, uint32_t *out,
			const char *field, struct sk_err *e)
{
	uint32_t data = has_ret ? ret : EPERM;

	if (has_ret && ret > 0xffff)
		return sk_err_set(e, EINVAL, "%s: errnoRet %u is out of range (0-65535)", field, ret);
	switch (a) {
	case OCI_SCMP_KILL:
	case OCI_SCMP_KILL_THREAD:
		*out = SCMP_ACT_KILL_THREAD;
		return 0;
	case OCI_SCMP_KILL_PROCESS:
		*out = SCMP_ACT_KILL_PROCESS;
		return 0;
	case OCI_SCMP_TRAP:
		*out = SCMP_ACT_TRAP;
		return 0;
	case OCI_SCMP_ERRNO:
		*out = SCMP_ACT_ERRNO(data);
		return 0;
	case OCI_SCMP_TRACE:
		*out = SCMP_ACT_TRACE(data);
		return 0;
	case OCI_SCMP_ALLOW:
		*out = SCMP_ACT_ALLOW;
		return 0;
	case OCI_SCMP_LOG:
		*out = SCMP_ACT_LOG;
		return 0;
	case OCI_SCMP_NOTIFY:
		*out = SCMP_ACT_NOTIFY;
		return 0;
	}
	return sk_err_set(e, EINVAL, "%s: unknown action %d", field, (int)a);
}

static int op_value(enum oci_seccomp_op op, enum scmp_compare *out)
{
	switch (op) {
	case OCI_SCMP_CMP_NE:
		*out = SCMP_CMP_NE;
		return 0;
	case OCI_SCMP_CMP_LT:
		*out = SCMP_CMP_LT;
		return 0;
	case OCI_SCMP_CMP_LE:
		*out = SCMP_CMP_LE;
		return 0;
	case OCI_SCMP_CMP_EQ:
		*out = SCMP_CMP_EQ;
		return 0;
	case OCI_SCMP_CMP_GE:
		*out = SCMP_CMP_GE;
		return 0;
	case OCI_SCMP_CMP_GT:
		*out = SCMP_CMP_GT;
		return 0;
	case OCI_SCMP_CMP_MASKED_EQ:
		*out = SCMP_CMP_MASKED_EQ;
		return 0;
	}
	return -EINVAL;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 when unknown. */
static uint32_t arch_token(const char *oci_name)
{
	char buf[64];
	const char *n = oci_name;
	size_t i;

	if (strncmp(n, ARCH_PREFIX, strlen(ARCH_PREFIX)) == 0)
		n += strlen(ARCH_PREFIX);
	for (i = 0; n[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (char)tolower((unsigned char)n[i]);
	if (n[i] || i == 0)
		return 0;
	buf[i] = '\0';
	return seccomp_arch_resolve_name(buf);
}

static void ctx_release(scmp_filter_ctx *c)
{
	if (*c)
		seccomp_release(*c);
}

int sk_seccomp_validate(const struct oci_seccomp *s, struct sk_err *e)
{
	if (!s || !s->present)
		return 0;
	if (s->default_action == OCI_SCMP_NOTIFY)
		return sk_err_set(e, EINVAL,
				  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_syscall *sc = &s->syscalls[i];
		if (sc->action == OCI_SCMP_NOTIFY && (!s->listener_path || !s->listener_path[0]))
			return sk_err_set(e, EINVAL,
					  "linux.seccomp.syscalls[%zu].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath",
					  i);
		for (size_t j = 0; j < sc->n_args; j++)
			if (sc->args[j].index >= 6)
				return sk_err_set(e, EINVAL,
						  "linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0-5)",
						  i, j, sc->args[j].index);
	}
	return 0;
}

/* One libseccomp rule, before it is added. */
struct rule {
	int nr;
	uint32_t act;
	unsigned int n;
	struct scmp_arg_cmp c[6];
	size_t idx; /* of linux.seccomp.syscalls, for errors */
	const char *name;
};

struct rules {
	struct rule *v;
	size_t n, cap;
};

static void rules_free(struct rules *rs)
{
	free(rs->v);
}

static void rule_push(struct rules *rs, int nr, uint32_t act, const struct scmp_arg_cmp *c,
		      unsigned int n, size_t idx, const char *name)
{
	struct rule *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 64;
		rs->v = sk_xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	r = &rs->v[rs->n++];
	memset(r, 0, sizeof(*r));
	r->nr = nr;
	r->act = act;
	r->n = n;
	r->idx = idx;
	r->name = name;
	for (unsigned int i = 0; i < n; i++)
		r->c[i] = c[i];
}

/* Split one syscall entry into rules: all conditions in one rule (AND),
 * except that a condition on an argument index used more than once
 * becomes a rule of its own, as libseccomp allows one condition per
 * argument and runc splits them the same way. */
static int split_rules(struct rules *rs, const struct oci_seccomp_syscall *sc, size_t idx, int nr,
		       const char *name, uint32_t act, struct sk_err *e)
{
	struct scmp_arg_cmp conds[6];
	unsigned int count[6] = { 0 };
	unsigned int n = 0;

	for (size_t j = 0; j < sc->n_args; j++)
		count[sc->args[j].index]++;
	for (size_t j = 0; j < sc->n_args; j++) {
		const struct oci_seccomp_arg *a = &sc->args[j];
		struct scmp_arg_cmp c = { .arg = a->index,
					  .datum_a = a->value,
					  .datum_b = a->value_two };

		if (op_value(a->op, &c.op) < 0)
			return sk_err_set(e, EINVAL,
					  "linux.seccomp.syscalls[%zu].args[%zu].op: unknown", idx,
					  j);
		if (count[a->index] > 1)
			rule_push(rs, nr, act, &c, 1, idx, name);
		else if (n < sizeof(conds) / sizeof(conds[0]))
			conds[n++] = c;
	}
	if (n == 0 && sc->n_args > 0)
		return 0; /* every condition was split off */
	rule_push(rs, nr, act, conds, n, idx, name);
	return 0;
}

static int u64_cmp(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int rule_cmp(const struct rule *x, const struct rule *y)
{
	int c = (x->nr > y->nr) - (x->nr < y->nr);

	if (!c)
		c = u64_cmp(x->act, y->act);
	if (!c)
		c = u64_cmp(x->n, y->n);
	for (unsigned int i = 0; !c && i < x->n; i++) {
		c = u64_cmp(x->c[i].arg, y->c[i].arg);
		if (!c)
			c = u64_cmp(x->c[i].op, y->c[i].op);
		if (!c)
			c = u64_cmp(x->c[i].datum_a, y->c[i].datum_a);
		if (!c)
			c = u64_cmp(x->c[i].datum_b, y->c[i].datum_b);
	}
	return c;
}

static int rule_ptr_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;
	int c = rule_cmp(x, y);

	return c ? c : (x > y) - (x < y);
}

/* Add the rules to @ctx in order, each only once: libseccomp's cost per
 * rule grows with the rules it holds (quadratic), and a profile of
 * 10,000 entries repeats itself (there are some 450 syscalls).  An exact
 * repeat changes nothing in the filter. */
static int add_rules(scmp_filter_ctx ctx, struct rules *rs, struct sk_err *e)
{
	_cleanup_free_ struct rule **by = sk_xcalloc(rs->n ? rs->n : 1, sizeof(*by));
	_cleanup_free_ bool *dup = sk_xcalloc(rs->n ? rs->n : 1, sizeof(bool));

	for (size_t i = 0; i < rs->n; i++)
		by[i] = &rs->v[i];
	qsort(by, rs->n, sizeof(*by), rule_ptr_cmp);
	for (size_t i = 1; i < rs->n; i++)
		if (!rule_cmp(by[i], by[i - 1]))
			dup[by[i] - rs->v] = true;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];
		int rc;
		if (dup[i])
			continue;
		rc = seccomp_rule_add_array(ctx, r->act, r->nr, r->n, r->c);
		if (rc < 0)
			return sk_err_sys(e, -rc, "linux.seccomp.syscalls[%zu] (%s): add rule",
					  r->idx, r->name);
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog **out, struct sk_err *e)
{
	_cleanup_close_ int fd = memfd_create("skiff-seccomp", MFD_CLOEXEC);
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct sock_fprog *prog;
	struct stat st;
	size_t got = 0;
	int r;

	if (fd < 0)
		return sk_err_sys(e, errno, "linux.seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return sk_err_sys(e, -r, "linux.seccomp: export BPF");
	if (fstat(fd, &st) < 0)
		return sk_err_sys(e, errno, "linux.seccomp: fstat");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return sk_err_set(e, E2BIG,
				  "linux.seccomp: the compiled filter has %lld bytes (max %d instructions)",
				  (long long)st.st_size, BPF_MAXINSNS);
	insns = sk_xmalloc((size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, (char *)insns + got, (size_t)st.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sk_err_sys(e, n < 0 ? errno : EIO, "linux.seccomp: read BPF");
		got += (size_t)n;
	}
	prog = sk_xmalloc(sizeof(*prog));
	prog->len = (unsigned short)(got / sizeof(struct sock_filter));
	prog->filter = sk_steal_ptr(&insns);
	*out = prog;
	return 0;
}

/* The highest syscall number the profile names for the native
 * architecture (-1: none). */
static int max_native_nr(const struct oci_seccomp *s)
{
	uint32_t native = seccomp_arch_native();
	int max = -1;

	for (size_t i = 0; i < s->n_syscalls; i++)
		for (size_t k = 0; k < s->syscalls[i].n_names; k++) {
			int nr = seccomp_syscall_resolve_name_arch(native, s->syscalls[i].names[k]);
			if (nr > max)
				max = nr;
		}
	return max;
}

/* Unknown syscalls get ENOSYS, as runc's patched filters give them: a
 * syscall newer than the profile (above the highest number it names, on
 * the native architecture) must look unimplemented so that libc falls
 * back (clone3 -> clone), instead of failing with the default errno or
 * killing.  Only for a default action that denies; x32 numbers (bit 30)
 * and other architectures go to libseccomp's filter unchanged. */
static void prepend_enosys(struct sock_fprog *prog, uint32_t arch, uint32_t max_nr)
{
	const struct sock_filter stub[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max_nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
	};
	size_t ns = sizeof(stub) / sizeof(stub[0]);
	struct sock_filter *f = sk_xmalloc((prog->len + ns) * sizeof(*f));

	memcpy(f, stub, sizeof(stub));
	memcpy(f + ns, prog->filter, prog->len * sizeof(*f));
	free(prog->filter);
	prog->filter = f;
	prog->len = (unsigned short)(prog->len + ns);
}

static bool default_denies(const struct oci_seccomp *s)
{
	switch (s->default_action) {
	case OCI_SCMP_ALLOW:
	case OCI_SCMP_LOG:
	case OCI_SCMP_TRACE:
	case OCI_SCMP_NOTIFY:
		return false;
	case OCI_SCMP_ERRNO:
		/* ENOSYS already */
		return !(s->has_default_errno_ret && s->default_errno_ret == ENOSYS);
	default:
		return true;
	}
}

int sk_seccomp_compile(const struct oci_seccomp *s, struct sk_seccomp_prog **out,
		       const struct sk_log *log, struct sk_err *e)
{
	_cleanup_(ctx_release) scmp_filter_ctx ctx = NULL;
	_cleanup_(rules_free) struct rules rules = { 0 };
	struct sk_seccomp_prog *res;
	unsigned int flags = 0;
	bool notify = false;
	uint32_t defact;
	int r;

	*out = NULL;
	if (!s || !s->present)
		return 0;
	r = sk_seccomp_validate(s, e);
	if (r < 0)
		return r;

	for (size_t i = 0; i < s->n_flags; i++) {
		size_t k;
		for (k = 0; k < sizeof(seccomp_flags) / sizeof(seccomp_flags[0]); k++)
			if (strcmp(s->flags[i], seccomp_flags[k].name) == 0)
				break;
		if (k == sizeof(seccomp_flags) / sizeof(seccomp_flags[0]))
			return sk_err_set(e, EINVAL, "linux.seccomp.flags[%zu]: unknown flag \"%s\"",
					  i, s->flags[i]);
		flags |= seccomp_flags[k].flag;
	}

	r = action_value(s->default_action, s->has_default_errno_ret, s->default_errno_ret, &defact,
			 "linux.seccomp.defaultErrnoRet", e);
	if (r < 0)
		return r;
	ctx = seccomp_init(defact);
	if (!ctx)
		return sk_err_set(e, EINVAL, "linux.seccomp.defaultAction: libseccomp refused %s",
				  action_name(s->default_action));

	for (size_t i = 0; i < s->n_architectures; i++) {
		uint32_t tok = arch_token(s->architectures[i]);
		if (!tok)
			return sk_err_set(e, EINVAL,
					  "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
					  i, s->architectures[i]);
		r = seccomp_arch_add(ctx, tok);
		if (r < 0 && r != -EEXIST)
			return sk_err_sys(e, -r, "linux.seccomp.architectures[%zu] (%s)", i,
					  s->architectures[i]);
	}

	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_syscall *sc = &s->syscalls[i];
		char field[64];
		uint32_t act;

		snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu]", i);
		r = action_value(sc->action, sc->has_errno_ret, sc->errno_ret, &act, field, e);
		if (r < 0)
			return r;
		/* libseccomp refuses rules that repeat the default action. */
		if (act == defact)
			continue;
		if (sc->action == OCI_SCMP_NOTIFY)
			notify = true;
		for (size_t k = 0; k < sc->n_names; k++) {
			int nr = seccomp_syscall_resolve_name(sc->names[k]);
			if (nr == __NR_SCMP_ERROR) {
				/* Profiles are often newer than libseccomp or the
				 * kernel: skip names it does not know, as runc. */
				sk_debug(log, "seccomp: unknown syscall \"%s\" skipped",
					 sc->names[k]);
				continue;
			}
			r = split_rules(&rules, sc, i, nr, sc->names[k], act, e);
			if (r < 0)
				return r;
		}
	}
	r = add_rules(ctx, &rules, e);
	if (r < 0)
		return r;

	res = sk_xcalloc(1, sizeof(*res));
	r = export_bpf(ctx, &res->prog, e);
	if (r < 0) {
		free(res);
		return r;
	}
	if (default_denies(s) && max_native_nr(s) >= 0) {
		if (res->prog->len + 6 > BPF_MAXINSNS) {
			sk_seccomp_free(res);
			return sk_err_set(e, E2BIG, "linux.seccomp: the compiled filter is too long");
		}
		prepend_enosys(res->prog, seccomp_arch_native(), (uint32_t)max_native_nr(s));
	}
	res->flags = flags;
	res->needs_notify = notify;
	*out = res;
	return 0;
}

unsigned int sk_seccomp_prog_len(const struct sk_seccomp_prog *p)
{
	return p && p->prog ? p->prog->len : 0;
}

int sk_seccomp_load(const struct sk_seccomp_prog *p, struct sk_err *e)
{
	int fd = -1, r;

	if (p && p->needs_notify)
		return sk_err_set(e, ENOTSUP,
				  "linux.seccomp: SCMP_ACT_NOTIFY needs a listener (linux.seccomp.listenerPath)");
	r = sk_seccomp_load_listener(p, &fd, e);
	if (fd >= 0)
		close(fd);
	return r;
}

int sk_seccomp_load_listener(const struct sk_seccomp_prog *p, int *listener, struct sk_err *e)
{
	unsigned int flags;
	long r;

	*listener = -1;
	if (!p || !p->prog)
		return 0;
	flags = p->flags | (p->needs_notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, p->prog);
	if (r >= 0) {
		if (p->needs_notify)
			*listener = (int)r;
		return 0;
	}
	if (errno == ENOSYS && p->flags == 0 && !p->needs_notify &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p->prog, 0, 0) == 0)
		return 0;
	if (errno == EACCES)
		return sk_err_sys(e, errno,
				  "linux.seccomp: load filter (needs process.noNewPrivileges or CAP_SYS_ADMIN)");
	if (errno == EINVAL && p->flags)
		return sk_err_sys(e, errno,
				  "linux.seccomp: load filter with flags 0x%x (kernel too old?)",
				  p->flags);
	return sk_err_sys(e, errno, "linux.seccomp: load filter");
}

void sk_seccomp_free(struct sk_seccomp_prog *p)
{
	if (!p)
		return;
	if (p->prog)
		free(p->prog->filter);
	free(p->prog);
	free(p);
}
