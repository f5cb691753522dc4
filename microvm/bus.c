/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus.c - an address space that devices claim ranges of: the port I/O
 * bus and the MMIO bus of the VMM.  The ranges are kept sorted, so that
 * a lookup is a binary search.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

/* Index of the first device whose range ends above @addr. */
static size_t lower_bound(const struct sk_bus *b, uint64_t addr)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->devs[mid].base + b->devs[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int sk_bus_register(struct sk_bus *b, uint64_t base, uint64_t len, const char *name, sk_bus_fn *fn,
		    void *opaque, struct sk_err *e)
{
	size_t i;

	if (len == 0 || base + len < base)
		return sk_err_set(e, EINVAL, "microvm: %s: empty or wrapping %s range 0x%llx+0x%llx",
				  name, b->kind, (unsigned long long)base, (unsigned long long)len);
	i = lower_bound(b, base);
	if (i < b->n && b->devs[i].base < base + len)
		return sk_err_set(e, EBUSY,
				  "microvm: %s %s at 0x%llx-0x%llx overlaps %s at 0x%llx-0x%llx",
				  b->kind, name, (unsigned long long)base,
				  (unsigned long long)(base + len - 1), b->devs[i].name,
				  (unsigned long long)b->devs[i].base,
				  (unsigned long long)(b->devs[i].base + b->devs[i].len - 1));
	b->devs = sk_xrealloc(b->devs, (b->n + 1) * sizeof(*b->devs));
	memmove(&b->devs[i + 1], &b->devs[i], (b->n - i) * sizeof(*b->devs));
	b->devs[i] = (struct sk_bus_dev){
		.base = base,
		.len = len,
		.name = name,
		.fn = fn,
		.opaque = opaque,
	};
	b->n++;
	return 0;
}

const struct sk_bus_dev *sk_bus_find(const struct sk_bus *b, uint64_t addr)
{
	size_t i = lower_bound(b, addr);

	return i < b->n && b->devs[i].base <= addr ? &b->devs[i] : NULL;
}

bool sk_bus_access(const struct sk_bus *b, uint64_t addr, bool is_write, uint8_t *data, unsigned len)
{
	const struct sk_bus_dev *d = sk_bus_find(b, addr);

	if (!d) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	d->fn(d->opaque, addr - d->base, is_write, data, len);
	return true;
}

void sk_bus_free(struct sk_bus *b)
{
	free(b->devs);
	b->devs = NULL;
	b->n = 0;
}
