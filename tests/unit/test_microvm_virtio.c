/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of microvm/'s virtio pieces: the virtio-mmio register file,
 * split rings (layout, descriptor chains on fabricated guest memory,
 * the used ring and interrupt suppression), vhost-user message encoding,
 * the virtio-fs module lookup. */
#include "microvm_fixture.h"

#include <sys/socket.h>

static uint32_t rd(struct sk_vmmio *d, uint64_t off)
{
	return sk_vmmio_read(d, off, 4);
}

static enum sk_vmmio_event wr(struct sk_vmmio *d, uint64_t off, uint32_t v)
{
	uint32_t arg = 0;
	return sk_vmmio_write(d, off, v, 4, &arg);
}

/* The driver's side of 3.1.1 (device initialization), queue 0 at @base. */
static void bring_up(struct sk_vmmio *d, uint64_t base, uint32_t features_hi)
{
	wr(d, SK_VMMIO_STATUS, SK_VIRTIO_S_ACKNOWLEDGE);
	wr(d, SK_VMMIO_STATUS, SK_VIRTIO_S_ACKNOWLEDGE | SK_VIRTIO_S_DRIVER);
	wr(d, SK_VMMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, SK_VMMIO_DRIVER_FEATURES, features_hi);
	wr(d, SK_VMMIO_STATUS, 1 | 2 | SK_VIRTIO_S_FEATURES_OK);
	wr(d, SK_VMMIO_QUEUE_SEL, 0);
	wr(d, SK_VMMIO_QUEUE_NUM, 16);
	wr(d, SK_VMMIO_QUEUE_DESC_LOW, (uint32_t)base);
	wr(d, SK_VMMIO_QUEUE_DESC_HIGH, (uint32_t)(base >> 32));
	wr(d, SK_VMMIO_QUEUE_AVAIL_LOW, (uint32_t)base + 0x1000);
	wr(d, SK_VMMIO_QUEUE_USED_LOW, (uint32_t)base + 0x2000);
	wr(d, SK_VMMIO_QUEUE_READY, 1);
}

TEST(vmmio_identity_and_features)
{
	struct sk_vmmio d;
	const uint8_t cfg[8] = { 'r', 'o', 'o', 't', 'f', 's', 0, 0 };
	sk_vmmio_init(&d, 26, (1ULL << 28) | (1ULL << 29), 2, 256, cfg, sizeof(cfg));
	CHECK_INT(rd(&d, SK_VMMIO_MAGIC), 0x74726976);
	CHECK_INT(rd(&d, SK_VMMIO_VERSION), 2);
	CHECK_INT(rd(&d, SK_VMMIO_DEVICE_ID), 26);
	/* feature words: VERSION_1 (bit 32) always offered */
	CHECK_INT(rd(&d, SK_VMMIO_DEVICE_FEATURES), (1u << 28) | (1u << 29));
	wr(&d, SK_VMMIO_DEVICE_FEATURES_SEL, 1);
	CHECK_INT(rd(&d, SK_VMMIO_DEVICE_FEATURES), 1);
	wr(&d, SK_VMMIO_DEVICE_FEATURES_SEL, 2);
	CHECK_INT(rd(&d, SK_VMMIO_DEVICE_FEATURES), 0);
	/* the driver cannot accept what is not offered */
	wr(&d, SK_VMMIO_DRIVER_FEATURES_SEL, 0);
	wr(&d, SK_VMMIO_DRIVER_FEATURES, 0xffffffff);
	CHECK(d.drv_features == ((1ULL << 28) | (1ULL << 29)));
	/* config space: bytes, halves, words; outside reads 0 */
	CHECK_INT(sk_vmmio_read(&d, SK_VMMIO_CONFIG, 1), 'r');
	CHECK_INT(sk_vmmio_read(&d, SK_VMMIO_CONFIG + 4, 2), 'f' | 's' << 8);
	CHECK_INT(sk_vmmio_read(&d, SK_VMMIO_CONFIG, 4), 0x746f6f72);
	CHECK_INT(sk_vmmio_read(&d, SK_VMMIO_CONFIG + 6, 4), 0);
	CHECK_INT(sk_vmmio_read(&d, SK_VMMIO_CONFIG + 100, 1), 0);
	/* no shared memory regions; odd widths of registers read 0 */
	CHECK_INT(rd(&d, SK_VMMIO_SHM_LEN_LOW), 0xffffffff);
	CHECK_INT(sk_vmmio_read(&d, SK_VMMIO_MAGIC, 2), 0);
	CHECK_INT(rd(&d, SK_VMMIO_QUEUE_NUM_MAX), 256);
	wr(&d, SK_VMMIO_QUEUE_SEL, 5);
	CHECK_INT(rd(&d, SK_VMMIO_QUEUE_NUM_MAX), 0); /* no queue 5 */
}

TEST(vmmio_driver_ok_notify_reset)
{
	struct sk_vmmio d;
	uint32_t arg = 99;
	sk_vmmio_init(&d, 26, 0, 2, 256, NULL, 0);
	bring_up(&d, 0x100000, 1);
	CHECK_INT(rd(&d, SK_VMMIO_STATUS) & SK_VIRTIO_S_FEATURES_OK, SK_VIRTIO_S_FEATURES_OK);
	CHECK_INT(rd(&d, SK_VMMIO_QUEUE_READY), 1);
	CHECK(d.q[0].num == 16 && d.q[0].desc == 0x100000 && d.q[0].avail == 0x101000 &&
	      d.q[0].used == 0x102000);
	/* a ready queue's layout is frozen */
	wr(&d, SK_VMMIO_QUEUE_NUM, 32);
	wr(&d, SK_VMMIO_QUEUE_DESC_LOW, 0x5000);
	CHECK(d.q[0].num == 16 && d.q[0].desc == 0x100000);
	/* notify before DRIVER_OK: nothing */
	CHECK_INT(sk_vmmio_write(&d, SK_VMMIO_QUEUE_NOTIFY, 0, 4, &arg), SK_VMMIO_NONE);
	CHECK_INT(wr(&d, SK_VMMIO_STATUS, 1 | 2 | 8 | SK_VIRTIO_S_DRIVER_OK), SK_VMMIO_DRIVER_OK);
	/* a second write of the same status is no new start */
	CHECK_INT(wr(&d, SK_VMMIO_STATUS, 1 | 2 | 8 | 4), SK_VMMIO_NONE);
	CHECK_INT(sk_vmmio_write(&d, SK_VMMIO_QUEUE_NOTIFY, 1, 4, &arg), SK_VMMIO_NOTIFY);
	CHECK_INT(arg, 1);
	CHECK_INT(sk_vmmio_write(&d, SK_VMMIO_QUEUE_NOTIFY, 7, 4, &arg), SK_VMMIO_NONE);
	/* interrupt status and its acknowledgement */
	d.int_status = SK_VMMIO_INT_VRING | SK_VMMIO_INT_CONFIG;
	wr(&d, SK_VMMIO_INTERRUPT_ACK, SK_VMMIO_INT_VRING);
	CHECK_INT(rd(&d, SK_VMMIO_INTERRUPT_STATUS), SK_VMMIO_INT_CONFIG);
	d.int_status = 0;
	d.int_vring_always = true;
	CHECK_INT(rd(&d, SK_VMMIO_INTERRUPT_STATUS), SK_VMMIO_INT_VRING);
	/* reset of a live device */
	CHECK_INT(wr(&d, SK_VMMIO_STATUS, 0), SK_VMMIO_RESET);
	CHECK_INT(rd(&d, SK_VMMIO_STATUS), 0);
	CHECK_INT(rd(&d, SK_VMMIO_QUEUE_READY), 0);
	CHECK(d.q[0].num == 0 && d.q[0].num_max == 256 && d.drv_features == 0);
	CHECK_INT(wr(&d, SK_VMMIO_STATUS, 0), SK_VMMIO_NONE);
}

TEST(vmmio_rejects_bad_negotiation)
{
	struct sk_vmmio d;
	sk_vmmio_init(&d, 26, 0, 1, 256, NULL, 0);
	/* without VERSION_1, FEATURES_OK does not stick */
	bring_up(&d, 0x100000, 0);
	CHECK_INT(rd(&d, SK_VMMIO_STATUS) & SK_VIRTIO_S_FEATURES_OK, 0);
	/* DRIVER_OK without FEATURES_OK: failed, no start */
	CHECK_INT(wr(&d, SK_VMMIO_STATUS, 1 | 2 | 4), SK_VMMIO_NONE);
	CHECK(rd(&d, SK_VMMIO_STATUS) & SK_VIRTIO_S_FAILED);
	/* queue sizes: a power of two up to the maximum */
	sk_vmmio_init(&d, 26, 0, 1, 256, NULL, 0);
	wr(&d, SK_VMMIO_QUEUE_NUM, 24);
	CHECK_INT(d.q[0].num, 0);
	wr(&d, SK_VMMIO_QUEUE_NUM, 512);
	CHECK_INT(d.q[0].num, 0);
	wr(&d, SK_VMMIO_QUEUE_READY, 1); /* no size yet: not ready */
	CHECK_INT(rd(&d, SK_VMMIO_QUEUE_READY), 0);
	wr(&d, SK_VMMIO_QUEUE_NUM, 256);
	CHECK_INT(d.q[0].num, 256);
}

TEST(virtq_layout_checks)
{
	struct sk_vm_mem m = mkmem();
	struct sk_virtq_cfg q = {
		.num = 16, .ready = true, .desc = 0x10000, .avail = 0x10100, .used = 0x10200
	};
	CHECK_INT(sk_virtq_check(&q, &m), 0);
	q.desc = 0x10008; /* descriptors are 16-byte aligned */
	CHECK_INT(sk_virtq_check(&q, &m), -EINVAL);
	q.desc = 0x10000;
	q.used = 0x10202; /* used ring 4-byte aligned */
	CHECK_INT(sk_virtq_check(&q, &m), -EINVAL);
	q.used = MEM - 8; /* runs past the end of RAM */
	CHECK_INT(sk_virtq_check(&q, &m), -EFAULT);
	q.used = 0x10200;
	q.num = 12;
	CHECK_INT(sk_virtq_check(&q, &m), -EINVAL);
	q.num = 16;
	q.ready = false;
	CHECK_INT(sk_virtq_check(&q, &m), -EINVAL);
	free(m.host);
}

/* ---- descriptor chains on fabricated guest memory: a ring of 8 at
 * DESC, its avail and used rings after it. */
#define DESC 0x10000ULL
#define AVAIL 0x10100ULL
#define USED 0x10200ULL

static void put_desc(struct sk_vm_mem *m, uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *p = m->host + table + 16 * i;
	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

/* The driver makes chain @head available. */
static void offer(struct sk_vm_mem *m, uint16_t head)
{
	uint16_t idx;
	memcpy(&idx, m->host + AVAIL + 2, 2);
	memcpy(m->host + AVAIL + 4 + 2 * (idx % 8), &head, 2);
	idx++;
	memcpy(m->host + AVAIL + 2, &idx, 2);
}

static uint16_t u16at(const struct sk_vm_mem *m, uint64_t gpa)
{
	uint16_t v;
	memcpy(&v, m->host + gpa, 2);
	return v;
}

static uint32_t u32at(const struct sk_vm_mem *m, uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, m->host + gpa, 4);
	return v;
}

static void mkq(struct sk_vm_mem *m, struct sk_virtq *vq, uint64_t features)
{
	const struct sk_virtq_cfg q = {
		.num = 8, .ready = true, .desc = DESC, .avail = AVAIL, .used = USED
	};
	memset(m->host + DESC, 0, 0x1000);
	CHECK_INT(sk_virtq_init(vq, m, &q, features), 0);
}

TEST(virtq_chains)
{
	struct sk_vm_mem m = mkmem();
	struct sk_virtq vq;
	struct sk_virtq_chain c;
	mkq(&m, &vq, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), 0); /* nothing available */
	/* a request: header (readable) -> data (readable) -> status (writable),
	 * descriptors out of order */
	put_desc(&m, DESC, 3, 0x20000, 40, 1, 5);
	put_desc(&m, DESC, 5, 0x21000, 4096, 1, 0);
	put_desc(&m, DESC, 0, 0x22000, 16, 2, 0);
	offer(&m, 3);
	CHECK_INT(sk_virtq_pop(&vq, &c), 1);
	CHECK_INT(c.head, 3);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.out_len, 40 + 4096);
	CHECK_INT(c.in_len, 16);
	CHECK(c.buf[0].addr == 0x20000 && !c.buf[0].write);
	CHECK(c.buf[1].addr == 0x21000 && c.buf[1].len == 4096);
	CHECK(c.buf[2].addr == 0x22000 && c.buf[2].write);
	CHECK_INT(sk_virtq_pop(&vq, &c), 0);
	/* given back: used ring entry 0 = { 3, 16 }, idx 1; an interrupt */
	CHECK(sk_virtq_push(&vq, 3, 16));
	CHECK_INT(u16at(&m, USED + 2), 1);
	CHECK_INT(u32at(&m, USED + 4), 3);
	CHECK_INT(u32at(&m, USED + 8), 16);
	/* the driver says: no interrupt */
	uint16_t fl = 1;
	memcpy(m.host + AVAIL, &fl, 2);
	put_desc(&m, DESC, 1, 0x23000, 8, 0, 0);
	offer(&m, 1);
	CHECK_INT(sk_virtq_pop(&vq, &c), 1);
	CHECK_INT(c.n, 1);
	CHECK(!sk_virtq_push(&vq, 1, 0));
	CHECK_INT(u16at(&m, USED + 2), 2);
	CHECK_INT(u32at(&m, USED + 12), 1);
	/* the indices wrap around the ring: 10 more, one at a time */
	for (int i = 0; i < 10; i++) {
		offer(&m, 1);
		CHECK_INT(sk_virtq_pop(&vq, &c), 1);
		CHECK_INT(c.head, 1);
		sk_virtq_push(&vq, 1, 0);
	}
	CHECK_INT(u16at(&m, USED + 2), 12);
	free(m.host);
}

TEST(virtq_bad_chains)
{
	struct sk_vm_mem m = mkmem();
	struct sk_virtq vq;
	struct sk_virtq_chain c;
	/* a head out of the table */
	mkq(&m, &vq, 0);
	offer(&m, 8);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	/* a loop: 0 -> 1 -> 0 */
	mkq(&m, &vq, 0);
	put_desc(&m, DESC, 0, 0x20000, 8, 1, 1);
	put_desc(&m, DESC, 1, 0x20000, 8, 1, 0);
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	/* next out of the table */
	mkq(&m, &vq, 0);
	put_desc(&m, DESC, 0, 0x20000, 8, 1, 9);
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	/* a buffer past the end of guest RAM */
	mkq(&m, &vq, 0);
	put_desc(&m, DESC, 0, MEM - 4, 8, 0, 0);
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	/* readable after writable */
	mkq(&m, &vq, 0);
	put_desc(&m, DESC, 0, 0x20000, 8, 2 | 1, 1);
	put_desc(&m, DESC, 1, 0x21000, 8, 0, 0);
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	/* more available than the ring holds */
	mkq(&m, &vq, 0);
	uint16_t idx = 9;
	memcpy(m.host + AVAIL + 2, &idx, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	/* an indirect table without VIRTIO_F_INDIRECT_DESC */
	mkq(&m, &vq, 0);
	put_desc(&m, DESC, 0, 0x30000, 32, 4, 0);
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	free(m.host);
}

TEST(virtq_indirect)
{
	struct sk_vm_mem m = mkmem();
	struct sk_virtq vq;
	struct sk_virtq_chain c;
	mkq(&m, &vq, SK_VIRTIO_F_INDIRECT_DESC);
	/* head 2 -> a table of 3 at 0x30000: 0 -> 2 -> 1 */
	memset(m.host + 0x30000, 0, 64);
	put_desc(&m, DESC, 2, 0x30000, 48, 4, 0);
	put_desc(&m, 0x30000, 0, 0x20000, 100, 1, 2);
	put_desc(&m, 0x30000, 2, 0x21000, 200, 2 | 1, 1);
	put_desc(&m, 0x30000, 1, 0x22000, 300, 2, 0);
	offer(&m, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), 1);
	CHECK_INT(c.head, 2);
	CHECK_INT(c.n, 3);
	CHECK_INT(c.out_len, 100);
	CHECK_INT(c.in_len, 500);
	CHECK(c.buf[1].addr == 0x21000 && c.buf[2].addr == 0x22000 && c.buf[2].write);
	/* nested indirect; a table entry pointing out of it; a loop; an
	 * indirect descriptor chained on; a table of odd size */
	put_desc(&m, 0x30000, 1, 0x30000, 48, 4, 0);
	offer(&m, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	mkq(&m, &vq, SK_VIRTIO_F_INDIRECT_DESC);
	put_desc(&m, DESC, 2, 0x30000, 48, 4, 0);
	put_desc(&m, 0x30000, 1, 0x22000, 300, 2 | 1, 3);
	offer(&m, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	mkq(&m, &vq, SK_VIRTIO_F_INDIRECT_DESC);
	put_desc(&m, DESC, 2, 0x30000, 48, 4, 0);
	put_desc(&m, 0x30000, 1, 0x22000, 300, 2 | 1, 0);
	offer(&m, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	mkq(&m, &vq, SK_VIRTIO_F_INDIRECT_DESC);
	put_desc(&m, DESC, 2, 0x30000, 48, 4 | 1, 3);
	offer(&m, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	mkq(&m, &vq, SK_VIRTIO_F_INDIRECT_DESC);
	put_desc(&m, DESC, 2, 0x30000, 40, 4, 0);
	offer(&m, 2);
	CHECK_INT(sk_virtq_pop(&vq, &c), -EINVAL);
	free(m.host);
}

TEST(virtq_event_idx)
{
	struct sk_vm_mem m = mkmem();
	struct sk_virtq vq;
	struct sk_virtq_chain c;
	mkq(&m, &vq, SK_VIRTIO_F_EVENT_IDX);
	put_desc(&m, DESC, 0, 0x20000, 8, 2, 0);
	/* used_event = 1: no interrupt for the first used entry (idx 0 -> 1),
	 * one for the second (1 -> 2) */
	uint16_t ev = 1;
	memcpy(m.host + AVAIL + 4 + 2 * 8, &ev, 2);
	offer(&m, 0);
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), 1);
	/* avail_event (after the used ring) tells the driver where we are */
	CHECK_INT(u16at(&m, USED + 4 + 8 * 8), 1);
	CHECK(!sk_virtq_push(&vq, 0, 8));
	CHECK_INT(sk_virtq_pop(&vq, &c), 1);
	CHECK_INT(u16at(&m, USED + 4 + 8 * 8), 2);
	CHECK(sk_virtq_push(&vq, 0, 8));
	/* a used_event already passed: no interrupt */
	offer(&m, 0);
	CHECK_INT(sk_virtq_pop(&vq, &c), 1);
	CHECK(!sk_virtq_push(&vq, 0, 8));
	free(m.host);
}

TEST(vhost_user_encoding)
{
	uint8_t b[SK_VHU_MSG_MAX];
	uint32_t w[3];
	uint64_t v;
	size_t n = sk_vhu_encode(b, SK_VHU_SET_OWNER, 0, NULL, 0);
	CHECK_INT(n, 12);
	memcpy(w, b, 12);
	CHECK(w[0] == SK_VHU_SET_OWNER && w[1] == SK_VHU_VERSION && w[2] == 0);
	/* u64 payload */
	n = sk_vhu_u64(b, SK_VHU_SET_FEATURES, 0x100000000ULL);
	CHECK_INT(n, 20);
	memcpy(w, b, 12);
	memcpy(&v, b + 12, 8);
	CHECK(w[0] == 2 && w[2] == 8 && v == 0x100000000ULL);
	/* vring state */
	n = sk_vhu_state(b, SK_VHU_SET_VRING_NUM, 1, 256);
	CHECK_INT(n, 20);
	memcpy(w, b + 12, 8);
	CHECK(w[0] == 1 && w[1] == 256);
	/* vring addresses: index, flags, desc, used, avail, log */
	n = sk_vhu_vring_addr(b, 1, 0x1000, 0x3000, 0x2000);
	CHECK_INT(n, 12 + 40);
	uint64_t a[4];
	memcpy(w, b + 12, 8);
	memcpy(a, b + 20, 32);
	CHECK(w[0] == 1 && w[1] == 0);
	CHECK(a[0] == 0x1000 && a[1] == 0x3000 && a[2] == 0x2000 && a[3] == 0);
	/* memory table: count, padding, regions of 4 u64 */
	struct sk_vhu_region r[2] = { { 0, 0xc0000000, 0x7f0000000000, 0 },
				      { 0x100000000, 0x40000000, 0x7f00c0000000, 0xc0000000 } };
	n = sk_vhu_mem_table(b, r, 2);
	CHECK_INT(n, 12 + 8 + 64);
	memcpy(w, b, 12);
	CHECK(w[0] == SK_VHU_SET_MEM_TABLE && w[2] == 72);
	memcpy(w, b + 12, 8);
	CHECK(w[0] == 2 && w[1] == 0);
	memcpy(a, b + 20 + 32, 32);
	CHECK(a[0] == 0x100000000 && a[1] == 0x40000000 && a[3] == 0xc0000000);
	CHECK_INT(sk_vhu_mem_table(b, r, 0), 0);
	CHECK_INT(sk_vhu_mem_table(b, r, SK_VHU_MAX_REGIONS + 1), 0);
	/* too large a payload */
	CHECK_INT(sk_vhu_encode(b, 1, 0, b, SK_VHU_MSG_MAX), 0);
}

TEST(vhost_user_reply)
{
	uint8_t b[20];
	uint32_t h[3] = { SK_VHU_GET_FEATURES, SK_VHU_VERSION | SK_VHU_REPLY, 8 };
	uint64_t f = 0x140000000ULL, v = 0;
	memcpy(b, h, 12);
	memcpy(b + 12, &f, 8);
	CHECK_INT(sk_vhu_parse_u64(b, 20, SK_VHU_GET_FEATURES, &v), 0);
	CHECK(v == f);
	CHECK_INT(sk_vhu_parse_u64(b, 20, SK_VHU_GET_PROTOCOL_FEATURES, &v), -EPROTO);
	CHECK_INT(sk_vhu_parse_u64(b, 19, SK_VHU_GET_FEATURES, &v), -EPROTO);
	h[1] = SK_VHU_VERSION; /* not marked a reply */
	memcpy(b, h, 12);
	CHECK_INT(sk_vhu_parse_u64(b, 20, SK_VHU_GET_FEATURES, &v), -EPROTO);
	/* over a socket pair: the request goes out, the reply comes back,
	 * a descriptor travels with SCM_RIGHTS */
	int sv[2];
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	h[1] = SK_VHU_VERSION | SK_VHU_REPLY;
	memcpy(b, h, 12);
	CHECK_INT(write(sv[1], b, 20), 20); /* the reply is already waiting */
	v = 0;
	CHECK_INT(sk_vhu_get_u64(sv[0], SK_VHU_GET_FEATURES, &v), 0);
	CHECK(v == f);
	uint8_t req[12];
	CHECK_INT(read(sv[1], req, 12), 12);
	memcpy(h, req, 12);
	CHECK(h[0] == SK_VHU_GET_FEATURES && h[2] == 0);
	uint8_t msg[SK_VHU_MSG_MAX];
	int fd = sv[0];
	size_t n = sk_vhu_u64(msg, SK_VHU_SET_VRING_KICK, 0);
	CHECK_INT(sk_vhu_send(sv[0], msg, n, &fd, 1), 0);
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = req, .iov_len = sizeof(req) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)
	};
	CHECK(recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC) > 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	CHECK(c && c->cmsg_type == SCM_RIGHTS);
	int got;
	memcpy(&got, CMSG_DATA(c), sizeof(got));
	CHECK(got >= 0);
	close(got);
	close(sv[0]);
	/* the peer gone: an error, not a hang */
	CHECK(sk_vhu_get_u64(sv[1], SK_VHU_GET_FEATURES, &v) < 0);
	close(sv[1]);
}

TEST(virtiofs_kernel_modules)
{
	char dir[] = "/tmp/skiff-unit-vfs-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *k = sk_xasprintf("%s/vmlinux-9.9.9-test", dir);
	struct sk_err e;
	CHECK_INT(sk_write_file_at(AT_FDCWD, k, "x", 1, O_WRONLY | O_CREAT, 0644, &e), 0);
	/* no modules beside it, none in /lib/modules for that version */
	CHECK(!sk_vm_fs_kernel_ok(k));
	char *m = sk_xasprintf("%s/modules-9.9.9-test/kernel/fs/fuse", dir);
	CHECK_INT(sk_mkdir_p(m, 0755, &e), 0);
	CHECK(!sk_vm_fs_kernel_ok(k));
	char *b = sk_xasprintf("%s/modules-9.9.9-test/modules.builtin", dir);
	CHECK_INT(sk_write_file_at(AT_FDCWD, b, "kernel/fs/fuse/virtiofs.ko\n", 27,
				   O_WRONLY | O_CREAT, 0644, &e),
		  0);
	CHECK(sk_vm_fs_kernel_ok(k)); /* built in */
	unlink(b);
	char *ko = sk_xasprintf("%s/virtiofs.ko", m);
	CHECK_INT(sk_write_file_at(AT_FDCWD, ko, "m", 1, O_WRONLY | O_CREAT, 0644, &e), 0);
	CHECK(sk_vm_fs_kernel_ok(k)); /* a module */
	CHECK(!sk_vm_fs_kernel_ok("/boot/not-a-kernel-name"));
	sk_rm_rf(dir);
	free(k);
	free(m);
	free(b);
	free(ko);
}

int main(void)
{
	RUN(vmmio_identity_and_features);
	RUN(vmmio_driver_ok_notify_reset);
	RUN(vmmio_rejects_bad_negotiation);
	RUN(virtq_layout_checks);
	RUN(virtq_chains);
	RUN(virtq_bad_chains);
	RUN(virtq_indirect);
	RUN(virtq_event_idx);
	RUN(vhost_user_encoding);
	RUN(vhost_user_reply);
	RUN(virtiofs_kernel_modules);
	return unit_done();
}
