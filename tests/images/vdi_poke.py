#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vdi_poke.py IN OUT FIELD=VALUE...: a copy of a VDI with header fields or
block map entries set, for cases qemu-img does not write but reads.

  disk_size=N   the disk size (u64 at 368), e.g. one that is not a whole
                sector, as VBoxManage convertfromraw writes
  mapI=V        block map entry I (u32), e.g. 0xfffffffe: discarded
VDI has no checksum, so nothing else changes.
"""
import struct
import sys


def main():
    src, out = sys.argv[1:3]
    img = bytearray(open(src, "rb").read())
    bmap = struct.unpack_from("<I", img, 340)[0]
    for arg in sys.argv[3:]:
        key, value = arg.split("=")
        v = int(value, 0)
        if key == "disk_size":
            struct.pack_into("<Q", img, 368, v)
        elif key.startswith("map"):
            struct.pack_into("<I", img, bmap + 4 * int(key[3:]), v)
        else:
            sys.exit("unknown field " + key)
    open(out, "wb").write(img)


if __name__ == "__main__":
    main()
