#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write an OVF in the shape of one producer, beside disks already made.

    producer_ovf.py configs DIR   # vendor appliance with a DeploymentOptionSection
    producer_ovf.py xen DIR       # XenCenter export: utf-16 declared, type 19 disk
    producer_ovf.py ovirt DIR     # oVirt/RHV export: trailing-slash namespace, GiB sizes
    producer_ovf.py orphan DIR    # configs, plus a File nothing references

The descriptors are ours; each reproduces the facts of the producer's real
files (see tests/unit/test_ovf_producers.c for where they were read).  The
disks are the caller's: DIR/sys.qcow2 and DIR/logs.qcow2, and for ovirt
DIR/IMG/VOL (qcow2, as oVirt's COW volumes are).
"""
import os
import sys

RASD = ("http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
        "CIM_ResourceAllocationSettingData")
IMG = "5f5b0c1e-0000-4000-8000-00000000a001"
VOL = "5f5b0c1e-0000-4000-8000-00000000b002"


def item(iid, rtype, body="", config=None):
    attr = ' ovf:configuration="%s"' % config if config else ""
    return ("<ovf:Item%s><rasd:InstanceID>%s</rasd:InstanceID>"
            "<rasd:ResourceType>%d</rasd:ResourceType>%s</ovf:Item>\n"
            % (attr, iid, rtype, body))


def configs(orphan=False):
    extra = '<ovf:File ovf:href="notes.txt" ovf:id="notes"/>' if orphan else ""
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" '
        'xmlns:rasd="%s">\n' % RASD +
        '<ovf:References><ovf:File ovf:href="sys.qcow2" ovf:id="f-sys"/>'
        '<ovf:File ovf:href="logs.qcow2" ovf:id="f-logs"/>%s</ovf:References>\n' % extra +
        "<ovf:DiskSection><ovf:Info>disks</ovf:Info>"
        '<ovf:Disk ovf:capacity="4194304" ovf:diskId="sys" ovf:fileRef="f-sys"/>'
        '<ovf:Disk ovf:capacity="2097152" ovf:diskId="logs" ovf:fileRef="f-logs"/>'
        "</ovf:DiskSection>\n"
        "<ovf:DeploymentOptionSection><ovf:Info>sizes</ovf:Info>"
        '<ovf:Configuration ovf:id="small" ovf:default="true"><ovf:Label>Small'
        "</ovf:Label><ovf:Description>one disk</ovf:Description></ovf:Configuration>"
        '<ovf:Configuration ovf:id="large"><ovf:Label>Large</ovf:Label>'
        "<ovf:Description>with a log disk</ovf:Description></ovf:Configuration>"
        "</ovf:DeploymentOptionSection>\n"
        '<ovf:VirtualSystem ovf:id="edge"><ovf:Info>vm</ovf:Info>'
        "<ovf:VirtualHardwareSection><ovf:Info>hw</ovf:Info>\n" +
        item("1", 3, "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>") +
        item("1", 3, "<rasd:VirtualQuantity>4</rasd:VirtualQuantity>", "large") +
        item("2", 4, "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
             "<rasd:VirtualQuantity>1024</rasd:VirtualQuantity>") +
        item("2", 4, "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
             "<rasd:VirtualQuantity>4096</rasd:VirtualQuantity>", "large") +
        item("3", 6, "<rasd:ResourceSubType>lsilogic</rasd:ResourceSubType>") +
        item("4", 17, "<rasd:HostResource>ovf:/disk/sys</rasd:HostResource>"
             "<rasd:Parent>3</rasd:Parent><rasd:AddressOnParent>0</rasd:AddressOnParent>") +
        item("5", 17, "<rasd:HostResource>ovf:/disk/logs</rasd:HostResource>"
             "<rasd:Parent>3</rasd:Parent><rasd:AddressOnParent>1</rasd:AddressOnParent>",
             "large") +
        "</ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>\n")


def xen():
    # Declared UTF-16, written UTF-8 (with a non-ASCII name to prove it).
    return (
        '<?xml version="1.0" encoding="utf-16"?>\n'
        '<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" '
        'xmlns:rasd="%s" xmlns:xenovf="http://schemas.citrix.com/ovf/envelope/1">\n'
        % RASD +
        '<ovf:References><ovf:File ovf:id="f0" ovf:href="sys.qcow2"/></ovf:References>\n'
        '<ovf:DiskSection><ovf:Info>VDIs</ovf:Info><ovf:Disk ovf:diskId="vdi0" '
        'ovf:fileRef="f0" ovf:capacity="4194304"/></ovf:DiskSection>\n'
        '<ovf:VirtualSystem ovf:id="xvm"><ovf:Info>x</ovf:Info>'
        "<ovf:Name>Caf\u00e9</ovf:Name><ovf:VirtualHardwareSection><ovf:Info>hw</ovf:Info>\n" +
        item("c", 3, "<rasd:VirtualQuantity>2</rasd:VirtualQuantity>") +
        item("m", 4, "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
             "<rasd:VirtualQuantity>512</rasd:VirtualQuantity>") +
        item("vbd0", 19, "<rasd:HostResource>ovf:/disk/vdi0</rasd:HostResource>"
             "<rasd:Connection>device=0,bootable=true</rasd:Connection>"
             "<rasd:AddressOnParent>0</rasd:AddressOnParent>") +
        "</ovf:VirtualHardwareSection></ovf:VirtualSystem></ovf:Envelope>\n")


def ovirt():
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1/" '
        'xmlns:rasd="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'ovf:version="4.4.0.0">\n' % RASD +
        '<References><File ovf:href="%s/%s" ovf:id="%s"/></References>\n'
        % (IMG, VOL, VOL) +
        '<Section xsi:type="ovf:DiskSection_Type"><Info>disks</Info>'
        '<Disk ovf:diskId="%s" ovf:size="1" ovf:actual_size="1" ovf:parentRef="" '
        'ovf:fileRef="%s/%s" ovf:volume-format="COW" ovf:disk-interface="VirtIO"/>'
        "</Section>\n" % (VOL, IMG, VOL) +
        '<Content ovf:id="out" xsi:type="ovf:VirtualSystem_Type"><Name>rhvvm</Name>'
        '<Section ovf:id="0b9c3d1e-1111-4222-8333-444455556666" ovf:required="false" '
        'xsi:type="ovf:OperatingSystemSection_Type"><Info>os</Info>'
        "<Description>rhel_8x64</Description></Section>\n"
        '<Section xsi:type="ovf:VirtualHardwareSection_Type"><Info>hw</Info>'
        "<Item><rasd:InstanceId>1</rasd:InstanceId><rasd:ResourceType>3</rasd:ResourceType>"
        "<rasd:num_of_sockets>2</rasd:num_of_sockets><rasd:cpu_per_socket>2"
        "</rasd:cpu_per_socket></Item>"
        "<Item><rasd:InstanceId>2</rasd:InstanceId><rasd:ResourceType>4</rasd:ResourceType>"
        "<rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>"
        "<rasd:VirtualQuantity>1024</rasd:VirtualQuantity></Item>"
        "<Item><rasd:InstanceId>%s</rasd:InstanceId><rasd:ResourceType>17</rasd:ResourceType>"
        "<rasd:HostResource>%s/%s</rasd:HostResource>"
        "<rasd:Parent>00000000-0000-0000-0000-000000000000</rasd:Parent></Item>"
        % (VOL, IMG, VOL) +
        "</Section></Content></ovf:Envelope>\n")


def main():
    kind, out = sys.argv[1], sys.argv[2]
    text = {"configs": configs, "xen": xen, "ovirt": ovirt,
            "orphan": lambda: configs(orphan=True)}[kind]()
    with open(os.path.join(out, kind + ".ovf"), "w", encoding="utf-8") as f:
        f.write(text)
    if kind == "orphan":
        with open(os.path.join(out, "notes.txt"), "w") as f:
            f.write("not a disk\n")
    if kind == "ovirt":
        print(os.path.join(IMG, VOL))


if __name__ == "__main__":
    main()
