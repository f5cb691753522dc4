"""What the benchmark scripts share: the runtimes to compare, spawning a
command with its stdio on /dev/null, and peak RSS as /usr/bin/time sees it."""
import os
import shutil
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
