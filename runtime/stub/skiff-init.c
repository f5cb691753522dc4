/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * skiff-init - the last program skiff runs before the container's own.
 *
 * skiff never execs the container's process directly: it execs this stub
 * from a sealed memfd, so that /proc/self/exe of everything in the
 * container points at the sealed memfd and never at the skiff binary on
 * the host (runc's CVE-2019-5736).  It is freestanding (no libc, a few KB),
 * so copying it into a memfd costs microseconds, not a re-exec of skiff.
 *
 *   argv: skiff-init WAITFD PATH ARGV0 [ARGS...]
 *
 * With WAITFD >= 0 it blocks until one byte arrives on WAITFD (the exec
 * fifo that `skiff start` writes), closes it, and execs PATH.
 */
#include <asm/unistd.h>

#define SYS_READ __NR_read
#define SYS_WRITE __NR_write
#define SYS_CLOSE __NR_close
#define SYS_EXECVE __NR_execve
#define SYS_EXIT_GROUP __NR_exit_group

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  xor %rbp, %rbp\n"
	"  mov %rsp, %rdi\n"
	"  and $-16, %rsp\n"
	"  call stub_main\n"
	"  hlt\n");
#elif defined(__aarch64__)
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"  mov x0, sp\n"
	"  bl stub_main\n");
#else
#error "skiff-init: unsupported architecture"
#endif

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	sys3(SYS_WRITE, 2, (long)s, (long)slen(s));
}

static void __attribute__((noreturn)) die(int code)
{
	for (;;)
		sys3(SYS_EXIT_GROUP, code, 0, 0);
}

static const char *err_text(long err)
{
	switch (-err) {
	case 2:
		return ": no such file or directory\n";
	case 13:
		return ": permission denied\n";
	case 8:
		return ": exec format error\n";
	case 1:
		return ": operation not permitted\n";
	case 12:
		return ": out of memory\n";
	case 7:
		return ": argument list too long\n";
	default:
		return ": exec failed\n";
	}
}

void __attribute__((used, noreturn)) stub_main(long *sp);
void stub_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long fd = 0, r;
	const char *p;
	char c;

	if (argc < 4)
		die(127);
	for (p = argv[1], fd = 0; *p >= '0' && *p <= '9'; p++)
		fd = fd * 10 + (*p - '0');
	if (argv[1][0] != '-') {
		do
			r = sys3(SYS_READ, fd, (long)&c, 1);
		while (r == -4 /* EINTR */);
		if (r != 1)
			die(127);
		sys3(SYS_CLOSE, fd, 0, 0);
	}
	r = sys3(SYS_EXECVE, (long)argv[2], (long)(argv + 3), (long)envp);
	say("skiff-init: exec ");
	say(argv[2]);
	say(err_text(r));
	die(r == -2 ? 127 : 126);
}
