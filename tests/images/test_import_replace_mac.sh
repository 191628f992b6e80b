#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_import_replace_mac.sh: --replace keeps the guest's MACs (issue 17),
# end to end on a real libvirtd (qemu:///system).  A DHCP reservation is
# keyed on the MAC, so a re-import must not give the guest a new one.
#
# The test appliance's NIC is stripped of its OVF MAC (as VirtualBox and
# many vendors export them): the first import lets libvirt make one up;
# `--replace` must define the new domain with that same MAC (and say so),
# while a NIC whose OVF gives a MAC gets the OVF's, replaced or not.
# Defined only, never started: no guest runs.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$OVK_SRC/scripts/lib/libvirtd.sh"

IMPORT=${OVK_BIN:-$(dirname "$OVA_CONVERT")}/ova-import
[ -x "$IMPORT" ] || die "ova-import not found at $IMPORT"
[ "$(id -u)" -eq 0 ] || skip_all "starting libvirtd needs root"
ovk_libvirtd_start || die "cannot start libvirtd (scripts/lib/libvirtd.sh)"
need virsh ip tar python3

tag=ovkm$$
br=${tag}br
name=$tag-vm
V="virsh -q -c qemu:///system"

cleanup_libvirt() {
	$V undefine "$name" >/dev/null 2>&1
	ip link del "$br" 2>/dev/null
	_cleanup
}
trap cleanup_libvirt EXIT

mkdir -p "$T/app" "$T/nomac" "$T/disks"
"$OVK_SRC/tests/images/appliance/make_appliance.sh" "$T/app" tiny >/dev/null ||
	die "cannot build the test appliance"
tar -C "$T/nomac" -xf "$T/app/tiny.ova" tiny.ovf tiny-disk1.vmdk || die "cannot unpack"
sed -i '/<rasd:Address>00:50:56:aa:bb:01<\/rasd:Address>/d' "$T/nomac/tiny.ovf"
grep -q '00:50:56:aa:bb:01' "$T/nomac/tiny.ovf" && die "cannot strip the MAC"
tar -C "$T/nomac" --format=ustar -cf "$T/nomac.ova" tiny.ovf tiny-disk1.vmdk || die "cannot tar"
ip link add "$br" type bridge || die "cannot create bridge $br"

# macs: the defined domain's MACs, one per line, in NIC order.
macs() { $V domiflist "$name" | awk '{ print $NF }'; }

import() {
	run "$IMPORT" -c qemu:///system --dir "$T/disks" --bridge "$br" --name "$name" "$@"
}

import "$T/nomac.ova"
[ "$RC" -eq 0 ] || die "first import failed (exit $RC): $ERR"
first=$(macs)
check "first import: libvirt made up a MAC" grep -Eq '^52:54:00(:[0-9a-f]{2}){3}$' <<<"$first"

import --replace "$T/nomac.ova"
check "--replace: exit 0" [ "$RC" -eq 0 ]
check "--replace: the NIC keeps MAC $first" [ "$(macs)" = "$first" ]
check "--replace: the summary says the MAC is kept" \
	grep -q "nic 1: $first (kept: the MAC of the domain it replaces)" <<<"$OUT"

import --replace "$T/app/tiny.ova"
check "--replace with an OVF that gives a MAC: the OVF's wins" \
	[ "$(macs)" = "00:50:56:aa:bb:01" ]
check "... and no MAC is said to be kept" \
	bash -c '! grep -q "kept: the MAC" <<<"$1"' _ "$OUT"
finish
