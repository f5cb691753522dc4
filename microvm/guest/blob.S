/* SPDX-License-Identifier: GPL-2.0-or-later */
/* blob.S - the guest shim binary, embedded into skiff (see guest.mk). */
	.section .rodata.skiff_vminit, "a"
	.balign 16
	.globl sk_vm_init_start
	.globl sk_vm_init_end
sk_vm_init_start:
	.incbin SK_VMINIT_PATH
sk_vm_init_end:
	.section .note.GNU-stack, "", @progbits
