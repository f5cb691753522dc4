/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmm.c - the KVM virtual machine: memory, in-kernel irqchip, vCPU
 * threads pinned to the cpuset, exits dispatched to the devices on the
 * port and MMIO buses, and the main thread's event loop relaying stdin,
 * signals and the timeout.
 */
#include "vmm.h"

#include <asm/bootparam.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <time.h>

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

static void *vcpu_thread(void *arg)
{
	struct vcpu *c = arg;
	struct vm *vm = c->vm;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, VCPU_KICK_SIG);
	pthread_sigmask(SIG_UNBLOCK, &ss, NULL);
	while (!atomic_load(&vm->done)) {
		int r = ioctl(c->fd, KVM_RUN, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			char msg[128];
			snprintf(msg, sizeof(msg), "KVM_RUN on vCPU %d failed: %s", c->idx,
				 strerror(errno));
			vm_end(vm, END_ERROR, 255, msg);
			break;
		}
		struct kvm_run *run = c->run;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			uint8_t *d = (uint8_t *)run + run->io.data_offset;
			for (unsigned i = 0; i < run->io.count; i++, d += run->io.size)
				sk_bus_access(&vm->pio, run->io.port,
					      run->io.direction == KVM_EXIT_IO_OUT, d, run->io.size);
			break;
		}
		case KVM_EXIT_MMIO:
			sk_bus_access(&vm->mmio, run->mmio.phys_addr, run->mmio.is_write,
				      run->mmio.data, run->mmio.len);
			break;
		case KVM_EXIT_HLT:
			vm_end(vm, END_SHUTDOWN, 255, "guest halted");
			break;
		case KVM_EXIT_SHUTDOWN:
			vm_end(vm, END_SHUTDOWN, 255,
			       "guest kernel panicked or triple-faulted (shutdown)");
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			vm_end(vm, END_SHUTDOWN, 255,
			       run->system_event.type == KVM_SYSTEM_EVENT_RESET
				       ? "guest kernel panicked (reset)"
				       : "guest powered off without an exit status");
			break;
		case KVM_EXIT_INTR:
			break;
		case KVM_EXIT_FAIL_ENTRY: {
			char msg[128];
			snprintf(msg, sizeof(msg), "vCPU %d entry failed (reason 0x%llx)", c->idx,
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			vm_end(vm, END_ERROR, 255, msg);
			break;
		}
		case KVM_EXIT_INTERNAL_ERROR: {
			char msg[128];
			snprintf(msg, sizeof(msg), "KVM internal error %u on vCPU %d",
				 run->internal.suberror, c->idx);
			vm_end(vm, END_ERROR, 255, msg);
			break;
		}
		default: {
			char msg[128];
			snprintf(msg, sizeof(msg), "unexpected KVM exit %u on vCPU %d",
				 run->exit_reason, c->idx);
			vm_end(vm, END_ERROR, 255, msg);
			break;
		}
		}
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void kick_handler(int sig)
{
	(void)sig;
}

/* Stop and join the vCPU threads.  immediate_exit makes a KVM_RUN entered
 * after the kick return at once; the kick (no SA_RESTART) ends a KVM_RUN
 * under way or a blocked output write.  Kicked again every 100 ms in case
 * one landed before the thread blocked.  -ETIMEDOUT if a thread is still
 * there after 10 s (the host kernel does not give the vCPU back): the
 * caller must then end the process, the thread still uses this VM. */
static int stop_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->nr; i++)
		if (vm->cpus[i].started)
			vm->cpus[i].run->immediate_exit = 1;
	for (int i = 0; i < vm->nr; i++) {
		struct vcpu *c = &vm->cpus[i];
		for (int tries = 0; c->started; tries++) {
			if (tries == 100)
				return -ETIMEDOUT;
			pthread_kill(c->th, VCPU_KICK_SIG);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000 * 1000 * 1000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000 * 1000 * 1000;
			}
			if (pthread_timedjoin_np(c->th, NULL, &ts) == 0)
				c->started = false;
		}
	}
	return 0;
}

/* ------------------------------------------------------------- setup */

static int setup_cpuid(struct vm *vm, struct vcpu *c, struct sk_err *e)
{
	int n = 128;
	_cleanup_free_ struct kvm_cpuid2 *cp = NULL;
	for (;;) {
		free(cp);
		cp = sk_xcalloc(1, sizeof(*cp) + n * sizeof(cp->entries[0]));
		cp->nent = n;
		if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, cp) == 0)
			break;
		if (errno != E2BIG || n > 4096)
			return sk_err_sys(e, errno, "microvm: KVM_GET_SUPPORTED_CPUID");
		n *= 2;
	}
	for (unsigned i = 0; i < cp->nent; i++) {
		struct kvm_cpuid_entry2 *en = &cp->entries[i];
		switch (en->function) {
		case 1:
			en->ecx |= 1u << 31; /* hypervisor */
			en->ecx |= 1u << 24; /* TSC deadline timer */
			en->ebx = (en->ebx & 0x0000ffff) | ((uint32_t)vm->nr << 16) |
				  ((uint32_t)c->idx << 24);
			if (vm->nr > 1)
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

static int map_file(const char *path, void **p, size_t *len, struct sk_err *e)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_err_sys(e, errno, "microvm: open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sk_err_sys(e, errno, "microvm: stat %s", path);
	if (st.st_size == 0)
		return sk_err_set(e, ENOEXEC, "microvm: %s is empty", path);
	*len = st.st_size;
	*p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (*p == MAP_FAILED)
		return sk_err_sys(e, errno, "microvm: mmap %s", path);
	return 0;
}

int sk_vm_initrd_extra(const struct oci_config *cfg, struct sk_cpio *c, struct sk_err *e)
{
	_cleanup_free_ char *shim = NULL, *desc = NULL;
	size_t shim_len, desc_len;
	int r = sk_vm_shim(&shim, &shim_len, e);
	if (r < 0)
		return r;
	r = sk_vm_procdesc(cfg, &desc, &desc_len, e);
	if (r < 0)
		return r;
	sk_cpio_init(c, -1);
	sk_cpio_add(c, "dev", S_IFDIR | 0755, 0, 0, 0, 0, 0, NULL, 0);
	sk_cpio_add(c, "dev/console", S_IFCHR | 0600, 0, 0, 5, 1, 0, NULL, 0);
	sk_cpio_add(c, ".skiff", S_IFDIR | 0700, 0, 0, 0, 0, 0, NULL, 0);
	sk_cpio_add(c, ".skiff/init", S_IFREG | 0700, 0, 0, 0, 0, 0, shim, shim_len);
	sk_cpio_add(c, ".skiff/process", S_IFREG | 0600, 0, 0, 0, 0, 0, desc, desc_len);
	sk_cpio_finish(c);
	return 0;
}

static int add_initrd(struct vm *vm, const struct sk_vm_opts *o, const char *initrd_path,
		      struct sk_vm_kernel_info *ki, uint64_t *addr, uint64_t *len,
		      struct sk_err *e)
{
	/* The rootfs archive (cached) then the shim + process description. */
	struct sk_cpio c;
	int r = sk_vm_initrd_extra(o->cfg, &c, e);
	if (r < 0)
		return r;

	_cleanup_close_ int fd = -1;
	uint64_t flen = 0;
	if (initrd_path) {
		fd = open(initrd_path, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			free(c.buf);
			return sk_err_sys(e, errno, "microvm: initramfs %s", initrd_path);
		}
		flen = ((uint64_t)st.st_size + 3) & ~3ULL;
	}
	*len = flen + c.len;
	*addr = sk_vm_initrd_addr(&vm->mem, ki, *len);
	uint8_t *dst = *addr ? sk_vm_gpa(&vm->mem, *addr, *len) : NULL;
	if (!dst) {
		free(c.buf);
		return sk_err_set(e, ENOMEM,
				  "microvm: initramfs of %llu MiB does not fit in %llu MiB of guest memory",
				  (unsigned long long)(*len >> 20),
				  (unsigned long long)(vm->mem.size >> 20));
	}
	uint64_t done = 0;
	while (fd >= 0 && done < flen) {
		ssize_t n = pread(fd, dst + done, flen - done, done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(c.buf);
			return sk_err_sys(e, errno, "microvm: read %s", initrd_path);
		}
		if (n == 0)
			break; /* zero padding to the 4-byte boundary is already there */
		done += n;
	}
	memcpy(dst + flen, c.buf, c.len);
	free(c.buf);
	return 0;
}

/* Debug: the VMM's own resident memory beside the guest's. */
static void report_rss(const struct sk_log *log, const struct vm *vm)
{
	if (!log || !log->debug || !vm->mem.host)
		return;
	size_t pages = (vm->mem.size + 4095) / 4096;
	unsigned char *vec = malloc(pages);
	uint64_t guest = 0, rss = 0;
	if (vec && mincore(vm->mem.host, vm->mem.size, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			guest += (vec[i] & 1) * 4096ULL;
	free(vec);
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			rss = strtoull(line + 6, NULL, 10) * 1024;
	if (f)
		fclose(f);
	sk_debug(log, "microvm: VMM RSS %llu KiB = guest RAM %llu KiB + own %llu KiB",
		 (unsigned long long)(rss >> 10), (unsigned long long)(guest >> 10),
		 (unsigned long long)((rss - (guest < rss ? guest : rss)) >> 10));
}

static void vm_free(struct vm *vm)
{
	for (int i = 0; i < vm->nr; i++) {
		if (vm->cpus[i].run && vm->cpus[i].run != MAP_FAILED)
			munmap(vm->cpus[i].run, vm->run_size);
		if (vm->cpus[i].fd >= 0)
			close(vm->cpus[i].fd);
	}
	free(vm->cpus);
	sk_bus_free(&vm->pio);
	sk_bus_free(&vm->mmio);
	if (vm->mem.host && vm->mem.host != MAP_FAILED)
		munmap(vm->mem.host, vm->mem.size);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm >= 0)
		close(vm->kvm);
	if (vm->evfd >= 0)
		close(vm->evfd);
	pthread_mutex_destroy(&vm->lock);
}

static int vm_setup(struct vm *vm, const struct sk_vm_opts *o, const char *initrd_path,
		    struct sk_err *e)
{
	int r;
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return sk_err_sys(e, errno, "microvm: open /dev/kvm");
	if (ioctl(vm->kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return sk_err_set(e, ENOTSUP, "microvm: unsupported KVM API version");
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return sk_err_sys(e, errno, "microvm: KVM_CREATE_VM");
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_TSS_ADDR");
	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_CREATE_IRQCHIP");
	int mmap_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0)
		return sk_err_sys(e, errno, "microvm: KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = mmap_size;

	/* Guest RAM. */
	vm->mem.host = mmap(NULL, vm->mem.size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem.host == MAP_FAILED) {
		vm->mem.host = NULL;
		return sk_err_sys(e, errno, "microvm: cannot map %llu MiB of guest memory",
				  (unsigned long long)(vm->mem.size >> 20));
	}
	madvise(vm->mem.host, vm->mem.size, MADV_HUGEPAGE);
	vm->mem.low_size =
		vm->mem.size < SK_VM_MMIO_GAP_START ? vm->mem.size : SK_VM_MMIO_GAP_START;
	struct kvm_userspace_memory_region reg = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = vm->mem.low_size,
		.userspace_addr = (uintptr_t)vm->mem.host,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
		return sk_err_sys(e, errno, "microvm: KVM_SET_USER_MEMORY_REGION");
	if (vm->mem.size > vm->mem.low_size) {
		reg.slot = 1;
		reg.guest_phys_addr = SK_VM_HIGH_START;
		reg.memory_size = vm->mem.size - vm->mem.low_size;
		reg.userspace_addr = (uintptr_t)vm->mem.host + vm->mem.low_size;
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
			return sk_err_sys(e, errno, "microvm: KVM_SET_USER_MEMORY_REGION high");
	}

	/* Kernel, initrd, boot parameters, ACPI. */
	void *img = NULL;
	size_t img_len = 0;
	r = map_file(o->kernel, &img, &img_len, e);
	if (r < 0)
		return r;
	struct sk_vm_kernel_info ki;
	r = sk_vm_load_kernel(&vm->mem, img, img_len, &ki, e);
	munmap(img, img_len);
	if (r < 0)
		return sk_err_prefix(e, "%s", o->kernel);
	uint64_t initrd = 0, initrd_len = 0;
	r = add_initrd(vm, o, initrd_path, &ki, &initrd, &initrd_len, e);
	if (r < 0)
		return r;
	uint64_t rsdp = 0;
	{
		r = sk_vm_acpi_build(&vm->mem, SK_VM_ACPI_ADDR, vm->nr, &rsdp, e);
		if (r < 0)
			return r;
	}
	_cleanup_free_ char *cmdline = sk_vm_cmdline(vm->nr, o->cmdline_extra);
	r = sk_vm_setup_boot_params(&vm->mem, &ki, cmdline, initrd, initrd_len, rsdp, e);
	if (r < 0)
		return r;
	sk_vm_setup_pagetables(&vm->mem);
	sk_debug(o->log, "microvm: %d vCPU, %llu MiB, kernel %s (%s), initrd %llu KiB, cmdline %s",
		 vm->nr, (unsigned long long)(vm->mem.size >> 20), o->kernel,
		 ki.is_elf ? "vmlinux" : "bzImage", (unsigned long long)(initrd_len >> 10),
		 cmdline);

	/* vCPUs. */
	for (int i = 0; i < vm->nr; i++) {
		struct vcpu *c = &vm->cpus[i];
		c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, i);
		if (c->fd < 0)
			return sk_err_sys(e, errno, "microvm: KVM_CREATE_VCPU %d", i);
		fcntl(c->fd, F_SETFD, FD_CLOEXEC);
		c->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
		if (c->run == MAP_FAILED) {
			c->run = NULL;
			return sk_err_sys(e, errno, "microvm: mmap vCPU %d", i);
		}
		r = setup_cpuid(vm, c, e);
		if (r < 0)
			return r;
		if (i == 0) {
			struct kvm_sregs sregs;
			struct kvm_regs regs;
			if (ioctl(c->fd, KVM_GET_SREGS, &sregs) < 0)
				return sk_err_sys(e, errno, "microvm: KVM_GET_SREGS");
			sk_vm_setup_sregs(&sregs);
			if (ioctl(c->fd, KVM_SET_SREGS, &sregs) < 0)
				return sk_err_sys(e, errno, "microvm: KVM_SET_SREGS");
			sk_vm_setup_regs(&regs, ki.entry);
			if (ioctl(c->fd, KVM_SET_REGS, &regs) < 0)
				return sk_err_sys(e, errno, "microvm: KVM_SET_REGS");
		}
	}
	return 0;
}

/* ------------------------------------------------------------- run */

static void send_ctl(struct vm *vm, uint8_t b)
{
	pthread_mutex_lock(&vm->lock);
	serial_rx_push(&vm->com[1], &b, 1);
	pthread_mutex_unlock(&vm->lock);
}

static int event_loop(struct vm *vm, const struct sk_vm_opts *o, int sfd, int tfd)
{
	bool in_open = fcntl(0, F_GETFD) >= 0;
	bool eof_pending = !in_open, eof_sent = false;
	uint64_t sig_pending = 0; /* signals that came before the shim was ready */
	while (!atomic_load(&vm->done)) {
		pthread_mutex_lock(&vm->lock);
		bool ready = vm->ready;
		pthread_mutex_unlock(&vm->lock);
		for (int s = 1; ready && sig_pending && s <= 64; s++) {
			if (sig_pending & (1ULL << (s - 1))) {
				send_ctl(vm, (uint8_t)s);
				sig_pending &= ~(1ULL << (s - 1));
			}
		}
		struct pollfd p[4] = {
			{ .fd = vm->evfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
		};
		bool room = false;
		pthread_mutex_lock(&vm->lock);
		if (in_open && ready) {
			room = sk_uart_rx_room(&vm->com[0].uart) > 0;
			if (!room)
				vm->com[0].rx_wait = true;
		}
		if (eof_pending && !eof_sent && ready) {
			if (vm->com[0].uart.rx_len == 0) {
				pthread_mutex_unlock(&vm->lock);
				send_ctl(vm, SK_VM_CTL_EOF);
				eof_sent = true;
				pthread_mutex_lock(&vm->lock);
			} else {
				vm->com[0].rx_wait = true;
			}
		}
		pthread_mutex_unlock(&vm->lock);
		if (in_open && room)
			p[3].fd = 0;
		int n = poll(p, 4, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (p[0].revents) {
			uint64_t v;
			if (read(vm->evfd, &v, sizeof(v)) < 0) {
				/* spurious */
			}
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				sk_debug(o->log, "microvm: forwarding signal %u", si.ssi_signo);
				if (ready)
					send_ctl(vm, (uint8_t)si.ssi_signo);
				else if (si.ssi_signo >= 1 && si.ssi_signo <= 64)
					sig_pending |= 1ULL << (si.ssi_signo - 1);
			}
		}
		if (p[2].revents) {
			char msg[96];
			snprintf(msg, sizeof(msg), "timeout after %d s", o->timeout_s);
			vm_end(vm, END_TIMEOUT, 255, msg);
		}
		if (p[3].revents) {
			uint8_t buf[SK_UART_RXBUF];
			pthread_mutex_lock(&vm->lock);
			size_t room_now = sk_uart_rx_room(&vm->com[0].uart);
			pthread_mutex_unlock(&vm->lock);
			ssize_t r = read(0, buf, room_now);
			if (r <= 0 && !(r < 0 && (errno == EINTR || errno == EAGAIN))) {
				in_open = false;
				eof_pending = true;
			} else if (r > 0) {
				pthread_mutex_lock(&vm->lock);
				serial_rx_push(&vm->com[0], buf, r);
				pthread_mutex_unlock(&vm->lock);
			}
		}
	}
	return 0;
}

static int vcpus_from_opts(const struct sk_vm_opts *o, int *cpus, int *ncpus, struct sk_err *e)
{
	int64_t quota = 0;
	uint64_t period = 0;
	const char *cpuset = o->cpuset;
	if (o->cfg) {
		const struct oci_resources *res = &o->cfg->lnx.resources;
		if (res->cpu.quota.set)
			quota = res->cpu.quota.v;
		period = res->cpu.period.set ? res->cpu.period.v : 100000;
		if (!cpuset)
			cpuset = res->cpu.cpus;
	}
	int n = 1;
	int count = sk_vm_vcpus_from(cpuset, quota, period, &n, cpus, e);
	if (count < 0)
		return count;
	*ncpus = count;
	if (o->nr_vcpus > 0)
		n = o->nr_vcpus;
	return n;
}

int sk_vm_run(const struct sk_vm_opts *o, const char *initrd_path, int *exit_status,
	      struct sk_err *e)
{
	int cpus[256];
	int ncpus = 0;
	_cleanup_close_ int sfd = -1, tfd = -1;
	int nr = vcpus_from_opts(o, cpus, &ncpus, e);
	if (nr < 0)
		return nr;
	if (nr > 254)
		return sk_err_set(e, EINVAL, "microvm: %d vCPUs: at most 254", nr);

	uint64_t initrd_size = 0;
	struct stat st;
	if (initrd_path && stat(initrd_path, &st) == 0)
		initrd_size = st.st_size;
	struct vm vm = { .kvm = -1, .fd = -1, .evfd = -1, .nr = nr, .pio = { .kind = "port" },
			 .mmio = { .kind = "MMIO" } };
	double t0 = now_s(), t_setup = 0, t_end = 0;
	uint64_t limit = o->mem_limit ? o->mem_limit : sk_vm_cgroup_mem_limit();
	int r = sk_vm_guest_mem(limit, initrd_size, &vm.mem.size, e);
	if (r < 0)
		return r;
	pthread_mutex_init(&vm.lock, NULL);
	vm.cpus = sk_xcalloc(nr, sizeof(*vm.cpus));
	for (int i = 0; i < nr; i++) {
		vm.cpus[i].fd = -1;
		vm.cpus[i].idx = i;
		vm.cpus[i].vm = &vm;
		vm.cpus[i].cpu = ncpus ? cpus[i % ncpus] : -1;
	}
	vm.evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm.evfd < 0) {
		r = sk_err_sys(e, errno, "microvm: eventfd");
		goto out;
	}
	if ((r = serial_init(&vm.com[0], &vm, "ttyS0", SK_VM_COM1, 4, 1, e)) < 0 ||
	    (r = serial_init(&vm.com[1], &vm, "ttyS1", SK_VM_COM2, 3, 2, e)) < 0 ||
	    (r = shimport_init(&vm, e)) < 0 || (r = cmos_init(&vm, e)) < 0)
		goto out;
	r = vm_setup(&vm, o, initrd_path, e);
	if (r < 0)
		goto out;
	t_setup = now_s();

	/* Signals: every forwardable one through a signalfd (what `run`
	 * forwards to us goes on to the guest's process, as runc's
	 * forwarding does), the kick one for vCPUs.  Not forwarded: the
	 * synchronous ones, SIGCHLD, SIGPIPE (ours) and SIGWINCH (the
	 * terminal's size is not passed to the guest). */
	sigset_t fwd, old;
	sigfillset(&fwd);
	static const int not_fwd[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				       SIGTRAP, SIGSYS, SIGCHLD, SIGPIPE, SIGWINCH };
	for (size_t i = 0; i < sizeof(not_fwd) / sizeof(not_fwd[0]); i++)
		sigdelset(&fwd, not_fwd[i]);
	sigaddset(&fwd, VCPU_KICK_SIG);
	pthread_sigmask(SIG_BLOCK, &fwd, &old);
	sigdelset(&fwd, VCPU_KICK_SIG);
	struct sigaction sa = { .sa_handler = kick_handler }, old_sa, old_pipe;
	sigaction(VCPU_KICK_SIG, &sa, &old_sa);
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &ign, &old_pipe);
	sfd = signalfd(-1, &fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	int timeout = o->timeout_s;
	if (!timeout) {
		const char *t = sk_vm_annotation(o->cfg, "org.skiff.vm.timeout");
		uint64_t v;
		if (t && sk_parse_u64(t, &v) == 0 && v < INT32_MAX)
			timeout = (int)v;
	}
	if (tfd >= 0 && timeout > 0) {
		struct itimerspec its = { .it_value = { .tv_sec = timeout } };
		timerfd_settime(tfd, 0, &its, NULL);
	}
	struct termios saved_tio;
	bool raw = o->tty && isatty(0) && tcgetattr(0, &saved_tio) == 0;
	if (raw) {
		struct termios t = saved_tio;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	}

	for (int i = 0; i < nr; i++) {
		struct vcpu *c = &vm.cpus[i];
		if (pthread_create(&c->th, NULL, vcpu_thread, c) != 0) {
			vm_end(&vm, END_ERROR, 255, "cannot create a vCPU thread");
			break;
		}
		c->started = true;
		if (c->cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(c->cpu, &set);
			if (pthread_setaffinity_np(c->th, sizeof(set), &set) != 0)
				sk_debug(o->log, "microvm: cannot pin vCPU %d to CPU %d", i, c->cpu);
		}
	}
	if (o->seccomp) {
		struct sk_err se;
		if (sk_vm_seccomp(&se) < 0) {
			vm_end(&vm, END_ERROR, 255, se.msg);
		}
	}
	event_loop(&vm, o, sfd, tfd);
	t_end = now_s();

	int stopped = stop_vcpus(&vm);
	if (raw)
		tcsetattr(0, TCSANOW, &saved_tio);
	if (stopped < 0) {
		static const char msg[] = "skiff: microvm: a vCPU thread does not stop\n";
		if (sk_write_all(2, msg, sizeof(msg) - 1) < 0) {
			/* stderr gone */
		}
		_exit(255);
	}
	/* Signals that came after the guest ended must not kill us now. */
	struct signalfd_siginfo drain;
	while (sfd >= 0 && read(sfd, &drain, sizeof(drain)) == sizeof(drain)) {
	}
	sigaction(VCPU_KICK_SIG, &old_sa, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	*exit_status = vm.status;
	if (vm.end != END_EXIT) {
		char line[400];
		int l = snprintf(line, sizeof(line), "skiff: microvm: %s\n",
				 vm.why[0] ? vm.why : "guest ended");
		if (sk_write_all(2, line, l < (int)sizeof(line) ? l : (int)sizeof(line) - 1) < 0) {
			/* stderr gone */
		}
		*exit_status = 255;
	}
	r = 0;
out:
	report_rss(o->log, &vm);
	vm_free(&vm);
	if (t_end > 0)
		sk_debug(o->log, "microvm: setup %.3f s, guest %.3f s, teardown %.3f s",
			 t_setup - t0, t_end - t_setup, now_s() - t_end);
	return r;
}
