#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ova_tar.py OUT.ova [--gzip] [--gnu] NAME=@FILE|NAME=TEXT...: pack an OVA
whose members are exactly the ones given, in that order, names unchecked.

GNU tar refuses to write hostile member names ("../x", "/tmp/x"); this
writes them as given, so tests can check that ova-convert refuses them.
NAME=@FILE takes the member's bytes from FILE, NAME=TEXT is the bytes of
TEXT.  ustar format by default (--gnu: GNU format), gzip-compressed with
--gzip.  test_ova_convert.sh calls it; the bad-input generators
(ova_bad_*.py) import members(), pack() and link().
"""
import argparse
import gzip
import io
import tarfile


def members(ova):
    """[(name, bytes)] of every member of an OVA, in archive order."""
    with tarfile.open(ova) as t:
        return [(m.name, t.extractfile(m).read()) for m in t.getmembers()]


def link(name, target, kind):
    """A member without data: a symlink, hard link or device (kind: a
    tarfile type) named name, pointing at target."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def pack(path, entries, compress=False, fmt=tarfile.GNU_FORMAT):
    """Write entries ((name, bytes) or a TarInfo from link()) as an OVA."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for e in entries:
            if isinstance(e, tarfile.TarInfo):
                t.addfile(e)
                continue
            name, data = e
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    with open(path, "wb") as f:
        f.write(gzip.compress(data, mtime=0) if compress else data)
    return path


def main():
    ap = argparse.ArgumentParser(prog="ova_tar.py")
    ap.add_argument("out")
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--gnu", action="store_true")
    ap.add_argument("members", nargs="+", metavar="NAME=@FILE|NAME=TEXT")
    a = ap.parse_args()
    entries = []
    for m in a.members:
        name, value = m.split("=", 1)
        if value.startswith("@"):
            with open(value[1:], "rb") as f:
                entries.append((name, f.read()))
        else:
            entries.append((name, value.encode()))
    pack(a.out, entries, a.gzip, tarfile.GNU_FORMAT if a.gnu else tarfile.USTAR_FORMAT)


if __name__ == "__main__":
    main()
