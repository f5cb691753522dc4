"""What the benchmark scripts share: the runtimes to compare, spawning a
command with its stdio on /dev/null, and peak RSS as /usr/bin/time sees it."""
import itertools
import os
import shutil
import statistics
import subprocess


def runtimes(top):
    """[(name, path)]: skiff ($SKIFF, else $BUILD/skiff), then crun and runc when installed;
    $BENCH_RUNTIMES (e.g. "skiff") keeps only the ones it names; $BENCH_EXTRA
    ("NAME=PATH ...", e.g. "skiff-old=/tmp/old/build/skiff") adds runtimes to the
    same interleaved rounds, to compare two builds of skiff side by side."""
    build = os.environ.get("BUILD", "build")
    found = [("skiff", os.environ.get("SKIFF", os.path.join(top, build, "skiff")))]
    for item in os.environ.get("BENCH_EXTRA", "").split():
        name, _, path = item.partition("=")
        found.append((name, os.path.abspath(path)))
    for name in ("crun", "runc"):
        path = shutil.which(name)
        if path:
            found.append((name, path))
    keep = os.environ.get("BENCH_RUNTIMES", "").split()
    return [r for r in found if not keep or r[0] in keep]


def spawn(argv):
    devnull = os.open(os.devnull, os.O_RDWR)
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                       (os.POSIX_SPAWN_DUP2, devnull, 1),
                                       (os.POSIX_SPAWN_DUP2, devnull, 2)])
    os.close(devnull)
    return pid


def wait(pid):
    """Exit code of @pid, as a shell reports it."""
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def peak_rss(argv, out):
    """Peak RSS in KB of one command and the children it waited for, as
    /usr/bin/time reports it (a spawner of our own would add its memory).
    @out is a scratch file: not a pipe, since a created container's init
    keeps our stdio open."""
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", out] + argv, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return int(open(out).read().strip().splitlines()[-1])
    except (ValueError, IndexError, OSError):
        return 0


def id_maker(prefix):
    """A function that returns a fresh container ID, PREFIX<pid>-<n>."""
    count = itertools.count(1)
    return lambda: "%s%d-%d" % (prefix, os.getpid(), next(count))


def abba(runtimes, rounds, fn):
    """Two uncounted warm-up rounds, then @rounds rounds of @fn(name, exe)
    for every runtime, in an order that reverses every other round.  @fn
    returns (seconds, exit code, ...); a non-zero code counts as an error.
    Returns ({name: [seconds]}, {name: errors})."""
    times = {n: [] for n, _ in runtimes}
    errors = {n: 0 for n, _ in runtimes}
    for _ in range(2):
        for n, exe in runtimes:
            fn(n, exe)
    for rnd in range(rounds):
        order = runtimes if rnd % 2 == 0 else list(reversed(runtimes))
        for n, exe in order:
            r = fn(n, exe)
            if r[1] != 0:
                errors[n] += 1
                continue
            times[n].append(r[0])
    return times, errors


def print_table(runtimes, results, note=lambda rss: ""):
    """The table of @results {title: (times, rss, errors)}: median and min ms,
    peak RSS and errors per runtime, and the skiff/crun median ratio (then
    @note(rss))."""
    print("%-24s %-6s %10s %10s %10s %8s" % ("benchmark", "rt", "median ms", "min ms", "peak RSS", "errors"))
    for title, (times, rss, errors) in results.items():
        for n, _ in runtimes:
            v = times[n]
            med = statistics.median(v) * 1000 if v else float("nan")
            mn = min(v) * 1000 if v else float("nan")
            print("%-24s %-6s %10.2f %10.2f %8d KB %8d" % (title, n, med, mn, rss[n], errors[n]))
        if "crun" in times and times["crun"] and times["skiff"]:
            ratio = statistics.median(times["skiff"]) / statistics.median(times["crun"])
            print("%-24s skiff/crun median ratio: %.2fx%s" % (title, ratio, note(rss)))
