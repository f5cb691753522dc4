#!/usr/bin/env python3
"""The clients' view: `podman run --rm IMG true` and `ctr run --rm IMG ID
true` with skiff, crun and runc as the runtime, ABBA-interleaved (harness).

tests/bench/clients.py TOP WORK: WORK/bundle/rootfs (tests/bench/run made
it) becomes the image (podman import; podman save + ctr images import), no
registry. Podman has storage, tmp_dir, locks and network configuration of
its own under WORK, the runtime given by path (--runtime);
containerd is started here with its own root, state and socket under WORK
(the runtime as ctr's --runc-binary) and stopped at the end. Everything is
removed after: containers, images, storage, the daemon, the clients' parent
cgroups when this made them. BENCH_CLIENT_ROUNDS (default 10) sets the
rounds; BENCH_RUNTIMES / BENCH_EXTRA as for bench.py.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time

import harness

top, work = sys.argv[1], sys.argv[2]
ROUNDS = int(os.environ.get("BENCH_CLIENT_ROUNDS", "10"))
IMG = "localhost/skiff-bench-busybox:latest"
NS = "skiff-bench"
w = os.path.join(work, "clients")
os.makedirs(w, exist_ok=True)
runtimes = harness.runtimes(top)
cid = harness.id_maker("cb")
devnull = subprocess.DEVNULL


def sh(argv, **kw):
    return subprocess.run(argv, stdin=devnull, stdout=devnull, stderr=devnull, **kw).returncode


def cgroups(names):
    found = set()
    for n in names:
        for base in ["/sys/fs/cgroup"] + [os.path.join("/sys/fs/cgroup", d)
                                          for d in os.listdir("/sys/fs/cgroup")]:
            p = os.path.join(base, n)
            if os.path.isdir(p):
                found.add(p)
    return found


def rmdir_tree(path):
    for d, _, _ in sorted(os.walk(path), key=lambda x: -len(x[0])):
        try:
            os.rmdir(d)
        except OSError:
            pass


PARENTS = ["libpod_parent", NS]
before = cgroups(PARENTS)
runc_root_before = os.path.isdir("/run/containerd/runc/" + NS)

# Podman: the three runtimes by name, everything else under w
conf = os.path.join(w, "containers.conf")
with open(conf, "w") as f:
    f.write('[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
            'lock_type = "file"\ntmp_dir = "%s/tmp"\n' % w)
    f.write('\n[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n'
            '\n[network]\nnetwork_config_dir = "%s/networks"\n' % w)
with open(os.path.join(w, "storage.conf"), "w") as f:
    f.write('[storage]\ndriver = "overlay"\ngraphroot = "%s/graph"\nrunroot = "%s/run"\n' % (w, w))
env = dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=os.path.join(w, "storage.conf"))
tar = os.path.join(w, "rootfs.tar")
image = os.path.join(w, "image.tar")
subprocess.run(["tar", "-C", os.path.join(work, "bundle", "rootfs"), "-cf", tar, "."], check=True)
subprocess.run(["podman", "import", "-q", tar, IMG], env=env, check=True, stdout=devnull)
subprocess.run(["podman", "save", "-q", "--format", "oci-archive", "-o", image, IMG],
               env=env, check=True, stdout=devnull)

# containerd of our own
sock = os.path.join(w, "ctrd.sock")
cfg = os.path.join(w, "config.toml")
with open(cfg, "w") as f:
    f.write('version = 2\n[plugins."io.containerd.internal.v1.opt"]\n  path = "%s/opt"\n' % w)
log = open(os.path.join(w, "containerd.log"), "w")
daemon = subprocess.Popen(["containerd", "--config", cfg, "--root", os.path.join(w, "root"),
                           "--state", os.path.join(w, "state"), "--address", sock],
                          stdin=devnull, stdout=log, stderr=log)
for _ in range(100):
    if os.path.exists(sock):
        break
    time.sleep(0.1)
CTR = ["ctr", "--address", sock, "-n", NS]
subprocess.run(CTR + ["images", "import", "--base-name", IMG.rsplit(":", 1)[0], image],
               check=True, stdout=devnull)


def timed(argv, **kw):
    t0 = time.perf_counter()
    rc = sh(argv, **kw)
    return time.perf_counter() - t0, rc


def podman_run(name, exe):
    return timed(["podman", "--runtime", exe, "run", "--rm", "--network", "none", IMG, "true"],
                 env=env)


def ctr_run(name, exe):
    return timed(CTR + ["run", "--rm", "--runc-binary", exe, IMG, cid(), "true"])


BENCHES = [("podman run --rm true", podman_run), ("ctr run --rm true", ctr_run)]
results = {}
try:
    for title, fn in BENCHES:
        results[title] = harness.abba(runtimes, ROUNDS, fn)
finally:
    for c in subprocess.run(CTR + ["containers", "ls", "-q"], capture_output=True,
                            text=True).stdout.split():
        sh(CTR + ["tasks", "kill", "-s", "KILL", c])
        sh(CTR + ["tasks", "rm", "-f", c])
        sh(CTR + ["containers", "rm", c])
    sh(CTR + ["images", "rm", IMG])
    daemon.terminate()
    daemon.wait(timeout=30)
    sh(["podman", "rm", "-f", "-a"], env=env)
    sh(["podman", "system", "reset", "-f"], env=env)
    # conmon and the shims may take a moment to leave them
    for _ in range(50):
        left = cgroups(PARENTS) - before
        for p in left:
            rmdir_tree(p)
        if not cgroups(PARENTS) - before:
            break
        time.sleep(0.1)
    for p in cgroups(PARENTS) - before:
        print("clients: could not remove cgroup %s" % p)
    if not runc_root_before:
        try:
            os.rmdir("/run/containerd/runc/" + NS)
        except OSError:
            pass
    shutil.rmtree(w, ignore_errors=True)

print("clients benchmark: %d rounds, ABBA order, %s" % (ROUNDS, time.strftime("%Y-%m-%d %H:%M")))
print("%-24s %-10s %10s %10s %8s" % ("benchmark", "runtime", "median ms", "min ms", "errors"))
for title, (times, errors) in results.items():
    for n, _ in runtimes:
        v = times[n]
        med = statistics.median(v) * 1000 if v else float("nan")
        mn = min(v) * 1000 if v else float("nan")
        print("%-24s %-10s %10.1f %10.1f %8d" % (title, n, med, mn, errors[n]))
    for other in ("crun", "runc"):
        if times.get(other) and times.get("skiff"):
            print("%-24s skiff/%s median ratio: %.2fx" % (
                title, other, statistics.median(times["skiff"]) / statistics.median(times[other])))
