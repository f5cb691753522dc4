#!/usr/bin/env python3
"""Large but valid configs: how the time of `run` grows with the entries.

    large.py TOP WORK

For each kind, a bundle with 1,000 and one with 10,000 entries of it
(bigconfig.py, on WORK/bundle), then BENCH_LARGE_ROUNDS (3) runs of
`RUNTIME --root FRESH run -b BUNDLE ID` per runtime and size, interleaved.
A fresh --root each time: skiff's seccomp cache would hide the compile.
Prints the median wall time and the median CPU time (user + system of the
runtime and of the processes it waited for; work the kernel defers to its
own threads, such as tearing down a mount namespace, is wall time only),
the 10,000/1,000 ratio (linear: up to 10x, less as the fixed cost of a
start weighs in) and the CPU per entry above an empty config's (linear:
about the same at both sizes).  No assertion.
"""
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

import harness

top, work = sys.argv[1], sys.argv[2]
ROUNDS = int(os.environ.get("BENCH_LARGE_ROUNDS", "3"))
SIZES = [int(s) for s in os.environ.get("BENCH_LARGE_SIZES", "1000 10000").split()]
TIMEOUT = 300
# (label, bigconfig kind, sized): rlimits has one entry per type, no sizes
KINDS = [("readonlyPaths", "readonly", True), ("maskedPaths", "masked", True),
         ("mounts (bind)", "mounts", True), ("env", "env", True),
         ("seccomp rules", "seccomp", True), ("annotations", "annotations", True),
         ("rlimits (all 15)", "rlimits", False)]

runtimes = harness.runtimes(top)
counter = [0]


def make_bundle(kind, n):
    d = os.path.join(work, "large-%s-%d" % (kind, n))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    shutil.copytree(os.path.join(work, "bundle", "rootfs"), os.path.join(d, "rootfs"),
                    symlinks=True)
    shutil.copy(os.path.join(work, "bundle", "config.json"), d)
    subprocess.run([sys.executable, os.path.join(top, "tests", "bench", "bigconfig.py"), d, kind,
                    str(n)], check=True)
    return d


def run_once(exe, bundle):
    """(wall s, cpu s, error or None) of one `run`."""
    counter[0] += 1
    cid = "L%d-%d" % (os.getpid(), counter[0])
    root = os.path.join(work, "large-root-%d" % counter[0])
    err = os.path.join(work, "large-stderr")
    with open(err, "w") as ef:
        t0 = time.perf_counter()
        p = subprocess.Popen([exe, "--root", root, "run", "-b", bundle, cid],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=ef,
                             start_new_session=True)
        timer = threading.Timer(TIMEOUT, lambda: os.killpg(p.pid, 9))
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    shutil.rmtree(root, ignore_errors=True)
    if p.returncode != 0:
        msg = open(err).read().strip().splitlines()
        return wall, 0.0, (msg[-1] if msg else "exit %d" % p.returncode)[:70]
    return wall, ru.ru_utime + ru.ru_stime, None


def measure(bundles):
    """{(runtime, n): (median wall, median cpu, error)}, rounds interleaved."""
    samples = {}
    for r in range(ROUNDS):
        order = runtimes if r % 2 == 0 else runtimes[::-1]
        for name, exe in order:
            for n, b in bundles:
                samples.setdefault((name, n), []).append(run_once(exe, b))
    out = {}
    for k, v in samples.items():
        errs = [e for _, _, e in v if e]
        if errs:
            out[k] = (0.0, 0.0, errs[0])
        else:
            out[k] = (statistics.median(w for w, _, _ in v), statistics.median(c for _, c, _ in v),
                      None)
    return out


def per_entry(c, c0, n):
    """CPU microseconds per entry above the empty config; "~0" within noise (5 ms)."""
    return "~0" if c - c0 < 0.005 else "%.1f" % ((c - c0) / n * 1e6)


def main():
    lo, hi = SIZES[0], SIZES[-1]
    print("\nlarge configs: `run` of /bin/true, median of %d, fresh --root each; wall and CPU"
          " seconds at %d and %d entries and their ratio (linear: ~%dx at most), and the CPU"
          " per entry above the empty config's (linear: about equal)"
          % (ROUNDS, lo, hi, hi // lo))
    print("%-17s %-6s %7s %7s %6s  %7s %7s %6s  %8s %8s" % (
        "kind", "rt", "wall", "wall", "ratio", "cpu", "cpu", "ratio", "us/entry", "us/entry"))
    base = measure([(0, os.path.join(work, "bundle"))])
    for name, _ in runtimes:
        w, c, err = base[(name, 0)]
        print("%-17s %-6s %s" % ("empty config" if name == runtimes[0][0] else "", name,
                                 "error: " + err if err else "%7.3f %15s  %7.3f" % (w, "", c)))
    for label, kind, sized in KINDS:
        sizes = SIZES if sized else [1]
        bundles = [(n, make_bundle(kind, n)) for n in sizes]
        res = measure(bundles)
        for name, _ in runtimes:
            first = label if name == runtimes[0][0] else ""
            errs = [res[(name, n)][2] for n in sizes if res[(name, n)][2]]
            c0 = base[(name, 0)][1]
            if errs:
                print("%-17s %-6s error: %s" % (first, name, errs[0]))
            elif not sized:
                w, c, _ = res[(name, 1)]
                print("%-17s %-6s %7.3f %7s %6s  %7.3f" % (first, name, w, "", "", c))
            else:
                (w1, c1, _), (w2, c2, _) = res[(name, lo)], res[(name, hi)]
                print("%-17s %-6s %7.3f %7.3f %5.1fx  %7.3f %7.3f %5.1fx  %8s %8s"
                      % (first, name, w1, w2, w2 / w1 if w1 else 0, c1, c2,
                         c2 / c1 if c1 else 0, per_entry(c1, c0, lo), per_entry(c2, c0, hi)))
        for _, b in bundles:
            shutil.rmtree(b, ignore_errors=True)
    print("(readonlyPaths in skiff are linear on Linux >= 6.15, which can clone from a\n"
          " detached mount; before, every bind walks all the mounts already on that\n"
          " mount in the kernel: quadratic, as for crun and runc)")


main()
