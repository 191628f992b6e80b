#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""make_tar_seeds.py OUTDIR [DISK [NAME...]]: the small OVAs that seed fuzz_tar.

Each is a few KB: a minimal OVF 1.0 naming one disk, a SHA256 manifest, and
the disk member DISK (default: the 6 KB stream VMDK of fuzz_vmdk's corpus).
Variants cover what src/ova handles differently: a plain ustar OVA (mapped
and indexed), gzip-compressed (streamed), the manifest after the disk, a
.cert signature (made with openssl when present), a File split in chunks,
a File with compression="gzip", and a member named "../x" (refused).
With NAMEs (plain, gzip, late-mf, signed, chunked, gzip-file, dotdot),
only those are written.  The image tests use them too: test_badinput_*.sh
cut and corrupt the plain and gzip ones, test_faults.sh wraps its own disk
in a plain one, test_vmdk_qemu.sh its stream VMDKs in a gzip one.
"""
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OVF = """<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData">
  <References><File ovf:href="s-disk1.vmdk" ovf:id="file1" ovf:size="{size}"{extra}/></References>
  <DiskSection><Info>disks</Info>
    <Disk ovf:capacity="{cap}" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <VirtualSystem ovf:id="s"><Info>vm</Info><Name>s</Name>
    <VirtualHardwareSection><Info>hw</Info>
      <Item><rasd:ElementName>cpu</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>mem</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>64</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:ElementName>scsi</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>disk</rasd:ElementName><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
"""


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def vmdk_capacity(disk):
    """Guest bytes of a sparse VMDK (header capacity, sectors), else the size."""
    if disk[:4] == b"KDMV":
        return int.from_bytes(disk[12:20], "little") * 512
    return len(disk)


def pack(path, members, compress=False):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    data = buf.getvalue()
    if compress:
        data = gzip.compress(data, mtime=0)
    with open(path, "wb") as f:
        f.write(data)


def cert_for(mf, tmp):
    """A .cert (signature line + self-signed PEM) over mf, or None."""
    if not shutil.which("openssl"):
        return None
    key, crt, mfp = (os.path.join(tmp, n) for n in ("k.pem", "c.pem", "s.mf"))
    with open(mfp, "wb") as f:
        f.write(mf)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", key,
                    "-out", crt, "-days", "3650", "-subj", "/CN=ovakit fuzz seed"],
                   check=True, capture_output=True)
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, "-hex", mfp],
                         check=True, capture_output=True, text=True).stdout
    hexsig = sig.strip().split("= ")[-1]
    with open(crt, "rb") as f:
        return f"SHA256(s.mf)= {hexsig}\n".encode() + f.read()


def main():
    out = sys.argv[1]
    disk_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        HERE, "corpus", "fuzz_vmdk", "stream-gd-at-end.vmdk")
    with open(disk_path, "rb") as f:
        disk = f.read()
    only = set(sys.argv[3:])
    os.makedirs(out, exist_ok=True)
    cap = vmdk_capacity(disk)

    def pack_as(name, members, compress=False):
        if not only or name in only:
            pack(os.path.join(out, name + ".ova"), members, compress)

    def ovf(extra="", size=len(disk)):
        return OVF.format(size=size, extra=extra, cap=cap).encode()

    def mf(*members):
        return "".join(f"SHA256({n})= {sha256(d)}\n" for n, d in members).encode()

    o = ovf()
    m = mf(("s.ovf", o), ("s-disk1.vmdk", disk))
    plain = [("s.ovf", o), ("s.mf", m), ("s-disk1.vmdk", disk)]
    pack_as("plain", plain)
    pack_as("gzip", plain, compress=True)
    pack_as("late-mf", [plain[0], plain[2], plain[1]], compress=True)
    if not only or "signed" in only:
        with tempfile.TemporaryDirectory() as tmp:
            cert = cert_for(m, tmp)
        if cert:
            pack_as("signed", plain + [("s.cert", cert)])

    half = (len(disk) // 2 + 511) // 512 * 512
    oc = ovf(f' ovf:chunkSize="{half}"')
    chunks = [("s-disk1.vmdk.000000000", disk[:half]), ("s-disk1.vmdk.000000001", disk[half:])]
    pack_as("chunked", [("s.ovf", oc), ("s.mf", mf(("s.ovf", oc), *chunks))] + chunks)

    gz = gzip.compress(disk, mtime=0)
    og = ovf(' ovf:compression="gzip"', size=len(gz))
    pack_as("gzip-file",
            [("s.ovf", og), ("s.mf", mf(("s.ovf", og), ("s-disk1.vmdk", gz))), ("s-disk1.vmdk", gz)])

    pack_as("dotdot", plain + [("../x", b"evil")])

if __name__ == "__main__":
    main()
