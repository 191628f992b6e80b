#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_raw_odd_size.sh: a raw input whose size is not a whole number of
# 512-byte sectors converts to raw of the same size as its qcow2 output
# (issue 13 item 7): qemu counts a disk in sectors, so qemu-img makes a
# 1000-byte input a 1024-byte disk in both formats, and so do we.  Before,
# the raw output kept the input's 1000 bytes.
#
#   - sizes 1, 1000, 513, 4097 and 1 MiB + 1 (random bytes, the last sector
#     cut short): the raw output's size equals qemu-img convert -O raw's,
#     and our qcow2 output's virtual size; all three identical per
#     qemu-img compare, the padding zeros;
#   - a whole-sector size (3584) is left as it is.
. "$(dirname "$0")/lib.sh"
need stat head

for size in 1 1000 513 4097 1048577 3584; do
	in=$T/in-$size.raw
	head -c "$size" /dev/urandom >"$in"
	rm -f "$T/q.raw" "$T/o.raw" "$T/o.qcow2"
	qemu-img convert -f raw -O raw "$in" "$T/q.raw" || die "qemu-img convert $size"
	run "$OVA_CONVERT" -O raw "$in" "$T/o.raw"
	check "$size bytes to raw: converts" [ "$RC" -eq 0 ]
	run "$OVA_CONVERT" -O qcow2 "$in" "$T/o.qcow2"
	check "$size bytes to qcow2: converts" [ "$RC" -eq 0 ]
	want=$(stat -c %s "$T/q.raw")
	got=$(stat -c %s "$T/o.raw" 2>/dev/null || echo none)
	vs=$(virtual_size "$T/o.qcow2" qcow2 2>/dev/null || echo none)
	if [ "$got" = "$want" ] && [ "$vs" = "$want" ]; then
		ok "$size bytes: raw output $got bytes = qemu-img's raw = our qcow2's virtual size"
	else
		not_ok "$size bytes: output sizes" "qemu-img raw $want, our raw $got, our qcow2 $vs"
	fi
	check "$size bytes: raw output identical to qemu-img's" compare_raw "$T/q.raw" "$T/o.raw"
	check "$size bytes: qcow2 output identical to qemu-img's raw" \
		compare_images "$T/q.raw" "$T/o.qcow2" raw qcow2
done
finish
