/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devices_bpf.c - cgroup v2 device access control: a small
 * BPF_PROG_TYPE_CGROUP_DEVICE program built instruction by instruction
 * (no libbpf), loaded with bpf(2) and attached with BPF_F_ALLOW_MULTI.
 *
 * Program: load type/access/major/minor from struct bpf_cgroup_dev_ctx,
 * then one block per rule, last rule first; the first block that matches
 * returns its verdict; nothing matched -> deny.  A rule matches when the
 * type is equal (or 'a'), the requested access is a subset of the rule's,
 * and major/minor are equal (or wildcards).
 */
#include "internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i;
	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst & 0xf;
	i.src_reg = src & 0xf;
	i.off = off;
	i.imm = imm;
	return i;
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_mask(const char *a)
{
	int m = 0;
	for (; *a; a++)
		m |= *a == 'm'	 ? BPF_DEVCG_ACC_MKNOD
		     : *a == 'r' ? BPF_DEVCG_ACC_READ
		     : *a == 'w' ? BPF_DEVCG_ACC_WRITE
				 : 0;
	return m;
}

int cg_bpf_build(const struct oci_device_rule *rules, size_t n, void **insns, size_t *n_insns,
		 struct sk_err *e)
{
	size_t cap = 6 + n * 8 + 2, k = 0;
	struct bpf_insn *p = sk_xcalloc(cap, sizeof(*p));

	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	p[k++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);
	p[k++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff);
	p[k++] = LDX_W(BPF_REG_3, BPF_REG_1, 0);
	p[k++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);
	p[k++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);
	p[k++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);

	bool done = false;

	for (size_t i = n; i-- > 0 && !done;) {
		const struct oci_device_rule *r = &rules[i];
		struct bpf_insn blk[8];
		size_t b = 0, jumps[8], nj = 0;
		int acc = access_mask(r->access[0] ? r->access : "rwm");
		bool any = r->type == 'a';

		if (!any && r->type != 'c' && r->type != 'b') {
			free(p);
			return sk_err_set(e, EINVAL, "device rule %zu: bad type '%c'", i, r->type);
		}
		if (!any) {
			jumps[nj++] = b;
			blk[b++] = JNE_IMM(BPF_REG_2,
					   r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
					   0);
		}
		if (acc != 7) {
			blk[b++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
			blk[b++] = ALU32_IMM(BPF_AND, BPF_REG_1, ~acc & 7);
			jumps[nj++] = b;
			blk[b++] = JNE_IMM(BPF_REG_1, 0, 0);
		}
		if (!any && r->major >= 0) {
			jumps[nj++] = b;
			blk[b++] = JNE_IMM(BPF_REG_4, (int32_t)r->major, 0);
		}
		if (!any && r->minor >= 0) {
			jumps[nj++] = b;
			blk[b++] = JNE_IMM(BPF_REG_5, (int32_t)r->minor, 0);
		}
		blk[b++] = MOV64_IMM(BPF_REG_0, r->allow ? 1 : 0);
		blk[b++] = EXIT();
		for (size_t j = 0; j < nj; j++)
			blk[jumps[j]].off = (int16_t)(b - jumps[j] - 1);
		memcpy(p + k, blk, b * sizeof(*blk));
		k += b;
		/* a rule matching everything: earlier rules and the default
		 * can never run (and the verifier rejects dead code) */
		done = nj == 0;
	}
	if (!done) {
		p[k++] = MOV64_IMM(BPF_REG_0, 0);
		p[k++] = EXIT();
	}
	*insns = p;
	*n_insns = k;
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int cg_bpf_attach_devices(int cgroup_fd, const struct oci_device_rule *rules, size_t n,
			  struct sk_err *e)
{
	_cleanup_free_ void *insns = NULL;
	_cleanup_close_ int prog = -1;
	char log[4096];
	union bpf_attr attr;
	size_t ni;
	int r;

	if (cgroup_fd < 0)
		return sk_err_set(e, EBADF, "devices: no cgroup fd to attach the eBPF program to");
	r = cg_bpf_build(rules, n, &insns, &ni, e);
	if (r < 0)
		return r;
	memset(&attr, 0, sizeof(attr));
	log[0] = '\0';
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)ni;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0 && errno == ENOSPC) { /* log too small: retry without it */
		attr.log_buf = 0;
		attr.log_size = 0;
		attr.log_level = 0;
		prog = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	}
	if (prog < 0) {
		char *nl = strchr(log, '\n');
		if (nl)
			*nl = '\0';
		return sk_err_sys(e, errno,
				  "linux.resources.devices: cannot load the eBPF device program%s%s%s",
				  log[0] ? " (verifier: " : "", log[0] ? log : "", log[0] ? ")" : "");
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup_fd;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return sk_err_sys(e, errno,
				  "linux.resources.devices: cannot attach the eBPF device program");
	return 0;
}
