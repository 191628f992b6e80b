#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_hostile_files.sh: files an appliance or an image names are read only
# when they are regular files reached without a link (issue 16, defects 1
# and 2), written as an attacker would lay them out:
#
#   an OVF directory whose disk is a block device node (what tar extracts
#   as root from a hostile OVA), a FIFO (used to hang open()), a symlink to
#   a host file, or sits behind a symlinked directory; a .mf that is a
#   symlink; a VMDK descriptor whose FLAT extent is a symlink to a host
#   file or a device; a qcow2 whose backing file is a symlink.
#
# Outputs (defect 3): an OUTPUT that is a symbolic link (to a host file or
# a device), and a link or a device node planted in the output directory
# under a disk's name, are never written through.
#
# Each must fail in one line naming the file and what is wrong, exit 1, and
# leave no output; and the same layout with regular files must convert.
# Device nodes need root (mknod): those cases are skipped otherwise.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need qemu-img mkfifo tar
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T" tiny bios >/dev/null ||
	die "make_appliance.sh failed"
secret=$T/host-secret
head -c 1M /dev/urandom >"$secret"

# ovf_dir NAME: the tiny appliance extracted into $T/NAME.
ovf_dir() {
	rm -rf "${T:?}/$1" && mkdir "$T/$1" && tar -C "$T/$1" -xf "$T/tiny.ova"
}
out=$T/out
mkdir -p "$out"

ovf_dir good
mkdir "$T/good-out"
run "$OVA_CONVERT" -O raw "$T/good/tiny.ovf" "$T/good-out"
check "a regular OVF directory converts" [ "$RC" -eq 0 ]

ovf_dir fifo
rm "$T/fifo/tiny-disk1.vmdk" && mkfifo "$T/fifo/tiny-disk1.vmdk"
expect_fail_clean "disk file is a FIFO: refused, no hang" "$out" "a FIFO" \
	"$OVA_CONVERT" -O raw --no-verify "$T/fifo/tiny.ovf" "$out"

ovf_dir link
rm "$T/link/tiny-disk1.vmdk" && ln -s "$secret" "$T/link/tiny-disk1.vmdk"
expect_fail_clean "disk file is a symlink to a host file: refused" "$out" "symbolic link" \
	"$OVA_CONVERT" -O raw --no-verify "$T/link/tiny.ovf" "$out"

ovf_dir subdir
mkdir "$T/elsewhere" && mv "$T/subdir/tiny-disk1.vmdk" "$T/elsewhere/"
ln -s "$T/elsewhere" "$T/subdir/disks"
sed -i 's|ovf:href="tiny-disk1.vmdk"|ovf:href="disks/tiny-disk1.vmdk"|' "$T/subdir/tiny.ovf"
expect_fail_clean "disk behind a symlinked directory: refused" "$out" "symbolic link" \
	"$OVA_CONVERT" -O raw --no-verify "$T/subdir/tiny.ovf" "$out"

ovf_dir mf
mv "$T/mf/tiny.mf" "$T/mf-real.mf" && ln -s "$T/mf-real.mf" "$T/mf/tiny.mf"
expect_fail_clean "the manifest is a symlink: refused" "$out" "tiny.mf" \
	"$OVA_CONVERT" -O raw "$T/mf/tiny.ovf" "$out"

# a VMDK descriptor's FLAT extent, as a link and as a regular file
printf '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n' >"$T/flat.vmdk"
printf 'createType="monolithicFlat"\nRW 2048 FLAT "flat-flat.vmdk" 0\n' >>"$T/flat.vmdk"
ln -s "$secret" "$T/flat-flat.vmdk"
expect_fail_clean "FLAT extent is a symlink to a host file: refused" "$out" "flat-flat.vmdk" \
	"$OVA_CONVERT" -O raw "$T/flat.vmdk" "$out/x.raw"
rm "$T/flat-flat.vmdk" && head -c 1M /dev/urandom >"$T/flat-flat.vmdk"
run "$OVA_CONVERT" -O raw "$T/flat.vmdk" "$out/flat.raw"
check "a regular FLAT extent converts" [ "$RC" -eq 0 ]
check "  and equals its extent (qemu-img compare)" \
	qemu-img compare -q -f raw -F raw "$T/flat-flat.vmdk" "$out/flat.raw"
rm -f "$out/flat.raw"

# a qcow2 whose backing file is a link to a host file
qemu-img create -q -f raw "$T/base.raw" 1M
ln -s "$secret" "$T/base-link.raw"
qemu-img create -q -f qcow2 -b base-link.raw -F raw "$T/child.qcow2" 1M
expect_fail_clean "qcow2 backing file is a symlink: refused" "$out" "base-link.raw" \
	"$OVA_CONVERT" -O raw "$T/child.qcow2" "$out/x.raw"

# an OUTPUT that is a link to a host file; a link planted under a disk's name
victim=$T/victim && head -c 4096 /dev/urandom >"$victim" && sum=$(md5sum <"$victim")
ln -s "$victim" "$out/linked.qcow2"
expect_fail_clean "OUTPUT is a symlink: refused without --force" "$out" "symbolic link" \
	"$OVA_CONVERT" "$T/base.raw" "$out/linked.qcow2"
rm "$out/linked.qcow2"
ln -s "$victim" "$out/tiny-vmdisk1.qcow2"
expect_fail_clean "a link planted under the disk's name in OUTDIR: refused" "$out" \
	"symbolic link" "$OVA_CONVERT" "$T/good/tiny.ovf" "$out"
run "$OVA_CONVERT" --force "$T/good/tiny.ovf" "$out"
check "  --force replaces the link with the disk" test -f "$out/tiny-vmdisk1.qcow2" -a \
	! -L "$out/tiny-vmdisk1.qcow2"
check "  and leaves what it pointed to as it was" test "$(md5sum <"$victim")" = "$sum"
rm -f "$out"/*
# the same through ova-import --dir (libvirt's test driver: nothing defined
# for real)
IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
ln -s "$victim" "$out/tiny-vmdisk1.qcow2"
run "$IMPORT" -c test:///default --dir "$out" "$T/tiny.ova"
check "ova-import --dir: a link under the disk's name is refused" \
	test "$RC" -eq 1 -a -L "$out/tiny-vmdisk1.qcow2"
check "  naming it and --replace" grep -q "symbolic link (use --replace" <<<"$ERR"
run "$IMPORT" -c test:///default --dir "$out" --replace "$T/tiny.ova"
check "  --replace replaces the link, not what it points to" \
	test "$RC" -eq 0 -a ! -L "$out/tiny-vmdisk1.qcow2" -a "$(md5sum <"$victim")" = "$sum"
rm -f "$out"/*

if [ "$(id -u)" -eq 0 ]; then
	ovf_dir dev
	rm "$T/dev/tiny-disk1.vmdk"
	# /dev/zero's numbers: a host device read into the guest would be zeros
	mknod "$T/dev/tiny-disk1.vmdk" c 1 5
	expect_fail_clean "disk file is a character device: refused" "$out" "character device" \
		"$OVA_CONVERT" -O raw --no-verify "$T/dev/tiny.ovf" "$out"
	dd if=/dev/zero of="$T/blk.img" bs=1M count=1 status=none
	if loop_attach "$T/blk.img"; then
		rm "$T/dev/tiny-disk1.vmdk"
		mknod "$T/dev/tiny-disk1.vmdk" b "$(stat -c '%t' "$LOOP_DEV" | xargs printf '%d')" \
			"$(stat -c '%T' "$LOOP_DEV" | xargs printf '%d')"
		expect_fail_clean "disk file is a block device node: refused" "$out" \
			"block device" "$OVA_CONVERT" -O raw --no-verify "$T/dev/tiny.ovf" "$out"
		blk_sum=$(md5sum <"$LOOP_DEV")
		ln -s "$LOOP_DEV" "$out/dev-link.raw"
		expect_fail_clean "OUTPUT is a link to a block device: refused" "$out" \
			"symbolic link" "$OVA_CONVERT" -O raw "$T/base.raw" "$out/dev-link.raw"
		rm "$out/dev-link.raw"
		cp -a "$LOOP_DEV" "$out/tiny-vmdisk1.qcow2"
		expect_fail_clean "a device node planted under the disk's name: refused" \
			"$out" "block device" "$OVA_CONVERT" "$T/good/tiny.ovf" "$out"
		expect_fail_clean "  even with --force" \
			"$out" "block device" "$OVA_CONVERT" --force "$T/good/tiny.ovf" "$out"
		rm "$out/tiny-vmdisk1.qcow2"
		check "  the device was not written" test "$(md5sum <"$LOOP_DEV")" = "$blk_sum"
		rm "$T/flat-flat.vmdk" && ln -s "$LOOP_DEV" "$T/flat-flat.vmdk"
		expect_fail_clean "FLAT extent is a link to a block device: refused" "$out" \
			"flat-flat.vmdk" "$OVA_CONVERT" -O raw "$T/flat.vmdk" "$out/x.raw"
	else
		echo "# no loop device here: the block device cases are not run"
	fi
else
	echo "# not root: the device node cases are not run"
fi

finish
