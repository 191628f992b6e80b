#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""multi_vm_ovf.py clash|shared: an OVF with two VirtualSystems in a
VirtualSystemCollection, each one IDE disk, whose Files are d1.vmdk and
d2.vmdk beside it (made by the caller):

  clash   VM "a" with Disk "b-c" and VM "a-b" with Disk "c": two disks that
          the naming rule (<domain>-<disk>) turns into one name, a-b-c;
  shared  VMs "x" and "y" both attaching Disk "d".

For test_import_clash.sh (issue 16, defects 4 and 5).
"""
import sys

mode = sys.argv[1]
def vs(name, disk):
    return f'''  <VirtualSystem ovf:id="{name}">
    <Info>vm</Info><Name>{name}</Name>
    <VirtualHardwareSection><Info>hw</Info>
      <Item><rasd:ElementName>1 CPU</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>1</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>mem</rasd:ElementName><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>64</rasd:VirtualQuantity></Item>
      <Item><rasd:Address>0</rasd:Address><rasd:ElementName>ide</rasd:ElementName><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceType>5</rasd:ResourceType></Item>
      <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:ElementName>disk</rasd:ElementName><rasd:HostResource>ovf:/disk/{disk}</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
'''
if mode == "clash":
    disks = [("b-c", "f1"), ("c", "f2")]; systems = [("a", "b-c"), ("a-b", "c")]
else:
    disks = [("d", "f1")]; systems = [("x", "d"), ("y", "d")]
files = "".join(f'<File ovf:href="d{f[1]}.vmdk" ovf:id="{f}"/>' for _, f in disks)
dsk = "".join(f'<Disk ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="{d}" ovf:fileRef="{f}" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#sparse"/>' for d, f in disks)
print(f'''<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
<References>{files}</References>
<DiskSection><Info>d</Info>{dsk}</DiskSection>
<VirtualSystemCollection ovf:id="coll"><Info>c</Info><Name>coll</Name>
{"".join(vs(n, d) for n, d in systems)}</VirtualSystemCollection>
</Envelope>''')
