#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_guest_linux.sh: issue 12's real Linux guests, imported and booted.
#
# Each guest of tests/guests/guests.sh is built here, as root, from real
# parts (Debian's linux-image-amd64 kernel, busybox-static, an initramfs
# with the driver set a distribution would have made on VMware, ext4/XFS
# with and without LVM, GRUB BIOS/EFI or extlinux: tests/guests/mkguest.sh)
# and shipped as a VMware-style OVA naming the source's controller.  Then
# `ova-import --start` must choose a bus the guest can drive, and the guest
# must print OVK-GUEST-<name>-ROOT-OK from its own mounted root on its
# serial port within BOOT_TIMEOUT:
#   - the bus in the defined domain is the one the guest table expects
#     (virtio-scsi for initramfs-tools' generic set, ide on pc for dracut's
#     LSI Parallel set with ata_piix, vmpvscsi, lsisas1068 with a <wwn>);
#   - `--print-xml` chooses the same, and its `--json` names the machine
#     (pc for ide), the rule's bus and the drivers the guest has at boot:
#     those of the default kernel's initramfs (the lsi guest's grubenv
#     picks it inside GRUB's submenu, behind a rescue entry with every
#     driver);
#   - the guest with no driver QEMU can serve (nodrv) is refused: exit 1,
#     one line naming its drivers and `--bus keep`, and no domain, volume
#     or file left; with `--bus keep` it is defined all the same.
# The kernel .deb and its unpacked tree are cached (tests/guests/kernel.sh);
# the images are built anew each run, two at a time, while the guests
# already imported boot.
# When a guest prints nothing, the raw disk is booted under plain QEMU on
# the bus the table says it boots on (tests/guests/bootq.sh), so the
# failure says whether the image or the import is at fault.
#
# Needs root (loop devices, mounts, libvirtd): skipped otherwise.  Every
# loop device, mount, domain, volume, pool and bridge is removed on exit,
# and the LVM metadata of the guests' VGs (named <tag><guest>, unique per
# run) never reaches the host's /etc/lvm.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"
. "$OVK_SRC/scripts/lib/deps.sh"
. "$OVK_SRC/tests/guests/guests.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
G=$OVK_SRC/tests/guests
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
[ "$(id -u)" -eq 0 ] || skip_all "loop devices, mounts and libvirtd need root"
[ "$OVK_SANITIZE" = 1 ] && skip_all "the boot test runs once, in the release build"
ovk_libvirtd_start "${OVK_APPLIANCE_DEPS[@]}" "${OVK_GUEST_DEPS[@]}" ||
	die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
need virsh ip unshare losetup sfdisk mkfs.ext4 mkfs.xfs mkfs.vfat lvm grub-install extlinux \
	fusefat depmod cpio xz zstd dpkg-deb apt-get qemu-system-x86_64
# Seconds from a guest's start to its marker.  Under TCG on one busy CI
# core: SeaBIOS or OVMF, GRUB reading an 8 MiB kernel and its initramfs,
# the kernel (7 s of its own clock), while the other guests boot and
# images build beside it; ~35 s alone here.
BOOT_TIMEOUT=400

tag=ovkgl$$
pool=$tag-pool
br=${tag}br
doms=()
V="virsh -q -c qemu:///system"
building=()

cleanup_guests() {
	local d p
	# A build stopped by TERM unmounts and detaches what it made.
	for p in "${building[@]}"; do kill "$p" 2>/dev/null; done
	wait
	for d in "${doms[@]}"; do
		$V destroy "$d" >/dev/null 2>&1
		$V undefine --nvram "$d" >/dev/null 2>&1
	done
	scratch_down "$pool" "$br"
	_cleanup
}
trap cleanup_guests EXIT

mkdir -p "$T/app" "$T/pool"
t0=$SECONDS
read -r kver kdir < <("$G/kernel.sh") && [ -n "${kdir:-}" ] ||
	die "cannot get the Debian kernel (tests/guests/kernel.sh)"
echo "# kernel $kver from linux-image-amd64 ($((SECONDS - t0)) s)"
scratch_up "$pool" "$br" "$T/pool" || die "cannot create the test pool and bridge"

# ---- builds, two at a time, in the background.
declare -A build_pid build_t0 started
build() {
	local n=$1
	# shellcheck disable=SC2086  # the table's arguments are words
	"$G/mkguest.sh" "$T/app" "$n" "$kdir" "$kver" ${GUEST_ARGS[$n]} vg="$tag$n" \
		>"$T/$n.build.log" 2>&1 &
	build_pid[$n]=$!
	build_t0[$n]=$SECONDS
	building+=($!)
}
next=0
build_more() {
	while [ "$next" -lt ${#GUEST_NAMES[@]} ] && [ "$next" -lt "$1" ]; do
		build "${GUEST_NAMES[next]}"
		next=$((next + 1))
	done
}
build_more 2

# import NAME [ARGS...]: ova-import NAME's appliance into the pool as
# domain $tag-NAME; sets RC/OUT/ERR.
import() {
	local n=$1
	shift
	run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$tag-$n" "$@" \
		"$T/app/$n.ova"
}

# state_clean NAME: no domain, no volume, no file of NAME's import left
# (the pool holds the other guests' volumes).
state_clean() {
	! $V dominfo "$tag-$1" >/dev/null 2>&1 &&
		[ -z "$($V vol-list "$pool" | awk -v d="$tag-$1" 'index($1, d) == 1')" ] &&
		[ -z "$(find "$T/pool" -name "*$tag-$1*")" ] && [ ! -e "$T/$1.serial" ]
}

for i in "${!GUEST_NAMES[@]}"; do
	n=${GUEST_NAMES[i]}
	wait "${build_pid[$n]}"
	rc=$?
	build_more $((i + 3))
	if [ "$rc" -ne 0 ]; then
		not_ok "$n: build the guest (tests/guests/mkguest.sh, exit $rc)" \
			"$(tail -n 20 "$T/$n.build.log")"
		continue
	fi
	ok "$n: built from real parts in $((SECONDS - build_t0[$n])) s (${GUEST_ARGS[$n]//$'\n\t'/ })"
	want=${GUEST_BUS[$n]}

	# The domain XML on stdout, the --json summary on stderr.
	run "$IMPORT" -c qemu:///system --pool "$pool" --print-xml --json "$T/app/$n.ova"
	if [ "$want" = refused ]; then
		check "$n: --print-xml refuses it too (exit 1)" [ "$RC" -eq 1 ]
	elif [ "$RC" -eq 0 ]; then
		got=$(python3 "$OVK_SRC/tests/images/guest_disk_bus.py" <<<"$OUT")
		check "$n: --print-xml puts the boot disk on $want (got: $got)" [ "$got" = "$want" ]
		got=$(python3 "$OVK_SRC/tests/images/guest_summary.py" <<<"$ERR")
		check "$n: --json says machine, bus and boot drivers '${GUEST_JSON[$n]}' (got: $got)" \
			[ "$got" = "${GUEST_JSON[$n]}" ]
	else
		not_ok "$n: --print-xml (exit $RC)" "$ERR"
	fi

	args=(--start --serial-log "$T/$n.serial")
	# OVMF can fault under nested KVM (test_import_efi.sh): TCG for EFI.
	[ "${GUEST_FW[$n]}" = efi ] && args+=(--virt-type qemu)
	doms+=("$tag-$n")
	import "$n" "${args[@]}"
	started[$n]=$EPOCHSECONDS
	if [ "$want" = refused ]; then
		lines=$(printf '%s' "$ERR" | grep -c '')
		check "$n: refused with exit 1 (got $RC)" [ "$RC" -eq 1 ]
		check "$n: one line on stderr ($lines): $ERR" [ "$lines" -eq 1 ]
		check "$n: the message names the guest's drivers and --bus keep" \
			grep -q "mptspi.*--bus keep\|--bus keep.*mptspi" <<<"$ERR"
		check "$n: no domain, volume or file left" state_clean "$n"
		import "$n" --bus keep
		check "$n: --bus keep defines it all the same (exit $RC)" [ "$RC" -eq 0 ]
		check "$n: --bus keep keeps the OVF's lsilogic" \
			grep -qx "scsi/lsilogic" <(python3 "$OVK_SRC/tests/images/guest_disk_bus.py" \
				< <($V dumpxml --inactive "$tag-$n"))
		unset "started[$n]"
		continue
	fi
	if [ "$RC" -ne 0 ]; then
		not_ok "$n: ova-import --start (exit $RC)" "$ERR"
		unset "started[$n]"
		continue
	fi
	ok "$n: imported and started ($(grep -o 'domain type [a-z]*' <<<"$OUT"))"
	got=$(python3 "$OVK_SRC/tests/images/guest_disk_bus.py" < <($V dumpxml --inactive "$tag-$n"))
	check "$n: the defined domain has the boot disk on $want (got: $got)" [ "$got" = "$want" ]
done

# wait_guest NAME SECONDS: 0 once NAME's marker is on its serial log; 1 as
# soon as the guest says it found no root (or panics), powers off without
# the marker (on_poweroff is destroy: the domain stops running), or after
# SECONDS.  A guest that fails ends the wait when it fails, not at the
# timeout.
wait_guest() {
	local n=$1 log=$T/$1.serial i
	for ((i = 0; i < $2 * 2; i++)); do
		grep -aq "OVK-GUEST-$n-ROOT-OK" "$log" 2>/dev/null && return 0
		grep -aqE "OVK-GUEST-$n-NOROOT|Kernel panic" "$log" 2>/dev/null && return 1
		if [ $((i % 10)) -eq 9 ] && [ "$($V domstate "$tag-$n" 2>/dev/null)" != running ]; then
			grep -aq "OVK-GUEST-$n-ROOT-OK" "$log" 2>/dev/null
			return
		fi
		sleep 0.5
	done
	return 1
}

# ---- the markers, each within BOOT_TIMEOUT of its guest's start.
for n in "${GUEST_NAMES[@]}"; do
	[ -n "${started[$n]:-}" ] || continue
	left=$((started[$n] + BOOT_TIMEOUT - EPOCHSECONDS))
	[ "$left" -gt 0 ] || left=1
	if wait_guest "$n" "$left"; then
		# The log's last write: the marker or the power-off after it.
		ok "$n: booted from its root in ~$(($(stat -c %Y "$T/$n.serial") - started[$n])) s:" \
			"$(grep -a -o "OVK-GUEST-$n-ROOT-OK.*" "$T/$n.serial" | tr -d '\r')"
		continue
	fi
	# Did the image boot on its own?  Plain QEMU on the bus it boots on.
	qbus=${GUEST_QEMU[$n]%%!*}
	qbus=${qbus%% *}
	oracle="plain QEMU not tried"
	if [ -n "$qbus" ]; then
		if "$G/bootq.sh" "$T/app/$n-disk1.raw" "$qbus" "${GUEST_FW[$n]}" 180 2>&1 |
			grep -aq "OVK-GUEST-$n-ROOT-OK"; then
			oracle="the raw disk boots under plain QEMU on $qbus: the import is at fault"
		else
			oracle="the raw disk does not boot under plain QEMU on $qbus either"
		fi
	fi
	not_ok "$n: no OVK-GUEST-$n-ROOT-OK within $((EPOCHSECONDS - started[$n])) s" "$oracle" \
		"$(grep -a -E 'OVK-|Kernel panic|error:' "$T/$n.serial" 2>/dev/null | tr -d '\r' | tail -n 5)"
done

# ---- the host's LVM kept nothing of the guests' VGs.
check "no VG of this run in /etc/lvm/backup or /etc/lvm/archive" \
	[ -z "$(find /etc/lvm/backup /etc/lvm/archive -name "$tag*" 2>/dev/null)" ]
check "no loop device left on the disk images" \
	[ -z "$(losetup -a | grep -F "$T/")" ]
echo "# the whole test: $((SECONDS - t0)) s"
finish
