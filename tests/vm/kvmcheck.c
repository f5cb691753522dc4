/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kvmcheck.c - does /dev/kvm work?  Used by tests/vm/selfcheck.bats.
 *
 * Checks KVM_GET_API_VERSION == 12, creates a VM with one vCPU and 4 KiB of
 * memory, runs three real-mode instructions in it ("mov al, 42; out 0x10, al;
 * hlt") and checks that the exits are KVM_EXIT_IO with 42 on port 0x10, then
 * KVM_EXIT_HLT.  Prints one line per step; exits 0 when all passed, 1 if not.
 *
 * Build: cc -std=gnu11 -Wall -Wextra -Werror -o kvmcheck tests/vm/kvmcheck.c
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_ADDR 0x1000

static int fail(const char *what)
{
	fprintf(stderr, "kvmcheck: %s: %s\n", what, strerror(errno));
	return 1;
}

static int run_guest(int kvm, int vm)
{
	static const uint8_t code[] = { 0xb0, 42, 0xe6, 0x10, 0xf4 };
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint8_t *mem;
	int vcpu, size;

	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap guest memory");
	memcpy(mem, code, sizeof(code));
	memset(&region, 0, sizeof(region));
	region.guest_phys_addr = GUEST_ADDR;
	region.memory_size = 4096;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0); /* a /dev/kvm ioctl */
	if (size <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_ADDR;
	regs.rflags = 0x2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT ||
	    run->io.port != 0x10 || run->io.size != 1 ||
	    *((uint8_t *)run + run->io.data_offset) != 42) {
		fprintf(stderr, "kvmcheck: expected an OUT of 42 to port 0x10, got exit reason %u\n",
			run->exit_reason);
		return 1;
	}
	printf("guest wrote 42 to port 0x10\n");
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN (2)");
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "kvmcheck: expected KVM_EXIT_HLT, got exit reason %u\n",
			run->exit_reason);
		return 1;
	}
	printf("guest halted\n");
	return 0;
}

int main(void)
{
	int kvm, vm, version;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("open /dev/kvm");
	version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (version != 12) {
		fprintf(stderr, "kvmcheck: KVM_GET_API_VERSION is %d, not 12\n", version);
		return 1;
	}
	printf("KVM_GET_API_VERSION 12\n");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	printf("KVM_CREATE_VM ok\n");
	return run_guest(kvm, vm) ? 1 : 0;
}
