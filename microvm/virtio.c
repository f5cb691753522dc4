/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio.c - a virtio-mmio device in the running VMM: its 4 KiB window
 * on the MMIO bus (the register file of virtio_mmio.c behind a lock),
 * its interrupt line, and the eventfds of its queues tied to KVM: a
 * guest write of queue N to QueueNotify signals kick[N] inside KVM
 * (ioeventfd, no exit to the VMM), and a write to call[N] by whoever
 * serves the queue raises the device's interrupt inside KVM (irqfd).
 * The event loop never sees the data path.
 */
#include "vmm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

static void virtio_io(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	struct virtio_dev *d = opaque;
	enum sk_vmmio_event ev = SK_VMMIO_NONE;
	uint32_t v = 0, arg = 0;
	uint64_t one = 1;
	char why[200];
	int r;

	if (len > 4) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (!is_write) {
		v = sk_vmmio_read(&d->regs, off, len);
		memcpy(data, &v, len);
		pthread_mutex_unlock(&d->lock);
		return;
	}
	memcpy(&v, data, len);
	ev = sk_vmmio_write(&d->regs, off, v, len, &arg);
	switch (ev) {
	case SK_VMMIO_DRIVER_OK:
		why[0] = 0;
		r = d->ops->start(d, why, sizeof(why));
		if (r < 0) {
			d->regs.status |= SK_VIRTIO_S_FAILED;
			pthread_mutex_unlock(&d->lock);
			vm_end(d->vm, END_ERROR, 255, why);
			return;
		}
		d->started = true;
		break;
	case SK_VMMIO_RESET:
		if (d->started && d->ops->reset)
			d->ops->reset(d);
		d->started = false;
		break;
	case SK_VMMIO_NOTIFY:
		/* only when the ioeventfd did not take it (another width) */
		if (write(d->kick[arg], &one, sizeof(one)) < 0) {
			/* the counter cannot overflow here */
		}
		break;
	case SK_VMMIO_NONE:
		break;
	}
	pthread_mutex_unlock(&d->lock);
}

int virtio_dev_add(struct vm *vm, struct virtio_dev *d, const char *name,
		   const struct virtio_ops *ops, struct sk_err *e)
{
	int slot = vm->nr_virtio;
	unsigned i;

	if (slot >= SK_VM_ACPI_MAX_VIRTIO)
		return sk_err_set(e, ENOSPC, "microvm: %s: no virtio-mmio slot left", name);
	d->vm = vm;
	d->name = name;
	d->ops = ops;
	d->base = SK_VM_VIRTIO_BASE + (uint64_t)slot * SK_VMMIO_SIZE;
	d->irq = SK_VM_VIRTIO_IRQ + slot;
	for (i = 0; i < SK_VIRTIO_MAX_QUEUES; i++)
		d->kick[i] = d->call[i] = -1;
	pthread_mutex_init(&d->lock, NULL);
	vm->virtio[vm->nr_virtio++] = d;
	for (i = 0; i < d->regs.nq; i++) {
		struct kvm_ioeventfd io = {
			.datamatch = i,
			.addr = d->base + SK_VMMIO_QUEUE_NOTIFY,
			.len = 4,
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};
		struct kvm_irqfd irq = { .gsi = d->irq };

		d->kick[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		d->call[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->kick[i] < 0 || d->call[i] < 0)
			return sk_err_sys(e, errno, "microvm: %s: eventfd", name);
		io.fd = d->kick[i];
		if (ioctl(vm->fd, KVM_IOEVENTFD, &io) < 0)
			return sk_err_sys(e, errno, "microvm: %s: KVM_IOEVENTFD", name);
		irq.fd = d->call[i];
		if (ioctl(vm->fd, KVM_IRQFD, &irq) < 0)
			return sk_err_sys(e, errno, "microvm: %s: KVM_IRQFD", name);
	}
	return sk_bus_register(&vm->mmio, d->base, SK_VMMIO_SIZE, name, virtio_io, d, e);
}

void virtio_dev_free(struct virtio_dev *d)
{
	unsigned i;

	if (!d->vm)
		return;
	for (i = 0; i < SK_VIRTIO_MAX_QUEUES; i++) {
		if (d->kick[i] >= 0)
			close(d->kick[i]);
		if (d->call[i] >= 0)
			close(d->call[i]);
	}
	pthread_mutex_destroy(&d->lock);
	d->vm = NULL;
}
