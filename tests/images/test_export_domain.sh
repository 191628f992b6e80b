#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_export_domain.sh: ova-export DOMAIN against libvirt's test driver,
# with a node file of our own (test:///PATH/node.xml: in-process, its
# domains running).  One domain holds what the mapping must carry: EFI
# with secure boot, sockets x cores, libosinfo's OS, a qcow2 file on
# virtio (NVMe), a pool volume on SCSI (lsilogicsas), a CD-ROM on SATA,
# two NICs with MACs on a network and a bridge (VmxNet3, E1000e).  Judged:
# a running domain is refused without --force, the OVF says each of those
# things, ovakit reads them back, the disks equal their sources.  Then the
# disks ovakit cannot read: an RBD network disk and a missing pool volume
# each fail with one line and leave nothing.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-export
[ -x "$EXPORT" ] || die "ova-export not found at $EXPORT"
need python3 tar virsh

make_sparse "$T/f.raw" 16M 2:1 || die "cannot make f.raw"
qemu-img convert -f raw -O qcow2 "$T/f.raw" "$T/f.qcow2" || die "cannot make f.qcow2"
make_sparse "$T/v.raw" 8M 0:1 || die "cannot make v.raw"
sed "s|@DIR@|$T|g" >"$T/node.xml" <<'XML'
<node>
  <pool type='dir'>
    <name>tp</name>
    <uuid>35bb2ad9-388a-cdfe-461a-b8907f6e53fe</uuid>
    <capacity>107374182400</capacity><allocation>0</allocation><available>107374182400</available>
    <target><path>@DIR@</path></target>
    <volume type='file'>
      <name>v.raw</name><key>@DIR@/v.raw</key><capacity unit='bytes'>8388608</capacity>
      <target><path>@DIR@/v.raw</path><format type='raw'/></target>
    </volume>
  </pool>
  <domain type='test'>
    <name>full</name>
    <description>exported by test_export_domain</description>
    <metadata>
      <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
        <libosinfo:os id="http://debian.org/debian/12"/>
      </libosinfo:libosinfo>
    </metadata>
    <memory unit='MiB'>1536</memory>
    <vcpu>4</vcpu>
    <cpu><topology sockets='2' cores='2' threads='1'/></cpu>
    <os firmware='efi'><type>hvm</type><loader secure='yes'/></os>
    <devices>
      <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
        <source file='@DIR@/f.qcow2'/><target dev='vda' bus='virtio'/></disk>
      <disk type='volume' device='disk'><driver name='qemu' type='raw'/>
        <source pool='tp' volume='v.raw'/><target dev='sda' bus='scsi'/></disk>
      <disk type='file' device='cdrom'><target dev='sdb' bus='sata'/><readonly/></disk>
      <interface type='network'><mac address='52:54:00:12:34:56'/>
        <source network='default'/><model type='virtio'/></interface>
      <interface type='bridge'><mac address='52:54:00:ab:cd:ef'/>
        <source bridge='br0'/><model type='e1000e'/></interface>
    </devices>
  </domain>
  <domain type='test'>
    <name>rbd</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>
    <devices><disk type='network' device='disk'><driver name='qemu' type='raw'/>
      <source protocol='rbd' name='pool/image'><host name='ceph1'/></source>
      <target dev='vda' bus='virtio'/></disk></devices>
  </domain>
  <domain type='test'>
    <name>novol</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>
    <devices><disk type='volume' device='disk'><source pool='tp' volume='gone.raw'/>
      <target dev='vda' bus='virtio'/></disk></devices>
  </domain>
</node>
XML
URI=test://$T/node.xml
mkdir -p "$T/out"

expect_clean() {   # DESC MENTION CMD...: exit 1, one line naming MENTION, $T/out untouched
	local desc=$1 mention=$2 before
	shift 2
	before=$(ls -A "$T/out")
	run "$@"
	if [ "$RC" -eq 1 ] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] &&
		[[ $ERR == "ova-export: "*"$mention"* ]] && [ "$(ls -A "$T/out")" = "$before" ]; then
		ok "$desc ($ERR)"
	else
		not_ok "$desc" "exit $RC" "stderr: $ERR" "out: $(ls -A "$T/out")"
	fi
}

expect_clean "a running domain is refused without --force" "is running" \
	"$EXPORT" -c "$URI" full "$T/out/full.ova"
run "$EXPORT" -c "$URI" --force --json full "$T/out/full.ova"
check "--force exports it" [ "$RC" -eq 0 ]
check "--force warns the disks may be inconsistent" grep -q "running: its disks may be" <<<"$ERR"
mkdir -p "$T/x" && tar -C "$T/x" -xf "$T/out/full.ova" || die "cannot unpack"
ovf=$T/x/full.ovf
for want in '<vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="efi"/>' \
	'vmw:key="uefi.secureBoot.enabled" vmw:value="true"' \
	'<vmw:CoresPerSocket ovf:required="false">2</vmw:CoresPerSocket>' \
	'vmw:osType="debian10_64Guest"' '<rasd:VirtualQuantity>1536</rasd:VirtualQuantity>' \
	'<rasd:ResourceSubType>vmware.nvme.controller</rasd:ResourceSubType>' \
	'<rasd:ResourceSubType>lsilogicsas</rasd:ResourceSubType>' \
	'<rasd:ResourceSubType>vmware.sata.ahci</rasd:ResourceSubType>' \
	'<rasd:ResourceType>15</rasd:ResourceType>' \
	'<rasd:Address>52:54:00:12:34:56</rasd:Address>' '<rasd:Connection>default</rasd:Connection>' \
	'<rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>' \
	'<rasd:Address>52:54:00:ab:cd:ef</rasd:Address>' '<rasd:Connection>br0</rasd:Connection>' \
	'<rasd:ResourceSubType>E1000e</rasd:ResourceSubType>' \
	'<Annotation>exported by test_export_domain</Annotation>'; do
	check "the OVF says $want" grep -qF "$want" "$ovf"
done
ovf_schema "$ovf"
check "vda (qcow2 file) exported identical" compare_images "$T/f.qcow2" "$T/x/full-disk1.vmdk" qcow2 vmdk
check "sda (pool volume) exported identical" compare_images "$T/v.raw" "$T/x/full-disk2.vmdk" raw vmdk
run "$OVA_CONVERT" --info --json "$T/out/full.ova"
check "ova-convert reads it back: EFI, secure boot, 4 CPUs, 1.5 GiB, both MACs" \
	python3 -c 'import json,sys; v=json.loads(sys.argv[1])["virtual-systems"][0]
assert (v["firmware"], v["secure-boot"], v["cpus"], v["memory"]) == ("efi", True, 4, 1536 << 20), v
assert [n["mac"] for n in v["nics"]] == ["52:54:00:12:34:56", "52:54:00:ab:cd:ef"], v["nics"]' "$OUT"

expect_clean "an RBD network disk is refused" "network disk (rbd)" \
	"$EXPORT" -c "$URI" --force rbd "$T/out/rbd.ova"
expect_clean "a missing pool volume is refused" "gone.raw" \
	"$EXPORT" -c "$URI" --force novol "$T/out/novol.ova"
expect_clean "a missing domain is refused" "nosuch" \
	"$EXPORT" -c "$URI" nosuch "$T/out/nosuch.ova"
# --download reads every disk through libvirt, as a remote URI does: vda is
# a file in no pool, so it cannot be reached that way.
expect_clean "--download: a file disk that is no pool's volume is refused" \
	"f.qcow2: not a volume of any storage pool" \
	"$EXPORT" -c "$URI" --force --download full "$T/out/dl.ova"

finish
