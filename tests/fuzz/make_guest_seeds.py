#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""make_guest_seeds.py: the seed corpora of the guest fuzz targets, made by
the real tools (run as root: XFS's btree seed loop-mounts, LVM needs loop
devices).

  make_guest_seeds.py OUTDIR    writes OUTDIR/fuzz_{part,fat,xfs,lvm,lvm_text}/

Seeds are kept small: disks of a few hundred sectors for the partition
tables, and volumes cut after their last non-zero byte for the rest (the
targets read zeros past the input, up to the size the volume was made
with).  XFS is made at 16 MiB, below mkfs.xfs's 300 MB floor, with the
variables xfstests uses to lift it.
"""
import os
import subprocess
import sys
import tempfile

XFS_ENV = dict(os.environ, TEST_DIR="1", TEST_DEV="1", QA_CHECK_FS="1")
LVM = ["--config", "global{activation=0}"]


def sh(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def trimmed(path, out):
    data = open(path, "rb").read().rstrip(b"\0")
    with open(out, "wb") as f:
        f.write(data or b"\0")


def xfs_trimmed(path, out):
    """Cut an XFS image after its last metadata; its internal log is zeroed
    first (a clean log holds nothing we read, and it sits far in)."""
    info = subprocess.run(["xfs_db", "-r", "-c", "sb 0", "-c", "p logstart logblocks blocksize",
                           path], check=True, capture_output=True, text=True).stdout
    v = dict(line.split(" = ") for line in info.splitlines())
    bs = int(v["blocksize"])
    if int(v["logstart"]):
        with open(path, "r+b") as f:
            f.seek(int(v["logstart"]) * bs)
            f.write(b"\0" * int(v["logblocks"]) * bs)
    trimmed(path, out)


def blank(path, size):
    with open(path, "wb") as f:
        f.truncate(size)


def sfdisk(path, size, script):
    blank(path, size)
    subprocess.run(["sfdisk", "-q", "--no-reread", path], input=script.encode(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def part_seeds(out, tmp):
    sfdisk(os.path.join(out, "mbr-extended.img"), 128 << 10,
           "label: dos\nstart=4, size=20, type=83, bootable\nstart=24, size=16, type=ef\n"
           "start=40, size=200, type=5\nstart=42, size=30, type=8e\n"
           "start=80, size=30, type=83\nstart=120, size=100, type=7\n")
    sfdisk(os.path.join(out, "gpt.img"), 128 << 10,
           "label: gpt\nfirst-lba: 34\nstart=34, size=40, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B,"
           " name=\"EFI\"\nsize=20, type=21686148-6449-6E6F-744E-656564454649\n"
           "size=60, type=E6D6D379-F507-44C2-A23C-238F2A3DF928, name=\"lvm\"\n"
           "size=60, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n")


def small_tree(root, fat):
    os.makedirs(os.path.join(root, "EFI", "debian"))
    open(os.path.join(root, "EFI", "debian", "grub.cfg"), "w").write("search.fs_uuid x root\n")
    open(os.path.join(root, "A long name for a file.txt" if fat else "long_name.txt"),
         "w").write("x" * 5000)
    d = os.path.join(root, "many")
    os.makedirs(d)
    for i in range(60 if fat else 400):   # empty: no data blocks to carry
        open(os.path.join(d, "entry-%04d" % i), "w").close()
    if not fat:
        os.symlink("EFI/debian/grub.cfg", os.path.join(root, "link"))


def fat_seeds(out, tmp):
    tree = os.path.join(tmp, "fat")
    small_tree(tree, True)
    for bits, mib, extra in ((12, 1, []), (16, 3, ["-s", "1"]), (32, 34, ["-s", "1", "-f", "1"])):
        img = os.path.join(tmp, "fat%d.img" % bits)
        blank(img, mib << 20)
        sh("mkfs.vfat", "-F", str(bits), "-n", "SEED", *extra, img)
        sh("sh", "-c", "cd '%s' && mcopy -s -i '%s' ./* ::/" % (tree, img))
        trimmed(img, os.path.join(out, "fat%d.img" % bits))


def xfs_seeds(out, tmp):
    tree = os.path.join(tmp, "xfs")
    small_tree(tree, False)
    proto = os.path.join(tmp, "proto")
    with open(proto, "w") as f:
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "..", "images",
                                                     "guest_tree.py"), "proto", tree],
                       stdout=f, check=True)
    log = os.path.join(tmp, "log.img")
    blank(log, 16 << 20)
    for name, opts in (("xfs5", []), ("xfs4", ["-m", "crc=0"])):
        img = os.path.join(tmp, name + ".img")
        blank(img, 16 << 20)
        # an external log: the volume then holds only what we read
        sh("mkfs.xfs", "-q", "-f", "-b", "size=1024", "-l", "logdev=" + log, *opts,
           "-p", proto, img, env=XFS_ENV)
        xfs_trimmed(img, os.path.join(out, name + ".img"))
    img = os.path.join(tmp, "btree.img")
    blank(img, 16 << 20)
    logdev = subprocess.run(["losetup", "-f", "--show", log], check=True,
                            capture_output=True, text=True).stdout.strip()
    mnt = os.path.join(tmp, "mnt")
    os.makedirs(mnt)
    try:
        sh("mkfs.xfs", "-q", "-f", "-b", "size=1024", "-l", "logdev=" + logdev, img, env=XFS_ENV)
        sh("mount", "-o", "loop,logdev=" + logdev, img, mnt)
        cmds = "".join("pwrite -q -S %d %d 512\n" % (i + 1, i * 2048) for i in range(40))
        subprocess.run(["xfs_io", "-f", os.path.join(mnt, "frag")], input=cmds.encode(),
                       check=True)
        sh("umount", mnt)
    finally:
        sh("losetup", "-d", logdev)
    xfs_trimmed(img, os.path.join(out, "xfs-btree.img"))


def lvm_seeds(out, lvm_text, tmp):
    img = os.path.join(tmp, "pv.img")
    blank(img, 32 << 20)
    dev = subprocess.run(["losetup", "-f", "--show", img], check=True,
                         capture_output=True, text=True).stdout.strip()
    vg = "ovkseed%d" % os.getpid()
    try:
        dv = ["--devices", dev] + LVM
        sh("pvcreate", *dv, "-ff", "-y", dev)
        sh("vgcreate", *dv, "-s", "1M", vg, dev)
        sh("lvcreate", *dv, "-an", "-Zn", "-L", "4M", "-n", "root", vg)
        sh("lvcreate", *dv, "-an", "-Zn", "-L", "2M", "-n", "swap", vg)
        sh("lvextend", *dv, "-L", "6M", vg + "/root")
        sh("vgcfgbackup", *dv, "-f", os.path.join(lvm_text, "vg.txt"), vg)
    finally:
        sh("losetup", "-d", dev)
    trimmed(img, os.path.join(out, "pv.img"))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    dirs = {t: os.path.join(outdir, "fuzz_" + t) for t in ("part", "fat", "xfs", "lvm", "lvm_text")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        part_seeds(dirs["part"], tmp)
        fat_seeds(dirs["fat"], tmp)
        xfs_seeds(dirs["xfs"], tmp)
        lvm_seeds(dirs["lvm"], dirs["lvm_text"], tmp)


if __name__ == "__main__":
    main()
