#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_guest_windows.sh: ova-import reads a Windows guest's SYSTEM hive and
# puts its disk on a bus the guest can boot from (issue 12).
#
# Each case is a real SYSTEM hive from ../shared/testdata/real (or a copy
# edited with hivexregedit for what no real hive has), put as
# \Windows\System32\config\SYSTEM on an NTFS partition that mkntfs makes
# and the ntfs-3g driver fills, beside the driver files its ImagePaths name,
# in an MBR disk shipped as a VMware-style OVA (make_appliance.sh).  The
# domain XML of `ova-import --print-xml` (test:///default, nothing created)
# and the reasons of `--json` are judged:
#
#   Windows 7 (LSI_SAS, LSI_SCSI, intelide at boot) on LSI Logic SAS
#                                          -> lsisas1068, with a WWN
#   the same hive on LSI Logic Parallel    -> ide (QEMU has no 53C1030)
#   Windows 8.1 (storahci alone at boot once StartOverride is applied)
#                                          -> sata
#   Windows 10 2004 (storahci, stornvme) under EFI -> sata
#   Windows XP (intelide)                  -> ide
#   Windows Server 2003 (symmpi = VMware's LSI Logic, intelide) -> ide
#   a copy with vioscsi at boot            -> virtio-scsi
#   a copy with only LSI_SCSI at boot      -> refused, nothing created
#   a hibernated Windows (hiberfil.sys)    -> imported, with a warning
#
# Needs root (ntfs-3g's FUSE mount), mkntfs, hivexregedit and the real
# hives; skips (exit 77) otherwise.
# In a mount namespace of its own (root): a QEMU that libvirtd starts for a
# boot test running beside this one copies the host's mounts, and would
# keep the ntfs-3g mount alive, the image unflushed, after our umount.
if [ "$(id -u)" = 0 ] && [ -z "${OVK_PRIVATE_MOUNTS:-}" ] && command -v unshare >/dev/null; then
	OVK_PRIVATE_MOUNTS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
set -e

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
need mkntfs ntfs-3g hivexregedit sfdisk xz python3
[ -f "$OVK_REAL/regipy/SYSTEM.xz" ] || skip_all "$OVK_REAL is absent"
[ "$(id -u)" = 0 ] && [ -e /dev/fuse ] || skip_all "the ntfs-3g mount needs root and /dev/fuse"
work=$T
mnt=$T/mnt
mkdir -p "$mnt"

# hive PATH NAME: the real hive PATH, decompressed, into $work/NAME.hive.
hive() {
	case $1 in
	*.xz) xz -dc "$OVK_REAL/$1" >"$work/$2.hive" ;;
	*.gz) gzip -dc "$OVK_REAL/$1" >"$work/$2.hive" ;;
	*) cp "$OVK_REAL/$1" "$work/$2.hive" ;;
	esac
	chmod u+w "$work/$2.hive"
}

# edit HIVE REGFILE: merge a .reg text into a copy of HIVE (as SYSTEM).
edit() {
	hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$1" "$2"
}

# windows_disk NAME HIVE [hibernated] DRIVER...: an MBR disk with one NTFS
# partition holding Windows' tree, the hive and the drivers' files.
windows_disk() {
	local name=$1 hive=$2 hib=$3
	local part=$work/$name.ntfs
	shift 3
	truncate -s 40M "$part"
	mkntfs -F -Q -q -L Windows -p 2048 "$part" >/dev/null 2>&1
	ntfs-3g "$part" "$mnt"
	_mounts+=("$mnt")
	mkdir -p "$mnt/Windows/System32/config" "$mnt/Windows/System32/drivers"
	cp "$hive" "$mnt/Windows/System32/config/SYSTEM"
	for d in "$@"; do
		: >"$mnt/Windows/System32/drivers/$d.sys"
	done
	if [ "$hib" = hibernated ]; then
		# Windows writes "HIBR" (or "hibr") at the start of hiberfil.sys
		printf 'HIBR' >"$mnt/hiberfil.sys"
		truncate -s 64K "$mnt/hiberfil.sys"
	fi
	umount "$mnt"
	truncate -s 48M "$work/$name.raw"
	echo 'start=2048, type=7, bootable' | sfdisk -q "$work/$name.raw"
	dd if="$part" of="$work/$name.raw" bs=512 seek=2048 conv=notrunc status=none
	rm -f "$part"
}

# appliance NAME FIRMWARE SCSI: NAME.ova from $work/NAME.raw.
appliance() {
	OVK_APPLIANCE_DISK=$work/$1.raw "$OVK_SRC/tests/images/appliance/make_appliance.sh" \
		"$work" "$1" "$2" "$3" >/dev/null
}

# expect NAME BUS [NOTE]: --print-xml puts the boot disk on BUS (as
# guest_disk_bus.py says it: "ide", "scsi/lsisas1068 wwn"), and --json gives
# a reason; NOTE, when given, is in what it says.
expect() {
	local name=$1 bus=$2 note=${3:-} out got
	if ! out=$("$IMPORT" -c test:///default --dir "$work" "$work/$name.ova" --print-xml \
		2>"$work/stderr")
	then
		not_ok "$name: ova-import --print-xml failed" "$(cat "$work/stderr")"
		return
	fi
	got=$(python3 "$OVK_SRC/tests/images/guest_disk_bus.py" <<<"$out")
	if [ "$got" != "$bus" ]; then
		not_ok "$name: on $got, want $bus" "$(cat "$work/stderr")"
	elif [ -n "$note" ] && ! grep -qF -- "$note" "$work/stderr"; then
		not_ok "$name: no \"$note\"" "$(cat "$work/stderr")"
	else
		ok "$name: the boot disk on $bus"
	fi
	out=$("$IMPORT" -c test:///default --dir "$work" "$work/$name.ova" --print-xml --json 2>&1) ||
		true
	check "$name: --json gives the disk's reason" grep -q '"why": "[a-z]' <<<"$out"
}

hive regipy/SYSTEM.xz win7
hive regipy/SYSTEM_2.xz win81
hive dissect.regf/SYSTEM.gz win10
hive winevt-kb/SYSTEM winxp
hive gosecretsdump/system win2003

windows_disk win7 "$work/win7.hive" no lsi_sas lsi_scsi intelide atapi msahci
cp "$work/win7.raw" "$work/win7-sas.raw" && appliance win7-sas bios lsilogicsas
expect win7-sas "scsi/lsisas1068 wwn"
mv "$work/win7.raw" "$work/win7-lsi.raw" && appliance win7-lsi bios lsilogic
expect win7-lsi ide "Windows 7"

windows_disk win81 "$work/win81.hive" no storahci lsi_sas lsi_sas2 stornvme intelide
appliance win81 bios lsilogicsas
expect win81 sata

windows_disk win10 "$work/win10.hive" no storahci stornvme intelide atapi
appliance win10 efi lsilogicsas
expect win10 sata

windows_disk winxp "$work/winxp.hive" no intelide atapi
appliance winxp bios lsilogic
expect winxp ide

windows_disk win2003 "$work/win2003.hive" no symmpi intelide atapi
appliance win2003 bios lsilogic
expect win2003 ide

# vioscsi as a boot-start driver, as virtio-win's installer leaves it
cp "$work/win7.hive" "$work/vio.hive"
cat >"$work/vio.reg" <<'EOF'
[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\vioscsi]
"Start"=dword:00000000
"Type"=dword:00000001
"ImagePath"=hex(2):53,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,64,00,72,00,69,00,76,00,65,00,72,00,73,00,5c,00,76,00,69,00,6f,00,73,00,63,00,73,00,69,00,2e,00,73,00,79,00,73,00,00,00
EOF
edit "$work/vio.hive" "$work/vio.reg"
windows_disk winvio "$work/vio.hive" no vioscsi lsi_sas lsi_scsi intelide atapi
appliance winvio bios lsilogicsas
expect winvio scsi/virtio-scsi

# only LSI_SCSI (the 53C1030's Vista+ driver) at boot: nothing QEMU has
cp "$work/win7.hive" "$work/lsi.hive"
cat >"$work/lsi.reg" <<'EOF'
[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\LSI_SAS]
"Start"=dword:00000003

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\intelide]
"Start"=dword:00000003

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\services\atapi]
"Start"=dword:00000003
EOF
edit "$work/lsi.hive" "$work/lsi.reg"
windows_disk winlsi "$work/lsi.hive" no lsi_sas lsi_scsi intelide atapi msahci
appliance winlsi bios lsilogic
rc=0
out=$("$IMPORT" -c test:///default --dir "$work" "$work/winlsi.ova" --print-xml 2>&1) || rc=$?
if [ "$rc" = 1 ] && grep -q -- "--bus keep" <<<"$out" && grep -q "vioscsi" <<<"$out"; then
	ok "winlsi: refused: $(grep -m1 -- '--bus keep' <<<"$out")"
else
	not_ok "winlsi: exit $rc, want 1 and a message naming vioscsi and --bus keep" "$out"
fi

windows_disk winhib "$work/win81.hive" hibernated storahci
appliance winhib bios lsilogicsas
expect winhib sata "Fast Startup"

_real_checked=1
finish
