#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_badinput_cut.sh: generated images cut at every 512-byte boundary
# fail cleanly or convert to what qemu-img reads: VMDKs of each subformat
# qemu-img writes (a descriptor and each of its extents cut in turn, the
# others intact), qcow2 v3, v2, 64 KiB clusters, zlib, zstd and an overlay
# (its base intact), and the tiny plain and gzip OVAs (which must then
# convert to the intact OVA's disks).  The contract and the oracle:
# badinput_lib.sh.
. "$(dirname "${BASH_SOURCE[0]}")/badinput_lib.sh"
badinput_images
badinput_seeds

while read -r label p; do
	label=${label//_/ }
	d=$(dirname "$p")
	mapfile -t files < <(find "$d" -mindepth 1 -maxdepth 1 | LC_ALL=C sort)
	if [[ $label == vmdk* ]] && [ ${#files[@]} -gt 1 ]; then
		for f in "${files[@]}"; do
			judge cut "$label" "$p" --victim "$f" --with "${files[@]}"
		done
	elif [ "$label" = "qcow2 overlay" ]; then
		judge cut "$label" "$p" --with "$d/base.qcow2"
	else
		judge cut "$label" "$p"
	fi
done <"$G/images"
judge cut "tiny OVA" "$G/seeds/plain.ova" --appliance
judge cut "tiny gzip OVA" "$G/seeds/gzip.ova" --appliance

finish
