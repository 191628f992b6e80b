#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""make_guest_lib_seeds.py: the seed corpora of the guest reader's fuzz targets,
made with the real tools (no root needed), small enough to keep in git.

  fuzz_guest_ext   ext2 and ext4 images from mke2fs -d (a tree with /etc,
                   links, /lib/modules/<version>, /boot), cut after their
                   last non-zero byte: the target reads zeros past its input
  fuzz_guest_ntfs  an NTFS image from mkntfs with files put by ntfscp, cut
                   the same way
  fuzz_hive        an empty hive written here (header, root key, security
                   cell), filled by hivexregedit with a SYSTEM hive's
                   Select\\Current and a few services, StartOverride included
  fuzz_initramfs   an uncompressed early cpio before a gzip and a zstd one

Usage: make_guest_lib_seeds.py [CORPUS_DIR]   (default: tests/fuzz/corpus)
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

KVER = "6.1.0-13-amd64"


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def cut_zeros(path, keep_end=0):
    """Drop the image's trailing zeros (the fuzz targets pad them back),
    and its last keep_end bytes before that (NTFS's backup boot sector,
    which a mount never reads)."""
    data = open(path, "rb").read()
    data = data[:len(data) - keep_end].rstrip(b"\0")
    open(path, "wb").write(data)


def tree(root):
    for d in ("etc", "boot", f"usr/lib/modules/{KVER}/kernel/drivers/scsi"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    open(os.path.join(root, "etc/fstab"), "w").write("LABEL=root / ext4 defaults 0 1\n")
    open(os.path.join(root, "etc/os-release"), "w").write('ID=debian\nVERSION_ID="12"\n')
    mods = os.path.join(root, f"usr/lib/modules/{KVER}")
    open(os.path.join(mods, "modules.builtin"), "w").write("kernel/drivers/ata/ahci.ko\n")
    open(os.path.join(mods, "kernel/drivers/scsi/virtio_scsi.ko"), "wb").write(b"\x7fELF" * 64)
    os.symlink("usr/lib", os.path.join(root, "lib"))
    os.symlink("/etc/fstab", os.path.join(root, "fstab-abs"))
    os.symlink("../etc/os-release", os.path.join(root, "boot/rel"))


def ext_seeds(out, tmp):
    src = os.path.join(tmp, "tree")
    tree(src)
    for kind, size in (("ext2", "256K"), ("ext4", "1M")):
        img = os.path.join(out, f"{kind}.img")
        run("mke2fs", "-q", "-F", "-t", kind, "-b", "1024", "-N", "64", "-O", "^has_journal",
            "-L", kind, "-d", src, img, size)
        cut_zeros(img)


def ntfs_seed(out, tmp):
    img = os.path.join(out, "ntfs.img")
    run("truncate", "-s", "2M", img)
    run("mkntfs", "-F", "-q", "-L", "seed", img)
    sysfile = os.path.join(tmp, "SYSTEM")
    open(sysfile, "wb").write(b"regf" + b"\1" * 200)       # small: resident in the MFT
    run("ntfscp", "-q", img, sysfile, "SYSTEM")
    open(sysfile, "wb").write(b"HIBR" + b"\0" * 200)
    run("ntfscp", "-q", img, sysfile, "hiberfil.sys")
    # $LogFile's pages are all 0xff on a fresh volume: zeros in their
    # place (an unclean log, to the reader) save a quarter of the seed
    data = bytearray(open(img, "rb").read())
    for at in range(0, len(data), 4096):
        if data[at:at + 4096] == b"\xff" * 4096:
            data[at:at + 4096] = bytes(4096)
    open(img, "wb").write(bytes(data))
    cut_zeros(img, 512)


def empty_hive(path):
    """A hive with nothing but its root key (and the security cell the
    root needs before hivex can add keys under it)."""
    hbin = bytearray(0x1000)
    hbin[0:12] = b"hbin" + struct.pack("<II", 0, 0x1000)
    name = b"ROOT"
    nk_size = (4 + 0x4C + len(name) + 7) & ~7
    sk_at = 0x20 + nk_size           # cells follow each other
    nk = struct.pack("<2sHQIIIIIIIIIIIIIIIHH", b"nk", 0x2C, 0, 0, 0, 0, 0,
                     0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, sk_at, 0xFFFFFFFF,
                     0, 0, 0, 0, 0, len(name), 0) + name
    # self-relative descriptor: revision 1, no owner, group, SACL or DACL
    sd = struct.pack("<BBHIIII", 1, 0, 0x8000, 0, 0, 0, 0)
    sk = struct.pack("<2sHIIII", b"sk", 0, sk_at, sk_at, 1, len(sd)) + sd
    sk_size = (4 + len(sk) + 7) & ~7
    hbin[0x20:0x24] = struct.pack("<i", -nk_size)
    hbin[0x24:0x24 + len(nk)] = nk
    hbin[sk_at:sk_at + 4] = struct.pack("<i", -sk_size)
    hbin[sk_at + 4:sk_at + 4 + len(sk)] = sk
    free = sk_at + sk_size
    hbin[free:free + 4] = struct.pack("<i", 0x1000 - free)
    hdr = bytearray(0x1000)
    hdr[0:0x30] = struct.pack("<4sIIQIIIIIII", b"regf", 1, 1, 0, 1, 3, 0, 1, 0x20, 0x1000, 1)
    csum = 0
    for (word,) in struct.iter_unpack("<I", bytes(hdr[:0x1FC])):
        csum ^= word
    hdr[0x1FC:0x200] = struct.pack("<I", csum)
    open(path, "wb").write(bytes(hdr + hbin))


REG = r"""Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\Select]
"Current"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001]

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services]

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\storahci]
"Start"=dword:00000000
"Type"=dword:00000001
"Group"="SCSI Miniport"
"ImagePath"=str(2):"System32\\drivers\\storahci.sys"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\LSI_SAS]
"Start"=dword:00000000
"ImagePath"=str(2):"System32\\drivers\\lsi_sas.sys"

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\LSI_SAS\StartOverride]
"0"=dword:00000003
"""


def hive_seed(out, tmp):
    path = os.path.join(out, "system.hive")
    empty_hive(path)
    reg = os.path.join(tmp, "seed.reg")
    open(reg, "w").write(REG)
    run("hivexregedit", "--merge", "--prefix", "HKEY_LOCAL_MACHINE\\SYSTEM", path, reg)


def initramfs_seed(out, tmp):
    early, main = os.path.join(tmp, "early"), os.path.join(tmp, "main")
    os.makedirs(os.path.join(early, "kernel/x86/microcode"))
    open(os.path.join(early, "kernel/x86/microcode/GenuineIntel.bin"), "wb").write(b"\1" * 64)
    tree(main)
    arch = {}
    for name, d in (("early", early), ("main", main)):
        files = subprocess.run(["find", "."], cwd=d, check=True, capture_output=True).stdout
        arch[name] = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=d, input=files,
                                    check=True, capture_output=True).stdout
    for comp in ("gzip", "zstd"):
        packed = subprocess.run([comp, "-c"], input=arch["main"], check=True,
                                capture_output=True).stdout
        open(os.path.join(out, f"initrd-{comp}"), "wb").write(arch["early"] + packed)
    open(os.path.join(out, "initrd-plain"), "wb").write(arch["early"] + arch["main"])


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    makers = {"fuzz_guest_ext": ext_seeds, "fuzz_guest_ntfs": ntfs_seed,
              "fuzz_hive": hive_seed, "fuzz_initramfs": initramfs_seed}
    for target, make in makers.items():
        out = os.path.join(base, target)
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            make(out, tmp)
        print(target, sorted(os.listdir(out)))


if __name__ == "__main__":
    main()
