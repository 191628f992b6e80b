#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vhd.sh: VHD input (issue 13 item 6), judged by qemu-img (format
# "vpc"), and differencing chains judged by their layering.
#
#   - every subformat qemu-img writes (dynamic, fixed; the CHS size rule of
#     "qemu" and the current_size rule of force_size's "qem2") at sizes that
#     are not whole blocks (1 MiB + 512, 2048 bytes, data and holes over
#     several blocks) converts to raw and qcow2: identical per qemu-img
#     compare (sizes equal: qemu-img's own virtual size), qcow2 clean;
#   - a fixed VHD is found by its footer alone, a dynamic one by its copy;
#   - sectors whose bitmap bit is clear read as zeros in a dynamic disk
#     (qemu-img ignores the bitmap; it always writes all ones);
#   - a differencing VHD over a qemu-made parent reads its sectors from the
#     child where its bitmap says so and from the parent elsewhere
#     (vfmt_diff.py makes the chain and the expected disk), found by the
#     relative locator or the parent's name; a parent that climbs out of the
#     directory, or whose unique id differs, is refused.
. "$(dirname "$0")/lib.sh"
need python3

. "$OVK_SRC/tests/images/vfmt_lib.sh"
vfmt_disks

converts_each vpc vhd subformat=dynamic subformat=fixed subformat=dynamic,force_size=on \
	subformat=fixed,force_size=on

# A dynamic disk's clear bitmap bits: those sectors read as zeros.
python3 "$OVK_SRC/tests/images/vfmt_bad.py" "$T/pieces-subformat-dynamic.vhd" "$T/clear.vhd" \
	vhd-bitmap-clear || die "vfmt_bad.py"
qemu-img convert -f vpc -O raw "$T/pieces-subformat-dynamic.vhd" "$T/clear.exp" || die "clear.exp"
dd if=/dev/zero of="$T/clear.exp" bs=512 count=8 conv=notrunc status=none
converts "a dynamic disk's clear bitmap bits (sectors 0-7)" "$T/clear.vhd" vpc "$T/clear.exp" raw

# Differencing: the parent written by qemu-img (current_size, so that it is
# exactly the raw's size), the child by vfmt_diff.py.
qemu-img convert -f raw -O vpc -o force_size=on "$T/pieces.raw" "$T/base.vhd" || die "base.vhd"
qemu-img convert -f vpc -O raw "$T/base.vhd" "$T/base.out" || die "base.out"
writes=(--write 0:512 --write 4K:8K --write 2M:2M --write 6M:1K --write 7M:512)
for loc in rel name; do
	diff_child vhd "$T/child-$loc.vhd" "$T/child-$loc.exp" "${writes[@]}" --locator "$loc"
	converts "differencing VHD (parent by $loc locator)" "$T/child-$loc.vhd" vpc \
		"$T/child-$loc.exp" raw
done
mkdir -p "$T/sub/elsewhere" "$T/out"
diff_child vhd "$T/sub/child.vhd" "$T/sub/child.exp" "${writes[@]}" --locator escape
expect_fail_clean "a parent locator that leaves the directory is refused" "$T/out" "../" \
	"$OVA_CONVERT" -O raw "$T/sub/child.vhd" "$T/out/x.raw"
diff_child vhd "$T/wrong.vhd" "$T/wrong.exp" "${writes[@]}" --parent-id 00112233445566778899aabbccddeeff
expect_fail_clean "a parent whose unique id differs is refused" "$T/out" "unique id" \
	"$OVA_CONVERT" -O raw "$T/wrong.vhd" "$T/out/x.raw"
finish
