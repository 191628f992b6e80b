#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ovfenv.py OVF: give a tiny appliance's OVF (appliance.ovf.in) an OVF
environment to deliver, as VMware appliances ask for theirs: a
ProductSection with a required, user-configurable "ip" property
(vmw:qualifiers="Ip", no default) and a "hostname" with a default, and
ovf:transport="iso" on the VirtualHardwareSection.  Edited in place."""
import sys

SECTION = """    <ProductSection>
      <Info>First-boot settings</Info>
      <Product>ovakit OVF environment test</Product>
      <Property ovf:key="ip" ovf:type="string" ovf:userConfigurable="true" vmw:qualifiers="Ip">
        <Label>IP address</Label>
        <Description>The address the guest prints</Description>
      </Property>
      <Property ovf:key="hostname" ovf:type="string" ovf:userConfigurable="true" ovf:qualifiers="MinLen(1),MaxLen(63)" ovf:value="ovkenv"/>
    </ProductSection>
"""

path = sys.argv[1]
with open(path) as f:
    text = f.read()
hw = "    <VirtualHardwareSection>"
assert text.count(hw) == 1, "no single VirtualHardwareSection"
text = text.replace(hw, SECTION + '    <VirtualHardwareSection ovf:transport="iso">')
with open(path, "w") as f:
    f.write(text)
