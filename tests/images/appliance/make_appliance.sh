#!/usr/bin/env bash
# make_appliance.sh OUTDIR [NAME]: build the tiny BIOS appliance at test time.
#
#   boot.S --as/ld--> 512-byte boot sector --> 1 MiB raw disk
#          --qemu-img--> streamOptimized VMDK (what VMware exports)
#   + a VMware-style OVF (lsilogic SCSI controller, E1000 NIC, BIOS)
#   + a SHA256 manifest, tarred in OVF order into OUTDIR/NAME.ova.
# Booted, the guest prints OVK-APPLIANCE-BOOTED on COM1 and halts.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$1
name=${2:-ovktiny}
work=$(mktemp -d "$out/.mk.XXXXXX")
trap 'rm -rf "$work"' EXIT

as --32 -o "$work/boot.o" "$here/boot.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -e _start -o "$work/boot.bin" "$work/boot.o"
[ "$(stat -c %s "$work/boot.bin")" -eq 512 ] || { echo "boot sector is not 512 bytes" >&2; exit 1; }
truncate -s 1M "$work/disk.raw"
dd if="$work/boot.bin" of="$work/disk.raw" conv=notrunc status=none
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$work/disk.raw" \
	"$work/$name-disk1.vmdk"
size=$(stat -c %s "$work/$name-disk1.vmdk")

sed -e "s/@NAME@/$name/g" -e "s/@SIZE@/$size/g" "$here/bios.ovf.in" >"$work/$name.ovf"
(cd "$work" && for f in "$name.ovf" "$name-disk1.vmdk"; do
	echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
done >"$name.mf")
tar -C "$work" --format=ustar -cf "$out/$name.ova" "$name.ovf" "$name.mf" "$name-disk1.vmdk"
cp "$work/disk.raw" "$out/$name-disk1.raw"
