#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vmdk_access.sh: a single-file VMDK reports the access its embedded
# descriptor gives its one extent (issue 13 item 7).  Before, --info said
# "RW" for every monolithicSparse and streamOptimized file, whatever the
# descriptor said.
#
#   - qemu-img writes both subformats; vmdk_access.py makes the extent line
#     RDONLY in a copy, which qemu-img still reads as the same disk (it
#     takes the file as the one extent, as we do);
#   - --info --json says "access": "RDONLY" for the copy and "RW" for the
#     original, and the copy still converts identically.
. "$(dirname "$0")/lib.sh"
need python3

make_sparse "$T/disk.raw" 3M 0:1 2:1 || die "cannot make the disk"

# access_of FILE: ACCESS := the first extent's access in --info --json.
access_of() {
	ACCESS=
	run "$OVA_CONVERT" --info --json "$1"
	[ "$RC" -eq 0 ] || return 0
	ACCESS=$(python3 -c 'import json, sys
print(json.loads(sys.argv[1])["format-specific"]["data"]["extents"][0]["access"])' "$OUT")
}

for sub in monolithicSparse streamOptimized; do
	qemu-img convert -f raw -O vmdk -o subformat=$sub "$T/disk.raw" "$T/$sub.vmdk" ||
		die "qemu-img could not write $sub"
	python3 "$OVK_SRC/tests/images/vmdk_access.py" "$T/$sub.vmdk" "$T/$sub-ro.vmdk" RDONLY ||
		die "vmdk_access.py $sub"
	check "$sub RDONLY: qemu-img reads the same disk" \
		qemu-img compare -q -f raw -F vmdk "$T/disk.raw" "$T/$sub-ro.vmdk"
	access_of "$T/$sub.vmdk"
	[ "$ACCESS" = RW ] && ok "$sub as qemu-img wrote it: access RW" ||
		not_ok "$sub as qemu-img wrote it: access RW" "got '$ACCESS'" "stderr: $ERR"
	access_of "$T/$sub-ro.vmdk"
	[ "$ACCESS" = RDONLY ] && ok "$sub with an RDONLY extent line: access RDONLY" ||
		not_ok "$sub with an RDONLY extent line: access RDONLY" "got '$ACCESS'" "stderr: $ERR"
	rm -f "$T/out.raw"
	run "$OVA_CONVERT" -O raw "$T/$sub-ro.vmdk" "$T/out.raw"
	check "$sub RDONLY: converts identically per qemu-img compare" compare_raw "$T/disk.raw" "$T/out.raw"
done
finish
