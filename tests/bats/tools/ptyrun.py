#!/usr/bin/env python3
"""ptyrun.py [--timeout SECS] [--expect TEXT --send LINE] CMD [ARG...]

Run CMD with a new pty as its stdin/stdout/stderr and controlling terminal;
copy what it writes to our stdout; exit with its status (128+N when killed
by signal N).  Nothing is written to the pty unless --expect is given: then
LINE and a newline are written once TEXT has been seen in the output.
Gives up (SIGKILL, 137) after SECS seconds (default 25)."""
import os
import select
import sys
import time

args = sys.argv[1:]
secs, expect, send = 25.0, None, b""
while args and args[0].startswith("--"):
    opt, val, args = args[0], args[1], args[2:]
    if opt == "--timeout":
        secs = float(val)
    elif opt == "--expect":
        expect = val.encode()
    elif opt == "--send":
        send = val.encode()
    else:
        sys.exit("ptyrun.py: unknown option " + opt)

pid, master = os.forkpty()
if pid == 0:
    try:
        os.execvp(args[0], args)
    finally:
        os._exit(127)
deadline = time.time() + secs
out = sys.stdout.buffer
seen, sent, status = b"", expect is None, None


def pump(wait):
    """Copy one chunk of output; False when there was none or it ended."""
    global seen, sent
    if not select.select([master], [], [], wait)[0]:
        return False
    try:
        d = os.read(master, 4096)
    except OSError:
        d = b""
    if not d:
        return False
    out.write(d)
    out.flush()
    if not sent:
        seen += d
        if expect in seen:
            os.write(master, send + b"\n")
            sent = True
    return True


while status is None:
    if time.time() > deadline:
        os.kill(pid, 9)
        _, status = os.waitpid(pid, 0)
        break
    if pump(0.2):
        continue
    w, st = os.waitpid(pid, os.WNOHANG)
    if w == pid:
        status = st
    else:
        time.sleep(0.05)
while pump(0.3):  # what the command wrote just before it ended
    pass
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
