#!/usr/bin/env python3
"""cgroup benchmarks for `make bench`: skiff vs crun vs runc, ABBA-interleaved,
in the table format of tests/bench/bench.py, and the NUMA placer's time.

usage: cgroups.py TOP WORK   (WORK holds bench.py's demo bundle, "bundle")

  run + limits        `run` of /bin/true with memory 256 MiB, cpu shares 512,
                      cpu quota 50 ms / 100 ms and pids 64
  update              `update --memory --pids-limit --cpu-share` of a running
                      container (limits alternate each call)
  pause+resume        `pause` then `resume` of a running container
  placer              one sk_numa_place() on a fabricated 4-node 256-CPU
                      machine: $BUILD/placer_bench (median, microseconds)

Each round runs every runtime once, in an order that reverses every other
round.  Runs in the same private mount namespace as bench.py (tests/bench/run).
"""
import json
import os
import subprocess
import sys
import time

import harness

top, work = sys.argv[1], sys.argv[2]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
build = os.environ.get("BUILD", "build")

runtimes = harness.runtimes(top)


def make_bundle(name, args, resources):
    src = os.path.join(work, "bundle")
    dst = os.path.join(work, name)
    os.makedirs(dst, exist_ok=True)
    c = json.load(open(os.path.join(src, "config.json")))
    c["process"]["args"] = args
    c["root"]["path"] = os.path.join(src, "rootfs")
    c["linux"].setdefault("resources", {}).update(resources)
    json.dump(c, open(os.path.join(dst, "config.json"), "w"), indent=1)
    return dst


LIMITS = {"memory": {"limit": 256 << 20}, "pids": {"limit": 64},
          "cpu": {"shares": 512, "quota": 50000, "period": 100000}}
limited = make_bundle("bundle-limits", ["/bin/true"], LIMITS)
sleeper = make_bundle("bundle-sleep", ["/bin/sleep", "100000"], LIMITS)


spawn = harness.spawn
wait = harness.wait


def timed(*argvs):
    t0 = time.perf_counter()
    rc = 0
    for argv in argvs:
        rc = rc or wait(spawn(argv))
    return time.perf_counter() - t0, rc


def peak_rss(argv):
    return harness.peak_rss(argv, os.path.join(work, "rss-cg"))


cid = harness.id_maker("cg")


def root(name):
    return os.path.join(work, "root-cg-" + name)


# one long-running container per runtime for update / pause+resume
live = {}
for n, exe in runtimes:
    i = cid()
    rc = wait(spawn([exe, "--root", root(n), "run", "-d", "-b", sleeper, i]))
    if rc == 0:
        live[n] = i
    else:
        print("# %s: cannot start a container for update/pause (status %d)" % (n, rc))

flip = {}


def run_limits(n, exe):
    return timed([exe, "--root", root(n), "run", "-b", limited, cid()])


def update(n, exe):
    if n not in live:
        return 0, 1
    flip[n] = not flip.get(n)
    mem, pids, shares = (str(300 << 20), "70", "600") if flip[n] else (str(256 << 20), "64", "512")
    return timed([exe, "--root", root(n), "update", "--memory", mem, "--pids-limit", pids,
                  "--cpu-share", shares, live[n]])


def pause_resume(n, exe):
    if n not in live:
        return 0, 1
    r = root(n)
    return timed([exe, "--root", r, "pause", live[n]], [exe, "--root", r, "resume", live[n]])


def rss_run(n, exe):
    return peak_rss([exe, "--root", root(n), "run", "-b", limited, cid()])


def rss_update(n, exe):
    if n not in live:
        return 0
    return peak_rss([exe, "--root", root(n), "update", "--memory", str(256 << 20), live[n]])


def rss_pause(n, exe):
    if n not in live:
        return 0
    r = max(peak_rss([exe, "--root", root(n), "pause", live[n]]), 0)
    return max(r, peak_rss([exe, "--root", root(n), "resume", live[n]]))


BENCHES = [("run + cgroup limits", run_limits, rss_run),
           ("update mem/pids/cpu", update, rss_update),
           ("pause+resume", pause_resume, rss_pause)]

results = {}
try:
    for title, fn, rssfn in BENCHES:
        times, errors = harness.abba(runtimes, ROUNDS, fn)
        rss = {n: max(rssfn(n, exe) for _ in range(3)) for n, exe in runtimes}
        results[title] = (times, rss, errors)
finally:
    for n, exe in runtimes:
        if n in live:
            wait(spawn([exe, "--root", root(n), "delete", "--force", live[n]]))

harness.print_table(runtimes, results)

placer = os.path.join(top, build, "placer_bench")
if os.access(placer, os.X_OK):
    out = subprocess.run([placer, "-v"], capture_output=True, text=True)
    line = " ".join(out.stdout.split()) if out.returncode == 0 else out.stderr.strip()
    print("%-24s %-6s %s" % ("placer 4 nodes/256 CPUs", "skiff", line))
else:
    print("%-24s %-6s not built (make %s/placer_bench)" % ("placer 4 nodes/256 CPUs", "skiff", build))
