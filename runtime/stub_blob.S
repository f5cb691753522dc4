/* The skiff-init stub, embedded as bytes (see runtime/stub/skiff-init.c). */
	.section .rodata
	.global sk_init_stub_start
	.global sk_init_stub_end
	.balign 16
sk_init_stub_start:
	.incbin SKIFF_INIT_BLOB
sk_init_stub_end:
	.section .note.GNU-stack,"",@progbits
