#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_export_roundtrip.sh: ova-import of an ova-export of an imported
# appliance (issue 14), on a real libvirtd (scripts/lib/libvirtd.sh).
#
# The tiny appliances (tests/images/appliance/make_appliance.sh; BIOS, and
# EFI) are imported into a pool (disks as pool volumes), exported from the
# domain with `ova-export -c qemu:///system DOMAIN`, and the export is
# imported again.  The two domains must have the same vCPUs, memory,
# firmware, number of disks and NICs (MAC and model), and byte-identical
# disks; the exported VMDKs must pass qemu-img check.  The BIOS guest of
# the second import is started and must print its marker: it still boots
# after the round trip.  A shut-off domain is exported without --force.
# The volume is also exported through virStorageVolDownload (--download,
# the path a remote URI takes) and must give the same disk, and so must a
# file disk whose path is that volume.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
EXPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-export
[ -x "$IMPORT" ] && [ -x "$EXPORT" ] || die "ova-import or ova-export not found"
[ "$(id -u)" -eq 0 ] || skip_all "starting libvirtd needs root"
[ "$OVK_SANITIZE" = 1 ] && skip_all "the boot test runs once, in the release build"
ovk_libvirtd_start "${OVK_APPLIANCE_DEPS[@]}" || die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
need virsh ip python3 unshare
BOOT_TIMEOUT=120
CHECK="python3 $OVK_SRC/tests/images/check_export.py"

tag=ovkx$$
pool=$tag-pool
br=${tag}br
doms=()
V="virsh -q -c qemu:///system"

cleanup_libvirt() {
	local d
	for d in "${doms[@]}"; do
		$V destroy "$d" >/dev/null 2>&1
		$V undefine --nvram "$d" >/dev/null 2>&1
	done
	for d in $($V vol-list "$pool" 2>/dev/null | awk '{print $1}'); do
		$V vol-delete "$d" --pool "$pool" >/dev/null 2>&1
	done
	$V pool-destroy "$pool" >/dev/null 2>&1
	$V pool-undefine "$pool" >/dev/null 2>&1
	ip link del "$br" 2>/dev/null
	_cleanup
}
trap cleanup_libvirt EXIT

mkdir -p "$T/app" "$T/pool"
$V pool-define-as "$pool" dir --target "$T/pool" >/dev/null && $V pool-start "$pool" >/dev/null ||
	die "cannot create the test pool"
ip link add "$br" type bridge && ip link set "$br" up || die "cannot create bridge $br"

# round_trip FW: import, export, import again; compare.
round_trip() {
	local fw=$1 a=$tag-$1-a b=$tag-$1-b va vb
	"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" "rt$fw" "$fw" >/dev/null ||
		die "cannot build the $fw appliance"
	doms+=("$a" "$b")
	run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$a" "$T/app/rt$fw.ova"
	[ "$RC" -eq 0 ] || { not_ok "$fw: first import" "$ERR"; return; }
	run "$EXPORT" -c qemu:///system --json "$a" "$T/rt$fw.ova"
	check "$fw: ova-export of the shut-off domain exits 0 (no --force needed)" [ "$RC" -eq 0 ]
	mkdir -p "$T/x$fw" && tar -C "$T/x$fw" -xf "$T/rt$fw.ova" || { not_ok "$fw: unpack"; return; }
	check "$fw: the exported VMDK passes qemu-img check" qemu-img check -q "$T/x$fw/$a-disk1.vmdk"
	va=$($V vol-path "$a-vmdisk1.qcow2" --pool "$pool")
	check "$fw: the exported VMDK equals the domain's volume" \
		qemu-img compare -U -q -f qcow2 -F vmdk "$va" "$T/x$fw/$a-disk1.vmdk"
	# The volume read through libvirt (virStorageVolDownload), as from a
	# remote host, gives the same disk.
	run "$EXPORT" -c qemu:///system --download --dir "$a" "$T/dl$fw"
	check "$fw: --download (virStorageVolDownload) exports the same disk" \
		qemu-img compare -q -f vmdk -F vmdk "$T/x$fw/$a-disk1.vmdk" "$T/dl$fw/$a-disk1.vmdk"
	# A file disk (as virt-install writes them) is read through libvirt too,
	# as the pool volume its path is: the same domain with its disk as
	# <disk type='file'>, exported where the file itself cannot be seen.
	if [ "$fw" = bios ]; then
		doms+=("$a-f")
		$V dumpxml --inactive "$a" | python3 -c '
import re, sys
x = sys.stdin.read()
x = re.sub(r"<uuid>.*?</uuid>", "", x)
x = re.sub(r"<name>[^<]*</name>", "<name>" + sys.argv[1] + "</name>", x, count=1)
x = re.sub(r"<mac address=[^/]*/>", "", x)
x = x.replace("<disk type=\"volume\" device=\"disk\">", "<disk type=\"file\" device=\"disk\">")
x = x.replace("<disk type='"'"'volume'"'"' device='"'"'disk'"'"'>", "<disk type='"'"'file'"'"' device='"'"'disk'"'"'>")
x = re.sub(r"<source pool=.[^ ]* volume=.[^/]*/>", "<source file=\"" + sys.argv[2] + "\"/>", x)
print(x)' "$a-f" "$va" >"$T/$a-f.xml" && $V define "$T/$a-f.xml" >/dev/null ||
			die "cannot define $a-f"
		check "bios: the copy has a file disk" grep -q "<source file='$va'" <<<"$($V dumpxml "$a-f")"
		# In a mount namespace where the pool's directory is an empty
		# tmpfs, the file is out of ova-export's reach, as on a remote
		# host; libvirtd still has it.
		run unshare -m sh -c 'mount -t tmpfs none "$1" && exec "$2" -c qemu:///system \
			--download --dir "$3" "$4"' _ "$T/pool" "$EXPORT" "$a-f" "$T/dlf"
		check "bios: --download of a file disk that ova-export cannot see (read as the pool volume its path is) exports the same disk" \
			qemu-img compare -q -f vmdk -F vmdk "$T/x$fw/$a-disk1.vmdk" "$T/dlf/$a-f-disk1.vmdk"
	fi
	run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$b" \
		--serial-log "$T/$b.serial" $([ "$fw" = bios ] && echo --start) "$T/rt$fw.ova"
	check "$fw: the export imports again" [ "$RC" -eq 0 ]
	$V dumpxml --inactive "$a" >"$T/$a.xml" && $V dumpxml --inactive "$b" >"$T/$b.xml"
	tally $CHECK same "$T/$a.xml" "$T/$b.xml"
	vb=$($V vol-path "$b-vmdisk1.qcow2" --pool "$pool")
	check "$fw: the disk is byte-identical after the round trip (guest bytes)" \
		qemu-img compare -U -q -f qcow2 -F qcow2 "$va" "$vb"
	check "$fw: and equals the appliance's own disk" \
		qemu-img compare -U -q -f raw -F qcow2 "$T/app/rt$fw-disk1.raw" "$vb"
}

round_trip bios
if wait_marker "$T/$tag-bios-b.serial"; then
	ok "bios: the round-tripped guest boots and prints its marker"
else
	not_ok "bios: no marker within ${BOOT_TIMEOUT}s" "$(cat "$T/$tag-bios-b.serial" 2>/dev/null)"
fi
round_trip efi

finish
