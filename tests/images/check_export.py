#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_export.py: judges of ova-export's output (test_export_*.sh).

  members OVA NAME...      the tar's members are exactly NAME..., in order,
                           each a ustar regular file
  package DIR              in an unpacked package: every File's ovf:size is
                           its file's size, every Disk's ovf:capacity is the
                           VMDK's virtual size (qemu-img info), and every
                           manifest line is the digest of its file
  golden OVF GOLDEN        the OVF equals the golden text, File ovf:size
                           values (deflate's output length) and the padding
                           blanks after the root element set aside
  same XML1 XML2           two libvirt domains have the same vCPUs, memory,
                           firmware, number of disks, and NICs (MAC, model)

Prints "ok     - ..." or "NOT OK - ..." lines; exits 1 on any NOT OK.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

OVF = "{http://schemas.dmtf.org/ovf/envelope/1}"
failed = False


def report(good, what, detail=""):
    global failed
    print(("ok     - " if good else "NOT OK - ") + what + (f": {detail}" if detail and not good else ""))
    failed |= not good


def members(ova, names):
    with tarfile.open(ova, "r:") as t:
        got = [(m.name, m.isreg()) for m in t.getmembers()]
    report([g[0] for g in got] == names, f"members in order {names}", f"got {[g[0] for g in got]}")
    report(all(g[1] for g in got), "every member a regular file")


def package(d):
    ovfs = [f for f in os.listdir(d) if f.endswith(".ovf")]
    root = ET.parse(os.path.join(d, ovfs[0])).getroot()
    files = {}
    for f in root.iter(OVF + "File"):
        href, size = f.get(OVF + "href"), int(f.get(OVF + "size"))
        files[f.get(OVF + "id")] = href
        real = os.path.getsize(os.path.join(d, href))
        report(real == size, f"{href}: ovf:size {size} is its size", f"file has {real}")
    for disk in root.iter(OVF + "Disk"):
        href = files[disk.get(OVF + "fileRef")]
        cap = int(disk.get(OVF + "capacity"))
        info = json.loads(subprocess.check_output(
            ["qemu-img", "info", "--output=json", os.path.join(d, href)]))
        report(info["virtual-size"] == cap and info["format"] == "vmdk",
               f"{href}: ovf:capacity {cap} is the VMDK's virtual size",
               f"qemu-img: {info['virtual-size']} ({info['format']})")
    for mf in [f for f in os.listdir(d) if f.endswith(".mf")]:
        lines = open(os.path.join(d, mf)).read().splitlines()
        listed = set()
        for line in lines:
            m = re.fullmatch(r"(SHA1|SHA256|SHA512)\((.+)\)= ([0-9a-f]+)", line)
            report(m is not None, f"{mf}: line '{line[:40]}...' in ovftool's form")
            if not m:
                continue
            alg, name, hexd = m.groups()
            h = hashlib.new(alg.lower(), open(os.path.join(d, name), "rb").read()).hexdigest()
            report(h == hexd, f"{mf}: {alg} of {name}", f"computed {h}")
            listed.add(name)
        want = set(f for f in os.listdir(d) if not f.endswith((".mf", ".cert")))
        report(listed == want, f"{mf} lists every file but itself", f"{sorted(listed)}")


def normalised(text):
    text = re.sub(r'(<File [^>]*ovf:size=")[0-9]+', r"\1SIZE", text)
    return text.rstrip() + "\n"


def golden(ovf, gold):
    got = normalised(open(ovf).read())
    want = open(gold).read()
    report(got == want, f"{os.path.basename(ovf)} equals {os.path.basename(gold)}",
           "\n" + "".join(__import__("difflib").unified_diff(
               want.splitlines(True), got.splitlines(True), "golden", "got")))


def machine(path):
    root = ET.parse(path).getroot()
    os_ = root.find("os")
    efi = os_.get("firmware") == "efi" or (os_.find("loader") is not None and
                                           os_.find("loader").get("type") == "pflash")
    mem = root.find("memory")
    unit = {"KiB": 1024, "b": 1, "bytes": 1, "MiB": 1 << 20, "GiB": 1 << 30}[mem.get("unit", "KiB")]
    disks = [d for d in root.iter("disk") if d.get("device", "disk") == "disk"]
    nics = [((i.find("mac").get("address") if i.find("mac") is not None else None),
             (i.find("model").get("type") if i.find("model") is not None else None))
            for i in root.iter("interface")]
    return {"vcpu": int(root.find("vcpu").text), "memory": int(mem.text) * unit, "efi": efi,
            "disks": len(disks), "nics": nics}


def same(a, b):
    ma, mb = machine(a), machine(b)
    for k in ma:
        report(ma[k] == mb[k], f"round trip keeps {k} ({ma[k]})", f"{ma[k]} became {mb[k]}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"members": lambda: members(args[0], args[1:]), "package": lambda: package(args[0]),
     "golden": lambda: golden(args[0], args[1]), "same": lambda: same(args[0], args[1])}[cmd]()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
