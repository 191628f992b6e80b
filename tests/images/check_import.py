#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check_import.py WHAT TEXT: judge what ova-import made of the tiny
appliance (appliance/make_appliance.sh); exit 0 when it holds, else fail
with the assertion that does not.

  summary      TEXT is `ova-import --json` of a --dir import
               (test_import.sh): the domain "tiny" defined, not started,
               structured decisions (its disk on lsilogic, its NIC), storage as an
               object and the disk's real path;
  efi-defined  TEXT is the inactive domain XML of the EFI appliance
               imported with --firmware auto (test_import_efi.sh): firmware
               efi, a q35 machine, the boot disk on sata, no lsilogic left;
  efi-running  TEXT is the running domain's XML: secure boot off, and the
               loader libvirt chose is not a secure-boot one.
"""
import json
import sys
import xml.etree.ElementTree as E


def summary(text):
    j = json.loads(text)
    d = j["domains"][0]
    assert d["name"] == "tiny" and d["defined"] and not d["started"], d
    # the disk's decision, structured: the OVF's SCSI bus to sda on lsilogic
    disk = [x for x in d["decisions"] if x["device"] == "disk vmdisk1"]
    assert disk and disk[0]["from"] == "scsi" and disk[0]["to"] == "sda on scsi lsilogic", d
    nic = [x for x in d["decisions"] if x["device"] == "nic 1"]
    assert nic and (nic[0]["from"], nic[0]["to"]) == ("E1000", "e1000"), d
    assert all(set(x) == {"device", "from", "to", "why"} for x in d["decisions"] + j["decisions"])
    # storage as an object, and each disk's real path (issue 17, item 6)
    st = j["storage"]
    assert st["kind"] == "directory" and st["path"].startswith("/") and st["format"] == "qcow2", st
    disk = d["disks"][0]
    assert disk["path"] == st["path"] + "/tiny-vmdisk1.qcow2", disk


def efi_defined(text):
    d = E.fromstring(text)
    assert d.find("os").get("firmware") == "efi", "firmware"
    assert "q35" in d.find("os/type").get("machine"), "machine"
    boot = [x for x in d.iter("disk") if x.find("boot") is not None]
    assert boot and boot[0].find("target").get("bus") == "sata", "boot disk bus"
    assert not [c for c in d.iter("controller") if c.get("model") == "lsilogic"], "lsilogic left"


def efi_running(text):
    d = E.fromstring(text)
    f = [x for x in d.iter("feature") if x.get("name") == "secure-boot"]
    assert f and f[0].get("enabled") == "no", "feature"
    loader = d.find("os/loader")
    assert loader is not None and loader.get("secure") != "yes", loader.attrib
    assert "secboot" not in loader.text and ".ms." not in loader.text, loader.text


def main():
    checks = {"summary": summary, "efi-defined": efi_defined, "efi-running": efi_running}
    if len(sys.argv) != 3 or sys.argv[1] not in checks:
        sys.exit(__doc__)
    checks[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
