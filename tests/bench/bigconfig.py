#!/usr/bin/env python3
"""Large but valid configs: N entries of one kind in a bundle's config.json.

    bigconfig.py BUNDLE KIND N [SRC]

BUNDLE holds config.json and rootfs (the demo bundle's); KIND is one of
KINDS below ("all": N of every kind); SRC is a host directory for the bind
mounts (default: BUNDLE/bind-src).  The files and directories the entries
name are made in the rootfs, so every entry really does something.
Used by the benchmark (tests/bench/large.py) and by tests/bats/bigconfig.bats.
"""
import json
import os
import resource
import sys

KINDS = ("mounts", "masked", "readonly", "env", "rlimits", "seccomp", "annotations",
         "hooks", "devices")

# Linux's numbers (Python's resource module lacks some names)
RLIMITS = ("RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",
           "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
           "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
           "RLIMIT_RTPRIO", "RLIMIT_RTTIME")

# syscalls a busybox /bin/true never makes
SECCOMP_NAMES = ("acct", "add_key", "adjtimex", "bpf", "clock_adjtime", "clock_settime",
                 "create_module", "delete_module", "fanotify_init", "finit_module",
                 "get_kernel_syms", "get_mempolicy", "init_module", "io_cancel", "io_destroy",
                 "io_getevents", "io_setup", "io_submit", "ioperm", "iopl", "kcmp", "kexec_file_load",
                 "kexec_load", "keyctl", "lookup_dcookie", "mbind", "migrate_pages", "move_pages",
                 "name_to_handle_at", "nfsservctl", "open_by_handle_at", "perf_event_open",
                 "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace",
                 "query_module", "quotactl", "reboot", "request_key", "set_mempolicy",
                 "setdomainname", "sethostname", "settimeofday", "swapoff", "swapon",
                 "sysfs", "syslog", "umount2", "unshare", "uselib", "userfaultfd", "ustat",
                 "vhangup", "vm86", "vm86old", "personality", "mount", "chroot", "setns")


def populate(bundle, kind, n, src, c):
    rootfs = os.path.join(bundle, c.get("root", {}).get("path", "rootfs"))
    big = os.path.join(rootfs, "big")
    lnx = c.setdefault("linux", {})
    proc = c.setdefault("process", {})
    if kind == "mounts":
        os.makedirs(src, exist_ok=True)
        open(os.path.join(src, "marker"), "w").write("bind-src\n")
        # the mount points exist, as in an image: the runtime's work is
        # the mounts, not the directories
        for i in range(n):
            os.makedirs(os.path.join(big, "m%d" % i), exist_ok=True)
        c.setdefault("mounts", []).extend(
            {"destination": "/big/m%d" % i, "type": "bind", "source": src,
             "options": ["bind", "ro", "nosuid", "nodev"]} for i in range(n))
    elif kind == "masked":
        os.makedirs(os.path.join(big, "f"), exist_ok=True)
        for i in range(n):
            open(os.path.join(big, "f", str(i)), "a").close()
        lnx.setdefault("maskedPaths", []).extend("/big/f/%d" % i for i in range(n))
    elif kind == "readonly":
        for i in range(n):
            os.makedirs(os.path.join(big, "d", str(i)), exist_ok=True)
        lnx.setdefault("readonlyPaths", []).extend("/big/d/%d" % i for i in range(n))
    elif kind == "env":
        proc.setdefault("env", []).extend("BIG_%d=value-%d" % (i, i) for i in range(n))
    elif kind == "rlimits":
        # only 16 types exist, and a type named twice is an error: every
        # type once (N is ignored), each at this process's hard limit, so
        # that no CAP_SYS_RESOURCE is needed (RLIMIT_NPROC, counted per
        # user, is left alone)
        have = {r["type"] for r in proc.get("rlimits", [])}
        for num, name in enumerate(RLIMITS):
            if name in have or name == "RLIMIT_NPROC":
                continue
            hard = resource.getrlimit(num)[1]
            hard = (1 << 64) - 1 if hard == resource.RLIM_INFINITY else hard
            proc.setdefault("rlimits", []).append({"type": name, "soft": hard, "hard": hard})
    elif kind == "seccomp":
        # N rules over syscalls that /bin/true does not make, some with an
        # argument condition: a profile of N rules that still compiles to
        # fewer than the kernel's 4096 instructions
        sc = lnx["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                               "architectures": ["SCMP_ARCH_X86_64"], "syscalls": []}
        for i in range(n):
            name = SECCOMP_NAMES[i % len(SECCOMP_NAMES)]
            rule = {"names": [name], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
            if i % len(SECCOMP_NAMES) < 8:
                rule["args"] = [{"index": 0, "value": i % 64, "op": "SCMP_CMP_EQ"}]
            sc["syscalls"].append(rule)
    elif kind == "annotations":
        c.setdefault("annotations", {}).update(
            ("org.example.big.%d" % i, "value-%d" % i) for i in range(n))
    elif kind == "hooks":
        c.setdefault("hooks", {}).setdefault("createRuntime", []).extend(
            {"path": "/bin/true", "args": ["true", str(i)]} for i in range(n))
    elif kind == "devices":
        # /dev/null's numbers under N names
        lnx.setdefault("devices", []).extend(
            {"path": "/dev/big%d" % i, "type": "c", "major": 1, "minor": 3, "fileMode": 0o666,
             "uid": 0, "gid": 0} for i in range(n))
    else:
        raise SystemExit("unknown kind %s (one of %s or all)" % (kind, ", ".join(KINDS)))


def main():
    bundle, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    src = sys.argv[4] if len(sys.argv) > 4 else os.path.join(bundle, "bind-src")
    p = os.path.join(bundle, "config.json")
    c = json.load(open(p))
    for k in (KINDS if kind == "all" else (kind,)):
        populate(bundle, k, n, src, c)
    json.dump(c, open(p, "w"))


if __name__ == "__main__":
    main()
