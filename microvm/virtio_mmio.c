/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio_mmio.c - the register file of a virtio-mmio device (virtio 1.2,
 * section 4.2.2, version 2 "modern" layout) as a pure state machine:
 * feature negotiation, queue configuration, status, interrupt status,
 * and the device's configuration space.  What a register write means
 * for the device behind it (the driver is done: start it; a reset; a
 * queue notification) is returned as an event; virtio.c acts on it.
 */
#include "internal.h"

#include <errno.h>
#include <string.h>

#define MAGIC 0x74726976 /* "virt" */

void sk_vmmio_init(struct sk_vmmio *d, uint32_t device_id, uint64_t features, unsigned nq,
		   uint16_t qmax, const void *config, size_t config_len)
{
	memset(d, 0, sizeof(*d));
	d->device_id = device_id;
	d->vendor_id = 0x46464b53; /* "SKFF" */
	d->dev_features = features | SK_VIRTIO_F_VERSION_1;
	d->nq = nq < SK_VIRTIO_MAX_QUEUES ? nq : SK_VIRTIO_MAX_QUEUES;
	for (unsigned i = 0; i < d->nq; i++)
		d->q[i].num_max = qmax;
	d->config = config;
	d->config_len = config_len;
}

/* Back to the state after init, but for what the device offers. */
static void reset(struct sk_vmmio *d)
{
	for (unsigned i = 0; i < d->nq; i++) {
		uint16_t max = d->q[i].num_max;

		memset(&d->q[i], 0, sizeof(d->q[i]));
		d->q[i].num_max = max;
	}
	d->drv_features = 0;
	d->dev_sel = d->drv_sel = d->queue_sel = 0;
	d->status = 0;
	d->int_status = 0;
}

static struct sk_virtq_cfg *cur_q(struct sk_vmmio *d)
{
	return d->queue_sel < d->nq ? &d->q[d->queue_sel] : NULL;
}

static void set_lo(uint64_t *v, uint32_t lo)
{
	*v = (*v & ~0xffffffffULL) | lo;
}

static void set_hi(uint64_t *v, uint32_t hi)
{
	*v = (*v & 0xffffffffULL) | (uint64_t)hi << 32;
}

uint32_t sk_vmmio_read(struct sk_vmmio *d, uint64_t off, unsigned len)
{
	struct sk_virtq_cfg *q = cur_q(d);
	uint32_t v = 0;

	if (off >= SK_VMMIO_CONFIG) {
		off -= SK_VMMIO_CONFIG;
		if (len > 4 || off >= d->config_len || len > d->config_len - off)
			return 0;
		memcpy(&v, (const uint8_t *)d->config + off, len);
		return v;
	}
	if (len != 4 || (off & 3))
		return 0;
	switch (off) {
	case SK_VMMIO_MAGIC:
		return MAGIC;
	case SK_VMMIO_VERSION:
		return 2;
	case SK_VMMIO_DEVICE_ID:
		return d->device_id;
	case SK_VMMIO_VENDOR_ID:
		return d->vendor_id;
	case SK_VMMIO_DEVICE_FEATURES:
		return d->dev_sel == 0	 ? (uint32_t)d->dev_features
		       : d->dev_sel == 1 ? (uint32_t)(d->dev_features >> 32)
					 : 0;
	case SK_VMMIO_QUEUE_NUM_MAX:
		return q ? q->num_max : 0;
	case SK_VMMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case SK_VMMIO_INTERRUPT_STATUS:
		return d->int_status | (d->int_vring_always ? SK_VMMIO_INT_VRING : 0);
	case SK_VMMIO_STATUS:
		return d->status;
	case SK_VMMIO_SHM_LEN_LOW:
	case SK_VMMIO_SHM_LEN_HIGH:
		return 0xffffffff; /* no shared memory region */
	case SK_VMMIO_CONFIG_GEN:
		return d->config_gen;
	default:
		return 0;
	}
}

enum sk_vmmio_event sk_vmmio_write(struct sk_vmmio *d, uint64_t off, uint32_t val, unsigned len,
				   uint32_t *arg)
{
	struct sk_virtq_cfg *q = cur_q(d);
	bool q_free = q && !q->ready;

	if (len != 4 || (off & 3) || off >= SK_VMMIO_CONFIG)
		return SK_VMMIO_NONE; /* the config space is read-only here */
	switch (off) {
	case SK_VMMIO_DEVICE_FEATURES_SEL:
		d->dev_sel = val;
		break;
	case SK_VMMIO_DRIVER_FEATURES:
		/* only before FEATURES_OK, only what the device offers */
		if (d->status & SK_VIRTIO_S_FEATURES_OK)
			break;
		if (d->drv_sel == 0)
			set_lo(&d->drv_features, val & (uint32_t)d->dev_features);
		else if (d->drv_sel == 1)
			set_hi(&d->drv_features, val & (uint32_t)(d->dev_features >> 32));
		break;
	case SK_VMMIO_DRIVER_FEATURES_SEL:
		d->drv_sel = val;
		break;
	case SK_VMMIO_QUEUE_SEL:
		d->queue_sel = val;
		break;
	case SK_VMMIO_QUEUE_NUM:
		/* a power of two, at most num_max */
		if (q_free && val && val <= q->num_max && !(val & (val - 1)))
			q->num = (uint16_t)val;
		break;
	case SK_VMMIO_QUEUE_READY:
		if (q && val == 1 && q->num)
			q->ready = true;
		else if (q && val == 0)
			q->ready = false;
		break;
	case SK_VMMIO_QUEUE_NOTIFY:
		if (val < d->nq && (d->status & SK_VIRTIO_S_DRIVER_OK)) {
			*arg = val;
			return SK_VMMIO_NOTIFY;
		}
		break;
	case SK_VMMIO_INTERRUPT_ACK:
		d->int_status &= ~val;
		break;
	case SK_VMMIO_STATUS:
		if (val == 0) {
			bool was_live = d->status & SK_VIRTIO_S_DRIVER_OK;

			reset(d);
			return was_live ? SK_VMMIO_RESET : SK_VMMIO_NONE;
		}
		/* FEATURES_OK holds only if VERSION_1 was accepted */
		if ((val & SK_VIRTIO_S_FEATURES_OK) && !(d->status & SK_VIRTIO_S_FEATURES_OK) &&
		    !(d->drv_features & SK_VIRTIO_F_VERSION_1))
			val &= ~SK_VIRTIO_S_FEATURES_OK;
		if ((val & SK_VIRTIO_S_DRIVER_OK) && !(d->status & SK_VIRTIO_S_DRIVER_OK)) {
			if (!(val & SK_VIRTIO_S_FEATURES_OK)) {
				d->status = val | SK_VIRTIO_S_FAILED;
				return SK_VMMIO_NONE;
			}
			d->status = val;
			return SK_VMMIO_DRIVER_OK;
		}
		d->status = val;
		break;
	case SK_VMMIO_QUEUE_DESC_LOW:
		if (q_free)
			set_lo(&q->desc, val);
		break;
	case SK_VMMIO_QUEUE_DESC_HIGH:
		if (q_free)
			set_hi(&q->desc, val);
		break;
	case SK_VMMIO_QUEUE_AVAIL_LOW:
		if (q_free)
			set_lo(&q->avail, val);
		break;
	case SK_VMMIO_QUEUE_AVAIL_HIGH:
		if (q_free)
			set_hi(&q->avail, val);
		break;
	case SK_VMMIO_QUEUE_USED_LOW:
		if (q_free)
			set_lo(&q->used, val);
		break;
	case SK_VMMIO_QUEUE_USED_HIGH:
		if (q_free)
			set_hi(&q->used, val);
		break;
	case SK_VMMIO_SHM_SEL:
	default:
		break;
	}
	return SK_VMMIO_NONE;
}

int sk_virtq_check(const struct sk_virtq_cfg *q, const struct sk_vm_mem *m)
{
	uint64_t n = q->num;

	if (!q->ready || !n || (n & (n - 1)))
		return -EINVAL;
	/* split ring sizes (2.7): 16-byte descriptors; avail: flags, idx,
	 * ring[n], used_event; used: flags, idx, ring[n] of 8, avail_event */
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return -EINVAL;
	if (!sk_vm_gpa(m, q->desc, 16 * n) || !sk_vm_gpa(m, q->avail, 6 + 2 * n) ||
	    !sk_vm_gpa(m, q->used, 6 + 8 * n))
		return -EFAULT;
	return 0;
}
