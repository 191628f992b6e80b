# SPDX-License-Identifier: LGPL-2.1-or-later
"""disk_fields.py: where the fields are that the image tests read and poke.

Imported (not run) by the generators of corrupt images (vmdk_*.py,
qcow2_*.py) and by the checks that look inside an image qemu-img wrote
(vmdk_zeroed_grains.py).  Offsets are bytes from the start of the file;
the layouts are VMware's "Virtual Disk Format 5.0" (sparse header, grain
directory and tables, stream markers) and qemu's docs/interop/qcow2.txt.
"""
import struct

# The VMDK sparse extent header (little-endian, 79 bytes of fields).
VMDK_HEADER = "<4sIIQQQQIQQQB4sH"
VMDK_FIELDS = ("magic version flags capacity grain desc_off desc_size gtes rgd gd overhead "
               "unclean nl compress").split()
VMDK_FLAG_ZEROED_GTE = 1 << 2
# qcow2 L1/L2 entries: the host offset bits.
QCOW2_OFFSET_MASK = 0x00fffffffffffe00


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def patched(data, off, fmt, value):
    """A copy of data with value packed (struct fmt) at off."""
    b = bytearray(data)
    struct.pack_into(fmt, b, off, value)
    return bytes(b)


def flipped(data, off, bit):
    """A copy of data with one bit flipped."""
    b = bytearray(data)
    b[off] ^= 1 << bit
    return bytes(b)


def vmdk_header(data):
    """The sparse header's fields by name (sectors where VMware says so)."""
    return dict(zip(VMDK_FIELDS, struct.unpack_from(VMDK_HEADER, data, 0)))


def vmdk_gt0(data):
    """(byte offset, entries) of grain table 0 of a sparse VMDK."""
    h = vmdk_header(data)
    gt = struct.unpack_from("<I", data, h["gd"] * 512)[0] * 512
    return gt, [e for (e,) in struct.iter_unpack("<I", data[gt:gt + 4 * h["gtes"]])]


def vmdk_stream_grains(data):
    """(offset, lba, size) of each grain marker of a stream VMDK."""
    h = vmdk_header(data)
    i = h["overhead"] * 512
    out = []
    while i + 16 <= len(data):
        lba, size = struct.unpack_from("<QI", data, i)
        if size:
            out.append((i, lba, size))
            i += (12 + size + 511) // 512 * 512
        else:
            mtype = struct.unpack_from("<I", data, i + 12)[0]
            if mtype == 0:
                break
            i += 512 + lba * 512
    return out


def qcow2_tables(data):
    """(L1 table offset, offset of the L2 table L1 entry 0 points to)."""
    l1 = struct.unpack_from(">Q", data, 40)[0]
    return l1, struct.unpack_from(">Q", data, l1)[0] & QCOW2_OFFSET_MASK
