#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ova_bad_ovf.py OVA OUTDIR: hostile OVF descriptors, each beside the disk
of a valid OVA (no manifest: the OVF itself must be refused, not its
digest).

Billion laughs (9 levels of 10 entities), an external entity
(file:///etc/passwd), 100,000 items; capacity -1, 2^64, 10^30 and 2^60 x
2^10 bytes; memory -1, 2^60 and 10^30 MB; then a 200 MB OVF, as a bare .ovf
file and as an OVA member (both must be refused before being read whole).
Each is crafted, so each must be refused.  The cases are OUTDIR/N/o.ova,
then OUTDIR/big.ovf and OUTDIR/big.ova (200 MB each: remove them once
judged); prints "OVF: WHAT<TAB>PATH" per case.
"""
import io
import os
import sys
import tarfile

from ova_tar import members, pack


def main():
    src, out = sys.argv[1:3]
    base = members(src)
    name, ovf = [(n, d.decode()) for n, d in base if n.endswith(".ovf")][0]
    disk = [e for e in base if e[0].endswith(".vmdk")][0]
    cases = []
    laughs = ('<?xml version="1.0"?>\n<!DOCTYPE Envelope [\n<!ENTITY lol "lol">\n'
              + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">\n'
                        for i in range(1, 10))
              + ']>\n')
    body = ovf.split("?>", 1)[1]
    cases.append(("billion laughs (9 levels of 10 entities)",
                  laughs + body.replace("<Name>s</Name>", "<Name>&lol9;</Name>")))
    cases.append(("an external entity (file:///etc/passwd)",
                  '<?xml version="1.0"?>\n<!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                  + body.replace("<Name>s</Name>", "<Name>&x;</Name>")))
    items = "".join(f"<Item><rasd:ElementName>x</rasd:ElementName><rasd:InstanceID>{i + 10}"
                    "</rasd:InstanceID><rasd:ResourceType>1</rasd:ResourceType></Item>"
                    for i in range(100000))
    cases.append(("100,000 items",
                  ovf.replace("</VirtualHardwareSection>", items + "</VirtualHardwareSection>")))
    cap = 'ovf:capacity="'
    for label, new in (("capacity -1", "-1"), ("capacity 2^64", str(1 << 64)),
                       ("capacity 10^30", "1" + "0" * 30),
                       ("capacity 2^60 x 2^10 units",
                        f'{1 << 60}" ovf:capacityAllocationUnits="byte * 2^10')):
        i = ovf.index(cap) + len(cap)
        j = ovf.index('"', i)
        cases.append((label, ovf[:i] + new + ovf[j:]))
    mem = "<rasd:VirtualQuantity>64</rasd:VirtualQuantity>"
    for label, new in (("memory -1 MB", "-1"), ("memory 2^60 MB", str(1 << 60)),
                       ("memory 10^30 MB", "1" + "0" * 30)):
        cases.append((label, ovf.replace(mem, f"<rasd:VirtualQuantity>{new}</rasd:VirtualQuantity>")))
    for n, (label, text) in enumerate(cases):
        d = os.path.join(out, str(n))
        os.makedirs(d)
        print(f"OVF: {label}\t{pack(os.path.join(d, 'o.ova'), [(name, text.encode()), disk])}")

    # 200 MB of comments inside the Envelope.
    big = os.path.join(out, "big.ovf")
    pad = b"<!-- " + b"x" * (1 << 20) + b" -->\n"
    with open(big, "wb") as f:
        f.write(ovf.split("</Envelope>")[0].encode())
        for _ in range(200):
            f.write(pad)
        f.write(b"</Envelope>\n")
    print(f"OVF: a 200 MB .ovf file\t{big}")
    bigova = os.path.join(out, "big.ova")
    with tarfile.open(bigova, "w", format=tarfile.GNU_FORMAT) as t:
        t.add(big, arcname=name)
        info = tarfile.TarInfo(disk[0])
        info.size = len(disk[1])
        t.addfile(info, io.BytesIO(disk[1]))
    print(f"OVF: a 200 MB .ovf member of an OVA\t{bigova}")


if __name__ == "__main__":
    main()
