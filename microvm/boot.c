/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * boot.c - the Linux x86 64-bit boot protocol: kernel image checks,
 * bzImage and ELF vmlinux loading, the zero page (boot_params, e820,
 * command line, initrd), identity page tables, GDT and long-mode vCPU
 * state.  Pure functions on a guest memory buffer.
 */
#include "internal.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#define BZ_SETUP_SECTS 0x1f1
#define BZ_HDR_MAGIC 0x202
#define BZ_VERSION 0x206
#define BZ_XLOADFLAGS 0x236
#define XLF_KERNEL_64_FLAG 1
#define E820_TYPE_RAM 1
#define E820_TYPE_RESERVED 2

void *sk_vm_gpa(const struct sk_vm_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= m->low_size)
		return m->host + gpa;
	uint64_t high = m->size - m->low_size;
	if (gpa >= SK_VM_HIGH_START && gpa + len <= SK_VM_HIGH_START + high)
		return m->host + m->low_size + (gpa - SK_VM_HIGH_START);
	return NULL;
}

static uint16_t rd16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}
static uint32_t rd32(const uint8_t *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static bool is_elf(const void *img, size_t len)
{
	return len >= sizeof(Elf64_Ehdr) && !memcmp(img, ELFMAG, SELFMAG);
}

int sk_vm_kernel_check(const void *img, size_t len, const char *path, struct sk_err *e)
{
	const uint8_t *b = img;
	if (is_elf(img, len)) {
		const Elf64_Ehdr *eh = img;
		if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
			return sk_err_set(e, ENOEXEC,
					  "microvm: kernel %s: ELF file is not an x86-64 kernel",
					  path);
		if (eh->e_phoff >= len || eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
		    (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
			return sk_err_set(e, ENOEXEC,
					  "microvm: kernel %s: ELF program headers are truncated",
					  path);
		return 0;
	}
	if (len < 0x240 || rd32(b + BZ_HDR_MAGIC) != 0x53726448 /* "HdrS" */)
		return sk_err_set(e, ENOEXEC,
				  "microvm: kernel %s: not a Linux kernel (no bzImage \"HdrS\" header, not an ELF vmlinux)",
				  path);
	if (rd16(b + BZ_VERSION) < 0x20c || !(rd16(b + BZ_XLOADFLAGS) & XLF_KERNEL_64_FLAG))
		return sk_err_set(e, ENOEXEC,
				  "microvm: kernel %s: bzImage has no 64-bit entry point (boot protocol %x)",
				  path, rd16(b + BZ_VERSION));
	unsigned sects = b[BZ_SETUP_SECTS] ? b[BZ_SETUP_SECTS] : 4;
	if ((size_t)(sects + 1) * 512 >= len)
		return sk_err_set(e, ENOEXEC, "microvm: kernel %s: bzImage is truncated", path);
	return 0;
}

static int load_elf(const struct sk_vm_mem *m, const uint8_t *img, size_t len,
		    struct sk_vm_kernel_info *ki, struct sk_err *e)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff);
	uint64_t entry = eh->e_entry;
	ki->is_elf = true;
	ki->load_end = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset > len || ph[i].p_filesz > len - ph[i].p_offset ||
		    ph[i].p_filesz > ph[i].p_memsz)
			return sk_err_set(e, ENOEXEC,
					  "microvm: kernel: ELF segment %u is truncated", i);
		uint8_t *dst = sk_vm_gpa(m, ph[i].p_paddr, ph[i].p_memsz);
		if (!dst)
			return sk_err_set(e, ENOMEM,
					  "microvm: kernel: ELF segment %u at 0x%llx does not fit in guest memory",
					  i, (unsigned long long)ph[i].p_paddr);
		memcpy(dst, img + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
		if (ph[i].p_paddr + ph[i].p_memsz > ki->load_end)
			ki->load_end = ph[i].p_paddr + ph[i].p_memsz;
		/* A virtual entry point: translate through its segment. */
		if (entry >= ph[i].p_vaddr && entry < ph[i].p_vaddr + ph[i].p_memsz &&
		    ph[i].p_vaddr != ph[i].p_paddr)
			entry = entry - ph[i].p_vaddr + ph[i].p_paddr;
	}
	if (!ki->load_end)
		return sk_err_set(e, ENOEXEC, "microvm: kernel: ELF has no loadable segment");
	ki->entry = entry;
	ki->version = 0x20c;
	ki->initrd_max = 0x7fffffff;
	struct boot_params *bp = sk_vm_gpa(m, SK_VM_ZERO_PAGE, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	bp->hdr.boot_flag = 0xaa55;
	bp->hdr.header = 0x53726448;
	bp->hdr.version = 0x20c;
	bp->hdr.kernel_alignment = 0x1000000;
	bp->hdr.initrd_addr_max = ki->initrd_max;
	bp->hdr.cmdline_size = SK_VM_CMDLINE_MAX - 1;
	return 0;
}

int sk_vm_load_kernel(const struct sk_vm_mem *m, const void *img, size_t len,
		      struct sk_vm_kernel_info *ki, struct sk_err *e)
{
	const uint8_t *b = img;
	memset(ki, 0, sizeof(*ki));
	int r = sk_vm_kernel_check(img, len, "image", e);
	if (r < 0)
		return r;
	if (!sk_vm_gpa(m, 0, 0x100000))
		return sk_err_set(e, ENOMEM, "microvm: guest memory too small");
	if (is_elf(img, len))
		return load_elf(m, b, len, ki, e);

	unsigned sects = b[BZ_SETUP_SECTS] ? b[BZ_SETUP_SECTS] : 4;
	size_t setup = (size_t)(sects + 1) * 512;
	size_t kernel_len = len - setup;
	uint8_t *dst = sk_vm_gpa(m, SK_VM_KERNEL_ADDR, kernel_len);
	if (!dst)
		return sk_err_set(e, ENOMEM, "microvm: kernel does not fit in guest memory");
	memcpy(dst, b + setup, kernel_len);

	struct boot_params *bp = sk_vm_gpa(m, SK_VM_ZERO_PAGE, sizeof(*bp));
	memset(bp, 0, sizeof(*bp));
	size_t hdr_end = 0x202 + b[0x201];
	if (hdr_end > BZ_SETUP_SECTS + sizeof(bp->hdr))
		hdr_end = BZ_SETUP_SECTS + sizeof(bp->hdr);
	memcpy(&bp->hdr, b + BZ_SETUP_SECTS, hdr_end - BZ_SETUP_SECTS);
	ki->is_elf = false;
	ki->entry = SK_VM_KERNEL_ADDR + 0x200;
	ki->version = bp->hdr.version;
	ki->initrd_max = bp->hdr.initrd_addr_max ? bp->hdr.initrd_addr_max : 0x37ffffff;
	uint64_t init_size = bp->hdr.init_size > kernel_len ? bp->hdr.init_size : kernel_len;
	ki->load_end = SK_VM_KERNEL_ADDR + init_size;
	if (!sk_vm_gpa(m, SK_VM_KERNEL_ADDR, init_size))
		return sk_err_set(e, ENOMEM,
				  "microvm: kernel needs %llu MiB to decompress, more than guest memory",
				  (unsigned long long)(init_size >> 20));
	return 0;
}

uint64_t sk_vm_initrd_addr(const struct sk_vm_mem *m, const struct sk_vm_kernel_info *ki, uint64_t len)
{
	uint64_t top = m->low_size;
	if (ki->initrd_max && (uint64_t)ki->initrd_max + 1 < top)
		top = (uint64_t)ki->initrd_max + 1;
	if (len > top)
		return 0;
	uint64_t a = (top - len) & ~0xfffULL;
	if (a < ki->load_end)
		return 0;
	return a;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t size, uint32_t type)
{
	if (bp->e820_entries >= E820_MAX_ENTRIES_ZEROPAGE || !size)
		return;
	struct boot_e820_entry *en = &bp->e820_table[bp->e820_entries++];
	en->addr = addr;
	en->size = size;
	en->type = type;
}

int sk_vm_setup_boot_params(const struct sk_vm_mem *m, const struct sk_vm_kernel_info *ki,
			    const char *cmdline, uint64_t initrd, uint64_t initrd_len,
			    uint64_t rsdp, struct sk_err *e)
{
	struct boot_params *bp = sk_vm_gpa(m, SK_VM_ZERO_PAGE, sizeof(*bp));
	if (!bp)
		return sk_err_set(e, ENOMEM, "microvm: guest memory too small");
	size_t cl = strlen(cmdline);
	size_t max = bp->hdr.cmdline_size ? bp->hdr.cmdline_size : 255;
	if (cl > max || cl >= SK_VM_CMDLINE_MAX)
		return sk_err_set(e, E2BIG, "microvm: kernel command line longer than %zu bytes",
				  max < SK_VM_CMDLINE_MAX ? max : SK_VM_CMDLINE_MAX - 1);
	char *dst = sk_vm_gpa(m, SK_VM_CMDLINE_ADDR, SK_VM_CMDLINE_MAX);
	memset(dst, 0, SK_VM_CMDLINE_MAX);
	memcpy(dst, cmdline, cl);

	bp->hdr.type_of_loader = 0xff;
	bp->hdr.loadflags |= LOADED_HIGH | CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = SK_VM_CMDLINE_ADDR;
	bp->ext_cmd_line_ptr = 0;
	bp->hdr.ramdisk_image = (uint32_t)initrd;
	bp->hdr.ramdisk_size = (uint32_t)initrd_len;
	bp->ext_ramdisk_image = (uint32_t)(initrd >> 32);
	bp->ext_ramdisk_size = (uint32_t)(initrd_len >> 32);
	bp->acpi_rsdp_addr = rsdp;

	bp->e820_entries = 0;
	e820_add(bp, 0, 0x9fc00, E820_TYPE_RAM);
	e820_add(bp, 0x9fc00, 0x400, E820_TYPE_RESERVED);
	e820_add(bp, 0xe0000, 0x20000, E820_TYPE_RESERVED);
	e820_add(bp, 0x100000, m->low_size - 0x100000, E820_TYPE_RAM);
	e820_add(bp, SK_VM_HIGH_START, m->size - m->low_size, E820_TYPE_RAM);
	return 0;
}

void sk_vm_setup_pagetables(const struct sk_vm_mem *m)
{
	uint64_t *gdt = sk_vm_gpa(m, SK_VM_GDT_ADDR, 4 * 8);
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL; /* 0x10: 64-bit code, DPL 0 */
	gdt[3] = 0x00cf93000000ffffULL; /* 0x18: flat data */

	uint64_t *pml4 = sk_vm_gpa(m, SK_VM_PML4_ADDR, 6 * 4096);
	memset(pml4, 0, 6 * 4096);
	uint64_t *pdpt = pml4 + 512;
	pml4[0] = (SK_VM_PML4_ADDR + 0x1000) | 3; /* present | writable */
	for (int i = 0; i < 4; i++) {
		uint64_t pd_addr = SK_VM_PML4_ADDR + 0x2000 + i * 0x1000;
		uint64_t *pd = pml4 + 512 * (2 + i);
		pdpt[i] = pd_addr | 3;
		for (int j = 0; j < 512; j++)
			pd[j] = (((uint64_t)i << 30) + ((uint64_t)j << 21)) | 0x83; /* 2 MiB page */
	}
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

void sk_vm_setup_sregs(struct kvm_sregs *s)
{
	seg(&s->cs, 0x10, 11, true);
	seg(&s->ds, 0x18, 3, false);
	s->es = s->fs = s->gs = s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.limit = 0xffff;
	s->tr.type = 11;
	s->tr.present = 1;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.limit = 0xffff;
	s->ldt.type = 2;
	s->ldt.present = 1;
	s->gdt.base = SK_VM_GDT_ADDR;
	s->gdt.limit = 4 * 8 - 1;
	s->idt.base = 0;
	s->idt.limit = 0;
	s->cr0 = 0x80000011ULL; /* PG | ET | PE */
	s->cr3 = SK_VM_PML4_ADDR;
	s->cr4 = 0x20;	 /* PAE */
	s->efer = 0x500; /* LMA | LME */
}

void sk_vm_setup_regs(struct kvm_regs *r, uint64_t entry)
{
	memset(r, 0, sizeof(*r));
	r->rip = entry;
	r->rsi = SK_VM_ZERO_PAGE;
	r->rflags = 2;
	r->rsp = 0x8ff0;
	r->rbp = 0x8ff0;
}
