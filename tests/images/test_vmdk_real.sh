#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vmdk_real.sh: third-party VMDKs from ../shared/testdata/real (issue 3).
#
# Each sample with a guest sha256 in SOURCES.md converts to exactly that
# sha256; each one marked invalid or truncated fails with one line on stderr
# and leaves nothing behind.  The list of good samples is read from
# SOURCES.md itself (every row whose first cell ends in .vmdk or .img and
# which gives a "guest sha256"), so a sample added there is tested here.
. "$(dirname "$0")/lib.sh"
need sha256sum python3
real_samples_required

SOURCES="$OVK_REAL/SOURCES.md"
[ -f "$SOURCES" ] || die "$SOURCES missing"

# "dir/file sha256" for every VMDK row of SOURCES.md with a guest sha256.
python3 "$OVK_SRC/tests/images/real_samples.py" "$SOURCES" >"$T/good.list" ||
	die "cannot read $SOURCES"
[ -s "$T/good.list" ] || not_ok "no sample with a guest sha256 found in SOURCES.md"

while read -r f sum; do
	real_sample_checked
	out="$T/o.raw"
	rm -f "$out"
	run "$OVA_CONVERT" -O raw "$OVK_REAL/$f" "$out"
	if [ "$RC" -ne 0 ]; then
		not_ok "$f" "exit $RC" "stderr: $ERR"
		continue
	fi
	got=$(sha256sum <"$out" | cut -c1-64)
	if [ "$got" = "$sum" ]; then
		ok "$f: guest sha256 $sum"
	else
		not_ok "$f: guest sha256 $got, expected $sum"
	fi
	rm -f "$out"
done <"$T/good.list"

# Known-bad samples: a clean, one-line failure naming the problem.
bad() {
	local f=$1 mention=$2
	real_sample_checked
	mkdir -p "$T/out"
	expect_fail_clean "$f refused" "$T/out" "$mention" "$OVA_CONVERT" -O raw "$OVK_REAL/$f" "$T/out/o.raw"
	rm -rf "$T/out"
}
bad govmomi/ttylinux-pc_i486-16.1-disk1.vmdk "footer"
bad go-vmdk-parser/vmdk-invalid.img "CID"
bad vmdk-rs/vmfs_thick.vmdk "vmfs_thick-flat.vmdk"
bad vmdk-rs/vmfs_thick-000001.vmdk "vmfs_thick-000001-delta.vmdk"

# --info on the VMware stream without a footer (GD in the header).
real_sample_checked
run "$OVA_CONVERT" --info --json "$OVK_REAL/vmdk-rs/streamOptimized.vmdk"
if [ "$RC" -eq 0 ] && [ "$(json_get "$OUT" format-specific.data.create-type)" = streamOptimized ] &&
	[ "$(json_get "$OUT" cluster-size)" = 65536 ]; then
	ok "vmdk-rs/streamOptimized.vmdk --info: streamOptimized, 64 KiB grains"
else
	not_ok "vmdk-rs/streamOptimized.vmdk --info" "stdout: $OUT" "stderr: $ERR"
fi

finish
