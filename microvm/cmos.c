/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmos.c - the CMOS/RTC index and data ports (0x70, 0x71) as a stub:
 * reads return 0, writes are dropped.
 */
#include "vmm.h"

#include <string.h>

#define CMOS_PORT 0x70

static void cmos_io(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	if (!is_write)
		memset(data, 0, len);
}

int cmos_init(struct vm *vm, struct sk_err *e)
{
	return sk_bus_register(&vm->pio, CMOS_PORT, 2, "cmos", cmos_io, NULL, e);
}
