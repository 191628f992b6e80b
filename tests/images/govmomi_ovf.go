// SPDX-License-Identifier: LGPL-2.1-or-later
// govmomi_ovf.go OVF: parse an OVF with govmomi's reader (ovf.Unmarshal,
// what govc import.spec starts from) and print what it found, for
// test_export_consumers.sh.  Built offline from Debian's
// golang-github-vmware-govmomi-dev (GOPATH=/usr/share/gocode).
package main

import (
	"fmt"
	"os"

	"github.com/vmware/govmomi/ovf"
)

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		panic(err)
	}
	env, err := ovf.Unmarshal(f)
	if err != nil {
		fmt.Println("unmarshal:", err)
		os.Exit(1)
	}
	vs := env.VirtualSystem
	fmt.Println("name:", vs.ID, "disks:", len(env.Disk.Disks), "files:", len(env.References))
	for _, d := range env.Disk.Disks {
		fmt.Println("disk:", d.DiskID, d.Capacity, *d.PopulatedSize)
	}
	for _, h := range vs.VirtualHardware {
		fmt.Println("system:", *h.System.VirtualSystemType)
		for _, it := range h.Item {
			st := ""
			if it.ResourceSubType != nil {
				st = *it.ResourceSubType
			}
			fmt.Println("item:", it.InstanceID, *it.ResourceType, st, it.ElementName)
		}
	}
	for _, o := range vs.OperatingSystem {
		fmt.Println("os:", o.ID, *o.OSType)
	}
}
