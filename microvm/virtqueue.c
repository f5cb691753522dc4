/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtqueue.c - split virtqueues (virtio 1.2, 2.7) from the device's
 * side, apart from any device: the chains of descriptors the driver made
 * available, walked and checked against guest RAM (direct and indirect
 * tables), given back in the used ring, and the driver's wish for an
 * interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with
 * VIRTIO_F_EVENT_IDX).  Everything read from the rings is the guest's:
 * an index, a length or an address is checked before it is used.
 *
 * Layout: a descriptor is addr (le64), len (le32), flags (le16), next
 * (le16); avail is flags, idx, ring[num], used_event (le16 each); used is
 * flags, idx (le16), ring[num] of { id, len } (le32), avail_event.
 */
#include "internal.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2
#define DESC_F_INDIRECT 4
#define AVAIL_F_NO_INTERRUPT 1

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

int sk_virtq_init(struct sk_virtq *vq, const struct sk_vm_mem *m, const struct sk_virtq_cfg *cfg,
		  uint64_t features)
{
	int r = sk_virtq_check(cfg, m);

	if (r < 0)
		return r;
	memset(vq, 0, sizeof(*vq));
	vq->mem = m;
	vq->num = cfg->num;
	vq->desc = sk_vm_gpa(m, cfg->desc, 16ULL * cfg->num);
	vq->avail = sk_vm_gpa(m, cfg->avail, 6 + 2ULL * cfg->num);
	vq->used = sk_vm_gpa(m, cfg->used, 6 + 8ULL * cfg->num);
	vq->event_idx = features & SK_VIRTIO_F_EVENT_IDX;
	vq->indirect = features & SK_VIRTIO_F_INDIRECT_DESC;
	return 0;
}

static void ld_desc(const uint8_t *table, uint16_t i, struct desc *d)
{
	memcpy(&d->addr, table + 16 * i, 8);
	memcpy(&d->len, table + 16 * i + 8, 4);
	d->flags = ld16(table + 16 * i + 12);
	d->next = ld16(table + 16 * i + 14);
}

/* One buffer into @c: inside guest RAM, readable ones before writable
 * ones, no more than SK_VIRTQ_MAX_BUFS. */
static int add_buf(struct sk_virtq *vq, struct sk_virtq_chain *c, const struct desc *d)
{
	bool w = d->flags & DESC_F_WRITE;

	if (c->n == SK_VIRTQ_MAX_BUFS)
		return -EINVAL;
	if (d->len && !sk_vm_gpa(vq->mem, d->addr, d->len))
		return -EINVAL;
	if (!w && c->in_len)
		return -EINVAL; /* readable after writable */
	if ((w ? c->in_len : c->out_len) + (uint64_t)d->len > UINT32_MAX)
		return -EINVAL;
	c->buf[c->n++] = (struct sk_virtq_buf){ .addr = d->addr, .len = d->len, .write = w };
	if (w)
		c->in_len += d->len;
	else
		c->out_len += d->len;
	return 0;
}

/* The descriptors of an indirect table: neither nested nor chained on. */
static int walk_indirect(struct sk_virtq *vq, struct sk_virtq_chain *c, const struct desc *t)
{
	unsigned n = t->len / 16, seen = 0;
	const uint8_t *table;
	struct desc d;
	uint16_t i = 0;
	int r;

	if (!vq->indirect || (t->flags & DESC_F_NEXT) || !n || t->len % 16 || n > 65536)
		return -EINVAL;
	table = sk_vm_gpa(vq->mem, t->addr, t->len);
	if (!table)
		return -EINVAL;
	for (;;) {
		if (i >= n || seen++ == n)
			return -EINVAL; /* out of the table, or a loop */
		ld_desc(table, i, &d);
		if (d.flags & DESC_F_INDIRECT)
			return -EINVAL;
		r = add_buf(vq, c, &d);
		if (r < 0)
			return r;
		if (!(d.flags & DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int sk_virtq_pop(struct sk_virtq *vq, struct sk_virtq_chain *c)
{
	uint16_t avail_idx = __atomic_load_n((uint16_t *)(vq->avail + 2), __ATOMIC_ACQUIRE);
	unsigned seen = 0;
	struct desc d;
	uint16_t i;
	int r;

	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return -EINVAL;
	i = ld16(vq->avail + 4 + 2 * (vq->last_avail % vq->num));
	memset(c, 0, offsetof(struct sk_virtq_chain, buf));
	c->head = i;
	for (;;) {
		if (i >= vq->num || seen++ == vq->num)
			return -EINVAL; /* out of the table, or a loop */
		ld_desc(vq->desc, i, &d);
		if (d.flags & DESC_F_INDIRECT) {
			r = walk_indirect(vq, c, &d);
			if (r < 0)
				return r;
			break;
		}
		r = add_buf(vq, c, &d);
		if (r < 0)
			return r;
		if (!(d.flags & DESC_F_NEXT))
			break;
		i = d.next;
	}
	vq->last_avail++;
	/* with EVENT_IDX: notify me when you make the next one available */
	if (vq->event_idx)
		__atomic_store_n((uint16_t *)(vq->used + 4 + 8 * vq->num), vq->last_avail,
				 __ATOMIC_RELEASE);
	return 1;
}

bool sk_virtq_push(struct sk_virtq *vq, uint16_t head, uint32_t written)
{
	uint8_t *e = vq->used + 4 + 8 * (vq->used_idx % vq->num);
	uint16_t old = vq->used_idx, now, event;

	st32(e, head);
	st32(e + 4, written);
	now = ++vq->used_idx;
	__atomic_store_n((uint16_t *)(vq->used + 2), now, __ATOMIC_RELEASE);
	/* the driver's flags or used_event are read after idx is out */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(ld16(vq->avail) & AVAIL_F_NO_INTERRUPT);
	event = ld16(vq->avail + 4 + 2 * vq->num);
	/* vring_need_event: did idx pass used_event with this push? */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}
