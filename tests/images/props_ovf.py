#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write an appliance OVF with ProductSection properties, beside DIR/sys.qcow2.

    props_ovf.py DIR [OPTION...]

The properties are shaped as vendors write them (VMware's vmw:qualifiers="Ip",
MinValue/MaxValue, ovf:password, a ProductSection with ovf:class and
ovf:instance, a <Value> per configuration; DSP0243's MinLen, MaxLen and
ValueMap).  Options change one thing each:

    --transport T        ovf:transport (default "iso com.vmware.guestInfo";
                         "" for none)
    --no-cdrom           no CD-ROM Item (the environment gets its own drive)
    --empty-default      'motd' MinLen(1) with ovf:value="": a default its own
                         qualifier refuses
    --hidden-no-default  'serial' not user-configurable and without a value
    --name NAME          the VirtualSystem id (default "propvm")
    --disk FILE          the disk file (default sys.qcow2), its capacity
                         given by --capacity BYTES (default 4194304)
"""
import sys

RASD = ("http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
        "CIM_ResourceAllocationSettingData")


def item(iid, rtype, body=""):
    return ("<Item><rasd:InstanceID>%s</rasd:InstanceID>"
            "<rasd:ResourceType>%d</rasd:ResourceType>%s</Item>\n" % (iid, rtype, body))


def prop(key, typ, extra="", label=None):
    lab = "<Label>%s</Label>" % label if label else ""
    return ('<Property ovf:key="%s" ovf:type="%s" %s>%s</Property>\n'
            % (key, typ, extra, lab))


def main():
    args = sys.argv[1:]
    d = args.pop(0)
    opt = {"transport": "iso com.vmware.guestInfo", "name": "propvm",
           "disk": "sys.qcow2", "capacity": "4194304"}
    flags = set()
    while args:
        a = args.pop(0)
        if a in ("--transport", "--name", "--disk", "--capacity"):
            opt[a[2:]] = args.pop(0)
        else:
            flags.add(a[2:])
    props = (
        prop("ip", "string", 'vmw:qualifiers="Ip" ovf:userConfigurable="true"',
             "IP address") +
        prop("hostname", "string", 'ovf:qualifiers="MinLen(1),MaxLen(63)" '
             'ovf:userConfigurable="true" ovf:value="appliance"', "Host name") +
        prop("port", "uint16", 'ovf:userConfigurable="true" ovf:value="8443"') +
        prop("workers", "int", 'ovf:qualifiers="MinValue(1) MaxValue(16)" '
             'ovf:userConfigurable="true" ovf:value="4"') +
        prop("level", "uint8", 'ovf:qualifiers="ValueMap{&quot;1..3&quot;,&quot;7&quot;}" '
             'ovf:userConfigurable="true" ovf:value="2"') +
        prop("mode", "string", 'ovf:qualifiers="ValueMap{&quot;small&quot;,&quot;large'
             '&quot;}" ovf:userConfigurable="true" ovf:value="small"') +
        prop("enabled", "boolean", 'ovf:userConfigurable="true" ovf:value="true"') +
        prop("offset", "sint8", 'ovf:userConfigurable="true" ovf:value="-3"') +
        prop("ratio", "real64", 'ovf:userConfigurable="true" ovf:value="0.5"') +
        prop("root_password", "string", 'ovf:password="true" ovf:qualifiers="MinLen(8)" '
             'ovf:userConfigurable="true" ovf:value="s3cret-default"') +
        prop("note", "string", 'ovf:userConfigurable="true" ovf:value=""') +
        prop("version", "string", 'ovf:value="1.0"'))
    if "empty-default" in flags:
        props += prop("motd", "string", 'ovf:qualifiers="MinLen(1)" '
                      'ovf:userConfigurable="true" ovf:value=""')
    if "hidden-no-default" in flags:
        props += prop("serial", "string", "")
    cdrom = "" if "no-cdrom" in flags else item(
        "6", 15, "<rasd:Parent>3</rasd:Parent><rasd:AddressOnParent>1"
        "</rasd:AddressOnParent>")
    transport = (' ovf:transport="%s"' % opt["transport"]) if opt["transport"] else ""
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" '
        'xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" '
        'xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:rasd="%s">\n' % RASD +
        '<References><File ovf:href="%s" ovf:id="f-sys"/></References>\n' % opt["disk"] +
        "<DiskSection><Info>disks</Info>"
        '<Disk ovf:capacity="%s" ovf:diskId="sys" ovf:fileRef="f-sys"/>'
        "</DiskSection>\n" % opt["capacity"] +
        '<VirtualSystem ovf:id="%s"><Info>vm</Info>\n' % opt["name"] +
        "<ProductSection><Info>settings</Info><Product>Prop Appliance</Product>\n"
        + props + "</ProductSection>\n"
        '<ProductSection ovf:class="vami" ovf:instance="appliance"><Info>vami</Info>\n' +
        prop("gateway", "string", 'vmw:qualifiers="Ip" ovf:userConfigurable="true" '
             'ovf:value="10.0.0.1"') +
        "</ProductSection>\n"
        "<VirtualHardwareSection%s><Info>hw</Info>\n" % transport +
        item("1", 3, "<rasd:VirtualQuantity>1</rasd:VirtualQuantity>") +
        item("2", 4, "<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits>"
             "<rasd:VirtualQuantity>256</rasd:VirtualQuantity>") +
        item("3", 5, "<rasd:Address>0</rasd:Address>") +
        item("4", 17, "<rasd:HostResource>ovf:/disk/sys</rasd:HostResource>"
             "<rasd:Parent>3</rasd:Parent><rasd:AddressOnParent>0</rasd:AddressOnParent>") +
        cdrom +
        "</VirtualHardwareSection></VirtualSystem></Envelope>\n")
    with open("%s/%s.ovf" % (d, opt["name"]), "w") as f:
        f.write(text)


main()
