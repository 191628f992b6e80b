#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vfmt_ova.py OUT.ova TINY.ova IMAGE [--gzip]: the tiny appliance with its
disk member replaced by IMAGE (a VHD, VHDX or VDI): the member is named
tiny-disk1.<IMAGE's extension>, and the OVF's File href and size, its
Disk's format URI (Microsoft's VHD URI, as XenServer and Hyper-V exports
write it, or VirtualBox's) and the manifest's digest are made to match.
Packed as a ustar OVA, gzip'ed with --gzip so that the member is read as a
forward stream.
"""
import argparse
import hashlib
import os
import re
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ova_tar import members, pack  # noqa: E402


URIS = {".vhd": "http://go.microsoft.com/fwlink/?LinkId=137171",
        ".vhdx": "http://go.microsoft.com/fwlink/?LinkId=137171",
        ".vdi": "http://www.virtualbox.org/manual/ch05.html#vdidetails"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("ova")
    ap.add_argument("image")
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args()
    image = open(a.image, "rb").read()
    ext = os.path.splitext(a.image)[1]
    uri = URIS[ext]
    old = members(a.ova)
    disk = next(n for n, _ in old if n.endswith(".vmdk"))
    ovf_name = next(n for n, _ in old if n.endswith(".ovf"))
    out = []
    for name, data in old:
        if name == disk:
            name, data = "tiny-disk1" + ext, image
        elif name == ovf_name:
            text = data.decode()
            text = re.sub(r'(ovf:href="%s"[^>]*ovf:size=")[0-9]+' % re.escape(disk),
                          lambda m: m.group(1) + str(len(image)), text)
            text = text.replace('ovf:href="%s"' % disk, 'ovf:href="tiny-disk1%s"' % ext)
            text = re.sub(r'ovf:format="[^"]*"', 'ovf:format="%s"' % uri, text)
            data = text.encode()
        out.append((name, data))
    digests = {n: d for n, d in out}
    for i, (name, data) in enumerate(out):
        if name.endswith(".mf"):
            lines = []
            for line in data.decode().splitlines():
                m = re.match(r"(SHA\d+)\((.+)\)= ([0-9a-f]+)", line)
                alg, member = m.group(1), m.group(2).replace(disk, "tiny-disk1" + ext)
                lines.append("%s(%s)= %s" % (alg, member,
                                             hashlib.new(alg.lower(), digests[member]).hexdigest()))
            out[i] = (name, ("\n".join(lines) + "\n").encode())
    pack(a.out, out, a.gzip, tarfile.USTAR_FORMAT)


if __name__ == "__main__":
    main()
