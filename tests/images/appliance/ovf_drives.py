#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ovf_drives.py OVF twice|collide: rewrite the tiny appliance's descriptor
(appliance.ovf.in) into a shape whose drives would share one image:

  twice    the boot Disk attached by a second disk Item as well;
  collide  the boot Disk renamed "d 1", plus a blank Disk "d_1" on a second
           Item: two disk ids that the file-name rules turn into one name.
"""
import re
import sys

path, mode = sys.argv[1], sys.argv[2]
ovf = open(path).read()
item = re.search(r"<Item>\s*<rasd:AddressOnParent>0</rasd:AddressOnParent>\s*"
                 r"<rasd:ElementName>Hard disk 1</rasd:ElementName>.*?</Item>", ovf, re.S)
first = item.group(0)
second = (first.replace("<rasd:InstanceID>8<", "<rasd:InstanceID>11<")
          .replace("<rasd:AddressOnParent>0<", "<rasd:AddressOnParent>1<"))
if mode == "collide":
    first = first.replace("ovf:/disk/vmdisk1", "ovf:/disk/d 1")
    second = second.replace("ovf:/disk/vmdisk1", "ovf:/disk/d_1")
elif mode != "twice":
    sys.exit(f"unknown mode {mode}")
ovf = ovf[:item.start()] + first + second + ovf[item.end():]
if mode == "collide":
    ovf = ovf.replace('ovf:diskId="vmdisk1"', 'ovf:diskId="d 1"')
    ovf = ovf.replace("</DiskSection>",
                      '<Disk ovf:capacity="1" ovf:capacityAllocationUnits="byte * 2^20" '
                      'ovf:diskId="d_1"/></DiskSection>')
open(path, "w").write(ovf)
