#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_access.py IN OUT ACCESS: a copy of the single-file VMDK IN (a KDMV
sparse file with its descriptor embedded) whose extent line says ACCESS
(RW, RDONLY or NOACCESS) instead of what qemu-img wrote.  The descriptor
keeps its place and size: the text ends at the first NUL, so the rest of
its sectors stay NUL padding."""
import re
import struct
import sys


def main():
    src, dst, access = sys.argv[1:4]
    data = bytearray(open(src, "rb").read())
    if data[:4] != b"KDMV":
        sys.exit(f"{src}: not a KDMV sparse file")
    # header: desc_offset (u64 LE, sectors) at byte 28, desc_size at 36
    off, size = struct.unpack_from("<QQ", data, 28)
    start, end = off * 512, (off + size) * 512
    text = bytes(data[start:end]).split(b"\0", 1)[0]
    new, n = re.subn(rb"(?m)^(RW|RDONLY|NOACCESS) ", access.encode() + b" ", text, count=1)
    if n != 1 or len(new) >= end - start:
        sys.exit(f"{src}: no extent line to change, or no room")
    data[start:end] = new + b"\0" * (end - start - len(new))
    open(dst, "wb").write(data)


if __name__ == "__main__":
    main()
