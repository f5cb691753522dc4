/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmm.h - the running VMM, shared by its files: the machine (vm.c), its
 * vCPU threads (vcpu.c), the devices on its I/O buses (serial.c,
 * shimport.c, cmos.c; virtio-mmio devices through virtio.c: vhost_fs.c)
 * and the host event loop (loop.c).
 *
 * Threads: each vCPU thread runs KVM_RUN and the device accesses of its
 * exits; the main thread runs the event loop.  vm->lock guards the
 * devices' state, vm->ready and the end state; a virtio device's
 * register file has a lock of its own.  A vhost-user backend serves its
 * queues in its own process, signalled through KVM (ioeventfd, irqfd).
 */
#ifndef SKIFF_MICROVM_VMM_H
#define SKIFF_MICROVM_VMM_H

#include "internal.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

/* Sent to a vCPU thread to end its KVM_RUN or a blocked output write. */
#define VCPU_KICK_SIG (SIGRTMIN + 1)

enum vm_end { END_NONE, END_EXIT, END_SHUTDOWN, END_TIMEOUT, END_ERROR };

struct vm;
struct kvm_run;

struct vcpu {
	struct vm *vm;
	int idx, fd;
	int cpu; /* host CPU it is pinned to, -1: none */
	struct kvm_run *run;
	pthread_t th;
	bool started;
};

/* A 16550A UART on the port bus (serial.c). */
struct serial {
	struct vm *vm;
	struct sk_uart uart;
	int irq;
	int out_fd;   /* what the guest sends goes there */
	bool rx_wait; /* the event loop waits for the guest to read */
};

/* A virtio-mmio device on the MMIO bus (virtio.c): its register file, a
 * kick eventfd per queue (KVM writes it when the guest notifies the
 * queue: ioeventfd) and a call eventfd per queue (written by the device's
 * backend, KVM raises the device's interrupt: irqfd).  The device itself
 * (vhost_fs.c, ...) acts through @ops. */
struct virtio_dev;
struct virtio_ops {
	/* DRIVER_OK: start the queues; -errno fails the device (and the VM) */
	int (*start)(struct virtio_dev *d, char *why, size_t why_len);
	/* the driver reset a started device */
	void (*reset)(struct virtio_dev *d);
};
struct virtio_dev {
	struct vm *vm;
	const char *name;
	uint64_t base;
	int irq;
	pthread_mutex_t lock; /* the register file */
	struct sk_vmmio regs;
	int kick[SK_VIRTIO_MAX_QUEUES], call[SK_VIRTIO_MAX_QUEUES];
	const struct virtio_ops *ops;
	bool started;
};

/* virtio-fs with a vhost-user backend (vhost_fs.c). */
struct vhost_fs {
	struct virtio_dev dev;
	int sock;			     /* vhost-user, connected */
	uint64_t backend_features, protocol; /* what the backend offers */
	struct {
		char tag[36];
		uint32_t num_request_queues;
	} __attribute__((packed)) config;
};

struct vm {
	int kvm, fd;
	int memfd; /* guest RAM: shared with vhost-user backends */
	int evfd;  /* wakes the event loop */
	size_t run_size;
	struct sk_vm_mem mem;
	struct vcpu *cpus;
	int nr;
	struct sk_bus pio, mmio;
	pthread_mutex_t lock; /* devices, ready, end state */
	struct serial com[2]; /* ttyS0: stdin, stdout; ttyS1: stderr, control */
	/* virtio-mmio slot i: window SK_VM_VIRTIO_BASE + i * 4 KiB, GSI
	 * SK_VM_VIRTIO_IRQ + i */
	struct virtio_dev *virtio[SK_VM_ACPI_MAX_VIRTIO];
	int nr_virtio;
	struct vhost_fs *fs; /* the rootfs, when shared through virtio-fs */
	bool ready;	     /* the shim has opened its ttys */
	atomic_bool done;
	enum vm_end end;
	int status;
	char why[256];
};

/* ---- the machine (vm.c) */
/* Fields, vCPU slots (vCPU i pinned to cpus[i % ncpus] if ncpus), the
 * devices.  vm_free is due afterwards, even if this fails. */
__must_check int vm_init(struct vm *vm, int nr, const int *cpus, int ncpus, uint64_t mem_size,
			 struct sk_err *e);
/* The KVM VM, its memory, the boot image (o->kernel, @initrd_path and the
 * per-run archive), the vCPUs. */
__must_check int vm_setup(struct vm *vm, const struct sk_vm_opts *o, const char *initrd_path,
			  struct sk_err *e);
void vm_free(struct vm *vm);
/* Debug: the VMM's own resident memory beside the guest's. */
void vm_report_rss(const struct sk_log *log, const struct vm *vm);
/* Record how the VM ended (the first call wins) and stop the vCPUs' loops. */
void vm_end(struct vm *vm, enum vm_end end, int status, const char *why);
/* Wake the event loop. */
void vm_wake(struct vm *vm);
/* Raise and lower an interrupt line of the in-kernel irqchip. */
void vm_irq_pulse(struct vm *vm, int irq);

/* ---- vCPUs (vcpu.c) */
/* KVM_CREATE_VCPU, CPUID; vCPU 0 gets the boot registers for @entry. */
__must_check int vcpu_create(struct vcpu *c, uint64_t entry, struct sk_err *e);
void vcpu_free(struct vcpu *c);
/* A thread per vCPU, pinned to its CPU; one that cannot be created ends
 * the VM. */
void vcpu_start_all(struct vm *vm, const struct sk_log *log);
/* Stop and join the vCPU threads.  immediate_exit makes a KVM_RUN entered
 * after the kick return at once; the kick (no SA_RESTART) ends a KVM_RUN
 * under way or a blocked output write.  Kicked again every 100 ms in case
 * one landed before the thread blocked.  -ETIMEDOUT if a thread is still
 * there after 10 s (the host kernel does not give the vCPU back): the
 * caller must then end the process, the thread still uses this VM. */
int vcpu_stop_all(struct vm *vm);

/* ---- devices: each registers its ports on vm->pio */
/* 8 ports at @base, interrupt @irq; bytes the guest sends go to @out_fd. */
__must_check int serial_init(struct serial *s, struct vm *vm, const char *name, uint16_t base,
			     int irq, int out_fd, struct sk_err *e);
/* Queue bytes for the guest to read, raising the interrupt; returns how
 * many fitted.  Called with vm->lock held. */
size_t serial_rx_push(struct serial *s, const uint8_t *buf, size_t len);
/* The shim's ports: SK_VM_EXIT_PORT (exit status) and SK_VM_READY_PORT. */
__must_check int shimport_init(struct vm *vm, struct sk_err *e);
/* The CMOS/RTC ports 0x70-0x71, a stub. */
__must_check int cmos_init(struct vm *vm, struct sk_err *e);

/* ---- virtio-mmio devices (virtio.c): after the KVM VM exists.  Takes
 * the next slot (window, IRQ), makes the eventfds, ties them to KVM
 * (ioeventfd on QueueNotify per queue, irqfd per queue) and registers
 * the window on vm->mmio.  virtio_dev_free closes the eventfds. */
#define SK_VM_VIRTIO_BASE 0xd0000000ULL
#define SK_VM_VIRTIO_IRQ 5
__must_check int virtio_dev_add(struct vm *vm, struct virtio_dev *d, const char *name,
				const struct virtio_ops *ops, struct sk_err *e);
void virtio_dev_free(struct virtio_dev *d);

/* ---- virtio-fs over vhost-user (vhost_fs.c): @sock is connected to the
 * backend (virtiofsd); the handshake (features, owner) is done here, the
 * memory table and the rings when the guest's driver is ready.  Owns
 * @sock from then on. */
__must_check int vhost_fs_add(struct vm *vm, int sock, const char *tag, struct sk_err *e);
void vhost_fs_free(struct vm *vm);

#endif
