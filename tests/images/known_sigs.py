#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""known_sigs.py DIR: files that carry the signature of a disk format
ovakit does not read and qemu-img cannot write: Bochs, cloop, DMG, and
Parallels' extended magic.  (QED, qcow 1, Parallels and LUKS images are
written by qemu-img itself in the test.)  Each is 1 MiB: the signature and
the header fields qemu's probe looks at, then random bytes, so that only
the signature says it is no raw disk.

  bochs.img        "Bochs Virtual HD Image" at 0 (qemu's bochs_probe)
  cloop.img        "#!/bin/sh\\n#V2.0 Format\\n..." at 0 (cloop_probe)
  dmg.img          a "koly" trailer (version 4, 512 bytes) in the last
                   sector, qemu's dmg_probe
  parallels-ext.img "WithouFreSpacExt" at 0, version 2
"""
import os
import struct
import sys

MIB = 1 << 20


def write(path, head=b"", tail=b""):
    data = bytearray(os.urandom(MIB))
    data[:len(head)] = head
    if tail:
        data[-512:] = tail + bytes(512 - len(tail))
    open(path, "wb").write(data)


def main():
    d = sys.argv[1]
    write(os.path.join(d, "bochs.img"), b"Bochs Virtual HD Image\0" + bytes(9) +
          b"Redolog\0" + bytes(8) + b"Growing\0")
    write(os.path.join(d, "cloop.img"), b"#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && "
          b"mount -r -t iso9660 /dev/cloop $1\n")
    write(os.path.join(d, "dmg.img"), tail=b"koly" + struct.pack(">II", 4, 512))
    write(os.path.join(d, "parallels-ext.img"), b"WithouFreSpacExt" + struct.pack("<I", 2))


if __name__ == "__main__":
    main()
