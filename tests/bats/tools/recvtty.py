#!/usr/bin/env python3
"""recvtty.py SOCKET OUTFILE [INPUT] - a console-socket receiver for tests.

Listens on the unix socket SOCKET, writes SOCKET.ready when listening,
accepts one connection, takes the pty master passed with SCM_RIGHTS, writes
INPUT (if given) to it, and copies everything read from the master into
OUTFILE until the pty closes (EIO/EOF) or 20 s pass.  OUTFILE.name gets the
message sent along with the fd.  Exit status: 0, or 1 when no fd came.
"""
import os
import select
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
inp = sys.argv[3] if len(sys.argv) > 3 else None
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
with open(path + ".ready", "w") as f:
    f.write("%d\n" % os.getpid())
s.settimeout(20)
try:
    c, _ = s.accept()
except socket.timeout:
    sys.exit(1)
msg, fds, _, _ = socket.recv_fds(c, 4096, 4)
c.close()
s.close()
with open(out + ".name", "wb") as f:
    f.write(msg)
if len(fds) != 1:
    sys.exit(1)
master = fds[0]
if inp is not None:
    os.write(master, inp.encode())
deadline = time.time() + 20
with open(out, "wb") as f:
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.5)
        if not r:
            continue
        try:
            d = os.read(master, 4096)
        except OSError:
            break
        if not d:
            break
        f.write(d)
        f.flush()
sys.exit(0)
