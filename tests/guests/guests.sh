# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# tests/guests/guests.sh: the real Linux guests of issue 12, one line each
# (sourced).  Every guest is the Debian kernel with an initramfs holding
# the driver set a real distribution would have made for it on VMware,
# built by mkguest.sh; the table says what it is made of and what must
# happen to it.
#
#   GUEST_ARGS[name]   mkguest.sh's key=value arguments (VG names are
#                      added per run: vg=<tag><name>)
#   GUEST_FW[name]     bios or efi
#   GUEST_BUS[name]    the boot disk's bus ova-import must choose, as
#                      guest_disk_bus.py prints it; "refused" for none
#   GUEST_JSON[name]   what its --json must say, as guest_summary.py
#                      prints it: machine, the rule's bus (the word its
#                      "why" starts with), the storage drivers at boot
#                      (the ones the guest reader knows, sorted)
#   GUEST_QEMU[name]   plain QEMU's proof (bootq.sh): the buses it boots on,
#                      then after "!" the ones where it must not find its
#                      root (prove.sh checks both; the test boots the first
#                      when an import does not print the marker)
#
# The guests:
#   generic  initramfs-tools MODULES=most (every storage driver), ext4, GRUB
#            BIOS, one gzip cpio; from an LSI Logic Parallel VM: virtio-scsi
#   lsi      dracut host-only on an LSI Logic Parallel VM with an IDE CD-ROM
#            (mptspi + ata_piix), XFS on LVM with / named /dev/mapper/VG-root,
#            ext4 /boot, early microcode + xz, GRUB BIOS whose first entry is
#            a rescue kernel with every driver (grubenv picks the real one
#            in the submenu): ide on the pc machine, lsilogic (53C895A) would
#            not boot
#   pvscsi   dracut host-only on PVSCSI (vmw_pvscsi), ext4 on LVM, ext4
#            /boot, extlinux, one zstd cpio: pvscsi
#   mptsas   dracut host-only on LSI Logic SAS (mptsas), XFS with /boot in
#            it, GRUB BIOS, one xz cpio: lsisas1068 with a WWN (mptsas sees
#            no disk without one)
#   nodrv    dracut host-only on LSI Logic Parallel with no IDE device
#            (mptspi, sd_mod): nothing QEMU emulates; refused
#   efi      an EFI VM on PVSCSI with initramfs-tools MODULES=most: GPT, FAT32
#            ESP, GRUB x86_64-efi (--removable), ext4 /boot, XFS on LVM,
#            early microcode + zstd: virtio-scsi, booted by OVMF
#   efisata  dracut host-only on an EFI VM with PVSCSI and a SATA CD-ROM
#            (vmw_pvscsi, ahci), GPT, ext4 root with /boot in it, one xz
#            cpio: OVMF cannot boot pvscsi, so sata
# shellcheck disable=SC2034  # used by the scripts that source this file

GUEST_NAMES=(generic lsi pvscsi mptsas nodrv efi efisata)
declare -A GUEST_ARGS GUEST_FW GUEST_BUS GUEST_JSON GUEST_QEMU
# The storage drivers of the generic set, as the reader names them.
all_boot=ahci,ata_piix,mptsas,mptspi,nvme,sym53c8xx,virtio_blk,virtio_scsi,vmw_pvscsi

GUEST_ARGS[generic]="fs=ext4 format=gzip drivers=generic ctrl=lsilogic"
GUEST_FW[generic]=bios
GUEST_BUS[generic]=scsi/virtio-scsi
GUEST_JSON[generic]="pc virtio-scsi $all_boot"
GUEST_QEMU[generic]="virtio-scsi"

GUEST_ARGS[lsi]="fs=xfs lvm=1 boot=part format=ucode-xz drivers=lsi-hostonly rescue=1
	fstab_root=mapper ctrl=lsilogic"
GUEST_FW[lsi]=bios
GUEST_BUS[lsi]=ide
GUEST_JSON[lsi]="pc ide ata_piix,mptspi"
GUEST_QEMU[lsi]="ide ! lsilogic"

GUEST_ARGS[pvscsi]="fs=ext4 lvm=1 boot=part loader=extlinux format=zstd drivers=pvscsi
	ctrl=VirtualSCSI"
GUEST_FW[pvscsi]=bios
GUEST_BUS[pvscsi]=scsi/vmpvscsi
GUEST_JSON[pvscsi]="pc pvscsi vmw_pvscsi"
GUEST_QEMU[pvscsi]="pvscsi"

GUEST_ARGS[mptsas]="fs=xfs format=xz drivers=mptsas ctrl=lsilogicsas"
GUEST_FW[mptsas]=bios
GUEST_BUS[mptsas]="scsi/lsisas1068 wwn"
GUEST_JSON[mptsas]="pc lsisas1068 mptsas"
GUEST_QEMU[mptsas]="mptsas ! mptsas-nowwn"

GUEST_ARGS[nodrv]="fs=ext4 format=gzip drivers=mptspi-only ctrl=lsilogic"
GUEST_FW[nodrv]=bios
GUEST_BUS[nodrv]=refused
GUEST_QEMU[nodrv]="! lsilogic"

GUEST_ARGS[efi]="fw=efi fs=xfs lvm=1 boot=part format=ucode-zstd drivers=generic ctrl=VirtualSCSI"
GUEST_FW[efi]=efi
GUEST_BUS[efi]=scsi/virtio-scsi
GUEST_JSON[efi]="q35 virtio-scsi $all_boot"
GUEST_QEMU[efi]="virtio-scsi"

GUEST_ARGS[efisata]="fw=efi fs=ext4 format=xz drivers=pvscsi-sata ctrl=VirtualSCSI"
GUEST_FW[efisata]=efi
GUEST_BUS[efisata]=sata
GUEST_JSON[efisata]="q35 sata ahci,vmw_pvscsi"
GUEST_QEMU[efisata]="sata"
