#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vhdx_log.py IMAGE [--torn]: leave a log entry that was never written
back in a VHDX (made by qemu-img), as a host crash would.

The entry (MS-VHDX 2.3) rewrites the first 4 KiB sector of the first
fully present payload block with random bytes; the current header gets a
log GUID that the entry carries, and a new checksum.  qemu-img then refuses
to open the image read-only (the log needs replaying) and `qemu-img check
-r all` replays it.  With --torn the entry's checksum is wrong, as after a
crash in the middle of writing it: nothing to replay, qemu-img reads the
image as it stands.
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vfmt_lib import (KIB, VHDX_BAT_GUID, crc32c, vhdx_checksum,  # noqa: E402
                      vhdx_current_header, vhdx_regions)


def first_present_block(img):
    off, _ = vhdx_regions(img)[VHDX_BAT_GUID]
    for i in range(0, 1 << 16):
        e = struct.unpack_from("<Q", img, off + 8 * i)[0]
        if e & 7 == 6:
            return e >> 20 << 20
    sys.exit("no fully present block")


def entry(log_guid, seq, target, sector, size):
    head = bytearray(4 * KIB)
    struct.pack_into("<IIIIQII", head, 0, 0x65676F6C, 0, 8 * KIB, 0, seq, 1, 0)
    head[32:48] = log_guid
    struct.pack_into("<QQ", head, 48, size, size)
    # Data descriptor: "desc", trailing bytes, leading bytes, offset, seq.
    struct.pack_into("<I4sQQQ", head, 64, 0x63736564, sector[4092:4096], 0, target, seq)
    head[68:72] = sector[4092:4096]
    head[72:80] = sector[0:8]
    data = bytearray(4 * KIB)
    struct.pack_into("<II", data, 0, 0x61746164, seq >> 32)
    data[8:4092] = sector[8:4092]
    struct.pack_into("<I", data, 4092, seq & 0xFFFFFFFF)
    e = head + data
    struct.pack_into("<I", e, 4, crc32c(bytes(e)))
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--torn", action="store_true")
    a = ap.parse_args()
    img = bytearray(open(a.image, "rb").read())
    hoff, h = vhdx_current_header(img)
    h = bytearray(h)
    log_guid = os.urandom(16)
    h[48:64] = log_guid
    vhdx_checksum(h)
    img[hoff:hoff + 4 * KIB] = h
    log_len, log_off = struct.unpack_from("<IQ", h, 68)
    e = entry(log_guid, 1, first_present_block(img), os.urandom(4 * KIB), len(img))
    if a.torn:
        e[100] ^= 0xFF
    img[log_off:log_off + len(e)] = e
    open(a.image, "wb").write(img)


if __name__ == "__main__":
    main()
