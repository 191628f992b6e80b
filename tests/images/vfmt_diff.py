#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vfmt_diff.py FORMAT PARENT CHILD EXPECT [options]: write a differencing
VHD or VHDX (CHILD) over PARENT, and the raw disk it must read as (EXPECT).

qemu-img neither writes nor reads differencing VHDs or VHDXs, so the chain
is made here, from the specifications, and the oracle is the layering
itself: EXPECT is the parent's raw contents (--parent-raw, made by
qemu-img from PARENT) with the child's writes laid over them.

  --parent-raw FILE   the parent's guest contents (qemu-img convert -O raw)
  --write AT:LEN      sectors the child holds (seeded random data); a write
                      that covers a whole block makes it fully present,
                      else only its sectors' bitmap bits are set, and the
                      block's other sectors hold 0xAA garbage that must
                      never be read
  --zero-block N      VHDX: block N in state ZERO (reads as zeros)
  --locator MODE      rel: relative and absolute locators and the name
                      (default); name: no relative locator (VHD: the parent
                      name field; VHDX: the file name of the absolute path);
                      escape: the relative locator climbs out ("..\\")
  --parent-id HEX     the parent id to record instead of PARENT's (32 hex
                      digits, VHD; a GUID text, VHDX): a wrong parent
  --block SIZE        VHD: the child's block size (default 2M; a small one
                      makes a small fuzz seed)
AT and LEN take a K or M suffix.
"""
import argparse
import os
import random
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vfmt_lib import (KIB, MIB, SECTOR, VHDX_BAT_GUID, VHDX_HEADERS, VHDX_ITEMS,  # noqa: E402
                      VHDX_META_GUID, VHDX_PARENT_TYPE, VHDX_REGIONS, guid_bytes, guid_text,
                      utf16le, vhd_checksum, vhdx_checksum, vhdx_current_header)


def size(text):
    units = {"K": KIB, "M": MIB}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def writes_by_block(writes, block, vsize, rnd):
    """{block: {sector-in-block: 512 bytes}} of the child's writes."""
    out = {}
    for at, length in writes:
        assert at % SECTOR == 0 and length % SECTOR == 0 and at + length <= vsize
        for s in range(at // SECTOR, (at + length) // SECTOR):
            b, i = divmod(s * SECTOR, block)
            out.setdefault(b, {})[i // SECTOR] = rnd.randbytes(SECTOR)
    return out


def block_bytes(sectors, block):
    """A block's contents: the written sectors, 0xAA garbage elsewhere."""
    data = bytearray(b"\xaa" * block)
    for i, d in sectors.items():
        data[i * SECTOR:(i + 1) * SECTOR] = d
    return data


def expect(parent_raw, blocks, block, zero_blocks, out):
    disk = bytearray(open(parent_raw, "rb").read())
    for b in zero_blocks:
        disk[b * block:(b + 1) * block] = bytes(len(disk[b * block:(b + 1) * block]))
    for b, sectors in blocks.items():
        for i, d in sectors.items():
            at = b * block + i * SECTOR
            disk[at:at + SECTOR] = d[:max(0, len(disk) - at)]
    open(out, "wb").write(disk)


# ---------------------------------------------------------------- VHD

def vhd_footer(parent_footer, vsize, dtype, data_offset):
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">IIQI", f, 8, 2, 0x00010000, data_offset, int(time.time()) - 946684800)
    f[28:32] = b"win "          # Hyper-V: the size is current_size
    struct.pack_into(">I4sQQ", f, 32, 0x000a0000, b"Wi2k", vsize, vsize)
    f[56:60] = parent_footer[56:60]
    struct.pack_into(">I", f, 60, dtype)
    f[68:84] = os.urandom(16)
    vhd_checksum(f, 64)
    return f


def vhd_locators(name, mode):
    """[(code, utf-16le bytes)] and the parent name field (UTF-16BE)."""
    rel = "..\\elsewhere\\" + name if mode == "escape" else ".\\" + name
    locs = [(b"W2ku", utf16le("C:\\VMs\\" + name))]
    if mode != "name":
        locs.insert(0, (b"W2ru", utf16le(rel)))
    return locs, name.encode("utf-16-be")


def vhd_child(a, parent_footer, parent_id, vsize, blocks, bs):
    entries = (vsize + bs - 1) // bs
    bitmap = ((bs // SECTOR // 8) + SECTOR - 1) // SECTOR * SECTOR
    bat_off = 512 + 1024
    pos = bat_off + (entries * 4 + SECTOR - 1) // SECTOR * SECTOR
    locs, pname = vhd_locators(os.path.basename(a.parent), a.locator)
    dyn = bytearray(1024)
    dyn[0:8] = b"cxsparse"
    struct.pack_into(">QQIII", dyn, 8, 0xFFFFFFFFFFFFFFFF, bat_off, 0x00010000, entries, bs)
    dyn[40:56] = parent_id
    struct.pack_into(">I", dyn, 56, int(time.time()) - 946684800)
    dyn[64:64 + len(pname)] = pname
    tail = bytearray()
    for i, (code, text) in enumerate(locs):
        space = (len(text) + SECTOR - 1) // SECTOR * SECTOR
        struct.pack_into(">4sIIIQ", dyn, 576 + 24 * i, code, space, len(text), 0, pos + len(tail))
        tail += text + bytes(space - len(text))
    vhd_checksum(dyn, 36)
    bat = bytearray(b"\xff" * (entries * 4))
    body = bytearray()
    start = pos + len(tail)
    for b in sorted(blocks):
        struct.pack_into(">I", bat, 4 * b, (start + len(body)) // SECTOR)
        bm = bytearray(bitmap)
        for i in blocks[b]:
            bm[i // 8] |= 0x80 >> (i % 8)
        body += bm + block_bytes(blocks[b], bs)
    footer = vhd_footer(parent_footer, vsize, 4, 512)
    bat += bytes(pos - bat_off - len(bat))
    with open(a.child, "wb") as f:
        f.write(footer + dyn + bat + tail + body + footer)


def make_vhd(a, writes, rnd):
    img = open(a.parent, "rb").read()
    pf = img[:512] if img[:8] == b"conectix" else img[-512:]
    vsize = os.path.getsize(a.parent_raw)
    bs = a.block
    pid = bytes.fromhex(a.parent_id) if a.parent_id else pf[68:84]
    blocks = writes_by_block(writes, bs, vsize, rnd)
    vhd_child(a, pf, pid, vsize, blocks, bs)
    expect(a.parent_raw, blocks, bs, [], a.expect)


# ---------------------------------------------------------------- VHDX

def vhdx_header(seq, data_guid):
    h = bytearray(4 * KIB)
    h[0:4] = b"head"
    struct.pack_into("<Q", h, 8, seq)
    h[16:32] = os.urandom(16)
    h[32:48] = data_guid
    struct.pack_into("<HHIQ", h, 64, 0, 1, MIB, MIB)
    vhdx_checksum(h)
    return h


def vhdx_region_table(bat, meta):
    t = bytearray(64 * KIB)
    t[0:4] = b"regi"
    struct.pack_into("<I", t, 8, 2)
    for i, (g, (off, length)) in enumerate(((VHDX_BAT_GUID, bat), (VHDX_META_GUID, meta))):
        t[16 + 32 * i:32 + 32 * i] = guid_bytes(g)
        struct.pack_into("<QII", t, 32 + 32 * i, off, length, 1)
    vhdx_checksum(t)
    return t


def vhdx_locator(linkage, name, mode):
    rel = "..\\elsewhere\\" + name if mode == "escape" else ".\\" + name
    kv = [("parent_linkage", linkage), ("absolute_win32_path", "C:\\VMs\\" + name)]
    if mode != "name":
        kv.append(("relative_path", rel))
    head = bytearray(guid_bytes(VHDX_PARENT_TYPE) + struct.pack("<HH", 0, len(kv)))
    strings = bytearray()
    base = 20 + 12 * len(kv)
    for k, v in kv:
        kb, vb = utf16le(k), utf16le(v)
        head += struct.pack("<IIHH", base + len(strings), base + len(strings) + len(kb),
                            len(kb), len(vb))
        strings += kb + vb
    return head + strings


def vhdx_metadata(vsize, bs, locator):
    region = bytearray(MIB)
    region[0:8] = b"metadata"
    items = [("params", struct.pack("<II", bs, 2), 4), ("size", struct.pack("<Q", vsize), 6),
             ("disk_id", os.urandom(16), 6), ("logical", struct.pack("<I", 512), 6),
             ("physical", struct.pack("<I", 4096), 6), ("parent", locator, 4)]
    struct.pack_into("<H", region, 10, len(items))
    off = 64 * KIB
    for i, (name, data, flags) in enumerate(items):
        region[32 + 32 * i:48 + 32 * i] = guid_bytes(VHDX_ITEMS[name])
        struct.pack_into("<III", region, 48 + 32 * i, off, len(data), flags)
        region[off:off + len(data)] = data
        off += (len(data) + 7) // 8 * 8
    return region


def make_vhdx(a, writes, rnd):
    img = open(a.parent, "rb").read()
    _, cur = vhdx_current_header(img)
    linkage = a.parent_id or guid_text(cur[32:48])
    vsize = os.path.getsize(a.parent_raw)
    bs, cr = MIB, (1 << 23) * 512 // MIB
    nblocks = (vsize + bs - 1) // bs
    assert nblocks <= cr, "one sector bitmap chunk is enough for the tests"
    blocks = writes_by_block(writes, bs, vsize, rnd)
    bat_len = ((cr + 1) * 8 + MIB - 1) // MIB * MIB
    bat = bytearray(bat_len)
    body_off = 8 * MIB              # qemu-img's layout: log, BAT, metadata, blocks at 8 MiB
    bitmap = bytearray(MIB)
    body = bytearray()
    for b in sorted(blocks):
        full = len(blocks[b]) == bs // SECTOR
        struct.pack_into("<Q", bat, 8 * b, (body_off + len(body)) | (6 if full else 7))
        for i in blocks[b]:
            bitmap[(b * bs // SECTOR + i) // 8] |= 1 << (i % 8)
        body += block_bytes(blocks[b], bs)
    for b in a.zero_block:
        struct.pack_into("<Q", bat, 8 * b, 2)
    struct.pack_into("<Q", bat, 8 * cr, (body_off + len(body)) | 6)
    body += bitmap
    data_guid = os.urandom(16)
    out = bytearray(3 * MIB)
    out[0:8] = b"vhdxfile"
    for i, off in enumerate(VHDX_HEADERS):
        out[off:off + 4 * KIB] = vhdx_header(i + 1, data_guid)
    for off in VHDX_REGIONS:
        out[off:off + 64 * KIB] = vhdx_region_table((2 * MIB, bat_len), (2 * MIB + bat_len, MIB))
    meta = vhdx_metadata(vsize, bs, vhdx_locator(linkage, os.path.basename(a.parent), a.locator))
    head = out[:2 * MIB] + bat + meta
    open(a.child, "wb").write(head + bytes(body_off - len(head)) + body)
    expect(a.parent_raw, blocks, bs, a.zero_block, a.expect)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("format", choices=["vhd", "vhdx"])
    p.add_argument("parent")
    p.add_argument("child")
    p.add_argument("expect")
    p.add_argument("--parent-raw", required=True)
    p.add_argument("--write", action="append", default=[])
    p.add_argument("--zero-block", action="append", type=int, default=[])
    p.add_argument("--locator", choices=["rel", "name", "escape"], default="rel")
    p.add_argument("--parent-id")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--block", type=size, default=2 * MIB, help="VHD block size (default 2M)")
    a = p.parse_args()
    writes = [tuple(size(x) for x in w.split(":")) for w in a.write]
    rnd = random.Random(a.seed)
    (make_vhd if a.format == "vhd" else make_vhdx)(a, writes, rnd)


if __name__ == "__main__":
    main()
