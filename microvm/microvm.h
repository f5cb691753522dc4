/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * microvm.h - the one header of microvm/: skiff's own small VMM on KVM.
 *
 * The container's process runs in a KVM guest: a Linux kernel booted with
 * a small initramfs holding a tiny PID-1 shim (microvm/guest/init.c) that
 * runs process.args and reports the exit status through I/O port 0x501.
 * The bundle's rootfs is shared through virtio-fs (virtiofsd over
 * vhost-user; the shim mounts it as /), or, without virtiofsd, copied
 * into the initramfs.  ttyS0 (0x3f8, IRQ 4) carries stdin and
 * stdout, ttyS1 (0x2f8, IRQ 3) carries stderr, the kernel console and,
 * host to guest, control bytes (signals, stdin EOF).
 *
 * The second half of this header lists the pure building blocks (cpio,
 * boot protocol, ACPI, UART model, page tables); they are exported for the
 * unit tests only.
 */
#ifndef SKIFF_MICROVM_H
#define SKIFF_MICROVM_H

#include "../oci/oci.h"

/* The bundle's rootfs shared with the guest through virtio-fs: virtiofsd
 * serving it, and the VMM's end of its vhost-user socket. */
struct sk_vm_share {
	pid_t pid; /* virtiofsd, a child of this process; 0: none */
	int sock;  /* vhost-user, connected; -1: none */
	bool readonly;
};

struct sk_vm_opts {
	const struct sk_log *log;
	const struct oci_config *cfg;	 /* process, hostname, annotations */
	const char *rootfs;		 /* absolute path of the bundle rootfs */
	const char *kernel;		 /* resolved by sk_vm_resolve_kernel */
	const char *cache_dir;		 /* initramfs cache; NULL: /var/cache/skiff */
	uint64_t mem_limit;		 /* cgroup memory limit in bytes; 0: read
					* from this process's cgroup, none: 256 MiB */
	const char *cpuset;		 /* "2-3,5"; NULL: linux.resources.cpu.cpus */
	int nr_vcpus;			 /* 0: min(cpuset size, ceil(quota/period)),
					* else 1; vCPU i is pinned to cpuset[i % n] */
	bool tty;			 /* process.terminal */
	int timeout_s;			 /* 0: org.skiff.vm.timeout or none */
	const char *cmdline_extra;	 /* appended to the kernel command line */
	bool seccomp;			 /* install the VMM filter: afterwards this
					* process can only finish and exit */
	const struct sk_vm_share *share; /* the rootfs through virtio-fs (the
					  * guest mounts it as /); NULL: in
					  * the initramfs */
};

/* The virtiofsd to share a rootfs with: the annotation
 * org.skiff.vm.virtiofsd, else $SKIFF_VIRTIOFSD, else
 * /usr/lib/qemu/virtiofsd (Debian's qemu-system-common).  NULL when that
 * file is not executable, or when the guest @kernel has no virtio-fs (its
 * modules are looked for in modules-VERSION/ beside it, then
 * /lib/modules/VERSION); *why (malloc'ed) says which: the caller then
 * falls back to the initramfs. */
char *sk_vm_virtiofsd(const struct oci_config *cfg, const char *kernel, char **why);
/* Start virtiofsd (@path) serving o->rootfs over a vhost-user socket
 * made in @sock_dir (bound there, handed to virtiofsd as its --fd,
 * connected, and unlinked again: nothing stays in @sock_dir), in a mount
 * namespace of its own where the rootfs is read-only if @readonly; it is
 * killed when this process ends (PDEATHSIG) and exits when the VMM
 * closes the socket.  Before any capability is dropped. */
__must_check int sk_vm_share_start(const struct sk_vm_opts *o, const char *path, const char *sock_dir,
				   bool readonly, struct sk_vm_share *s, struct sk_err *e);

/* Kernel path: annotation org.skiff.vm.kernel, else $SKIFF_VM_KERNEL, else
 * the newest /boot/vmlinuz-*.  The file must be a bzImage ("HdrS") or an
 * x86-64 ELF vmlinux; if PATH is a bzImage and a "vmlinux" ELF sits beside
 * it with the same suffix (vmlinux-6.1...), that one is preferred. */
__must_check int sk_vm_resolve_kernel(const struct oci_config *cfg, char **path, struct sk_err *e);

/* Build (or reuse from cache) the initramfs holding the rootfs.  The shim
 * and the process description are added by sk_vm_run (a small second cpio
 * appended in guest memory), so the cache key is the rootfs alone.  With
 * o->mem_limit set, a limit too small for the guest fails here already. */
__must_check int sk_vm_prepare(const struct sk_vm_opts *o, char **initrd_path, struct sk_err *e);

/* Run the VM in this process until the guest ends.  *exit_status is the
 * guest process's exit status (0-255; 128+N for a signal).  A kernel
 * panic, triple fault or timeout sets 255 and prints
 * "skiff: microvm: ..." on stderr; the return value is still 0 then.
 * Relays fds 0/1/2; every signal but the synchronous ones, SIGCHLD,
 * SIGPIPE and SIGWINCH is forwarded to the guest process.  Should a vCPU thread not stop within
 * 10 s of the end, the process exits (_exit(255)) with a message. */
__must_check int sk_vm_run(const struct sk_vm_opts *o, const char *initrd_path, int *exit_status,
			   struct sk_err *e);

/* ============================================ building blocks (unit tests) */

#endif
