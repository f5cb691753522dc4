/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vhost_fs.c - virtio-fs (device id 26) whose queues are served by a
 * vhost-user backend, virtiofsd: the VMM only says where things are.
 * At setup: GET_FEATURES, SET_OWNER, the protocol features.  When the
 * guest's driver sets DRIVER_OK: SET_FEATURES with what it accepted,
 * SET_MEM_TABLE (guest RAM's memfd, one region per RAM range), then per
 * queue its size, ring addresses (in this process's address space, which
 * the backend maps through the table), base, kick and call eventfds and
 * enable.  From there on the backend reads the kick eventfds and writes
 * the call ones; KVM does the rest (virtio.c).
 */
#include "vmm.h"

#include <errno.h>
#include <string.h>

#define VIRTIO_ID_FS 26
#define NR_QUEUES 2 /* hiprio, one request queue */
#define QUEUE_MAX 256

static int send_msg(struct vhost_fs *fs, const uint8_t *msg, size_t len, const int *fds,
		    unsigned nfds, const char *what, char *why, size_t why_len)
{
	int r = len ? sk_vhu_send(fs->sock, msg, len, fds, nfds) : -EINVAL;

	if (r < 0)
		snprintf(why, why_len, "virtio-fs: vhost-user %s: %s", what, strerror(-r));
	return r;
}

static uint64_t host_addr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	return (uintptr_t)sk_vm_gpa(&vm->mem, gpa, len);
}

static int fs_start(struct virtio_dev *d, char *why, size_t why_len)
{
	struct vhost_fs *fs = (struct vhost_fs *)d;
	struct vm *vm = d->vm;
	struct sk_vhu_region reg[2];
	uint8_t msg[SK_VHU_MSG_MAX];
	uint64_t features = d->regs.drv_features;
	unsigned nreg = 1, i;
	int fds[2] = { vm->memfd, vm->memfd };
	int r;

	if (fs->backend_features & SK_VHU_F_PROTOCOL_FEATURES)
		features |= SK_VHU_F_PROTOCOL_FEATURES;
	r = send_msg(fs, msg, sk_vhu_u64(msg, SK_VHU_SET_FEATURES, features), NULL, 0,
		     "SET_FEATURES", why, why_len);
	if (r < 0)
		return r;
	reg[0] = (struct sk_vhu_region){
		.gpa = 0, .size = vm->mem.low_size, .uaddr = (uintptr_t)vm->mem.host, .mmap_offset = 0
	};
	if (vm->mem.size > vm->mem.low_size) {
		reg[1] = (struct sk_vhu_region){ .gpa = SK_VM_HIGH_START,
						 .size = vm->mem.size - vm->mem.low_size,
						 .uaddr = (uintptr_t)vm->mem.host + vm->mem.low_size,
						 .mmap_offset = vm->mem.low_size };
		nreg = 2;
	}
	r = send_msg(fs, msg, sk_vhu_mem_table(msg, reg, nreg), fds, nreg, "SET_MEM_TABLE", why,
		     why_len);
	if (r < 0)
		return r;
	for (i = 0; i < d->regs.nq; i++) {
		const struct sk_virtq_cfg *q = &d->regs.q[i];
		uint64_t n = q->num;

		if (!q->ready)
			continue;
		if (sk_virtq_check(q, &vm->mem) < 0) {
			snprintf(why, why_len, "virtio-fs: queue %u: bad ring (size %u)", i, q->num);
			return -EINVAL;
		}
		r = send_msg(fs, msg, sk_vhu_state(msg, SK_VHU_SET_VRING_NUM, i, q->num), NULL, 0,
			     "SET_VRING_NUM", why, why_len);
		if (r == 0)
			r = send_msg(fs, msg,
				     sk_vhu_vring_addr(msg, i, host_addr(vm, q->desc, 16 * n),
						       host_addr(vm, q->used, 6 + 8 * n),
						       host_addr(vm, q->avail, 6 + 2 * n)),
				     NULL, 0, "SET_VRING_ADDR", why, why_len);
		if (r == 0)
			r = send_msg(fs, msg, sk_vhu_state(msg, SK_VHU_SET_VRING_BASE, i, 0), NULL,
				     0, "SET_VRING_BASE", why, why_len);
		if (r == 0)
			r = send_msg(fs, msg, sk_vhu_u64(msg, SK_VHU_SET_VRING_CALL, i),
				     &d->call[i], 1, "SET_VRING_CALL", why, why_len);
		if (r == 0)
			r = send_msg(fs, msg, sk_vhu_u64(msg, SK_VHU_SET_VRING_KICK, i),
				     &d->kick[i], 1, "SET_VRING_KICK", why, why_len);
		if (r == 0 && (features & SK_VHU_F_PROTOCOL_FEATURES))
			r = send_msg(fs, msg, sk_vhu_state(msg, SK_VHU_SET_VRING_ENABLE, i, 1),
				     NULL, 0, "SET_VRING_ENABLE", why, why_len);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A reset of the driver (the guest's shutdown): the rings stop.  The
 * backend answers GET_VRING_BASE; the answer is not waited for. */
static void fs_reset(struct virtio_dev *d)
{
	struct vhost_fs *fs = (struct vhost_fs *)d;
	uint8_t msg[SK_VHU_MSG_MAX];
	unsigned i;

	for (i = 0; i < d->regs.nq; i++)
		if (sk_vhu_send(fs->sock, msg, sk_vhu_state(msg, SK_VHU_GET_VRING_BASE, i, 0), NULL,
				0) < 0)
			break;
}

static const struct virtio_ops fs_ops = { .start = fs_start, .reset = fs_reset };

static int handshake(struct vhost_fs *fs, struct sk_err *e)
{
	uint8_t msg[SK_VHU_MSG_MAX];
	int r = sk_vhu_get_u64(fs->sock, SK_VHU_GET_FEATURES, &fs->backend_features);

	if (r < 0)
		return sk_err_sys(e, -r, "microvm: virtio-fs: vhost-user GET_FEATURES");
	r = sk_vhu_send(fs->sock, msg, sk_vhu_encode(msg, SK_VHU_SET_OWNER, 0, NULL, 0), NULL, 0);
	if (r < 0)
		return sk_err_sys(e, -r, "microvm: virtio-fs: vhost-user SET_OWNER");
	if (!(fs->backend_features & SK_VHU_F_PROTOCOL_FEATURES))
		return 0;
	r = sk_vhu_get_u64(fs->sock, SK_VHU_GET_PROTOCOL_FEATURES, &fs->protocol);
	if (r < 0)
		return sk_err_sys(e, -r, "microvm: virtio-fs: vhost-user GET_PROTOCOL_FEATURES");
	/* none of the optional protocol features is needed */
	r = sk_vhu_send(fs->sock, msg, sk_vhu_u64(msg, SK_VHU_SET_PROTOCOL_FEATURES, 0), NULL, 0);
	if (r < 0)
		return sk_err_sys(e, -r, "microvm: virtio-fs: vhost-user SET_PROTOCOL_FEATURES");
	return 0;
}

int vhost_fs_add(struct vm *vm, int sock, const char *tag, struct sk_err *e)
{
	struct vhost_fs *fs = sk_xcalloc(1, sizeof(*fs));
	uint64_t offer;
	int r;

	vm->fs = fs;
	fs->sock = sock;
	snprintf(fs->config.tag, sizeof(fs->config.tag), "%s", tag);
	fs->config.num_request_queues = NR_QUEUES - 1;
	r = handshake(fs, e);
	if (r < 0)
		return r;
	/* what the guest may accept: the backend's device features */
	offer = fs->backend_features & ~(SK_VHU_F_PROTOCOL_FEATURES | SK_VHU_F_LOG_ALL);
	sk_vmmio_init(&fs->dev.regs, VIRTIO_ID_FS, offer, NR_QUEUES, QUEUE_MAX, &fs->config,
		      sizeof(fs->config));
	fs->dev.regs.int_vring_always = true; /* the backend signals through irqfd */
	return virtio_dev_add(vm, &fs->dev, "virtio-fs", &fs_ops, e);
}

void vhost_fs_free(struct vm *vm)
{
	struct vhost_fs *fs = vm->fs;

	if (!fs)
		return;
	virtio_dev_free(&fs->dev);
	if (fs->sock >= 0)
		close(fs->sock);
	free(fs);
	vm->fs = NULL;
}
