/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vcpu.c - the vCPUs: their creation (CPUID, the boot vCPU's registers),
 * one thread each, pinned to a CPU of the cpuset, running KVM_RUN and
 * handing port and MMIO exits to the buses, and their stop at the end.
 */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#define STOP_TRIES 100 /* of 100 ms each */

/* KVM's supported CPUID, adjusted: hypervisor bit, TSC deadline timer,
 * the vCPU's APIC id and the count of logical CPUs, no APERF/MPERF. */
static int setup_cpuid(struct vcpu *c, struct sk_err *e)
{
	_cleanup_free_ struct kvm_cpuid2 *cp = NULL;
	struct kvm_cpuid_entry2 *en;
	int nr = c->vm->nr, n = 128;
	unsigned i;

	for (;;) {
		free(cp);
		cp = sk_xcalloc(1, sizeof(*cp) + n * sizeof(cp->entries[0]));
		cp->nent = n;
		if (ioctl(c->vm->kvm, KVM_GET_SUPPORTED_CPUID, cp) == 0)
			break;
		if (errno != E2BIG || n > 4096)
			return sk_err_sys(e, errno, "microvm: KVM_GET_SUPPORTED_CPUID");
		n *= 2;
	}
	for (i = 0; i < cp->nent; i++) {
		en = &cp->entries[i];
		switch (en->function) {
		case 1:
			en->ecx |= 1u << 31; /* hypervisor */
			en->ecx |= 1u << 24; /* TSC deadline timer */
			en->ebx = (en->ebx & 0x0000ffff) | ((uint32_t)nr << 16) |
				  ((uint32_t)c->idx << 24);
			if (nr > 1)
				en->edx |= 1u << 28; /* HTT: the count field is valid */
			break;
		case 0xb:
		case 0x1f:
			en->edx = c->idx; /* x2APIC id */
			break;
		case 6:
			en->ecx &= ~1u; /* no APERF/MPERF */
			break;
		default:
			break;
		}
	}
	if (ioctl(c->fd, KVM_SET_CPUID2, cp) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_CPUID2 on vCPU %d", c->idx);
	return 0;
}

/* vCPU 0 starts in long mode at @entry; the others wait for INIT/SIPI. */
static int setup_boot_regs(struct vcpu *c, uint64_t entry, struct sk_err *e)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_GET_SREGS");
	sk_vm_setup_sregs(&sregs);
	if (ioctl(c->fd, KVM_SET_SREGS, &sregs) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_SREGS");
	sk_vm_setup_regs(&regs, entry);
	if (ioctl(c->fd, KVM_SET_REGS, &regs) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_REGS");
	return 0;
}

int vcpu_create(struct vcpu *c, uint64_t entry, struct sk_err *e)
{
	struct vm *vm = c->vm;
	int r;

	c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, c->idx);
	if (c->fd < 0)
		return sk_err_sys(e, errno, "microvm: KVM_CREATE_VCPU %d", c->idx);
	fcntl(c->fd, F_SETFD, FD_CLOEXEC);
	c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED) {
		c->run = NULL;
		return sk_err_sys(e, errno, "microvm: mmap vCPU %d", c->idx);
	}
	r = setup_cpuid(c, e);
	if (r < 0)
		return r;
	return c->idx == 0 ? setup_boot_regs(c, entry, e) : 0;
}

void vcpu_free(struct vcpu *c)
{
	if (c->run)
		munmap(c->run, c->vm->run_size);
	if (c->fd >= 0)
		close(c->fd);
}

static void __attribute__((format(printf, 2, 3))) vcpu_fail(struct vcpu *c, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm_end(c->vm, END_ERROR, 255, msg);
}

/* What KVM_RUN returned for. */
static void handle_exit(struct vcpu *c)
{
	struct kvm_run *run = c->run;
	struct vm *vm = c->vm;
	uint8_t *d;
	unsigned i;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		/* a string instruction (rep outsb) repeats the access */
		d = (uint8_t *)run + run->io.data_offset;
		for (i = 0; i < run->io.count; i++, d += run->io.size)
			sk_bus_access(&vm->pio, run->io.port, run->io.direction == KVM_EXIT_IO_OUT,
				      d, run->io.size);
		break;
	case KVM_EXIT_MMIO:
		sk_bus_access(&vm->mmio, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data,
			      run->mmio.len);
		break;
	case KVM_EXIT_HLT:
		vm_end(vm, END_SHUTDOWN, 255, "guest halted");
		break;
	case KVM_EXIT_SHUTDOWN:
		vm_end(vm, END_SHUTDOWN, 255, "guest kernel panicked or triple-faulted (shutdown)");
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_end(vm, END_SHUTDOWN, 255,
		       run->system_event.type == KVM_SYSTEM_EVENT_RESET
			       ? "guest kernel panicked (reset)"
			       : "guest powered off without an exit status");
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_fail(c, "vCPU %d entry failed (reason 0x%llx)", c->idx,
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_fail(c, "KVM internal error %u on vCPU %d", run->internal.suberror, c->idx);
		break;
	default:
		vcpu_fail(c, "unexpected KVM exit %u on vCPU %d", run->exit_reason, c->idx);
		break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, VCPU_KICK_SIG);
	pthread_sigmask(SIG_UNBLOCK, &ss, NULL);
	while (!atomic_load(&c->vm->done)) {
		if (ioctl(c->fd, KVM_RUN, 0) == 0) {
			handle_exit(c);
		} else if (errno != EINTR && errno != EAGAIN) {
			vcpu_fail(c, "KVM_RUN on vCPU %d failed: %s", c->idx, strerror(errno));
			break;
		}
	}
	return NULL;
}

void vcpu_start_all(struct vm *vm, const struct sk_log *log)
{
	struct vcpu *c;
	cpu_set_t set;
	int i;

	for (i = 0; i < vm->nr; i++) {
		c = &vm->cpus[i];
		if (pthread_create(&c->th, NULL, vcpu_thread, c) != 0) {
			vm_end(vm, END_ERROR, 255, "cannot create a vCPU thread");
			break;
		}
		c->started = true;
		if (c->cpu < 0)
			continue;
		CPU_ZERO(&set);
		CPU_SET(c->cpu, &set);
		if (pthread_setaffinity_np(c->th, sizeof(set), &set) != 0)
			sk_debug(log, "microvm: cannot pin vCPU %d to CPU %d", i, c->cpu);
	}
}

/* Join @c within 100 ms. */
static bool join_100ms(struct vcpu *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100 * 1000 * 1000;
	if (ts.tv_nsec >= 1000 * 1000 * 1000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000 * 1000 * 1000;
	}
	return pthread_timedjoin_np(c->th, NULL, &ts) == 0;
}

int vcpu_stop_all(struct vm *vm)
{
	struct vcpu *c;
	int i, tries;

	for (i = 0; i < vm->nr; i++)
		if (vm->cpus[i].started)
			vm->cpus[i].run->immediate_exit = 1;
	for (i = 0; i < vm->nr; i++) {
		c = &vm->cpus[i];
		for (tries = 0; c->started; tries++) {
			if (tries == STOP_TRIES)
				return -ETIMEDOUT;
			pthread_kill(c->th, VCPU_KICK_SIG);
			if (join_100ms(c))
				c->started = false;
		}
	}
	return 0;
}
