# SPDX-License-Identifier: LGPL-2.1-or-later
"""vfmt_lib.py: what the VHD, VHDX and VDI test helpers share (imported,
not run): the checksums of the formats, and their field offsets.

Written from the specifications (MS-VHD "Virtual Hard Disk Image Format",
MS-VHDX, VirtualBox's VDI header) independently of src/, so that the C
reader and these generators only agree if both follow the format.
"""
import struct
import uuid

SECTOR = 512
KIB = 1 << 10
MIB = 1 << 20


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli), as VHDX uses it."""
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def vhdx_checksum(buf):
    """Store the CRC-32C of buf (checksum field at 4 taken as zero) at 4."""
    buf[4:8] = b"\0\0\0\0"
    buf[4:8] = struct.pack("<I", crc32c(bytes(buf)))


def vhd_checksum(buf, at):
    """Store the VHD checksum (one's complement of the byte sum) at `at`."""
    buf[at:at + 4] = b"\0\0\0\0"
    buf[at:at + 4] = struct.pack(">I", ~sum(buf) & 0xFFFFFFFF)


def guid_bytes(text):
    """A GUID as VHDX stores it (Data1..3 little-endian)."""
    return uuid.UUID(text).bytes_le


def guid_text(raw):
    """'{XXXXXXXX-...}' of a stored GUID, as parent_linkage writes it."""
    return "{" + str(uuid.UUID(bytes_le=bytes(raw))).upper() + "}"


def utf16le(text):
    return text.encode("utf-16-le")


# VHDX: where things are, and the GUIDs of its regions and items.
VHDX_HEADERS = (64 * KIB, 128 * KIB)
VHDX_REGIONS = (192 * KIB, 256 * KIB)
VHDX_BAT_GUID = "2DC27766-F623-4200-9D64-115E9BFD4A08"
VHDX_META_GUID = "8B7CA206-4790-4B9A-B8FE-575F050F886E"
VHDX_ITEMS = {
    "params": "CAA16737-FA36-4D43-B3B6-33F0AA44E76B",
    "size": "2FA54224-CD1B-4876-B211-5DBED83BF4B8",
    "disk_id": "BECA12AB-B2E6-4523-93EF-C309E000C746",
    "logical": "8141BF1D-A96F-4709-BA47-F233A8FAAB5F",
    "physical": "CDA348C7-445D-4471-9CC9-E9885251C556",
    "parent": "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C",
}
VHDX_PARENT_TYPE = "B04AEFB7-D19E-4A81-B789-25B8E9445913"


def vhdx_current_header(img):
    """(offset, bytes) of the header with the higher sequence number."""
    hs = [(off, img[off:off + 4 * KIB]) for off in VHDX_HEADERS]
    return max(hs, key=lambda h: struct.unpack_from("<Q", h[1], 8)[0])


def vhdx_regions(img):
    """{guid text: (offset, length)} from region table 1."""
    t = img[VHDX_REGIONS[0]:VHDX_REGIONS[0] + 64 * KIB]
    n = struct.unpack_from("<I", t, 8)[0]
    out = {}
    for i in range(n):
        e = t[16 + 32 * i:48 + 32 * i]
        g = str(uuid.UUID(bytes_le=bytes(e[:16]))).upper()
        out[g] = struct.unpack_from("<QI", e, 16)
    return out
