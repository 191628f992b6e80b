#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/guest.sh: what reading the guest costs an import (issue 12: at most
# 1 s more for a 2 GiB guest, no temporary copy, peak RSS <= 64 MiB).
#
# The guest: a 2 GiB MBR disk whose ext4 root holds Debian's real kernel
# (linux-image-amd64, from tests/guests/kernel.sh), its /lib/modules tree, an
# initramfs of its storage drivers (zstd, the size dracut and
# initramfs-tools make), grub.cfg, os-release and fstab, and 1 GiB of
# incompressible files, so that the disk is about 1.6 GiB full.  mke2fs -d
# writes it: no root or loop device is needed.  It is shipped as a
# VMware-style OVA (streamOptimized VMDK).
#
# Then, alternating REPEAT times (default 3), through libvirt's test
# driver into a --dir (the conversion is the same as with a pool):
#   keep   ova-import --bus keep    (the guest is not read)
#   auto   ova-import --bus auto    (read from the converted qcow2)
# and ova-convert --info --json on the OVA (read in place from the
# stream: what --print-xml does).  Prints wall seconds and peak RSS of
# each; nothing asserts.
#
#   bench/guest.sh          OVK_BUILD (default build), OVK_WORK (default
#                           /var/tmp/ovk-guest-bench), REPEAT
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${OVK_BUILD:-$ROOT/build}
W=${OVK_WORK:-/var/tmp/ovk-guest-bench}
REPEAT=${REPEAT:-3}
IMPORT=$B/src/cli/ova-import
CONVERT=$B/src/cli/ova-convert
mkdir -p "$W"

guest_ova() {
	local tree=$W/tree ver kdir
	[ -f "$W/guest.ova" ] && return
	# Debian's kernel and modules, as the guest tests fetch and unpack them
	read -r ver kdir < <("$ROOT/tests/guests/kernel.sh")
	rm -rf "$tree" && mkdir -p "$tree"/{etc,boot/grub,dev,proc,sys,data,lib}
	cp -a "$kdir/boot/." "$tree/boot/" && cp -a "$kdir/lib/modules" "$tree/lib/"
	printf 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' \
		>"$tree/etc/os-release"
	printf 'LABEL=root / ext4 defaults 0 1\n' >"$tree/etc/fstab"
	cat >"$tree/boot/grub/grub.cfg" <<-EOF
		menuentry 'Debian GNU/Linux' {
		    linux /boot/vmlinuz-$ver root=LABEL=root ro
		    initrd /boot/initrd.img-$ver
		}
	EOF
	# the initramfs: the storage drivers a generic one carries, zstd
	(cd "$tree" && find "lib/modules/$ver/kernel/drivers/scsi" \
		"lib/modules/$ver/kernel/drivers/ata" "lib/modules/$ver/kernel/drivers/block" \
		"lib/modules/$ver/kernel/drivers/virtio" "lib/modules/$ver/kernel/drivers/message" \
		"lib/modules/$ver/kernel/fs" "lib/modules/$ver/modules.dep" |
		cpio -o -H newc 2>/dev/null | zstd -q -19 -T0 >"$tree/boot/initrd.img-$ver")
	for i in $(seq 1 16); do
		head -c 64M /dev/urandom >"$tree/data/blob$i"
	done
	truncate -s 2047M "$W/root.ext4"
	mke2fs -q -F -t ext4 -L root -d "$tree" "$W/root.ext4"
	truncate -s 2048M "$W/guest.raw"
	echo 'start=2048, type=83, bootable' | sfdisk -q "$W/guest.raw"
	dd if="$W/root.ext4" of="$W/guest.raw" bs=1M seek=1 conv=notrunc,sparse status=none
	rm -rf "$tree" "$W/root.ext4"
	OVK_APPLIANCE_DISK=$W/guest.raw "$ROOT/tests/images/appliance/make_appliance.sh" \
		"$W" guest bios lsilogic >/dev/null
	rm -f "$W/guest-disk1.raw" "$W/guest.raw"
}

# timed LABEL CMD...: wall seconds and peak RSS (MiB) of CMD, through sync.
timed() {
	local label=$1 t0 t1 rss
	shift
	sync
	t0=$(date +%s.%N)
	/usr/bin/time -o "$W/.rss" -f '%M' "$@" >/dev/null 2>&1
	rss=$(tail -1 "$W/.rss")
	sync
	t1=$(date +%s.%N)
	printf '%-6s %6.2f s  %5d MiB\n' "$label" "$(echo "$t1 - $t0" | bc)" $((rss / 1024))
}

guest_ova
ls -l "$W/guest.ova"
for ((i = 0; i < REPEAT; i++)); do
	for bus in keep auto; do
		rm -rf "$W/out" && mkdir -p "$W/out"
		timed "$bus" "$IMPORT" -c test:///default --dir "$W/out" --bus "$bus" "$W/guest.ova"
	done
done
"$IMPORT" -c test:///default --dir "$W/out" --bus auto --replace "$W/guest.ova" 2>&1 |
	grep -E 'guest|kernel|drivers|disk' | head -8
rm -rf "$W/out"
for ((i = 0; i < REPEAT; i++)); do
	timed info "$CONVERT" --info --json "$W/guest.ova"
done
