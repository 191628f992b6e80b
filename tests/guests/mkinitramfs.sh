#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkinitramfs.sh KDIR VER OUT name=N drivers=SET fs=ext4|xfs lvm=0|1
#                format=gzip|ucode-xz|ucode-zstd
# An initramfs laid out as initramfs-tools and dracut lay theirs out, with
# only the storage drivers of SET (plus the root file system's module, and
# dm-mod and lvm for an LVM root):
#
#   /init                     initramfs-init: insmods /conf/modules in order,
#                             finds the root (UUID= or /dev/mapper/VG-LV),
#                             mounts it and switch_roots to its /sbin/init
#   /conf/modules             the .ko paths, each after its dependencies
#                             (modules.dep, walked depth first)
#   /conf/ovk.conf            NAME= and DRIVERS=, for the markers
#   /bin, /sbin, /usr/...     busybox (busybox-static) and its applet links
#   /sbin/lvm + its libraries with lvm=1, as initramfs-tools' lvm2 hook
#                             copies them (copy_exec)
#   /lib/modules/VER/kernel/...           the .ko files (as the kernel ships
#                                         them: .ko, .ko.xz or .ko.zst)
#   /lib/modules/VER/modules.{builtin,order}  copied from the kernel
#   /lib/modules/VER/modules.dep (+ .bin...)  depmod -b over this tree, so
#                                         it names only what is here, as
#                                         both generators do
#
# Containers, as the generators write them:
#   gzip        one gzip'ed newc cpio (initramfs-tools' old default)
#   xz, zstd    one newc cpio compressed with xz (--check=crc32, which the
#               kernel's decoder needs) or zstd (initramfs-tools' default
#               since Debian 12 / Ubuntu 21.10; dracut -z / --zstd)
#   ucode-xz    an uncompressed newc cpio holding
#   ucode-zstd  kernel/x86/microcode/GenuineIntel.bin (any bytes: the early
#               loader rejects them), then the main cpio compressed as
#               above, concatenated (dracut; initramfs-tools with early
#               microcode)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kdir=$1 ver=$2 out=$3
shift 3
name='' drivers='' fs='' lvm=0 format=gzip
for kv in "$@"; do
	case $kv in
	name=* | drivers=* | fs=* | lvm=* | format=*) declare "${kv%%=*}=${kv#*=}" ;;
	*) echo "mkinitramfs.sh: unknown argument $kv" >&2; exit 2 ;;
	esac
done

# The driver sets real distributions produce (module names as modinfo
# says them; their dependencies come from modules.dep).
case $drivers in
# initramfs-tools MODULES=most: every storage host driver.
generic) mods="virtio_pci virtio_scsi virtio_blk ahci ata_piix nvme sym53c8xx
	mptspi mptsas vmw_pvscsi sd_mod sr_mod" ;;
# dracut --hostonly on a VMware guest with an LSI Logic Parallel disk and
# an IDE CD-ROM.
lsi-hostonly) mods="mptspi mptscsih mptbase scsi_transport_spi sd_mod ata_piix sr_mod" ;;
# dracut --hostonly on a PVSCSI guest.
pvscsi) mods="vmw_pvscsi sd_mod" ;;
# dracut --hostonly on an LSI Logic SAS guest.
mptsas) mods="mptsas mptscsih mptbase scsi_transport_sas sd_mod" ;;
# dracut --hostonly on an LSI Logic Parallel guest with no IDE device: no
# driver for anything QEMU emulates.
mptspi-only) mods="mptspi sd_mod" ;;
# dracut --hostonly on an EFI guest with a PVSCSI disk and its CD-ROM on
# SATA, as VMware lays out EFI VMs.
pvscsi-sata) mods="vmw_pvscsi ahci sd_mod sr_mod" ;;
*) echo "mkinitramfs.sh: unknown driver set '$drivers'" >&2; exit 2 ;;
esac
case $fs in
# The checksums' crc32c, as the modules' softdeps ask.
ext4 | xfs) mods="$mods crc32c_generic $fs" ;;
*) echo "mkinitramfs.sh: unknown file system '$fs'" >&2; exit 2 ;;
esac
[ "$lvm" = 1 ] && mods="$mods dm_mod"

mdir=$kdir/lib/modules/$ver
work=$(mktemp -d "${TMPDIR:-/tmp}/ovk-initrd.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,conf} \
	"$root/lib/modules/$ver"

order=$(python3 "$here/modorder.py" "$mdir" $mods)
for p in $order; do
	mkdir -p "$root/lib/modules/$ver/${p%/*}"
	cp "$mdir/$p" "$root/lib/modules/$ver/$p"
	echo "$p"
done >"$root/conf/modules"
cp "$mdir/modules.builtin" "$mdir/modules.order" "$root/lib/modules/$ver/"
[ -f "$mdir/modules.builtin.modinfo" ] && cp "$mdir/modules.builtin.modinfo" "$root/lib/modules/$ver/"
depmod -b "$root" "$ver"

"$here/busybox.sh" "$root"

# copy_exec: a binary and the libraries ldd names, at their own paths.
copy_exec() {
	local f
	for f in "$1" $(ldd "$1" | grep -oE '/[^ ]+'); do
		mkdir -p "$root/${f%/*}"
		cp -L "$f" "$root/$f"
	done
}
if [ "$lvm" = 1 ]; then
	copy_exec "$(command -v lvm)"
	[ -e "$root/sbin/lvm" ] || ln -s "$(command -v lvm)" "$root/sbin/lvm"
fi

install -m 0755 "$here/initramfs-init" "$root/init"
printf 'NAME=%s\nDRIVERS=%s\n' "$name" "$drivers" >"$root/conf/ovk.conf"

cpio_of() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet); }
compress() {
	case $1 in
	gzip) gzip -9 -n ;;
	xz) xz --check=crc32 --lzma2=dict=1MiB -T0 ;;
	zstd) zstd -q -15 -T0 ;;
	esac
}
case $format in
gzip | xz | zstd) cpio_of "$root" | compress "$format" >"$out" ;;
ucode-xz | ucode-zstd)
	mkdir -p "$work/early/kernel/x86/microcode"
	head -c 4096 /dev/urandom >"$work/early/kernel/x86/microcode/GenuineIntel.bin"
	cpio_of "$work/early" >"$out"
	cpio_of "$root" | compress "${format#ucode-}" >>"$out"
	;;
*) echo "mkinitramfs.sh: unknown format '$format'" >&2; exit 2 ;;
esac
