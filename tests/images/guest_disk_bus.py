#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""guest_disk_bus.py < DOMAIN.XML: the boot disk's bus as libvirt holds it,
one line: "ide", "sata", "virtio", "nvme", or "scsi/<controller model>"
(the model of the scsi controller its address names; "scsi/default" when
the controller has none), then " wwn" when the disk has a <wwn>.  The boot
disk is the disk (device='disk') with <boot order='1'/>, else the first
disk.  For tests/images/test_guest_linux.sh.
"""
import sys
import xml.etree.ElementTree as ET

dom = ET.parse(sys.stdin).getroot()
disks = [d for d in dom.iter("disk") if d.get("device", "disk") == "disk"]
if not disks:
    sys.exit("guest_disk_bus.py: no disk in the domain")
boot = next((d for d in disks if d.find("boot") is not None and
             d.find("boot").get("order") == "1"), disks[0])
bus = boot.find("target").get("bus")
out = bus
if bus == "scsi":
    addr = boot.find("address")
    index = addr.get("controller", "0") if addr is not None else "0"
    model = "default"
    for c in dom.iter("controller"):
        if c.get("type") == "scsi" and c.get("index", "0") == index:
            model = c.get("model", "default")
    out += "/" + model
if boot.find("wwn") is not None:
    out += " wwn"
print(out)
