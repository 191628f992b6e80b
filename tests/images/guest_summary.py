#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""guest_summary.py < JSON: what the summary of `ova-import --json` (on
stderr with --print-xml, which prints the XML on stdout) says of the first
domain's guest and boot disk, one line: "<machine> <bus> <boot drivers>", e.g. "pc ide ata_piix,mptspi".

<bus> is the word the disk's "why" starts with (the bus the rule chose:
virtio-scsi, pvscsi, lsisas1068, sata, ide, ...), <boot drivers> the
guest's storage drivers available at boot, sorted and comma-separated (the
guest's initramfs and modules.builtin as the reader saw them).  For
tests/images/test_guest_linux.sh, which compares the line with its guest
table (tests/guests/guests.sh).
"""
import json
import sys

dom = json.load(sys.stdin)["domains"][0]
guest = dom.get("guest")
if guest is None:
    sys.exit("guest_summary.py: no guest in the summary: %s" % dom.get("warnings"))
# The guests have one disk, the boot disk.
why = dom["disks"][0].get("why", "")
print(dom["machine"], why.split(":", 1)[0] or "-", ",".join(sorted(guest["boot-drivers"])))
