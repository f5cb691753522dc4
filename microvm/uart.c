/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uart.c - a 16550A UART register model, as a pure state machine: the
 * VMM feeds port reads/writes and received bytes, and gets bytes to
 * transmit and the interrupt level.  Transmission is instant, so the
 * transmitter is always empty; loopback (MCR bit 4), scratch, divisor
 * latch and the FIFO bits of IIR/FCR behave as Linux's 8250 probe wants.
 */
#include "internal.h"

#include <string.h>

enum {
	RBR_THR = 0,
	IER = 1,
	IIR_FCR = 2,
	LCR = 3,
	MCR = 4,
	LSR = 5,
	MSR = 6,
	SCR = 7,
};
#define LCR_DLAB 0x80
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI 0x08
#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MCR_LOOP 0x10

void sk_uart_init(struct sk_uart *u)
{
	memset(u, 0, sizeof(*u));
	u->mcr = 0x08; /* OUT2 */
	u->dll = 0x0c; /* 9600 baud */
}

static uint8_t msr_now(const struct sk_uart *u)
{
	if (u->mcr & MCR_LOOP) {
		uint8_t m = u->mcr;
		return ((m & 0x02) ? 0x10 : 0) | /* RTS -> CTS */
		       ((m & 0x01) ? 0x20 : 0) | /* DTR -> DSR */
		       ((m & 0x04) ? 0x40 : 0) | /* OUT1 -> RI */
		       ((m & 0x08) ? 0x80 : 0);	 /* OUT2 -> DCD */
	}
	return 0xb0; /* DCD | DSR | CTS */
}

static uint8_t iir_now(const struct sk_uart *u)
{
	uint8_t fifo = (u->fcr & FCR_ENABLE) ? IIR_FIFO : 0;
	if ((u->ier & IER_RDI) && u->rx_len)
		return fifo | IIR_RDI;
	if ((u->ier & IER_THRI) && u->thre_pending)
		return fifo | IIR_THRI;
	if ((u->ier & IER_MSI) && ((msr_now(u) ^ u->msr_prev) & 0xf0))
		return fifo | IIR_MSI;
	return fifo | IIR_NO_INT;
}

bool sk_uart_irq(const struct sk_uart *u)
{
	return !(iir_now(u) & IIR_NO_INT);
}

size_t sk_uart_rx_room(const struct sk_uart *u)
{
	return SK_UART_RXBUF - u->rx_len;
}

size_t sk_uart_rx_push(struct sk_uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	while (n < len && u->rx_len < SK_UART_RXBUF) {
		u->rx[(u->rx_head + u->rx_len) % SK_UART_RXBUF] = buf[n++];
		u->rx_len++;
	}
	return n;
}

uint8_t sk_uart_read(struct sk_uart *u, unsigned off)
{
	switch (off & 7) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB)
			return u->dll;
		if (!u->rx_len)
			return 0;
		{
			uint8_t c = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % SK_UART_RXBUF;
			u->rx_len--;
			return c;
		}
	case IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case IIR_FCR: {
		uint8_t iir = iir_now(u);
		if ((iir & 0x0f) == IIR_THRI)
			u->thre_pending = false; /* reading IIR clears THRE */
		return iir;
	}
	case LCR:
		return u->lcr;
	case MCR:
		return u->mcr;
	case LSR:
		return LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0);
	case MSR: {
		uint8_t now = msr_now(u);
		uint8_t delta = ((now ^ u->msr_prev) >> 4) & 0x0b;
		/* trailing edge of RI */
		if ((u->msr_prev & 0x40) && !(now & 0x40))
			delta |= 0x04;
		u->msr_prev = now;
		return now | delta;
	}
	default:
		return u->scr;
	}
}

int sk_uart_write(struct sk_uart *u, unsigned off, uint8_t val, uint8_t *tx)
{
	switch (off & 7) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB) {
			u->dll = val;
			return 0;
		}
		u->thre_pending = true; /* sent at once: THR empty again */
		if (u->mcr & MCR_LOOP) {
			sk_uart_rx_push(u, &val, 1);
			return 0;
		}
		*tx = val;
		return 1;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			return 0;
		}
		/* Enabling THRI while the transmitter is empty raises it. */
		if (!(u->ier & IER_THRI) && (val & IER_THRI))
			u->thre_pending = true;
		u->ier = val & 0x0f;
		return 0;
	case IIR_FCR:
		u->fcr = val & 0xc9; /* no 64-byte FIFO (16750) bit */
		if (val & FCR_CLEAR_RX) {
			u->rx_head = 0;
			u->rx_len = 0;
		}
		return 0;
	case LCR:
		u->lcr = val;
		return 0;
	case MCR:
		u->mcr = val & 0x1f;
		return 0;
	case LSR:
	case MSR:
		return 0;
	default:
		u->scr = val;
		return 0;
	}
}
