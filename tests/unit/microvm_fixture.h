/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * microvm_fixture.h - what the microvm/ tests share: guest memory, a fake
 * bzImage, an ELF header, a temporary directory.
 */
#ifndef SKIFF_MICROVM_FIXTURE_H
#define SKIFF_MICROVM_FIXTURE_H
#include "unit.h"

#include "../../microvm/internal.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/stat.h>

#define MEM (64u << 20)

static inline struct sk_vm_mem mkmem(void)
{
	struct sk_vm_mem m = { .host = calloc(1, MEM), .size = MEM, .low_size = MEM };
	return m;
}

static inline uint8_t *fake_bzimage(size_t *len)
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

/* An x86-64 ELF header at @img with one program header after it. */
static inline Elf64_Ehdr *elf_header(uint8_t *img)
{
	Elf64_Ehdr *eh = (void *)img;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	return eh;
}

/* mkdtemp(@tmpl); a failure counts as a failed check. */
static inline char *test_tmpdir(char *tmpl)
{
	char *dir = mkdtemp(tmpl);

	CHECK(dir != NULL);
	return dir;
}
#endif
