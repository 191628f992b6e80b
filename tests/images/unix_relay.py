#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""unix_relay.py UPSTREAM-SOCKET PATH: relay every connection made to the
Unix socket PATH to UPSTREAM-SOCKET, until killed.

test_faults.sh points ova-import at the relay instead of libvirtd's socket
and kills the relay (SIGKILL) mid-upload: the client then sees exactly what
a dying daemon does (the connection drops mid-stream), while the shared
daemon keeps serving the tests that run beside it.

PATH appears only once the relay accepts connections (it binds PATH.new,
listens, then renames it into place), so a caller may wait for PATH to
exist and then connect.
"""
import os
import socket
import sys
import threading


def pump(a, b):
    """Copy a to b until either side closes, then close both ways."""
    try:
        while (d := a.recv(1 << 16)):
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    up, path = sys.argv[1], sys.argv[2]
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path + ".new")
    srv.listen(4)
    os.rename(path + ".new", path)
    while True:
        c, _ = srv.accept()
        u = socket.socket(socket.AF_UNIX)
        u.connect(up)
        threading.Thread(target=pump, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()


if __name__ == "__main__":
    main()
