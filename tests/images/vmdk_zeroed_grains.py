#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""vmdk_zeroed_grains.py SPARSE.vmdk N: exit 0 when the VMDK has the
zeroed-grain flag and grain table 0's first 16 entries hold exactly N
zeroed-grain entries (GTE == 1), else 1.

test_vmdk_qemu.sh checks with it that the image qemu-io wrote really holds
zeroed grains, so that the reader's ZERO path is exercised.
"""
import sys

from disk_fields import VMDK_FLAG_ZEROED_GTE, read, vmdk_gt0, vmdk_header


def main():
    d = read(sys.argv[1])
    _, entries = vmdk_gt0(d)
    ones = sum(1 for e in entries[:16] if e == 1)
    sys.exit(0 if vmdk_header(d)["flags"] & VMDK_FLAG_ZEROED_GTE and ones == int(sys.argv[2]) else 1)


if __name__ == "__main__":
    main()
