#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_ovfenv_boot.sh: issue 13's proof that the OVF environment
# reaches the guest.  A real Linux guest (tests/guests/mkguest.sh: Debian's
# kernel, a busybox root whose /sbin/init is ovfenv-init) ships in an
# appliance whose OVF has a required "ip" property (vmw:qualifiers="Ip",
# no default) and asks for the iso transport.  Then:
#   - imported without --prop ip, it is refused: exit 2, and the domain
#     list, the pool's volumes and its directory are as they were; a
#     define that fails after the uploads leaves them as they were too;
#   - imported with --prop ip=192.0.2.55 --start, the domain has a
#     read-only CD-ROM on the environment's volume, whose ISO 9660 image
#     xorriso and bsdtar list and extract: ovf-env.xml, well-formed
#     (xmllint), in DSP0243's environment namespace, with the value;
#   - the guest mounts its CD-ROM, reads ovf-env.xml and prints
#     "OVK-OVFENV-envg ip=192.0.2.55" on its serial port.
#
# Needs root (loop devices, mounts, libvirtd): skipped otherwise.  Every
# loop device, mount, domain, volume, pool and bridge is removed on exit.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"
. "$OVK_SRC/scripts/lib/deps.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
G=$OVK_SRC/tests/guests
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
[ "$(id -u)" -eq 0 ] || skip_all "loop devices, mounts and libvirtd need root"
[ "$OVK_SANITIZE" = 1 ] && skip_all "the boot test runs once, in the release build"
ovk_libvirtd_start "${OVK_APPLIANCE_DEPS[@]}" "${OVK_GUEST_DEPS[@]}" ||
	die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
need virsh ip unshare losetup sfdisk mkfs.ext4 extlinux depmod cpio dpkg-deb python3 \
	xorriso bsdtar xmllint
# Under TCG on a busy core: SeaBIOS, extlinux, the kernel, the CD-ROM.
BOOT_TIMEOUT=400
IP=192.0.2.55

tag=ovkenv$$
pool=$tag-pool
br=${tag}br
dom=$tag-envg
V="virsh -q -c qemu:///system"

cleanup_env() {
	$V destroy "$dom" >/dev/null 2>&1
	$V undefine "$dom" >/dev/null 2>&1
	scratch_down "$pool" "$br"
	_cleanup
}
trap cleanup_env EXIT

mkdir -p "$T/app" "$T/pool"
read -r kver kdir < <("$G/kernel.sh") && [ -n "${kdir:-}" ] ||
	die "cannot get the Debian kernel (tests/guests/kernel.sh)"
scratch_up "$pool" "$br" "$T/pool" || die "cannot create the test pool and bridge"
t0=$SECONDS
OVK_APPLIANCE_OVFENV=1 "$G/mkguest.sh" "$T/app" envg "$kdir" "$kver" loader=extlinux \
	drivers=generic init=ovfenv >"$T/build.log" 2>&1 ||
	die "cannot build the guest: $(tail -n 20 "$T/build.log")"
ok "guest built from real parts in $((SECONDS - t0)) s"

# What the host holds of this test's: its domain, the pool's volumes, its
# directory (other tests define their own domains alongside under ctest -j).
state() {
	$V list --all --name | grep -Fx "$dom" | sort
	$V vol-list "$pool" | sort
	ls -A "$T/pool"
}

# 1. Without the required property: a usage error, nothing created.
before=$(state)
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$dom" --start \
	"$T/app/envg.ova"
check "without --prop ip: exit 2 (got $RC)" [ "$RC" -eq 2 ]
check "without --prop ip: the message names the property and --prop" \
	grep -q "property 'ip' (string, Ip) has no default value: give one with --prop ip=VALUE" \
	<<<"$ERR"
check "without --prop ip: no domain, volume or file created" [ "$(state)" = "$before" ]
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$dom" \
	--prop ip=192.0.2.300 "$T/app/envg.ova"
check "--prop ip=192.0.2.300: exit 2 (got $RC: $ERR)" [ "$RC" -eq 2 ]
check "--prop ip=192.0.2.300: nothing created" [ "$(state)" = "$before" ]

# A define that fails once the disk and the ISO are uploaded (libvirt's
# schema refuses a relative serial log): both volumes are deleted.
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$dom" \
	--serial-log relative.log --prop "ip=$IP" "$T/app/envg.ova"
check "a failing define: exit 1 (got $RC: $ERR)" [ "$RC" -eq 1 ]
check "a failing define: the ISO and disk volumes are rolled back" [ "$(state)" = "$before" ]

# 2. With it: the CD-ROM holds the environment.
run "$IMPORT" -c qemu:///system --pool "$pool" --bridge "$br" --name "$dom" --start \
	--serial-log "$T/envg.serial" --prop "ip=$IP" "$T/app/envg.ova"
if [ "$RC" -ne 0 ]; then
	not_ok "--prop ip=$IP --start: import (exit $RC)" "$ERR"
	finish
fi
ok "imported with --prop ip=$IP and started ($(grep -o 'domain type [a-z]*' <<<"$OUT"))"
check "the summary says where the environment is" grep -q "OVF environment: 2 properties" <<<"$OUT"
xml=$($V dumpxml --inactive "$dom")
check "the domain has a read-only CD-ROM on the environment's volume" python3 -c '
import sys, xml.etree.ElementTree as ET
d = ET.fromstring(sys.argv[1])
cds = [x for x in d.iter("disk") if x.get("device") == "cdrom"
       and x.find("source") is not None and x.find("source").get("volume") == sys.argv[2]]
assert len(cds) == 1 and cds[0].find("readonly") is not None, sys.argv[1]
' "$xml" "$dom-ovf-env.iso"
iso=$($V vol-path "$dom-ovf-env.iso" --pool "$pool" 2>/dev/null)
check "the ISO volume exists" [ -f "$iso" ]
check "xorriso lists ovf-env.xml in the image's root" \
	grep -qx "'/ovf-env.xml'" <(xorriso -indev "$iso" -find / 2>/dev/null)
bsdtar -xOf "$iso" ovf-env.xml >"$T/ovf-env.xml" 2>"$T/bsdtar.err"
check "bsdtar extracts ovf-env.xml" [ -s "$T/ovf-env.xml" ]
check "xmllint: ovf-env.xml is well-formed" xmllint --noout "$T/ovf-env.xml"
check "ovf-env.xml: the environment namespace, oe:id, and both properties" python3 -c '
import sys, xml.etree.ElementTree as ET
NS = "{http://schemas.dmtf.org/ovf/environment/1}"
r = ET.parse(sys.argv[1]).getroot()
assert r.tag == NS + "Environment", r.tag
assert r.get(NS + "id") == "envg", r.attrib
p = {x.get(NS + "key"): x.get(NS + "value") for x in r.iter(NS + "Property")}
assert p == {"ip": sys.argv[2], "hostname": "ovkenv"}, p
' "$T/ovf-env.xml" "$IP"

# 3. The guest read it from its CD-ROM.
marker="OVK-OVFENV-envg ip=$IP"
got=
for ((i = 0; i < BOOT_TIMEOUT * 2; i++)); do
	grep -aq "OVK-OVFENV-envg" "$T/envg.serial" 2>/dev/null && { got=1; break; }
	grep -aq "Kernel panic\|NOROOT" "$T/envg.serial" 2>/dev/null && break
	sleep 0.5
done
if [ -n "$got" ] && grep -aq "$marker" "$T/envg.serial"; then
	ok "the guest printed '$marker' from the CD-ROM's ovf-env.xml"
else
	not_ok "the guest did not print '$marker' within ${BOOT_TIMEOUT}s" \
		"$(tail -n 30 "$T/envg.serial" 2>/dev/null)"
fi
finish
