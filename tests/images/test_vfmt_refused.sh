#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vfmt_refused.sh: what must not convert (issue 13 item 6).
#
#   - corrupt VHD, VHDX and VDI images (qemu-img's, one field poked by
#     vfmt_bad.py: a checksum, a BAT entry beyond the end of the file, an
#     absurd size, a block size out of range, a truncated file) are refused
#     with one line that names the file, exit 1, and no output left;
#   - disks in formats ovakit does not read are refused by name, never
#     converted as raw: QED, qcow version 1, Parallels (both magics) and
#     LUKS as qemu-img writes them, Bochs, cloop and DMG (its signature is
#     at the end) as known_sigs.py does; and the same DMG from a stream.
. "$(dirname "$0")/lib.sh"
need python3

mkdir -p "$T/in" "$T/out"
python3 "$OVK_SRC/tests/images/make_disk.py" "$T/in/src.raw" pieces --seed 8 0:1M:data \
	3M:1049088:data || die "cannot make src.raw"
qemu-img convert -f raw -O vpc "$T/in/src.raw" "$T/in/d.vhd" || die "d.vhd"
qemu-img convert -f raw -O vpc -o subformat=fixed "$T/in/src.raw" "$T/in/f.vhd" || die "f.vhd"
qemu-img convert -f raw -O vhdx -o block_size=1M "$T/in/src.raw" "$T/in/d.vhdx" || die "d.vhdx"
qemu-img convert -f raw -O vdi "$T/in/src.raw" "$T/in/d.vdi" || die "d.vdi"

# refused CASE SOURCE MENTION: the poked copy is refused cleanly.
refused() {
	local case=$1 src=$2 mention=$3 bad
	bad=$T/in/$case.${src##*.}
	python3 "$OVK_SRC/tests/images/vfmt_bad.py" "$T/in/$src" "$bad" "$case" || die "vfmt_bad $case"
	expect_fail_clean "$case: refused" "$T/out" "$mention" \
		"$OVA_CONVERT" -O qcow2 "$bad" "$T/out/x.qcow2"
	[[ $ERR == *"$(basename "$bad")"* ]] || not_ok "$case: the message names the file" "$ERR"
}
refused vhd-checksum d.vhd "footer checksum"
refused vhd-checksum f.vhd "footer checksum"
refused vhd-dyn-checksum d.vhd "dynamic header checksum"
refused vhd-bat-eof d.vhd "BAT entry 0: block at sector"
refused vhd-huge d.vhd "above the VHD maximum"
refused vhd-block d.vhd "block size 3145728"
refused truncate d.vhd "beyond end of file"
refused vhdx-header d.vhdx "no valid header"
refused vhdx-region d.vhdx "region table 1"
refused vhdx-bat-eof d.vhdx "beyond end of file"
refused vhdx-huge d.vhdx "virtual disk size"
refused vhdx-block d.vhdx "block size 3145728"
refused truncate d.vhdx "beyond end of file"
refused vdi-map-eof d.vdi "block map entry 0"
refused vdi-huge d.vdi "disk size"
refused vdi-block d.vdi "block size 2097152"

# Formats we do not read, each refused by name.
qemu-img create -q -f qed "$T/in/x.qed" 1M || die "qed"
qemu-img create -q -f qcow "$T/in/x.qcow" 1M || die "qcow"
qemu-img create -q -f parallels "$T/in/x.hds" 1M || die "parallels"
qemu-img create -q -f luks --object secret,id=s0,data=pw -o key-secret=s0,iter-time=10 \
	"$T/in/x.luks" 1M || die "luks"
python3 "$OVK_SRC/tests/images/known_sigs.py" "$T/in" || die "known_sigs.py"
for f in x.qed:"a QED image" x.qcow:"a qcow (version 1) image" x.hds:"a Parallels image" \
	parallels-ext.img:"a Parallels image" x.luks:"a LUKS encrypted volume" \
	bochs.img:"a Bochs image" cloop.img:"a cloop image" dmg.img:"a DMG"; do
	expect_fail_clean "${f%%:*}: ${f#*:} is refused by name" "$T/out" "${f#*:}" \
		"$OVA_CONVERT" -O raw "$T/in/${f%%:*}" "$T/out/x.raw"
done
# The DMG's trailer through a gzip OVA member: found on the copy.
mkdir -p "$T/app"
bash "$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" tiny >/dev/null ||
	die "cannot build the test appliance"
cp "$T/in/dmg.img" "$T/in/dmg.vdi"   # any format URI but VMDK's
python3 "$OVK_SRC/tests/images/vfmt_ova.py" "$T/in/dmg.ova" "$T/app/tiny.ova" "$T/in/dmg.vdi" \
	--gzip || die "vfmt_ova.py"
expect_fail_clean "a DMG in a gzip OVA member is refused by name" "$T/out" "a DMG" \
	"$OVA_CONVERT" "$T/in/dmg.ova" "$T/out"
finish
