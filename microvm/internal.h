/* SPDX-License-Identifier: GPL-2.0-or-later */
/* internal.h - what the files of microvm/ share with each other (and unit
 * tests); other folders include only microvm.h. */
#ifndef SKIFF_MICROVM_INTERNAL_H
#define SKIFF_MICROVM_INTERNAL_H

#include "microvm.h"

/* Guest RAM for a cgroup limit: limit - reserve for the VMM itself.
 * Fails (-ENOMEM, clear message) below the minimum for @initrd_size. */
__must_check int sk_vm_guest_mem(uint64_t mem_limit, uint64_t initrd_size, uint64_t *guest_mem,
				 struct sk_err *e);
/* The memory limit of this process's cgroup (v2 or v1), 0 if none. */
uint64_t sk_vm_cgroup_mem_limit(void);
/* vCPU count from a cpuset string and/or CFS quota/period (<=0: unset);
 * fills @cpus with the cpuset's CPUs and returns their count (>= 0). */
__must_check int sk_vm_vcpus_from(const char *cpuset, int64_t quota, uint64_t period, int *n,
				  int *cpus /* [256] or NULL */, struct sk_err *e);
/* The vCPU count of a run: o->nr_vcpus, else from o->cpuset or the
 * config's cpu resources (sk_vm_vcpus_from); fills @cpus [256] with the
 * cpuset's CPUs and *ncpus with their count. */
__must_check int sk_vm_vcpus(const struct sk_vm_opts *o, int *cpus, int *ncpus, struct sk_err *e);

/* Install the VMM's seccomp filter (called by sk_vm_run after setup). */
__must_check int sk_vm_seccomp(struct sk_err *e);

/* ============================================ building blocks (unit tests) */

#define SK_VM_EXIT_PORT 0x501
#define SK_VM_READY_PORT 0x502 /* shim: ttys open, send input now */
#define SK_VM_FS_TAG "rootfs"  /* the virtio-fs tag of the shared rootfs */
#define SK_VM_COM1 0x3f8
#define SK_VM_COM2 0x2f8
#define SK_VM_MIN_MEM (128ULL << 20)
#define SK_VM_RESERVE (24ULL << 20)

/* Control bytes the VMM sends on ttyS1 to the shim. */
#define SK_VM_CTL_EOF 0xfe /* host stdin reached end of file */
/* 1..64: deliver that signal to the guest process. */

/* ---- cpio newc writer (cpio.c) */
struct sk_cpio {
	int fd;	   /* output, or -1 to append to buf */
	char *buf; /* in-memory archive when fd < 0 */
	size_t len, cap;
	uint64_t off; /* bytes written so far */
	uint32_t ino;
	int err; /* first write error, -errno */
};
void sk_cpio_init(struct sk_cpio *c, int fd);
/* One entry; data is the file content or the symlink target. */
int sk_cpio_add(struct sk_cpio *c, const char *name, uint32_t mode, uint32_t uid, uint32_t gid,
		uint32_t rmaj, uint32_t rmin, uint64_t mtime, const void *data, size_t len);
/* Add every file below @dirfd (the rootfs), names relative to it.  Files
 * are streamed; @hash, if not NULL, receives an FNV-1a hash of the
 * metadata walk (the cache key) - with @c NULL only the hash is made. */
__must_check int sk_cpio_add_tree(struct sk_cpio *c, int dirfd, uint64_t *hash, struct sk_err *e);
int sk_cpio_finish(struct sk_cpio *c);

/* ---- guest memory layout and boot protocol (boot.c) */
#define SK_VM_GDT_ADDR 0x500
#define SK_VM_PML4_ADDR 0x9000 /* PML4, PDPT, then 4 PDs: 4 GiB identity */
#define SK_VM_ZERO_PAGE 0x7000
#define SK_VM_CMDLINE_ADDR 0x20000
#define SK_VM_CMDLINE_MAX 4096
#define SK_VM_ACPI_ADDR 0xe0000
#define SK_VM_KERNEL_ADDR 0x100000
#define SK_VM_MMIO_GAP_START 0xc0000000ULL
#define SK_VM_HIGH_START 0x100000000ULL

struct sk_vm_mem {
	uint8_t *host;	   /* guest physical 0.. mapped contiguously */
	uint64_t size;	   /* guest RAM size */
	uint64_t low_size; /* RAM below the MMIO gap */
};
/* Pointer into guest memory for [gpa, gpa+len), NULL when outside RAM. */
void *sk_vm_gpa(const struct sk_vm_mem *m, uint64_t gpa, uint64_t len);

struct sk_vm_kernel_info {
	bool is_elf;
	uint64_t entry;	     /* 64-bit entry point (guest physical) */
	uint64_t load_end;   /* first byte after the loaded image */
	uint16_t version;    /* boot protocol version (bzImage) */
	uint32_t initrd_max; /* initrd_addr_max */
};
/* Check an image: 0 if bzImage/ELF64 x86-64, -ENOEXEC with a message. */
__must_check int sk_vm_kernel_check(const void *img, size_t len, const char *path, struct sk_err *e);
/* Load the kernel image into guest memory and fill the zero page header. */
__must_check int sk_vm_load_kernel(const struct sk_vm_mem *m, const void *img, size_t len,
				   struct sk_vm_kernel_info *ki, struct sk_err *e);
/* Fill boot_params (zero page): e820, cmdline, initrd at [initrd, +len). */
__must_check int sk_vm_setup_boot_params(const struct sk_vm_mem *m,
					 const struct sk_vm_kernel_info *ki, const char *cmdline,
					 uint64_t initrd, uint64_t initrd_len, uint64_t rsdp,
					 struct sk_err *e);
/* Where to put an initrd of @len bytes (top of low RAM, page aligned). */
uint64_t sk_vm_initrd_addr(const struct sk_vm_mem *m, const struct sk_vm_kernel_info *ki,
			   uint64_t len);
/* Map the kernel file at @path and load it (load.c). */
__must_check int sk_vm_load_kernel_file(const struct sk_vm_mem *m, const char *path,
					struct sk_vm_kernel_info *ki, struct sk_err *e);
/* Put the initramfs in guest memory (load.c): the rootfs archive at
 * @path (NULL: none), then the per-run one (sk_vm_initrd_extra). */
__must_check int sk_vm_load_initrd(const struct sk_vm_mem *m, const struct sk_vm_kernel_info *ki,
				   const struct sk_vm_opts *o, const char *path, uint64_t *addr,
				   uint64_t *len, struct sk_err *e);
/* Write GDT and identity page tables for 4 GiB. */
void sk_vm_setup_pagetables(const struct sk_vm_mem *m);
struct kvm_sregs;
struct kvm_regs;
/* Long mode in sregs (CS 0x10, DS 0x18, CR0/CR4/EFER/CR3), regs at entry. */
void sk_vm_setup_sregs(struct kvm_sregs *s);
void sk_vm_setup_regs(struct kvm_regs *r, uint64_t entry);

/* ---- ACPI (acpi.c): RSDP, XSDT, FADT (hw-reduced), MADT, DSDT with
 * two PNP0501 UARTs and the virtio-mmio devices (LNRO0005).  Written at
 * @base; returns the RSDP address. */
#define SK_VM_ACPI_MAX_VIRTIO 8
struct sk_vm_acpi_mmio {
	uint64_t base, len;
	int irq;
};
__must_check int sk_vm_acpi_build(const struct sk_vm_mem *m, uint64_t base, int nr_cpus,
				  const struct sk_vm_acpi_mmio *virtio, int nr_virtio,
				  uint64_t *rsdp, struct sk_err *e);
uint8_t sk_vm_acpi_checksum(const void *p, size_t len);

/* ---- 16550A UART model (uart.c): a pure state machine. */
#define SK_UART_RXBUF 4096
struct sk_uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr, msr_prev;
	bool thre_pending; /* THR-empty interrupt latched */
	uint8_t rx[SK_UART_RXBUF];
	size_t rx_head, rx_len;
};
void sk_uart_init(struct sk_uart *u);
/* Register access at offset 0..7.  For a write, *tx receives a byte to
 * send out (returns 1), or the write is internal (returns 0). */
uint8_t sk_uart_read(struct sk_uart *u, unsigned off);
int sk_uart_write(struct sk_uart *u, unsigned off, uint8_t val, uint8_t *tx);
/* Queue received bytes; returns how many fitted. */
size_t sk_uart_rx_push(struct sk_uart *u, const uint8_t *buf, size_t len);
size_t sk_uart_rx_room(const struct sk_uart *u);
/* Is an interrupt pending (the level of the IRQ line)? */
bool sk_uart_irq(const struct sk_uart *u);

/* ---- I/O bus (bus.c): devices register an address range and a handler;
 * an access goes to the device whose range holds its first address, with
 * the offset into that range.  The VMM has one bus for port I/O and one
 * for MMIO.  Devices register before the vCPUs run; afterwards the bus is
 * only read, by every vCPU thread at once. */
typedef void sk_bus_fn(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len);
struct sk_bus_dev {
	uint64_t base, len;
	const char *name; /* for messages */
	sk_bus_fn *fn;
	void *opaque;
};
struct sk_bus {
	const char *kind;	 /* "port", "MMIO": for messages */
	struct sk_bus_dev *devs; /* sorted by base, no two overlap */
	size_t n;
};
/* Claim [base, base+len) for @name; -EBUSY if another device holds part of
 * it, -EINVAL for an empty or wrapping range. */
__must_check int sk_bus_register(struct sk_bus *b, uint64_t base, uint64_t len, const char *name,
				 sk_bus_fn *fn, void *opaque, struct sk_err *e);
/* The device at @addr, or NULL. */
const struct sk_bus_dev *sk_bus_find(const struct sk_bus *b, uint64_t addr);
/* Dispatch one access of @len bytes.  Where no device is, a read returns
 * all ones and a write is dropped (false is returned). */
bool sk_bus_access(const struct sk_bus *b, uint64_t addr, bool is_write, uint8_t *data, unsigned len);
void sk_bus_free(struct sk_bus *b);

/* ---- virtio-mmio register file (virtio_mmio.c): a pure state machine
 * (virtio 1.2, 4.2.2, the version 2 layout). */
#define SK_VIRTIO_MAX_QUEUES 8
#define SK_VIRTIO_F_VERSION_1 (1ULL << 32)
#define SK_VIRTIO_F_INDIRECT_DESC (1ULL << 28)
#define SK_VIRTIO_F_EVENT_IDX (1ULL << 29)
#define SK_VIRTIO_S_ACKNOWLEDGE 1
#define SK_VIRTIO_S_DRIVER 2
#define SK_VIRTIO_S_DRIVER_OK 4
#define SK_VIRTIO_S_FEATURES_OK 8
#define SK_VIRTIO_S_FAILED 0x80
#define SK_VMMIO_INT_VRING 1
#define SK_VMMIO_INT_CONFIG 2
#define SK_VMMIO_SIZE 0x1000
enum {
	SK_VMMIO_MAGIC = 0x000,
	SK_VMMIO_VERSION = 0x004,
	SK_VMMIO_DEVICE_ID = 0x008,
	SK_VMMIO_VENDOR_ID = 0x00c,
	SK_VMMIO_DEVICE_FEATURES = 0x010,
	SK_VMMIO_DEVICE_FEATURES_SEL = 0x014,
	SK_VMMIO_DRIVER_FEATURES = 0x020,
	SK_VMMIO_DRIVER_FEATURES_SEL = 0x024,
	SK_VMMIO_QUEUE_SEL = 0x030,
	SK_VMMIO_QUEUE_NUM_MAX = 0x034,
	SK_VMMIO_QUEUE_NUM = 0x038,
	SK_VMMIO_QUEUE_READY = 0x044,
	SK_VMMIO_QUEUE_NOTIFY = 0x050,
	SK_VMMIO_INTERRUPT_STATUS = 0x060,
	SK_VMMIO_INTERRUPT_ACK = 0x064,
	SK_VMMIO_STATUS = 0x070,
	SK_VMMIO_QUEUE_DESC_LOW = 0x080,
	SK_VMMIO_QUEUE_DESC_HIGH = 0x084,
	SK_VMMIO_QUEUE_AVAIL_LOW = 0x090,
	SK_VMMIO_QUEUE_AVAIL_HIGH = 0x094,
	SK_VMMIO_QUEUE_USED_LOW = 0x0a0,
	SK_VMMIO_QUEUE_USED_HIGH = 0x0a4,
	SK_VMMIO_SHM_SEL = 0x0ac,
	SK_VMMIO_SHM_LEN_LOW = 0x0b0,
	SK_VMMIO_SHM_LEN_HIGH = 0x0b4,
	SK_VMMIO_CONFIG_GEN = 0x0fc,
	SK_VMMIO_CONFIG = 0x100,
};
/* A queue as the driver configured it. */
struct sk_virtq_cfg {
	uint16_t num_max, num;
	bool ready;
	uint64_t desc, avail, used; /* guest physical */
};
struct sk_vmmio {
	uint32_t device_id, vendor_id;
	uint64_t dev_features, drv_features;
	uint32_t dev_sel, drv_sel, queue_sel, status, int_status, config_gen;
	bool int_vring_always; /* a backend signals the guest on its own
				* (irqfd): InterruptStatus always says "used
				* buffers", the driver then looks at its rings */
	unsigned nq;
	struct sk_virtq_cfg q[SK_VIRTIO_MAX_QUEUES];
	const void *config; /* the device's configuration space, read-only */
	size_t config_len;
};
enum sk_vmmio_event {
	SK_VMMIO_NONE,
	SK_VMMIO_DRIVER_OK, /* the driver set DRIVER_OK: start the device */
	SK_VMMIO_RESET,	    /* a live device was reset */
	SK_VMMIO_NOTIFY,    /* queue *arg has new buffers */
};
/* @features: the device's, VIRTIO_F_VERSION_1 is added; @nq queues of at
 * most @qmax entries each. */
void sk_vmmio_init(struct sk_vmmio *d, uint32_t device_id, uint64_t features, unsigned nq,
		   uint16_t qmax, const void *config, size_t config_len);
/* Register access at @off (0..SK_VMMIO_SIZE) of @len bytes: registers are
 * 32-bit, the config space takes 1, 2 or 4. */
uint32_t sk_vmmio_read(struct sk_vmmio *d, uint64_t off, unsigned len);
enum sk_vmmio_event sk_vmmio_write(struct sk_vmmio *d, uint64_t off, uint32_t val, unsigned len,
				   uint32_t *arg);
/* A queue the driver made ready: a power-of-two size, aligned rings
 * inside guest RAM (0), else -EINVAL / -EFAULT. */
int sk_virtq_check(const struct sk_virtq_cfg *q, const struct sk_vm_mem *m);

/* ---- split virtqueues seen from the device (virtqueue.c), apart from
 * any device: take the chains the driver made available, give them back
 * used, and say whether the driver wants an interrupt for that. */
#define SK_VIRTQ_MAX_BUFS 64 /* buffers of one chain */
struct sk_virtq {
	const struct sk_vm_mem *mem;
	uint16_t num;
	uint8_t *desc, *avail, *used; /* host pointers of the rings */
	uint16_t last_avail;	      /* next available entry to take */
	uint16_t used_idx;	      /* next used entry to fill */
	bool event_idx, indirect;     /* negotiated ring features */
};
struct sk_virtq_buf {
	uint64_t addr; /* guest physical, inside guest RAM */
	uint32_t len;
	bool write; /* device-writable */
};
struct sk_virtq_chain {
	uint16_t head;		  /* what sk_virtq_push gives back */
	unsigned n;		  /* buffers, the readable ones first */
	uint32_t out_len, in_len; /* readable, writable bytes */
	struct sk_virtq_buf buf[SK_VIRTQ_MAX_BUFS];
};
/* A queue the driver made ready (sk_virtq_check) with the features it
 * accepted; 0 or -EINVAL / -EFAULT. */
int sk_virtq_init(struct sk_virtq *vq, const struct sk_vm_mem *m, const struct sk_virtq_cfg *cfg,
		  uint64_t features);
/* The next available chain: 1 and @c filled, 0 when there is none,
 * -EINVAL for a chain the device must not use (an index out of range, a
 * loop, a buffer outside guest RAM, a readable buffer after a writable
 * one, a nested or chained indirect table, more than SK_VIRTQ_MAX_BUFS
 * buffers) - the queue is then broken: the driver did not follow the
 * spec. */
int sk_virtq_pop(struct sk_virtq *vq, struct sk_virtq_chain *c);
/* Give chain @head back with @written bytes in its writable buffers;
 * true if the driver asked for an interrupt (VIRTQ_AVAIL_F_NO_INTERRUPT,
 * or used_event with VIRTIO_F_EVENT_IDX). */
bool sk_virtq_push(struct sk_virtq *vq, uint16_t head, uint32_t written);

/* ---- vhost-user frontend (vhost_user.c) */
enum {
	SK_VHU_GET_FEATURES = 1,
	SK_VHU_SET_FEATURES = 2,
	SK_VHU_SET_OWNER = 3,
	SK_VHU_SET_MEM_TABLE = 5,
	SK_VHU_SET_VRING_NUM = 8,
	SK_VHU_SET_VRING_ADDR = 9,
	SK_VHU_SET_VRING_BASE = 10,
	SK_VHU_GET_VRING_BASE = 11,
	SK_VHU_SET_VRING_KICK = 12,
	SK_VHU_SET_VRING_CALL = 13,
	SK_VHU_GET_PROTOCOL_FEATURES = 15,
	SK_VHU_SET_PROTOCOL_FEATURES = 16,
	SK_VHU_SET_VRING_ENABLE = 18,
};
#define SK_VHU_VERSION 0x1
#define SK_VHU_REPLY 0x4
#define SK_VHU_NEED_REPLY 0x8
#define SK_VHU_F_PROTOCOL_FEATURES (1ULL << 30)
#define SK_VHU_F_LOG_ALL (1ULL << 26) /* vhost, not virtio */
#define SK_VHU_MAX_REGIONS 8
#define SK_VHU_MSG_MAX 512
struct sk_vhu_hdr {
	uint32_t req, flags, size;
};
struct sk_vhu_region {
	uint64_t gpa, size, uaddr, mmap_offset;
};
/* Encoders write one message into @buf (SK_VHU_MSG_MAX bytes) and return
 * its length, 0 if it does not fit. */
size_t sk_vhu_encode(uint8_t *buf, uint32_t req, uint32_t flags, const void *payload, uint32_t len);
size_t sk_vhu_u64(uint8_t *buf, uint32_t req, uint64_t v);
/* struct vhost_vring_state: SET_VRING_NUM, _BASE, _ENABLE */
size_t sk_vhu_state(uint8_t *buf, uint32_t req, uint32_t index, uint32_t num);
/* SET_VRING_ADDR: ring addresses in the frontend's address space */
size_t sk_vhu_vring_addr(uint8_t *buf, uint32_t index, uint64_t desc, uint64_t used, uint64_t avail);
/* SET_MEM_TABLE with @n regions (one fd each, sent alongside) */
size_t sk_vhu_mem_table(uint8_t *buf, const struct sk_vhu_region *r, unsigned n);
/* A reply to @req carrying a u64: 0 or -EPROTO. */
int sk_vhu_parse_u64(const uint8_t *buf, size_t len, uint32_t req, uint64_t *v);
/* Send a message with @nfds descriptors; 0 or -errno. */
int sk_vhu_send(int sock, const uint8_t *msg, size_t len, const int *fds, unsigned nfds);
/* A request without payload whose reply is a u64 (10 s at most). */
int sk_vhu_get_u64(int sock, uint32_t req, uint64_t *v);

/* ---- process description for the shim (procdesc.c).
 * Records: one tag byte, then a NUL-terminated string.
 * a=arg e=env c=cwd h=hostname u=uid g=gid G=extra gid m=umask t=terminal
 * f=virtio-fs tag of the rootfs r=rootfs read-only
 * T=a tmpfs mount of the config: "DEST\x1fOPT,OPT..." */
__must_check int sk_vm_procdesc(const struct oci_config *cfg, char **out, size_t *len,
				struct sk_err *e);
/* Close the socket, kill and reap virtiofsd (virtiofsd.c; a VMM under
 * its seccomp filter cannot: there, virtiofsd ends with it). */
void sk_vm_share_stop(struct sk_vm_share *s);
/* Can the guest kernel mount virtio-fs: its modules found (or listed
 * as built in) beside @kernel or in /lib/modules (load.c)? */
bool sk_vm_fs_kernel_ok(const char *kernel);
/* Records of a rootfs on virtio-fs, appended: f=tag, r=read-only. */
void sk_vm_procdesc_rootfs(char **buf, size_t *len, const char *tag, bool readonly);
/* The per-run second archive: /dev/console, /.skiff/init (the shim) and
 * /.skiff/process, with o->share the modules of virtio-fs in
 * /.skiff/modules; appended to the cached rootfs archive in guest RAM,
 * or alone with o->share.  c->buf is malloc'ed. */
__must_check int sk_vm_initrd_extra(const struct sk_vm_opts *o, struct sk_cpio *c, struct sk_err *e);
/* Kernel command line for a VM (acpi, console, ...). */
char *sk_vm_cmdline(int nr_vcpus, const char *extra);
const char *sk_vm_annotation(const struct oci_config *cfg, const char *key);

/* The guest shim binary: embedded (microvm/guest/guest.mk) or from
 * $SKIFF_VM_INIT / skiff-vminit beside the skiff binary. */
__must_check int sk_vm_shim(char **data, size_t *len, struct sk_err *e);

#endif
