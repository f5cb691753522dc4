#!/usr/bin/env python3
"""seccomp_agent.py SOCKET OUTDIR ERRNO - a seccomp agent (listenerPath) for tests.

Listens on the unix socket SOCKET (writes SOCKET.ready when listening).
For each connection (one per container process: create/run, exec) it takes
the fd passed with SCM_RIGHTS and the JSON "container process state" sent
with it, writes OUTDIR/N.json (the state, plus "fd_count" and, for every
notification answered, "notified": [[pid, syscall nr], ...]) and answers
every notification on that fd with -ERRNO until the fd is dead.  Gives up
after 300 s (the test kills it at teardown; a loaded
machine or a sanitizer build can take minutes over one test).
"""
import ctypes
import fcntl
import json
import os
import select
import socket
import struct
import sys
import threading
import time

path, outdir, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
# struct seccomp_notif (80 bytes) / seccomp_notif_resp (24 bytes)
NOTIF_RECV = 0xC0502100
NOTIF_SEND = 0xC0182101
deadline = time.time() + 300


def serve(n, conn):
    data = b""
    msg, fds, _, _ = socket.recv_fds(conn, 65536, 8)
    data += msg
    conn.settimeout(2)
    while True:
        try:
            more = conn.recv(65536)
        except socket.timeout:
            break
        if not more:
            break
        data += more
    conn.close()
    rec = {"raw": data.decode(), "fd_count": len(fds), "notified": []}
    try:
        rec["state"] = json.loads(data)
    except ValueError as e:
        rec["error"] = str(e)

    def save():
        tmp = os.path.join(outdir, "%d.tmp" % n)
        with open(tmp, "w") as f:
            json.dump(rec, f)
        os.rename(tmp, os.path.join(outdir, "%d.json" % n))

    save()
    if not fds:
        return
    fd = fds[0]
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        buf = bytearray(80)
        try:
            fcntl.ioctl(fd, NOTIF_RECV, buf, True)
        except OSError:
            break  # the filter's processes are gone
        nid, pid, _flags, nr = struct.unpack_from("=QIIi", buf, 0)
        resp = bytearray(struct.pack("=QqiI", nid, 0, -err, 0))
        try:
            fcntl.ioctl(fd, NOTIF_SEND, resp, True)
        except OSError:
            pass
        rec["notified"].append([pid, nr])
        save()
    os.close(fd)


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
with open(path + ".ready", "w") as f:
    f.write("%d\n" % os.getpid())
n = 0
threads = []
while time.time() < deadline:
    s.settimeout(max(0.1, deadline - time.time()))
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    n += 1
    t = threading.Thread(target=serve, args=(n, c), daemon=True)
    t.start()
    threads.append(t)
