#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""multi_disk.py OUT.ova TINY.OVF RAW... [--gz] [--mf-last] [--bad-digest N]:
the tiny appliance's descriptor (appliance.ovf.in) with one streamOptimized
disk per RAW (capacity: the RAW's size), a SHA256 manifest (member N's
digest wrong with --bad-digest N, 1 = the first disk), packed as a ustar OVA
(gzip'ed with --gz; the manifest last with --mf-last).
"""
import argparse, hashlib, io, os, re, subprocess, tarfile
ap = argparse.ArgumentParser()
ap.add_argument("out"); ap.add_argument("ovf"); ap.add_argument("raws", nargs="+")
ap.add_argument("--gz", action="store_true"); ap.add_argument("--mf-last", action="store_true")
ap.add_argument("--bad-digest", type=int, default=-1)
a = ap.parse_args()
ovf = open(a.ovf).read()
file_el = re.search(r"<File [^>]*/>", ovf).group(0)
disk_el = re.search(r"<Disk [^>]*/>", ovf).group(0)
item = re.search(r"<Item>\s*<rasd:AddressOnParent>0</rasd:AddressOnParent>\s*"
                 r"<rasd:ElementName>Hard disk 1</rasd:ElementName>.*?</Item>", ovf, re.S).group(0)
files, disks, items, members = [], [], [], []
for i, raw in enumerate(a.raws, 1):
    href, tmp = "tiny-disk%d.vmdk" % i, a.out + ".vmdk.tmp"
    subprocess.check_call(["qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o",
                           "subformat=streamOptimized", raw, tmp])
    data = open(tmp, "rb").read()
    os.unlink(tmp)
    members.append((href, data))
    files.append('<File ovf:href="%s" ovf:id="file%d" ovf:size="%d"/>' % (href, i, len(data)))
    disks.append(disk_el.replace('ovf:diskId="vmdisk1"', 'ovf:diskId="vmdisk%d"' % i)
                 .replace('ovf:fileRef="file1"', 'ovf:fileRef="file%d"' % i)
                 .replace(re.search(r'ovf:capacity="[0-9]+"', disk_el).group(0),
                          'ovf:capacity="%d"' % (os.path.getsize(raw) >> 20)))
    items.append(item.replace("ovf:/disk/vmdisk1", "ovf:/disk/vmdisk%d" % i)
                 .replace(">0</rasd:AddressOnParent>", ">%d</rasd:AddressOnParent>" % (i - 1))
                 .replace("<rasd:InstanceID>8<", "<rasd:InstanceID>%d<" % (100 + i))
                 .replace("Hard disk 1", "Hard disk %d" % i))
ovf = ovf.replace(file_el, "\n".join(files)).replace(disk_el, "\n".join(disks))
ovf = ovf.replace(item, "\n".join(items))
allm = [("tiny.ovf", ovf.encode())] + members
mf = "".join("SHA256(%s)= %s\n" % (n, "0" * 64 if k == a.bad_digest else
                                    hashlib.sha256(d).hexdigest())
             for k, (n, d) in enumerate(allm)).encode()
order = allm[:1] + ([] if a.mf_last else [("tiny.mf", mf)]) + allm[1:]
order += [("tiny.mf", mf)] if a.mf_last else []
with tarfile.open(a.out, "w:gz" if a.gz else "w", format=tarfile.USTAR_FORMAT) as t:
    for n, d in order:
        ti = tarfile.TarInfo(n)
        ti.size, ti.mode = len(d), 0o644
        t.addfile(ti, io.BytesIO(d))
