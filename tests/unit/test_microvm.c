/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of microvm/: cpio writer, boot protocol, ACPI. */
#include "microvm_fixture.h"

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

/* @name is in the archive @c (of @count entries) with @size bytes of @data
 * (when not NULL) and @mode (when not 0); returns its mode. */
static unsigned long check_entry(const struct sk_cpio *c, const char *name, int count,
				 unsigned long size, unsigned long mode, const char *data)
{
	const char *d = NULL;
	unsigned long sz = 0, m = 0;
	int n = 0;

	CHECK_INT(cpio_find(c->buf, c->len, name, &d, &sz, &m, &n), 0);
	CHECK_INT(n, count);
	CHECK_INT(sz, size);
	if (mode)
		CHECK_INT(m, mode);
	if (data)
		CHECK(d && !memcmp(d, data, size));
	return m;
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
	check_entry(&c, "dir/f", 3, 5, S_IFREG | 0644, "hello");
	CHECK(S_ISLNK(check_entry(&c, "lnk", 3, 5, 0, "dir/f")));
	free(c.buf);
}

TEST(cpio_tree_and_hash)
{
	char tmpl[] = "/tmp/skiff-test-cpio.XXXXXX";
	char *dir = test_tmpdir(tmpl);
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
	check_entry(&c, "bin/prog", 3, 10, S_IFREG | 0755, NULL);
	check_entry(&c, "link", 3, 8, 0, "bin/prog");
	free(c.buf);
	/* A changed file changes the key. */
	snprintf(p, sizeof(p), "%s/bin/new", dir);
	CHECK(sk_write_file_at(AT_FDCWD, p, "x", 1, O_CREAT | O_WRONLY, 0644, &e) >= 0);
	CHECK_INT(sk_cpio_add_tree(NULL, fd, &h3, &e), 0);
	CHECK(h3 != h1);
	close(fd);
	sk_rm_rf(dir);
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
	Elf64_Ehdr *eh = elf_header(img);
	eh->e_entry = 0x1000000;
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
	const struct sk_vm_acpi_mmio vio[2] = { { 0xd0000000, 0x1000, 5 }, { 0xd0001000, 0x1000, 6 } };
	CHECK_INT(sk_vm_acpi_build(&m, SK_VM_ACPI_ADDR, 2, vio, 2, &rsdp, &e), 0);
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
			/* two virtio-mmio devices: LNRO0005, their window and IRQ */
			static const uint8_t mem2[] = { 0x86, 0x09, 0x00, 0x01, 0x00, 0x10,
							0x00, 0xd0, 0x00, 0x10, 0x00, 0x00 };
			static const uint8_t irq2[] = { 0x89, 0x06, 0x00, 0x03, 0x01, 0x06 };
			CHECK(memmem(d, dl, "VR00", 4) && memmem(d, dl, "VR01", 4));
			CHECK(memmem(d, dl, "LNRO0005", 8) != NULL);
			CHECK(memmem(d, dl, mem2, sizeof(mem2)) != NULL);
			CHECK(memmem(d, dl, irq2, sizeof(irq2)) != NULL);
		} else {
			CHECK_INT(tl, 44 + 2 * 8 + 12); /* 2 LAPICs + IOAPIC */
			CHECK_INT(t[44], 0);
			CHECK_INT(t[44 + 8 + 3], 1); /* APIC id of CPU 1 */
			CHECK_INT(t[44 + 16], 1);    /* IOAPIC entry */
		}
	}
	CHECK(sk_vm_acpi_build(&m, SK_VM_ACPI_ADDR, 0, NULL, 0, &rsdp, &e) < 0);
	free(m.host);
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
	return unit_done();
}
