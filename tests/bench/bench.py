#!/usr/bin/env python3
"""skiff vs crun vs runc: median wall time and peak RSS, ABBA-interleaved.

Each round runs every runtime once, in an order that reverses every other
round (A B C, C B A, ...), so no runtime always goes first.
"""
import os
import sys
import time

import harness

top, work = sys.argv[1], sys.argv[2]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
BURST = 10
bundle = os.path.join(work, "bundle")

runtimes = harness.runtimes(top)
spawn = harness.spawn


def wait(pid):
    return harness.wait(pid), 0


def peak_rss(argv):
    return harness.peak_rss(argv, os.path.join(work, "rss"))


def timed(argv):
    t0 = time.perf_counter()
    rc, rss = wait(spawn(argv))
    return time.perf_counter() - t0, rc, rss


cid = harness.id_maker("b")


def root(name):
    return os.path.join(work, "root-" + name)


def run_true(name, exe):
    return timed([exe, "--root", root(name), "run", "-b", bundle, cid()])


def lifecycle(name, exe):
    i, r = cid(), root(name)
    t0 = time.perf_counter()
    rc1, rss = wait(spawn([exe, "--root", r, "create", "-b", bundle, i]))
    rc2, _ = wait(spawn([exe, "--root", r, "start", i]))
    rc3, _ = wait(spawn([exe, "--root", r, "delete", "--force", i]))
    return time.perf_counter() - t0, rc1 or rc2 or rc3, rss


def burst(name, exe):
    t0 = time.perf_counter()
    pids = [spawn([exe, "--root", root(name), "run", "-b", bundle, cid()]) for _ in range(BURST)]
    rcs = [wait(p) for p in pids]
    bad = [rc for rc, _ in rcs if rc != 0]
    return time.perf_counter() - t0, bad[0] if bad else 0, max(r for _, r in rcs)


def rss_run(name, exe):
    return peak_rss([exe, "--root", root(name), "run", "-b", bundle, cid()])


def rss_lifecycle(name, exe):
    i, r = cid(), root(name)
    return max(peak_rss([exe, "--root", r, "create", "-b", bundle, i]),
               peak_rss([exe, "--root", r, "start", i]),
               peak_rss([exe, "--root", r, "delete", "--force", i]))


RSS = {"run /bin/true": rss_run, "create+start+delete": rss_lifecycle,
       "10 containers at once": rss_run}

BENCHES = [("run /bin/true", run_true, ROUNDS),
           ("create+start+delete", lifecycle, ROUNDS),
           ("10 containers at once", burst, max(5, ROUNDS // 3))]

results = {}
for title, fn, rounds in BENCHES:
    times, errors = harness.abba(runtimes, rounds, fn)
    rss = {n: max(RSS[title](n, exe) for _ in range(3)) for n, exe in runtimes}
    results[title] = (times, rss, errors)

print("skiff benchmark: %d rounds, ABBA order, %s" % (ROUNDS, time.strftime("%Y-%m-%d %H:%M")))
harness.print_table(runtimes, results,
                    lambda rss: " (target <= 0.70x); RSS skiff %d KB vs crun %d KB"
                    % (rss["skiff"], rss["crun"]))
