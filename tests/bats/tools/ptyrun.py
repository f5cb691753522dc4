#!/usr/bin/env python3
"""ptyrun.py CMD [ARG...] - run CMD with a new pty as its stdin/stdout/stderr
and controlling terminal; copy what it writes to our stdout; exit with its
status (128+N when killed by signal N).  Nothing is ever written to the
pty (so no EOF or NUL byte reaches the command).  Gives up (SIGKILL, 137)
after 25 s."""
import os
import select
import sys
import time

pid, master = os.forkpty()
if pid == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
deadline = time.time() + 25
out = sys.stdout.buffer
status = None
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.2)
    if r:
        try:
            d = os.read(master, 4096)
        except OSError:
            d = b""
        if d:
            out.write(d)
            out.flush()
            continue
        break  # every slave fd is closed
    w, st = os.waitpid(pid, os.WNOHANG)
    if w == pid:
        status = st
        break
while status is None:
    w, st = os.waitpid(pid, os.WNOHANG)
    if w == pid:
        status = st
    elif time.time() > deadline:
        os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
    else:
        time.sleep(0.05)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
