#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_vmdk_write_real.sh: our streamOptimized output beside VMware's own,
# field by field (issue 14): for each VMware-made stream in
# ../shared/testdata/real (ovftool's export in govmomi's ttylinux OVA,
# truncated upstream, and vdiskmanager's in vmdk-rs), a disk of the same
# capacity and adapter type is converted by ova-convert, and
# vmdk_layout.py compares the header fields (version, flags, grain size,
# GTEs, descriptor offset, overHead, newline test, compression, GD at end)
# and the descriptor's keys (version, CID, parentCID, createType, the
# extent line, ddb.adapterType, ddb.geometry.* for the same capacity,
# ddb.virtualHWVersion, ddb.longContentID).  The real files are only read;
# nothing of them is copied.  Skips (77) when the directory is absent.
. "$(dirname "$0")/lib.sh"
need python3 truncate dd
real_samples_required

layout=$OVK_SRC/tests/images/vmdk_layout.py
for sample in govmomi/ttylinux-pc_i486-16.1-disk1.vmdk vmdk-rs/streamOptimized.vmdk; do
	theirs=$OVK_REAL/$sample
	[ -f "$theirs" ] || { not_ok "$sample: missing from $OVK_REAL"; continue; }
	read -r sectors adapter < <(python3 "$layout" describe "$theirs") || die "cannot read $sample"
	# A disk of that capacity: some data at the start and in the middle.
	rm -f "$T/in.raw" "$T/ours.vmdk"
	truncate -s $((sectors * 512)) "$T/in.raw"
	head -c 300K /dev/urandom | dd of="$T/in.raw" conv=notrunc status=none
	head -c 64K /dev/urandom | dd of="$T/in.raw" bs=512 seek=$((sectors / 2)) conv=notrunc status=none
	run "$OVA_CONVERT" -O vmdk -o adapter_type="$adapter" "$T/in.raw" "$T/ours.vmdk"
	if [ "$RC" -ne 0 ]; then
		not_ok "$sample: a disk of $sectors sectors ($adapter) converts" "$ERR"
		continue
	fi
	echo "# $sample: $sectors sectors, $adapter"
	tally python3 "$layout" compare "$T/ours.vmdk" "$theirs"
	check "$sample: ours passes qemu-img check" qemu-img check -q "$T/ours.vmdk"
	real_sample_checked
done
finish
