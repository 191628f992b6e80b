#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_info.py WHAT JSON: judge `ova-convert --info --json` of a known
input (JSON is the output's text); exit 0 when it describes the input,
else fail with the assertion that does not hold.

  tiny-appliance   the tiny appliance of appliance/make_appliance.sh
                   (test_ova_convert.sh): manifest verified, 2 CPUs, 64 MiB,
                   one SCSI controller, a 1 MiB disk, one E1000 NIC;
  two-extent-vmdk  a 1 MiB + 512 B disk qemu-img wrote as
                   twoGbMaxExtentSparse disk.vmdk (test_vmdk_qemu.sh):
                   create-type, 64 KiB grains, no compression, no parent,
                   first extent SPARSE disk-s001.vmdk of the disk's size.
"""
import json
import sys


def tiny_appliance(d):
    vm = d["virtual-systems"][0]
    assert d["manifest"] == {"descriptor": "verified", "disks": "not read"}, d["manifest"]
    assert vm["cpus"] == 2 and vm["memory"] == 64 << 20, vm
    assert [c["bus"] for c in vm["controllers"]].count("scsi") == 1, vm["controllers"]
    assert any(x["type"] == "disk" and x["capacity"] == 1 << 20 for x in vm["drives"]), vm["drives"]
    assert len(vm["nics"]) == 1 and vm["nics"][0]["model"] == "E1000", vm["nics"]


def two_extent_vmdk(j):
    assert j["format"] == "vmdk", j
    assert j["cluster-size"] == 65536, j
    assert j["format-specific"]["type"] == "vmdk", j
    d = j["format-specific"]["data"]
    assert d["create-type"] == "twoGbMaxExtentSparse", d
    assert d["compression"] == "none", d
    assert d["parent-cid"] == 0xffffffff, d
    e = d["extents"][0]
    assert e["format"] == "SPARSE" and e["filename"] == "disk-s001.vmdk", e
    assert e["virtual-size"] == (1 << 20) + 512 and e["cluster-size"] == 65536, e


def main():
    checks = {"tiny-appliance": tiny_appliance, "two-extent-vmdk": two_extent_vmdk}
    if len(sys.argv) != 3 or sys.argv[1] not in checks:
        sys.exit(__doc__)
    checks[sys.argv[1]](json.loads(sys.argv[2]))


if __name__ == "__main__":
    main()
