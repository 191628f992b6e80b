#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# ova-convert on appliances: every disk of an OVA to OUTDIR/<vm>-<disk>.qcow2
# with the manifest checked in the same pass, judged by qemu-img; tampered,
# missing and hostile members refused with nothing left behind; compressed
# OVAs read as a stream; the real samples refused or described as expected.
. "$(dirname "$0")/lib.sh"
need tar python3 sha256sum as ld

app=$OVK_SRC/tests/images/appliance/make_appliance.sh
mkdir -p "$T/src" "$T/out"
bash "$app" "$T/src" tiny >/dev/null || die "cannot build the test appliance"
ova=$T/src/tiny.ova
raw=$T/src/tiny-disk1.raw

# 1. The plain OVA: converted, identical, clean, manifest verified.
run "$OVA_CONVERT" "$ova" "$T/out"
out=$T/out/tiny-vmdisk1.qcow2
if [ "$RC" -eq 0 ] && [ -f "$out" ]; then ok "OVA converts ($ERR)"; else not_ok "OVA converts" "rc=$RC" "$ERR"; fi
check "output is identical to the guest disk" compare_images "$raw" "$out" raw qcow2
check "qemu-img check is clean" qemu-img check -q "$out"
[[ $ERR == *"manifest tiny.mf"* ]] && ok "the manifest is reported as checked" ||
	not_ok "the manifest is reported as checked" "$ERR"
expect_fail_clean "an existing output is refused" "$T/out" "tiny-vmdisk1.qcow2" \
	"$OVA_CONVERT" "$ova" "$T/out"
run "$OVA_CONVERT" --force -O raw "$ova" "$T/out"
check "-O raw writes <vm>-<disk>.raw" compare_raw "$raw" "$T/out/tiny-vmdisk1.raw"
rm -f "$T/out"/*

# 2. --info --json: the model as the OVF gives it.
run "$OVA_CONVERT" --info --json "$ova"
if [ "$RC" -eq 0 ] && python3 "$OVK_SRC/tests/images/check_info.py" tiny-appliance "$OUT"
then ok "--info --json describes the VM"; else not_ok "--info --json describes the VM" "$OUT" "$ERR"; fi

# Unpack once to build the broken variants from the same members.
mkdir -p "$T/m" && tar -C "$T/m" -xf "$ova"
members=(tiny.ovf tiny.mf tiny-disk1.vmdk)
pack() {  # pack OVA FILES...: a ustar OVA of the given members of $T/m
	local o=$1
	shift
	tar -C "$T/m" --format=ustar -cf "$o" "$@"
}

# 3. One byte changed in the disk member: SHA256 mismatch, nothing left.
cp -r "$T/m" "$T/m.orig"
size=$(stat -c %s "$T/m/tiny-disk1.vmdk")
printf '\xff' | dd of="$T/m/tiny-disk1.vmdk" bs=1 seek=$((size - 600)) conv=notrunc status=none
pack "$T/src/tampered.ova" "${members[@]}"
expect_fail_clean "a tampered disk member is refused" "$T/out" "SHA256" \
	"$OVA_CONVERT" "$T/src/tampered.ova" "$T/out"
rm -rf "$T/m" && cp -r "$T/m.orig" "$T/m"

# 4. A changed descriptor: refused before any disk is read.
sed -i 's/<Info>/<Info> /' "$T/m/tiny.ovf"
pack "$T/src/badovf.ova" "${members[@]}"
expect_fail_clean "a tampered descriptor is refused" "$T/out" "tiny.ovf" \
	"$OVA_CONVERT" "$T/src/badovf.ova" "$T/out"
rm -rf "$T/m" && cp -r "$T/m.orig" "$T/m"

# 5. The disk member missing.
pack "$T/src/missing.ova" tiny.ovf tiny.mf
expect_fail_clean "a missing disk member is refused" "$T/out" "tiny-disk1.vmdk" \
	"$OVA_CONVERT" "$T/src/missing.ova" "$T/out"

# 6. A member named ../x (written by ova_tar.py: GNU tar refuses to).
python3 "$OVK_SRC/tests/images/ova_tar.py" "$T/src/dotdot.ova" tiny.ovf=@"$T/m/tiny.ovf" \
	tiny.mf=@"$T/m/tiny.mf" tiny-disk1.vmdk=@"$T/m/tiny-disk1.vmdk" ../x=evil ||
	die "cannot make dotdot.ova"
expect_fail_clean "a member named ../x is refused" "$T/out" "../x" \
	"$OVA_CONVERT" "$T/src/dotdot.ova" "$T/out"
[ ! -e "$T/x" ] && ok "nothing was written outside the output directory" ||
	not_ok "nothing was written outside the output directory"

# 7. A gzip-compressed OVA is read as a forward stream, manifest included.
tar -C "$T/m" --format=ustar -czf "$T/src/tiny.ova.gz" "${members[@]}"
run "$OVA_CONVERT" "$T/src/tiny.ova.gz" "$T/out"
if [ "$RC" -eq 0 ] && compare_images "$raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2; then
	ok "a gzip-compressed OVA converts through the stream ($ERR)"
else
	not_ok "a gzip-compressed OVA converts through the stream" "rc=$RC" "$ERR"
fi
rm -f "$T/out"/*
printf '\xff' | dd of="$T/m/tiny-disk1.vmdk" bs=1 seek=$((size - 600)) conv=notrunc status=none
tar -C "$T/m" --format=ustar -czf "$T/src/tampered.ova.gz" "${members[@]}"
expect_fail_clean "a tampered member of a compressed OVA is refused" "$T/out" "SHA256" \
	"$OVA_CONVERT" "$T/src/tampered.ova.gz" "$T/out"
rm -rf "$T/m" && cp -r "$T/m.orig" "$T/m"

# 7b. A compressed OVA whose manifest comes after the disk: the disk is
# hashed as it streams and checked against the manifest at the end.
tar -C "$T/m" --format=ustar -czf "$T/src/late-mf.ova.gz" tiny.ovf tiny-disk1.vmdk tiny.mf
run "$OVA_CONVERT" "$T/src/late-mf.ova.gz" "$T/out"
if [ "$RC" -eq 0 ] && [[ $ERR == *"after the disks"* ]] &&
	compare_images "$raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2; then
	ok "a manifest after the disks is verified at the end ($ERR)"
else
	not_ok "a manifest after the disks is verified at the end" "rc=$RC" "$ERR"
fi
rm -f "$T/out"/*
printf '\xff' | dd of="$T/m/tiny-disk1.vmdk" bs=1 seek=$((size - 600)) conv=notrunc status=none
tar -C "$T/m" --format=ustar -czf "$T/src/late-mf-bad.ova.gz" tiny.ovf tiny-disk1.vmdk tiny.mf
expect_fail_clean "a tampered disk before a late manifest is refused" "$T/out" "SHA" \
	"$OVA_CONVERT" "$T/src/late-mf-bad.ova.gz" "$T/out"
# --force over an earlier conversion: the old file is replaced only once
# the late manifest has verified the new disk, so this failure keeps it.
"$OVA_CONVERT" "$ova" "$T/out" 2>/dev/null || die "cannot convert $ova"
old_sum=$(sha256sum <"$T/out/tiny-vmdisk1.qcow2")
run "$OVA_CONVERT" --force "$T/src/late-mf-bad.ova.gz" "$T/out"
check "--force with a tampered disk before a late manifest: exit 1" [ "$RC" -eq 1 ]
check "--force refused late: the old output is untouched, nothing else left" \
	[ "$(sha256sum <"$T/out/tiny-vmdisk1.qcow2")" = "$old_sum" -a "$(ls -A "$T/out")" = tiny-vmdisk1.qcow2 ]
rm -f "$T/out"/*
rm -rf "$T/m" && cp -r "$T/m.orig" "$T/m"

# 7c. A compressed OVA whose disk needs random access (a monolithicSparse
# VMDK, as VirtualBox and older VMware exports carry): copied to an
# unnamed temp file beside the output, saying so, digests still taken in
# the same pass; nothing but the output is left.
appliance_disk_as "$T/m" monolithicSparse "$raw" || die "cannot make the monolithicSparse disk"
sparse_size=$(stat -c %s "$T/m/tiny-disk1.vmdk")
for z in gzip xz; do
	tar -C "$T/m" --format=ustar --"$z" -cf "$T/src/sparse.ova.$z" "${members[@]}"
	run "$OVA_CONVERT" "$T/src/sparse.ova.$z" "$T/out"
	if [ "$RC" -eq 0 ] && [[ $ERR == *"copying it to a temp file in $T/out"* ]] &&
		[[ $ERR == *"manifest tiny.mf"* ]] &&
		compare_images "$raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2; then
		ok "$z OVA with a monolithicSparse disk: copied to a temp file first ($ERR)"
	else
		not_ok "$z OVA with a monolithicSparse disk: copied to a temp file first" "rc=$RC" "$ERR"
	fi
	check "$z OVA with a monolithicSparse disk: only the output is left" \
		[ "$(ls -A "$T/out")" = tiny-vmdisk1.qcow2 ]
	rm -f "$T/out"/*
done
# The copy does not fit: a clean error naming what failed, nothing left.
# (The copy keeps the disk's zero blocks as holes, so only its few KiB of
# non-zero bytes need room: one page of tmpfs is too little.)
if mount_tmpfs "$T/small" size=4k; then
	expect_fail_clean "no room for the copy of a streamed monolithicSparse disk" "$T/small" \
		"copying to a temp file in $T/small" "$OVA_CONVERT" "$T/src/sparse.ova.gzip" "$T/small"
	check "no room for the copy: the tmpfs is empty again" \
		[ "$(df --output=used -k "$T/small" | tail -1 | tr -d ' ')" -eq 0 ]
else
	echo "SKIP   - no room for the copy: cannot mount a tmpfs here (needs root)"
fi
printf '\xff' | dd of="$T/m/tiny-disk1.vmdk" bs=1 seek=$((sparse_size - 600)) conv=notrunc status=none
tar -C "$T/m" --format=ustar -czf "$T/src/sparse-bad.ova.gz" "${members[@]}"
expect_fail_clean "a tampered monolithicSparse disk of a compressed OVA is refused" "$T/out" \
	"SHA256" "$OVA_CONVERT" "$T/src/sparse-bad.ova.gz" "$T/out"
rm -rf "$T/m" && cp -r "$T/m.orig" "$T/m"

# 7d. A descriptor with a flat extent: in a compressed OVA the extent is
# the next member, read after the descriptor; in a directory, an extent
# that is a symlink out of it is refused (it would copy a host file into
# the guest disk).
mkdir -p "$T/flat"
tar -C "$T/flat" -xf "$ova" && rm "$T/flat/tiny-disk1.vmdk"
appliance_disk_as "$T/flat" monolithicFlat "$raw" || die "cannot make the monolithicFlat disk"
tar -C "$T/flat" --format=ustar -czf "$T/src/flat.ova.gz" tiny.ovf tiny.mf tiny-disk1.vmdk \
	tiny-disk1-flat.vmdk
run "$OVA_CONVERT" "$T/src/flat.ova.gz" "$T/out"
if [ "$RC" -eq 0 ] && compare_images "$raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2; then
	ok "a compressed OVA with a descriptor and its flat extent converts"
else
	not_ok "a compressed OVA with a descriptor and its flat extent converts" "rc=$RC" "$ERR"
fi
rm -f "$T/out"/*
# A descriptor whose extents are sparse (twoGbMaxExtentSparse): in a
# compressed OVA each extent is copied to a temp file as it is opened.
mkdir -p "$T/split"
tar -C "$T/split" -xf "$ova" && rm "$T/split/tiny-disk1.vmdk"
appliance_disk_as "$T/split" twoGbMaxExtentSparse "$raw" || die "cannot make the split disk"
tar -C "$T/split" --format=ustar -czf "$T/src/split.ova.gz" tiny.ovf tiny.mf tiny-disk1.vmdk \
	tiny-disk1-s001.vmdk
run "$OVA_CONVERT" "$T/src/split.ova.gz" "$T/out"
if [ "$RC" -eq 0 ] && [[ $ERR == *"tiny-disk1-s001.vmdk: this sparse extent needs random access"* ]] &&
	compare_images "$raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2 &&
	[ "$(ls -A "$T/out")" = tiny-vmdisk1.qcow2 ]; then
	ok "a compressed OVA with sparse extents (twoGbMaxExtentSparse) converts, copying each"
else
	not_ok "a compressed OVA with sparse extents (twoGbMaxExtentSparse) converts" "rc=$RC" "$ERR"
fi
rm -f "$T/out"/*
cp "$T/flat/tiny-disk1-flat.vmdk" "$T/outside.img"
ln -sf "$T/outside.img" "$T/flat/tiny-disk1-flat.vmdk"
rm "$T/flat/tiny.mf"   # else the manifest check finds the link first
expect_fail_clean "a directory appliance whose extent is a symlink out of it is refused" \
	"$T/out" "symbolic link" "$OVA_CONVERT" "$T/flat" "$T/out"

# 8. The directory form: the unpacked OVA.
run "$OVA_CONVERT" "$T/m" "$T/out"
check "a directory with one .ovf converts" compare_images "$raw" "$T/out/tiny-vmdisk1.qcow2" raw qcow2
rm -f "$T/out"/*

# 9. Real samples: refused with the reason SOURCES.md gives.
if [ -d "$OVK_REAL" ]; then
	real_samples_required
	expect_fail_clean "ttylinux OVA: truncated disk refused" "$T/out" "ttylinux" \
		"$OVA_CONVERT" "$OVK_REAL/govmomi/ttylinux-pc_i486-16.1.ova" "$T/out"
	real_sample_checked
	expect_fail_clean "glance OVA: its 4-byte fake disk is refused" "$T/out" "testserver" \
		"$OVA_CONVERT" "$OVK_REAL/glance/testserver.ova" "$T/out"
	real_sample_checked
	expect_fail_clean "glance bad OVF: ill-formed XML" "$T/out" "ill-formed XML" \
		"$OVA_CONVERT" "$OVK_REAL/glance/testserver-bad-ovf.ova" "$T/out"
	real_sample_checked
fi
finish
