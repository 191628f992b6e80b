#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# make_appliance.sh OUTDIR [NAME] [bios|efi] [SCSI-SUBTYPE]: build a tiny
# bootable appliance at test time, as OUTDIR/NAME.ova, plus the disk's raw
# image OUTDIR/NAME-disk1.raw (the oracle for the converted disk).
#
# OVK_APPLIANCE_DISK=RAW ships RAW (any bootable raw disk, e.g. a Linux
# guest of tests/guests/mkguest.sh) instead of the tiny disk, and
# OVK_APPLIANCE_MEMORY_MB sets the VM's memory (default 64 for bios, 256
# for efi).  OVK_APPLIANCE_OVFENV=1 gives the OVF a ProductSection with a
# required "ip" property (ovfenv.py) and asks for the iso transport.
#
#   bios: boot.S --as/ld--> 512-byte boot sector --> 1 MiB raw disk
#   efi:  efi_app.c --gcc/ld (gnu-efi)/objcopy--> BOOTX64.EFI
#         --> FAT ESP (mkfs.vfat, mcopy) in partition 1 of an 8 MiB GPT disk
#         (sfdisk)
#   then: --qemu-img--> streamOptimized VMDK (what VMware exports)
#         + a VMware-style OVF (appliance.ovf.in: SCSI-SUBTYPE controller,
#           default lsilogic; E1000 NIC; vmw:Config firmware bios or efi)
#         + a SHA256 manifest, tarred in OVF order.
# Booted, the guest prints OVK-APPLIANCE-BOOTED (bios) or
# OVK-EFI-APPLIANCE-BOOTED (efi) on its first serial port and halts.
#
# Needs binutils (both), and for efi gcc, gnu-efi, dosfstools, mtools and
# fdisk (sfdisk); scripts/lib/libvirtd.sh installs them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$1
name=${2:-ovktiny}
firmware=${3:-bios}
scsi=${4:-lsilogic}
work=$(mktemp -d "$out/.mk.XXXXXX")
trap 'rm -rf "$work"' EXIT

# gnu-efi as Debian 12 installs it (dpkg -L gnu-efi).
EFI_INC=/usr/include/efi
EFI_LIB=/usr/lib
EFI_CRT0=$EFI_LIB/crt0-efi-x86_64.o
EFI_LDS=$EFI_LIB/elf_x86_64_efi.lds
# The ESP: partition 1 from sector 2048 (1 MiB, the usual alignment) for
# 12288 sectors (6 MiB: FAT12/16 is fine for OVMF); the disk is 8 MiB so
# the backup GPT fits behind it.
ESP_START=2048
ESP_SECTORS=12288
EFI_DISK_SIZE=8M
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B

bios_disk() {
	as --32 -o "$work/boot.o" "$here/boot.S"
	ld -m elf_i386 -Ttext 0x7c00 --oformat binary -e _start -o "$work/boot.bin" "$work/boot.o"
	[ "$(stat -c %s "$work/boot.bin")" -eq 512 ] ||
		{ echo "boot sector is not 512 bytes" >&2; exit 1; }
	truncate -s 1M "$work/disk.raw"
	dd if="$work/boot.bin" of="$work/disk.raw" conv=notrunc status=none
}

efi_binary() {
	local f
	for f in "$EFI_INC/efi.h" "$EFI_CRT0" "$EFI_LDS" "$EFI_LIB/libefi.a" "$EFI_LIB/libgnuefi.a"; do
		[ -e "$f" ] || { echo "gnu-efi is not installed ($f missing)" >&2; exit 1; }
	done
	gcc -I"$EFI_INC" -I"$EFI_INC/x86_64" -DGNU_EFI_USE_MS_ABI -O2 -Wall -Wextra \
		-fpic -ffreestanding -fno-stack-protector -fno-stack-check -fshort-wchar \
		-mno-red-zone -maccumulate-outgoing-args \
		-c "$here/efi_app.c" -o "$work/efi_app.o"
	ld -shared -Bsymbolic -nostdlib -znocombreloc -T "$EFI_LDS" "$EFI_CRT0" \
		"$work/efi_app.o" -o "$work/efi_app.so" -L"$EFI_LIB" -lefi -lgnuefi
	objcopy -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
		-j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
		--target=efi-app-x86_64 --subsystem=10 "$work/efi_app.so" "$work/BOOTX64.EFI"
}

efi_disk() {
	efi_binary
	truncate -s "$EFI_DISK_SIZE" "$work/disk.raw"
	printf 'label: gpt\nstart=%d, size=%d, type=%s, name="EFI System"\n' \
		"$ESP_START" "$ESP_SECTORS" "$ESP_TYPE" | sfdisk -q "$work/disk.raw"
	truncate -s $((ESP_SECTORS * 512)) "$work/esp.img"
	mkfs.vfat -n OVKEFI "$work/esp.img" >/dev/null
	mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
	mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
	dd if="$work/esp.img" of="$work/disk.raw" bs=512 seek="$ESP_START" conv=notrunc \
		status=none
}

case $firmware in
bios) memory=64 ;;
# OVMF wants more than 64 MiB of guest memory to reach the boot manager.
efi) memory=256 ;;
*) echo "make_appliance.sh: firmware '$firmware' is not bios or efi" >&2; exit 2 ;;
esac
memory=${OVK_APPLIANCE_MEMORY_MB:-$memory}
if [ -n "${OVK_APPLIANCE_DISK:-}" ]; then
	cp --sparse=always "$OVK_APPLIANCE_DISK" "$work/disk.raw"
elif [ "$firmware" = bios ]; then
	bios_disk
else
	efi_disk
fi

qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/disk.raw" \
	"$work/$name-disk1.vmdk"
size=$(stat -c %s "$work/$name-disk1.vmdk")
capacity_mb=$(($(stat -c %s "$work/disk.raw") / 1048576))

sed -e "s/@NAME@/$name/g" -e "s/@SIZE@/$size/g" -e "s/@CAPACITY_MB@/$capacity_mb/g" \
	-e "s/@MEMORY_MB@/$memory/g" -e "s/@SCSI@/$scsi/g" -e "s/@FIRMWARE@/$firmware/g" \
	"$here/appliance.ovf.in" >"$work/$name.ovf"
if [ "${OVK_APPLIANCE_OVFENV:-0}" = 1 ]; then
	python3 "$here/ovfenv.py" "$work/$name.ovf"
fi
(cd "$work" && for f in "$name.ovf" "$name-disk1.vmdk"; do
	echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
done >"$name.mf")
tar -C "$work" --format=ustar -cf "$out/$name.ova" "$name.ovf" "$name.mf" "$name-disk1.vmdk"
cp "$work/disk.raw" "$out/$name-disk1.raw"
