#!/usr/bin/env python3
"""What built-in networking adds to a container's life.

    tests/bench/net.py TOP [WORK]      (root; SKIFF= picks the binary)

skiff: create + start + delete of a /bin/true container with a nat network
and one port forward, next to the same without a network (loopback only),
ABBA-interleaved rounds, medians.  For comparison, when podman and
netavark are installed: `podman run --rm` with `--network bridge -p` next
to `--network none`, on an image imported from the demo rootfs (no
registry), removed afterwards.

Everything runs in a private mount + network namespace (the script enters
one itself): the bridge, veths, nft rules and ip_forward change there and
vanish with it; the machine's own network is untouched.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

INNER = "SKIFF_NETBENCH_INNER"
ROUNDS = int(os.environ.get("NETBENCH_ROUNDS", "15"))
PODMAN_ROUNDS = int(os.environ.get("NETBENCH_PODMAN_ROUNDS", "6"))
IMAGE = "localhost/skiff-netbench-busybox:latest"
# podman's default rlimits exceed this sandbox's hard limits
PODMAN_ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def enter_private_namespaces():
    """Re-run this script in new mount + network namespaces."""
    env = dict(os.environ, **{INNER: "1"})
    argv = ["unshare", "-m", "-n", "--propagation", "private",
            sys.executable, os.path.abspath(__file__)] + sys.argv[1:]
    os.execvpe("unshare", argv, env)


def quiet(argv, check=True):
    """Run @argv (bounded, 120 s); its stderr goes through a file, not a
    pipe: a created container's init keeps the stdio it was given open."""
    with tempfile.TemporaryFile(mode="w+") as err:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=err, timeout=120)
        err.seek(0)
        msg = err.read().strip()
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), msg))
    return r.returncode


def timed(argv):
    t0 = time.perf_counter()
    quiet(argv)
    return time.perf_counter() - t0


def main():
    if os.geteuid() != 0:
        print("net: skipped (needs root)")
        return 0
    if not os.environ.get(INNER):
        enter_private_namespaces()
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    work = sys.argv[2] if len(sys.argv) > 2 else None
    own_work = work is None
    if own_work:
        work = tempfile.mkdtemp(prefix="skiff-netbench.")
    try:
        quiet(["ip", "link", "set", "lo", "up"])
        # crun (podman's runtime) refuses hybrid cgroups while cgroup2 lists
        # controllers: hide them, in this private mount namespace only
        ctl = "/sys/fs/cgroup/unified/cgroup.controllers"
        if os.path.exists(ctl):
            empty = os.path.join(work, "empty-controllers")
            open(empty, "w").close()
            quiet(["mount", "--bind", empty, ctl], check=False)
        skiff_line = bench_skiff(top, work)
        podman_line = bench_podman(work)
        print("net: %s; %s" % (skiff_line, podman_line))
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def make_bundle(top, work, name, annotations):
    import json
    d = os.path.join(work, name)
    if not os.path.isdir(d):
        quiet([os.path.join(top, "tests", "make-demo-bundle"), d])
    p = os.path.join(d, "config.json")
    c = json.load(open(p))
    c["process"]["args"] = ["/bin/true"]
    c["process"]["terminal"] = False
    c.setdefault("annotations", {}).update(annotations)
    json.dump(c, open(p, "w"), indent=1)
    return d


def bench_skiff(top, work):
    exe = os.environ.get("SKIFF", os.path.join(top, "build", "skiff"))
    root = os.path.join(work, "root-net")
    variants = {
        "none": make_bundle(top, work, "bundle-none", {}),
        "nat": make_bundle(top, work, "bundle-nat", {"org.skiff.net.mode": "nat",
                                                      "org.skiff.net.ports": "18085:80/tcp"}),
    }
    n = [0]

    def life(bundle):
        n[0] += 1
        cid = "nb%d-%d" % (os.getpid(), n[0])
        base = [exe, "--root", root]
        t = timed(base + ["create", "-b", bundle, cid])
        t += timed(base + ["start", cid])
        t += timed(base + ["delete", "--force", cid])
        return t

    times = {k: [] for k in variants}
    for k in variants:  # warm-up: the first nat container also makes the bridge
        life(variants[k])
    order = list(variants)
    for i in range(ROUNDS):
        for k in (order if i % 2 == 0 else order[::-1]):
            times[k].append(life(variants[k]))
    quiet([exe, "--root", root, "network", "rm", "skiff0"], check=False)
    nat = statistics.median(times["nat"]) * 1e3
    none = statistics.median(times["none"]) * 1e3
    return ("create+start+delete nat+1 port: %.1f ms (none: %.1f ms, networking adds %.1f ms, "
            "median of %d, ABBA)" % (nat, none, nat - none, ROUNDS))


def bench_podman(work):
    podman = shutil.which("podman")
    if not podman:
        return "podman netavark: not measured (podman is not installed: apt-get install podman)"
    r = subprocess.run([podman, "info", "--format", "{{.Host.NetworkBackend}}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return "podman netavark: not measured (podman info failed: %s)" % r.stderr.strip()[:200]
    if r.stdout.strip() != "netavark":
        return "podman netavark: not measured (podman's network backend is %s)" % r.stdout.strip()
    rootfs_tar = os.path.join(work, "rootfs.tar")
    rootfs = os.path.join(work, "bundle-none", "rootfs")
    try:
        quiet(["tar", "-C", rootfs, "-cf", rootfs_tar, "."])
        quiet([podman, "import", "-q", rootfs_tar, IMAGE])
    except RuntimeError as e:
        return "podman netavark: not measured (image import failed: %s)" % str(e)[:200]
    try:
        variants = {
            "none": ["--network", "none"],
            "bridge": ["--network", "bridge", "-p", "18086:80"],
        }

        def run(args):
            return timed([podman, "run", "--rm"] + PODMAN_ULIMITS + args + [IMAGE, "/bin/true"])

        try:
            for k in variants:
                run(variants[k])
        except RuntimeError as e:
            return "podman netavark: not measured (podman run failed: %s)" % str(e)[:200]
        times = {k: [] for k in variants}
        order = list(variants)
        for i in range(PODMAN_ROUNDS):
            for k in (order if i % 2 == 0 else order[::-1]):
                times[k].append(run(variants[k]))
        br = statistics.median(times["bridge"]) * 1e3
        none = statistics.median(times["none"]) * 1e3
        return ("podman netavark adds %.1f ms (podman run --rm bridge+1 port: %.1f ms, none: %.1f ms, "
                "median of %d)" % (br - none, br, none, PODMAN_ROUNDS))
    finally:
        quiet([podman, "rmi", "-f", IMAGE], check=False)


if __name__ == "__main__":
    sys.exit(main())
