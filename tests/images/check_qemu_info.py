#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_qemu_info.py OURS QEMU: the fields `ova-convert --info --json`
(OURS) shares with `qemu-img info --output=json` (QEMU) of the same image
have the same value: each field of FIELDS that qemu-img gives, ours gives
too, and equal.  The format is compared by name, qemu's vpc being our
vhd.  Exit 0, or print each difference and exit 1."""
import json
import sys

# Where qemu-img has one of these, so must we.  (dirty-flag is not here:
# qemu-img says false for formats that keep no such flag; we leave it out.)
FIELDS = [
    ("virtual-size",),
    ("format",),
    ("cluster-size",),
    ("backing-filename",),
    ("backing-filename-format",),
    ("format-specific", "type"),
    ("format-specific", "data", "create-type"),
    ("format-specific", "data", "cid"),
    ("format-specific", "data", "parent-cid"),
    ("format-specific", "data", "compat"),
    ("format-specific", "data", "compression-type"),
    ("format-specific", "data", "refcount-bits"),
    ("format-specific", "data", "lazy-refcounts"),
    ("format-specific", "data", "corrupt"),
    ("format-specific", "data", "extended-l2"),
]
QEMU_NAMES = {"vpc": "vhd"}
# A VMDK records no backing format: qemu-img says "vmdk" for every delta's
# parent, ovakit probes it (a delta may sit on a parent converted to raw
# or qcow2) and says only what the image records.
IMPLIED = {"vmdk": {("backing-filename-format",)}}


def get(doc, path):
    for k in path:
        if not isinstance(doc, dict) or k not in doc:
            return None
        doc = doc[k]
    return doc


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ours = json.load(open(sys.argv[1]))
    qemu = json.load(open(sys.argv[2]))
    for k in ("format",):
        qemu[k] = QEMU_NAMES.get(qemu[k], qemu[k])
    if get(qemu, ("format-specific", "type")) in QEMU_NAMES:
        qemu["format-specific"]["type"] = QEMU_NAMES[qemu["format-specific"]["type"]]
    bad, compared = [], []
    for path in FIELDS:
        a, b = get(ours, path), get(qemu, path)
        name = ".".join(path)
        if b is None or (a is None and path in IMPLIED.get(ours.get("format"), ())):
            continue
        if a is None:
            bad.append(f"{name}: missing from ours, qemu-img {b!r}")
            continue
        compared.append(name)
        if a != b:
            bad.append(f"{name}: ours {a!r}, qemu-img {b!r}")
    # qemu-img's vmdk extents, in order: the same sizes.
    ea = get(ours, ("format-specific", "data", "extents"))
    eb = get(qemu, ("format-specific", "data", "extents"))
    if ea is not None and eb is not None:
        compared.append("extents")
        if [e["virtual-size"] for e in ea] != [e["virtual-size"] for e in eb]:
            bad.append(f"extents: ours {ea!r}, qemu-img {eb!r}")
    for b in bad:
        print(b)
    if not bad:
        print("compared: " + ", ".join(compared))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
