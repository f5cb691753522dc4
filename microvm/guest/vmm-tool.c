/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmm-tool.c - skiff-vmm-test: boot a kernel with a rootfs in skiff's
 * microVM, outside any container (for tests and benchmarks).
 *
 *   skiff-vmm-test [-k KERNEL] [-r ROOTFS] [-m MEMLIMIT_MIB] [-c VCPUS]
 *                  [-s CPUSET] [-t TIMEOUT] [-e VAR=VAL]... [-w CWD]
 *                  [-H HOSTNAME] [-u UID:GID] [-C CACHEDIR] [-x CMDLINE]
 *                  [-S (seccomp)] [-d (debug)] [-T (terminal)]
 *                  [-O INITRD_OUT (write the whole initramfs, don't boot)]
 *                  [-P (print the kernel command line, don't boot)]
 *                  [-F (the rootfs through virtio-fs: virtiofsd)] [-R (read-only)]
 *                  [--] ARGS...
 *
 * Exit status: the guest process's, 255 for a guest failure, 125 for a
 * setup error (message on stderr).
 */
#include "../internal.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct sk_log log = { .fd = -1 };
	struct oci_config cfg;
	struct oci_process proc;
	memset(&cfg, 0, sizeof(cfg));
	memset(&proc, 0, sizeof(proc));
	cfg.process = &proc;
	proc.cwd = "/";
	struct sk_vm_opts o = { .log = &log, .cfg = &cfg, .rootfs = NULL };
	const char *kernel = NULL, *initrd_out = NULL;
	bool print_cmdline = false, virtiofs = false, readonly = false;
	struct sk_vm_share share = { .sock = -1 };
	struct sk_strv_buf env = { 0 };
	int c;
	while ((c = getopt(argc, argv, "+k:r:m:c:s:t:e:w:H:u:C:x:SdTO:PFR")) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'r':
			o.rootfs = optarg;
			break;
		case 'm':
			o.mem_limit = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'c':
			o.nr_vcpus = atoi(optarg);
			break;
		case 's':
			o.cpuset = optarg;
			break;
		case 't':
			o.timeout_s = atoi(optarg);
			break;
		case 'e':
			sk_strv_buf_add(&env, optarg);
			break;
		case 'w':
			proc.cwd = optarg;
			break;
		case 'H':
			cfg.hostname = optarg;
			break;
		case 'u':
			sscanf(optarg, "%u:%u", &proc.user.uid, &proc.user.gid);
			break;
		case 'C':
			o.cache_dir = optarg;
			break;
		case 'x':
			o.cmdline_extra = optarg;
			break;
		case 'S':
			o.seccomp = true;
			break;
		case 'd':
			log.debug = true;
			break;
		case 'T':
			proc.terminal = true;
			o.tty = true;
			break;
		case 'O':
			initrd_out = optarg;
			break;
		case 'P':
			print_cmdline = true;
			break;
		case 'F':
			virtiofs = true;
			break;
		case 'R':
			readonly = true;
			break;
		default:
			fprintf(stderr,
				"usage: skiff-vmm-test [-k KERNEL] [-r ROOTFS] [opts] [--] ARGS...\n");
			return 125;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "skiff-vmm-test: no command\n");
		return 125;
	}
	proc.args = argv + optind;
	proc.n_args = argc - optind;
	if (!env.n)
		sk_strv_buf_add(&env,
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	proc.env = env.v;
	proc.n_env = env.n;
	struct oci_kv ann[1];
	if (kernel) {
		ann[0].key = "org.skiff.vm.kernel";
		ann[0].value = (char *)kernel;
		cfg.annotations = ann;
		cfg.n_annotations = 1;
	}
	struct sk_err e = { 0 };
	char *kpath = NULL, *initrd = NULL;
	if (sk_vm_resolve_kernel(&cfg, &kpath, &e) < 0) {
		fprintf(stderr, "skiff-vmm-test: %s\n", e.msg);
		return 125;
	}
	o.kernel = kpath;
	if (virtiofs) {
		_cleanup_free_ char *why = NULL;
		_cleanup_free_ char *fsd = sk_vm_virtiofsd(&cfg, kpath, &why);

		if (!fsd) {
			fprintf(stderr, "skiff-vmm-test: %s\n", why);
			return 125;
		}
		const char *tmp = getenv("TMPDIR");

		if (sk_vm_share_start(&o, fsd, tmp && *tmp ? tmp : "/tmp", readonly, &share, &e) < 0) {
			fprintf(stderr, "skiff-vmm-test: %s\n", e.msg);
			return 125;
		}
		o.share = &share;
	} else if (o.rootfs && sk_vm_prepare(&o, &initrd, &e) < 0) {
		fprintf(stderr, "skiff-vmm-test: %s\n", e.msg);
		return 125;
	}
	if (print_cmdline) {
		char *c = sk_vm_cmdline(o.nr_vcpus, o.cmdline_extra);
		printf("%s\n", c);
		free(c);
		return 0;
	}
	if (initrd_out) {
		struct sk_cpio c;
		char *base = NULL;
		size_t blen = 0;
		if ((initrd && sk_read_file_at(AT_FDCWD, initrd, &base, &blen, &e) < 0) ||
		    sk_vm_initrd_extra(&o, &c, &e) < 0) {
			fprintf(stderr, "skiff-vmm-test: %s\n", e.msg);
			return 125;
		}
		size_t pad = (4 - (blen & 3)) & 3;
		char *all = sk_xmalloc(blen + pad + c.len);
		memcpy(all, base, blen);
		memset(all + blen, 0, pad);
		memcpy(all + blen + pad, c.buf, c.len);
		if (sk_write_file_at(AT_FDCWD, initrd_out, all, blen + pad + c.len,
				     O_WRONLY | O_CREAT | O_TRUNC, 0644, &e) < 0) {
			fprintf(stderr, "skiff-vmm-test: %s\n", e.msg);
			return 125;
		}
		return 0;
	}
	int status = 255;
	int r = sk_vm_run(&o, initrd, &status, &e);
	sk_vm_share_stop(&share);
	if (r < 0) {
		fprintf(stderr, "skiff-vmm-test: %s\n", e.msg);
		return 125;
	}
	free(kpath);
	free(initrd);
	sk_strv_free(env.v);
	return status;
}
