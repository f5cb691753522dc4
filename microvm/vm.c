/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm.c - the machine: the KVM VM with its in-kernel irqchip, guest
 * memory, the boot image loaded into it, the vCPUs, the devices on the
 * I/O buses; how the VM ends; its teardown.
 */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define TSS_ADDR 0xfffbd000UL

void vm_wake(struct vm *vm)
{
	uint64_t one = 1;

	if (write(vm->evfd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow here; nothing to do */
	}
}

void vm_end(struct vm *vm, enum vm_end end, int status, const char *why)
{
	pthread_mutex_lock(&vm->lock);
	if (vm->end == END_NONE) {
		vm->end = end;
		vm->status = status;
		if (why)
			snprintf(vm->why, sizeof(vm->why), "%s", why);
	}
	atomic_store(&vm->done, true);
	pthread_mutex_unlock(&vm->lock);
	vm_wake(vm);
}

void vm_irq_pulse(struct vm *vm, int irq)
{
	struct kvm_irq_level l = { .irq = irq, .level = 1 };

	ioctl(vm->fd, KVM_IRQ_LINE, &l);
	l.level = 0;
	ioctl(vm->fd, KVM_IRQ_LINE, &l);
}

/* The devices: ttyS0 (stdin, stdout) and ttyS1 (stderr, kernel console,
 * control bytes), the shim's ports, the CMOS stub. */
static int add_devices(struct vm *vm, struct sk_err *e)
{
	int r;

	r = serial_init(&vm->com[0], vm, "ttyS0", SK_VM_COM1, 4, 1, e);
	if (r < 0)
		return r;
	r = serial_init(&vm->com[1], vm, "ttyS1", SK_VM_COM2, 3, 2, e);
	if (r < 0)
		return r;
	r = shimport_init(vm, e);
	if (r < 0)
		return r;
	return cmos_init(vm, e);
}

int vm_init(struct vm *vm, int nr, const int *cpus, int ncpus, uint64_t mem_size, struct sk_err *e)
{
	int i;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = vm->fd = vm->evfd = vm->memfd = -1;
	vm->nr = nr;
	vm->mem.size = mem_size;
	vm->pio.kind = "port";
	vm->mmio.kind = "MMIO";
	atomic_init(&vm->done, false);
	pthread_mutex_init(&vm->lock, NULL);
	vm->cpus = sk_xcalloc(nr, sizeof(*vm->cpus));
	for (i = 0; i < nr; i++) {
		vm->cpus[i].vm = vm;
		vm->cpus[i].idx = i;
		vm->cpus[i].fd = -1;
		vm->cpus[i].cpu = ncpus ? cpus[i % ncpus] : -1;
	}
	vm->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->evfd < 0)
		return sk_err_sys(e, errno, "microvm: eventfd");
	return add_devices(vm, e);
}

static int create_vm(struct vm *vm, struct sk_err *e)
{
	int mmap_size;

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return sk_err_sys(e, errno, "microvm: open /dev/kvm");
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return sk_err_set(e, ENOTSUP, "microvm: unsupported KVM API version");
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return sk_err_sys(e, errno, "microvm: KVM_CREATE_VM");
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_TSS_ADDR");
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_CREATE_IRQCHIP");
	mmap_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return sk_err_sys(e, errno, "microvm: KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = mmap_size;
	return 0;
}

/* Guest RAM: one mapping, below the MMIO gap and the rest from 4 GiB.
 * @shared: of a memfd, whose pages a vhost-user backend maps too; else
 * anonymous memory, which can get transparent huge pages (shmem gets them
 * only where the host enables them for shmem, Debian does not). */
static int map_memory(struct vm *vm, bool shared, struct sk_err *e)
{
	struct kvm_userspace_memory_region reg = { 0 };

	if (shared) {
		vm->memfd = memfd_create("skiff-guest-ram", MFD_CLOEXEC);
		if (vm->memfd < 0)
			return sk_err_sys(e, errno, "microvm: memfd_create");
		if (ftruncate(vm->memfd, (off_t)vm->mem.size) < 0)
			return sk_err_sys(e, errno, "microvm: cannot size %llu MiB of guest memory",
					  (unsigned long long)(vm->mem.size >> 20));
		vm->mem.host = mmap(NULL, vm->mem.size, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_NORESERVE, vm->memfd, 0);
	} else {
		vm->mem.host = mmap(NULL, vm->mem.size, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (vm->mem.host == MAP_FAILED) {
		vm->mem.host = NULL;
		return sk_err_sys(e, errno, "microvm: cannot map %llu MiB of guest memory",
				  (unsigned long long)(vm->mem.size >> 20));
	}
	madvise(vm->mem.host, vm->mem.size, MADV_HUGEPAGE);
	vm->mem.low_size = vm->mem.size < SK_VM_MMIO_GAP_START ? vm->mem.size : SK_VM_MMIO_GAP_START;
	reg.slot = 0;
	reg.guest_phys_addr = 0;
	reg.memory_size = vm->mem.low_size;
	reg.userspace_addr = (uintptr_t)vm->mem.host;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_USER_MEMORY_REGION");
	if (vm->mem.size == vm->mem.low_size)
		return 0;
	reg.slot = 1;
	reg.guest_phys_addr = SK_VM_HIGH_START;
	reg.memory_size = vm->mem.size - vm->mem.low_size;
	reg.userspace_addr = (uintptr_t)vm->mem.host + vm->mem.low_size;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_USER_MEMORY_REGION high");
	return 0;
}

/* Kernel, initrd, ACPI tables, boot parameters, page tables; *entry is
 * where the boot vCPU starts. */
static int load_boot(struct vm *vm, const struct sk_vm_opts *o, const char *initrd_path,
		     uint64_t *entry, struct sk_err *e)
{
	_cleanup_free_ char *cmdline = NULL;
	struct sk_vm_kernel_info ki;
	uint64_t initrd = 0, initrd_len = 0, rsdp = 0;
	int r;

	r = sk_vm_load_kernel_file(&vm->mem, o->kernel, &ki, e);
	if (r < 0)
		return r;
	r = sk_vm_load_initrd(&vm->mem, &ki, o, initrd_path, &initrd, &initrd_len, e);
	if (r < 0)
		return r;
	struct sk_vm_acpi_mmio virtio[SK_VM_ACPI_MAX_VIRTIO];
	for (int i = 0; i < vm->nr_virtio; i++)
		virtio[i] = (struct sk_vm_acpi_mmio){ .base = vm->virtio[i]->base,
						      .len = SK_VMMIO_SIZE,
						      .irq = vm->virtio[i]->irq };
	r = sk_vm_acpi_build(&vm->mem, SK_VM_ACPI_ADDR, vm->nr, virtio, vm->nr_virtio, &rsdp, e);
	if (r < 0)
		return r;
	cmdline = sk_vm_cmdline(vm->nr, o->cmdline_extra);
	r = sk_vm_setup_boot_params(&vm->mem, &ki, cmdline, initrd, initrd_len, rsdp, e);
	if (r < 0)
		return r;
	sk_vm_setup_pagetables(&vm->mem);
	sk_debug(o->log, "microvm: %d vCPU, %llu MiB, kernel %s (%s), initrd %llu KiB, cmdline %s",
		 vm->nr, (unsigned long long)(vm->mem.size >> 20), o->kernel,
		 ki.is_elf ? "vmlinux" : "bzImage", (unsigned long long)(initrd_len >> 10), cmdline);
	*entry = ki.entry;
	return 0;
}

int vm_setup(struct vm *vm, const struct sk_vm_opts *o, const char *initrd_path, struct sk_err *e)
{
	uint64_t entry;
	int i, r;

	r = create_vm(vm, e);
	if (r < 0)
		return r;
	r = map_memory(vm, o->share != NULL, e);
	if (r < 0)
		return r;

	if (o->share) {
		int sock = fcntl(o->share->sock, F_DUPFD_CLOEXEC, 3);

		if (sock < 0)
			return sk_err_sys(e, errno, "microvm: virtio-fs socket");
		r = vhost_fs_add(vm, sock, SK_VM_FS_TAG, e);
		if (r < 0)
			return r;
	}
	r = load_boot(vm, o, initrd_path, &entry, e);
	if (r < 0)
		return r;
	for (i = 0; i < vm->nr; i++) {
		r = vcpu_create(&vm->cpus[i], entry, e);
		if (r < 0)
			return r;
	}
	return 0;
}

void vm_report_rss(const struct sk_log *log, const struct vm *vm)
{
	size_t pages = (vm->mem.size + 4095) / 4096, i;
	uint64_t guest = 0, rss = 0;
	unsigned char *vec;
	char line[256];
	FILE *f;

	if (!log || !log->debug || !vm->mem.host)
		return;
	vec = malloc(pages);
	if (vec && mincore(vm->mem.host, vm->mem.size, vec) == 0)
		for (i = 0; i < pages; i++)
			guest += (vec[i] & 1) * 4096ULL;
	free(vec);
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			rss = strtoull(line + 6, NULL, 10) * 1024;
	if (f)
		fclose(f);
	sk_debug(log, "microvm: VMM RSS %llu KiB = guest RAM %llu KiB + own %llu KiB",
		 (unsigned long long)(rss >> 10), (unsigned long long)(guest >> 10),
		 (unsigned long long)((rss - (guest < rss ? guest : rss)) >> 10));
}

void vm_free(struct vm *vm)
{
	int i;

	for (i = 0; i < vm->nr; i++)
		vcpu_free(&vm->cpus[i]);
	free(vm->cpus);
	vhost_fs_free(vm);
	sk_bus_free(&vm->pio);
	sk_bus_free(&vm->mmio);
	if (vm->mem.host)
		munmap(vm->mem.host, vm->mem.size);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	if (vm->evfd >= 0)
		close(vm->evfd);
	if (vm->memfd >= 0)
		close(vm->memfd);
	pthread_mutex_destroy(&vm->lock);
}
