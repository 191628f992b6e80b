#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vhdx.sh: VHDX input (issue 13 item 6), judged by qemu-img, and
# differencing chains judged by their layering.
#
#   - every subformat qemu-img writes (dynamic, fixed; block sizes 1 MiB,
#     the default and 256 MiB; a larger log) at sizes that are not whole
#     blocks (1 MiB + 512, 2048 bytes, data and holes over several blocks)
#     converts to raw and qcow2: identical per qemu-img compare, sizes
#     equal, qcow2 clean;
#   - a log with an entry never written back (vhdx_log.py) is refused, as
#     qemu-img refuses it; once `qemu-img check -r all` has replayed it both
#     read the same disk; a torn entry (bad CRC-32C) is no entry, for both;
#   - a differencing VHDX over a qemu-made parent (vfmt_diff.py): fully and
#     partially present blocks (the sector bitmap), a ZERO block, the rest
#     from the parent, found by relative_path or the absolute path's file
#     name; a wrong parent_linkage is refused.
. "$(dirname "$0")/lib.sh"
need python3

. "$OVK_SRC/tests/images/vfmt_lib.sh"
vfmt_disks

converts_each vhdx vhdx subformat=dynamic subformat=fixed subformat=dynamic,block_size=1M \
	subformat=dynamic,block_size=256M,log_size=8M

# The log.
img=$T/pieces-subformat-dynamic.vhdx
cp "$img" "$T/dirty.vhdx" && cp "$img" "$T/torn.vhdx"
python3 "$OVK_SRC/tests/images/vhdx_log.py" "$T/dirty.vhdx" || die "vhdx_log.py"
python3 "$OVK_SRC/tests/images/vhdx_log.py" "$T/torn.vhdx" --torn || die "vhdx_log.py --torn"
mkdir -p "$T/out"
expect_fail_clean "a log that needs replaying is refused" "$T/out" "never written back" \
	"$OVA_CONVERT" -O raw "$T/dirty.vhdx" "$T/out/x.raw"
qemu-img convert -f vhdx -O raw "$T/dirty.vhdx" "$T/out/q.raw" 2>/dev/null &&
	not_ok "qemu-img refuses the same log" || ok "qemu-img refuses the same log"
rm -f "$T/out/q.raw"
converts "a torn log entry is no entry (qemu-img agrees)" "$T/torn.vhdx" vhdx
qemu-img check -q -r all "$T/dirty.vhdx" >/dev/null 2>&1
converts "the log replayed by qemu-img check -r all" "$T/dirty.vhdx" vhdx

# Differencing.
qemu-img convert -f raw -O vhdx -o block_size=1M "$T/pieces.raw" "$T/base.vhdx" || die "base"
qemu-img convert -f vhdx -O raw "$T/base.vhdx" "$T/base.out" || die "base.out"
writes=(--write 0:512 --write 4K:8K --write 2M:1M --write 6M:1K --write 7M:512 --zero-block 4)
for loc in rel name; do
	diff_child vhdx "$T/child-$loc.vhdx" "$T/child-$loc.exp" "${writes[@]}" --locator "$loc"
	converts "differencing VHDX (parent by $loc)" "$T/child-$loc.vhdx" vhdx "$T/child-$loc.exp" raw
done
diff_child vhdx "$T/wrong.vhdx" "$T/wrong.exp" "${writes[@]}" \
	--parent-id "{00112233-4455-6677-8899-AABBCCDDEEFF}"
expect_fail_clean "a parent whose data write GUID differs is refused" "$T/out" "parent_linkage" \
	"$OVA_CONVERT" -O raw "$T/wrong.vhdx" "$T/out/x.raw"
diff_child vhdx "$T/esc.vhdx" "$T/esc.exp" "${writes[@]}" --locator escape
expect_fail_clean "a relative_path that leaves the directory is refused" "$T/out" "../" \
	"$OVA_CONVERT" -O raw "$T/esc.vhdx" "$T/out/x.raw"
finish
