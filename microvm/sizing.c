/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sizing.c - guest RAM from the cgroup memory limit, vCPU count from the
 * cpuset / CFS quota (or the caller's count), and the kernel command line.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* The memory limit of the cgroup this process is in (the tightest of its
 * cgroup v2 ancestors, or the v1 memory controller's), 0 when none. */
uint64_t sk_vm_cgroup_mem_limit(void)
{
	_cleanup_free_ char *cg = NULL;
	size_t len;
	struct sk_err e;
	if (sk_read_file_at(AT_FDCWD, "/proc/self/cgroup", &cg, &len, &e) < 0)
		return 0;
	uint64_t best = 0;
	char *save = NULL;
	for (char *line = strtok_r(cg, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c1 = 0;
		*c2 = 0;
		const char *ctrl = c1 + 1, *path = c2 + 1;
		bool v2 = !strcmp(line, "0") && !*ctrl;
		bool v1 = false;
		for (char *t = (char *)ctrl, *sv = NULL, *tok; (tok = strtok_r(t, ",", &sv)); t = NULL)
			if (!strcmp(tok, "memory"))
				v1 = true;
		if (!v1 && !v2)
			continue;
		_cleanup_free_ char *p = sk_xstrdup(path);
		for (;;) {
			_cleanup_free_ char *f =
				v2 ? sk_xasprintf("/sys/fs/cgroup%s/memory.max", p)
				   : sk_xasprintf("/sys/fs/cgroup/memory%s/memory.limit_in_bytes", p);
			_cleanup_free_ char *val = NULL;
			uint64_t v;
			if (sk_read_file_at(AT_FDCWD, f, &val, &len, &e) == 0) {
				val[strcspn(val, "\n")] = 0;
				/* v1 "unlimited" is a huge page-rounded number */
				if (sk_parse_u64(val, &v) == 0 && v < (1ULL << 60) &&
				    (!best || v < best))
					best = v;
			}
			char *slash = strrchr(p, '/');
			if (!v2 || !slash || slash == p)
				break;
			*slash = 0;
		}
	}
	return best;
}

int sk_vm_guest_mem(uint64_t mem_limit, uint64_t initrd_size, uint64_t *guest_mem, struct sk_err *e)
{
	/* The unpacked rootfs lives in guest RAM next to the archive. */
	uint64_t min = SK_VM_MIN_MEM + 2 * initrd_size;
	min = (min + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	if (!mem_limit) {
		uint64_t def = 256ULL << 20;
		*guest_mem = def > min ? def : min;
		return 0;
	}
	/* The VMM's own memory (page tables of guest RAM, KVM structures,
	 * its heap and stacks) is charged to the same cgroup. */
	uint64_t reserve = SK_VM_RESERVE + mem_limit / 64;
	if (mem_limit < reserve || mem_limit - reserve < min)
		return sk_err_set(e, ENOMEM,
				  "microvm: memory limit %llu MiB too small: the guest needs %llu MiB (128 MiB + 2x the %llu MiB initramfs) plus %llu MiB for the VMM",
				  (unsigned long long)(mem_limit >> 20),
				  (unsigned long long)(min >> 20),
				  (unsigned long long)(initrd_size >> 20),
				  (unsigned long long)(reserve >> 20));
	*guest_mem = (mem_limit - reserve) & ~((2ULL << 20) - 1);
	return 0;
}

int sk_vm_vcpus_from(const char *cpuset, int64_t quota, uint64_t period, int *n, int *cpus,
		     struct sk_err *e)
{
	int count = 0;
	if (cpuset && *cpuset) {
		const char *s = cpuset;
		while (*s) {
			char *end;
			long a = strtol(s, &end, 10), b;
			if (end == s || a < 0)
				goto bad;
			b = a;
			s = end;
			if (*s == '-') {
				s++;
				b = strtol(s, &end, 10);
				if (end == s || b < a)
					goto bad;
				s = end;
			}
			for (long c = a; c <= b; c++) {
				if (count >= 256)
					return sk_err_set(e, EINVAL,
							  "microvm: cpuset %s: more than 256 CPUs",
							  cpuset);
				if (cpus)
					cpus[count] = (int)c;
				count++;
			}
			if (*s == ',')
				s++;
			else if (*s)
				goto bad;
		}
	}
	int q = 0;
	if (quota > 0 && period > 0)
		q = (int)(((uint64_t)quota + period - 1) / period);
	if (count && q)
		*n = q < count ? q : count;
	else if (count)
		*n = count;
	else if (q)
		*n = q;
	else
		*n = 1;
	if (*n > 254)
		*n = 254;
	return count;
bad:
	return sk_err_set(e, EINVAL, "microvm: linux.resources.cpu.cpus \"%s\" is not a CPU list",
			  cpuset);
}

int sk_vm_vcpus(const struct sk_vm_opts *o, int *cpus, int *ncpus, struct sk_err *e)
{
	const struct oci_resources *res;
	const char *cpuset = o->cpuset;
	uint64_t period = 0;
	int64_t quota = 0;
	int n = 1, count;

	if (o->cfg) {
		res = &o->cfg->lnx.resources;
		if (res->cpu.quota.set)
			quota = res->cpu.quota.v;
		period = res->cpu.period.set ? res->cpu.period.v : 100000;
		if (!cpuset)
			cpuset = res->cpu.cpus;
	}
	count = sk_vm_vcpus_from(cpuset, quota, period, &n, cpus, e);
	if (count < 0)
		return count;
	*ncpus = count;
	return o->nr_vcpus > 0 ? o->nr_vcpus : n;
}

char *sk_vm_cmdline(int nr_vcpus, const char *extra)
{
	/* ACPI even for one vCPU: without MP table support (Debian's cloud
	 * kernel) acpi=off leaves the guest without a local APIC timer. */
	(void)nr_vcpus;
	return sk_xasprintf("console=ttyS1 panic=-1 reboot=t quiet loglevel=3 tsc=reliable "
			    "i8042.noaux i8042.nokbd i8042.nopnp pci=off rdinit=/.skiff/init%s%s",
			    extra && *extra ? " " : "", extra ? extra : "");
}
