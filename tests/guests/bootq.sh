#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bootq.sh DISK BUS [bios|efi] [TIMEOUT]: boot a raw guest disk under plain
# qemu-system-x86_64, with nothing of ovakit in the way, the disk on BUS:
#
#   virtio-scsi  ide (pc only)  sata (ahci)  lsilogic (QEMU's lsi53c895a)
#   pvscsi       mptsas (mptsas1068, the disk with a WWN)
#   mptsas-nowwn (the same, no WWN)          virtio-blk   nvme
#
# bios: machine pc and SeaBIOS, 256 MiB; efi: q35 and Debian's OVMF (fresh
# variables, no secure boot), 512 MiB: Debian 12's GRUB runs out of memory
# loading the kernel under OVMF with 256.  KVM when /dev/kvm opens, else TCG.  The disk
# is opened with -snapshot: never written.  The guest's serial port goes to
# stdout once the guest powers off (the test guests always do) or after
# TIMEOUT seconds (default 300), when QEMU is killed.  Exit status: 0 if
# QEMU ended by itself, 124 on the timeout.
# The commas in the arrays are QEMU's option syntax.
# shellcheck disable=SC2054
set -euo pipefail

disk=$1 bus=$2 fw=${3:-bios} timeout=${4:-300}
accel=tcg
[ -r /dev/kvm ] && [ -w /dev/kvm ] && accel=kvm
log=$(mktemp "${TMPDIR:-/tmp}/ovk-serial.XXXXXX")
vars=
trap 'rm -f "$log" $vars' EXIT
# The serial port to a file, never to a terminal: input on it (a key
# press, an EOF) stops a boot loader's countdown.
mem=256
[ "$fw" = efi ] && mem=512
args=(-nodefaults -display none -no-reboot -snapshot -m "$mem" -accel "$accel"
	-serial "file:$log" -drive "file=$disk,format=raw,if=none,id=d0")
case $fw in
bios) args+=(-machine pc) ;;
efi)
	vars=$(mktemp "${TMPDIR:-/tmp}/ovk-vars.XXXXXX")
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
	args+=(-machine q35
		-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
		-drive "if=pflash,format=raw,unit=1,file=$vars")
	;;
*) echo "bootq.sh: firmware '$fw' is not bios or efi" >&2; exit 2 ;;
esac
scsi() { args+=(-device "$1,id=s0" -device "scsi-hd,drive=d0,bus=s0.0${2:-}"); }
case $bus in
virtio-scsi) scsi virtio-scsi-pci ;;
lsilogic) scsi lsi53c895a ;;
pvscsi) scsi pvscsi ;;
mptsas) scsi mptsas1068 ,wwn=0x5000c50015ea71ac ;;
mptsas-nowwn) scsi mptsas1068 ;;
ide) args+=(-device ide-hd,drive=d0,bus=ide.0) ;;
sata) args+=(-device ahci,id=a0 -device ide-hd,drive=d0,bus=a0.0) ;;
virtio-blk) args+=(-device virtio-blk-pci,drive=d0) ;;
nvme) args+=(-device nvme,serial=ovk0001,drive=d0) ;;
*) echo "bootq.sh: unknown bus '$bus'" >&2; exit 2 ;;
esac
rc=0
timeout -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null || rc=$?
cat "$log"
exit "$rc"
