/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of microvm/: cpio writer, boot protocol, ACPI, UART model,
 * I/O bus, sizing, process description, kernel resolution. */
#include "unit.h"

#include "../../microvm/internal.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/stat.h>

/* ------------------------------------------------------------- cpio */

static unsigned long hexfield(const char *h, int idx)
{
	char b[9];
	memcpy(b, h + 6 + idx * 8, 8);
	b[8] = 0;
	return strtoul(b, NULL, 16);
}

/* Walk a newc archive: count entries, find @want and return its data. */
static int cpio_find(const char *buf, size_t len, const char *want, const char **data,
		     unsigned long *size, unsigned long *mode, int *count)
{
	size_t off = 0;
	*count = 0;
	int found = 0;
	while (off + 110 <= len) {
		const char *h = buf + off;
		if (memcmp(h, "070701", 6))
			return -1;
		unsigned long fsize = hexfield(h, 6), nsize = hexfield(h, 11);
		const char *name = h + 110;
		size_t doff = (off + 110 + nsize + 3) & ~3UL;
		if (!strcmp(name, "TRAILER!!!"))
			return found ? 0 : -2;
		(*count)++;
		if (!strcmp(name, want)) {
			*data = buf + doff;
			*size = fsize;
			*mode = hexfield(h, 1);
			found = 1;
		}
		off = (doff + fsize + 3) & ~3UL;
	}
	return -3;
}

TEST(cpio_memory_archive)
{
	struct sk_cpio c;
	sk_cpio_init(&c, -1);
	CHECK_INT(sk_cpio_add(&c, "dir", S_IFDIR | 0755, 0, 0, 0, 0, 0, NULL, 0), 0);
	CHECK_INT(sk_cpio_add(&c, "dir/f", S_IFREG | 0644, 1, 2, 0, 0, 0, "hello", 5), 0);
	CHECK_INT(sk_cpio_add(&c, "lnk", S_IFLNK | 0777, 0, 0, 0, 0, 0, "dir/f", 5), 0);
	CHECK_INT(sk_cpio_finish(&c), 0);
	CHECK_INT(c.len % 4, 0);
	CHECK_INT(c.len, c.off);
	const char *d = NULL;
	unsigned long sz = 0, mode = 0;
	int n = 0;
	CHECK_INT(cpio_find(c.buf, c.len, "dir/f", &d, &sz, &mode, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(sz, 5);
	CHECK(d && !memcmp(d, "hello", 5));
	CHECK_INT(mode, S_IFREG | 0644);
	CHECK_INT(cpio_find(c.buf, c.len, "lnk", &d, &sz, &mode, &n), 0);
	CHECK(S_ISLNK(mode));
	free(c.buf);
}

TEST(cpio_tree_and_hash)
{
	char tmpl[] = "/tmp/skiff-test-cpio.XXXXXX";
	char *dir = mkdtemp(tmpl);
	CHECK(dir != NULL);
	if (!dir)
		return;
	char p[256];
	snprintf(p, sizeof(p), "%s/bin", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/bin/prog", dir);
	struct sk_err e = { 0 };
	CHECK_INT(sk_write_file_at(AT_FDCWD, p, "#!/bin/sh\n", 10, O_CREAT | O_WRONLY, 0755, &e), 0);
	snprintf(p, sizeof(p), "%s/link", dir);
	CHECK_INT(symlink("bin/prog", p), 0);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t h1 = 0, h2 = 0, h3 = 0;
	CHECK_INT(sk_cpio_add_tree(NULL, fd, &h1, &e), 0);
	CHECK_INT(sk_cpio_add_tree(NULL, fd, &h2, &e), 0);
	CHECK(h1 == h2);
	struct sk_cpio c;
	sk_cpio_init(&c, -1);
	CHECK_INT(sk_cpio_add_tree(&c, fd, NULL, &e), 0);
	sk_cpio_finish(&c);
	const char *d = NULL;
	unsigned long sz = 0, mode = 0;
	int n = 0;
	CHECK_INT(cpio_find(c.buf, c.len, "bin/prog", &d, &sz, &mode, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(sz, 10);
	CHECK_INT(mode, S_IFREG | 0755);
	CHECK_INT(cpio_find(c.buf, c.len, "link", &d, &sz, &mode, &n), 0);
	CHECK(d && sz == 8 && !memcmp(d, "bin/prog", 8));
	free(c.buf);
	/* A changed file changes the key. */
	snprintf(p, sizeof(p), "%s/bin/new", dir);
	sk_write_file_at(AT_FDCWD, p, "x", 1, O_CREAT | O_WRONLY, 0644, &e);
	CHECK_INT(sk_cpio_add_tree(NULL, fd, &h3, &e), 0);
	CHECK(h3 != h1);
	close(fd);
	sk_rm_rf(dir);
}

/* ------------------------------------------------------------ boot */

#define MEM (64u << 20)

static struct sk_vm_mem mkmem(void)
{
	struct sk_vm_mem m = { .host = calloc(1, MEM), .size = MEM, .low_size = MEM };
	return m;
}

static uint8_t *fake_bzimage(size_t *len)
{
	*len = 8 * 512 + 4096;
	uint8_t *b = calloc(1, *len);
	b[0x1f1] = 7; /* setup sectors */
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = 0x0f; /* version 2.15 */
	b[0x207] = 0x02;
	b[0x201] = 0x6a; /* header end: 0x202 + 0x6a */
	b[0x236] = 0x03; /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	uint32_t initrd_max = 0x7fffffff;
	memcpy(b + 0x22c, &initrd_max, 4);
	uint32_t cmdline_size = 2047;
	memcpy(b + 0x238, &cmdline_size, 4);
	memset(b + 8 * 512, 0x90, 4096); /* "kernel" */
	return b;
}

TEST(kernel_check_rejects_garbage)
{
	struct sk_err e = { 0 };
	char junk[4096];
	memset(junk, 'x', sizeof(junk));
	CHECK_INT(sk_vm_kernel_check(junk, sizeof(junk), "/k", &e), -ENOEXEC);
	CHECK_CONTAINS(e.msg, "not a Linux kernel");
	CHECK_CONTAINS(e.msg, "/k");
	size_t len;
	uint8_t *b = fake_bzimage(&len);
	CHECK_INT(sk_vm_kernel_check(b, len, "/k", &e), 0);
	b[0x236] = 0; /* no 64-bit entry */
	CHECK_INT(sk_vm_kernel_check(b, len, "/k", &e), -ENOEXEC);
	CHECK_CONTAINS(e.msg, "64-bit");
	free(b);
	Elf64_Ehdr eh = { .e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS32 } };
	CHECK_INT(sk_vm_kernel_check(&eh, sizeof(eh), "/k", &e), -ENOEXEC);
}

TEST(bzimage_load_and_boot_params)
{
	struct sk_vm_mem m = mkmem();
	size_t len;
	uint8_t *b = fake_bzimage(&len);
	struct sk_vm_kernel_info ki;
	struct sk_err e = { 0 };
	CHECK_INT(sk_vm_load_kernel(&m, b, len, &ki, &e), 0);
	CHECK(!ki.is_elf);
	CHECK_INT(ki.entry, 0x100200);
	CHECK_INT(m.host[0x100000], 0x90);
	uint64_t ird = sk_vm_initrd_addr(&m, &ki, 1 << 20);
	CHECK(ird > ki.load_end);
	CHECK_INT(ird % 4096, 0);
	CHECK(ird + (1 << 20) <= MEM);
	CHECK_INT(sk_vm_setup_boot_params(&m, &ki, "console=ttyS0", ird, 1 << 20, 0xe0000, &e), 0);
	struct boot_params *bp = (void *)(m.host + SK_VM_ZERO_PAGE);
	CHECK_INT(bp->hdr.header, 0x53726448);
	CHECK_INT(bp->hdr.type_of_loader, 0xff);
	CHECK_INT(bp->hdr.cmd_line_ptr, SK_VM_CMDLINE_ADDR);
	CHECK_STR((char *)m.host + SK_VM_CMDLINE_ADDR, "console=ttyS0");
	CHECK_INT(bp->hdr.ramdisk_image, ird);
	CHECK_INT(bp->hdr.ramdisk_size, 1 << 20);
	CHECK_INT(bp->acpi_rsdp_addr, 0xe0000);
	CHECK(bp->hdr.loadflags & LOADED_HIGH);
	CHECK_INT(bp->e820_entries, 4);
	uint64_t ram = 0;
	for (int i = 0; i < bp->e820_entries; i++)
		if (bp->e820_table[i].type == 1)
			ram += bp->e820_table[i].size;
	CHECK_INT(ram, 0x9fc00 + MEM - 0x100000);
	/* command line too long */
	char *big = malloc(5000);
	memset(big, 'a', 4999);
	big[4999] = 0;
	CHECK_INT(sk_vm_setup_boot_params(&m, &ki, big, ird, 1, 0, &e), -E2BIG);
	free(big);
	free(b);
	free(m.host);
}

TEST(elf_load)
{
	struct sk_vm_mem m = mkmem();
	size_t len = 0x3000;
	uint8_t *img = calloc(1, len);
	Elf64_Ehdr *eh = (void *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_machine = EM_X86_64;
	eh->e_entry = 0x1000000;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	Elf64_Phdr *ph = (void *)(img + eh->e_phoff);
	ph->p_type = PT_LOAD;
	ph->p_offset = 0x1000;
	ph->p_vaddr = 0xffffffff81000000ULL;
	ph->p_paddr = 0x1000000;
	ph->p_filesz = 0x2000;
	ph->p_memsz = 0x5000;
	memset(img + 0x1000, 0xcc, 0x2000);
	memset(m.host + 0x1000000, 0x11, 0x5000);
	struct sk_vm_kernel_info ki;
	struct sk_err e = { 0 };
	CHECK_INT(sk_vm_load_kernel(&m, img, len, &ki, &e), 0);
	CHECK(ki.is_elf);
	CHECK_INT(ki.entry, 0x1000000);
	CHECK_INT(ki.load_end, 0x1005000);
	CHECK_INT(m.host[0x1001fff], 0xcc);
	CHECK_INT(m.host[0x1002000], 0); /* bss zeroed */
	struct boot_params *bp = (void *)(m.host + SK_VM_ZERO_PAGE);
	CHECK_INT(bp->hdr.boot_flag, 0xaa55);
	/* a segment outside guest RAM is an error */
	ph->p_paddr = 0x10000000;
	CHECK(sk_vm_load_kernel(&m, img, len, &ki, &e) < 0);
	CHECK_CONTAINS(e.msg, "does not fit");
	free(img);
	free(m.host);
}

TEST(pagetables_and_sregs)
{
	struct sk_vm_mem m = mkmem();
	sk_vm_setup_pagetables(&m);
	uint64_t *pml4 = (void *)(m.host + SK_VM_PML4_ADDR);
	CHECK_INT(pml4[0] & ~0xfffULL, SK_VM_PML4_ADDR + 0x1000);
	uint64_t *pdpt = pml4 + 512;
	CHECK_INT(pdpt[3] & ~0xfffULL, SK_VM_PML4_ADDR + 0x5000);
	uint64_t *pd3 = pml4 + 512 * 5;
	CHECK_INT(pd3[511], (3ULL << 30) + (511ULL << 21) + 0x83);
	uint64_t *gdt = (void *)(m.host + SK_VM_GDT_ADDR);
	CHECK(gdt[2] & (1ULL << 53)); /* L bit of the code segment */
	struct kvm_sregs s;
	memset(&s, 0, sizeof(s));
	sk_vm_setup_sregs(&s);
	CHECK_INT(s.cs.selector, 0x10);
	CHECK_INT(s.ds.selector, 0x18);
	CHECK_INT(s.cs.l, 1);
	CHECK_INT(s.efer & 0x500, 0x500);
	CHECK(s.cr0 & 0x80000000ULL);
	CHECK_INT(s.cr3, SK_VM_PML4_ADDR);
	struct kvm_regs r;
	sk_vm_setup_regs(&r, 0x1000000);
	CHECK_INT(r.rip, 0x1000000);
	CHECK_INT(r.rsi, SK_VM_ZERO_PAGE);
	free(m.host);
}

/* ------------------------------------------------------------ ACPI */

TEST(acpi_tables)
{
	struct sk_vm_mem m = mkmem();
	uint64_t rsdp = 0;
	struct sk_err e = { 0 };
	CHECK_INT(sk_vm_acpi_build(&m, SK_VM_ACPI_ADDR, 2, &rsdp, &e), 0);
	CHECK_INT(rsdp, SK_VM_ACPI_ADDR);
	uint8_t *r = m.host + rsdp;
	CHECK(!memcmp(r, "RSD PTR ", 8));
	CHECK_INT(sk_vm_acpi_checksum(r, 20), 0);
	CHECK_INT(sk_vm_acpi_checksum(r, 36), 0);
	uint64_t xa;
	memcpy(&xa, r + 24, 8);
	uint8_t *x = m.host + xa;
	CHECK(!memcmp(x, "XSDT", 4));
	uint32_t xl;
	memcpy(&xl, x + 4, 4);
	CHECK_INT(xl, 36 + 16);
	CHECK_INT(sk_vm_acpi_checksum(x, xl), 0);
	const char *sigs[] = { "FACP", "APIC" };
	for (int i = 0; i < 2; i++) {
		uint64_t ta;
		memcpy(&ta, x + 36 + 8 * i, 8);
		uint8_t *t = m.host + ta;
		uint32_t tl;
		memcpy(&tl, t + 4, 4);
		CHECK(!memcmp(t, sigs[i], 4));
		CHECK_INT(sk_vm_acpi_checksum(t, tl), 0);
		if (i == 0) {
			uint32_t flags;
			memcpy(&flags, t + 112, 4);
			CHECK(flags & (1u << 20)); /* hardware reduced */
			uint64_t dsdt;
			memcpy(&dsdt, t + 140, 8);
			uint8_t *d = m.host + dsdt;
			uint32_t dl;
			memcpy(&dl, d + 4, 4);
			CHECK(!memcmp(d, "DSDT", 4));
			CHECK_INT(sk_vm_acpi_checksum(d, dl), 0);
			/* the AML names both UARTs with PNP0501 and their ports */
			static const uint8_t eisa[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
			static const uint8_t io1[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03 };
			CHECK(memmem(d, dl, "COM1", 4) && memmem(d, dl, "COM2", 4));
			CHECK(memmem(d, dl, eisa, sizeof(eisa)) != NULL);
			CHECK(memmem(d, dl, io1, sizeof(io1)) != NULL);
		} else {
			CHECK_INT(tl, 44 + 2 * 8 + 12); /* 2 LAPICs + IOAPIC */
			CHECK_INT(t[44], 0);
			CHECK_INT(t[44 + 8 + 3], 1); /* APIC id of CPU 1 */
			CHECK_INT(t[44 + 16], 1);    /* IOAPIC entry */
		}
	}
	CHECK(sk_vm_acpi_build(&m, SK_VM_ACPI_ADDR, 0, &rsdp, &e) < 0);
	free(m.host);
}

/* ------------------------------------------------------------ UART */

TEST(uart_probe_registers)
{
	struct sk_uart u;
	uint8_t tx = 0;
	sk_uart_init(&u);
	/* scratch */
	sk_uart_write(&u, 7, 0xa5, &tx);
	CHECK_INT(sk_uart_read(&u, 7), 0xa5);
	/* IER keeps its 4 low bits */
	sk_uart_write(&u, 1, 0xff, &tx);
	CHECK_INT(sk_uart_read(&u, 1), 0x0f);
	sk_uart_write(&u, 1, 0, &tx);
	/* divisor latch */
	sk_uart_write(&u, 3, 0x80, &tx);
	sk_uart_write(&u, 0, 0x01, &tx);
	sk_uart_write(&u, 1, 0x02, &tx);
	CHECK_INT(sk_uart_read(&u, 0), 0x01);
	CHECK_INT(sk_uart_read(&u, 1), 0x02);
	sk_uart_write(&u, 3, 0x03, &tx);
	/* FIFO bits: 16550A, no 64-byte FIFO */
	CHECK_INT(sk_uart_read(&u, 2) & 0xc0, 0);
	sk_uart_write(&u, 2, 0xe7, &tx);
	CHECK_INT(sk_uart_read(&u, 2) & 0xe0, 0xc0);
	/* loopback: MCR -> MSR, THR -> RBR, nothing transmitted */
	sk_uart_write(&u, 4, 0x10 | 0x0a, &tx);
	CHECK_INT(sk_uart_read(&u, 6) & 0xf0, 0x90);
	CHECK_INT(sk_uart_write(&u, 0, 'Z', &tx), 0);
	CHECK(sk_uart_read(&u, 5) & 0x01);
	CHECK_INT(sk_uart_read(&u, 0), 'Z');
	CHECK_INT(sk_uart_read(&u, 5) & 0x01, 0);
	sk_uart_write(&u, 4, 0x0b, &tx);
	/* transmit */
	CHECK_INT(sk_uart_write(&u, 0, 'A', &tx), 1);
	CHECK_INT(tx, 'A');
	CHECK_INT(sk_uart_read(&u, 5) & 0x60, 0x60);
}

TEST(uart_interrupts)
{
	struct sk_uart u;
	uint8_t tx;
	sk_uart_init(&u);
	CHECK(!sk_uart_irq(&u));
	/* enabling THRI with an empty transmitter raises THRE */
	sk_uart_write(&u, 1, 0x02, &tx);
	CHECK(sk_uart_irq(&u));
	CHECK_INT(sk_uart_read(&u, 2) & 0x0f, 0x02);
	/* reading IIR cleared it */
	CHECK(!sk_uart_irq(&u));
	CHECK_INT(sk_uart_read(&u, 2) & 0x0f, 0x01);
	/* a THR write raises it again */
	sk_uart_write(&u, 0, 'x', &tx);
	CHECK(sk_uart_irq(&u));
	sk_uart_read(&u, 2);
	/* received data has priority, cleared by reading it */
	sk_uart_write(&u, 1, 0x03, &tx);
	sk_uart_read(&u, 2);
	CHECK_INT(sk_uart_rx_push(&u, (const uint8_t *)"hi", 2), 2);
	CHECK(sk_uart_irq(&u));
	CHECK_INT(sk_uart_read(&u, 2) & 0x0f, 0x04);
	CHECK_INT(sk_uart_read(&u, 0), 'h');
	CHECK_INT(sk_uart_read(&u, 0), 'i');
	CHECK(!sk_uart_irq(&u));
	/* RX buffer bound */
	uint8_t big[SK_UART_RXBUF + 10];
	memset(big, 'q', sizeof(big));
	CHECK_INT(sk_uart_rx_push(&u, big, sizeof(big)), SK_UART_RXBUF);
	CHECK_INT(sk_uart_rx_room(&u), 0);
	/* FCR clear-receiver empties it */
	sk_uart_write(&u, 2, 0x03, &tx);
	CHECK_INT(sk_uart_rx_room(&u), SK_UART_RXBUF);
}

/* ------------------------------------------------------------- bus */

struct bus_probe {
	uint64_t off;
	unsigned len, calls;
	bool is_write;
	uint8_t val;
};

static void bus_probe_fn(void *opaque, uint64_t off, bool is_write, uint8_t *data, unsigned len)
{
	struct bus_probe *p = opaque;

	p->off = off;
	p->len = len;
	p->is_write = is_write;
	p->calls++;
	if (is_write)
		p->val = data[0];
	else
		memset(data, p->val, len);
}

TEST(bus_dispatch)
{
	struct sk_err e = { 0 };
	struct sk_bus b = { .kind = "port" };
	struct bus_probe com1 = { .val = 0x11 }, com2 = { .val = 0x22 }, exitp = { .val = 0 };
	uint8_t d[4] = { 0 };

	/* registered out of order; kept sorted */
	CHECK_INT(sk_bus_register(&b, 0x3f8, 8, "com1", bus_probe_fn, &com1, &e), 0);
	CHECK_INT(sk_bus_register(&b, 0x501, 1, "exit", bus_probe_fn, &exitp, &e), 0);
	CHECK_INT(sk_bus_register(&b, 0x2f8, 8, "com2", bus_probe_fn, &com2, &e), 0);
	CHECK_INT(b.n, 3);
	CHECK_INT(b.devs[0].base, 0x2f8);
	CHECK_INT(b.devs[2].base, 0x501);
	/* overlaps and empty ranges are refused, naming both devices */
	CHECK_INT(sk_bus_register(&b, 0x3ff, 2, "late", bus_probe_fn, NULL, &e), -EBUSY);
	CHECK_CONTAINS(e.msg, "late");
	CHECK_CONTAINS(e.msg, "com1");
	CHECK_INT(sk_bus_register(&b, 0x2f0, 9, "early", bus_probe_fn, NULL, &e), -EBUSY);
	CHECK_CONTAINS(e.msg, "com2");
	CHECK_INT(sk_bus_register(&b, 0x400, 0, "empty", bus_probe_fn, NULL, &e), -EINVAL);
	CHECK_INT(sk_bus_register(&b, UINT64_MAX, 2, "wrap", bus_probe_fn, NULL, &e), -EINVAL);
	CHECK_INT(b.n, 3);
	/* adjacent ranges are fine */
	CHECK_INT(sk_bus_register(&b, 0x500, 1, "below", bus_probe_fn, NULL, &e), 0);
	CHECK_INT(sk_bus_register(&b, 0x502, 1, "above", bus_probe_fn, NULL, &e), 0);
	CHECK_INT(b.n, 5);
	/* the device gets the offset into its range */
	CHECK(sk_bus_access(&b, 0x3fd, false, d, 1));
	CHECK_INT(com1.calls, 1);
	CHECK_INT(com1.off, 5);
	CHECK_INT(d[0], 0x11);
	d[0] = 'x';
	CHECK(sk_bus_access(&b, 0x2f8, true, d, 1));
	CHECK_INT(com2.val, 'x');
	CHECK(com2.is_write);
	CHECK(sk_bus_access(&b, 0x501, true, d, 4));
	CHECK_INT(exitp.off, 0);
	CHECK_INT(exitp.len, 4);
	/* nothing there: reads are all ones, writes dropped */
	memset(d, 0, sizeof(d));
	CHECK(!sk_bus_access(&b, 0x64, false, d, 2));
	CHECK_INT(d[0], 0xff);
	CHECK_INT(d[1], 0xff);
	CHECK_INT(d[2], 0);
	CHECK(!sk_bus_access(&b, 0x400, true, d, 1));
	CHECK(!sk_bus_find(&b, 0x2f7));
	CHECK(!sk_bus_find(&b, 0x300));
	CHECK_STR(sk_bus_find(&b, 0x2ff)->name, "com2");
	CHECK_INT(com1.calls + com2.calls + exitp.calls, 3);
	sk_bus_free(&b);
	CHECK_INT(b.n, 0);
}

/* ---------------------------------------------------------- sizing */

TEST(guest_memory)
{
	struct sk_err e = { 0 };
	uint64_t g = 0;
	CHECK_INT(sk_vm_guest_mem(0, 1 << 20, &g, &e), 0);
	CHECK_INT(g, 256ULL << 20);
	CHECK_INT(sk_vm_guest_mem(512ULL << 20, 1 << 20, &g, &e), 0);
	CHECK(g < (512ULL << 20) - SK_VM_RESERVE);
	CHECK(g >= SK_VM_MIN_MEM);
	CHECK_INT(g % (2 << 20), 0);
	CHECK_INT(sk_vm_guest_mem(100ULL << 20, 1 << 20, &g, &e), -ENOMEM);
	CHECK_CONTAINS(e.msg, "memory limit 100 MiB too small");
	/* a big initramfs needs more */
	CHECK_INT(sk_vm_guest_mem(256ULL << 20, 100ULL << 20, &g, &e), -ENOMEM);
}

TEST(vcpu_count)
{
	struct sk_err e = { 0 };
	int n = 0, cpus[256];
	CHECK_INT(sk_vm_vcpus_from(NULL, 0, 0, &n, cpus, &e), 0);
	CHECK_INT(n, 1);
	CHECK_INT(sk_vm_vcpus_from("2-3,5", 0, 0, &n, cpus, &e), 3);
	CHECK_INT(n, 3);
	CHECK_INT(cpus[0], 2);
	CHECK_INT(cpus[2], 5);
	CHECK_INT(sk_vm_vcpus_from(NULL, 150000, 100000, &n, cpus, &e), 0);
	CHECK_INT(n, 2);
	CHECK_INT(sk_vm_vcpus_from("0-3", 100000, 100000, &n, cpus, &e), 4);
	CHECK_INT(n, 1);
	CHECK_INT(sk_vm_vcpus_from("3-1", 0, 0, &n, cpus, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "3-1");
	CHECK_INT(sk_vm_vcpus_from("a", 0, 0, &n, cpus, &e), -EINVAL);
}

TEST(cmdline)
{
	char *c = sk_vm_cmdline(1, "foo=bar");
	CHECK_CONTAINS(c, "panic=-1");
	CHECK_CONTAINS(c, "rdinit=/.skiff/init");
	CHECK_CONTAINS(c, " foo=bar");
	free(c);
}

/* ------------------------------------------------------ procdesc */

TEST(process_description)
{
	char *args[] = { "/bin/sh", "-c", "echo hi", NULL };
	char *env[] = { "A=1", "PATH=/bin", NULL };
	struct oci_process p;
	memset(&p, 0, sizeof(p));
	p.args = args;
	p.n_args = 3;
	p.env = env;
	p.n_env = 2;
	p.cwd = "/tmp";
	p.user.uid = 1000;
	p.user.gid = 100;
	struct oci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.process = &p;
	cfg.hostname = "box";
	char *out = NULL;
	size_t len = 0;
	struct sk_err e = { 0 };
	CHECK_INT(sk_vm_procdesc(&cfg, &out, &len, &e), 0);
	static const char want[] = "a/bin/sh\0a-c\0aecho hi\0eA=1\0ePATH=/bin\0c/tmp\0hbox\0u1000\0g100";
	CHECK_INT(len, sizeof(want));
	CHECK(out && !memcmp(out, want, sizeof(want)));
	free(out);
	cfg.process = NULL;
	CHECK_INT(sk_vm_procdesc(&cfg, &out, &len, &e), -EINVAL);
	CHECK_CONTAINS(e.msg, "process.args");
}

/* ------------------------------------------------- kernel resolve */

TEST(kernel_resolution)
{
	char tmpl[] = "/tmp/skiff-test-kernel.XXXXXX";
	char *dir = mkdtemp(tmpl);
	CHECK(dir != NULL);
	if (!dir)
		return;
	struct oci_kv ann = { "org.skiff.vm.kernel", NULL };
	struct oci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.annotations = &ann;
	cfg.n_annotations = 1;
	struct sk_err e = { 0 };
	char *path = NULL;
	char p[256], q[256];

	snprintf(p, sizeof(p), "%s/missing", dir);
	ann.value = p;
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), -ENOENT);
	CHECK_CONTAINS(e.msg, "org.skiff.vm.kernel");
	CHECK_CONTAINS(e.msg, p);

	snprintf(p, sizeof(p), "%s/garbage", dir);
	sk_write_file_at(AT_FDCWD, p, "not a kernel at all", 19, O_CREAT | O_WRONLY, 0644, &e);
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), -ENOEXEC);
	CHECK_CONTAINS(e.msg, "not a Linux kernel");

	size_t len;
	uint8_t *bz = fake_bzimage(&len);
	snprintf(p, sizeof(p), "%s/vmlinuz-1.0", dir);
	sk_write_file_at(AT_FDCWD, p, bz, len, O_CREAT | O_WRONLY, 0644, &e);
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), 0);
	CHECK_STR(path, p);
	free(path);
	free(bz);

	/* the environment is used without the annotation */
	cfg.n_annotations = 0;
	setenv("SKIFF_VM_KERNEL", p, 1);
	path = NULL;
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), 0);
	CHECK_STR(path, p);
	free(path);

	/* a vmlinux ELF beside it is preferred */
	uint8_t elf[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr)];
	memset(elf, 0, sizeof(elf));
	Elf64_Ehdr *eh = (void *)elf;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	snprintf(q, sizeof(q), "%s/vmlinux-1.0", dir);
	sk_write_file_at(AT_FDCWD, q, elf, sizeof(elf), O_CREAT | O_WRONLY, 0644, &e);
	path = NULL;
	CHECK_INT(sk_vm_resolve_kernel(&cfg, &path, &e), 0);
	CHECK_STR(path, q);
	free(path);
	unsetenv("SKIFF_VM_KERNEL");
	sk_rm_rf(dir);
}

int main(void)
{
	RUN(cpio_memory_archive);
	RUN(cpio_tree_and_hash);
	RUN(kernel_check_rejects_garbage);
	RUN(bzimage_load_and_boot_params);
	RUN(elf_load);
	RUN(pagetables_and_sregs);
	RUN(acpi_tables);
	RUN(uart_probe_registers);
	RUN(uart_interrupts);
	RUN(bus_dispatch);
	RUN(guest_memory);
	RUN(vcpu_count);
	RUN(cmdline);
	RUN(process_description);
	RUN(kernel_resolution);
	return unit_done();
}
