/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * shimport.c - the two ports the guest's shim (guest/init.c) talks
 * through: a byte written to SK_VM_EXIT_PORT is the process's exit status
 * and ends the VM; a write to SK_VM_READY_PORT says the shim has opened
 * its ttys, so that the event loop starts sending input and signals.
 */
#include "vmm.h"

#include <string.h>

static void exit_io(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	struct vm *vm = opaque;

	if (is_write)
		vm_end(vm, END_EXIT, data[0], NULL);
	else
		memset(data, 0, len);
}

static void ready_io(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	struct vm *vm = opaque;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&vm->lock);
	vm->ready = true;
	pthread_mutex_unlock(&vm->lock);
	vm_wake(vm);
}

int shimport_init(struct vm *vm, struct sk_err *e)
{
	int r = sk_bus_register(&vm->pio, SK_VM_EXIT_PORT, 1, "exit port", exit_io, vm, e);

	if (r < 0)
		return r;
	return sk_bus_register(&vm->pio, SK_VM_READY_PORT, 1, "ready port", ready_io, vm, e);
}
