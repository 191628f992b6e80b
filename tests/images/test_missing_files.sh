#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_missing_files.sh: when several files an appliance references are
# missing, one error names them all (issue 13 item 7), so that a user
# fetches them in one go instead of one per run.
#
#   - a three-disk appliance (disks written by qemu-img) with disks 2 and 3
#     gone: as an OVF directory and as an OVA, each with its manifest
#     (which lists both) and without (the OVF's Files name both);
#   - one disk gone: the message names just that one, as before;
#   - every file back: the disks convert identical to their raw sources
#     per qemu-img compare (the appliance itself is sound).
. "$(dirname "$0")/lib.sh"
need python3 tar sed

sed -e 's/@NAME@/tiny/g' -e 's/@SIZE@/0/g' -e 's/@CAPACITY_MB@/1/g' -e 's/@MEMORY_MB@/64/g' \
	-e 's/@SCSI@/lsilogic/g' -e 's/@FIRMWARE@/bios/g' \
	"$OVK_SRC/tests/images/appliance/appliance.ovf.in" >"$T/tiny.ovf" || die "no OVF template"
for i in 1 2 3; do
	make_sparse "$T/d$i.raw" 1M 0:1 || die "cannot make disk $i"
done
mkapp "$T/app.ova" "$T/tiny.ovf" "$T/d1.raw" "$T/d2.raw" "$T/d3.raw"
mkdir -p "$T/all" "$T/out"
tar -C "$T/all" -xf "$T/app.ova" || die "cannot unpack app.ova"

# variant NAME MANIFEST(0/1) GONE...: OVF directory $T/NAME/ and OVA
# $T/NAME.ova without the GONE members (and without tiny.mf unless asked).
variant() {
	local name=$1 mf=$2 m keep=()
	shift 2
	rm -rf "${T:?}/$name" && cp -r "$T/all" "$T/$name" && (cd "$T/$name" && rm -f "$@")
	[ "$mf" = 1 ] || rm -f "$T/$name/tiny.mf"
	for m in tiny.ovf tiny.mf tiny-disk1.vmdk tiny-disk2.vmdk tiny-disk3.vmdk; do
		[ -e "$T/$name/$m" ] && keep+=("$m")
	done
	tar -C "$T/$name" --format=ustar -cf "$T/$name.ova" "${keep[@]}"
}

# names_both DESC INPUT: exit 1, one line naming disks 2 and 3, not disk 1.
names_both() {
	expect_fail_clean "$1" "$T/out" "tiny-disk2.vmdk" "$OVA_CONVERT" "$2" "$T/out"
	if [[ $ERR == *tiny-disk3.vmdk* && $ERR != *tiny-disk1.vmdk* ]]; then
		ok "$1: disk 3 named too, disk 1 not"
	else
		not_ok "$1: disk 3 named too, disk 1 not" "stderr: $ERR"
	fi
}

for mf in 1 0; do
	what=$([ "$mf" = 1 ] && echo "with its manifest" || echo "without a manifest")
	variant two$mf "$mf" tiny-disk2.vmdk tiny-disk3.vmdk
	names_both "OVF directory $what, disks 2 and 3 missing" "$T/two$mf/tiny.ovf"
	names_both "OVA $what, disks 2 and 3 missing" "$T/two$mf.ova"
done

variant one 0 tiny-disk3.vmdk
expect_fail_clean "one disk missing: named as before" "$T/out" \
	"File 'file3': 'tiny-disk3.vmdk' is missing from the package" \
	"$OVA_CONVERT" "$T/one.ova" "$T/out"

run "$OVA_CONVERT" -O raw "$T/app.ova" "$T/out"
check "every file there: converts" [ "$RC" -eq 0 ]
for i in 1 2 3; do
	check "disk $i identical per qemu-img compare" compare_raw "$T/d$i.raw" "$T/out/tiny-vmdisk$i.raw"
done
finish
