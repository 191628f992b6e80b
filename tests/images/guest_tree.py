#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""guest_tree.py: the file trees the guest reader's tests put into real file
systems with the real tools (tests/unit/test_guest_parse.c), and the
mkfs.xfs protofile that puts one into XFS without mounting it.

  guest_tree.py tree DIR [--fat]   make the reference tree in DIR (--fat:
                                   no symbolic links, names FAT can hold)
  guest_tree.py proto DIR          print a protofile (mkfs.xfs -p) for DIR

The tree has files of awkward sizes (empty, one byte, around block
boundaries, a few hundred KiB of noise), nested directories, long names,
and directories with 4, 60, 400 and 3000 entries so that XFS writes them
shortform, block, leaf and node.  Symbolic links are relative, absolute,
through a directory, dangling, and a loop.
"""
import os
import random
import sys


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tree(root, fat):
    rnd = random.Random(12)
    os.makedirs(root, exist_ok=True)
    sizes = {"empty": 0, "one": 1, "b4095": 4095, "b4096": 4096, "b4097": 4097,
             "noise": 300000}
    for name, n in sizes.items():
        write(os.path.join(root, name + ".bin"), bytes(rnd.getrandbits(8) for _ in range(n)))
    etc = os.path.join(root, "etc")
    os.makedirs(etc)
    write(os.path.join(etc, "fstab"), b"UUID=1234 / xfs defaults 0 0\n")
    write(os.path.join(etc, "os-release"), b'ID=debian\nVERSION_ID="12"\n')
    deep = os.path.join(root, "a", "b", "c", "d")
    os.makedirs(deep)
    # protofiles split on blanks: long names have them only on FAT
    sep = " " if fat else "_"
    write(os.path.join(deep, sep.join(["Deep", "File", "With", "A", "Long", "Name.txt"])),
          b"deep\n" * 1000)
    write(os.path.join(root, sep.join(["MixedCase", "Long", "Name.conf"])), b"x = 1\n")
    # mtools slows down past a few hundred entries in one directory
    for count in ((4, 60, 200) if fat else (4, 60, 400, 3000)):
        d = os.path.join(root, "dir%d" % count)
        os.makedirs(d)
        for i in range(count):
            name = "entry-%05d-%s" % (i, "x" * (i % 23))
            write(os.path.join(d, name), b"%d\n" % i)
    if fat:
        return
    write(os.path.join(root, "na\u00efve-\u540d\u524d.txt".encode().decode()), b"utf8\n")
    os.symlink("etc/fstab", os.path.join(root, "rel-link"))
    os.symlink("/etc/os-release", os.path.join(root, "abs-link"))
    os.symlink("a/b", os.path.join(root, "dir-link"))
    os.symlink("../../../../noise.bin", os.path.join(deep, "up-link"))
    os.symlink("x" * 200 + "/nowhere", os.path.join(root, "long-dangling"))
    os.symlink("loop2", os.path.join(root, "loop1"))
    os.symlink("loop1", os.path.join(root, "loop2"))


def proto_dir(path, depth, out):
    pad = " " * depth
    for name in sorted(os.listdir(path)):
        p = os.path.join(path, name)
        if os.path.islink(p):
            out.append("%s%s l--777 0 0 %s" % (pad, name, os.readlink(p)))
        elif os.path.isdir(p):
            out.append("%s%s d--755 0 0" % (pad, name))
            proto_dir(p, depth + 1, out)
            out.append("%s$" % pad)
        else:
            out.append("%s%s ---644 0 0 %s" % (pad, name, os.path.abspath(p)))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "tree":
        make_tree(sys.argv[2], "--fat" in sys.argv[3:])
    elif len(sys.argv) == 3 and sys.argv[1] == "proto":
        out = ["/dev/null", "0 0", "d--755 0 0"]
        proto_dir(sys.argv[2], 1, out)
        out.append("$")
        print("\n".join(out))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
