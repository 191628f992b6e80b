#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_efi.sh: the EFI half of issue 7's boot proof, on a real
# libvirtd (scripts/lib/libvirtd.sh).
#
# The tiny EFI appliance (tests/images/appliance: a gnu-efi application on
# a GPT disk with a FAT ESP, streamOptimized VMDK, a VMware-style OVF that
# says firmware=efi with the boot disk on lsilogic) is imported with
# `ova-import --firmware auto --start`:
#   1. the mapping moves the boot disk to sata with a warning (OVMF has no
#      LSI driver), keeps secure boot off, and the guest prints its marker;
#   2. the same disk on each SCSI model VMware EFI appliances use, forced
#      with --bus keep, records which ones OVMF boots.  With Debian 12's
#      OVMF (2022.11) none of them does, and the test asserts exactly that:
#      when a newer OVMF gains a driver this test fails and says so, and
#      plan_disk.c's ovmf_cannot_boot() should follow.
#
# KVM or TCG: under nested KVM on some hosts OVMF faults at its first
# instructions (QEMU: "KVM internal error ... emulation failure", the
# domain pauses).  Case 1 tries what ova-import picks by default (kvm when
# offered); when that guest pauses, stops or prints nothing, the test
# re-imports with --virt-type qemu (TCG) and uses TCG for the rest.  The
# output says which, and why.
#
# Needs root (it starts libvirtd): skipped otherwise.  Bounded: the KVM
# probe takes at most PROBE_TIMEOUT, each TCG boot at most BOOT_TIMEOUT,
# and the three SCSI cases run side by side.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
[ "$(id -u)" -eq 0 ] || skip_all "starting libvirtd needs root"
[ "$OVK_SANITIZE" = 1 ] && skip_all "the boot test runs once, in the release build"
ovk_libvirtd_start "${OVK_APPLIANCE_DEPS[@]}" || die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
need virsh ip gcc sfdisk mkfs.vfat mcopy
# KVM reaches OVMF's boot manager in ~2 s when it works; a guest that has
# printed nothing by then has not reached the firmware.
PROBE_TIMEOUT=20
# TCG: OVMF reaches the application in ~10 s on one idle core; three
# guests side by side on a busy CI machine get a wide margin.
BOOT_TIMEOUT=150
MARKER=OVK-EFI-APPLIANCE-BOOTED
# What OVMF prints when it gives up on a boot option or on all of them.
GAVE_UP='BdsDxe: failed to load|No bootable option'
SCSI_MODELS=(lsilogic lsilogicsas VirtualSCSI)

tag=ovke$$
br=${tag}br
doms=()
V="virsh -q -c qemu:///system"

cleanup_libvirt() {
	local d
	for d in "${doms[@]}"; do
		$V destroy "$d" >/dev/null 2>&1
		$V undefine --nvram "$d" >/dev/null 2>&1
	done
	ip link del "$br" 2>/dev/null
	_cleanup
}
trap cleanup_libvirt EXIT

mkdir -p "$T/app" "$T/disks"
for m in "${SCSI_MODELS[@]}"; do
	"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" "efi-$m" efi "$m" >/dev/null ||
		die "cannot build the EFI test appliance ($m)"
done
ip link add "$br" type bridge && ip link set "$br" up || die "cannot create bridge $br"
echo "# OVMF: $(dpkg-query -W -f='${Package} ${Version}' ovmf 2>/dev/null || echo unknown)"

# import NAME OVA [ARGS...]: ova-import --start into $T/disks; sets RC/OUT/ERR.
import() {
	local name=$1 ova=$2
	shift 2
	doms+=("$name")
	run "$IMPORT" -c qemu:///system --dir "$T/disks" --bridge "$br" --name "$name" \
		--start --replace --serial-log "$T/$name.serial" "$@" "$ova"
}

# kvm_failure NAME: why the guest did not reach the firmware under KVM,
# or nothing when it is still running normally.
kvm_failure() {
	local state
	state=$($V domstate --reason "$1" 2>/dev/null)
	case $state in
	running*) return 1 ;;
	esac
	echo "domain $state; $(grep -m1 -E 'KVM internal error|emulation failure|error' \
		"/var/log/libvirt/qemu/$1.log" 2>/dev/null || echo 'no QEMU error logged')"
}

# ---- 1. --firmware auto: lsilogic boot disk moved to sata, boots.
name=$tag-auto
ova=$T/app/efi-lsilogic.ova
import "$name" "$ova" --firmware auto
[ "$RC" -eq 0 ] || die "EFI import failed (exit $RC): $ERR"
ok "auto: imported and started ($(grep -o 'domain type [a-z]*' <<<"$OUT"))"
check "auto: warns that OVMF cannot boot from lsilogic" \
	grep -q "OVMF cannot boot from lsilogic, the boot disk's drives go on sata" <<<"$OUT"
# The definition says firmware='efi'; the running domain shows the loader
# libvirt's auto-selection resolved it to.
xml=$($V dumpxml --inactive "$name")
live=$($V dumpxml "$name")
check "auto: boot disk on sata, q35, firmware efi" \
	python3 "$OVK_SRC/tests/images/check_import.py" efi-defined "$xml"
check "auto: secure boot off, libvirt chose a loader without it" \
	python3 "$OVK_SRC/tests/images/check_import.py" efi-running "$live"

efi_type=
if grep -q 'domain type kvm' <<<"$OUT"; then
	if ovk_serial_wait "$T/$name.serial" "$PROBE_TIMEOUT" "$MARKER|BdsDxe"; then
		efi_type=kvm
		echo "# KVM runs OVMF here: the EFI guests use KVM"
	else
		why=$(kvm_failure "$name") || why="nothing on the serial port within ${PROBE_TIMEOUT}s"
		echo "# KVM cannot run OVMF here ($why): the EFI guests use TCG (--virt-type qemu)"
		import "$name" "$ova" --firmware auto --virt-type qemu
		[ "$RC" -eq 0 ] || die "EFI import under TCG failed (exit $RC): $ERR"
		efi_type=qemu
	fi
else
	efi_type=qemu
	echo "# the host offers no KVM: the EFI guests use TCG"
fi
if ovk_serial_wait "$T/$name.serial" "$BOOT_TIMEOUT" "$MARKER"; then
	ok "auto: the EFI guest printed its marker from the sata disk (domain type $efi_type)"
else
	not_ok "auto: no marker within ${BOOT_TIMEOUT}s (domain type $efi_type)" \
		"$(tr -d '\033' <"$T/$name.serial" 2>/dev/null | tail -n 5)"
	finish
fi
$V destroy "$name" >/dev/null 2>&1

# ---- 2. --bus keep on each SCSI model: which ones OVMF boots.
declare -A LIBVIRT_MODEL=([lsilogic]=lsilogic [lsilogicsas]=lsisas1068 [VirtualSCSI]=vmpvscsi)
for m in "${SCSI_MODELS[@]}"; do
	import "$tag-keep-$m" "$T/app/efi-$m.ova" --bus keep --virt-type "$efi_type"
	if [ "$RC" -ne 0 ]; then
		not_ok "keep $m: import (exit $RC)" "$ERR"
		continue
	fi
	check "keep $m: boot disk kept on scsi ${LIBVIRT_MODEL[$m]}" grep -q \
		"controller type='scsi' index='0' model='${LIBVIRT_MODEL[$m]}'" \
		<($V dumpxml "$tag-keep-$m")
done
booted=() failed=()
for m in "${SCSI_MODELS[@]}"; do
	log=$T/$tag-keep-$m.serial
	if ! ovk_serial_wait "$log" "$BOOT_TIMEOUT" "$MARKER|$GAVE_UP"; then
		not_ok "keep $m: neither the marker nor a boot failure within ${BOOT_TIMEOUT}s" \
			"$(tr -d '\033' <"$log" 2>/dev/null | tail -n 5)"
		continue
	fi
	# The marker can follow a failed CD-ROM option by a moment.
	sleep 2
	if grep -q "$MARKER" "$log"; then
		booted+=("$m")
	else
		failed+=("$m")
		echo "# keep $m: $(grep -m1 -oE "($GAVE_UP).*" "$log" | tr -d '\r' | cut -c1-110)"
	fi
	$V destroy "$tag-keep-$m" >/dev/null 2>&1
done
echo "# OVMF booted the EFI disk on: ${booted[*]:-none}; not on: ${failed[*]:-none}"
for m in "${booted[@]}"; do
	not_ok "keep $m: OVMF BOOTED from it. A newer OVMF gained a driver for this" \
		"controller: update ovmf_cannot_boot() in src/virt/plan_disk.c (and issue 7's" \
		"table) so EFI guests keep it, then this test's SCSI_MODELS expectation."
done
for m in "${failed[@]}"; do
	ok "keep $m: OVMF does not boot from it (as plan_disk.c assumes; a newer OVMF gaining a driver shows up here)"
done

finish
