#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ova_bad_members.py OVA OUTDIR: hostile tar members added to (or put in
place of members of) a valid OVA, as a plain and as a gzip-compressed OVA.

Members named "../x", "a/../../x" and "/tmp/ovk-evil"; the disk as a
symlink to /etc/passwd and as a hard link to the OVF; a device member; the
disk twice with different bytes; the OVF twice.  Each is crafted, so each
must be refused (and /tmp/ovk-evil never written).  Each case is
OUTDIR/N/h.ova; prints "OVA: WHAT<TAB>PATH", then the same cases as
"gzip OVA: WHAT<TAB>PATH".
"""
import os
import sys
import tarfile

from ova_tar import link, members, pack


def main():
    src, out = sys.argv[1:3]
    base = members(src)
    disk = [e for e in base if e[0].endswith(".vmdk")][0]
    rest = [e for e in base if e is not disk]
    ovf = [e for e in base if e[0].endswith(".ovf")][0][0]
    cases = (
        ("a member named ../x", base + [("../x", b"evil")]),
        ("a member named a/../../x", base + [("a/../../x", b"evil")]),
        ("an absolute member /tmp/x", base + [("/tmp/ovk-evil", b"evil")]),
        ("the disk as a symlink to /etc/passwd",
         rest + [link(disk[0], "/etc/passwd", tarfile.SYMTYPE)]),
        ("the disk as a hardlink to the OVF", rest + [link(disk[0], ovf, tarfile.LNKTYPE)]),
        ("a device member", base + [link("dev", "", tarfile.CHRTYPE)]),
        ("the disk twice, different bytes", base + [(disk[0], disk[1][:512])]),
        ("the OVF twice", base + [(ovf, b"<Envelope/>")]))
    n = 0
    for compress in (False, True):
        kind = "gzip OVA" if compress else "OVA"
        for label, entries in cases:
            d = os.path.join(out, str(n))
            os.makedirs(d)
            n += 1
            print(f"{kind}: {label}\t{pack(os.path.join(d, 'h.ova'), entries, compress)}")


if __name__ == "__main__":
    main()
