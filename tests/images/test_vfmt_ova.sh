#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vfmt_ova.sh: VHD, VHDX and VDI disks inside appliances (issue 13
# item 6): the tiny appliance with its disk member replaced by each format
# and subformat qemu-img writes (vfmt_ova.py: the member named .vhd, .vhdx
# or .vdi, the OVF's format URI not VMDK's, the manifest matching), in a
# plain OVA (the member read through the OVA's mapping) and in a gzip'ed
# one (the member a forward stream, copied to a temp file first: a fixed
# VHD has its only footer at the end, which is probed on the copy).  Every
# output must be the image as qemu-img reads it (a VHD's CHS rounding makes
# it a little larger than the appliance's disk), and the manifest verified.
. "$(dirname "$0")/lib.sh"
need python3 tar

mkdir -p "$T/app" "$T/in"
bash "$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" tiny >/dev/null ||
	die "cannot build the test appliance"
raw=$T/app/tiny-disk1.raw

for spec in vpc:subformat=dynamic:vhd vpc:subformat=fixed:vhd vhdx:subformat=dynamic:vhdx \
	vhdx:subformat=fixed:vhdx vdi:static=off:vdi vdi:static=on:vdi; do
	IFS=: read -r fmt opts ext <<<"$spec"
	name=$fmt-${opts//=/-}
	qemu-img convert -f raw -O "$fmt" -o "$opts" "$raw" "$T/in/$name.$ext" ||
		die "qemu-img could not write $name"
	for gz in "" --gzip; do
		ova=$T/in/$name${gz:+-gz}.ova
		python3 "$OVK_SRC/tests/images/vfmt_ova.py" "$ova" "$T/app/tiny.ova" \
			"$T/in/$name.$ext" $gz || die "vfmt_ova.py $name $gz"
		rm -rf "$T/out" && mkdir -p "$T/out"
		run "$OVA_CONVERT" "$ova" "$T/out"
		kind=an
		[ -n "$gz" ] && kind="a gzip"
		desc="$fmt $opts in $kind OVA member"
		if [ "$RC" -ne 0 ]; then
			not_ok "$desc" "exit $RC: $ERR"
		elif ! compare_images "$T/in/$name.$ext" "$T/out/tiny-vmdisk1.qcow2" "$fmt" qcow2 \
			>/dev/null; then
			not_ok "$desc: differs from the image as qemu-img reads it"
		elif [[ $ERR != *"manifest tiny.mf"* ]]; then
			not_ok "$desc: the manifest is not reported as checked" "$ERR"
		else
			ok "$desc: converts, identical, manifest checked"
		fi
	done
done
finish
