#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# mkguest.sh OUTDIR NAME KDIR KVER key=value...: a bootable Linux guest made
# of real parts, as OUTDIR/NAME.ova (a VMware-style appliance:
# streamOptimized VMDK, OVF naming the source's controller, SHA256
# manifest; tests/images/appliance/make_appliance.sh) and its raw disk
# OUTDIR/NAME-disk1.raw.  Run as root.  KDIR/KVER: the Debian kernel
# unpacked by kernel.sh.
#
#   fw=bios|efi          MBR disk, or GPT with a FAT32 ESP (p1)
#   loader=grub|extlinux GRUB i386-pc (grub-install on the disk) or
#                        extlinux (on /boot; syslinux's mbr.bin); efi: GRUB
#                        x86_64-efi, grub-install --removable --no-nvram
#   fs=ext4|xfs          the root file system (XFS: 300 MiB at least)
#   lvm=0|1 vg=NAME      root on the linear LV NAME/root of a PV partition
#   boot=root|part       /boot in the root, or its own ext4 partition
#   format=gzip|xz|zstd|ucode-xz|ucode-zstd   the initramfs (mkinitramfs.sh)
#   drivers=SET          its storage drivers (mkinitramfs.sh)
#   rescue=0|1           grub: first a rescue entry whose initramfs carries
#                        every storage driver, and the real kernel chosen by
#                        grubenv's saved_entry inside the Advanced submenu
#                        (a reader that takes the first entry gets it wrong)
#   fstab_root=uuid|mapper   / in fstab by UUID= or /dev/mapper/VG-root
#   ctrl=lsilogic|lsilogicsas|VirtualSCSI   the OVF's SCSI controller
#   memory=MB            the OVF's memory (default 256; efi 512: Debian 12's
#                        GRUB runs out of memory loading the kernel under
#                        OVMF with 256)
#   init=root|ovfenv     /sbin/init: root-init (the marker), or ovfenv-init,
#                        which prints the OVF environment's "ip" property
#                        read from the CD-ROM (for that guest, set
#                        OVK_APPLIANCE_OVFENV=1: make_appliance.sh then
#                        gives the OVF the property and the iso transport)
#
# Layout (a 512 MiB sparse raw disk):
#   bios: [p1 /boot ext4 128M] p2 root or PV          (MBR)
#   efi:  p1 ESP FAT32 64M, [p2 /boot ext4 128M], pN root or PV   (GPT)
# The root holds busybox (busybox-static) and /sbin/init (root-init), which
# prints OVK-GUEST-<NAME>-ROOT-OK on ttyS0 and powers off; /etc/os-release
# (Debian 12), /etc/fstab (UUID= for every mount, or the LV path for /),
# /lib/modules/KVER with every modules.* index and the .ko files of
# drivers/{scsi,ata,nvme,block,virtio,message/fusion,cdrom} and fs/isofs,
# and in /boot the
# kernel, its config, initrd.img-KVER and the loader's files.
#
# The host needs neither partition support nor device-mapper in its kernel
# (CI's has neither): every partition, and the LV, is a loop device over
# its byte range of the disk file (losetup -o/--sizelimit).  The LVM
# metadata is written by the real pvcreate/vgcreate/lvcreate with
# --devices (the host's devices file untouched), backups and archives off
# (nothing in /etc/lvm), and the LV never activated on the host
# (lvcreate -an -Zn; where device-mapper exists, vgchange -an at the end
# undoes any udev auto-activation).  The ESP is mounted with fusefat for
# grub-install.  Everything is unmounted and detached on every exit.
#
# The mounts live in a mount namespace of this script's own (unshare -m):
# libvirtd gives each QEMU it starts a copy of the host's mount namespace,
# and a guest started while a build had its file systems mounted there
# kept them mounted: the build's umount then only detached them from the
# host, the dirty pages (grub.cfg, written last) never reached the disk
# file before it was packed, and the loop devices outlived the build.
set -euo pipefail
if [ -z "${OVK_MKGUEST_NS:-}" ]; then
	OVK_MKGUEST_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$1 name=$2 kdir=$3 kver=$4
shift 4
fw=bios loader=grub fs=ext4 lvm=0 vg='' boot=root format=gzip drivers=generic rescue=0
fstab_root=uuid ctrl=lsilogic memory= init=root
for kv in "$@"; do
	case $kv in
	fw=* | loader=* | fs=* | lvm=* | vg=* | boot=* | format=* | drivers=* | rescue=* | \
		fstab_root=* | ctrl=* | memory=* | init=*) declare "${kv%%=*}=${kv#*=}" ;;
	*) echo "mkguest.sh: unknown argument $kv" >&2; exit 2 ;;
	esac
done
[ "$lvm" = 0 ] || [ -n "$vg" ] || { echo "mkguest.sh: lvm=1 needs vg=NAME" >&2; exit 2; }
[ "$fw" = bios ] || loader=grub
[ -n "$memory" ] || { [ "$fw" = efi ] && memory=512 || memory=256; }
DISK_SIZE=512M
LVMCONF='activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
	devices { use_devicesfile = 0 obtain_device_list_from_udev = 0 }
	backup { backup = 0 archive = 0 }'
export LVM_SUPPRESS_FD_WARNINGS=1

work=$(mktemp -d "$out/.mkguest-$name.XXXXXX")
loops=() mounts=() fusepid='' pv=''
cleanup() {
	local i
	set +e
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
	done
	[ -n "$fusepid" ] && wait "$fusepid" 2>/dev/null
	if [ -n "$pv" ] && dmsetup version >/dev/null 2>&1; then
		lvm vgchange -an "$vg" --devices "$pv" --config "$LVMCONF" >/dev/null 2>&1
	fi
	for i in "${loops[@]}"; do losetup -d "$i"; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

disk=$work/disk.raw
truncate -s "$DISK_SIZE" "$disk"

# ---- partitions
parts=()   # sfdisk lines; roles[i] names partition i+1
roles=()
if [ "$fw" = efi ]; then
	parts+=('size=64M, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System Partition"')
	roles+=(esp)
	[ "$boot" = part ] && { parts+=('size=128M, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4'); roles+=(boot); }
	if [ "$lvm" = 1 ]; then
		parts+=('type=E6D6D379-F507-44C2-A23C-238F2A3DF928'); roles+=(pv)
	else
		parts+=('type=0FC63DAF-8483-4772-8E79-3D69D8477DE4'); roles+=(root)
	fi
	table=gpt
else
	[ "$boot" = part ] && { parts+=('size=128M, type=83, bootable'); roles+=(boot); }
	if [ "$lvm" = 1 ]; then
		parts+=('type=8e'); roles+=(pv)
	elif [ "$boot" = part ]; then
		parts+=('type=83'); roles+=(root)
	else
		parts+=('type=83, bootable'); roles+=(root)
	fi
	table=dos
fi
{ echo "label: $table"; printf '%s\n' "${parts[@]}"; } | sfdisk -q "$disk"

# loop_over OFFSET SIZE: a loop device over bytes of the disk; sets LOOP.
loop_over() {
	LOOP=$(losetup -f --show -o "$1" --sizelimit "$2" "$disk")
	loops+=("$LOOP")
}
declare -A dev
i=0
while read -r start size; do
	loop_over $((start * 512)) $((size * 512))
	dev[${roles[i]}]=$LOOP
	i=$((i + 1))
done < <(sfdisk -J "$disk" | python3 -c 'import json, sys
for p in json.load(sys.stdin)["partitiontable"]["partitions"]: print(p["start"], p["size"])')

# ---- LVM: metadata by the real tools, the LV reached by its byte range.
if [ "$lvm" = 1 ]; then
	pv=${dev[pv]}
	lvmc() { lvm "$@" --devices "$pv" --config "$LVMCONF"; }
	lvmc pvcreate -q "$pv" >/dev/null
	lvmc vgcreate -q "$vg" "$pv" >/dev/null 2>&1
	# No device-mapper on the host: create the LV without activating it.
	lvmc lvcreate -q --driverloaded n -an -Zn -n root -l 100%FREE "$vg" >/dev/null 2>&1
	pe_start=$(lvmc pvs --noheadings --nosuffix --units b -o pe_start "$pv" | tr -d ' ')
	read -r ranges extent lvsize < <(lvmc lvs --noheadings --nosuffix --units b --segments \
		-o seg_pe_ranges,vg_extent_size,lv_size "$vg/root")
	first_pe=${ranges#*:}
	first_pe=${first_pe%-*}
	pv_off=$(losetup -n -O OFFSET "$pv" | tr -d ' ')
	loop_over $((pv_off + pe_start + first_pe * extent)) "$lvsize"
	dev[root]=$LOOP
fi

# ---- file systems
case $fs in
ext4) mkfs.ext4 -q -L root "${dev[root]}" ;;
xfs) mkfs.xfs -q -L root "${dev[root]}" ;;
*) echo "mkguest.sh: unknown file system $fs" >&2; exit 2 ;;
esac
# extlinux (syslinux 6.04) reads ext4 without the 64bit feature only.
bootopts=()
[ "$loader" = extlinux ] && bootopts=(-O ^64bit)
[ "$boot" = part ] && mkfs.ext4 -q -L boot "${bootopts[@]}" "${dev[boot]}"
[ "$fw" = efi ] && mkfs.vfat -F 32 -n ESP "${dev[esp]}" >/dev/null
uuid() { blkid -s UUID -o value "$1"; }
root_uuid=$(uuid "${dev[root]}")

r=$work/root
mkdir -p "$r"
mount "${dev[root]}" "$r"
mounts+=("$r")
mkdir -p "$r/boot"
if [ "$boot" = part ]; then
	mount "${dev[boot]}" "$r/boot"
	mounts+=("$r/boot")
	boot_uuid=$(uuid "${dev[boot]}") kpath=
else
	boot_uuid=$root_uuid kpath=/boot
fi

# ---- the root
mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,root,lib/modules/"$kver"}
"$here/busybox.sh" "$r"
install -m 0755 "$here/$init-init" "$r/sbin/init"
echo "NAME=$name" >"$r/etc/ovk-guest"
echo "ovk-$name" >"$r/etc/hostname"
cat >"$r/etc/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
EOF
{
	echo "# /etc/fstab: static file system information."
	if [ "$fstab_root" = mapper ]; then
		echo "/dev/mapper/$vg-root / $fs defaults 0 1"
	else
		echo "UUID=$root_uuid / $fs defaults 0 1"
	fi
	[ "$boot" = part ] && echo "UUID=$boot_uuid /boot ext4 defaults 0 2"
	[ "$fw" = efi ] && echo "UUID=$(uuid "${dev[esp]}") /boot/efi vfat umask=0077 0 1"
} >"$r/etc/fstab"
m=$kdir/lib/modules/$kver
cp "$m"/modules.* "$r/lib/modules/$kver/"
for d in drivers/scsi drivers/ata drivers/nvme drivers/block drivers/virtio \
	drivers/message/fusion drivers/cdrom fs/isofs; do
	mkdir -p "$r/lib/modules/$kver/kernel/$d"
	cp -a "$m/kernel/$d/." "$r/lib/modules/$kver/kernel/$d/"
done
cp "$kdir/boot/vmlinuz-$kver" "$kdir/boot/config-$kver" "$r/boot/"
"$here/mkinitramfs.sh" "$kdir" "$kver" "$r/boot/initrd.img-$kver" name="$name" \
	drivers="$drivers" fs="$fs" lvm="$lvm" format="$format"
[ "$rescue" = 1 ] && "$here/mkinitramfs.sh" "$kdir" "$kver" "$r/boot/initrd.img-$kver-rescue" \
	name="$name-rescue" drivers=generic fs="$fs" lvm="$lvm" format=gzip

# ---- the boot loader
if [ "$fstab_root" = mapper ]; then rootarg=/dev/mapper/$vg-root; else rootarg=UUID=$root_uuid; fi
cmdline="root=$rootarg ro console=ttyS0,115200 panic=-1"
case $fs in ext4) gfs=ext2 ;; *) gfs=$fs ;; esac
[ "$boot" = part ] && gfs=ext2
if [ "$fw" = efi ]; then gpart=part_gpt; else gpart=part_msdos; fi

if [ "$loader" = grub ]; then
	# The partitions are separate loop devices to the host, so grub-probe
	# sees no partition table: name the modules the core image needs.
	if [ "$fw" = efi ]; then
		mkdir -p "$r/boot/efi"
		fusefat -f -o rw+,fsname="${dev[esp]}" "${dev[esp]}" "$r/boot/efi" >/dev/null 2>&1 &
		fusepid=$!
		for _ in $(seq 50); do mountpoint -q "$r/boot/efi" && break; sleep 0.1; done
		mounts+=("$r/boot/efi")
		grub-install --target=x86_64-efi --removable --no-nvram --efi-directory="$r/boot/efi" \
			--boot-directory="$r/boot" --modules="$gpart $gfs" --locales= --fonts= --themes= \
			>"$work/grub.log" 2>&1 || { cat "$work/grub.log" >&2; exit 1; }
	else
		loop_over 0 "$(stat -c %s "$disk")"
		grub-install --target=i386-pc --boot-directory="$r/boot" --modules="$gpart $gfs" \
			--locales= --fonts= --themes= "$LOOP" >"$work/grub.log" 2>&1 ||
			{ cat "$work/grub.log" >&2; exit 1; }
	fi
	python3 "$here/grubcfg.py" --kver "$kver" --kpath "$kpath" --boot-uuid "$boot_uuid" \
		--root-uuid "$root_uuid" --part "$gpart" --fs "$gfs" --cmdline "$cmdline" \
		--rescue "$rescue" >"$r/boot/grub/grub.cfg"
	grub-editenv "$r/boot/grub/grubenv" create
	[ "$rescue" = 1 ] && grub-editenv "$r/boot/grub/grubenv" set \
		"saved_entry=gnulinux-advanced-$root_uuid>gnulinux-$kver-advanced-$root_uuid"
else
	mkdir -p "$r/boot/extlinux"
	cat >"$r/boot/extlinux/extlinux.conf" <<EOF
# extlinux.conf, as Debian's extlinux-update writes it (trimmed)
DEFAULT debian
PROMPT 0
TIMEOUT 10
SERIAL 0 115200

LABEL debian
	MENU LABEL Debian GNU/Linux, kernel $kver
	LINUX $kpath/vmlinuz-$kver
	APPEND $cmdline
	INITRD $kpath/initrd.img-$kver
EOF
	extlinux --install "$r/boot/extlinux" >"$work/extlinux.log" 2>&1 ||
		{ cat "$work/extlinux.log" >&2; exit 1; }
	dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
fi

cleanup_mounts() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount "${mounts[i]}"; done
	mounts=()
	[ -n "$fusepid" ] && wait "$fusepid" 2>/dev/null
	fusepid=
}
cleanup_mounts
for i in "${loops[@]}"; do losetup -d "$i"; done
loops=()
OVK_APPLIANCE_DISK=$disk OVK_APPLIANCE_MEMORY_MB=$memory \
	"$here/../images/appliance/make_appliance.sh" "$out" "$name" "$fw" "$ctrl" >/dev/null
