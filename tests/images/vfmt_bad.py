#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vfmt_bad.py IN OUT CASE: a corrupt copy of a VHD, VHDX or VDI that
qemu-img wrote, poking one field (as qemu-iotests 059 does for VMDK); the
checksum over the field is recomputed unless the case is the checksum.

  vhd-checksum      a footer byte changed, the checksum left
  vhd-dyn-checksum  the dynamic header's block size changed, checksum left
  vhd-bat-eof       BAT entry 0 points past the end of the file
  vhd-huge          current_size of 4 PiB under the current_size rule
  vhd-block         block size 3 MiB (not a power of two)
  vhdx-header       both headers' checksums broken
  vhdx-region       both region tables' checksums broken
  vhdx-bat-eof      the first present BAT entry points past the file
  vhdx-huge         virtual disk size 1 EiB (above 64 TiB)
  vhdx-block        block size 3 MiB
  vdi-map-eof       block map entry 0 points past the file
  vdi-huge          disk size larger than the block map covers
  vdi-block         block size 2 MiB
  truncate          the file cut to half its size
  vhd-bitmap-clear  not corrupt: block 0's bitmap bits of sectors 0-7
                    cleared, so they read as zeros (qemu ignores bitmaps
                    and reads what the block holds there)
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vfmt_lib import (VHDX_BAT_GUID, VHDX_HEADERS, VHDX_ITEMS, VHDX_META_GUID,  # noqa: E402
                      VHDX_REGIONS, guid_bytes, vhd_checksum, vhdx_regions)


def vhd_dyn(img):
    return struct.unpack_from(">Q", img, 16)[0]


def vhdx_item(img, name):
    off, _ = vhdx_regions(img)[VHDX_META_GUID]
    n = struct.unpack_from("<H", img, off + 10)[0]
    for i in range(n):
        e = off + 32 + 32 * i
        if img[e:e + 16] == guid_bytes(VHDX_ITEMS[name]):
            return off + struct.unpack_from("<I", img, e + 16)[0]
    sys.exit("no item " + name)


def vhdx_first_present(img):
    off, _ = vhdx_regions(img)[VHDX_BAT_GUID]
    i = 0
    while struct.unpack_from("<Q", img, off + 8 * i)[0] & 7 != 6:
        i += 1
    return off + 8 * i


def poke(img, case):
    if case == "vhd-checksum":
        img[40] ^= 1                           # original size: no one reads it
    elif case == "vhd-dyn-checksum":
        img[vhd_dyn(img) + 32] ^= 0x40
    elif case == "vhd-bat-eof":
        bat = struct.unpack_from(">Q", img, vhd_dyn(img) + 16)[0]
        struct.pack_into(">I", img, bat, len(img) // 512 + 9999)
    elif case == "vhd-huge":
        f = bytearray(img[:512])
        f[28:32] = b"win "
        struct.pack_into(">Q", f, 48, 1 << 52)
        vhd_checksum(f, 64)
        img[:512] = f
    elif case == "vhd-block":
        struct.pack_into(">I", img, vhd_dyn(img) + 32, 3 << 20)
        d = vhd_dyn(img)
        dyn = bytearray(img[d:d + 1024])
        vhd_checksum(dyn, 36)
        img[d:d + 1024] = dyn
    elif case == "vhdx-header":
        for off in VHDX_HEADERS:
            img[off + 4] ^= 1
    elif case == "vhdx-region":
        for off in VHDX_REGIONS:
            img[off + 4] ^= 1
    elif case == "vhdx-bat-eof":
        at = vhdx_first_present(img)
        struct.pack_into("<Q", img, at, ((len(img) >> 20) + 64) << 20 | 6)
    elif case == "vhdx-huge":
        struct.pack_into("<Q", img, vhdx_item(img, "size"), 1 << 60)
    elif case == "vhdx-block":
        struct.pack_into("<I", img, vhdx_item(img, "params"), 3 << 20)
    elif case == "vdi-map-eof":
        struct.pack_into("<I", img, struct.unpack_from("<I", img, 340)[0], 0x7FFFFFFF)
    elif case == "vdi-huge":
        struct.pack_into("<Q", img, 368, struct.unpack_from("<I", img, 384)[0] * (1 << 20) + 512)
    elif case == "vdi-block":
        struct.pack_into("<I", img, 376, 2 << 20)
    elif case == "vhd-bitmap-clear":
        bat = struct.unpack_from(">Q", img, vhd_dyn(img) + 16)[0]
        img[struct.unpack_from(">I", img, bat)[0] * 512] = 0
    elif case == "truncate":
        del img[len(img) // 2:]
    else:
        sys.exit("unknown case " + case)


def main():
    src, out, case = sys.argv[1:4]
    img = bytearray(open(src, "rb").read())
    if case == "vhd-checksum" and img[:8] != b"conectix":
        tail = bytearray(img[-512:])
        poke(tail, case)
        img[-512:] = tail
    else:
        poke(img, case)
    open(out, "wb").write(img)


if __name__ == "__main__":
    main()
