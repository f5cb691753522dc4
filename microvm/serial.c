/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * serial.c - a 16550A UART (the model in uart.c) on the port bus: the
 * guest's register accesses, its interrupt line on the in-kernel irqchip,
 * and the bytes it sends, written out to a host fd.
 */
#include "vmm.h"

#include <errno.h>
#include <string.h>

/* Pulse the line when an access raised the interrupt (called with
 * vm->lock held; @before: it was pending before the access). */
static void serial_irq(struct serial *s, bool before)
{
	if (sk_uart_irq(&s->uart) && !before)
		vm_irq_pulse(s->vm, s->irq);
}

/* A byte the guest sent, out to our stdout/stderr.  Written without
 * vm->lock held, so a reader that stops reading blocks this vCPU alone,
 * never the main loop (timeout, signals); the kick at the end interrupts
 * the write (EINTR) and it is dropped then.  The order of bytes holds:
 * the guest's driver sends one byte after the other's OUT returned. */
static void emit(struct serial *s, uint8_t b)
{
	while (write(s->out_fd, &b, 1) < 0 && errno == EINTR && !atomic_load(&s->vm->done)) {
	}
}

static void serial_io(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	struct serial *s = opaque;
	struct vm *vm = s->vm;
	bool before, send = false;
	uint8_t tx;

	if (len != 1) {
		/* not a register access: nothing there */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&vm->lock);
	before = sk_uart_irq(&s->uart);
	if (is_write) {
		send = sk_uart_write(&s->uart, off, *data, &tx) == 1;
		/* A THR or IER write can make a fresh THRE interrupt. */
		if ((off == 0 || off == 1) && !(s->uart.lcr & 0x80))
			before = false;
	} else {
		*data = sk_uart_read(&s->uart, off);
		if (off == 0 && s->rx_wait && s->uart.rx_len == 0) {
			s->rx_wait = false;
			vm_wake(vm);
		}
	}
	serial_irq(s, before);
	pthread_mutex_unlock(&vm->lock);
	if (send)
		emit(s, tx);
}

size_t serial_rx_push(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t n = sk_uart_rx_push(&s->uart, buf, len);

	serial_irq(s, false);
	return n;
}

int serial_init(struct serial *s, struct vm *vm, const char *name, uint16_t base, int irq,
		int out_fd, struct sk_err *e)
{
	s->vm = vm;
	s->irq = irq;
	s->out_fd = out_fd;
	s->rx_wait = false;
	sk_uart_init(&s->uart);
	return sk_bus_register(&vm->pio, base, 8, name, serial_io, s, e);
}
