#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_badinput_vmdk.sh: corrupted and hostile VMDKs.
#
#   - bit flips in the header fields (monolithicSparse and streamOptimized),
#     grain directory entry 0 (and the redundant one) and each live grain
#     table entry (vmdk_bitflips.py): a flip may leave a valid image, so
#     each must fail cleanly or convert to what qemu-img reads;
#   - crafted, so always refused: stream grain markers claiming more than
#     2 grains, an LBA beyond the capacity, duplicate and backward LBAs
#     (vmdk_bad_markers.py); capacity 2^63, grain size 0 and not a power of
#     two, and friends (vmdk_bad_header.py); extent paths that are absolute
#     or contain "..", extents of 2^63 sectors (vmdk_bad_extents.py).
# The contract and the oracle: badinput_lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_lib.sh"
badinput_images
ms=$G/monolithicSparse/monolithicSparse.vmdk
so=$G/streamOptimized/streamOptimized.vmdk

for name in monolithicSparse streamOptimized; do
	gen vmdk_bitflips.py header "$G/$name/$name.vmdk" "$G/flip-$name" >"$G/flip-$name.list"
	judge table "VMDK $name header bit flips" "$G/flip-$name.list"
done
gen vmdk_bitflips.py gd "$ms" "$G/flip-gd" >"$G/flip-gd.list"
judge table "VMDK grain directory bit flips (entry 0, every bit; rgd too)" "$G/flip-gd.list"
gen vmdk_bitflips.py gt "$ms" "$G/flip-gt" >"$G/flip-gt.list"
live=$(($(grep -c '' "$G/flip-gt.list") / 32))
judge table "VMDK grain table bit flips ($live live entries, every bit)" "$G/flip-gt.list"

gen vmdk_bad_markers.py "$so" "$G/markers" >"$G/markers.list"
judge refuse "$G/markers.list"
gen vmdk_bad_header.py "$ms" "$so" "$G/geometry" >"$G/geometry.list"
judge refuse "$G/geometry.list"
gen vmdk_bad_extents.py "$G/monolithicFlat/monolithicFlat-flat.vmdk" "$G/extents" \
	>"$G/extents.list"
judge refuse "$G/extents.list"

finish
