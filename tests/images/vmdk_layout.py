#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_layout.py: judge a streamOptimized VMDK's layout from its bytes,
independently of ovakit's reader (tests/images/test_vmdk_write*.sh).

  vmdk_layout.py check OURS.vmdk [SOURCE.raw]
      the layout VMware's exports have (src/vmdk/writer.h): a version-3
      header with GD_AT_END, grain markers in LBA order that each inflate to
      a whole grain that is not all zeros, a GT marker and GT after the
      grains of each table's range (none for an empty range) that point at
      exactly those grains, the GD marker and GD, the footer marker and
      footer (the header with the real gdOffset), and the EOS marker as the
      last sector.  With SOURCE.raw: the grains written are exactly the
      source's grains that are not all zeros.  Prints "ok     - " and
      "NOT OK - " lines (for lib.sh's tally); exits 1 if any failed.

  vmdk_layout.py compare OURS.vmdk THEIRS.vmdk
      header fields and descriptor keys of ours against a VMware-made file
      (which may be truncated: only its first sectors are read).

  vmdk_layout.py describe FILE.vmdk
      prints "CAPACITY-SECTORS ADAPTER-TYPE" from the header and descriptor.
"""
import re
import struct
import sys
import zlib

SECTOR = 512
GD_AT_END = 0xFFFFFFFFFFFFFFFF
HEADER = struct.Struct("<4sIIQQQQIQQQB4sH")
FIELDS = ("magic", "version", "flags", "capacity", "grain_size", "desc_offset", "desc_size",
          "gtes", "rgd_offset", "gd_offset", "overhead", "unclean", "nl", "compress")

failures = 0


def ok(msg):
    print("ok     - " + msg)


def not_ok(msg, *details):
    global failures
    failures += 1
    print("NOT OK - " + msg)
    for d in details:
        print("         " + str(d))


def expect(cond, msg, *details):
    if cond:
        ok(msg)
    else:
        not_ok(msg, *details)
    return cond


def header(b):
    return dict(zip(FIELDS, HEADER.unpack_from(b, 0)))


def descriptor(data, h):
    raw = data[h["desc_offset"] * SECTOR:(h["desc_offset"] + h["desc_size"]) * SECTOR]
    text = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    keys, extents = {}, []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)\s+"([^"]*)"', line)
        if m:
            extents.append((m.group(1), int(m.group(2)), m.group(3), m.group(4)))
            continue
        k, _, v = line.partition("=")
        keys[k.strip()] = v.strip().strip('"')
    return text, keys, extents


def marker(data, pos):
    lba, size = struct.unpack_from("<QI", data, pos)
    mtype = struct.unpack_from("<I", data, pos + 12)[0] if size == 0 else None
    return lba, size, mtype


def walk(data, h):
    """Grains and metadata markers from overHead to the end."""
    grain_bytes = h["grain_size"] * SECTOR
    pos, grains, meta = h["overhead"] * SECTOR, [], []
    while pos + SECTOR <= len(data):
        lba, size, mtype = marker(data, pos)
        if size:
            z = data[pos + 12:pos + 12 + size]
            out = zlib.decompress(z)
            grains.append((pos // SECTOR, lba, out))
            pos += (12 + size + SECTOR - 1) // SECTOR * SECTOR
            if len(out) != grain_bytes:
                raise ValueError("grain at LBA %d inflates to %d bytes" % (lba, len(out)))
            continue
        meta.append((pos // SECTOR, mtype, lba))
        pos += SECTOR + lba * SECTOR
        if mtype == 0:
            break
    return grains, meta, pos


def check(path, source):
    data = open(path, "rb").read()
    h = header(data)
    expect(h["magic"] == b"KDMV" and h["version"] == 3 and h["flags"] == 0x30001 and
           h["compress"] == 1 and h["nl"] == b"\n \r\n", "header: KDMV v3, flags 0x30001, "
           "deflate, newline test", h)
    expect(h["gd_offset"] == GD_AT_END and h["rgd_offset"] == 0, "header: gdOffset is GD_AT_END, "
           "no RGD", h)
    expect(h["grain_size"] == 128 and h["gtes"] == 512 and h["overhead"] == 128 and
           h["desc_offset"] == 1, "header: 64 KiB grains, 512 GTEs, overHead 128, descriptor "
           "at sector 1", h)
    try:
        grains, meta, end = walk(data, h)
    except (ValueError, zlib.error) as e:
        not_ok("markers: every grain inflates to a whole grain", e)
        return
    lbas = [g[1] for g in grains]
    expect(lbas == sorted(set(lbas)), "grain markers in ascending LBA order, no LBA twice")
    expect(all(any(g[2]) for g in grains), "no all-zero grain is written (%d grains)" % len(grains))
    types = [m[1] for m in meta]
    expect(types[-3:] == [2, 3, 0] and all(t == 1 for t in types[:-3]),
           "after the grains: GT markers, then GD, FOOTER and EOS markers", types)
    expect(end == len(data) and meta and meta[-1][0] == len(data) // SECTOR - 1,
           "the EOS marker is the file's last sector", (end, len(data)))
    per_gt = h["gtes"] * h["grain_size"]
    grain_at = {g[1]: g[0] for g in grains}
    gts = {}
    for sect, mtype, val in meta:
        if mtype == 1:
            gt = struct.unpack_from("<512I", data, (sect + 1) * SECTOR)
            gts[sect + 1] = gt
    foot = header(data[meta[-2][0] * SECTOR + SECTOR:])
    gd_sect = meta[-3][0] + 1
    n_gt = -(-h["capacity"] // per_gt)
    gd = struct.unpack_from("<%dI" % n_gt, data, gd_sect * SECTOR)
    same = dict(foot)
    same["gd_offset"] = h["gd_offset"]
    expect(same == h and foot["gd_offset"] == gd_sect, "the footer is the header with the real "
           "gdOffset (%d)" % gd_sect, foot)
    expect(set(e for e in gd if e) == set(gts), "the GD names every GT written, and only those")
    good = True
    for i, e in enumerate(gd):
        want = [grain_at.get(i * per_gt + j * h["grain_size"], 0) for j in range(h["gtes"])]
        have = list(gts[e]) if e else [0] * h["gtes"]
        if want != have or (e and not any(want)):
            good = False
            not_ok("GT %d points at exactly the grains of its range" % i)
            break
    if good:
        ok("every GT points at exactly the grains of its range (%d GTs)" % len(gts))
    for sect, mtype, val in meta:
        if mtype == 1 and val != 4 or mtype == 3 and val != 1:
            not_ok("metadata marker at sector %d: type %d, %d sectors" % (sect, mtype, val))
    if source:
        src = open(source, "rb").read()
        gb = h["grain_size"] * SECTOR
        want = [i * h["grain_size"] for i in range(-(-len(src) // gb)) if any(src[i * gb:(i + 1) * gb])]
        expect(want == lbas, "exactly the source's non-zero grains are written (%d)" % len(want))
        same_data = all(g[2][:len(src) - g[1] * SECTOR] == src[g[1] * SECTOR:g[1] * SECTOR + gb]
                        for g in grains)
        expect(same_data, "each grain holds the source's bytes")


def compare(ours_path, theirs_path):
    ours, theirs = open(ours_path, "rb").read(), open(theirs_path, "rb").read(1 << 20)
    ho, ht = header(ours), header(theirs)
    for f in ("magic", "version", "flags", "grain_size", "gtes", "desc_offset", "rgd_offset",
              "overhead", "unclean", "nl", "compress"):
        expect(ho[f] == ht[f], "header %s: ours %r, VMware's %r" % (f, ho[f], ht[f]))
    if ht["gd_offset"] == GD_AT_END:
        expect(ho["gd_offset"] == GD_AT_END, "header gdOffset: GD_AT_END as VMware's")
    _, ko, eo = descriptor(ours, ho)
    _, kt, et = descriptor(theirs, ht)
    # What every VMware descriptor of a stream has; ddb.uuid, ddb.deletable,
    # isNativeSnapshot (vdiskmanager's) and the like are optional.
    required = ("version", "CID", "parentCID", "createType", "ddb.adapterType",
                "ddb.virtualHWVersion", "ddb.toolsVersion", "ddb.longContentID")
    for k in sorted(kt):
        if k not in required and not k.startswith("ddb.geometry."):
            continue
        expect(k in ko, "descriptor key %s: VMware's has it, ours too" % k)
    for k in ("version", "parentCID", "createType"):
        if k in kt:
            expect(ko.get(k) == kt[k], "descriptor %s: ours %r, VMware's %r" % (k, ko.get(k), kt[k]))
    expect(re.fullmatch(r"[0-9a-f]{8}", ko.get("CID", "")) is not None and
           re.fullmatch(r"[0-9a-f]{8}", kt.get("CID", "")) is not None,
           "descriptor CID: 8 hex digits in both (ours %s)" % ko.get("CID"))
    expect("ddb.toolsVersion" in ko, "descriptor ddb.toolsVersion: ours has it (%s)" %
           ko.get("ddb.toolsVersion"))
    expect(len(eo) == 1 and len(et) == 1 and eo[0][2] == et[0][2] == "SPARSE" and
           eo[0][1] == ho["capacity"], "one SPARSE extent line of the capacity (ours %s, "
           "VMware's %s)" % (eo, et))
    geo = tuple(kt.get("ddb.geometry." + g) for g in ("cylinders", "heads", "sectors"))
    if geo[2] not in ("32", "63"):
        # vdiskmanager gave vmdk-rs's 10 MiB BusLogic disk 301/4/17, a
        # geometry no BIOS translation has; SCSI guests never read it.
        print("# geometry: VMware's %s/%s/%s is no BIOS translation; not compared" % geo)
    elif ho["capacity"] == ht["capacity"] and ko.get("ddb.adapterType") == kt.get("ddb.adapterType"):
        for g in ("cylinders", "heads", "sectors"):
            k = "ddb.geometry." + g
            expect(ko.get(k) == kt.get(k), "%s for the same capacity and adapter: ours %s, "
                   "VMware's %s" % (k, ko.get(k), kt.get(k)))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    elif len(sys.argv) == 3 and sys.argv[1] == "describe":
        data = open(sys.argv[2], "rb").read(1 << 20)
        h = header(data)
        print(h["capacity"], descriptor(data, h)[1].get("ddb.adapterType", "lsilogic"))
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
