#!/usr/bin/env python3
"""`run` with the systemd cgroup driver: `RUNTIME --systemd-cgroup run -b
BUNDLE ID` of /bin/true with skiff, crun and runc, ABBA-interleaved
(harness), each container a transient scope in system.slice
(cgroupsPath "system.slice:skiff-bench:ID", the same for the three).

Needs systemd as PID 1 and pure cgroup v2 (crun 1.8.1): the systemd VM,
    tests/vm/run --systemd --timeout 1500 python3 tests/bench/sdcgroup.py TOP
(tests/bench/run does that).  BENCH_SD_ROUNDS sets the counted rounds
(default 10, after harness.abba's two warm-ups); BENCH_RUNTIMES /
BENCH_EXTRA as for bench.py.  Prints mean, median and min per runtime,
errors, and skiff/crun and skiff/runc ratios of the means and medians.
Checks that no scope is left (systemctl), and removes its state roots.
Starts the system message bus (a transient unit) when it is not running:
crun reaches systemd through it.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import harness

top = sys.argv[1]
ROUNDS = int(os.environ.get("BENCH_SD_ROUNDS", "10"))
PREFIX = "skiff-bench"
if not os.path.exists("/run/systemd/private"):
    sys.exit("sdcgroup bench: systemd is not PID 1 (run it in tests/vm/run --systemd)")
# crun and runc ask for the system bus.  The VM's systemd has no unit
# files: the message bus is made here as on a host, the transient units
# dbus.socket and dbus.service (socket-activated, systemd connects to the
# bus once dbus.service runs); then systemd must answer on it.
bus = "/run/dbus/system_bus_socket"
if not os.path.exists(bus):
    os.makedirs("/run/dbus", exist_ok=True)
    subprocess.run(["systemd-run", "--quiet", "--unit=dbus", "-p", "DefaultDependencies=no",
                    "--socket-property=ListenStream=" + bus,
                    "--socket-property=DefaultDependencies=no", "dbus-daemon", "--system",
                    "--address=systemd:", "--nofork", "--nopidfile", "--systemd-activation"],
                   check=True)
    for _ in range(300):
        if subprocess.run(["busctl", "--system", "call", "org.freedesktop.systemd1",
                           "/org/freedesktop/systemd1", "org.freedesktop.DBus.Peer", "Ping"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            break
        time.sleep(0.2)
    else:
        sys.exit("sdcgroup bench: systemd does not answer on the system bus")
work = tempfile.mkdtemp(prefix="skiff-sdbench.")
bundle = os.path.join(work, "bundle")
subprocess.run([os.path.join(top, "tests/make-demo-bundle"), bundle], check=True,
               stdout=subprocess.DEVNULL)
cfg_path = os.path.join(bundle, "config.json")
cfg = json.load(open(cfg_path))
cfg["process"]["args"] = ["/bin/true"]
cfg["process"]["terminal"] = False
cfg["ociVersion"] = "1.1.0"  # crun 1.8.1 refuses 1.2.0
runtimes = harness.runtimes(top)
cid = harness.id_maker("sd")
said = set()


def root(name):
    return os.path.join(work, "root-" + name)


def run_true(name, exe):
    i = cid()
    cfg["linux"]["cgroupsPath"] = "system.slice:%s:%s" % (PREFIX, i)
    with open(cfg_path, "w") as f:
        json.dump(cfg, f)
    argv = [exe, "--root", root(name), "--systemd-cgroup", "run", "-b", bundle, i]
    t0 = time.perf_counter()
    rc = harness.wait(harness.spawn(argv))
    t = time.perf_counter() - t0
    if rc != 0 and name not in said:
        # the first failure of each runtime: once more, untimed, for its words
        said.add(name)
        argv[-1] = cid()
        cfg["linux"]["cgroupsPath"] = "system.slice:%s:%s" % (PREFIX, argv[-1])
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        err = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True).stderr.strip()
        print("sdcgroup bench: %s failed (exit %d): %s" % (name, rc, err[-300:]))
    return t, rc


def scopes_left():
    out = subprocess.run(["systemctl", "list-units", "--all", "--no-legend", "--plain",
                          PREFIX + "-*.scope"], capture_output=True, text=True).stdout
    return [l.split()[0] for l in out.splitlines() if l.strip()]


try:
    times, errors = harness.abba(runtimes, ROUNDS, run_true)
finally:
    left = scopes_left()
    for u in left:
        subprocess.run(["systemctl", "stop", u], stderr=subprocess.DEVNULL)
        subprocess.run(["systemctl", "reset-failed", u], stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)

print("systemd cgroup driver benchmark: run -b BUNDLE ID (/bin/true) with --systemd-cgroup, "
      "%d rounds, ABBA order, %s" % (ROUNDS, time.strftime("%Y-%m-%d %H:%M")))
print("%-8s %10s %10s %10s %8s" % ("runtime", "mean ms", "median ms", "min ms", "errors"))
for n, _ in runtimes:
    v = times[n]
    if v:
        print("%-8s %10.1f %10.1f %10.1f %8d" % (n, statistics.mean(v) * 1000,
                                                 statistics.median(v) * 1000, min(v) * 1000,
                                                 errors[n]))
    else:
        print("%-8s %10s %10s %10s %8d" % (n, "-", "-", "-", errors[n]))
for other in ("crun", "runc"):
    if times.get(other) and times.get("skiff"):
        print("skiff/%s: mean ratio %.2fx, median ratio %.2fx" % (
            other, statistics.mean(times["skiff"]) / statistics.mean(times[other]),
            statistics.median(times["skiff"]) / statistics.median(times[other])))
if left:
    print("sdcgroup bench: scopes were left (stopped now): %s" % " ".join(left))
